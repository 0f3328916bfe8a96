"""The dispute lifecycle through the services: refusals, deadlines, links with petitions, reminders."""

import datetime
from collections.abc import Iterator
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.utils import translation

from zhenwu.core.choices import Role
from zhenwu.core.exceptions import Conflict, InvalidTransition, PermissionRefused, ValidationFailed
from zhenwu.core.models import AuditEvent, OutboxMessage
from zhenwu.core.services.people import person_create
from zhenwu.mediation.choices import (
    Channel,
    DisputeSource,
    DisputeStatus,
    PartyKind,
    PartySide,
    Performance,
)
from zhenwu.mediation.models import Dispute, DisputeKind, DisputeParty, MediationAgreement
from zhenwu.mediation.selectors import (
    LedgerFilter,
    dispute_figures,
    dispute_ledger,
    dispute_linked_petitions,
    petition_linked_disputes,
)
from zhenwu.mediation.services import (
    AgreementIn,
    PartyIn,
    agreement_record,
    dispute_accept,
    dispute_close,
    dispute_decline,
    dispute_escalate,
    dispute_no_agreement,
    dispute_refer_from_petition,
    dispute_register,
    follow_up_record,
    follow_up_schedule,
    mediation_reminders_send,
    session_record,
)
from zhenwu.petitions.choices import EventKind, IntakeChannel
from zhenwu.petitions.models import Petition
from zhenwu.petitions.services import PetitionerIn, petition_recuse, petition_register
from zhenwu.testing.world import PASSWORD, World

BEIJING = ZoneInfo("Asia/Shanghai")
D = datetime.date
ID_A = "11010519491231002X"  # valid check character (domain/identity.md)
ID_B = "440524188001010014"


def at(day: str, hour: int = 10) -> datetime.datetime:
    return datetime.datetime.fromisoformat(day).replace(hour=hour, tzinfo=BEIJING)


@pytest.fixture(autouse=True)
def now() -> Iterator[time_machine.Traveller]:
    with time_machine.travel(at("2026-03-02", 9), tick=False) as traveller:
        yield traveller


def land() -> DisputeKind:
    return DisputeKind.objects.get(code="land_forest")


def parties() -> list[PartyIn]:
    return [
        PartyIn(name="张三丰", id_number=ID_A, phone="13800001111", address="河东村三组12号"),
        PartyIn(name="李四", side=PartySide.RESPONDENT, id_number=ID_B),
    ]


def register(world: World, **kw: object) -> Dispute:
    args: dict[str, object] = {
        "actor": world.user("mediator"),
        "handling_unit": world.township,
        "kind": land(),
        "source": DisputeSource.RESIDENT_REQUEST,
        "summary": "承包地边界争议",
        "parties": parties(),
        "mediators": [world.user("mediator")],
    }
    args.update(kw)
    return dispute_register(**args)  # type: ignore[arg-type]


def agreement(**kw: object) -> AgreementIn:
    args: dict[str, object] = {
        "facts": "双方承包地相邻，界桩被移动。",
        "issues": "两块承包地的分界线。",
        "responsibilities": "李四移动界桩，负主要责任。",
        "terms": "以2003年承包合同附图为准，李四恢复界桩。",
        "performance_manner": "李四自行恢复界桩，村委会见证。",
        "performance_due": D(2026, 3, 20),
        "signed_on": D(2026, 3, 2),
    }
    args.update(kw)
    return AgreementIn(**args)  # type: ignore[arg-type]


def in_mediation(world: World, sessions: int = 1) -> Dispute:
    dispute = dispute_accept(actor=world.user("mediator"), dispute=register(world))
    for n in range(sessions):
        session_record(
            actor=world.user("mediator"),
            dispute=dispute,
            held_at=at("2026-03-02", 8 - n),
            participants="张三丰、李四、调解员陈平",
            record=f"第{n + 1}次调解：双方陈述。",
        )
    return dispute


def test_register_numbers_by_unit_and_year_and_audits_without_personal_data(world: World) -> None:
    first = register(world)
    second = register(world)
    assert (first.number, second.number) == ("2026-HB-TJ0001", "2026-HB-TJ0002")
    assert first.status == DisputeStatus.REGISTERED
    assert [p.name for p in first.parties.all()] == ["张三丰", "李四"]
    event = AuditEvent.objects.get(object_id=str(first.pk), object_type__endswith="dispute", action="create")
    assert "张三丰" not in str(event.changes) and ID_A not in str(event.changes)


@pytest.mark.parametrize(
    ("kw", "field"),
    [
        ({"parties": parties()[:1]}, "parties"),
        ({"parties": [PartyIn(name="甲"), PartyIn(name="乙")]}, "parties"),  # nobody on the other side
        ({"parties": [PartyIn(name="甲", id_number="110105194912310021"), parties()[1]]}, "parties"),
        ({"parties": [PartyIn(name="甲", phone="123"), parties()[1]]}, "parties"),
        (
            {
                "parties": [
                    PartyIn(name="某公司", kind=PartyKind.ORGANISATION, id_number="IOSVZ"),
                    parties()[1],
                ]
            },
            "parties",
        ),
        ({"summary": ""}, "summary"),
        ({"kind": None}, "kind"),
        ({"source": DisputeSource.PETITION}, "source"),
        ({"registered_at": at("2026-03-03")}, "registered_at"),
    ],
)
def test_register_refuses_bad_input_and_saves_nothing(
    world: World, kw: dict[str, object], field: str
) -> None:
    with pytest.raises(ValidationFailed) as exc:
        register(world, **kw)
    assert field in exc.value.errors
    assert not Dispute.objects.exists() and not DisputeParty.objects.exists()


def test_register_refuses_a_mediator_who_cannot_mediate_there(world: World) -> None:
    with pytest.raises(ValidationFailed) as exc:
        register(world, mediators=[world.user("reporter")])
    assert "mediators" in exc.value.errors
    with pytest.raises(PermissionRefused):
        register(world, actor=world.user("oversight"))


def test_the_lifecycle_with_deadlines_from_the_engine(world: World, now: time_machine.Traveller) -> None:
    dispute = in_mediation(world, sessions=2)
    assert dispute.status == DisputeStatus.ACCEPTED
    assert dispute.due_on == D(2026, 4, 1)  # 30 calendar days after 2026-03-02, a Wednesday
    assert dispute.sessions.count() == 2

    signed = agreement_record(actor=world.user("mediator"), dispute=dispute, data=agreement())
    dispute.refresh_from_db()
    assert dispute.status == DisputeStatus.AGREED
    assert signed.copies == 3  # two parties and the committee (Art. 29)
    # Judicial confirmation: 30 days from taking effect (Art. 33); 2026-04-01 is a working day.
    assert signed.confirmation_due_on == D(2026, 4, 1)
    first_visit = dispute.follow_ups.get()
    assert first_visit.due_on == D(2026, 3, 17)  # rule mediation.follow_up: 15 days

    with pytest.raises(ValidationFailed) as exc:
        dispute_close(actor=world.user("mediator"), dispute=dispute)
    assert exc.value.code == "follow_up_missing"

    now.move_to(at("2026-03-17", 15))
    follow_up_record(
        actor=world.user("mediator"),
        follow_up=first_visit,
        performance=Performance.PERFORMED,
        notes="界桩已恢复，双方无异议。",
    )
    with pytest.raises(Conflict):
        follow_up_record(
            actor=world.user("mediator"),
            follow_up=first_visit,
            performance=Performance.PERFORMED,
            notes="再次",
        )
    later = follow_up_schedule(actor=world.user("mediator"), dispute=dispute, due_on=D(2026, 4, 17))
    with pytest.raises(ValidationFailed) as exc:
        dispute_close(actor=world.user("mediator"), dispute=dispute)
    assert exc.value.code == "follow_up_pending"
    follow_up_record(
        actor=world.user("office"), follow_up=later, performance=Performance.PERFORMED, notes="电话回访"
    )
    closed = dispute_close(actor=world.user("mediator"), dispute=dispute, note="协议履行完毕")
    assert closed.status == DisputeStatus.CLOSED and closed.closed_at is not None
    with pytest.raises(InvalidTransition):
        dispute_close(actor=world.user("mediator"), dispute=dispute)


def test_an_agreement_without_the_required_contents_is_refused_and_nothing_changes(world: World) -> None:
    dispute = in_mediation(world)
    with pytest.raises(ValidationFailed) as exc:
        agreement_record(
            actor=world.user("mediator"),
            dispute=dispute,
            data=agreement(responsibilities=" ", terms="", performance_due=None),
        )
    assert exc.value.code == "agreement_incomplete"
    assert {"responsibilities", "terms", "performance_due"} <= set(exc.value.errors)
    dispute.refresh_from_db()
    assert dispute.status == DisputeStatus.ACCEPTED
    assert not MediationAgreement.objects.exists() and not dispute.follow_ups.exists()


@pytest.mark.parametrize(
    ("kw", "field"),
    [
        ({"signed_on": D(2026, 3, 3)}, "signed_on"),  # in the future
        ({"signed_on": D(2026, 2, 1)}, "signed_on"),  # before the dispute was registered
        ({"performance_due": D(2026, 3, 1)}, "performance_due"),  # before it takes effect
        ({"copies": 1}, "copies"),
    ],
)
def test_agreement_dates_are_checked(world: World, kw: dict[str, object], field: str) -> None:
    dispute = in_mediation(world)
    with pytest.raises(ValidationFailed) as exc:
        agreement_record(actor=world.user("mediator"), dispute=dispute, data=agreement(**kw))
    assert field in exc.value.errors


def test_an_oral_agreement_has_no_confirmation_window(world: World) -> None:
    dispute = in_mediation(world)
    signed = agreement_record(actor=world.user("mediator"), dispute=dispute, data=agreement(is_oral=True))
    assert signed.is_oral and signed.confirmation_due_on is None


def test_an_agreement_needs_a_session_and_a_dispute_in_mediation(world: World) -> None:
    registered = register(world)
    with pytest.raises(InvalidTransition):
        agreement_record(actor=world.user("mediator"), dispute=registered, data=agreement())
    with pytest.raises(InvalidTransition):
        session_record(
            actor=world.user("mediator"),
            dispute=registered,
            held_at=at("2026-03-02", 8),
            participants="x",
            record="y",
        )
    accepted = dispute_accept(actor=world.user("mediator"), dispute=register(world))
    with pytest.raises(ValidationFailed) as exc:
        agreement_record(actor=world.user("mediator"), dispute=accepted, data=agreement())
    assert exc.value.code == "no_session"


def test_decline_needs_the_reason_and_the_channel_and_ends_the_case(world: World) -> None:
    dispute = register(world)
    with pytest.raises(ValidationFailed) as exc:
        dispute_decline(actor=world.user("mediator"), dispute=dispute, reason="", channel=Channel.LITIGATION)
    assert "reason" in exc.value.errors
    with pytest.raises(ValidationFailed) as exc:
        dispute_decline(actor=world.user("mediator"), dispute=dispute, reason="已起诉", channel="nowhere")
    assert "channel" in exc.value.errors
    declined = dispute_decline(
        actor=world.user("mediator"), dispute=dispute, reason="一方已向法院起诉", channel=Channel.LITIGATION
    )
    assert declined.status == DisputeStatus.DECLINED and declined.advised_channel == Channel.LITIGATION
    with translation.override("en"), pytest.raises(InvalidTransition) as refused:
        dispute_accept(actor=world.user("mediator"), dispute=dispute)
    assert "cannot become" in str(refused.value.message)


def test_only_the_office_or_a_named_mediator_acts_on_a_dispute(world: World) -> None:
    other = person_create(
        actor=world.user("admin"),
        username="mediator2",
        full_name="周调解",
        unit=world.township,
        role=Role.MEDIATOR,
        password=PASSWORD,
    )
    dispute = register(world)
    with pytest.raises(PermissionRefused):
        dispute_accept(actor=other, dispute=dispute)
    with pytest.raises(PermissionRefused):
        dispute_accept(actor=world.user("reporter"), dispute=dispute)
    accepted = dispute_accept(actor=world.user("office"), dispute=dispute, mediators=[other])
    assert list(accepted.mediators.all()) == [other]
    with pytest.raises(PermissionRefused):  # no longer named on it
        session_record(
            actor=world.user("mediator"),
            dispute=accepted,
            held_at=at("2026-03-02", 8),
            participants="x",
            record="y",
        )


def test_accept_needs_a_mediator(world: World) -> None:
    dispute = register(world, mediators=[])
    with pytest.raises(ValidationFailed) as exc:
        dispute_accept(actor=world.user("office"), dispute=dispute)
    assert "mediators" in exc.value.errors


def petition(world: World, **kw: object) -> Petition:
    args: dict[str, object] = {
        "actor": world.user("office"),
        "unit": world.township,
        "channel": IntakeChannel.VISIT,
        "petitioners": [PetitionerIn(name="王五", id_number=ID_A, phone="13800002222")],
        "summary": "反映与邻居的宅基地纠纷",
        "content": "邻居建房占用我家宅基地约两米。",
    }
    args.update(kw)
    matter, _code = petition_register(**args)  # type: ignore[arg-type]
    return matter


def test_a_petition_referred_to_mediation_links_both_ways(world: World) -> None:
    matter = petition(world)
    dispute = dispute_refer_from_petition(
        actor=world.user("office"),
        petition=matter,
        handling_unit=world.township,
        kind=land(),
        respondents=[PartyIn(name="赵六", side=PartySide.RESPONDENT)],
        mediators=[world.user("mediator")],
    )
    assert dispute.source == DisputeSource.PETITION and dispute.petition == matter
    applicant = dispute.parties.get(side=PartySide.APPLICANT)
    assert (applicant.name, applicant.id_number, applicant.phone) == ("王五", ID_A, "13800002222")
    assert dispute.details == "邻居建房占用我家宅基地约两米。"
    assert matter.events.filter(kind=EventKind.LINKED, data__dispute=dispute.pk).exists()
    assert petition_linked_disputes(user=world.user("office"), petition=matter) == [dispute]
    assert dispute_linked_petitions(user=world.user("mediator"), dispute=dispute)["from"] == matter

    with pytest.raises(Conflict) as exc:
        dispute_refer_from_petition(
            actor=world.user("office"),
            petition=matter,
            handling_unit=world.township,
            kind=land(),
            respondents=[],
        )
    assert exc.value.code == "already_referred"


def test_a_petition_out_of_reach_cannot_be_referred(world: World) -> None:
    elsewhere = petition(world, actor=world.user("admin"), unit=world.other_township)
    with pytest.raises(PermissionRefused):
        dispute_refer_from_petition(
            actor=world.user("office"),
            petition=elsewhere,
            handling_unit=world.township,
            kind=land(),
            respondents=[PartyIn(name="赵六", side=PartySide.RESPONDENT)],
        )
    assert not Dispute.objects.exists()


def test_escalation_registers_a_petition_once_from_a_failed_mediation(world: World) -> None:
    dispute = in_mediation(world)
    with pytest.raises(InvalidTransition):  # still in mediation
        dispute_escalate(actor=world.user("office"), dispute=dispute, channel=IntakeChannel.VISIT)
    dispute_no_agreement(
        actor=world.user("mediator"), dispute=dispute, reason="双方分歧过大", channel=Channel.PETITION
    )
    with pytest.raises(PermissionRefused):  # mediators do not register petitions
        dispute_escalate(actor=world.user("mediator"), dispute=dispute, channel=IntakeChannel.VISIT)
    matter, code = dispute_escalate(actor=world.user("office"), dispute=dispute, channel=IntakeChannel.VISIT)
    assert len(code) == 8 and matter.query_code_matches(code)
    assert [p.petitioner.name for p in matter.parties.select_related("petitioner")] == [
        "张三丰"
    ]  # the applicant
    dispute.refresh_from_db()
    assert dispute.escalated_petition == matter
    assert matter.events.filter(kind=EventKind.LINKED, data__dispute=dispute.pk).exists()
    assert dispute_linked_petitions(user=world.user("office"), dispute=dispute)["to"] == matter
    assert petition_linked_disputes(user=world.user("office"), petition=matter) == [dispute]
    with pytest.raises(Conflict):
        dispute_escalate(actor=world.user("office"), dispute=dispute, channel=IntakeChannel.VISIT)


def test_an_agreed_dispute_is_not_escalated(world: World) -> None:
    dispute = in_mediation(world)
    agreement_record(actor=world.user("mediator"), dispute=dispute, data=agreement())
    with pytest.raises(InvalidTransition):
        dispute_escalate(actor=world.user("office"), dispute=dispute, channel=IntakeChannel.VISIT)


def test_a_linked_petition_stays_hidden_from_whom_it_is_hidden(world: World) -> None:
    """信访工作条例 Art. 28/30: the dispute link does not show a matter its viewer may not see."""
    accusing = petition(world)
    leader = world.user("leader")
    petition_recuse(actor=leader, petition=accusing, reason="亲属关系")
    dispute = dispute_refer_from_petition(
        actor=world.user("office"),
        petition=accusing,
        handling_unit=world.township,
        kind=land(),
        respondents=[PartyIn(name="赵六", side=PartySide.RESPONDENT)],
    )
    assert dispute_ledger(user=leader, filters=LedgerFilter()).filter(pk=dispute.pk).exists()
    assert dispute_linked_petitions(user=leader, dispute=dispute)["from"] is None
    assert dispute_linked_petitions(user=world.user("office"), dispute=dispute)["from"] == accusing


@pytest.mark.parametrize("accused", ["unit", "official"])
def test_a_matter_is_never_referred_to_the_unit_it_accuses(world: World, accused: str) -> None:
    """The dispute copies the matter's text: it goes nowhere the accused would read it."""
    if accused == "unit":
        accusing, refused = petition(world, accused_unit=world.village), [world.village]
    else:  # the leader works in the township: neither it nor a unit under it mediates
        accusing, refused = (
            petition(world, accused_user=world.user("leader")),
            [world.township, world.village],
        )
    respondents = [PartyIn(name="赵六", side=PartySide.RESPONDENT)]
    for unit in refused:
        with pytest.raises(ValidationFailed) as refusal:
            dispute_refer_from_petition(
                actor=world.user("office"),
                petition=accusing,
                handling_unit=unit,
                kind=land(),
                respondents=respondents,
            )
        assert refusal.value.code == "accused_unit" and "handling_unit" in refusal.value.errors
    assert not accusing.referred_disputes.exists()
    if accused == "unit":  # the township above the accused village may mediate
        dispute = dispute_refer_from_petition(
            actor=world.user("office"),
            petition=accusing,
            handling_unit=world.township,
            kind=land(),
            respondents=respondents,
        )
        assert dispute.petition == accusing


def test_ledger_is_scoped_and_filters(world: World, now: time_machine.Traveller) -> None:
    mine = in_mediation(world)
    village = register(world, actor=world.user("reporter"), handling_unit=world.village, mediators=[])
    elsewhere = register(world, actor=world.user("admin"), handling_unit=world.other_township, mediators=[])
    everything = LedgerFilter()
    assert set(dispute_ledger(user=world.user("office"), filters=everything)) == {mine, village}
    assert set(dispute_ledger(user=world.user("reporter"), filters=everything)) == {village}
    assert set(dispute_ledger(user=world.user("admin"), filters=everything)) == {mine, village, elsewhere}
    now.move_to(at("2026-04-02"))
    assert list(dispute_ledger(user=world.user("office"), filters=LedgerFilter(status="overdue"))) == [mine]
    assert list(dispute_ledger(user=world.user("office"), filters=LedgerFilter(q="HB-01-TJ"))) == [village]


def test_reminders_are_sent_once_per_event(world: World, now: time_machine.Traveller) -> None:
    mediator = world.user("mediator")
    mediator.email = "chenping@example.org"
    mediator.save()
    dispute = in_mediation(world)
    assert mediation_reminders_send()["target"] == 0
    now.move_to(at("2026-03-30", 9))  # within the rule's 3 warning days of 2026-04-01
    counts = mediation_reminders_send()
    assert counts["target"] == 1 and counts["messages"] == 2  # e-mail and SMS
    mediation_reminders_send()
    assert (
        OutboxMessage.objects.filter(event_key__startswith=f"mediation.due_soon.{dispute.pk}.").count() == 2
    )
    now.move_to(at("2026-04-02", 9))
    mediation_reminders_send()
    assert OutboxMessage.objects.filter(event_key__startswith=f"mediation.overdue.{dispute.pk}.").count() == 2


def test_confirmation_window_and_follow_up_reminders(world: World, now: time_machine.Traveller) -> None:
    dispute = in_mediation(world)
    agreement_record(actor=world.user("mediator"), dispute=dispute, data=agreement())
    now.move_to(at("2026-03-16", 9))  # the follow-up is due tomorrow
    assert mediation_reminders_send()["follow_up"] == 1
    now.move_to(at("2026-03-29", 9))  # confirmation window closes 2026-04-01
    counts = mediation_reminders_send()
    assert counts["confirmation"] == 1
    keys = set(OutboxMessage.objects.values_list("event_key", flat=True))
    assert any(k.startswith("mediation.confirmation.") for k in keys)
    assert any(k.startswith("mediation.follow_up.") and ".late." in k for k in keys)


def test_figures_for_the_weekly_report(world: World, now: time_machine.Traveller) -> None:
    dispute = in_mediation(world)
    register(world, actor=world.user("reporter"), handling_unit=world.village, mediators=[])
    agreement_record(actor=world.user("mediator"), dispute=dispute, data=agreement())
    week = (at("2026-02-27", 0), at("2026-03-06", 0))
    figures = dispute_figures(world.township, *week)
    assert figures == {
        "disputes_registered": 2,
        "disputes_accepted": 1,
        "disputes_agreed": 1,
        "disputes_not_agreed": 0,
        "disputes_open": 2,
        "follow_ups_done": 0,
    }
    assert dispute_figures(world.village, *week)["disputes_registered"] == 1
    assert (
        dispute_figures(world.township, at("2026-03-06", 0), at("2026-03-13", 0))["disputes_registered"] == 0
    )


def test_deadlines_in_a_year_without_known_holidays_wait_for_the_calendar(
    world: World, now: time_machine.Traveller
) -> None:
    """Accepting in late December works: the target date waits for next year's holidays to be entered."""
    from zhenwu.core.services.calendar import calendar_year_enter
    from zhenwu.mediation.services import mediation_fill_pending_deadlines

    now.move_to(at("2026-12-20"))
    dispute = dispute_accept(actor=world.user("mediator"), dispute=register(world))
    session_record(
        actor=world.user("mediator"),
        dispute=dispute,
        held_at=at("2026-12-20", 8),
        participants="双方",
        record="调解",
    )
    assert dispute.status == DisputeStatus.ACCEPTED and dispute.due_on is None
    signed = agreement_record(
        actor=world.user("mediator"),
        dispute=dispute,
        data=agreement(signed_on=D(2026, 12, 20), performance_due=D(2027, 1, 10)),
    )
    assert signed.confirmation_due_on is None  # 2027-01-19 cannot be checked against 2027's holidays yet
    assert dispute.follow_ups.get().due_on == D(2027, 1, 4)  # local practice: planned on the nominal day
    assert mediation_fill_pending_deadlines() == 0

    calendar_year_enter(
        actor=world.user("admin"),
        year=2027,
        source="国务院办公厅关于2027年部分节假日安排的通知",
        holidays=[(D(2027, 1, 1), "元旦")],
        workdays=[],
    )
    assert mediation_fill_pending_deadlines() == 1  # the agreement's window; the dispute is agreed now
    signed.refresh_from_db()
    assert signed.confirmation_due_on == D(2027, 1, 19)
