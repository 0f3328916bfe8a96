"""Periodic jobs: each registered job runs once per time slot, however many schedulers are running.

A job is a django-tasks task with no arguments and a period. Every tick, for each job, the scheduler
takes the current slot (now floored to the period) and inserts a ``PeriodicSlot`` row; only the
process whose insert succeeds enqueues the task, so a restarted scheduler or a second one (on
another server) never runs a slot twice. A slot that passed while no scheduler ran is not made up:
jobs are sweeps that look at everything due ("every overdue petition"), not counters of runs.

Register jobs in an app's ``tasks`` module (imported by ``autodiscover``)::

    register_periodic(PeriodicJob("petitions.deadline_sweep", every=timedelta(minutes=15), task=sweep))

``manage.py run_scheduler`` runs the loop; ``make run`` starts it beside the web server and worker.
"""

import datetime
import importlib
import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.module_loading import autodiscover_modules
from django_tasks.base import Task

from zhenwu.core.models import PeriodicSlot

logger = logging.getLogger(__name__)

_EPOCH = datetime.datetime(1970, 1, 1, tzinfo=datetime.UTC)
#: Claimed slots are kept this long (to see what ran), then pruned.
SLOT_RETENTION = datetime.timedelta(days=7)
#: core's own task modules (core keeps them in packages, not in a top-level ``tasks`` module).
CORE_TASK_MODULES = ("zhenwu.core.notifications.tasks", "zhenwu.core.maintenance.tasks")


@dataclass(frozen=True)
class PeriodicJob:
    """A task (without arguments) to enqueue once every ``every``.

    Slots start at ``1970-01-01 00:00 UTC + offset + k * every``: a daily job with
    ``offset=timedelta(hours=1)`` runs at 01:00 UTC, 09:00 in Asia/Shanghai.
    """

    name: str
    every: datetime.timedelta
    task: Task[[], Any]
    offset: datetime.timedelta = field(default=datetime.timedelta(0))

    def __post_init__(self) -> None:
        if self.every < datetime.timedelta(seconds=1):
            raise ValueError("A periodic job runs at most once a second.")
        if len(self.name) > 100:
            raise ValueError("A periodic job name has at most 100 characters.")

    def slot_for(self, now: datetime.datetime) -> datetime.datetime:
        """The start of the slot ``now`` falls in."""
        periods = (now - _EPOCH - self.offset) // self.every
        return _EPOCH + self.offset + periods * self.every


_REGISTRY: dict[str, PeriodicJob] = {}


def register_periodic(job: PeriodicJob) -> PeriodicJob:
    """Add ``job`` to the registry; registering the same job again is harmless, a clash is an error."""
    existing = _REGISTRY.get(job.name)
    if existing is not None and existing != job:
        raise ValueError(f"Another periodic job is already registered as {job.name!r}.")
    _REGISTRY[job.name] = job
    return job


def periodic_jobs() -> list[PeriodicJob]:
    return sorted(_REGISTRY.values(), key=lambda job: job.name)


def autodiscover() -> None:
    """Import every installed app's ``tasks`` module (and core's task modules) so their jobs register."""
    autodiscover_modules("tasks")
    for module in CORE_TASK_MODULES:
        importlib.import_module(module)


def periodic_slot_claim(*, name: str, slot_start: datetime.datetime) -> bool:
    """Claim one run of a job; False when another scheduler (or an earlier run of this one) has it."""
    try:
        with transaction.atomic():
            PeriodicSlot.objects.create(name=name, slot_start=slot_start)
    except IntegrityError:
        return False
    return True


def periodic_slot_prune(*, now: datetime.datetime | None = None) -> int:
    """Delete claimed slots older than ``SLOT_RETENTION``."""
    cutoff = (now or timezone.now()) - SLOT_RETENTION
    deleted, _ = PeriodicSlot.objects.filter(slot_start__lt=cutoff).delete()
    return deleted


class Scheduler:
    """Enqueues each due job once per slot. Remembers its own claims to skip needless inserts."""

    def __init__(self, jobs: Iterable[PeriodicJob]) -> None:
        self.jobs = list(jobs)
        self._last_slot: dict[str, datetime.datetime] = {}

    def tick(self, *, now: datetime.datetime | None = None) -> list[str]:
        """Enqueue every job whose current slot nobody has claimed yet; return their names."""
        now = now or timezone.now()
        enqueued = []
        for job in self.jobs:
            slot = job.slot_for(now)
            if self._last_slot.get(job.name) == slot:
                continue
            self._last_slot[job.name] = slot
            if not periodic_slot_claim(name=job.name, slot_start=slot):
                continue
            try:
                job.task.enqueue()
            except Exception:
                # Release the slot so the next tick (here or in another scheduler) tries again.
                logger.exception("Could not enqueue periodic job %s", job.name)
                PeriodicSlot.objects.filter(name=job.name, slot_start=slot).delete()
                self._last_slot.pop(job.name, None)
                continue
            logger.info("Enqueued periodic job %s for %s", job.name, slot.isoformat())
            enqueued.append(job.name)
        return enqueued
