"""The mediation staff pages through the test client: a land dispute from a petition to its closing,
declining, escalation, masking and the audited reveal, refusals, the ledger and its export, kinds,
the dashboard. Time is 2026-03-10 09:00 in Shanghai (conftest)."""

import datetime
import io
import re
from typing import Any

import pytest
import time_machine
from django.conf import settings
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from zhenwu.core.choices import AuditAction, Role
from zhenwu.core.models import AuditEvent
from zhenwu.core.services.people import person_create
from zhenwu.core.views.common import DOCX_CONTENT_TYPE, XLSX_CONTENT_TYPE
from zhenwu.mediation import services
from zhenwu.mediation.choices import DisputeSource, DisputeStatus, PartySide, Performance
from zhenwu.mediation.models import Dispute, DisputeKind, FollowUp
from zhenwu.mediation.tests.factories import (
    ID_A,
    ID_B,
    accepted_dispute,
    agreed_dispute,
    at,
    dispute_kind,
    make_dispute,
    party,
)
from zhenwu.mediation.views import ESCALATED_SESSION_KEY
from zhenwu.petitions.models import Petition
from zhenwu.petitions.services import PetitionerIn, petition_register
from zhenwu.testing.world import PASSWORD, World

CJK = re.compile(r"[\u4e00-\u9fff]")


def login(client: Client, world: World, role: str, *, english: bool = False) -> Client:
    client.force_login(world.user(role))
    if english:
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def messages_of(response: Any) -> list[str]:
    return [str(m) for m in response.context["messages"]] if response.context else []


def html_of(client: Client, name: str, *args: Any, **query: Any) -> str:
    response = client.get(reverse(name, args=args), query)
    assert response.status_code == 200
    return str(response.content.decode())


def post(client: Client, name: str, *args: Any, data: dict[str, Any] | None = None) -> Any:
    return client.post(reverse(name, args=args), data or {}, follow=True)


def parties(*rows: dict[str, str], total: int | None = None) -> dict[str, Any]:
    """The parties formset as posted: ``rows`` filled in, then empty rows up to ``total``."""
    data: dict[str, Any] = {
        "parties-TOTAL_FORMS": str(total if total is not None else len(rows)),
        "parties-INITIAL_FORMS": "0",
        "parties-MIN_NUM_FORMS": "0",
        "parties-MAX_NUM_FORMS": "20",
    }
    for index in range(total if total is not None else len(rows)):
        row = {"kind": "person", "side": "applicant" if index == 0 else "respondent", "name": ""}
        if index < len(rows):
            row.update(rows[index])
        for key, value in row.items():
            data[f"parties-{index}-{key}"] = value
    return data


def land_petition(world: World) -> Petition:
    petition, _code = petition_register(
        actor=world.user("office"),
        unit=world.township,
        channel="visit",
        petitioners=[
            PetitionerIn(name="张小明", id_number=ID_A, phone="13812345678", address="河坝镇河东村3组")
        ],
        summary="承包地地界被邻居移动",
        content="邻居李大山把两家承包地之间的地界石向我家地里移了两米。",
        place="河东村3组",
    )
    return petition


AGREEMENT = {
    "facts": "双方承包地相邻，地界石被移动。",
    "issues": "两块承包地的分界线。",
    "responsibilities": "李大山移动地界石，负主要责任。",
    "terms": "以确权图为准恢复地界石。",
    "performance_manner": "双方在调解员见证下共同恢复。",
    "performance_due": "2026-04-10",
    "signed_on": "2026-03-10",
}


# --- the whole path of the issue ---------------------------------------------------------------


def test_land_dispute_from_a_petition_to_closing(world: World, client: Client) -> None:
    petition = land_petition(world)
    mediator = world.user("mediator")
    login(client, world, "mediator")

    detail = html_of(client, "petitions:detail", petition.pk)
    refer_url = reverse("mediation:refer", args=[petition.pk])
    assert 'data-panel="mediation"' in detail and refer_url in detail

    form = html_of(client, "mediation:refer", petition.pk)
    assert petition.number in form and "张*明" in form and "张小明" not in form
    response = client.post(
        refer_url,
        {
            "kind": str(dispute_kind("land_forest").pk),
            "handling_unit": str(world.township.pk),
            "summary": "",
            "mediators": [str(mediator.pk)],
            **parties({"side": "respondent", "name": "李大山", "id_number": ID_B}),
        },
        follow=True,
    )
    dispute = Dispute.objects.get()
    assert response.redirect_chain[-1][0] == reverse("mediation:detail", args=[dispute.pk])
    assert (dispute.source, dispute.petition, dispute.summary) == (
        DisputeSource.PETITION,
        petition,
        petition.summary,
    )
    assert sorted(dispute.parties.values_list("side", flat=True)) == ["applicant", "respondent"]

    # The petition shows the dispute and its status, and no second referral.
    detail = html_of(client, "petitions:detail", petition.pk)
    assert dispute.number in detail and str(DisputeStatus(dispute.status).label) in detail
    assert refer_url not in detail
    # The dispute shows where it came from, with the petition's status.
    page = html_of(client, "mediation:detail", dispute.pk)
    assert petition.number in page and str(petition.get_status_display()) in page

    post(client, "mediation:accept", dispute.pk, data={"mediators": [str(mediator.pk)]})
    dispute.refresh_from_db()
    assert dispute.status == DisputeStatus.ACCEPTED and dispute.due_on is not None
    assert dispute.due_on.isoformat() in html_of(client, "mediation:detail", dispute.pk)

    for held_at in ("2026-03-10T08:00", "2026-03-10T08:40"):
        response = post(
            client,
            "mediation:session",
            dispute.pk,
            data={
                "held_at": held_at,
                "place": "调解室",
                "participants": "张小明、李大山",
                "record": "双方陈述。",
            },
        )
        assert response.status_code == 200 and messages_of(response)
    assert dispute.sessions.count() == 2

    response = post(client, "mediation:agreement", dispute.pk, data=AGREEMENT)
    dispute.refresh_from_db()
    assert dispute.status == DisputeStatus.AGREED
    page = response.content.decode()
    assert "data-agreement" in page and "2026-04-09" in page  # judicial confirmation: 30 days

    download = client.get(reverse("mediation:agreement_docx", args=[dispute.pk]))
    assert download.status_code == 200 and download["Content-Type"] == DOCX_CONTENT_TYPE
    assert download.content[:2] == b"PK"
    record = client.get(reverse("mediation:record_docx", args=[dispute.pk]))
    assert record.status_code == 200 and record["Content-Type"] == DOCX_CONTENT_TYPE
    downloads = AuditEvent.objects.filter(
        action=AuditAction.VIEW_PERSONAL, object_type="mediation.dispute", object_id=str(dispute.pk)
    )
    assert downloads.count() == 2

    post(client, "mediation:follow_up_schedule", dispute.pk, data={"due_on": "2026-04-15", "method": "phone"})
    follow_ups = list(FollowUp.objects.filter(dispute=dispute).order_by("due_on"))
    assert [f.due_on.isoformat() for f in follow_ups] == ["2026-03-25", "2026-04-15"]

    # Closing with a visit still pending is refused on the form.
    response = client.post(reverse("mediation:close", args=[dispute.pk]), {"note": ""})
    assert response.status_code == 400
    for follow_up in follow_ups:
        post(
            client,
            "mediation:follow_up_record",
            dispute.pk,
            follow_up.pk,
            data={"performance": Performance.PERFORMED, "notes": "地界石已恢复。", "method": "visit"},
        )
    assert not FollowUp.objects.filter(dispute=dispute, done_at__isnull=True).exists()
    response = post(client, "mediation:close", dispute.pk, data={"note": "协议已履行"})
    dispute.refresh_from_db()
    assert dispute.status == DisputeStatus.CLOSED
    assert 'data-action="' not in response.content.decode()  # nothing left to do


def test_decline_records_the_reason_and_the_channel(world: World, client: Client) -> None:
    dispute = make_dispute(world)
    login(client, world, "mediator")
    page = html_of(client, "mediation:detail", dispute.pk)
    assert 'data-action="accept"' in page and 'data-action="decline"' in page
    assert 'data-action="session"' not in page

    response = post(
        client,
        "mediation:decline",
        dispute.pk,
        data={"reason": "已进入诉讼程序", "channel": "litigation", "advice": "等待法院判决"},
    )
    dispute.refresh_from_db()
    assert (dispute.status, dispute.advised_channel) == (DisputeStatus.DECLINED, "litigation")
    page = response.content.decode()
    assert "已进入诉讼程序" in page and "等待法院判决" in page
    assert 'data-action="accept"' not in page
    # Registering a petition is the office's: the mediator is not offered it.
    assert 'data-action="escalate"' not in page


def test_escalation_shows_the_query_code_once(world: World, client: Client) -> None:
    dispute = make_dispute(world)
    services.dispute_decline(
        actor=world.user("office"), dispute=dispute, reason="不宜调解", channel="petition"
    )
    login(client, world, "office")
    assert 'data-action="escalate"' in html_of(client, "mediation:detail", dispute.pk)

    response = post(client, "mediation:escalate", dispute.pk, data={"channel": "visit", "content": ""})
    dispute.refresh_from_db()
    petition = dispute.escalated_petition
    assert petition is not None
    page = response.content.decode()
    code = re.search(r'<p class="stat-value">([A-Z0-9]{8})</p>', page)
    assert code is not None and petition.query_code_matches(code.group(1))
    assert petition.number in page and "data-query-code" in page
    assert ESCALATED_SESSION_KEY not in client.session
    again = html_of(client, "mediation:detail", dispute.pk)
    assert "data-query-code" not in again and code.group(1) not in again
    assert petition.number in again and 'data-action="escalate"' not in again
    # Escalating twice is refused.
    post(client, "mediation:escalate", dispute.pk, data={"channel": "visit"})
    assert Petition.objects.count() == 1


# --- masking -----------------------------------------------------------------------------------


def test_parties_are_masked_and_the_reveal_is_audited(world: World, client: Client) -> None:
    dispute = make_dispute(world)
    login(client, world, "office")
    listing = html_of(client, "mediation:list")
    assert dispute.number in listing and "张" not in listing.split("<tbody>")[1].split("</tbody>")[0]
    page = html_of(client, "mediation:detail", dispute.pk)
    assert "张*明" in page and "张小明" not in page and ID_A not in page and "13812345678" not in page
    assert reverse("mediation:reveal", args=[dispute.pk]) in page

    revealed = client.post(reverse("mediation:reveal", args=[dispute.pk]))
    assert revealed.status_code == 200 and revealed["Cache-Control"] == "no-store, private"
    text = revealed.content.decode()
    assert "张小明" in text and ID_A in text and "13812345678" in text and "data-revealed" in text
    event = AuditEvent.objects.get(action=AuditAction.VIEW_PERSONAL, object_id=str(dispute.pk))
    assert event.changes["fields"] == ["address", "id_number", "name", "phone", "representative"]

    login(client, world, "oversight")
    page = html_of(client, "mediation:detail", dispute.pk)
    assert reverse("mediation:reveal", args=[dispute.pk]) not in page
    refused = post(client, "mediation:reveal", dispute.pk)
    assert "张小明" not in refused.content.decode()
    assert any(CJK.search(m) for m in messages_of(refused))
    assert AuditEvent.objects.filter(action=AuditAction.DENIED, object_id=str(dispute.pk)).exists()


def test_an_organisation_keeps_its_name_and_its_representative_is_masked(
    world: World, client: Client
) -> None:
    dispute = make_dispute(
        world,
        kind="contract",
        parties=[
            party("张小明", PartySide.APPLICANT, id_number=ID_A),
            party(
                "河坝建材有限公司",
                PartySide.RESPONDENT,
                kind="organisation",
                id_number="91350100M000100Y43",
                representative="王建国",
            ),
        ],
    )
    login(client, world, "leader")
    page = html_of(client, "mediation:detail", dispute.pk)
    assert "河坝建材有限公司" in page and "91350100M000100Y43" in page
    assert "王*国" in page and "王建国" not in page
    assert 'data-action="' not in page  # a leader reads; the office and the mediators act


# --- refusals and forms ------------------------------------------------------------------------


def test_refused_agreement_keeps_the_input_and_shows_the_message(world: World, client: Client) -> None:
    dispute = accepted_dispute(world)
    login(client, world, "mediator", english=True)
    # Without a session the agreement form is not offered, and posting it is refused with a message.
    assert 'data-action="agreement"' not in html_of(client, "mediation:detail", dispute.pk)
    response = post(client, "mediation:agreement", dispute.pk, data=AGREEMENT)
    assert messages_of(response) == ["This action is not allowed in the current state."]

    services.session_record(
        actor=world.user("mediator"),
        dispute=dispute,
        held_at=at("2026-03-10", 8),
        participants="双方",
        record="记录",
    )
    bad = {**AGREEMENT, "performance_due": "2026-03-01", "terms": ""}
    response = client.post(reverse("mediation:agreement", args=[dispute.pk]), bad)
    assert response.status_code == 400
    page = response.content.decode()
    assert "Write the terms the parties agreed." in page
    assert "Performance cannot be due before the agreement takes effect." in page
    assert AGREEMENT["facts"] in page and 'value="2026-03-01"' in page  # what was typed is kept
    assert re.search(r'<details open data-action="agreement">', page)
    dispute.refresh_from_db()
    assert dispute.status == DisputeStatus.ACCEPTED and not hasattr(dispute, "agreement")


def test_decline_without_reason_keeps_the_input_and_shows_the_message(world: World, client: Client) -> None:
    dispute = make_dispute(world)
    login(client, world, "office", english=True)
    data = {"channel": "litigation", "advice": "向县人民法院起诉"}
    response = client.post(reverse("mediation:decline", args=[dispute.pk]), data)
    assert response.status_code == 400
    page = response.content.decode()
    field = page.split('id="id_decline_reason"')[1].split("</div>")[0]
    assert "Give the reason mediation is not accepted." in field
    assert "向县人民法院起诉" in page and re.search(r'<details open data-action="decline">', page)
    dispute.refresh_from_db()
    assert dispute.status == DisputeStatus.REGISTERED


def test_a_mediator_not_named_on_the_dispute_cannot_act(world: World, client: Client) -> None:
    dispute = make_dispute(world)
    other = person_create(
        actor=world.user("admin"),
        username="mediator2",
        full_name="周调",
        unit=world.township,
        role=Role.MEDIATOR,
        password=PASSWORD,
    )
    client.force_login(other)
    page = html_of(client, "mediation:detail", dispute.pk)
    assert dispute.number in page and 'data-action="' not in page
    response = client.post(
        reverse("mediation:accept", args=[dispute.pk]), {"mediators": [str(world.user("mediator").pk)]}
    )
    assert response.status_code == 403
    dispute.refresh_from_db()
    assert dispute.status == DisputeStatus.REGISTERED


def test_an_action_not_allowed_in_the_state_changes_nothing(world: World, client: Client) -> None:
    dispute = make_dispute(world)
    login(client, world, "office")
    response = post(
        client, "mediation:no_agreement", dispute.pk, data={"reason": "x", "channel": "litigation"}
    )
    assert messages_of(response)
    dispute.refresh_from_db()
    assert dispute.status == DisputeStatus.REGISTERED


def test_register_adds_a_party_row_without_javascript_and_keeps_the_input(
    world: World, client: Client
) -> None:
    login(client, world, "reporter")
    form = html_of(client, "mediation:register")
    assert form.count("data-party-row") == 2
    assert 'value="petition"' not in form  # a referral is made from the petition's page
    data = {
        "kind": str(dispute_kind("neighbours").pk),
        "source": "found_by_unit",
        "handling_unit": str(world.village.pk),
        "summary": "排水沟纠纷",
        **parties({"name": "赵一"}, {"name": "钱二"}),
    }
    response = client.post(reverse("mediation:register"), {**data, "add_party": "1"})
    assert response.status_code == 200 and not Dispute.objects.exists()
    page = response.content.decode()
    assert page.count("data-party-row") == 3 and "赵一" in page and "钱二" in page and "排水沟纠纷" in page
    assert "form-errors" not in page

    # One party only: refused above the parties table, everything typed kept.
    response = client.post(reverse("mediation:register"), {**data, **parties({"name": "赵一"}, total=3)})
    assert response.status_code == 400 and "data-party-errors" in response.content.decode()
    assert "排水沟纠纷" in response.content.decode() and not Dispute.objects.exists()

    three = parties(
        {"name": "赵一"},
        {"name": "钱二"},
        {"kind": "organisation", "side": "third_party", "name": "河东村民委员会"},
    )
    response = client.post(reverse("mediation:register"), {**data, **three}, follow=True)
    dispute = Dispute.objects.get()
    assert response.redirect_chain[-1][0] == reverse("mediation:detail", args=[dispute.pk])
    assert (dispute.handling_unit, dispute.parties.count()) == (world.village, 3)


def test_refer_is_a_404_for_a_petition_out_of_sight(world: World, client: Client) -> None:
    petition = land_petition(world)
    login(client, world, "reporter")  # HB-01: the township's matter is not theirs
    assert client.get(reverse("mediation:refer", args=[petition.pk])).status_code == 404
    login(client, world, "office", english=True)
    detail = html_of(client, "petitions:detail", petition.pk)
    assert "Not referred to mediation." in detail and reverse("mediation:refer", args=[petition.pk]) in detail


# --- the ledger and its export -----------------------------------------------------------------


def _grow(world: World, count: int) -> None:
    for index in range(count):
        dispute = make_dispute(world, summary=f"纠纷{index}")
        if index % 2:
            services.dispute_accept(actor=world.user("office"), dispute=dispute)


def _queries(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize("url_name", ["mediation:list", "core:home"])
def test_query_count_does_not_grow_with_rows(
    world: World, client: Client, url_name: str, django_assert_max_num_queries: Any
) -> None:
    login(client, world, "mediator")
    url = reverse(url_name)
    _grow(world, 5)
    _queries(client, url)  # warm-up: session and permission look-ups settle
    few = _queries(client, url)
    _grow(world, 25)
    assert _queries(client, url) == few
    with django_assert_max_num_queries(20):
        client.get(url)


def test_detail_query_count_does_not_grow_with_sessions_and_follow_ups(world: World, client: Client) -> None:
    dispute = agreed_dispute(world)
    login(client, world, "mediator")
    url = reverse("mediation:detail", args=[dispute.pk])
    _queries(client, url)  # warm-up
    few = _queries(client, url)
    for days in (20, 30, 40):
        due_on = datetime.date(2026, 3, 10) + datetime.timedelta(days=days)
        services.follow_up_schedule(actor=world.user("mediator"), dispute=dispute, due_on=due_on)
    assert _queries(client, url) == few


def test_ledger_filters_and_overdue_target_dates(world: World, client: Client, clock: Any) -> None:
    late = accepted_dispute(world, summary="地界纠纷甲")
    clock.move_to(at("2026-04-20", 9))
    fresh = accepted_dispute(world, summary="宅基地纠纷乙", kind="neighbours")
    declined = make_dispute(world, summary="债务纠纷丙", handling_unit=world.village)
    services.dispute_decline(
        actor=world.user("office"), dispute=declined, reason="不属于调解范围", channel="litigation"
    )
    login(client, world, "office")

    page = html_of(client, "mediation:list")
    row = page.split(f'data-dispute="{late.pk}"')[1].split("</tr>")[0]
    assert "data-overdue" in row
    assert "data-overdue" not in page.split(f'data-dispute="{fresh.pk}"')[1].split("</tr>")[0]

    def numbers(**query: Any) -> set[str]:
        html = html_of(client, "mediation:list", **query)
        return {d.number for d in (late, fresh, declined) if d.number in html}

    assert numbers(status="overdue") == {late.number}
    assert numbers(status="open") == {late.number, fresh.number}
    assert numbers(status="declined") == {declined.number}
    assert numbers(kind=str(dispute_kind("neighbours").pk)) == {fresh.number}
    assert numbers(unit=str(world.village.pk)) == {declined.number}
    assert numbers(q="宅基地") == {fresh.number}
    assert numbers(registered_from="2026-04-01") == {fresh.number, declined.number}
    assert numbers(registered_to="2026-03-31") == {late.number}


def test_ledger_shows_only_the_users_scope(world: World, client: Client) -> None:
    mine = make_dispute(world, handling_unit=world.village)
    theirs = make_dispute(
        world, handling_unit=world.village2, parties=[party("甲"), party("乙", PartySide.RESPONDENT)]
    )
    login(client, world, "reporter")
    page = html_of(client, "mediation:list")
    assert mine.number in page and theirs.number not in page
    assert client.get(reverse("mediation:detail", args=[theirs.pk])).status_code == 404


def _sheet_text(content: bytes) -> str:
    workbook = load_workbook(io.BytesIO(content), read_only=True)
    sheet = workbook.worksheets[0]
    return " ".join(str(v) for row in sheet.iter_rows(values_only=True) for v in row if v is not None)


def test_export_is_masked_and_the_unmasked_export_is_audited(world: World, client: Client) -> None:
    dispute = make_dispute(world)
    login(client, world, "office")
    assert reverse("mediation:export") in html_of(client, "mediation:list")
    response = client.get(reverse("mediation:export"), {"status": "open"})
    assert response.status_code == 200 and response["Content-Type"] == XLSX_CONTENT_TYPE
    text = _sheet_text(response.content)
    assert dispute.number in text and "张小明" not in text

    unmasked = client.get(reverse("mediation:export"), {"unmasked": "1"})
    assert unmasked.status_code == 200 and "张小明" in _sheet_text(unmasked.content)
    assert AuditEvent.objects.filter(action=AuditAction.VIEW_PERSONAL, actor=world.user("office")).exists()

    login(client, world, "oversight")
    assert client.get(reverse("mediation:export")).status_code == 200
    assert client.get(reverse("mediation:export"), {"unmasked": "1"}).status_code == 403
    login(client, world, "reporter")
    assert client.get(reverse("mediation:export")).status_code == 403

    login(client, world, "office")
    bad = client.get(reverse("mediation:export"), {"registered_from": "2026-13-01"})
    assert bad.status_code == 302 and bad["Location"].startswith(reverse("mediation:list"))


# --- kinds, the dashboard and the petition's page ----------------------------------------------------


def test_office_adds_renames_and_deactivates_a_kind(world: World, client: Client) -> None:
    login(client, world, "office", english=True)
    page = html_of(client, "mediation:kinds")
    assert "land_forest" in page
    post(client, "mediation:kind_create", data={"code": "water", "name": "用水纠纷", "sort_order": "85"})
    kind = DisputeKind.objects.get(code="water")
    duplicate = client.post(
        reverse("mediation:kind_create"), {"code": "water2", "name": "用水纠纷", "sort_order": "1"}
    )
    assert duplicate.status_code == 400 and "water2" in duplicate.content.decode()

    post(client, "mediation:kind_update", kind.pk, data={"name": "灌溉用水纠纷", "sort_order": "5"})
    kind.refresh_from_db()
    assert (kind.name, kind.sort_order) == ("灌溉用水纠纷", 5)
    post(client, "mediation:kind_active", kind.pk, data={"is_active": "0"})
    kind.refresh_from_db()
    assert not kind.is_active
    assert f'value="{kind.pk}"' not in html_of(client, "mediation:register")

    login(client, world, "mediator")
    assert client.get(reverse("mediation:kinds")).status_code == 403


def test_dashboard_lists_disputes_overdue_first_and_follow_ups_due(
    world: World, client: Client, clock: Any
) -> None:
    overdue = accepted_dispute(world, summary="早的纠纷")
    clock.move_to(at("2026-04-20", 9))
    recent = accepted_dispute(world, summary="新的纠纷")
    with time_machine.travel(at("2026-03-12", 9), tick=False):
        agreed = agreed_dispute(world, summary="已达成协议")
    outside = make_dispute(
        world, actor=world.user("admin"), handling_unit=world.other_village, summary="别镇纠纷", mediators=[]
    )
    login(client, world, "mediator")
    html = html_of(client, "core:home")
    panel = re.search(r'data-panel="disputes">(.*?)</section>', html, re.S)
    assert panel is not None and "panel-placeholder" not in panel.group(0)
    body = panel.group(1)
    assert body.index(overdue.number) < body.index(recent.number)
    assert "data-overdue" in body and agreed.number in body.split("data-panel-follow-ups")[1]
    assert outside.number not in body


def test_petition_page_lists_the_linked_dispute(world: World, client: Client) -> None:
    petition = land_petition(world)
    dispute = services.dispute_refer_from_petition(
        actor=world.user("office"),
        petition=petition,
        handling_unit=world.township,
        kind=dispute_kind(),
        respondents=[party("李大山", PartySide.RESPONDENT)],
    )
    login(client, world, "leader", english=True)
    page = html_of(client, "petitions:detail", petition.pk)
    section = page.split('data-panel="mediation"')[1].split("</section>")[0]
    assert dispute.number in section and "Registered" in section
    assert reverse("mediation:detail", args=[dispute.pk]) in section
    assert reverse("mediation:refer", args=[petition.pk]) not in page  # a leader does not register disputes
