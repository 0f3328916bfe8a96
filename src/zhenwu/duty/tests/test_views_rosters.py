"""The roster pages through the test client: making a special-period roster, hand edits, swaps,
the coverage check and publishing, fairness, print, .xlsx, leave; refusals and query counts.

Time stands at 2026-02-25 09:00 Beijing time (conftest), before the example period 2026-03-01..20.
"""

import datetime
import io
from html import unescape
from itertools import pairwise
from typing import Any

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from zhenwu.core.choices import Role
from zhenwu.core.models import User
from zhenwu.duty.choices import AssignmentSource, Position, RosterStatus, SwapStatus
from zhenwu.duty.models import Leave, Roster, Shift, ShiftAssignment, ShiftTemplate, SwapRequest
from zhenwu.duty.services import assignment_remove, leave_add, roster_create, roster_generate
from zhenwu.duty.tests.factories import pool, special_period, staff, t
from zhenwu.testing.world import World

pytestmark = pytest.mark.django_db


def login(client: Client, world: World, role: str, *, language: str = "en") -> Client:
    """Sign in; pages in English so that messages can be asserted (Chinese is tested on its own)."""
    return login_as(client, world.user(role), language=language)


def login_as(client: Client, user: User, *, language: str = "en") -> Client:
    client.force_login(user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    return client


def messages_of(response: Any) -> list[str]:
    return [str(m) for m in response.context["messages"]] if response.context else []


def url(name: str, obj: Any) -> str:
    return reverse(f"duty:{name}", args=[obj.pk])


def html_of(response: Any) -> str:
    return unescape(str(response.content.decode()))


@pytest.fixture
def people(world: World) -> tuple[list[User], list[User]]:
    """Four leaders and eight officers: every fourth day each, so two shifts can be swapped with
    enough rest on both sides."""
    leaders, officers = pool(world)
    leaders += staff(world, "xl", ("钱进",), Role.LEADER)
    officers += staff(world, "xo", ("何云", "吕洋"), Role.OFFICE)
    return leaders, officers


@pytest.fixture
def roster(world: World, people: tuple[list[User], list[User]]) -> Roster:
    leaders, officers = people
    roster = special_period(world, leaders, officers)
    roster_generate(actor=world.user("office"), roster=roster)
    return roster


def days_of(roster: Roster) -> dict[int, set[datetime.date]]:
    days: dict[int, set[datetime.date]] = {}
    for person_id, on_date in ShiftAssignment.objects.filter(shift__roster=roster).values_list(
        "person_id", "shift__on_date"
    ):
        days.setdefault(person_id, set()).add(on_date)
    return days


def rested(days: set[datetime.date]) -> bool:
    """No two 24-hour shifts on consecutive days (the rest rule)."""
    ordered = sorted(days)
    return all((b - a).days >= 2 for a, b in pairwise(ordered))


def swap_pair(roster: Roster, position: str = Position.OFFICER) -> tuple[ShiftAssignment, ShiftAssignment]:
    """Two shifts of different people whose exchange keeps both rested and off each other's shifts."""
    days = days_of(roster)
    held = list(
        ShiftAssignment.objects.filter(shift__roster=roster, position=position)
        .select_related("shift")
        .order_by("starts_at", "id")
    )
    for mine in held:
        for theirs in held:
            me, them = mine.person_id, theirs.person_id
            a, b = mine.shift.on_date, theirs.shift.on_date
            if b <= a or me == them or b in days[me] or a in days[them]:
                continue
            if rested((days[me] - {a}) | {b}) and rested((days[them] - {b}) | {a}):
                return mine, theirs
    raise AssertionError("no swap keeps the rest rule")


# --- the "done when": a 20-day special period through the pages -----------------------------


def test_a_new_user_makes_a_special_period_roster_swaps_two_shifts_publishes_and_exports(
    world, client, people
):
    leaders, officers = people
    login(client, world, "office")
    assert reverse("duty:roster_create") in client.get(reverse("duty:roster_list")).content.decode()

    created = client.post(
        reverse("duty:roster_create"),
        {
            "unit": str(world.township.pk),
            "name": "全国两会期间24小时值班",
            "starts_on": "2026-03-01",
            "ends_on": "2026-03-20",
        },
    )
    roster = Roster.objects.get()
    assert created.status_code == 302 and created["Location"] == url("roster_detail", roster)
    assert (roster.unit, roster.starts_on, roster.ends_on) == (
        world.township,
        datetime.date(2026, 3, 1),
        datetime.date(2026, 3, 20),
    )

    # One 24-hour shift from 08:30 with a leader and two officers (the preset).
    added = client.post(
        url("roster_template_add", roster),
        {
            "preset": "full",
            "name": "",
            "days": "every_day",
            "leaders_required": "1",
            "officers_required": "2",
        },
    )
    assert added.status_code == 302
    template = ShiftTemplate.objects.get(roster=roster)
    assert (template.start_time, template.end_time) == (t("08:30"), t("08:30"))
    assert (template.leaders_required, template.officers_required, template.name) == (1, 2, "24 hours")

    # The pools: the form lists the township's staff; the order shown is the rotation order.
    page = client.get(url("roster_detail", roster))
    pools = {pool.position: pool.form for pool in page.context["pools"]}
    listed = [value for value, _label in pools[Position.OFFICER].fields["people"].choices]
    for position, group in ((Position.LEADER, leaders), (Position.OFFICER, officers)):
        response = client.post(
            url("roster_pool", roster), {"position": position, "people": [str(p.pk) for p in group]}
        )
        assert response.status_code == 302
    chosen = {str(p.pk) for p in officers}
    order = list(
        roster.members.filter(position=Position.OFFICER).order_by("order").values_list("person_id", flat=True)
    )
    assert [str(pk) for pk in order] == [value for value in listed if value in chosen]

    generated = client.post(url("roster_generate", roster), follow=True)
    assert messages_of(generated)[-1] == (
        "Generated: 20 new shifts, 60 places filled by rotation, 0 changes made by hand kept."
    )
    page = client.get(url("roster_detail", roster))
    assert page.status_code == 200
    assert page.context["report"].ok and page.context["problem_count"] == 0
    assert 'data-coverage="ok"' in page.content.decode()
    assert [row.day for row in page.context["rows"]] == [
        datetime.date(2026, 3, 1) + datetime.timedelta(days=i) for i in range(20)
    ]
    assert all(cell is not None and not any(p.short for p in cell.positions) for row in page.context["rows"]
               for cell in row.cells)  # fmt: skip

    # The office arranges a swap of two officers' shifts.
    mine, theirs = swap_pair(roster)
    me, them = mine.person, theirs.person
    form = client.get(url("swap_create", mine))
    assert form.status_code == 200
    assert f'value="{theirs.pk}"' in form.content.decode() and 'name="arrange"' in form.content.decode()
    swapped = client.post(
        url("swap_create", mine), {"counterpart": str(theirs.pk), "reason": "家中有事", "arrange": "on"}
    )
    assert swapped.status_code == 302 and swapped["Location"] == url("swap_list", roster)
    mine.refresh_from_db()
    theirs.refresh_from_db()
    assert (mine.person, theirs.person) == (them, me)
    assert mine.source == theirs.source == AssignmentSource.SWAP
    assert SwapRequest.objects.get().status == SwapStatus.APPROVED
    page = client.get(url("roster_detail", roster))
    assert page.context["report"].ok, page.context["problems"]
    assert page.content.decode().count('data-source="swap"') == 2

    published = client.post(url("roster_publish", roster), {}, follow=True)
    assert messages_of(published)[-1] == "The roster is published."
    roster.refresh_from_db()
    assert roster.status == RosterStatus.PUBLISHED and roster.published_with_gaps == []

    export = client.get(url("roster_export", roster))
    assert export.status_code == 200
    assert export["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert export["Content-Disposition"].startswith("attachment;")
    assert "duty-roster-HB-20260301-20260320.xlsx" in export["Content-Disposition"]
    sheet = load_workbook(io.BytesIO(export.content)).worksheets[0]
    rows: list[Any] = [row for row in sheet.iter_rows(min_row=7, values_only=True) if row[0] is not None]
    assert [row[0].date() for row in rows] == [
        datetime.date(2026, 3, 1) + datetime.timedelta(days=i) for i in range(20)
    ]
    by_day = {row[0].date(): row for row in rows}
    assert them.full_name in by_day[mine.shift.on_date][7]
    assert me.full_name in by_day[theirs.shift.on_date][7]
    assert me.full_name not in by_day[mine.shift.on_date][7]
    leader = mine.shift.assignments.get(position=Position.LEADER).person
    assert by_day[mine.shift.on_date][6] == f"{leader.full_name} {leader.phone}"
    assert "Published" in str(sheet["B3"].value)


# --- bad input -------------------------------------------------------------------------------------


def test_a_period_ending_before_it_starts_is_a_400_with_the_field_error(world, client):
    login(client, world, "office")
    response = client.post(
        reverse("duty:roster_create"),
        {"unit": str(world.township.pk), "name": "x", "starts_on": "2026-03-10", "ends_on": "2026-03-01"},
    )
    assert response.status_code == 400
    assert response.context["form"].errors["ends_on"] == ["The last day is before the first day."]
    assert not Roster.objects.exists()


def test_a_unit_out_of_scope_is_not_offered(world, client):
    login(client, world, "office")
    response = client.post(
        reverse("duty:roster_create"),
        {
            "unit": str(world.other_township.pk),
            "name": "x",
            "starts_on": "2026-03-01",
            "ends_on": "2026-03-02",
        },
    )
    assert response.status_code == 400 and "unit" in response.context["form"].errors
    assert not Roster.objects.exists()


def test_an_overlapping_shift_template_is_a_400_and_nothing_is_saved(world, client, roster):
    login(client, world, "office")
    response = client.post(
        url("roster_template_add", roster),
        {"preset": "", "name": "夜班", "start_time": "20:00", "end_time": "08:00", "days": "every_day",
         "leaders_required": "1", "officers_required": "1"},
    )  # fmt: skip
    assert response.status_code == 400
    errors = response.context["template_form"].errors["start_time"]
    assert errors == ["夜班 overlaps 全天 (08:30–08:30) on the same days."]
    assert "overlaps" in html_of(response)
    assert ShiftTemplate.objects.filter(roster=roster).count() == 1


def test_other_hours_need_the_times_typed(world, client):
    login(client, world, "office")
    roster = roster_create(
        actor=world.user("office"),
        unit=world.township,
        name="x",
        starts_on=datetime.date(2026, 3, 1),
        ends_on=datetime.date(2026, 3, 2),
    )
    response = client.post(
        url("roster_template_add", roster),
        {"preset": "", "name": "", "days": "every_day", "leaders_required": "1", "officers_required": "1"},
    )
    assert response.status_code == 400
    assert set(response.context["template_form"].errors) == {"start_time", "end_time", "name"}
    assert not ShiftTemplate.objects.exists()


def test_assigning_a_person_on_leave_is_refused_with_the_reason(world, client, roster, people):
    leaders, _officers = people
    login(client, world, "office")
    shift = Shift.objects.get(roster=roster, on_date=datetime.date(2026, 3, 6))
    on_duty = shift.assignments.get(position=Position.LEADER)
    away = next(p for p in leaders if p.pk != on_duty.person_id)
    # Leave entered through the page.
    entered = client.post(
        reverse("duty:leave_create"),
        {"person": str(away.pk), "starts_on": "2026-03-06", "ends_on": "2026-03-06", "reason": "病假"},
    )
    assert entered.status_code == 302 and Leave.objects.filter(person=away).exists()
    removed = client.post(url("assignment_remove", on_duty), follow=True)
    assert messages_of(removed)[-1].endswith("is taken off 全天 2026-03-06.")
    page = client.get(url("roster_detail", roster))
    assert "0 of 1" in page.content.decode()  # the leader's place is open
    response = client.post(
        url("assignment_add", shift), {"position": Position.LEADER, "person": str(away.pk)}
    )
    assert response.status_code == 400
    assert response.context["form"].errors["person"] == [
        f"{away.full_name} is on leave from 2026-03-06 to 2026-03-06."
    ]
    assert not shift.assignments.filter(position=Position.LEADER).exists()


def test_a_hand_edit_is_kept_when_generating_again(world, client, roster, people):
    login(client, world, "office")
    shift = Shift.objects.get(roster=roster, on_date=datetime.date(2026, 3, 10))
    removed = shift.assignments.filter(position=Position.OFFICER).order_by("id")[0]
    client.post(url("assignment_remove", removed))
    page = client.get(url("roster_detail", roster))
    cell = next(row for row in page.context["rows"] if row.day == shift.on_date).cells[0]
    officer_cell = next(p for p in cell.positions if p.position == Position.OFFICER)
    assert officer_cell.short and removed.person_id in [pk for pk, _name in officer_cell.addable]
    # The inline "add person" control posts to the shift's assign URL with the position.
    assert f'action="{url("assignment_add", shift)}"' in page.content.decode()
    added = client.post(
        url("assignment_add", shift), {"position": Position.OFFICER, "person": str(removed.person_id)}
    )
    assert added.status_code == 302
    manual = shift.assignments.get(person_id=removed.person_id)
    assert manual.source == AssignmentSource.MANUAL
    again = client.post(url("roster_generate", roster), follow=True)
    assert "1 changes made by hand kept" in messages_of(again)[-1]
    assert ShiftAssignment.objects.filter(pk=manual.pk, source=AssignmentSource.MANUAL).exists()


def test_a_swap_with_someone_not_in_the_pool_is_a_400(world, client, roster):
    login(client, world, "office")
    given = ShiftAssignment.objects.filter(shift__roster=roster, position=Position.OFFICER).order_by(
        "starts_at"
    )[0]
    outsider = world.user("mediator")  # works in the township, not in the pool
    response = client.post(url("swap_create", given), {"to_person": str(outsider.pk), "reason": "x"})
    assert response.status_code == 400
    assert f"{outsider.full_name} is not in this roster's pool of Duty officer." in html_of(response)
    assert not SwapRequest.objects.exists()
    # Nobody chosen at all: the form says what to choose.
    empty = client.post(url("swap_create", given), {"reason": "x"})
    assert empty.status_code == 400 and "to_person" in empty.context["form"].errors


def test_publishing_with_gaps_needs_a_recorded_confirmation(world, client, roster):
    login(client, world, "office")
    shift = Shift.objects.get(roster=roster, on_date=datetime.date(2026, 3, 7))
    assignment_remove(
        actor=world.user("office"), assignment=shift.assignments.filter(position=Position.OFFICER)[0]
    )
    detail = client.get(url("roster_detail", roster))
    assert detail.context["problem_count"] == 1
    assert 'name="confirm_gaps"' in detail.content.decode()  # "publish anyway" is offered

    refused = client.post(url("roster_publish", roster), {})
    assert refused.status_code == 409
    html = html_of(refused)
    assert "全天 03-07 08:30: 1 of 2 Duty officer" in html
    assert "The roster has 1 problems" in html
    roster.refresh_from_db()
    assert roster.status == RosterStatus.DRAFT

    no_reason = client.post(url("roster_publish", roster), {"confirm_gaps": "on"})
    assert no_reason.status_code == 400
    assert no_reason.context["publish_form"].errors["note"] == ["Give the reason for publishing with gaps."]
    roster.refresh_from_db()
    assert roster.status == RosterStatus.DRAFT

    done = client.post(
        url("roster_publish", roster),
        {"confirm_gaps": "on", "note": "一名值班员临时抽调，由镇长兼任"},
        follow=True,
    )
    assert done.redirect_chain == [(url("roster_detail", roster), 302)]
    roster.refresh_from_db()
    assert roster.status == RosterStatus.PUBLISHED
    assert roster.published_with_gaps == ["全天 03-07 08:30: 1 of 2 Duty officer"]
    html = html_of(done)
    assert "一名值班员临时抽调，由镇长兼任" in html and "data-published-with-gaps" in html
    # Published: no more generating, templates or publishing from the page.
    assert done.context["publish_form"] is None and done.context["template_form"] is None
    assert url("roster_generate", roster) not in html


# --- swaps asked by the person on the shift ---------------------------------------------------------


def test_a_leader_asks_for_a_takeover_and_the_office_approves_it(world, client, roster, people):
    leaders, _officers = people  # leaders do not manage rosters (the officers here are office staff)
    given = ShiftAssignment.objects.filter(shift__roster=roster, position=Position.LEADER).order_by(
        "starts_at"
    )[0]
    me = given.person
    taker = next(p for p in leaders if p.pk != me.pk)
    login_as(client, me)
    page = client.get(url("roster_detail", roster))
    html = page.content.decode()
    assert url("swap_create", given) in html  # a swap link on my own shifts only
    others = ShiftAssignment.objects.filter(shift__roster=roster).exclude(person=me)
    assert not any(url("swap_create", a) in html for a in others)
    assert url("assignment_remove", given) not in html and page.context["publish_form"] is None
    form = client.get(url("swap_create", given))
    assert 'name="arrange"' not in form.content.decode()  # only the office arranges at once
    asked = client.post(url("swap_create", given), {"to_person": str(taker.pk), "reason": "孩子生病"})
    assert asked.status_code == 302
    swap = SwapRequest.objects.get()
    assert swap.status == SwapStatus.PENDING and swap.requested_by == me
    # Not someone else's shift.
    other = others.filter(position=Position.LEADER).exclude(person=taker)[0]
    assert client.get(url("swap_create", other)).status_code == 403

    login(client, world, "office")
    listing = client.get(url("swap_list", roster))
    assert [row.swap.pk for row in listing.context["rows"]] == [swap.pk]
    assert listing.context["rows"][0].can_decide and listing.context["rows"][0].giver == me
    decided = client.post(url("swap_decide", swap), {"decision": "approve"}, follow=True)
    assert messages_of(decided)[-1] == "The change is approved and made."
    given.refresh_from_db()
    assert given.person == taker and given.source == AssignmentSource.TAKEOVER
    again = client.post(url("swap_decide", swap), {"decision": "reject"}, follow=True)
    assert messages_of(again)[-1] == "This swap was already decided."
    bad = client.post(url("swap_decide", swap), {"decision": "maybe"}, follow=True)
    assert messages_of(bad)[-1] == "Choose to approve or to reject."


# --- reading: scope, fairness, print, query counts ----------------------------------------------------


def test_another_townships_roster_is_not_found(world, client):
    admin = world.user("admin")
    other = roster_create(
        actor=admin,
        unit=world.other_township,
        name="石桥镇值班",
        starts_on=datetime.date(2026, 3, 1),
        ends_on=datetime.date(2026, 3, 2),
    )
    login(client, world, "office")
    for name in ("roster_detail", "roster_fairness", "roster_print", "roster_export", "swap_list"):
        assert client.get(url(name, other)).status_code == 404, name
    assert client.post(url("roster_generate", other)).status_code == 404
    assert other.pk not in [r.pk for r in client.get(reverse("duty:roster_list")).context["page_obj"]]
    login(client, world, "admin")
    assert client.get(url("roster_detail", other)).status_code == 200


def test_fairness_flags_a_person_rostered_on_leave(world, client, roster):
    office = world.user("office")
    first = ShiftAssignment.objects.filter(shift__roster=roster, position=Position.LEADER).order_by(
        "starts_at"
    )[0]
    leave_add(actor=office, person=first.person, starts_on=first.shift.on_date, ends_on=first.shift.on_date)
    login(client, world, "leader")
    response = client.get(url("roster_fairness", roster))
    assert response.status_code == 200
    flagged = [row for row in response.context["rows"] if row.on_leave]
    assert [(row.person, row.on_leave) for row in flagged] == [(first.person, 1)]
    assert response.context["flagged"] == 1
    html = response.content.decode()
    assert f'data-person="{first.person_id}" class="duty-flagged" data-on-leave="1"' in html
    assert "1 person is rostered while on leave." in html
    assert sum(row.shifts for row in response.context["rows"]) == 60
    # The roster page flags the same assignment.
    detail = client.get(url("roster_detail", roster))
    assert "on leave" in detail.content.decode() and not detail.context["report"].ok


def test_the_print_page_lists_every_shift_with_phones(world, client, roster):
    login(client, world, "mediator")
    response = client.get(url("roster_print", roster))
    assert response.status_code == 200
    rows = response.context["rows"]
    assert len(rows) == 20 and rows[0].weekday == "Sunday"  # 2026-03-01
    html = response.content.decode()
    leader = rows[0].leaders[0]
    assert leader.phone and f'{leader.full_name} <span class="nowrap">{leader.phone}</span>' in html
    assert "data-print" in html and "Draft: not published" in html
    assert "<script>" not in html


def detail_queries(client: Client, roster: Roster) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url("roster_detail", roster))
    assert response.status_code == 200
    return len(ctx.captured_queries)


def test_the_roster_page_reads_a_constant_number_of_queries(world, client, people):
    leaders, officers = people
    office = world.user("office")
    short = special_period(world, leaders, officers, starts_on="2026-04-01", ends_on="2026-04-03", name="短")
    long = special_period(world, leaders, officers, name="长")
    for roster in (short, long):
        roster_generate(actor=office, roster=roster)
    first = ShiftAssignment.objects.filter(shift__roster=long).order_by("starts_at")[0]
    assignment_remove(actor=office, assignment=first)  # a problem to list and an "add" control to draw
    for role in ("office", "leader"):
        login(client, world, role)
        few, many = detail_queries(client, short), detail_queries(client, long)
        assert few == many, role
    assert long.shifts.count() == 20 and short.shifts.count() == 3


def test_lists_of_rosters_swaps_and_leave(world, client, roster, people):
    leaders, _officers = people
    office = world.user("office")
    leave_add(
        actor=office,
        person=leaders[0],
        starts_on=datetime.date(2026, 3, 21),
        ends_on=datetime.date(2026, 3, 25),
        reason="年休假",
    )
    login(client, world, "leader")
    listing = client.get(reverse("duty:roster_list"))
    assert [(r.pk, r.shift_count) for r in listing.context["page_obj"]] == [(roster.pk, 20)]
    assert reverse("duty:roster_create") not in listing.content.decode()
    # Someone else's leave is for the office; a leader sees only their own.
    assert list(client.get(reverse("duty:leave_list")).context["page_obj"]) == []
    login_as(client, leaders[0])
    leave = client.get(reverse("duty:leave_list"))
    assert [item.person for item in leave.context["page_obj"]] == [leaders[0]]
    assert "年休假" not in leave.content.decode()  # the reason is for the office
    assert client.get(reverse("duty:leave_create")).status_code == 403
    login(client, world, "office")
    assert "年休假" in client.get(reverse("duty:leave_list")).content.decode()
    refused = client.post(
        reverse("duty:leave_create"),
        {"person": str(leaders[0].pk), "starts_on": "2026-03-25", "ends_on": "2026-03-21"},
    )
    assert refused.status_code == 400
    assert refused.context["form"].errors["ends_on"] == ["The last day is before the first day."]
    login(client, world, "reporter")  # HB-01: neither the township's roster nor its people's leave
    assert list(client.get(reverse("duty:roster_list")).context["page_obj"]) == []
    assert list(client.get(reverse("duty:leave_list")).context["page_obj"]) == []
    assert client.get(url("swap_list", roster)).status_code == 404


@pytest.mark.parametrize("role", ["admin", "office", "leader", "mediator", "oversight"])
def test_pages_render_in_chinese_by_default(world, client, roster, role):
    login(client, world, role, language="zh-hans")
    assignment = ShiftAssignment.objects.filter(shift__roster=roster).order_by("starts_at")[0]
    urls = [
        reverse("duty:roster_list"),
        url("roster_detail", roster),
        url("roster_fairness", roster),
        url("roster_print", roster),
        url("swap_list", roster),
        reverse("duty:leave_list"),
    ]
    if role in ("admin", "office"):
        urls += [
            reverse("duty:roster_create"),
            reverse("duty:leave_create"),
            url("assignment_add", assignment.shift),
            url("swap_create", assignment),
        ]
    for address in urls:
        response = client.get(address)
        assert response.status_code == 200, address
        assert '<html lang="zh-hans">' in response.content.decode(), address
