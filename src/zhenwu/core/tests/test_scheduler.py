"""The periodic-job scheduler: one run per slot across restarts and schedulers, clean shutdown, pruning."""

import datetime
import io
import os
import signal
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
from django.core.management import call_command
from django.test import override_settings
from django.utils import timezone
from django_tasks import task

from zhenwu.core import context, scheduler
from zhenwu.core.choices import Interface
from zhenwu.core.models import PeriodicSlot
from zhenwu.core.scheduler import PeriodicJob, Scheduler, periodic_slot_claim, register_periodic

DB_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
DELIVER_DUE = "zhenwu.core.notifications.tasks.deliver_due_messages"
NINE = datetime.datetime(2026, 3, 2, 9, 0, 10, tzinfo=datetime.UTC)

SEEN_INTERFACES: list[str] = []


@task()
def record_context() -> None:
    SEEN_INTERFACES.append(context.current().interface)


class _BrokenTask:
    """Stands in for a task whose backend is down."""

    def enqueue(self) -> None:
        raise ConnectionError("queue unavailable")


@pytest.fixture
def registry(monkeypatch: pytest.MonkeyPatch) -> dict[str, PeriodicJob]:
    """A private copy of the job registry (the real jobs included), restored after the test."""
    scheduler.autodiscover()
    copy = dict(scheduler._REGISTRY)
    monkeypatch.setattr(scheduler, "_REGISTRY", copy)
    return copy


def _run_once() -> str:
    out = io.StringIO()
    call_command("run_scheduler", "--once", stdout=out)
    return out.getvalue()


def test_slots_are_the_time_floored_to_the_period() -> None:
    minute = PeriodicJob("t.minute", every=datetime.timedelta(minutes=1), task=record_context)
    assert minute.slot_for(NINE) == NINE.replace(second=0)
    quarter = PeriodicJob("t.quarter", every=datetime.timedelta(minutes=15), task=record_context)
    assert quarter.slot_for(NINE + datetime.timedelta(minutes=29)) == NINE.replace(minute=15, second=0)
    # A daily job at 09:00 Asia/Shanghai = 01:00 UTC.
    daily = PeriodicJob(
        "t.daily", every=datetime.timedelta(days=1), task=record_context, offset=datetime.timedelta(hours=1)
    )
    assert daily.slot_for(datetime.datetime(2026, 3, 2, 0, 30, tzinfo=datetime.UTC)) == datetime.datetime(
        2026, 3, 1, 1, 0, tzinfo=datetime.UTC
    )
    with pytest.raises(ValueError, match="once a second"):
        PeriodicJob("t.fast", every=datetime.timedelta(0), task=record_context)


def test_registering_a_different_job_under_a_taken_name_fails(registry: dict[str, PeriodicJob]) -> None:
    job = register_periodic(PeriodicJob("t.job", every=datetime.timedelta(minutes=5), task=record_context))
    assert register_periodic(job) is job  # importing a tasks module twice is harmless
    with pytest.raises(ValueError, match="already registered"):
        register_periodic(PeriodicJob("t.job", every=datetime.timedelta(minutes=6), task=record_context))


def test_notification_sweep_is_registered_every_minute(registry: dict[str, PeriodicJob]) -> None:
    job = registry["notifications.deliver_due"]
    assert job.every == datetime.timedelta(minutes=1)
    assert job.task.module_path == DELIVER_DUE


@pytest.mark.django_db
def test_run_scheduler_twice_in_one_minute_enqueues_once(time_machine: Any) -> None:
    from django_tasks_db.models import DBTaskResult

    time_machine.move_to(NINE, tick=False)
    with override_settings(TASKS=DB_TASKS):
        assert "enqueued notifications.deliver_due" in _run_once()
        time_machine.shift(datetime.timedelta(seconds=40))  # 09:00:50, same slot: a restart
        assert "enqueued" not in _run_once()
        assert DBTaskResult.objects.filter(task_path=DELIVER_DUE).count() == 1
        time_machine.shift(datetime.timedelta(seconds=15))  # 09:01:05, next slot
        _run_once()
        assert DBTaskResult.objects.filter(task_path=DELIVER_DUE).count() == 2
    slots = PeriodicSlot.objects.filter(name="notifications.deliver_due").order_by("slot_start")
    assert [s.slot_start for s in slots] == [NINE.replace(second=0), NINE.replace(minute=1, second=0)]


@pytest.mark.django_db
def test_two_schedulers_share_slots(time_machine: Any, registry: dict[str, PeriodicJob]) -> None:
    time_machine.move_to(NINE, tick=False)
    job = PeriodicJob("t.context", every=datetime.timedelta(minutes=5), task=record_context)
    first, second = Scheduler([job]), Scheduler([job])
    SEEN_INTERFACES.clear()
    with context.acting_through(Interface.TASK):
        assert first.tick() == ["t.context"]
        assert second.tick() == []
        assert first.tick() == []
    assert SEEN_INTERFACES == [Interface.TASK]


@pytest.mark.django_db
def test_jobs_run_in_the_task_context(time_machine: Any, registry: dict[str, PeriodicJob]) -> None:
    time_machine.move_to(NINE, tick=False)
    register_periodic(PeriodicJob("t.context", every=datetime.timedelta(minutes=5), task=record_context))
    SEEN_INTERFACES.clear()
    _run_once()  # immediate backend: the job runs inside the command
    assert SEEN_INTERFACES == [Interface.TASK]


@pytest.mark.django_db
def test_a_slot_whose_enqueue_failed_is_released(time_machine: Any) -> None:
    time_machine.move_to(NINE, tick=False)
    job = PeriodicJob("t.broken", every=datetime.timedelta(minutes=1), task=_BrokenTask())  # type: ignore[arg-type]
    assert Scheduler([job]).tick() == []
    assert not PeriodicSlot.objects.filter(name="t.broken").exists()
    good = PeriodicJob("t.broken", every=datetime.timedelta(minutes=1), task=record_context)
    SEEN_INTERFACES.clear()
    assert Scheduler([good]).tick() == ["t.broken"]  # another scheduler can take the slot


@pytest.mark.django_db
def test_old_slots_are_pruned(time_machine: Any) -> None:
    time_machine.move_to(NINE, tick=False)
    assert periodic_slot_claim(name="t.old", slot_start=NINE - datetime.timedelta(days=8))
    assert periodic_slot_claim(name="t.recent", slot_start=NINE - datetime.timedelta(days=6))
    assert not periodic_slot_claim(name="t.recent", slot_start=NINE - datetime.timedelta(days=6))
    _run_once()
    names = set(PeriodicSlot.objects.values_list("name", flat=True))
    assert "t.old" not in names and "t.recent" in names


@pytest.fixture
def restore_signals() -> Iterator[None]:
    saved = {s: signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM)}
    yield
    for signum, handler in saved.items():
        signal.signal(signum, handler)


@pytest.mark.usefixtures("restore_signals")
@pytest.mark.django_db
def test_loop_stops_cleanly_on_sigterm() -> None:
    original = signal.getsignal(signal.SIGTERM)

    def send_sigterm_once_handled() -> None:
        deadline = time.monotonic() + 20
        while signal.getsignal(signal.SIGTERM) is original and time.monotonic() < deadline:
            time.sleep(0.05)
        time.sleep(0.2)
        os.kill(os.getpid(), signal.SIGTERM)

    sender = threading.Thread(target=send_sigterm_once_handled, daemon=True)
    sender.start()
    started = time.monotonic()
    out = io.StringIO()
    call_command("run_scheduler", "--interval", "30", stdout=out)
    sender.join()
    assert time.monotonic() - started < 10  # woke from its 30 s sleep
    assert "enqueued notifications.deliver_due" in out.getvalue()
    assert signal.getsignal(signal.SIGTERM) is original  # handlers put back


def test_planner_statistics_are_refreshed_every_night(registry: dict[str, PeriodicJob]) -> None:
    job = registry["core.database_statistics"]
    assert job.every == datetime.timedelta(days=1)
    # 03:00 in Asia/Shanghai.
    run = job.slot_for(datetime.datetime(2026, 12, 2, 12, 0, tzinfo=datetime.UTC)) + job.every
    assert timezone.localtime(run).strftime("%H:%M") == "03:00"


@pytest.mark.django_db
def test_planner_statistics_refresh_writes_sqlite_stat1(world: Any) -> None:
    from django.db import connection

    from zhenwu.core.maintenance.tasks import refresh_database_statistics

    refreshed = refresh_database_statistics.call()
    if connection.vendor != "sqlite":
        assert refreshed is False  # PostgreSQL's autovacuum keeps its own
        return
    assert refreshed is True
    with connection.cursor() as cursor:
        cursor.execute("SELECT COUNT(*) FROM sqlite_stat1 WHERE tbl = 'core_unit'")
        assert cursor.fetchone()[0] > 0


def test_planner_statistics_are_refreshed_after_a_migrate_that_applied_something(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from django.apps import apps

    from zhenwu.core import apps as core_apps
    from zhenwu.core.maintenance import tasks as maintenance

    calls: list[str] = []
    monkeypatch.setattr(maintenance, "database_statistics_refresh", calls.append)
    config = apps.get_app_config("core")
    core_apps._refresh_statistics_after_migrate(config, using="default", plan=[])  # nothing to apply
    core_apps._refresh_statistics_after_migrate(config, using="default")  # flush sends no plan
    assert calls == []
    core_apps._refresh_statistics_after_migrate(config, using="other", plan=[("migration", False)])
    assert calls == ["other"]
