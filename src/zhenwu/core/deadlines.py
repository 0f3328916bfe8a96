"""The deadline engine: the only code that turns a legal time limit into a date (DESIGN.md, Time).

Which days are rest days comes from, in this order:

1. days an administrator entered (``CalendarDay`` rows) — they override everything else;
2. the ``chinese-calendar`` package for the years it knows (2004-2026 in 1.11.0);
3. for a year the package does not know, weekends plus the entered days, but only when an
   administrator entered that year completely (a ``CalendarYear`` row).

A date in a year none of these knows raises ``UnknownCalendarYear``: the engine never guesses
that an unknown year is "weekdays only". A calendar-day rule that does not roll
(``roll_to_working_day`` off) never looks at the calendar, so it works in any year.

Counting (petitions.md): the start day is not counted; calendar-day periods end ``days`` days after
the start and, when the rule rolls, a last day that is a rest day moves to the next working day;
working-day periods count ``days`` working days after the start (adjusted working Saturdays and
Sundays count, statutory holidays and weekends do not). Every result can explain itself.
"""

import datetime
from dataclasses import dataclass, field
from typing import Any, NamedTuple
from zoneinfo import ZoneInfo

import chinese_calendar
from django.db import models
from django.db.models import Count
from django.db.models.functions import ExtractYear
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from zhenwu.core.choices import CalendarDayKind
from zhenwu.core.exceptions import UnknownCalendarYear, ValidationFailed
from zhenwu.core.models import CalendarDay, CalendarYear
from zhenwu.core.rules import DayCount, DeadlineRule, get_rule

#: Legal deadlines are Beijing dates whatever the server's time zone is.
LEGAL_TZ = ZoneInfo("Asia/Shanghai")

PACKAGE_NAME = "chinese-calendar"
PACKAGE_VERSION: str = chinese_calendar.__version__
PACKAGE_FIRST_YEAR: int = min(chinese_calendar.holidays).year
PACKAGE_LAST_YEAR: int = max(chinese_calendar.holidays).year

# The package names holidays in English ("Spring Festival"); the Chinese name is the data we show.
_CHINESE_NAMES: dict[str, str] = {h.value: h.chinese for h in chinese_calendar.Holiday}

_ONE_DAY = datetime.timedelta(days=1)
EXTENSION_RULE = "petition.extension"


class DeadlineState(models.TextChoices):
    OK = "ok", _("On time")
    DUE_SOON = "due_soon", _("Due soon")
    DUE_TODAY = "due_today", _("Due today")
    OVERDUE = "overdue", _("Overdue")


class DayKind(models.TextChoices):
    WEEKDAY = "weekday", _("Working day")
    WEEKEND = "weekend", _("Weekend")
    HOLIDAY = "holiday", _("Statutory holiday")
    ADJUSTED_WORKDAY = "adjusted_workday", _("Adjusted working day")


@dataclass(frozen=True)
class DayInfo:
    """What one date is, and where that came from."""

    date: datetime.date
    kind: DayKind
    name: str = ""
    #: "package" or "entered"
    origin: str = "package"

    @property
    def is_working(self) -> bool:
        return self.kind in (DayKind.WEEKDAY, DayKind.ADJUSTED_WORKDAY)

    def reason(self) -> str:
        """Why the day is (not) a working day, e.g. "春节 (statutory holiday)" or "weekend"."""
        if self.kind == DayKind.HOLIDAY:
            if self.name:
                return gettext("%(name)s (statutory holiday)") % {"name": self.name}
            return gettext("statutory holiday")
        if self.kind == DayKind.ADJUSTED_WORKDAY:
            if self.name:
                return gettext("%(name)s (adjusted working day)") % {"name": self.name}
            return gettext("adjusted working day")
        if self.kind == DayKind.WEEKEND:
            return gettext("weekend")
        return gettext("working day")


def unknown_year_error(year: int) -> UnknownCalendarYear:
    return UnknownCalendarYear(
        gettext(
            "The statutory holidays and adjusted working days of %(year)s are not known yet, so no "
            "deadline can be computed into that year. An administrator must enter that year's "
            "holidays from the State Council notice on the calendar page."
        )
        % {"year": year}
    )


class WorkCalendar:
    """Decides whether a date is a working day. Caches the entered days for its own lifetime.

    Use one instance per request or task: it reads the entered days with one query on first use
    (and the entered years with one more, only when a year outside the package is touched).
    """

    def __init__(self) -> None:
        self._entered_days: dict[datetime.date, tuple[str, str]] | None = None
        self._entered_years: frozenset[int] | None = None

    def _days(self) -> dict[datetime.date, tuple[str, str]]:
        if self._entered_days is None:
            self._entered_days = {
                row_date: (kind, name)
                for row_date, kind, name in CalendarDay.objects.values_list("date", "kind", "name")
            }
        return self._entered_days

    def _years(self) -> frozenset[int]:
        if self._entered_years is None:
            self._entered_years = frozenset(CalendarYear.objects.values_list("year", flat=True))
        return self._entered_years

    @staticmethod
    def package_knows(year: int) -> bool:
        return PACKAGE_FIRST_YEAR <= year <= PACKAGE_LAST_YEAR

    def knows_year(self, year: int) -> bool:
        return self.package_knows(year) or year in self._years()

    def check_year(self, year: int) -> None:
        if not self.knows_year(year):
            raise unknown_year_error(year)

    def day(self, date: datetime.date) -> DayInfo:
        self.check_year(date.year)
        entered = self._days().get(date)
        if entered is not None:
            kind, name = entered
            day_kind = DayKind.HOLIDAY if kind == CalendarDayKind.HOLIDAY else DayKind.ADJUSTED_WORKDAY
            return DayInfo(date, day_kind, name, origin="entered")
        if self.package_knows(date.year):
            is_rest, english = chinese_calendar.get_holiday_detail(date)
            if english is None:
                return DayInfo(date, DayKind.WEEKEND if is_rest else DayKind.WEEKDAY)
            name = _CHINESE_NAMES.get(english, english)
            return DayInfo(date, DayKind.HOLIDAY if is_rest else DayKind.ADJUSTED_WORKDAY, name)
        # An entered year: its holidays and adjusted working days are all in CalendarDay.
        return DayInfo(date, DayKind.WEEKEND if date.weekday() >= 5 else DayKind.WEEKDAY, origin="entered")

    def is_working_day(self, date: datetime.date) -> bool:
        return self.day(date).is_working


class SkippedDay(NamedTuple):
    date: datetime.date
    reason: str


@dataclass(frozen=True)
class DeadlineResult:
    """A computed due date with everything needed to explain it."""

    rule: DeadlineRule
    start: datetime.date
    days: int
    #: start + days for calendar-day rules; the due date itself for working-day rules.
    nominal_end: datetime.date
    due: datetime.date
    skipped: tuple[SkippedDay, ...] = field(default=())
    rolled: bool = False

    @property
    def warn_on(self) -> datetime.date:
        return warning_on(self.due, self.rule.warn_days)

    def explain_lines(self) -> list[str]:
        rule = self.rule
        skipped = "; ".join(f"{d.isoformat()} {reason}" for d, reason in self.skipped)
        lines = [
            gettext("Rule: %(label)s (%(source)s).") % {"label": rule.label, "source": rule.source},
            gettext("Counted from %(counts_from)s on %(start)s; the start day is not counted.")
            % {"counts_from": rule.counts_from, "start": self.start.isoformat()},
            gettext("Period: %(days)s %(unit)s.") % {"days": self.days, "unit": rule.unit_label},
        ]
        if rule.count == DayCount.WORKING:
            if skipped:
                lines.append(gettext("Rest days not counted: %(days)s.") % {"days": skipped})
        else:
            lines.append(
                gettext("Last day of the period: %(date)s.") % {"date": self.nominal_end.isoformat()}
            )
            if self.rolled:
                lines.append(
                    gettext(
                        "It is a rest day, so the deadline moves to the next working day. Skipped: %(days)s."
                    )
                    % {"days": skipped}
                )
            elif not rule.roll_to_working_day:
                lines.append(gettext("This rule does not move a last day that falls on a rest day."))
        lines.append(gettext("Due date: %(date)s.") % {"date": self.due.isoformat()})
        return lines

    def explain(self) -> str:
        """A translated, human-readable account: rule, counted from, days, skipped days, due date."""
        return "\n".join(self.explain_lines())

    def as_dict(self) -> dict[str, Any]:
        """JSON-safe form for the API."""
        return {
            "rule": self.rule.code,
            "rule_label": str(self.rule.label),
            "source": self.rule.source,
            "count": str(self.rule.count),
            "days": self.days,
            "counts_from": str(self.rule.counts_from),
            "start": self.start.isoformat(),
            "nominal_end": self.nominal_end.isoformat(),
            "due": self.due.isoformat(),
            "rolled": self.rolled,
            "skipped": [{"date": d.isoformat(), "reason": reason} for d, reason in self.skipped],
            "warn_on": self.warn_on.isoformat(),
            "explanation": self.explain(),
        }


def legal_date(value: datetime.date) -> datetime.date:
    """The Beijing date of ``value``: a date as is, an aware datetime converted to Asia/Shanghai."""
    if isinstance(value, datetime.datetime):
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError("A deadline cannot start at a naive datetime; pass an aware one or a date.")
        return value.astimezone(LEGAL_TZ).date()
    return value


def _count(rule: DeadlineRule, start: datetime.date, days: int, calendar: WorkCalendar) -> DeadlineResult:
    skipped: list[SkippedDay] = []
    if rule.count == DayCount.WORKING:
        current, counted = start, 0
        while counted < days:
            current += _ONE_DAY
            info = calendar.day(current)
            if info.is_working:
                counted += 1
            else:
                skipped.append(SkippedDay(current, info.reason()))
        return DeadlineResult(rule, start, days, nominal_end=current, due=current, skipped=tuple(skipped))

    nominal_end = start + datetime.timedelta(days=days)
    due = nominal_end
    if rule.roll_to_working_day:
        info = calendar.day(due)
        while not info.is_working:
            skipped.append(SkippedDay(due, info.reason()))
            due += _ONE_DAY
            info = calendar.day(due)
    return DeadlineResult(
        rule, start, days, nominal_end=nominal_end, due=due, skipped=tuple(skipped), rolled=due != nominal_end
    )


def compute_due(
    rule_or_code: DeadlineRule | str,
    start: datetime.date,
    *,
    calendar: WorkCalendar | None = None,
) -> DeadlineResult:
    """The due date of ``rule`` for a period starting on ``start`` (a date or an aware datetime)."""
    rule = get_rule(rule_or_code) if isinstance(rule_or_code, str) else rule_or_code
    return _count(rule, legal_date(start), rule.days, calendar or WorkCalendar())


def extend_due(due: datetime.date, days: int, *, calendar: WorkCalendar | None = None) -> DeadlineResult:
    """The new due date after extending ``due`` by ``days``, counted like the extension rule.

    Refuses more days than the rule allows. That an extension is granted only once, and by whom,
    is the caller's (the petition workflow's) business.
    """
    rule = get_rule(EXTENSION_RULE)
    if days < 1 or days > rule.days:
        message = gettext("An extension is between 1 and %(max)s days.") % {"max": rule.days}
        raise ValidationFailed(message, code="extension_too_long", errors={"days": [message]})
    return _count(rule, legal_date(due), days, calendar or WorkCalendar())


def warning_on(due: datetime.date, warn_days: int) -> datetime.date:
    """The first day a reminder is due: ``warn_days`` calendar days before ``due``."""
    return due - datetime.timedelta(days=warn_days)


def deadline_state(due: datetime.date, today: datetime.date, warn_days: int) -> DeadlineState:
    if today > due:
        return DeadlineState.OVERDUE
    if today == due:
        return DeadlineState.DUE_TODAY
    if today >= warning_on(due, warn_days):
        return DeadlineState.DUE_SOON
    return DeadlineState.OK


@dataclass(frozen=True)
class EnteredYear:
    year: int
    source: str
    created_at: datetime.datetime
    holidays: int
    workdays: int


@dataclass(frozen=True)
class KnownYears:
    """Which years the engine can compute in, for display (two queries)."""

    package_name: str
    package_version: str
    package_first: int
    package_last: int
    entered: list[EnteredYear]

    @property
    def years(self) -> list[int]:
        package = range(self.package_first, self.package_last + 1)
        return sorted(set(package) | {e.year for e in self.entered})


def calendar_known_years() -> KnownYears:
    counts: dict[tuple[int, str], int] = {
        (row["y"], row["kind"]): row["n"]
        for row in CalendarDay.objects.annotate(y=ExtractYear("date"))
        .values("y", "kind")
        .annotate(n=Count("id"))
        .order_by()
    }
    entered = [
        EnteredYear(
            year=cy.year,
            source=cy.source,
            created_at=cy.created_at,
            holidays=counts.get((cy.year, CalendarDayKind.HOLIDAY), 0),
            workdays=counts.get((cy.year, CalendarDayKind.WORKDAY), 0),
        )
        for cy in CalendarYear.objects.order_by("year")
    ]
    return KnownYears(PACKAGE_NAME, PACKAGE_VERSION, PACKAGE_FIRST_YEAR, PACKAGE_LAST_YEAR, entered)
