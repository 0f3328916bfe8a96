"""The duty desk: sign-on, the append-only log, handover with open items carried to the next shift."""

import datetime

import pytest

from zhenwu.core.exceptions import Conflict, NotFound, PermissionRefused, ValidationFailed
from zhenwu.duty.choices import LogKind, Position
from zhenwu.duty.models import DutyLogEntry, Shift, SignOn
from zhenwu.duty.selectors import duty_desk, shift_desk
from zhenwu.duty.services import duty_log_add, open_items, roster_generate, shift_handover, shift_sign_on
from zhenwu.duty.tests.factories import at, pool, special_period

pytestmark = pytest.mark.django_db


@pytest.fixture
def shifts(world):
    leaders, officers = pool(world)
    roster = special_period(world, leaders, officers)
    roster_generate(actor=world.user("office"), roster=roster)
    first = Shift.objects.get(roster=roster, on_date=datetime.date(2026, 3, 1))
    second = Shift.objects.get(roster=roster, on_date=datetime.date(2026, 3, 2))
    return first, second


def officer(shift):
    return shift.assignments.filter(position=Position.OFFICER).order_by("id")[0].person


def test_sign_on_only_for_ones_own_shift_and_once(world, shifts, clock):
    first, _second = shifts
    me = officer(first)
    clock.move_to(at("2026-03-01", 7))
    with pytest.raises(ValidationFailed):  # opens an hour before 08:30
        shift_sign_on(actor=me, shift=first)
    clock.move_to(at("2026-03-01", 8, 20))
    with pytest.raises(PermissionRefused):
        shift_sign_on(actor=world.user("leader"), shift=first)  # not on this shift
    with pytest.raises(NotFound):
        shift_sign_on(actor=world.user("reporter"), shift=first)  # another unit's roster
    sign_on = shift_sign_on(actor=me, shift=first)
    assert sign_on.signed_at == at("2026-03-01", 8, 20)
    with pytest.raises(Conflict):
        shift_sign_on(actor=me, shift=first)
    assert SignOn.objects.count() == 1
    desk = duty_desk(user=world.user("office"), now=at("2026-03-01", 9))
    assert [row.unit for row in desk] == [world.township]
    assert desk[0].current == [first] and desk[0].next == shifts[1]
    assert sign_on.assignment_id in desk[0].signed_on


def test_the_log_is_append_only_and_open_items_are_carried_at_handover(world, shifts, clock):
    first, second = shifts
    me = officer(first)
    clock.move_to(at("2026-03-01", 10))
    call = duty_log_add(
        actor=me, shift=first, kind=LogKind.CALL, text="河东村来电：3组道路塌方", is_open=True
    )
    wrong = duty_log_add(actor=me, shift=first, kind=LogKind.EVENT, text="已通知交管站")
    with pytest.raises(ValidationFailed):
        duty_log_add(actor=me, shift=first, kind=LogKind.CORRECTION, text="更正")  # corrects what?
    fix = duty_log_add(
        actor=me, shift=first, kind=LogKind.CORRECTION, text="应为：已通知公路站", corrects=wrong
    )
    wrong.refresh_from_db()
    assert wrong.text == "已通知交管站" and fix.corrects == wrong  # the original stays as written
    with pytest.raises(PermissionRefused):
        duty_log_add(actor=world.user("leader"), shift=first, kind=LogKind.NOTE, text="x")
    assert open_items(first) == [call]
    clock.move_to(at("2026-03-02", 8, 20))
    with pytest.raises(ValidationFailed):
        shift_handover(actor=me, shift=first, summary="  ")
    handover = shift_handover(actor=me, shift=first, summary="夜间平稳；塌方处置未完，请跟进。")
    assert handover.next_shift == second
    assert list(handover.carried.all()) == [call]
    with pytest.raises(Conflict):
        shift_handover(actor=me, shift=first, summary="again")
    # The next shift sees the carried item and closes it.
    next_officer = officer(second)
    assert open_items(second) == [call]
    clock.move_to(at("2026-03-02", 11))
    duty_log_add(actor=next_officer, shift=second, kind=LogKind.ACTION, text="公路站已抢通", resolves=call)
    assert open_items(second) == []
    with pytest.raises(ValidationFailed):
        duty_log_add(actor=next_officer, shift=second, kind=LogKind.ACTION, text="again", resolves=call)
    desk = shift_desk(second)
    assert [h.shift for h in desk.received] == [first]
    assert DutyLogEntry.objects.filter(shift=first).count() == 3


def test_the_office_writes_in_any_log_of_its_unit(world, shifts, clock):
    first, _second = shifts
    clock.move_to(at("2026-03-01", 12))
    entry = duty_log_add(actor=world.user("office"), shift=first, kind=LogKind.NOTE, text="带班领导电话抽查")
    assert entry.author == world.user("office")
    with pytest.raises(ValidationFailed):
        duty_log_add(
            actor=world.user("office"),
            shift=first,
            kind=LogKind.NOTE,
            text="future",
            occurred_at=at("2026-03-01", 18),
        )


def test_the_log_closes_to_the_people_on_duty_after_handover(world, shifts, clock):
    first, _second = shifts
    # The leader on duty (the officers of these tests are office staff, who may always write).
    me = first.assignments.get(position=Position.LEADER).person
    clock.move_to(at("2026-03-02", 8, 20))
    with pytest.raises(ValidationFailed):
        duty_log_add(actor=me, shift=first, kind=LogKind.NOTE, text="before", occurred_at=at("2026-03-01", 6))
    shift_handover(actor=me, shift=first, summary="平稳")
    with pytest.raises(ValidationFailed):
        duty_log_add(actor=me, shift=first, kind=LogKind.NOTE, text="补记")
    # The office may still add a note to a handed-over shift; it is recorded as theirs.
    note = duty_log_add(actor=world.user("office"), shift=first, kind=LogKind.NOTE, text="抽查")
    assert note.author == world.user("office")
