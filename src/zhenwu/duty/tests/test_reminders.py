"""Duty reminders delivered to real local servers: before a shift, and missing sign-ons after its start.

The SMTP server (aiosmtpd) and the chat-robot webhook receiver are the notification tests' fixtures;
deliveries run inline (ImmediateBackend) when the captured on-commit callbacks execute. Duty reminders
go to people only (``notify_user``: e-mail to ``user.email``, SMS to ``user.phone`` through the console
provider in tests). A roster may name its duty group's chat robot: it is told of missing sign-ons.

The roster is the issue's special period: from 2026-03-01, one 24-hour shift from 08:30 a day with a
leader on duty and two duty officers, published by the township office.
"""

import datetime
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import pytest
from django.utils.translation import gettext

from zhenwu.core.choices import Channel, OutboxStatus, Role
from zhenwu.core.models import OutboxMessage, User
from zhenwu.core.notifications.tasks import deliver_due_messages
from zhenwu.core.services.people import person_create, person_update
from zhenwu.core.tests import test_notifications as notification_servers
from zhenwu.core.tests.test_notifications import SmtpRecorder, WebhookReceiver
from zhenwu.duty.choices import Position
from zhenwu.duty.models import Roster, Shift, ShiftAssignment
from zhenwu.duty.services import (
    duty_reminders_send,
    roster_generate,
    roster_publish,
    roster_unpublish,
    shift_sign_on,
)
from zhenwu.duty.tasks import send_duty_reminders
from zhenwu.duty.tests.factories import LEADERS, OFFICERS, at, special_period
from zhenwu.testing.world import PASSWORD, World

pytestmark = pytest.mark.django_db

# The real local servers of the notification tests, as fixtures of this module. Bound by assignment
# rather than imported by name: pyflakes would take each test's parameter for a redefinition (F811).
smtp_server = notification_servers.smtp_server
webhook = notification_servers.webhook

OFFICE = "wangxh@hb.gov.cn"  # 河坝镇党政办 (the world's office account)
#: The first two duty officers work in the office (role office); the others are township mediators.
OFFICE_OFFICERS = 2
NOTHING = {"reminded": 0, "reported": 0, "messages": 0}


@dataclass
class Setup:
    world: World
    roster: Roster
    leaders: list[User]
    officers: list[User]

    def shift(self, day: str = "2026-03-01") -> Shift:
        return Shift.objects.get(roster=self.roster, on_date=datetime.date.fromisoformat(day))

    def on(self, shift: Shift, position: str) -> list[User]:
        return [
            a.person
            for a in ShiftAssignment.objects.filter(shift=shift, position=position)
            .select_related("person")
            .order_by("id")
        ]


def mail_of(person: User) -> str:
    return f"{person.username}@hb.gov.cn"


@pytest.fixture
def setup(world: World) -> Setup:
    """Three leaders and six officers of 河坝镇, each with e-mail and a mobile; the roster generated
    and published before it starts (the clock stands at 2026-02-25 09:00)."""
    admin = world.user("admin")
    person_update(actor=admin, person=world.user("office"), email=OFFICE)

    def create(prefix: str, mobile: str, names: tuple[str, ...], roles: Sequence[str]) -> list[User]:
        return [
            person_create(
                actor=admin,
                username=f"{prefix}{i}",
                full_name=name,
                unit=world.township,
                role=role,
                phone=f"{mobile}{i:04d}",
                email=f"{prefix}{i}@hb.gov.cn",
                password=PASSWORD,
            )
            for i, (name, role) in enumerate(zip(names, roles, strict=True))
        ]

    leaders = create("ld", "1390000", LEADERS, [Role.LEADER] * len(LEADERS))
    officers = create(
        "of",
        "1380000",
        OFFICERS,
        [Role.OFFICE] * OFFICE_OFFICERS + [Role.MEDIATOR] * (len(OFFICERS) - OFFICE_OFFICERS),
    )
    roster = special_period(world, leaders, officers)
    office = world.user("office")
    assert roster_generate(actor=office, roster=roster).unfilled == []
    roster_publish(actor=office, roster=roster)
    return Setup(world, roster, leaders, officers)


def mailboxes(smtp: SmtpRecorder) -> list[str]:
    return sorted(address for recipients in smtp.recipients for address in recipients)


def run(capture: Any) -> dict[str, int]:
    """One run of the periodic job (the task, inline), its messages delivered once the transaction commits."""
    with capture(execute=True):
        counts = send_duty_reminders.enqueue().return_value
    assert counts is not None
    return counts


def office_staff(world: World) -> list[str]:
    """Every active office-role account of the township that has an e-mail address."""
    return sorted(
        User.objects.filter(unit=world.township, role=Role.OFFICE, is_active=True)
        .exclude(email="")
        .values_list("email", flat=True)
    )


# --- before the shift ----------------------------------------------------------------------------


def test_everyone_on_the_shift_is_reminded_an_hour_before_once(
    setup: Setup, smtp_server: SmtpRecorder, django_capture_on_commit_callbacks: Any, clock
) -> None:
    shift = setup.shift()
    on_shift = setup.on(shift, Position.LEADER) + setup.on(shift, Position.OFFICER)
    assert len(on_shift) == 3
    clock.move_to(at("2026-03-01", 7, 29))
    assert run(django_capture_on_commit_callbacks) == NOTHING  # 61 minutes to go
    assert smtp_server.messages == []

    clock.move_to(at("2026-03-01", 7, 30))
    counts = run(django_capture_on_commit_callbacks)
    assert counts == {"reminded": 1, "reported": 0, "messages": 6}  # an e-mail and an SMS each
    assert mailboxes(smtp_server) == sorted(mail_of(p) for p in on_shift)
    leader = setup.on(shift, Position.LEADER)[0]
    mail = next(m for m in smtp_server.messages if m["To"] == mail_of(leader))
    assert mail["Subject"].strip() == gettext("Duty at %(time)s: %(shift)s") % {
        "time": "03-01 08:30",
        "shift": "全天",
    }
    body = mail.get_content()
    assert "河坝镇" in body and "全国两会期间24小时值班" in body and "03-02 08:30" in body
    assert str(Position.LEADER.label) in body
    sms = OutboxMessage.objects.filter(channel=Channel.SMS)
    assert sorted(sms.values_list("recipient", flat=True)) == sorted(p.phone for p in on_shift)
    assert all(m.status == OutboxStatus.SENT for m in OutboxMessage.objects.all())
    shift.refresh_from_db()
    assert shift.reminded_at == at("2026-03-01", 7, 30)

    # Running again, as the task or directly, sends nothing more; nor does the next day's run before
    # its own hour.
    clock.move_to(at("2026-03-01", 7, 35))
    assert run(django_capture_on_commit_callbacks) == NOTHING
    with django_capture_on_commit_callbacks(execute=True):
        assert duty_reminders_send() == NOTHING
    clock.move_to(at("2026-03-02", 7, 29))
    assert run(django_capture_on_commit_callbacks) == NOTHING
    assert len(smtp_server.messages) == 3
    assert OutboxMessage.objects.count() == 6


# --- after the start -----------------------------------------------------------------------------


def test_an_officer_missing_15_minutes_after_the_start_is_told_to_the_leader_on_duty_once(
    setup: Setup,
    smtp_server: SmtpRecorder,
    webhook: WebhookReceiver,
    django_capture_on_commit_callbacks: Any,
    clock,
) -> None:
    shift = setup.shift()
    (leader,) = setup.on(shift, Position.LEADER)
    present, missing = setup.on(shift, Position.OFFICER)
    clock.move_to(at("2026-03-01", 8, 20))
    shift_sign_on(actor=leader, shift=shift)
    shift_sign_on(actor=present, shift=shift)

    clock.move_to(at("2026-03-01", 8, 44))
    assert run(django_capture_on_commit_callbacks) == NOTHING  # 14 minutes after the start: not yet
    clock.move_to(at("2026-03-01", 8, 45))
    assert run(django_capture_on_commit_callbacks) == {"reminded": 0, "reported": 1, "messages": 2}
    assert mailboxes(smtp_server) == [mail_of(leader)]
    (mail,) = smtp_server.messages
    assert mail["Subject"].strip() == gettext("Not signed on: %(shift)s %(time)s") % {
        "shift": "全天",
        "time": "03-01 08:30",
    }
    body = mail.get_content()
    assert missing.full_name in body and "河坝镇" in body
    assert present.full_name not in body and leader.full_name not in body
    sms = OutboxMessage.objects.get(channel=Channel.SMS)
    assert sms.recipient == leader.phone and missing.full_name in sms.body

    # Later runs add nothing, nor does the officer's late sign-on; this roster has no chat robot.
    clock.move_to(at("2026-03-01", 9, 5))
    shift_sign_on(actor=missing, shift=shift)
    assert run(django_capture_on_commit_callbacks) == NOTHING
    clock.move_to(at("2026-03-01", 14))
    assert run(django_capture_on_commit_callbacks) == NOTHING
    assert len(smtp_server.messages) == 1
    assert webhook.received == []


def test_a_missing_leader_is_told_to_the_township_office(
    setup: Setup, smtp_server: SmtpRecorder, django_capture_on_commit_callbacks: Any, clock
) -> None:
    shift = setup.shift()
    (leader,) = setup.on(shift, Position.LEADER)
    officers = setup.on(shift, Position.OFFICER)
    clock.move_to(at("2026-03-01", 8, 25))
    for officer in officers:
        shift_sign_on(actor=officer, shift=shift)

    clock.move_to(at("2026-03-01", 8, 50))
    counts = run(django_capture_on_commit_callbacks)
    assert counts["reported"] == 1
    # Every office-role account of the township (the office, and the officers who work there), once each;
    # not the missing leader, not the mediators on duty.
    office = office_staff(setup.world)
    assert OFFICE in office and len(office) == 1 + OFFICE_OFFICERS
    assert mailboxes(smtp_server) == office
    assert mail_of(leader) not in mailboxes(smtp_server)
    for mail in smtp_server.messages:
        assert leader.full_name in mail.get_content()
        assert not any(o.full_name in mail.get_content() for o in officers)

    clock.move_to(at("2026-03-01", 9, 30))
    assert run(django_capture_on_commit_callbacks) == NOTHING
    assert len(smtp_server.messages) == len(office)


def test_a_fully_signed_on_shift_gets_no_message(
    setup: Setup,
    smtp_server: SmtpRecorder,
    webhook: WebhookReceiver,
    django_capture_on_commit_callbacks: Any,
    clock,
) -> None:
    shift = setup.shift()
    clock.move_to(at("2026-03-01", 8, 10))
    for assignment in shift.assignments.select_related("person"):
        shift_sign_on(actor=assignment.person, shift=shift)
    for moment in (at("2026-03-01", 8, 45), at("2026-03-01", 9, 30), at("2026-03-01", 14, 29)):
        clock.move_to(moment)
        assert run(django_capture_on_commit_callbacks) == NOTHING
    assert smtp_server.messages == []
    assert webhook.received == []
    assert not OutboxMessage.objects.exists()


# --- delivery failures ---------------------------------------------------------------------------


def test_the_mail_server_down_is_retried_later_and_each_reminder_arrives_once(
    setup: Setup,
    smtp_server: SmtpRecorder,
    django_capture_on_commit_callbacks: Any,
    clock,
    settings: Any,
) -> None:
    shift = setup.shift()
    on_shift = setup.on(shift, Position.LEADER) + setup.on(shift, Position.OFFICER)
    port = settings.EMAIL_PORT
    settings.EMAIL_PORT = notification_servers._free_port()  # nothing listens there
    clock.move_to(at("2026-03-01", 7, 30))
    assert run(django_capture_on_commit_callbacks)["messages"] == 6
    mails = OutboxMessage.objects.filter(channel=Channel.EMAIL)
    assert [(m.status, m.attempts) for m in mails] == [(OutboxStatus.RETRYING, 1)] * 3
    assert all("SMTP delivery failed" in m.last_error for m in mails)
    assert smtp_server.messages == []
    # The SMS went out regardless.
    assert set(OutboxMessage.objects.filter(channel=Channel.SMS).values_list("status", flat=True)) == {
        OutboxStatus.SENT
    }

    # The server is back. Neither the reminder job nor the sweep sends before the backoff (30 s) is over.
    settings.EMAIL_PORT = port
    clock.shift(datetime.timedelta(seconds=20))
    assert run(django_capture_on_commit_callbacks) == NOTHING
    assert deliver_due_messages.call() == {"requeued": 0}
    assert smtp_server.messages == []

    clock.shift(datetime.timedelta(seconds=11))
    assert deliver_due_messages.call() == {"requeued": 0, OutboxStatus.SENT: 3}
    assert mailboxes(smtp_server) == sorted(mail_of(p) for p in on_shift)
    assert [(m.status, m.attempts) for m in mails.all()] == [(OutboxStatus.SENT, 2)] * 3

    clock.shift(datetime.timedelta(minutes=5))
    assert deliver_due_messages.call() == {"requeued": 0}
    assert run(django_capture_on_commit_callbacks) == NOTHING
    assert len(smtp_server.messages) == 3


def test_a_refused_mailbox_is_not_retried_and_the_others_arrive(
    setup: Setup, smtp_server: SmtpRecorder, django_capture_on_commit_callbacks: Any, clock
) -> None:
    shift = setup.shift()
    (leader,) = setup.on(shift, Position.LEADER)
    officers = setup.on(shift, Position.OFFICER)
    person_update(actor=setup.world.user("admin"), person=leader, email="nobody@hb.gov.cn")
    clock.move_to(at("2026-03-01", 7, 30))
    run(django_capture_on_commit_callbacks)
    refused = OutboxMessage.objects.get(channel=Channel.EMAIL, recipient="nobody@hb.gov.cn")
    assert refused.status == OutboxStatus.DEAD and "550" in refused.last_error
    assert mailboxes(smtp_server) == sorted(mail_of(p) for p in officers)
    # The leader still has the SMS; a dead message waits for the office to retry it by hand.
    assert OutboxMessage.objects.get(channel=Channel.SMS, recipient=leader.phone).status == OutboxStatus.SENT
    clock.shift(datetime.timedelta(hours=1))
    assert deliver_due_messages.call() == {"requeued": 0}
    assert len(smtp_server.messages) == 2


def test_the_duty_groups_chat_robot_is_told_of_a_missing_sign_on_once(
    world: World, webhook: WebhookReceiver, django_capture_on_commit_callbacks: Any, clock
) -> None:
    office = world.user("office")
    leaders = [world.user("leader")]
    officers = [
        person_create(
            actor=world.user("admin"),
            username=f"o{i}",
            full_name=f"值班员{i}",
            unit=world.township,
            role=Role.OFFICE,
            password=PASSWORD,
        )
        for i in range(2)
    ]
    roster = special_period(world, leaders, officers, starts_on="2026-03-01", ends_on="2026-03-01")
    Roster.objects.filter(pk=roster.pk).update(webhook_url=webhook.url)
    roster_generate(actor=office, roster=roster)
    roster_publish(actor=office, roster=roster)
    clock.move_to(at("2026-03-01", 8, 50))
    counts = run(django_capture_on_commit_callbacks)
    assert counts["reported"] == 1
    assert len(webhook.received) == 1
    assert "值班员0" in str(webhook.received[0]) and "值班员1" in str(webhook.received[0])
    clock.move_to(at("2026-03-01", 9, 30))
    run(django_capture_on_commit_callbacks)
    assert len(webhook.received) == 1


def test_a_draft_roster_sends_nothing(setup: Setup, django_capture_on_commit_callbacks: Any, clock) -> None:
    roster_unpublish(actor=setup.world.user("office"), roster=setup.roster)
    clock.move_to(at("2026-03-01", 7, 45))
    assert run(django_capture_on_commit_callbacks) == NOTHING
    clock.move_to(at("2026-03-01", 9))
    assert run(django_capture_on_commit_callbacks) == NOTHING
    assert not OutboxMessage.objects.exists()


def test_a_villages_missing_leader_is_told_to_the_township_office(
    world: World, django_capture_on_commit_callbacks: Any, clock
) -> None:
    admin = world.user("admin")
    person_update(actor=admin, person=world.user("office"), email=OFFICE)
    head, grid = (
        person_create(
            actor=admin,
            username=f"v{i}",
            full_name=name,
            unit=world.village,
            role=Role.REPORTER,
            password=PASSWORD,
        )
        for i, name in enumerate(("村支书", "网格员"))
    )
    roster = special_period(
        world, [head], [grid], starts_on="2026-03-01", ends_on="2026-03-01", unit=world.village
    )
    office = world.user("office")
    shift_template = roster.templates.get()
    shift_template.officers_required = 1
    shift_template.save(update_fields=["officers_required"])
    roster_generate(actor=office, roster=roster)
    roster_publish(actor=office, roster=roster)
    clock.move_to(at("2026-03-01", 8, 45))
    counts = run(django_capture_on_commit_callbacks)
    assert counts["reported"] == 1
    # The village has no office staff: the township office (the nearest unit above with some) is told.
    assert list(OutboxMessage.objects.filter(channel=Channel.EMAIL).values_list("recipient", flat=True)) == [
        OFFICE
    ]
