"""Exact deadline examples on real dates, one case per row (helpdesk SLA-escalation style).

Each row: the day the clock starts, the rule, the expected due date and why. Holidays are the
State Council's for 2025 and 2026 (shared/domain/holidays.md).
"""

import datetime

import pytest
import time_machine

from zhenwu.core.services.calendar import calendar_year_enter
from zhenwu.petitions import services as s
from zhenwu.petitions.choices import IntakeChannel
from zhenwu.petitions.tests.factories import at, register
from zhenwu.testing.world import World

D = datetime.date

# (starts, what happens that day, expected due, why)
ROWS = [
    ("2026-01-20", "register", D(2026, 2, 4), "15 days, an ordinary Wednesday"),
    (
        "2026-02-06",
        "register",
        D(2026, 2, 24),
        "15 days end 2/21 inside the Spring Festival holiday: next working day",
    ),
    ("2026-02-12", "register", D(2026, 2, 27), "15 days end 2/27, the Friday after the holiday"),
    ("2026-03-06", "register", D(2026, 3, 23), "15 days end on Saturday 3/21: Monday"),
    (
        "2026-09-10",
        "register",
        D(2026, 9, 25),
        "15 days end 9/25, Mid-Autumn holiday starts 9/25: Monday 9/28",
    ),
    ("2026-09-20", "register", D(2026, 10, 8), "15 days end 10/5 in National Day: 10/8"),
    ("2025-09-20", "register", D(2025, 10, 9), "2025: 15 days end 10/5 in National Day (10/1-10/8): 10/9"),
    ("2025-01-20", "register", D(2025, 2, 5), "2025: 15 days end 2/4, the last Spring Festival holiday: 2/5"),
    ("2026-09-20", "referral", D(2026, 10, 8), "referred matters have the same 15 days"),
    ("2026-03-02", "accept", D(2026, 5, 6), "60 days end 5/1, Labour Day (5/1-5/5): 5/6"),
    ("2026-08-03", "accept", D(2026, 10, 8), "60 days end 10/2 in National Day: 10/8"),
    ("2025-12-01", "accept", D(2026, 1, 30), "60 days across the new year end on a Friday"),
    ("2026-09-01", "answer", D(2026, 10, 8), "the 30-day review window ends 10/1: 10/8"),
    ("2026-06-01", "answer", D(2026, 7, 1), "the 30-day review window, an ordinary Wednesday"),
]
# The row for 2026-09-10 is corrected by its own reasoning: Mid-Autumn 2026 is 9/25-9/27.
ROWS[4] = ("2026-09-10", "register", D(2026, 9, 28), ROWS[4][3])


@pytest.mark.parametrize(("start", "step", "expected", "why"), ROWS, ids=[f"{r[0]}-{r[1]}" for r in ROWS])
def test_deadline_example(world: World, start: str, step: str, expected: datetime.date, why: str) -> None:
    office = world.user("office")
    with time_machine.travel(at(start, 11), tick=False):
        channel = IntakeChannel.REFERRAL if step == "referral" else IntakeChannel.VISIT
        petition, _ = register(office, world.township, received_at=at(start, 8), channel=channel)
        if step in ("accept", "answer"):
            s.petition_accept(actor=office, petition=petition)
            if step == "answer":
                s.petition_assign(actor=office, petition=petition, handling_unit=world.village)
                s.petition_start_handling(actor=office, petition=petition)
                s.petition_answer(
                    actor=office, petition=petition, request="r", facts="f", decision="d", basis="b"
                )
    petition.refresh_from_db()
    assert petition.due_on == expected, why


def test_a_deadline_in_an_unknown_year_is_pending_until_the_year_is_known(world: World) -> None:
    """15 days from 2026-12-20 end 2027-01-04, a year whose holidays are not published yet.

    The matter is registered all the same (every matter is registered); its due date waits,
    the timeline says why, and it is filled in once an administrator enters 2027's holidays.
    """
    with time_machine.travel(at("2026-12-20", 11), tick=False):
        petition, _ = register(world.user("office"), world.township, received_at=at("2026-12-20", 9))
        assert petition.due_on is None
        event = petition.events.get(kind="registered")
        assert "2027" in event.data["due_pending"]
        assert s.petition_fill_pending_deadlines() == 0  # still unknown: nothing guessed
        calendar_year_enter(
            actor=world.user("admin"),
            year=2027,
            source="国务院办公厅关于2027年部分节假日安排的通知",
            holidays=[(D(2027, 1, 1), "元旦")],
            workdays=[],
        )
        assert s.petition_fill_pending_deadlines() == 1
    petition.refresh_from_db()
    # 2027-01-04 is a Monday and not a holiday in the entered days.
    assert petition.due_on == D(2027, 1, 4)
