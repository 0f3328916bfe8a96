"""``manage.py run_scheduler``: enqueue the registered periodic jobs, once per slot, until stopped."""

import datetime
import logging
import signal
import time
from argparse import ArgumentParser, ArgumentTypeError
from types import FrameType
from typing import Any

from django.core.management.base import BaseCommand
from django.db import DatabaseError, close_old_connections, connection
from django.utils import timezone

from zhenwu.core.choices import Interface
from zhenwu.core.context import acting_through
from zhenwu.core.scheduler import Scheduler, autodiscover, periodic_jobs, periodic_slot_prune

logger = logging.getLogger("zhenwu.core.scheduler")

PRUNE_EVERY = datetime.timedelta(hours=1)


def _interval(value: str) -> float:
    seconds = float(value)
    if not 1 <= seconds <= 3600:
        raise ArgumentTypeError("The interval is between 1 and 3600 seconds.")
    return seconds


class Command(BaseCommand):
    help = "Enqueue periodic jobs (notification delivery, deadline sweeps) once per slot; stop with Ctrl-C."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--once", action="store_true", help="Run one tick and exit.")
        parser.add_argument(
            "--interval",
            type=_interval,
            default=15.0,
            help="Seconds between ticks (default 15); shorter than the shortest job period.",
        )

    def handle(self, *args: Any, once: bool, interval: float, verbosity: int, **options: Any) -> None:
        self._running = True
        autodiscover()
        scheduler = Scheduler(periodic_jobs())
        if verbosity >= 1:
            names = ", ".join(job.name for job in scheduler.jobs) or "-"
            self.stdout.write(f"Periodic jobs: {names}")
        previous = {} if once else self._install_signals()
        try:
            with acting_through(Interface.TASK):
                self._loop(scheduler, once=once, interval=interval, verbosity=verbosity)
        finally:
            for signum, handler in previous.items():
                signal.signal(signum, handler)

    def _loop(self, scheduler: Scheduler, *, once: bool, interval: float, verbosity: int) -> None:
        last_prune: datetime.datetime | None = None
        while self._running:
            if not connection.in_atomic_block:  # only inside tests is the command run in a transaction
                # Like a request: drop a connection that the database closed or that is too old.
                close_old_connections()
            now = timezone.now()
            try:
                if last_prune is None or now - last_prune >= PRUNE_EVERY:
                    periodic_slot_prune(now=now)
                    last_prune = now
                enqueued = scheduler.tick(now=now)
            except DatabaseError:
                if once:
                    raise
                # A locked or restarting database: try again on the next tick.
                logger.exception("Scheduler tick failed")
                enqueued = []
            if verbosity >= 1:
                for name in enqueued:
                    self.stdout.write(f"{now.isoformat(timespec='seconds')} enqueued {name}")
            if once:
                return
            self._sleep(interval)

    def _sleep(self, seconds: float) -> None:
        # Short naps so that SIGINT/SIGTERM stop the loop within a second.
        deadline = time.monotonic() + seconds
        while self._running and (left := deadline - time.monotonic()) > 0:
            time.sleep(min(left, 1.0))

    def _install_signals(self) -> dict[int, Any]:
        previous: dict[int, Any] = {}
        for signum in (signal.SIGINT, signal.SIGTERM):
            previous[signum] = signal.signal(signum, self._stop)
        return previous

    def _stop(self, signum: int, frame: FrameType | None) -> None:
        logger.info("Received %s, stopping the scheduler", signal.strsignal(signum))
        self._running = False
