"""Reminders before deadlines and missing-report notices after them, delivered to real local servers.

The SMTP server (aiosmtpd) and the chat-robot webhook receiver are the notification tests' fixtures;
deliveries run inline (ImmediateBackend) when the captured on-commit callbacks execute.
"""

import datetime
from dataclasses import dataclass
from typing import Any

import pytest
from django.utils.translation import gettext

from zhenwu.core.choices import Channel, OutboxStatus, Role, UnitKind
from zhenwu.core.models import OutboxMessage, Unit, User
from zhenwu.core.notifications.tasks import deliver_due_messages
from zhenwu.core.services.people import person_create, person_update
from zhenwu.core.services.units import unit_create
from zhenwu.core.tests import test_notifications as notification_servers
from zhenwu.core.tests.test_notifications import SmtpRecorder, WebhookReceiver
from zhenwu.reports.models import ReportSchedule, ReportSlot
from zhenwu.reports.services import report_reminders_send, report_submit
from zhenwu.reports.tasks import send_report_reminders
from zhenwu.reports.tests.factories import at, daily_schedule, values
from zhenwu.testing.world import World

pytestmark = pytest.mark.django_db

# The real local servers of the notification tests, as fixtures of this module. Bound by assignment
# rather than imported by name: pyflakes would take each test's parameter for a redefinition (F811).
smtp_server = notification_servers.smtp_server
webhook = notification_servers.webhook

REPORTER_1 = "zhangming@hb.gov.cn"  # 河东村
REPORTER_2 = "liufang@hb.gov.cn"  # 河西村
REPORTER_3 = "zhouqiang@hb.gov.cn"  # 南岭村
OFFICE = "wangxh@hb.gov.cn"  # 河坝镇党政办


@dataclass
class Setup:
    world: World
    schedule: ReportSchedule
    v3: Unit
    reporter2: User

    def slot(self, unit: Unit, hour: int, day: str = "2026-03-02") -> ReportSlot:
        return ReportSlot.objects.get(schedule=self.schedule, unit=unit, due_at=at(day, hour))


@pytest.fixture
def setup(world: World, webhook: WebhookReceiver) -> Setup:
    """Three villages report at 09:00 and 17:00 from 2026-03-02; every reporter and the office have e-mail."""
    admin = world.user("admin")
    v3 = unit_create(actor=admin, parent=world.township, kind=UnitKind.VILLAGE, name="南岭村", code="HB-03")
    person_update(actor=admin, person=world.user("reporter"), email=REPORTER_1)
    person_update(actor=admin, person=world.user("office"), email=OFFICE)
    reporter2 = person_create(
        actor=admin,
        username="reporter2",
        full_name="刘芳",
        unit=world.village2,
        role=Role.REPORTER,
        email=REPORTER_2,
    )
    person_create(
        actor=admin, username="reporter3", full_name="周强", unit=v3, role=Role.REPORTER, email=REPORTER_3
    )
    schedule = daily_schedule(
        world.user("office"),
        world.township,
        [world.village, world.village2, v3],
        starts_on="2026-03-02",
        ends_on="2026-03-06",
        webhook_url=webhook.url,
    )
    return Setup(world, schedule, v3, reporter2)


def mailboxes(smtp: SmtpRecorder) -> list[str]:
    return sorted(address for recipients in smtp.recipients for address in recipients)


def run(capture: Any) -> dict[str, int]:
    """One run of the periodic job, its messages delivered once the transaction commits."""
    with capture(execute=True):
        return report_reminders_send()


# --- before the deadline -------------------------------------------------------------------------


def test_reminder_half_an_hour_before_the_deadline_once(
    setup: Setup, smtp_server: SmtpRecorder, django_capture_on_commit_callbacks: Any, clock
) -> None:
    world = setup.world
    clock.move_to(at("2026-03-02", 8, 10))
    report_submit(actor=setup.reporter2, slot=setup.slot(world.village2, 9), values=values())
    clock.move_to(at("2026-03-02", 8, 29))
    assert run(django_capture_on_commit_callbacks)["reminded"] == 0  # not yet: 31 minutes to go
    assert smtp_server.messages == []

    clock.move_to(at("2026-03-02", 8, 30))
    with django_capture_on_commit_callbacks(execute=True):  # the periodic task, run inline
        counts = send_report_reminders.enqueue().return_value
    assert counts is not None and counts["reminded"] == 2  # 河东村 and 南岭村; 河西村 has reported
    assert mailboxes(smtp_server) == sorted([REPORTER_1, REPORTER_3])
    first = next(m for m in smtp_server.messages if m["To"] == REPORTER_1)
    assert "每日情况报告" in first["Subject"] and "03-02 09:00" in first["Subject"]
    assert "河东村" in first.get_content()

    # Running again, directly or as the periodic task, sends nothing more.
    clock.move_to(at("2026-03-02", 8, 35))
    assert run(django_capture_on_commit_callbacks) == {"reminded": 0, "escalated": 0, "messages": 0}
    with django_capture_on_commit_callbacks(execute=True):
        assert send_report_reminders.enqueue().return_value == {"reminded": 0, "escalated": 0, "messages": 0}
    assert len(smtp_server.messages) == 2


# --- after the deadline --------------------------------------------------------------------------


def test_missing_reports_are_told_to_the_units_and_once_per_deadline_to_the_office(
    setup: Setup,
    smtp_server: SmtpRecorder,
    webhook: WebhookReceiver,
    django_capture_on_commit_callbacks: Any,
    clock,
) -> None:
    world = setup.world
    clock.move_to(at("2026-03-02", 8, 50))
    report_submit(actor=setup.reporter2, slot=setup.slot(world.village2, 9), values=values())

    clock.move_to(at("2026-03-02", 9, 5))
    counts = run(django_capture_on_commit_callbacks)
    assert counts["escalated"] == 2
    # Each missing village's staff, and one list for the office.
    assert mailboxes(smtp_server) == sorted([REPORTER_1, REPORTER_3, OFFICE])
    digest = next(m for m in smtp_server.messages if m["To"] == OFFICE)
    # (A long encoded subject is folded onto its own line; the parser keeps the fold's space.)
    assert digest["Subject"].strip() == gettext("%(count)s units missing %(type)s due %(time)s") % {
        "count": 2,
        "type": "每日情况报告",
        "time": "03-02 09:00",
    }
    body = digest.get_content()
    assert "河东村、南岭村" in body and "河西村" not in body
    assert len(webhook.delivered) == 1
    content = webhook.delivered[0]["text"]["content"]
    assert webhook.delivered[0]["msgtype"] == "text"
    assert "河东村、南岭村" in content and "03-02 09:00" in content

    # Later runs, and a late report meanwhile, add nothing for this deadline.
    clock.move_to(at("2026-03-02", 9, 30))
    report_submit(actor=world.user("reporter"), slot=setup.slot(world.village, 9), values=values())
    assert run(django_capture_on_commit_callbacks)["messages"] == 0
    assert send_report_reminders.call()["messages"] == 0
    assert len(smtp_server.messages) == 3
    assert len(webhook.received) == 1

    # The next deadline is another list: 河东村 reported, 河西村 and 南岭村 did not.
    clock.move_to(at("2026-03-02", 16))
    report_submit(actor=world.user("reporter"), slot=setup.slot(world.village, 17), is_zero=True)
    clock.move_to(at("2026-03-02", 17, 1))
    run(django_capture_on_commit_callbacks)
    assert len(webhook.delivered) == 2
    assert "河西村、南岭村" in webhook.delivered[1]["text"]["content"]
    office_mail = [m for m in smtp_server.messages if m["To"] == OFFICE]
    assert len(office_mail) == 2
    recipients = [m["To"] for m in smtp_server.messages]
    assert recipients.count(REPORTER_1) == 1  # 河东村 reported at 17:00
    assert recipients.count(REPORTER_2) == 1 and recipients.count(REPORTER_3) == 2


def test_a_submitted_slot_gets_neither_reminder_nor_missing_notice(
    setup: Setup,
    smtp_server: SmtpRecorder,
    webhook: WebhookReceiver,
    django_capture_on_commit_callbacks: Any,
    clock,
) -> None:
    world = setup.world
    clock.move_to(at("2026-03-02", 8))
    report_submit(actor=world.user("reporter"), slot=setup.slot(world.village, 9), values=values())
    report_submit(actor=setup.reporter2, slot=setup.slot(world.village2, 9), is_zero=True)
    report_submit(actor=world.user("office"), slot=setup.slot(setup.v3, 9), values=values())
    for moment in (at("2026-03-02", 8, 40), at("2026-03-02", 9, 1)):
        clock.move_to(moment)
        assert run(django_capture_on_commit_callbacks)["messages"] == 0
    assert smtp_server.messages == []
    assert webhook.received == []
    assert not OutboxMessage.objects.exists()


# --- delivery failures ---------------------------------------------------------------------------


def test_a_failing_robot_is_retried_later_and_gets_the_list_once(
    setup: Setup,
    smtp_server: SmtpRecorder,
    webhook: WebhookReceiver,
    django_capture_on_commit_callbacks: Any,
    clock,
) -> None:
    webhook.fail_times = 1
    clock.move_to(at("2026-03-02", 9, 5))
    run(django_capture_on_commit_callbacks)
    message = OutboxMessage.objects.get(channel=Channel.WEBHOOK)
    assert message.status == OutboxStatus.RETRYING
    assert "HTTP 500" in message.last_error
    assert len(webhook.received) == 1 and webhook.delivered == []
    assert len(smtp_server.messages) == 4  # the e-mails went out regardless

    # Another run of the job neither queues the list again nor calls the robot before the backoff.
    clock.shift(datetime.timedelta(seconds=20))
    run(django_capture_on_commit_callbacks)
    deliver_due_messages.call()
    assert len(webhook.received) == 1
    assert OutboxMessage.objects.filter(channel=Channel.WEBHOOK).count() == 1

    clock.shift(datetime.timedelta(seconds=11))
    assert deliver_due_messages.call() == {"requeued": 0, OutboxStatus.SENT: 1}
    assert len(webhook.delivered) == 1
    assert "河东村、河西村、南岭村" in webhook.delivered[0]["text"]["content"]
    deliver_due_messages.call()
    run(django_capture_on_commit_callbacks)
    assert len(webhook.received) == 2 and len(webhook.delivered) == 1
    message.refresh_from_db()
    assert (message.status, message.attempts) == (OutboxStatus.SENT, 2)
    assert len(smtp_server.messages) == 4
