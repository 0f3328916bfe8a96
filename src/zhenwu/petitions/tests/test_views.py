"""The petitions staff pages through the test client: intake to opinion, masking, refusals, ledger, export,
dashboard. Time is 2026-04-01 (conftest)."""

import datetime
import io
import re
from collections.abc import Callable
from typing import Any

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from zhenwu.core.choices import AuditAction
from zhenwu.core.models import AuditEvent
from zhenwu.core.navigation import MENU
from zhenwu.petitions import services as s
from zhenwu.petitions.choices import DocumentKind, IntakeChannel, Status
from zhenwu.petitions.models import Category, Petition, PetitionDocument, PetitionLink, Recusal
from zhenwu.petitions.tests import permission_table_staff as states
from zhenwu.petitions.tests.factories import ID_A, ID_B, at, register
from zhenwu.petitions.views import NEW_CODE_SESSION_KEY
from zhenwu.testing.world import World

CJK = re.compile(r"[\u4e00-\u9fff]")
OPINION = {
    "request": "要求支付拖欠工资",
    "facts": "经核实，拖欠属实",
    "decision": "责令限期支付",
    "basis": "《保障农民工工资支付条例》",
}


def intake(**overrides: Any) -> dict[str, Any]:
    data = {
        "channel": IntakeChannel.VISIT,
        "received_at": "2026-04-01T08:30",
        "summary": "拖欠工资问题",
        "content": "本人在镇上工地务工，老板拖欠工资三个月未付。",
        "place": "河坝镇工地",
        "petitioners-TOTAL_FORMS": "5",
        "petitioners-INITIAL_FORMS": "0",
        "petitioners-MIN_NUM_FORMS": "1",
        "petitioners-MAX_NUM_FORMS": "5",
        "petitioners-0-name": "张小明",
        "petitioners-0-id_number": ID_A,
        "petitioners-0-phone": "13812345678",
        "petitioners-0-address": "河坝镇河东村3组",
    }
    data.update(overrides)
    return data


def login(client: Client, world: World, role: str) -> Client:
    client.force_login(world.user(role))
    return client


def messages_of(response: Any) -> list[str]:
    return [str(m) for m in response.context["messages"]] if response.context else []


def page(client: Client, name: str, *args: Any, **query: Any) -> Any:
    response = client.get(reverse(name, args=args), query)
    assert response.status_code == 200
    return response


def post(client: Client, name: str, pk: int, data: dict[str, Any] | None = None) -> Any:
    return client.post(reverse(name, args=[pk]), data or {}, follow=True)


# --- the whole flow ----------------------------------------------------------------------------


def test_office_registers_village_answers_office_issues_the_opinion(world: World, client: Client) -> None:
    login(client, world, "office")
    form = page(client, "petitions:register")
    assert 'type="datetime-local"' in form.content.decode()
    assert "unit" not in form.context["form"].fields  # the office registers into its own ledger

    response = client.post(reverse("petitions:register"), intake(), follow=True)
    petition = Petition.objects.get()
    assert response.redirect_chain[-1][0] == reverse("petitions:detail", args=[petition.pk])
    html = response.content.decode()
    code = re.search(r'<p class="stat-value">([A-Z0-9]{8})</p>', html)
    assert code is not None and petition.query_code_matches(code.group(1))
    assert petition.number in html and "data-query-code" in html
    assert (petition.unit, petition.channel, petition.status) == (world.township, "visit", Status.REGISTERED)
    assert NEW_CODE_SESSION_KEY not in client.session
    again = page(client, "petitions:detail", petition.pk).content.decode()
    assert "data-query-code" not in again and code.group(1) not in again  # shown once only

    response = post(client, "petitions:accept", petition.pk)
    assert response.status_code == 200 and messages_of(response)
    response = post(
        client, "petitions:assign", petition.pk, {"handling_unit": "hb-01", "note": "请河东村办理"}
    )
    petition.refresh_from_db()
    assert (petition.status, petition.handling_unit) == (Status.ASSIGNED, world.village)

    login(client, world, "reporter")
    detail = page(client, "petitions:detail", petition.pk).content.decode()
    assert 'data-action="start_handling"' in detail and 'data-action="accept"' not in detail
    post(client, "petitions:start_handling", petition.pk)
    post(client, "petitions:answer", petition.pk, OPINION)
    petition.refresh_from_db()
    assert petition.status == Status.ANSWERED and petition.opinion_facts == OPINION["facts"]

    login(client, world, "office")
    detail = page(client, "petitions:detail", petition.pk).content.decode()
    assert 'value="opinion"' in detail
    post(client, "petitions:document_generate", petition.pk, {"kind": DocumentKind.OPINION})
    document = PetitionDocument.objects.get(petition=petition, kind=DocumentKind.OPINION)
    download = client.get(reverse("petitions:document", args=[petition.pk, document.pk]))
    assert download.status_code == 200
    assert download["Content-Type"].startswith("application/vnd.openxmlformats")
    assert download["X-Content-Type-Options"] == "nosniff"
    assert download["Content-Disposition"].startswith("attachment")
    assert download.getvalue()[:2] == b"PK"
    assert AuditEvent.objects.filter(
        action=AuditAction.VIEW_PERSONAL, object_type="petitions.petitiondocument", actor=world.user("office")
    ).exists()
    timeline = page(client, "petitions:detail", petition.pk).context["events"]
    assert [row.event.kind for row in timeline][:2] == ["registered", "transition"]


def test_admin_chooses_the_registering_unit(world: World, client: Client) -> None:
    login(client, world, "admin")
    response = client.post(reverse("petitions:register"), intake(unit="SQ"))
    assert response.status_code == 302
    assert Petition.objects.get().unit == world.other_township


def test_check_button_shows_earlier_matters_without_registering(world: World, client: Client) -> None:
    earlier, _ = register(world.user("office"), world.township, summary="宅基地纠纷")
    login(client, world, "office")
    response = client.post(reverse("petitions:register"), intake(check="1"))
    assert response.status_code == 200
    assert [p.pk for p in response.context["history"]] == [earlier.pk]
    assert Petition.objects.count() == 1


def test_detail_offers_earlier_matters_and_duplicates_and_links_them(world: World, client: Client) -> None:
    office = world.user("office")
    old, _ = register(office, world.township, summary="拖欠工资问题")
    other, _ = register(office, world.township, name="李四", id_number=ID_B, summary="拖欠工资问题")
    new, _ = register(office, world.township, summary="拖欠工资问题")
    login(client, world, "office")
    response = page(client, "petitions:detail", new.pk)
    context = response.context
    assert [p.pk for p in context["earlier"]] == [old.pk]
    assert {p.pk for p in context["duplicates"]} == {old.pk, other.pk}
    # Each possible duplicate has its own "link" form, posting to this matter.
    html = response.content.decode()
    action = f'action="{reverse("petitions:link", args=[new.pk])}"'
    for duplicate in (old, other):
        form = (
            rf'<form method="post" {re.escape(action)}><input[^>]*csrfmiddlewaretoken[^>]*>'
            rf'<input type="hidden" name="other" value="{re.escape(duplicate.number)}">'
            r'<input type="hidden" name="note" value="[^"]+">'
        )
        assert re.search(form, html), duplicate.number
    assert not new.is_first_time
    post(client, "petitions:link", new.pk, {"other": other.number})
    assert PetitionLink.objects.filter(from_petition=new, to_petition=other).exists()
    assert {p.pk for p in page(client, "petitions:detail", new.pk).context["duplicates"]} == {old.pk}


def test_matter_accusing_the_registering_unit_is_registered_but_hidden(world: World, client: Client) -> None:
    login(client, world, "office")
    response = client.post(reverse("petitions:register"), intake(accused_unit="HB"), follow=True)
    petition = Petition.objects.get()
    assert petition.accused_unit == world.township
    assert response.redirect_chain[-1][0] == reverse("petitions:list")
    assert any(petition.number in m for m in messages_of(response))


ACTION_CASES: list[
    tuple[str, str, Callable[[World], Petition], dict[str, Any], Callable[[Petition], bool]]
] = [
    ("accept", "office", states.registered, {}, lambda p: p.status == Status.ACCEPTED),
    (
        "decline",
        "office",
        states.registered,
        {"route": "litigation", "reason": "属于诉讼事项"},
        lambda p: p.status == Status.DECLINED and p.decline_route == "litigation",
    ),
    ("assign", "admin", states.accepted, {"handling_unit": "HB-02"}, lambda p: p.handling_unit is not None),
    ("start_handling", "reporter", states.assigned, {}, lambda p: p.status == Status.HANDLING),
    (
        "object",
        "reporter",
        states.assigned,
        {"reason": "不属于本村"},
        lambda p: p.events.filter(data__objection=True).exists(),
    ),
    (
        "extend",
        "leader",
        states.accepted,
        {"days": "10", "reason": "案情复杂"},
        lambda p: p.extension_days == 10,
    ),
    ("answer", "mediator", states.handling, OPINION, lambda p: p.status == Status.ANSWERED),
    ("close", "office", states.answered, {"note": "已答复"}, lambda p: p.status == Status.CLOSED),
    (
        "decide_review",
        "office",
        states.under_review,
        {"opinion": "维持"},
        lambda p: p.status == Status.REVIEWED,
    ),
    ("record_hearing", "office", states.under_re_review, {"days": "3"}, lambda p: p.hearing_days == 3),
    (
        "decide_re_review",
        "office",
        states.under_re_review,
        {"opinion": "维持"},
        lambda p: p.status == Status.RE_REVIEWED,
    ),
    (
        "recuse",
        "mediator",
        states.registered,
        {"reason": "亲属关系"},
        lambda p: Recusal.objects.filter(petition=p).exists(),
    ),
]


@pytest.mark.parametrize(
    ("name", "role", "build", "data", "done"), ACTION_CASES, ids=[c[0] for c in ACTION_CASES]
)
def test_each_action_calls_its_service(
    world: World,
    client: Client,
    name: str,
    role: str,
    build: Callable[[World], Petition],
    data: dict[str, Any],
    done: Callable[[Petition], bool],
) -> None:
    petition = build(world)
    login(client, world, role)
    if name != "recuse":
        detail = page(client, "petitions:detail", petition.pk).content.decode()
        assert f'data-action="{name}"' in detail  # the page offers it
    response = post(client, f"petitions:{name}", petition.pk, data)
    levels = [m.level_tag for m in response.context["messages"]]
    assert levels == ["success"], messages_of(response)
    petition.refresh_from_db()
    assert done(petition)


# --- masking ---------------------------------------------------------------------------------


def test_list_and_detail_mask_and_the_reveal_is_audited(world: World, client: Client) -> None:
    petition, _ = register(world.user("office"), world.township)
    login(client, world, "office")
    listing = page(client, "petitions:list").content.decode()
    assert "张*明" in listing and "张小明" not in listing
    detail = page(client, "petitions:detail", petition.pk).content.decode()
    assert "张*明" in detail and "张小明" not in detail and ID_A not in detail and "13812345678" not in detail
    assert 'href="?reveal=1"' in detail

    revealed = page(client, "petitions:detail", petition.pk, reveal="1").content.decode()
    assert "张小明" in revealed and ID_A in revealed and "13812345678" in revealed
    event = AuditEvent.objects.get(action=AuditAction.VIEW_PERSONAL, object_id=str(petition.pk))
    assert event.changes["fields"] == ["address", "id_number", "name", "phone"]

    login(client, world, "oversight")
    refused = page(client, "petitions:detail", petition.pk, reveal="1")
    assert "张小明" not in refused.content.decode()
    assert 'href="?reveal=1"' not in refused.content.decode()
    assert any(CJK.search(m) for m in messages_of(refused))
    assert AuditEvent.objects.filter(action=AuditAction.DENIED, object_id=str(petition.pk)).exists()


# --- refusals ----------------------------------------------------------------------------------


def test_decline_without_reason_shows_the_form_error_in_chinese(world: World, client: Client) -> None:
    petition, _ = register(world.user("office"), world.township)
    login(client, world, "office")
    response = client.post(reverse("petitions:decline", args=[petition.pk]), {"route": "litigation"})
    assert response.status_code == 200
    form = {spec.name: f for spec, f, _open in response.context["actions"]}["decline"]
    assert form.errors["reason"] and all(CJK.search(str(m)) for m in form.errors["reason"])
    assert '<details open data-action="decline">' in response.content.decode()
    petition.refresh_from_db()
    assert petition.status == Status.REGISTERED


def test_action_not_allowed_in_the_status_is_refused_and_nothing_changes(
    world: World, client: Client
) -> None:
    petition, _ = register(world.user("office"), world.township)
    login(client, world, "office")
    before = AuditEvent.objects.count()
    for name, data in (("close", {}), ("decide_review", {"opinion": "维持"}), ("answer", OPINION)):
        response = post(client, f"petitions:{name}", petition.pk, data)
        assert response.redirect_chain[-1][0] == reverse("petitions:detail", args=[petition.pk])
        assert "当前状态下不允许此操作。" in messages_of(response)
    petition.refresh_from_db()
    assert petition.status == Status.REGISTERED and AuditEvent.objects.count() == before
    assert client.get(reverse("petitions:accept", args=[petition.pk])).status_code == 405


def test_service_refusal_is_a_message_and_buttons_follow_the_status(world: World, client: Client) -> None:
    petition, _ = register(world.user("office"), world.township, accused_unit=world.village)
    s.petition_accept(actor=world.user("office"), petition=petition)
    login(client, world, "office")
    response = post(client, "petitions:assign", petition.pk, {"handling_unit": "HB-01"})
    assert any(
        "never assigned to the unit or official it accuses" in m or CJK.search(m)
        for m in messages_of(response)
    )
    petition.refresh_from_db()
    assert petition.status == Status.ACCEPTED
    names = {spec.name for spec, _f, _o in response.context["actions"]}
    assert "assign" in names and "accept" not in names and "answer" not in names


def test_recusal_hides_the_matter(world: World, client: Client) -> None:
    petition, _ = register(world.user("office"), world.township)
    login(client, world, "leader")
    response = post(client, "petitions:recuse", petition.pk, {"reason": "信访人是我的亲属"})
    assert response.redirect_chain[-1][0] == reverse("petitions:list")
    assert client.get(reverse("petitions:detail", args=[petition.pk])).status_code == 404


# --- the ledger ----------------------------------------------------------------------------------


def test_list_filters_search_and_sort(world: World, client: Client) -> None:
    office = world.user("office")
    category = Category.objects.create(name="劳动工资", code="labour")
    wages, _ = register(office, world.township, received_at=at("2026-03-02"), category=category)
    land, _ = register(
        office,
        world.township,
        name="李四",
        id_number=ID_B,
        summary="宅基地纠纷",
        content="邻居占用宅基地。",
        channel=IntakeChannel.LETTER,
        received_at=at("2026-03-30"),
    )
    s.petition_accept(actor=office, petition=land)
    elsewhere, _ = register(world.user("admin"), world.other_township, summary="拖欠工资问题")
    login(client, world, "office")

    def numbers(**query: Any) -> list[str]:
        return [row.petition.number for row in page(client, "petitions:list", **query).context["rows"]]

    assert numbers() == [land.number, wages.number]  # newest first; SQ is out of scope
    assert numbers(sort="received_at") == [wages.number, land.number]
    assert numbers(sort="number") == sorted([land.number, wages.number])
    assert numbers(q="工资") == [wages.number]
    assert numbers(q="宅基地") == [land.number]
    assert numbers(status="accepted") == [land.number]
    assert numbers(channel="letter") == [land.number]
    assert numbers(category=str(category.pk)) == [wages.number]
    assert numbers(received_from="2026-03-15") == [land.number]
    assert numbers(received_to="2026-03-15") == [wages.number]
    assert numbers(overdue="on") == [wages.number]  # acceptance notice was due 2026-03-17
    html = page(client, "petitions:list").content.decode()
    assert "badge-danger" in html and elsewhere.number not in html
    short = page(client, "petitions:list", q="地")
    assert short.context["filters"].errors["q"]


def test_list_first_time_badge_and_due_state(world: World, client: Client) -> None:
    register(world.user("office"), world.township, received_at=at("2026-03-18"))  # due 2026-04-02
    login(client, world, "office")
    row = page(client, "petitions:list").context["rows"][0]
    assert row.petition.first_time and row.due.state == "due_soon"


def test_list_row_cells_in_either_language(world: World, client: Client) -> None:
    """The row's link, local date and badges are prepared in Python and cached per language."""
    petition, _ = register(world.user("office"), world.township, received_at=at("2026-03-18", hour=23))
    login(client, world, "office")
    zh = page(client, "petitions:list").content.decode()
    detail = reverse("petitions:detail", args=[petition.pk])
    assert f'<a href="{detail}">{petition.number}</a>' in zh
    assert "<td>2026-03-18</td>" in zh  # 23:00 local time, already the next day in UTC
    assert '<span class="badge badge-warn">已登记</span>' in zh
    assert '<time datetime="2026-04-02">2026-04-02</time> <span class="badge badge-warn">' in zh
    client.post(reverse("set_language"), {"language": "en", "next": reverse("petitions:list")})
    en = client.get(reverse("petitions:list")).content.decode()
    assert '<span class="badge badge-warn">Registered</span>' in en and "已登记" not in en


def _grow(world: World, n: int) -> None:
    for i in range(n):
        register(
            world.user("office"),
            world.township,
            name=f"居民{i}",
            id_number="",
            summary=f"问题{i}",
            category=Category.objects.get_or_create(code="c", defaults={"name": "其他"})[0],
        )


def _queries(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize("url_name", ["petitions:list", "core:home"])
def test_query_count_does_not_grow_with_rows(world: World, client: Client, url_name: str) -> None:
    login(client, world, "office")
    url = reverse(url_name)
    _grow(world, 5)
    _queries(client, url)  # warm-up: session and permission look-ups settle
    few = _queries(client, url)
    _grow(world, 25)
    assert _queries(client, url) == few


# --- export ----------------------------------------------------------------------------------------


def _sheet_text(response: Any) -> str:
    workbook = load_workbook(io.BytesIO(b"".join(response.streaming_content)), read_only=True)
    sheet = workbook.worksheets[0]
    return " ".join(str(v) for row in sheet.iter_rows(values_only=True) for v in row if v is not None)


def test_export_is_masked_and_unmasked_export_is_audited(world: World, client: Client) -> None:
    register(world.user("office"), world.township)
    login(client, world, "office")
    listing = page(client, "petitions:list").content.decode()
    assert reverse("petitions:export") in listing and "unmasked=1" in listing
    masked = client.get(reverse("petitions:export"))
    assert masked.status_code == 200 and masked["Content-Disposition"].startswith("attachment")
    text = _sheet_text(masked)
    assert "张*明" in text and "张小明" not in text and ID_A not in text
    assert not AuditEvent.objects.filter(action=AuditAction.VIEW_PERSONAL).exists()

    full = client.get(reverse("petitions:export"), {"unmasked": "1", "q": "工资"})
    assert full.status_code == 200
    assert "张小明" in _sheet_text(full)
    event = AuditEvent.objects.get(action=AuditAction.VIEW_PERSONAL)
    assert event.actor == world.user("office") and "q=" in event.note

    bad = client.get(reverse("petitions:export"), {"q": "地", "unmasked": "1"})
    assert bad.status_code == 302 and bad["Location"].startswith(reverse("petitions:list"))
    assert AuditEvent.objects.filter(action=AuditAction.VIEW_PERSONAL).count() == 1

    login(client, world, "oversight")
    assert "unmasked=1" not in page(client, "petitions:list").content.decode()
    assert client.get(reverse("petitions:export")).status_code == 200
    assert client.get(reverse("petitions:export"), {"unmasked": "1"}).status_code == 403
    assert AuditEvent.objects.filter(action=AuditAction.DENIED, actor=world.user("oversight")).exists()


# --- dashboard and menu ----------------------------------------------------------------------------


def test_dashboard_shows_overdue_first_and_only_in_scope(world: World, client: Client) -> None:
    overdue, _ = register(world.user("office"), world.township, received_at=at("2026-03-02"))
    soon, _ = register(world.user("office"), world.township, id_number=ID_B, received_at=at("2026-03-18"))
    later, _ = register(world.user("office"), world.township, id_number="", received_at=at("2026-03-31"))
    outside, _ = register(
        world.user("admin"), world.other_township, id_number="", received_at=at("2026-03-02")
    )
    login(client, world, "office")
    html = page(client, "core:home").content.decode()
    panel = re.search(r'data-panel="petitions_due">(.*?)</section>', html, re.S)
    assert panel is not None and "panel-placeholder" not in panel.group(0)
    body = panel.group(1)
    assert overdue.number in body and soon.number in body
    assert later.number not in body and outside.number not in body
    assert body.index('data-list="overdue"') < body.index('data-list="due_soon"')
    counts = re.findall(r'<span class="stat-value">(\d+)</span>', body)
    assert counts[:3] == ["1", "1", "0"]

    login(client, world, "admin")
    admin_panel = page(client, "core:home").content.decode()
    assert outside.number in admin_panel


def test_deadline_pending_in_an_unknown_year_is_counted_and_shown(world: World, client: Client) -> None:
    with time_machine.travel(at("2026-12-28"), tick=False):
        pending, _ = register(world.user("office"), world.township)  # 15 days end in 2027
        assert pending.due_on is None
        login(client, world, "office")
        panel = page(client, "core:home").context["panels"]
        data = next(ctx for p, ctx in panel if p.key == "petitions_due")
        assert data["counts"]["pending"] == 1
        html = page(client, "petitions:list").content.decode()
        assert "badge badge-warn" in html and pending.number in html
        assert page(client, "petitions:detail", pending.pk).context["due"].pending


def test_menu_has_one_petitions_entry_after_home(world: World, client: Client) -> None:
    names = [entry.url_name for entry in MENU]
    assert (
        names.count("petitions:list") == 1 and names.index("petitions:list") == names.index("core:home") + 1
    )
    login(client, world, "reporter")
    items = page(client, "core:home").context["nav_items"]
    assert reverse("petitions:list") in [item.url for item in items]


def test_a_handling_village_reporter_sees_its_due_matters_on_the_dashboard(world: World) -> None:
    office = world.user("office")
    mine, _ = register(office, world.township, summary="本村路灯维修")
    other, _ = register(office, world.township, summary="邻村排水沟堵塞", id_number=ID_B)
    for matter, unit in ((mine, world.village), (other, world.village2)):
        s.petition_accept(actor=office, petition=matter)
        s.petition_assign(actor=office, petition=matter, handling_unit=unit)
    client = Client()
    with time_machine.travel(datetime.timedelta(days=58)):  # the handling deadline is in 3 days
        client.force_login(world.user("reporter"))
        html = client.get(reverse("core:home")).content.decode()
    assert mine.number in html
    assert other.number not in html  # assigned to another village: not this reporter's
