"""The duty desk through the test client, as duty officers use it on their phones.

Time starts at 2026-02-25 09:00 Beijing time (conftest); the example special period (2026-03-01..20,
one 24-hour shift a day from 08:30, a leader and two officers) is generated before it starts.
Sessions last 8 hours, so a test that moves the clock by a day signs in again.
"""

import datetime
import re
from html import unescape
from typing import Any

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from zhenwu.core.choices import Role, UnitKind
from zhenwu.core.models import User
from zhenwu.core.services.units import unit_create
from zhenwu.duty.choices import LogKind, Position
from zhenwu.duty.models import DutyLogEntry, Handover, Shift, SignOn
from zhenwu.duty.services import (
    duty_log_add,
    open_items,
    roster_create,
    roster_generate,
    roster_members_set,
    shift_template_add,
)
from zhenwu.duty.tests.factories import at, pool, special_period, staff, t
from zhenwu.testing.world import World

pytestmark = pytest.mark.django_db

#: A phone's browser (390 x 844 CSS pixels): the pages must not depend on a wide screen.
PHONE = {"User-Agent": "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) Mobile/15E148 Safari/604.1"}


def login(client: Client, user: User, *, language: str = "en") -> Client:
    """Sign in (again: sessions expire after 8 hours); pages in English so that messages can be asserted."""
    client.force_login(user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    return client


def messages_of(response: Any) -> list[str]:
    return [str(m) for m in response.context["messages"]] if response.context else []


def text_of(response: Any) -> str:
    return unescape(str(response.content.decode()))


def officer(shift: Shift, index: int = 0) -> User:
    return shift.assignments.filter(position=Position.OFFICER).order_by("id")[index].person


def shift_url(shift: Shift, name: str = "duty:shift_detail") -> str:
    return reverse(name, args=[shift.pk])


def assert_phone_page(response: Any) -> None:
    """Laid out for a phone: the viewport is the device's, and people and the log are cards, not tables."""
    html = response.content.decode()
    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in html
    assert "<table" not in html


@pytest.fixture
def shifts(world: World) -> tuple[Shift, Shift]:
    leaders, officers = pool(world)
    roster = special_period(world, leaders, officers)
    roster_generate(actor=world.user("office"), roster=roster)
    first = Shift.objects.get(roster=roster, on_date=datetime.date(2026, 3, 1))
    second = Shift.objects.get(roster=roster, on_date=datetime.date(2026, 3, 2))
    return first, second


# --- the whole flow on a phone ---------------------------------------------------------------------


def test_an_officer_signs_on_logs_corrects_and_hands_over_and_the_next_one_closes_the_item(
    world, client, shifts, clock
):
    first, second = shifts
    me = officer(first)

    # 08:10 on the first day: the desk offers the big Sign on button for my shift.
    clock.move_to(at("2026-03-01", 8, 10))
    login(client, me)
    desk = client.get(reverse("duty:desk"), headers=PHONE)
    assert desk.status_code == 200
    assert_phone_page(desk)
    mine = desk.context["mine"]
    assert [row.assignment.shift for row in mine][:1] == [first] and mine[0].can_sign_on
    assert f'data-sign-on="{first.pk}"' in desk.content.decode()
    html = text_of(desk)
    for a in first.assignments.select_related("person"):  # who is on duty now, with a phone to call
        assert a.person.full_name in html and f'href="tel:{a.person.phone}"' in html

    response = client.post(shift_url(first, "duty:shift_sign_on"), headers=PHONE, follow=True)
    assert response.redirect_chain == [(shift_url(first), 302)]
    assert messages_of(response) == ["Signed on at 08:10. Write what happens in the duty log below."]
    assert SignOn.objects.get().assignment.person == me
    assert_phone_page(response)
    assert response.context["signed_on"] and not response.context["can_sign_on"]

    # 10:00: a call with an item to follow up, an event written wrongly, and its correction.
    clock.move_to(at("2026-03-01", 10))
    login(client, me)
    page = client.get(shift_url(first), headers=PHONE)
    assert page.context["log_form"]["occurred_at"].value().strftime("%H:%M") == "10:00"
    log = shift_url(first, "duty:shift_log_add")
    response = client.post(
        log, {"kind": LogKind.CALL, "text": "河东村来电：3组道路塌方", "is_open": "on"}, headers=PHONE
    )
    assert response.status_code == 302 and response["Location"].endswith("#log")
    call = DutyLogEntry.objects.get(text="河东村来电：3组道路塌方")
    assert call.is_open and call.author == me and call.occurred_at == at("2026-03-01", 10)
    client.post(log, {"kind": LogKind.EVENT, "text": "已通知交管站", "occurred_at": "2026-03-01T09:55"})
    wrong = DutyLogEntry.objects.get(text="已通知交管站")
    assert wrong.occurred_at == at("2026-03-01", 9, 55)
    # The kind left at "call": naming the corrected entry makes it a correction.
    response = client.post(
        log, {"kind": LogKind.CALL, "text": "应为：已通知公路站", "corrects": str(wrong.pk)}, follow=True
    )
    assert messages_of(response)[-1] == "The entry is added to the duty log."
    fix = DutyLogEntry.objects.get(text="应为：已通知公路站")
    assert fix.kind == LogKind.CORRECTION and fix.corrects == wrong
    wrong.refresh_from_db()
    assert wrong.text == "已通知交管站"  # never edited
    html = text_of(response)
    assert "Correction of entry #2:" in html and "已通知交管站" in html
    assert re.search(r'Corrected by <a href="#entry-3">#3</a>', html)
    assert [row.number for row in response.context["log_rows"]] == [1, 2, 3]

    # 08:20 the next morning: hand over, the open call ticked by default.
    clock.move_to(at("2026-03-02", 8, 20))
    login(client, me)
    page = client.get(shift_url(first), headers=PHONE)
    assert_phone_page(page)
    form = page.context["handover_form"]
    assert form["carry"].value() == [call.pk]
    assert re.search(rf'name="carry" value="{call.pk}"[^>]*checked', page.content.decode())
    response = client.post(
        shift_url(first, "duty:shift_handover"),
        {"summary": "夜间平稳；塌方处置未完，请跟进。", "carry": [str(call.pk)], "offered": str(call.pk)},
        headers=PHONE,
        follow=True,
    )
    assert messages_of(response) == ["The shift is handed over; 1 open item carried to the next shift."]
    handover = Handover.objects.get(shift=first)
    assert handover.next_shift == second and list(handover.carried.all()) == [call]
    assert response.context["handover_form"] is None and "夜间平稳" in text_of(response)

    # The next officer signs on, sees the handover and the carried call, and closes it.
    successor = officer(second)
    clock.move_to(at("2026-03-02", 8, 25))
    login(client, successor)
    client.post(shift_url(second, "duty:shift_sign_on"), headers=PHONE)
    page = client.get(shift_url(second), headers=PHONE)
    assert_phone_page(page)
    html = text_of(page)
    assert "Handover received" in html and "塌方处置未完" in html
    assert [entry.pk for entry in page.context["desk"].open_items] == [call.pk]
    assert f'data-open-item="{call.pk}"' in html and "Carried over" in html
    clock.move_to(at("2026-03-02", 11))
    login(client, successor)
    response = client.post(
        shift_url(second, "duty:shift_log_add"),
        {"kind": LogKind.ACTION, "text": "公路站已抢通", "resolves": str(call.pk)},
        follow=True,
    )
    assert messages_of(response) == ["The entry is added to the duty log."]
    assert open_items(second) == []
    assert "Closes the open item:" in text_of(response)
    assert response.context["desk"].open_items == []


# --- refusals ----------------------------------------------------------------------------------------


def test_someone_not_on_the_shift_cannot_sign_on_and_nothing_is_saved(world, client, shifts, clock):
    first, _second = shifts
    clock.move_to(at("2026-03-01", 8, 20))
    login(client, world.user("leader"))  # a leader of the township, not rostered on this shift
    response = client.post(shift_url(first, "duty:shift_sign_on"))
    assert response.status_code == 403
    assert "You are not on this shift." in text_of(response)
    assert SignOn.objects.count() == 0
    # Oversight reads only; a village's reporter does not see the township's shifts.
    assert (
        login(client, world.user("oversight")).post(shift_url(first, "duty:shift_sign_on")).status_code == 403
    )
    assert (
        login(client, world.user("reporter")).post(shift_url(first, "duty:shift_sign_on")).status_code == 404
    )
    assert SignOn.objects.count() == 0


def test_sign_on_too_early_twice_and_after_the_end(world, client, shifts, clock):
    first, _second = shifts
    me = officer(first)
    clock.move_to(at("2026-03-01", 7))
    login(client, me)
    page = client.get(shift_url(first))
    assert not page.context["can_sign_on"] and "Sign-on opens at 03-01 07:30." in text_of(page)
    response = client.post(shift_url(first, "duty:shift_sign_on"))
    assert response.status_code == 400 and "Sign-on opens at 03-01 07:30." in text_of(response)
    clock.move_to(at("2026-03-01", 8))
    login(client, me)
    assert client.post(shift_url(first, "duty:shift_sign_on")).status_code == 302
    response = client.post(shift_url(first, "duty:shift_sign_on"))
    assert response.status_code == 409 and "You have already signed on." in text_of(response)
    clock.move_to(at("2026-03-02", 9))
    login(client, officer(first, 1))
    response = client.post(shift_url(first, "duty:shift_sign_on"))
    assert response.status_code == 400 and "This shift is over." in text_of(response)
    assert SignOn.objects.count() == 1


def test_a_refused_log_entry_is_shown_again_with_what_was_typed(world, client, shifts, clock):
    first, _second = shifts
    me = officer(first)
    clock.move_to(at("2026-03-01", 10))
    login(client, me)
    log = shift_url(first, "duty:shift_log_add")
    response = client.post(
        log, {"kind": LogKind.CALL, "text": "镇卫生院来电", "occurred_at": "2026-03-01T18:00"}
    )
    assert response.status_code == 400
    assert "The time cannot be in the future." in text_of(response)
    assert response.context["log_form"]["text"].value() == "镇卫生院来电"
    assert "镇卫生院来电" in text_of(response)
    response = client.post(log, {"kind": LogKind.CORRECTION, "text": "更正"})
    assert response.status_code == 400 and "Choose the entry this corrects." in text_of(response)
    response = client.post(log, {"kind": LogKind.NOTE, "text": "   "})
    assert response.status_code == 400
    assert DutyLogEntry.objects.count() == 0
    # Someone else's shift: refused before anything is read from the form.
    login(client, world.user("mediator"))
    response = client.post(log, {"kind": LogKind.NOTE, "text": "x"})
    assert response.status_code == 403 and DutyLogEntry.objects.count() == 0
    # The office may write in any log of its unit.
    login(client, world.user("office"))
    assert client.post(log, {"kind": LogKind.NOTE, "text": "带班领导电话抽查"}).status_code == 302


def test_a_page_cannot_edit_an_entry_only_add_one(world, client, shifts, clock):
    first, _second = shifts
    me = officer(first)
    clock.move_to(at("2026-03-01", 10))
    entry = duty_log_add(actor=me, shift=first, kind=LogKind.CALL, text="原始记录")
    login(client, me)
    page = client.get(shift_url(first))
    html = page.content.decode()
    # One form posts to the log (append); no form or link changes or deletes an entry.
    assert html.count(f'action="{shift_url(first, "duty:shift_log_add")}"') == 1
    assert "edit" not in html.lower().replace("credit", "") and "delete" not in html.lower()
    client.post(
        shift_url(first, "duty:shift_log_add"),
        {"kind": LogKind.CALL, "text": "更正", "corrects": str(entry.pk)},
    )
    entry.refresh_from_db()
    assert entry.text == "原始记录" and DutyLogEntry.objects.count() == 2


def test_handover_twice_is_a_conflict_with_the_notes_kept(world, client, shifts, clock):
    first, _second = shifts
    me = officer(first)
    clock.move_to(at("2026-03-02", 8, 20))
    login(client, me)
    handover = shift_url(first, "duty:shift_handover")
    response = client.post(handover, {"summary": "  "})
    assert response.status_code == 400 and "This field is required." in text_of(response)
    assert client.post(handover, {"summary": "第一次交接"}).status_code == 302
    # A second officer on the same shift, on a page loaded before the handover.
    login(client, officer(first, 1))
    response = client.post(handover, {"summary": "我也交接"})
    assert response.status_code == 409
    html = text_of(response)
    assert "This shift has already been handed over." in html
    assert "我也交接" in html  # what was typed is shown, not lost
    assert Handover.objects.get(shift=first).summary == "第一次交接"


def test_an_item_opened_after_the_page_was_loaded_is_carried_not_dropped(world, client, shifts, clock):
    first, second = shifts
    me, colleague = officer(first), officer(first, 1)
    clock.move_to(at("2026-03-01", 20))
    seen = duty_log_add(actor=me, shift=first, kind=LogKind.CALL, text="已看到的事项", is_open=True)
    unticked = duty_log_add(actor=me, shift=first, kind=LogKind.CALL, text="已办结无需移交", is_open=True)
    clock.move_to(at("2026-03-02", 8, 15))
    login(client, me)
    page = client.get(shift_url(first))
    offered = page.context["handover_form"]["offered"].value()
    # Meanwhile the colleague logs another open item on their phone.
    late = duty_log_add(actor=colleague, shift=first, kind=LogKind.EVENT, text="刚接到的新情况", is_open=True)
    client.post(
        shift_url(first, "duty:shift_handover"),
        {"summary": "交接", "carry": [str(seen.pk)], "offered": offered},
    )
    carried = set(Handover.objects.get(shift=first).carried.values_list("pk", flat=True))
    assert carried == {seen.pk, late.pk}
    assert unticked.pk not in carried
    assert {e.pk for e in open_items(second)} == {seen.pk, late.pk}


# --- the desk scales -----------------------------------------------------------------------------


def _unit_roster(world: World, code: str) -> None:
    """A village with its own three-day roster (a 24-hour shift: one leader, one officer)."""
    admin = world.user("admin")
    unit = unit_create(actor=admin, parent=world.township, kind=UnitKind.VILLAGE, name=f"{code}村", code=code)
    leaders = staff(world, f"{code.lower()}l", ("甲", "乙"), Role.LEADER, unit=unit)
    officers = staff(world, f"{code.lower()}o", ("丙", "丁"), Role.REPORTER, unit=unit)
    roster = roster_create(
        actor=admin,
        unit=unit,
        name="三日值班",
        starts_on=datetime.date(2026, 3, 1),
        ends_on=datetime.date(2026, 3, 3),
    )
    shift_template_add(
        actor=admin,
        roster=roster,
        name="全天",
        start_time=t("08:30"),
        end_time=t("08:30"),
        officers_required=1,
    )
    roster_members_set(actor=admin, roster=roster, position=Position.LEADER, people=leaders)
    roster_members_set(actor=admin, roster=roster, position=Position.OFFICER, people=officers)
    roster_generate(actor=admin, roster=roster)


def _desk_queries(client: Client) -> tuple[int, Any]:
    client.get(reverse("duty:desk"))  # warm caches (content types, translations)
    with CaptureQueriesContext(connection) as captured:
        response = client.get(reverse("duty:desk"))
    assert response.status_code == 200
    return len(captured), response


def test_desk_query_count_does_not_grow_with_units(world, client, clock):
    _unit_roster(world, "HB-11")
    clock.move_to(at("2026-03-02", 10))
    login(client, world.user("office"))
    few, response = _desk_queries(client)
    assert len(response.context["rows"]) == 1
    for index in range(12, 16):
        _unit_roster(world, f"HB-{index}")
    login(client, world.user("office"))
    many, response = _desk_queries(client)
    rows = response.context["rows"]
    assert len(rows) == 5 and all(row.current and row.next for row in rows)
    assert many == few
    assert text_of(response).count('class="card desk-unit"') == 5


def test_the_desk_pages_units(world, client, clock, monkeypatch):
    from zhenwu.duty import views_desk

    monkeypatch.setattr(views_desk, "DESK_UNITS_PER_PAGE", 2)
    for index in range(11, 14):
        _unit_roster(world, f"HB-{index}")
    clock.move_to(at("2026-03-02", 10))
    login(client, world.user("office"))
    first = client.get(reverse("duty:desk"))
    second = client.get(reverse("duty:desk"), {"page": 2})
    names = [row.unit.code for row in first.context["rows"]] + [
        row.unit.code for row in second.context["rows"]
    ]
    assert names == ["HB-11", "HB-12", "HB-13"]
    assert len(first.context["rows"]) == 2


def test_the_desk_shows_the_current_and_next_shift_of_each_unit_and_my_shifts(world, client, shifts, clock):
    first, second = shifts
    clock.move_to(at("2026-03-01", 9))
    me = officer(first)
    duty_officer = first.assignments.get(person=me)
    SignOn.objects.create(assignment=duty_officer, shift=first, signed_at=at("2026-03-01", 8, 25))
    login(client, world.user("leader"))
    response = client.get(reverse("duty:desk"))
    (row,) = response.context["rows"]
    assert row.unit == world.township and row.current == [first] and row.next == second
    html = text_of(response)
    assert "Signed on" in html and "Not signed on" in html  # one signed on, the others not yet
    assert response.context["mine"] == []  # the township leader is not in this roster's pool
    # My own shifts: the officer sees theirs, soonest first.
    login(client, me)
    mine = client.get(reverse("duty:desk")).context["mine"]
    assert mine[0].assignment == duty_officer and mine[0].is_now and mine[0].signed_on
    assert not mine[0].can_sign_on
