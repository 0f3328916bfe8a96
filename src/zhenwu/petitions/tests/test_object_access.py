"""Object-level authorization of petitions: guessed IDs, lists, exports, and the accused unit.

The village reporter of HB-01 guesses the IDs of matters handled by HB-02 and by 石桥镇's SQ-01,
and of their documents and attachments, on every page and API route that takes one: each answer is
the one a nonexistent ID gets (zhenwu.testing.object_access), shows nothing of the matter, and
changes nothing. The HB office does the same with 石桥镇's matter. Lists, searches and exports never
hold another unit's rows.

An accused unit never sees the matter that accuses it (信访工作条例 Art. 30 ¶3): a matter
registered in HB-01 that accuses HB-01 is hidden from HB-01's reporter in the ledger, detail,
search, API, dashboard counts, a linked matter's page and the petitioner's history; one that
accuses the whole township is hidden from every HB role (export included); an accused official
does not see it either; and a linked mediation dispute does not carry it to the accused.
"""

from dataclasses import dataclass
from typing import Any

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile

from zhenwu.core.exceptions import ValidationFailed
from zhenwu.core.models import User
from zhenwu.core.scoping import Action
from zhenwu.mediation.choices import PartyKind, PartySide
from zhenwu.mediation.models import Dispute
from zhenwu.mediation.selectors import dispute_list
from zhenwu.mediation.services import PartyIn, dispute_refer_from_petition
from zhenwu.mediation.tests.factories import dispute_kind
from zhenwu.petitions import services as s
from zhenwu.petitions.attachments import attachment_add
from zhenwu.petitions.choices import DocumentKind
from zhenwu.petitions.dashboard import petitions_due_panel
from zhenwu.petitions.documents import petition_document_generate
from zhenwu.petitions.models import Petition, PetitionEvent
from zhenwu.petitions.selectors import petition_list
from zhenwu.petitions.tests.factories import at, register
from zhenwu.testing.object_access import Probe, api, assert_hidden, body_of, client_for, get, post
from zhenwu.testing.world import World

PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
ID_HB02 = "440524188001010014"
ID_SQ = "11010519491231002X"
ID_ACCUSED = "320102198001011238"

#: Every page and API route that takes a matter's id (and a document's or attachment's).
PAGE_PROBES = [
    get("/petitions/{pk}/"),
    get("/petitions/{pk}/?reveal=1"),
    get("/petitions/{pk}/documents/{doc_id}/"),
    get("/petitions/{pk}/attachments/{attachment_id}/"),
    post("/petitions/{pk}/documents/generate/", {"kind": DocumentKind.ACCEPTANCE}),
    post("/petitions/{pk}/attachments/"),
    *(
        post(f"/petitions/{{pk}}/{name}/", data)
        for name, data in [
            ("accept", {}),
            ("decline", {"route": "litigation", "reason": "应通过诉讼解决"}),
            ("assign", {"handling_unit": "HB-01", "note": ""}),
            ("start-handling", {}),
            ("object", {"reason": "不属于本村"}),
            ("extend", {"days": "30", "reason": "情况复杂"}),
            ("answer", {"request": "r", "facts": "f", "decision": "d", "basis": "b"}),
            ("close", {}),
            ("decide-review", {"opinion": "维持"}),
            ("record-hearing", {"days": "10"}),
            ("decide-re-review", {"opinion": "维持"}),
            ("link", {"other": "HB-2026-0001"}),
            ("recuse", {"reason": "亲属"}),
        ]
    ),
    get("/mediation/refer/{pk}/"),
    post("/mediation/refer/{pk}/", {"summary": "纠纷"}),
]
API_PROBES = [
    api("GET", "/petitions/{pk}"),
    api("GET", "/petitions/{pk}?reveal=true"),
    api("GET", "/petitions/{pk}/attachments/{attachment_id}"),
    api("POST", "/petitions/{pk}/accept", {"note": ""}),
    api("POST", "/petitions/{pk}/decline", {"route": "litigation", "reason": "诉讼"}),
    api("POST", "/petitions/{pk}/assign", {"handling_unit_id": 1}),
    api("POST", "/petitions/{pk}/start"),
    api("POST", "/petitions/{pk}/object", {"reason": "不属于本村"}),
    api("POST", "/petitions/{pk}/extend", {"days": 30, "reason": "复杂"}),
    api("POST", "/petitions/{pk}/answer", {"request": "r", "facts": "f", "decision": "d", "basis": "b"}),
    api("POST", "/petitions/{pk}/close", {"note": ""}),
    api("POST", "/petitions/{pk}/review/decide", {"opinion": "维持"}),
    api("POST", "/petitions/{pk}/re-review/hearing", {"days": 10}),
    api("POST", "/petitions/{pk}/re-review/decide", {"opinion": "维持"}),
    api("POST", "/petitions/{pk}/recuse", {"reason": "亲属"}),
    api("POST", "/petitions/{pk}/link", {"other_id": 1}),
]


@dataclass
class Matter:
    petition: Petition
    ids: dict[str, Any]
    markers: list[str]


@pytest.fixture(autouse=True)
def media(tmp_path: Any, settings: Any) -> None:
    settings.MEDIA_ROOT = tmp_path


def _matter(w: World, actor: User, petition: Petition, *, name: str, id_number: str) -> Matter:
    """A matter with one generated document and one attachment (added by the administrator)."""
    document = petition_document_generate(
        actor=w.user("admin"), petition=petition, kind=DocumentKind.ACCEPTANCE
    )
    attachment = attachment_add(
        actor=w.user("admin"), petition=petition, upload=SimpleUploadedFile("材料.pdf", PDF)
    )
    return Matter(
        petition,
        {"pk": petition.pk, "doc_id": document.pk, "attachment_id": attachment.pk},
        [petition.summary, petition.number, name, id_number, "13812345678"],
    )


@pytest.fixture
def matters(world: World) -> dict[str, Matter]:
    """HB-01's own matter, one handled by HB-02 and one of 石桥镇 handled by SQ-01."""
    w, office, admin = world, world.user("office"), world.user("admin")
    with time_machine.travel(at("2026-03-02"), tick=False):
        own, _ = register(office, w.township, summary="河东村自己的事项")
        own = s.petition_assign(
            actor=office, petition=s.petition_accept(actor=office, petition=own), handling_unit=w.village
        )
        hb02, _ = register(office, w.township, name="河西甲", id_number=ID_HB02, summary="河西村秘密事项")
        hb02 = s.petition_assign(
            actor=office, petition=s.petition_accept(actor=office, petition=hb02), handling_unit=w.village2
        )
        sq, _ = register(admin, w.other_township, name="桥头乙", id_number=ID_SQ, summary="桥头村秘密事项")
        sq = s.petition_assign(
            actor=admin, petition=s.petition_accept(actor=admin, petition=sq), handling_unit=w.other_village
        )
        return {
            "own": Matter(own, {"pk": own.pk}, [own.summary]),
            "hb02": _matter(w, office, hb02, name="河西甲", id_number=ID_HB02),
            "sq": _matter(w, admin, sq, name="桥头乙", id_number=ID_SQ),
        }


def _snapshot() -> list[tuple[Any, ...]]:
    rows = Petition.objects.order_by("pk").values_list("pk", "status", "stage", "handling_unit_id", "due_on")
    return [*rows, ("events", PetitionEvent.objects.count()), ("disputes", Dispute.objects.count())]


@pytest.mark.parametrize(
    ("role", "target"), [("reporter", "hb02"), ("reporter", "sq"), ("office", "sq"), ("leader", "sq")]
)
@pytest.mark.parametrize("surface", ["pages", "api"])
def test_guessed_ids_of_matters_out_of_scope_look_missing_and_change_nothing(
    world: World, matters: dict[str, Matter], role: str, target: str, surface: str
) -> None:
    matter = matters[target]
    before = _snapshot()
    client = client_for(world.user(role))
    probes: list[Probe] = PAGE_PROBES if surface == "pages" else API_PROBES
    assert_hidden(client, probes, matter.ids, markers=matter.markers)
    assert _snapshot() == before


def test_the_reporter_reaches_its_own_matter_by_the_same_routes(
    world: World, matters: dict[str, Matter]
) -> None:
    """The control: the probes above are refused because of scope, not because they are broken."""
    client = client_for(world.user("reporter"))
    own = matters["own"].petition
    for url in (f"/petitions/{own.pk}/", f"/api/petitions/{own.pk}"):
        status, text = body_of(client, url)
        assert status == 200 and own.summary in text, url


LIST_URLS = [
    "/petitions/",
    "/petitions/?q=秘密",
    "/petitions/?q=事项",
    "/petitions/?unit=HB-02",
    "/petitions/?unit=SQ-01",
    "/petitions/?status=assigned&sort=due_on",
    "/api/petitions",
    "/api/petitions?q=秘密事项",
    "/api/petitions?q=事项",
    "/api/petitions?status=assigned",
    "/",  # the dashboard
]


@pytest.mark.parametrize("url", LIST_URLS)
def test_lists_and_searches_of_the_reporter_hold_only_its_village(
    world: World, matters: dict[str, Matter], url: str
) -> None:
    client = client_for(world.user("reporter"))
    status, text = body_of(client, url)
    assert status in (200, 400)  # a filter naming a unit out of scope may be refused, never served
    for key in ("hb02", "sq"):
        leaked = [m for m in matters[key].markers if m in text]
        assert not leaked, f"{url} shows {leaked}"


def test_unit_filters_out_of_scope_return_nothing_in_the_api(
    world: World, matters: dict[str, Matter]
) -> None:
    client = client_for(world.user("reporter"))
    for unit in (world.village2, world.other_township, world.other_village):
        response = client.get(f"/api/petitions?unit={unit.pk}")
        assert response.status_code in (200, 400, 404), unit.code
        if response.status_code == 200:
            assert response.json()["items"] == [], unit.code


@pytest.mark.parametrize("role", ["office", "leader", "oversight"])
def test_exports_of_the_township_never_hold_another_townships_rows(
    world: World, matters: dict[str, Matter], role: str
) -> None:
    client = client_for(world.user(role))
    for url in ("/petitions/export/", "/petitions/export/?unit=SQ", "/petitions/export/?q=秘密"):
        status, text = body_of(client, url)
        assert status in (200, 302, 400), url
        assert matters["hb02"].petition.summary in text or status != 200 or "unit=SQ" in url
        leaked = [m for m in matters["sq"].markers if m in text]
        assert not leaked, f"{role} {url} shows {leaked}"


def test_the_reporter_cannot_export_the_ledger(world: World, matters: dict[str, Matter]) -> None:
    client = client_for(world.user("reporter"))
    status, text = body_of(client, "/petitions/export/")
    assert status == 403
    assert not [m for m in [*matters["hb02"].markers, *matters["sq"].markers] if m in text]


# --- the accused unit (信访工作条例 Art. 30 ¶3) -------------------------------------------------------

ACCUSED = "控告河东村干部违规占地"
ACCUSED_TOWNSHIP = "控告河坝镇政府违规征地"
ACCUSED_LEADER = "反映李建国违规问题"


@pytest.fixture
def accusations(world: World, matters: dict[str, Matter]) -> dict[str, Petition]:
    """Matters accusing HB-01 (registered in HB-01 itself), the HB township, and the HB leader.

    The one against HB-01 shares its petitioner (and ID number) with a matter HB-01 handles, so the
    petitioner's history on that matter's page is a way it could leak; it is also linked from it.
    """
    w, office, admin = world, world.user("office"), world.user("admin")
    with time_machine.travel(at("2026-03-30"), tick=False):
        # Due within days of the test's clock (2026-04-01): it would count on the dashboard.
        village, _ = register(
            office, w.village, name="控告人丙", id_number=ID_ACCUSED, summary=ACCUSED, accused_unit=w.village
        )
        township, _ = register(
            admin, w.township, name="控告人丁", summary=ACCUSED_TOWNSHIP, accused_unit=w.township
        )
        leader, _ = register(
            office, w.township, name="控告人戊", summary=ACCUSED_LEADER, accused_user=w.user("leader")
        )
        shared, _ = register(
            office, w.township, name="控告人丙", id_number=ID_ACCUSED, summary="河东村另一事项"
        )
        shared = s.petition_assign(
            actor=office, petition=s.petition_accept(actor=office, petition=shared), handling_unit=w.village
        )
        s.petition_link(actor=office, petition=shared, other=village)
    return {"village": village, "township": township, "leader": leader, "shared": shared}


ACCUSED_LISTS = [
    "/",
    "/petitions/",
    "/petitions/?q=控告",
    "/petitions/?q=占地",
    "/api/petitions",
    "/api/petitions?q=占地",
    "/api/petitions?q=控告",
    "/mediation/",
    "/api/mediation/disputes",
]


@pytest.mark.parametrize(
    ("role", "key", "marker"),
    [
        ("reporter", "village", ACCUSED),
        *(
            (role, "township", ACCUSED_TOWNSHIP)
            for role in ("office", "leader", "mediator", "oversight", "reporter")
        ),
        ("leader", "leader", ACCUSED_LEADER),
    ],
)
def test_the_accused_never_sees_the_matter_anywhere(
    world: World, accusations: dict[str, Petition], role: str, key: str, marker: str
) -> None:
    petition = accusations[key]
    client = client_for(world.user(role))
    failures = []
    for url in ACCUSED_LISTS:
        status, text = body_of(client, url)
        if status != 200 or marker in text or petition.number in text:
            failures.append(f"{url}: {status}, shows the matter: {marker in text or petition.number in text}")
    assert_hidden(
        client, PAGE_PROBES[:2] + API_PROBES[:2], {"pk": petition.pk}, markers=[marker, petition.number]
    )
    assert not failures, "\n".join(failures)
    assert (
        not petition_list(user=world.user(role), action=Action.PETITION_VIEW).filter(pk=petition.pk).exists()
    )


@pytest.mark.parametrize("role", ["office", "leader", "oversight"])
def test_the_export_of_an_accused_township_or_official_leaves_the_matter_out(
    world: World, accusations: dict[str, Petition], role: str
) -> None:
    status, text = body_of(client_for(world.user(role)), "/petitions/export/")
    assert status == 200
    assert ACCUSED_TOWNSHIP not in text and accusations["township"].number not in text
    assert (ACCUSED_LEADER in text) is (role != "leader")
    # The county administrator, above the accused township, sees both.
    status, text = body_of(client_for(world.user("admin")), "/petitions/export/")
    assert ACCUSED_TOWNSHIP in text and ACCUSED_LEADER in text


def test_the_accused_villages_dashboard_counts_do_not_move(world: World, matters: dict[str, Matter]) -> None:
    reporter = world.user("reporter")
    before = petitions_due_panel(reporter)["counts"]
    office_before = petitions_due_panel(world.user("office"))["counts"]
    # Registered a month ago and never accepted: overdue now, so it would count.
    with time_machine.travel(at("2026-03-02"), tick=False):
        register(world.user("office"), world.village, summary=ACCUSED, accused_unit=world.village)
    assert petitions_due_panel(reporter)["counts"] == before
    # The control: the same matter does count for the township office, which is not accused.
    assert petitions_due_panel(world.user("office"))["counts"] != office_before


def test_a_linked_matter_and_the_petitioners_history_do_not_show_the_accusation(
    world: World, accusations: dict[str, Petition]
) -> None:
    shared = accusations["shared"]
    status, text = body_of(client_for(world.user("reporter")), f"/petitions/{shared.pk}/")
    assert status == 200 and shared.summary in text
    assert ACCUSED not in text and accusations["village"].number not in text
    status, text = body_of(client_for(world.user("reporter")), f"/api/petitions/{shared.pk}")
    assert status == 200 and ACCUSED not in text and accusations["village"].number not in text


def test_a_dispute_referred_from_the_accusing_matter_does_not_reach_the_accused(
    world: World, accusations: dict[str, Petition]
) -> None:
    """Referred to the township's mediation committee: the village never sees it, nor its link."""
    office, reporter = world.user("office"), world.user("reporter")
    respondent = PartyIn(name="村委会", kind=PartyKind.ORGANISATION, side=PartySide.RESPONDENT)
    with time_machine.travel(at("2026-03-31"), tick=False):
        dispute = dispute_refer_from_petition(
            actor=office,
            petition=accusations["village"],
            handling_unit=world.township,
            kind=dispute_kind(),
            respondents=[respondent],
        )
    assert not dispute_list(user=reporter).filter(pk=dispute.pk).exists()
    client = client_for(reporter)
    assert_hidden(
        client,
        [get("/mediation/{pk}/"), api("GET", "/mediation/disputes/{pk}")],
        {"pk": dispute.pk},
        markers=[ACCUSED, dispute.number],
    )
    for url in ("/mediation/", "/api/mediation/disputes", "/mediation/export/"):
        status, text = body_of(client, url)
        assert ACCUSED not in text and dispute.number not in text, url


def test_a_matter_is_never_referred_to_mediation_by_the_unit_it_accuses(
    world: World, accusations: dict[str, Petition]
) -> None:
    """The dispute copies the matter's text: handled by the accused village, it would hand it over."""
    office, reporter = world.user("office"), world.user("reporter")
    respondent = PartyIn(name="村委会", kind=PartyKind.ORGANISATION, side=PartySide.RESPONDENT)
    with time_machine.travel(at("2026-03-31"), tick=False), pytest.raises(ValidationFailed) as refused:
        dispute_refer_from_petition(
            actor=office,
            petition=accusations["village"],
            handling_unit=world.village,
            kind=dispute_kind(),
            respondents=[respondent],
        )
    assert "handling_unit" in refused.value.errors
    assert not dispute_list(user=reporter).filter(details__contains="占地").exists()
