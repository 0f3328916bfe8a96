"""The mediation REST API: the dispute lifecycle with its refusals, the referral from a petition and the
escalation to one, the documents and the export, scoping, masking of the parties and constant query
counts of the lists. Requests carry a personal token, as a phone app or a script would."""

import datetime
import io
import json
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from openpyxl import load_workbook

from zhenwu.core.choices import AuditAction, Role
from zhenwu.core.models import AuditEvent
from zhenwu.core.services.people import person_create
from zhenwu.core.services.tokens import token_create
from zhenwu.core.views.common import DOCX_CONTENT_TYPE, XLSX_CONTENT_TYPE
from zhenwu.mediation.choices import DisputeStatus
from zhenwu.mediation.models import Dispute, DisputeKind, FollowUp, MediationAgreement, MediationSession
from zhenwu.mediation.tests.factories import (
    ID_A,
    ID_B,
    accepted_dispute,
    at,
    make_dispute,
    record_session,
)
from zhenwu.petitions.models import Petition
from zhenwu.petitions.tests.factories import register
from zhenwu.public.selectors import petition_by_code
from zhenwu.testing.world import PASSWORD, World

pytestmark = pytest.mark.django_db

Api = Callable[[str], Client]
BASE = "/api/mediation"


@pytest.fixture
def sq_office(world: World) -> Any:
    """The office of 石桥镇 (SQ): a township next door, which must never see 河坝镇's disputes."""
    return person_create(
        actor=world.user("admin"),
        username="sq-office",
        full_name="孙石桥",
        unit=world.other_township,
        role=Role.OFFICE,
        password=PASSWORD,
    )


@pytest.fixture
def api(world: World, sq_office: Any) -> Api:
    """A client per role (and ``sq`` for the SQ office), authenticated by a personal token."""
    clients: dict[str, Client] = {}

    def client(role: str) -> Client:
        if role not in clients:
            user = sq_office if role == "sq" else world.user(role)
            _token, key = token_create(actor=user, name="测试")
            clients[role] = Client(headers={"Authorization": f"Bearer {key}"})
        return clients[role]

    return client


def post(client: Client, url: str, data: dict[str, Any] | None = None) -> Any:
    return client.post(url, data=json.dumps(data or {}), content_type="application/json")


def patch(client: Client, url: str, data: dict[str, Any]) -> Any:
    return client.patch(url, data=json.dumps(data), content_type="application/json")


def assert_error(response: Any, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.content
    body: dict[str, Any] = response.json()
    assert set(body) == {"code", "message", "errors"}
    assert body["code"] == code and body["message"]
    return body


def land() -> int:
    return DisputeKind.objects.get(code="land_forest").pk


def parties() -> list[dict[str, Any]]:
    return [
        {
            "side": "applicant",
            "name": "张小明",
            "id_number": ID_A,
            "phone": "13812345678",
            "address": "河坝镇河东村3组12号",
        },
        {"side": "respondent", "name": "李大山", "id_number": ID_B, "phone": "13987654321"},
        {
            "kind": "organisation",
            "side": "third_party",
            "name": "河坝镇农机合作社",
            "representative": "王五一",
            "phone": "13700001111",
        },
    ]


def new_dispute(world: World, **overrides: Any) -> dict[str, Any]:
    return {
        "handling_unit": world.township.pk,
        "kind": land(),
        "source": "resident_request",
        "summary": "承包地边界纠纷",
        "details": "两户承包地相邻，地界石被移动。",
        "place": "河东村3组",
        "risk_note": "秋收前需定界，否则可能再起争执。",
        "parties": parties(),
        "mediators": [world.user("mediator").pk],
        **overrides,
    }


AGREEMENT = {
    "facts": "双方承包地相邻，因地界石移位发生争执。",
    "issues": "两块承包地的分界线位置。",
    "responsibilities": "李大山移动地界石，负主要责任。",
    "terms": "以2010年确权图为准恢复地界石。",
    "performance_manner": "双方在调解员见证下共同恢复地界石。",
    "performance_due": "2026-04-10",
    "signed_on": "2026-03-10",
}


def url(dispute_id: int, tail: str = "") -> str:
    return f"{BASE}/disputes/{dispute_id}{tail}"


# --- the lifecycle --------------------------------------------------------------------------------


def test_register_mediate_agree_follow_up_and_close(world, api, clock):
    created = post(api("office"), f"{BASE}/disputes", new_dispute(world))
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["status"] == "registered" and body["number"] == "2026-HB-TJ0001"
    assert body["kind"]["code"] == "land_forest" and body["handling_unit"]["code"] == "HB"
    assert [m["name"] for m in body["mediators"]] == ["陈平"]
    assert body["parties_unmasked"] is False
    assert [p["name"] for p in body["parties"]] == ["张*明", "李*山", "河坝镇农机合作社"]
    assert body["parties"][2]["representative"] == "王*一"
    dispute_id = body["id"]

    accepted = post(api("mediator"), url(dispute_id, "/accept"))
    assert accepted.status_code == 200, accepted.content
    assert accepted.json()["status"] == "accepted"
    assert accepted.json()["due_on"] == "2026-04-09"  # 30 days from acceptance
    assert accepted.json()["overdue"] is False

    for held, record in (
        ("2026-03-10T08:00:00+08:00", "双方陈述经过。"),
        ("2026-03-10T08:30", "现场勘查地界。"),
    ):
        session = post(
            api("mediator"),
            url(dispute_id, "/sessions"),
            {"held_at": held, "participants": "张小明、李大山、陈平", "record": record, "place": "调解室"},
        )
        assert session.status_code == 201, session.content
        assert session.json()["recorded_by"] == "陈平"
    # A time without an offset is Beijing time.
    assert datetime.datetime.fromisoformat(session.json()["held_at"]) == at("2026-03-10", 8, 30)

    agreement = post(api("mediator"), url(dispute_id, "/agreement"), AGREEMENT)
    assert agreement.status_code == 201, agreement.content
    assert agreement.json()["confirmation_due_on"] == "2026-04-09"  # 30 days to apply to the court
    assert agreement.json()["copies"] == 4  # one per party and one for the committee

    detail = api("office").get(url(dispute_id)).json()
    assert detail["status"] == "agreed" and len(detail["sessions"]) == 2
    assert detail["agreement"]["terms"] == AGREEMENT["terms"]
    assert [f["due_on"] for f in detail["follow_ups"]] == ["2026-03-25"]  # first visit: 15 days

    scheduled = post(
        api("mediator"), url(dispute_id, "/follow-ups"), {"due_on": "2026-04-15", "method": "phone"}
    )
    assert scheduled.status_code == 201, scheduled.content
    assert scheduled.json()["method"] == "phone" and scheduled.json()["done_at"] is None

    # Closing with visits pending is refused.
    assert_error(post(api("office"), url(dispute_id, "/close")), 400, "follow_up_missing")
    for follow_up in FollowUp.objects.filter(dispute_id=dispute_id):
        done = post(
            api("mediator"),
            url(dispute_id, f"/follow-ups/{follow_up.pk}/record"),
            {"performance": "performed", "notes": "地界石已恢复。"},
        )
        assert done.status_code == 200, done.content
        assert done.json()["done_by"] == "陈平" and done.json()["performance"] == "performed"
    again = post(
        api("mediator"),
        url(dispute_id, f"/follow-ups/{follow_up.pk}/record"),
        {"performance": "performed", "notes": "再次回访。"},
    )
    assert_error(again, 409, "already_done")

    closed = post(api("office"), url(dispute_id, "/close"), {"note": "协议已履行"})
    assert closed.status_code == 200, closed.content
    assert closed.json()["status"] == "closed" and closed.json()["close_note"] == "协议已履行"


def test_documents_are_docx_and_each_is_an_audited_view_of_the_parties(world, api):
    dispute = accepted_dispute(world)
    none_yet = api("office").get(url(dispute.pk, "/record.docx"))
    assert_error(none_yet, 409, "invalid_transition")
    post(
        api("mediator"),
        url(dispute.pk, "/sessions"),
        {"held_at": "2026-03-10T08:30", "participants": "张小明、李大山", "record": "双方陈述。"},
    )
    assert_error(api("office").get(url(dispute.pk, "/agreement.docx")), 409, "invalid_transition")
    assert not AuditEvent.objects.filter(action=AuditAction.VIEW_PERSONAL).exists()
    post(api("mediator"), url(dispute.pk, "/agreement"), AGREEMENT)

    for name in ("agreement.docx", "record.docx"):
        response = api("office").get(url(dispute.pk, f"/{name}"))
        assert response.status_code == 200, response.content
        assert response["Content-Type"] == DOCX_CONTENT_TYPE
        assert response["X-Content-Type-Options"] == "nosniff"
        assert (
            "attachment" in response["Content-Disposition"]
            and dispute.number in response["Content-Disposition"]
        )
        assert response.content[:2] == b"PK"
    views = AuditEvent.objects.filter(action=AuditAction.VIEW_PERSONAL, object_id=str(dispute.pk))
    assert views.count() == 2
    # Oversight reads the ledger, not the parties: refused, and the refusal is recorded.
    assert_error(api("oversight").get(url(dispute.pk, "/agreement.docx")), 403, "permission_denied")
    assert AuditEvent.objects.filter(action=AuditAction.DENIED, object_id=str(dispute.pk)).exists()


@pytest.mark.parametrize(
    ("missing", "field"),
    [
        ("facts", "facts"),
        ("issues", "issues"),
        ("responsibilities", "responsibilities"),
        ("terms", "terms"),
        ("performance_manner", "performance_manner"),
        ("performance_due", "performance_due"),
        ("signed_on", "signed_on"),
    ],
)
def test_an_agreement_without_the_required_contents_is_400_and_nothing_is_saved(world, api, missing, field):
    dispute = accepted_dispute(world)
    post(
        api("mediator"),
        url(dispute.pk, "/sessions"),
        {"held_at": "2026-03-10T08:30", "participants": "张小明、李大山", "record": "双方陈述。"},
    )
    data = {k: v for k, v in AGREEMENT.items() if k != missing}
    body = assert_error(
        post(api("mediator"), url(dispute.pk, "/agreement"), data), 400, "agreement_incomplete"
    )
    assert field in body["errors"]
    assert not MediationAgreement.objects.exists()
    dispute.refresh_from_db()
    assert dispute.status == DisputeStatus.ACCEPTED and not dispute.follow_ups.exists()


def test_an_empty_agreement_names_every_missing_content(world, api):
    dispute = accepted_dispute(world)
    post(
        api("mediator"),
        url(dispute.pk, "/sessions"),
        {"held_at": "2026-03-10T08:30", "participants": "张小明、李大山", "record": "双方陈述。"},
    )
    body = assert_error(post(api("mediator"), url(dispute.pk, "/agreement"), {}), 400, "agreement_incomplete")
    assert set(body["errors"]) >= {
        "facts",
        "issues",
        "responsibilities",
        "terms",
        "performance_manner",
        "performance_due",
        "signed_on",
    }


def test_lifecycle_refusals(world, api):
    dispute = make_dispute(world)
    # Not in mediation yet: no session, no agreement.
    session = {"held_at": "2026-03-10T08:30", "participants": "张小明", "record": "陈述"}
    assert_error(post(api("mediator"), url(dispute.pk, "/sessions"), session), 409, "invalid_transition")
    assert_error(post(api("mediator"), url(dispute.pk, "/agreement"), AGREEMENT), 409, "invalid_transition")
    # A leader and oversight do not mediate.
    assert_error(post(api("leader"), url(dispute.pk, "/accept")), 403, "permission_denied")
    assert_error(post(api("oversight"), url(dispute.pk, "/accept")), 403, "permission_denied")
    post(api("office"), url(dispute.pk, "/accept"))
    # An agreement needs a session first.
    assert_error(post(api("mediator"), url(dispute.pk, "/agreement"), AGREEMENT), 400, "no_session")
    # A session in the future.
    future = {**session, "held_at": "2026-03-11T08:30"}
    assert (
        "held_at"
        in assert_error(
            post(api("mediator"), url(dispute.pk, "/sessions"), future), 400, "validation_failed"
        )["errors"]
    )
    # Follow-ups come after mediation.
    assert_error(
        post(api("mediator"), url(dispute.pk, "/follow-ups"), {"due_on": "2026-04-01"}),
        409,
        "invalid_transition",
    )
    # A channel the law does not know is a 422 (the schema's enumeration).
    bad = post(api("mediator"), url(dispute.pk, "/no-agreement"), {"reason": "分歧大", "channel": "fist"})
    assert_error(bad, 422, "validation_failed")
    assert_error(
        post(api("mediator"), url(dispute.pk, "/no-agreement"), {"reason": " ", "channel": "litigation"}),
        400,
        "invalid",
    )
    assert MediationSession.objects.count() == 0


def test_register_refusals_are_400_per_field_and_nothing_saved(world, api):
    one_party = new_dispute(world, parties=parties()[:1])
    assert (
        "parties"
        in assert_error(post(api("office"), f"{BASE}/disputes", one_party), 400, "invalid")["errors"]
    )
    bad_id = new_dispute(world, parties=[{**parties()[0], "id_number": "110105194912310021"}, parties()[1]])
    assert (
        "parties" in assert_error(post(api("office"), f"{BASE}/disputes", bad_id), 400, "invalid")["errors"]
    )
    inactive = DisputeKind.objects.get(code="other")
    patch(api("office"), f"{BASE}/kinds/{inactive.pk}", {"is_active": False})
    assert (
        "kind"
        in assert_error(
            post(api("office"), f"{BASE}/disputes", new_dispute(world, kind=inactive.pk)), 400, "invalid"
        )["errors"]
    )
    from_petition = new_dispute(world, source="petition")
    assert_error(post(api("office"), f"{BASE}/disputes", from_petition), 400, "invalid")
    # Oversized text is the schema's 422, in the API's error shape.
    too_long = new_dispute(world, summary="纠" * 201)
    assert (
        "summary"
        in assert_error(post(api("office"), f"{BASE}/disputes", too_long), 422, "validation_failed")["errors"]
    )
    # A mediator of another township is out of scope: 404 (its existence is not revealed).
    assert_error(
        post(api("office"), f"{BASE}/disputes", new_dispute(world, mediators=[10**6])), 404, "not_found"
    )
    assert not Dispute.objects.exists()


def test_kinds_are_configured_by_the_office(world, api):
    listed = api("reporter").get(f"{BASE}/kinds").json()
    assert [k["code"] for k in listed["items"]][:2] == ["family", "neighbours"] and listed["count"] == 8
    created = post(api("office"), f"{BASE}/kinds", {"code": "water", "name": "用水纠纷", "sort_order": 85})
    assert created.status_code == 201, created.content
    assert_error(
        post(api("mediator"), f"{BASE}/kinds", {"code": "x", "name": "某"}), 403, "permission_denied"
    )
    changed = patch(
        api("office"), f"{BASE}/kinds/{created.json()['id']}", {"is_active": False, "name": "用水"}
    )
    assert changed.json() == {**created.json(), "is_active": False, "name": "用水"}
    assert api("office").get(f"{BASE}/kinds").json()["count"] == 8
    assert api("office").get(f"{BASE}/kinds?include_inactive=true").json()["count"] == 9
    assert_error(patch(api("office"), f"{BASE}/kinds/999999", {"name": "无"}), 404, "not_found")


# --- petitions ------------------------------------------------------------------------------------


def refer_body(world: World, petition: Petition, unit: Any = None) -> dict[str, Any]:
    return {
        "petition": petition.pk,
        "handling_unit": (unit or world.township).pk,
        "kind": land(),
        "respondents": [{"side": "respondent", "name": "李大山", "id_number": ID_B}],
        "mediators": [world.user("mediator").pk],
    }


def test_a_petition_is_referred_once_and_both_keep_the_link(world, api):
    petition, _code = register(world.user("office"), world.township, summary="承包地界址争议")
    referred = post(api("office"), f"{BASE}/disputes/refer", refer_body(world, petition))
    assert referred.status_code == 201, referred.content
    body = referred.json()
    assert body["source"] == "petition" and body["summary"] == "承包地界址争议"
    assert body["petition"] == {
        "id": petition.pk,
        "number": petition.number,
        "status": "registered",
        "status_label": body["petition"]["status_label"],
    }
    assert [(p["side"], p["name"]) for p in body["parties"]] == [
        ("applicant", "张*明"),
        ("respondent", "李*山"),
    ]
    # The petition's timeline says where it went.
    assert petition.events.filter(data__dispute=body["id"]).exists()

    again = post(api("mediator"), f"{BASE}/disputes/refer", refer_body(world, petition))
    assert_error(again, 409, "already_referred")
    assert Dispute.objects.count() == 1
    # The reporter of HB-01 sees neither the township's petition nor its dispute.
    assert_error(
        post(api("reporter"), f"{BASE}/disputes/refer", refer_body(world, petition)), 404, "not_found"
    )


def test_a_linked_petition_is_shown_only_to_whoever_may_see_it(world, api):
    petition, _code = register(world.user("office"), world.township, summary="承包地界址争议")
    referred = post(
        api("office"), f"{BASE}/disputes/refer", refer_body(world, petition, world.village)
    ).json()
    # The dispute is HB-01's, so its reporter sees it, but not the township's petition behind it.
    assert api("reporter").get(url(referred["id"])).json()["petition"] is None
    assert api("office").get(url(referred["id"])).json()["petition"]["number"] == petition.number


def test_decline_then_escalate_returns_the_query_code_once(world, api):
    dispute = make_dispute(world)
    declined = post(
        api("mediator"),
        url(dispute.pk, "/decline"),
        {"reason": "涉及行政确权，调解委员会无权处理", "channel": "petition", "advice": "向镇信访办反映"},
    )
    assert declined.status_code == 200, declined.content
    assert declined.json()["status"] == "declined" and declined.json()["advised_channel"] == "petition"

    assert_error(post(api("mediator"), url(dispute.pk, "/escalate")), 403, "permission_denied")
    escalated = post(api("office"), url(dispute.pk, "/escalate"), {"channel": "visit"})
    assert escalated.status_code == 201, escalated.content
    body = escalated.json()
    petition = Petition.objects.get(pk=body["petition_id"])
    assert body["number"] == petition.number and body["dispute_id"] == dispute.pk
    # The code works on the resident's tracking page; only its hash is kept.
    assert petition_by_code(petition.number, body["query_code"]) is not None
    assert body["query_code"] not in json.dumps(api("office").get(url(dispute.pk)).json())
    # Only the resident applicant petitions.
    assert [p.petitioner.name for p in petition.parties.select_related("petitioner")] == ["张小明"]
    detail = api("office").get(url(dispute.pk)).json()
    assert detail["escalated_petition"]["number"] == petition.number

    assert_error(post(api("office"), url(dispute.pk, "/escalate")), 409, "already_escalated")
    in_mediation = accepted_dispute(world, summary="另一起纠纷")
    assert_error(post(api("office"), url(in_mediation.pk, "/escalate")), 409, "invalid_transition")


def test_no_agreement_then_close(world, api):
    dispute = accepted_dispute(world)
    ended = post(
        api("mediator"),
        url(dispute.pk, "/no-agreement"),
        {"reason": "双方分歧过大", "channel": "litigation", "advice": "可向县人民法院起诉"},
    )
    assert ended.status_code == 200, ended.content
    assert ended.json()["status"] == "not_agreed" and ended.json()["no_agreement_reason"] == "双方分歧过大"
    closed = post(api("mediator"), url(dispute.pk, "/close"))
    assert closed.status_code == 200 and closed.json()["status"] == "closed"
    assert_error(patch(api("office"), url(dispute.pk), {"place": "别处"}), 409, "invalid_transition")


def test_update_changes_what_is_known(world, api):
    dispute = make_dispute(world)
    changed = patch(
        api("mediator"),
        url(dispute.pk),
        {
            "summary": "承包地及林地边界纠纷",
            "risk_note": "涉及多户",
            "kind": DisputeKind.objects.get(code="neighbours").pk,
        },
    )
    assert changed.status_code == 200, changed.content
    body = changed.json()
    assert body["summary"] == "承包地及林地边界纠纷" and body["risk_note"] == "涉及多户"
    assert body["kind"]["code"] == "neighbours"
    assert_error(patch(api("leader"), url(dispute.pk), {"place": "别处"}), 403, "permission_denied")


# --- scoping and masking --------------------------------------------------------------------------


def test_scoping_other_township_and_other_village_are_404(world, api):
    township = make_dispute(world, summary="镇里的纠纷")
    village = make_dispute(world, handling_unit=world.village2, summary="河西村的纠纷")
    mine = make_dispute(world, handling_unit=world.village, summary="河东村的纠纷")
    sq = make_dispute(world, actor=world.user("admin"), handling_unit=world.other_township, mediators=[])
    for dispute in (township, village, mine):
        assert_error(api("sq").get(url(dispute.pk)), 404, "not_found")
        assert_error(post(api("sq"), url(dispute.pk, "/accept")), 404, "not_found")
    for dispute in (township, village):
        assert_error(api("reporter").get(url(dispute.pk)), 404, "not_found")
        assert_error(api("reporter").get(url(dispute.pk, "/record.docx")), 404, "not_found")
    assert api("reporter").get(url(mine.pk)).status_code == 200
    assert_error(api("office").get(url(sq.pk)), 404, "not_found")

    def listed(role: str, query: str = "") -> set[int]:
        return {row["id"] for row in api(role).get(f"{BASE}/disputes{query}").json()["items"]}

    assert listed("reporter") == {mine.pk}
    assert listed("office") == {township.pk, village.pk, mine.pk}
    assert listed("sq") == {sq.pk}
    assert listed("admin") == {township.pk, village.pk, mine.pk, sq.pk}
    assert listed("office", f"?unit={world.village2.pk}") == {village.pk}
    assert_error(api("reporter").get(f"{BASE}/disputes?unit={world.village2.pk}"), 404, "not_found")
    assert listed("office", "?q=河西") == {village.pk}
    assert listed("office", "?status=open") == {township.pk, village.pk, mine.pk}
    assert listed("office", "?status=accepted") == set()


def test_ledger_filters_overdue_and_dates(world, api, clock):
    late = accepted_dispute(world, summary="久拖未决")
    make_dispute(world, summary="新登记")
    clock.move_to(datetime.datetime.fromisoformat("2026-04-20T09:00:00+08:00"))
    rows = api("office").get(f"{BASE}/disputes?status=overdue").json()["items"]
    assert [(r["id"], r["overdue"]) for r in rows] == [(late.pk, True)]
    assert api("office").get(f"{BASE}/disputes?registered_from=2026-03-11").json()["count"] == 0
    assert api("office").get(f"{BASE}/disputes?registered_to=2026-03-10").json()["count"] == 2
    bad = api("office").get(f"{BASE}/disputes?registered_from=2026-03-11&registered_to=2026-03-10")
    assert "registered_to" in assert_error(bad, 400, "validation_failed")["errors"]
    assert_error(api("office").get(f"{BASE}/disputes?status=lost"), 422, "validation_failed")


def test_parties_are_masked_unless_revealed_and_every_reveal_is_audited(world, api):
    dispute_id = post(api("office"), f"{BASE}/disputes", new_dispute(world)).json()["id"]
    row = api("oversight").get(f"{BASE}/disputes").json()["items"][0]
    assert row["parties"] == "张*明、李*山、河坝镇农机合作社"
    masked = api("mediator").get(url(dispute_id)).json()["parties"][0]
    assert masked == {
        "id": masked["id"],
        "kind": "person",
        "side": "applicant",
        "name": "张*明",
        "id_number": "110105********002X",
        "phone": "138****5678",
        "address": "河坝镇河东村…",
        "representative": "",
    }
    assert not AuditEvent.objects.filter(action=AuditAction.VIEW_PERSONAL).exists()

    revealed = api("mediator").get(url(dispute_id) + "?unmasked=true").json()
    assert revealed["parties_unmasked"] is True
    assert revealed["parties"][0]["id_number"] == ID_A and revealed["parties"][0]["phone"] == "13812345678"
    assert revealed["parties"][2]["representative"] == "王五一"
    event = AuditEvent.objects.get(action=AuditAction.VIEW_PERSONAL)
    assert event.object_id == str(dispute_id) and event.actor == world.user("mediator")

    for role in ("oversight", "reporter"):
        refused = api(role).get(url(dispute_id) + "?unmasked=true")
        assert refused.status_code in (403, 404)
    assert_error(api("oversight").get(url(dispute_id) + "?unmasked=true"), 403, "permission_denied")
    assert AuditEvent.objects.filter(action=AuditAction.DENIED, actor=world.user("oversight")).exists()


def _sheet_text(content: bytes) -> str:
    workbook = load_workbook(io.BytesIO(content), read_only=True)
    return " ".join(
        str(cell)
        for sheet in workbook.worksheets
        for row in sheet.iter_rows(values_only=True)
        for cell in row
    )


def test_the_export_is_masked_unless_revealed(world, api):
    post(api("office"), f"{BASE}/disputes", new_dispute(world))
    make_dispute(
        world,
        actor=world.user("admin"),
        handling_unit=world.other_township,
        mediators=[],
        summary="石桥镇纠纷",
    )
    masked = api("oversight").get(f"{BASE}/disputes/export.xlsx")
    assert masked.status_code == 200, masked.content
    assert masked["Content-Type"] == XLSX_CONTENT_TYPE and masked["X-Content-Type-Options"] == "nosniff"
    text = _sheet_text(masked.content)
    assert "张*明" in text and "张小明" not in text and "石桥镇纠纷" not in text
    assert_error(api("oversight").get(f"{BASE}/disputes/export.xlsx?unmasked=true"), 403, "permission_denied")
    assert_error(api("reporter").get(f"{BASE}/disputes/export.xlsx"), 403, "permission_denied")

    full = api("office").get(f"{BASE}/disputes/export.xlsx?unmasked=true&status=open")
    assert full.status_code == 200
    assert "张小明" in _sheet_text(full.content)
    assert AuditEvent.objects.filter(action=AuditAction.VIEW_PERSONAL, actor=world.user("office")).exists()


# --- query counts ---------------------------------------------------------------------------------


def _count(client: Client, path: str) -> tuple[int, int]:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(path)
    assert response.status_code == 200, response.content
    return len(ctx.captured_queries), response.json()["count"]


def _more_disputes(world: World, n: int) -> None:
    for i in range(n):
        record_session(world, accepted_dispute(world, summary=f"纠纷{i}", handling_unit=world.village))


@pytest.mark.parametrize(
    "path",
    [
        f"{BASE}/disputes",
        f"{BASE}/disputes?status=open&q=纠纷",
        f"{BASE}/kinds?include_inactive=true",
    ],
)
@pytest.mark.parametrize("role", ["office", "reporter", "admin"])
def test_list_query_counts_are_constant(world, api, path, role):
    _more_disputes(world, 3)
    client = api(role)
    _count(client, path)  # warm-up (the token's last use, the session)
    few, few_rows = _count(client, path)
    _more_disputes(world, 12)
    for i in range(12):
        post(api("office"), f"{BASE}/kinds", {"code": f"k{i}", "name": f"类型{i}"})
    many, many_rows = _count(client, path)
    assert many_rows > few_rows
    assert many == few
