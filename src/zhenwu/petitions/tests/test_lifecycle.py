"""The petition lifecycle: every transition and every refusal, through the services."""

import datetime
from typing import Any

import pytest
import time_machine

from zhenwu.core.choices import AuditAction
from zhenwu.core.exceptions import InvalidTransition, PermissionRefused, ValidationFailed
from zhenwu.core.fields import lookup_values
from zhenwu.core.models import AuditEvent
from zhenwu.core.scoping import Action
from zhenwu.petitions import services as s
from zhenwu.petitions.choices import DeclineRoute, IntakeChannel, Satisfaction, Stage, Status, WarningKind
from zhenwu.petitions.models import DeadlineWarning, Petition, Petitioner, PetitionEvent
from zhenwu.petitions.selectors import access_petition, petition_list
from zhenwu.petitions.tests.factories import ID_A, ID_B, at, register
from zhenwu.testing.world import World

OPINION = {
    "request": "要求支付拖欠工资",
    "facts": "经核实，拖欠属实",
    "decision": "责令限期支付",
    "basis": "《保障农民工工资支付条例》",
}


def answered(world: World) -> Petition:
    office = world.user("office")
    petition, _ = register(office, world.township)
    s.petition_accept(actor=office, petition=petition)
    s.petition_assign(actor=office, petition=petition, handling_unit=world.village)
    s.petition_start_handling(actor=world.user("reporter"), petition=petition)
    return s.petition_answer(actor=world.user("reporter"), petition=petition, **OPINION)


def test_register_numbers_codes_deadline_and_event(world: World) -> None:
    with time_machine.travel(at("2026-03-02"), tick=False):
        petition, code = register(world.user("office"), world.township)
    assert petition.number == "2026-HB-000001"
    assert len(code) == 8 and code not in petition.query_code_hash
    assert petition.query_code_matches(code) and petition.query_code_matches(code.lower())
    assert not petition.query_code_matches("AAAAAAAA")
    assert (petition.status, petition.stage, petition.due_on) == (
        Status.REGISTERED,
        Stage.ACCEPTANCE,
        datetime.date(2026, 3, 17),
    )
    assert petition.is_first_time
    event = PetitionEvent.objects.get(petition=petition)
    assert event.public and event.to_status == Status.REGISTERED
    audit = AuditEvent.objects.get(object_type="petitions.petition", action=AuditAction.CREATE)
    assert "张小明" not in str(audit.changes) and ID_A not in str(audit.changes)
    second, _ = register(world.user("office"), world.township, received_at=at("2026-03-02"))
    assert second.number == "2026-HB-000002"


def test_same_resident_is_recognised_and_not_first_time(world: World) -> None:
    first, _ = register(world.user("office"), world.township, id_number="11010519491231002x")
    second, _ = register(world.user("office"), world.township, name="张小明", summary="土地纠纷")
    assert Petitioner.objects.filter(id_number_hash__in=lookup_values(ID_A, kind="id_number")).count() == 1
    assert first.is_first_time and not second.is_first_time
    other, _ = register(world.user("office"), world.township, name="李四", id_number=ID_B)
    assert other.is_first_time


@pytest.mark.parametrize(
    ("field", "kwargs"),
    [
        ("id_number", {"id_number": "110105194912310021"}),  # wrong check character
        ("id_number", {"id_number": "11010519491331002X"}),  # month 13
        ("received_at", {"received_at": datetime.datetime(2030, 1, 1, tzinfo=datetime.UTC)}),
    ],
)
def test_bad_intake_is_refused_and_nothing_saved(world: World, field: str, kwargs: dict) -> None:
    with pytest.raises(ValidationFailed) as exc:
        register(world.user("office"), world.township, **kwargs)
    assert field in exc.value.errors
    assert not Petition.objects.exists() and not Petitioner.objects.exists()


def test_group_representatives_limit(world: World) -> None:
    people = [s.PetitionerIn(name=f"村民{i}", is_representative=True) for i in range(6)]
    common: dict[str, Any] = {
        "actor": world.user("office"),
        "unit": world.township,
        "channel": IntakeChannel.VISIT,
    }
    with pytest.raises(ValidationFailed):
        s.petition_register(**common, petitioners=people, summary="征地补偿", content="集体反映征地补偿问题")
    group, _ = s.petition_register(
        **common, petitioners=people[:5], summary="征地补偿", content="集体反映征地补偿问题", headcount=40
    )
    assert group.is_collective and group.headcount == 40 and group.parties.count() == 5


def test_only_office_registers_in_its_scope(world: World) -> None:
    with pytest.raises(PermissionRefused):
        register(world.user("reporter"), world.township)
    with pytest.raises(PermissionRefused):
        register(world.user("office"), world.other_township)


def test_accept_starts_the_60_day_clock(world: World) -> None:
    petition, _ = register(world.user("office"), world.township, received_at=at("2026-02-27"))
    with time_machine.travel(at("2026-03-02"), tick=False):
        s.petition_accept(actor=world.user("office"), petition=petition)
    petition.refresh_from_db()
    # 60 days from 2026-03-02 is 2026-05-01, Labour Day (5/1-5/5): due the next working day.
    assert (petition.status, petition.stage, petition.due_on) == (
        Status.ACCEPTED,
        Stage.CONCLUSION,
        datetime.date(2026, 5, 6),
    )


def test_decline_needs_route_and_reason_and_ends_the_clock(world: World) -> None:
    petition, _ = register(world.user("office"), world.township)
    with pytest.raises(ValidationFailed):
        s.petition_decline(
            actor=world.user("office"), petition=petition, route=DeclineRoute.LITIGATION, reason=" "
        )
    s.petition_decline(
        actor=world.user("office"),
        petition=petition,
        route=DeclineRoute.LITIGATION,
        reason="属于民事纠纷，应向人民法院起诉",
    )
    petition.refresh_from_db()
    assert (petition.status, petition.stage, petition.due_on) == (Status.DECLINED, Stage.NONE, None)
    # Replying to a declined matter is refused, and nothing changes.
    with pytest.raises(InvalidTransition):
        s.petition_assign(actor=world.user("office"), petition=petition, handling_unit=world.village)
    with pytest.raises(InvalidTransition):
        s.petition_accept(actor=world.user("office"), petition=petition)
    petition.refresh_from_db()
    assert petition.status == Status.DECLINED


def test_only_the_office_decides(world: World) -> None:
    petition, _ = register(world.user("office"), world.township)
    for role in ("leader", "reporter", "mediator", "oversight"):
        with pytest.raises(PermissionRefused):
            s.petition_accept(actor=world.user(role), petition=petition)


def test_assignment_to_the_accused_unit_is_refused_and_audited(world: World) -> None:
    office = world.user("office")
    petition, _ = register(office, world.township, summary="举报河东村干部", accused_unit=world.village)
    s.petition_accept(actor=office, petition=petition)
    with pytest.raises(PermissionRefused):
        s.petition_assign(actor=office, petition=petition, handling_unit=world.village)
    denied = AuditEvent.objects.get(action=AuditAction.DENIED)
    assert denied.actor == office and petition.number in denied.note
    petition.refresh_from_db()
    assert petition.status == Status.ACCEPTED and petition.handling_unit is None
    s.petition_assign(actor=office, petition=petition, handling_unit=world.village2)


def test_accused_unit_and_official_never_see_the_matter(world: World) -> None:
    office = world.user("office")
    against_village, _ = register(office, world.township, summary="举报村干部", accused_unit=world.village)
    against_leader, _ = register(
        office, world.township, summary="举报镇领导", id_number=ID_B, accused_user=world.user("leader")
    )
    reporter_sees = set(petition_list(user=world.user("reporter"), action=Action.PETITION_VIEW))
    assert against_village not in reporter_sees
    leader_sees = set(petition_list(user=world.user("leader"), action=Action.PETITION_VIEW))
    assert against_leader not in leader_sees and against_village in leader_sees
    # Even assigned to a sibling village, a matter against HB-01 stays hidden from HB-01.
    s.petition_accept(actor=office, petition=against_village)
    s.petition_assign(actor=office, petition=against_village, handling_unit=world.village2)
    assert against_village not in set(petition_list(user=world.user("reporter"), action=Action.PETITION_VIEW))


def test_handling_unit_sees_and_handles_others_do_not(world: World) -> None:
    office = world.user("office")
    petition, _ = register(office, world.township)
    s.petition_accept(actor=office, petition=petition)
    reporter = world.user("reporter")  # works in HB-01
    with pytest.raises(PermissionRefused):
        s.petition_start_handling(actor=reporter, petition=petition)  # not assigned to HB-01 yet
    s.petition_assign(actor=office, petition=petition, handling_unit=world.village2)
    with pytest.raises(PermissionRefused):
        s.petition_start_handling(actor=reporter, petition=petition)
    s.petition_assign(
        actor=office, petition=petition, handling_unit=world.village, note="河西村提出异议，改交河东村"
    )
    assert access_petition(reporter, petition.pk, Action.PETITION_VIEW) == petition
    s.petition_start_handling(actor=reporter, petition=petition)
    petition.refresh_from_db()
    assert petition.status == Status.HANDLING


def test_reassignment_keeps_the_clock(world: World) -> None:
    office = world.user("office")
    petition, _ = register(office, world.township)
    s.petition_accept(actor=office, petition=petition)
    s.petition_assign(actor=office, petition=petition, handling_unit=world.village2)
    due = Petition.objects.get(pk=petition.pk).due_on
    s.petition_object(actor=office, petition=petition, reason="不属于本村")
    with time_machine.travel(datetime.timedelta(days=10)):
        s.petition_assign(actor=office, petition=petition, handling_unit=world.village)
    assert Petition.objects.get(pk=petition.pk).due_on == due


def test_extension_once_by_a_leader_within_the_limit(world: World) -> None:
    office = world.user("office")
    petition, _ = register(office, world.township)
    s.petition_accept(actor=office, petition=petition)
    due = Petition.objects.get(pk=petition.pk).due_on
    with pytest.raises(PermissionRefused):
        s.petition_extend(actor=office, petition=petition, days=30, reason="情况复杂")
    with pytest.raises(ValidationFailed):
        s.petition_extend(actor=world.user("leader"), petition=petition, days=31, reason="情况复杂")
    s.petition_extend(actor=world.user("leader"), petition=petition, days=30, reason="涉及多个部门，情况复杂")
    petition.refresh_from_db()
    assert (
        petition.due_on is not None
        and due is not None
        and petition.due_on >= due + datetime.timedelta(days=30)
    )
    assert petition.events.filter(kind="extended", public=True).exists()
    with pytest.raises(InvalidTransition):
        s.petition_extend(actor=world.user("leader"), petition=petition, days=5, reason="再次延期")


def test_answer_needs_all_four_parts_and_opens_the_review_window(world: World) -> None:
    office = world.user("office")
    petition, _ = register(office, world.township)
    s.petition_accept(actor=office, petition=petition)
    s.petition_assign(actor=office, petition=petition, handling_unit=world.village)
    s.petition_start_handling(actor=world.user("reporter"), petition=petition)
    with pytest.raises(ValidationFailed) as exc:
        s.petition_answer(actor=world.user("reporter"), petition=petition, **{**OPINION, "basis": ""})
    assert list(exc.value.errors) == ["basis"]
    with time_machine.travel(at("2026-09-01"), tick=False):
        s.petition_answer(actor=world.user("reporter"), petition=petition, **OPINION)
    petition.refresh_from_db()
    # 30 days from 2026-09-01 is 2026-10-01, National Day (10/1-10/7): the window ends 10/8.
    assert (petition.status, petition.stage, petition.due_on) == (
        Status.ANSWERED,
        Stage.REVIEW_REQUEST,
        datetime.date(2026, 10, 8),
    )


def test_rating_once_within_the_window(world: World) -> None:
    petition = answered(world)
    with pytest.raises(ValidationFailed):
        s.petition_rate(petition=petition, satisfaction="great")
    s.petition_rate(petition=petition, satisfaction=Satisfaction.BASICALLY, comment="基本解决")
    with pytest.raises(InvalidTransition):
        s.petition_rate(petition=petition, satisfaction=Satisfaction.SATISFIED)
    late = answered(world)
    with time_machine.travel(datetime.timedelta(days=31)), pytest.raises(InvalidTransition):
        s.petition_rate(petition=late, satisfaction=Satisfaction.SATISFIED)


def test_review_and_re_review_with_their_windows_and_hearing_time(world: World) -> None:
    petition = answered(world)
    office = world.user("office")
    s.petition_request_review(petition=petition, reason="对处理意见不服")
    petition.refresh_from_db()
    assert (petition.status, petition.stage) == (Status.UNDER_REVIEW, Stage.REVIEW)
    s.petition_decide_review(actor=office, petition=petition, opinion="维持原处理意见")
    s.petition_request_re_review(petition=petition, reason="仍然不服")
    petition.refresh_from_db()
    before = petition.due_on
    s.petition_record_hearing(actor=office, petition=petition, days=7)
    petition.refresh_from_db()
    # Requested on 2026-04-01: 30 days end on Labour Day and roll to 5/6; seven hearing days are not
    # counted, so the period starts 4/8 and ends on Friday 5/8.
    assert (before, petition.due_on) == (datetime.date(2026, 5, 6), datetime.date(2026, 5, 8))
    s.petition_decide_re_review(actor=office, petition=petition, opinion="复核维持")
    s.petition_close(actor=office, petition=petition)
    petition.refresh_from_db()
    assert petition.status == Status.CLOSED
    with pytest.raises(InvalidTransition):
        s.petition_request_review(petition=petition, reason="再次复查")


def test_review_after_its_window_is_refused(world: World) -> None:
    petition = answered(world)
    with time_machine.travel(datetime.timedelta(days=45)), pytest.raises(InvalidTransition) as exc:
        s.petition_request_review(petition=petition, reason="不服")
    assert "30" in str(exc.value.message)
    assert Petition.objects.get(pk=petition.pk).status == Status.ANSWERED


def test_recused_official_loses_sight_of_the_matter(world: World) -> None:
    petition, _ = register(world.user("office"), world.township)
    leader = world.user("leader")
    assert access_petition(leader, petition.pk, Action.PETITION_VIEW)
    s.petition_recuse(actor=leader, petition=petition, reason="信访人是本人亲属")
    assert petition not in set(petition_list(user=leader, action=Action.PETITION_VIEW))
    s.petition_accept(actor=world.user("office"), petition=petition)
    with pytest.raises(PermissionRefused):
        s.petition_assign(
            actor=world.user("office"), petition=petition, handling_unit=world.village, lead_official=leader
        )


def test_links_keep_both_matters_visible(world: World) -> None:
    office = world.user("office")
    a, _ = register(office, world.township)
    b, _ = register(office, world.township)
    s.petition_link(actor=office, petition=b, other=a, note="同一事项重复反映")
    s.petition_link(actor=office, petition=b, other=a)  # idempotent
    assert b.links_from.count() == 1
    assert set(petition_list(user=office, action=Action.PETITION_VIEW)) >= {a, b}


def test_warnings_are_recorded_once(world: World) -> None:
    with time_machine.travel(at("2026-03-02"), tick=False):
        petition, _ = register(world.user("office"), world.township)  # acceptance notice due 2026-03-17
    assert s.petition_warn_due(today=datetime.date(2026, 3, 10)) == 0
    assert s.petition_warn_due(today=datetime.date(2026, 3, 15)) == 1
    assert s.petition_warn_due(today=datetime.date(2026, 3, 15)) == 0  # a restart records nothing new
    assert s.petition_warn_due(today=datetime.date(2026, 3, 18)) == 1
    kinds = set(DeadlineWarning.objects.filter(petition=petition).values_list("kind", flat=True))
    assert kinds == {WarningKind.DUE_SOON, WarningKind.OVERDUE}


def test_staff_recording_a_review_request_needs_office_rights(world: World) -> None:
    petition = answered(world)
    with pytest.raises(PermissionRefused):
        s.petition_request_review(petition=petition, reason="来信申请复查", actor=world.user("reporter"))
    s.petition_request_review(petition=petition, reason="来信申请复查", actor=world.user("office"))
    assert Petition.objects.get(pk=petition.pk).status == Status.UNDER_REVIEW
