"""Two people of one village submitting the same report at the same moment: one report, one clear conflict."""

import threading

import pytest
from django.db import connection

from zhenwu.core.choices import Role
from zhenwu.core.exceptions import Conflict
from zhenwu.core.services.people import person_create
from zhenwu.reports.models import ReportSlot, ReportSubmission
from zhenwu.reports.services import report_submit
from zhenwu.reports.tests.factories import at, daily_schedule, values
from zhenwu.testing.world import PASSWORD


@pytest.mark.django_db(transaction=True)
def test_simultaneous_submissions_give_one_report_and_one_conflict(world, clock):
    schedule = daily_schedule(world.user("office"), world.township, [world.village])
    second_reporter = person_create(
        actor=world.user("admin"),
        username="grid2",
        full_name="刘芳",
        unit=world.village,
        role=Role.REPORTER,
        password=PASSWORD,
    )
    slot = ReportSlot.objects.get(schedule=schedule, unit=world.village, due_at=at("2026-02-25", 9))
    clock.move_to(at("2026-02-25", 8, 30))
    people = [world.user("reporter"), second_reporter]
    barrier = threading.Barrier(len(people))
    saved: list[int] = []
    conflicts: list[Conflict] = []
    errors: list[BaseException] = []

    def submit(person, hazards: int) -> None:
        try:
            barrier.wait()
            saved.append(report_submit(actor=person, slot=slot, values=values(hazards=hazards)).pk)
        except Conflict as exc:
            conflicts.append(exc)
        except BaseException as exc:  # surfaced by the assertion below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=submit, args=(p, n)) for n, p in enumerate(people, start=1)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert errors == []
    assert len(saved) == 1
    assert len(conflicts) == 1
    assert conflicts[0].code == "already_submitted"
    stored = ReportSubmission.objects.get(slot=slot)
    assert stored.pk == saved[0]
    # The winner's figures are stored whole; the loser was told and changed nothing.
    assert stored.values["hazards"] in (1, 2)
    assert stored.revision == 1
    slot.refresh_from_db()
    assert slot.revision == 1 and slot.submitted_at == at("2026-02-25", 8, 30)
