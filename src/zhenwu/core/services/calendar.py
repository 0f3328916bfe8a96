"""Entering a year's statutory holidays by hand, for when the ``chinese-calendar`` package lags.

The State Council publishes next year's holidays each November and a new package release follows;
until the server is updated, an administrator can enter the year from the notice so that deadlines
into that year can be computed (the engine refuses unknown years instead of guessing).

Decision: a year the installed package already knows is refused. The package is the authority for
its years (it is reviewed and released against the official notices); letting a hand entry shadow
it would make two sources disagree silently. A correction of a known year is a package update.

When a later package release learns a year that was entered by hand, the hand entry keeps
overriding it day by day (the source order of ``zhenwu.core.deadlines``), so the engine's answers
for that year do not change with a package upgrade. There is no service to remove an entered year yet.
"""

import datetime

from django.db import transaction
from django.utils.translation import gettext as _

from zhenwu.core.audit import audit_record
from zhenwu.core.choices import AuditAction, CalendarDayKind
from zhenwu.core.deadlines import PACKAGE_NAME, PACKAGE_VERSION, WorkCalendar
from zhenwu.core.exceptions import ValidationFailed
from zhenwu.core.models import CalendarDay, CalendarYear, User
from zhenwu.core.scoping import Action, require
from zhenwu.core.services.common import validated

#: Years outside this range are typing mistakes, not calendars anyone needs.
MIN_YEAR = 1949
MAX_YEAR = 2100

_NAME_MAX = CalendarDay._meta.get_field("name").max_length or 50

DayList = list[tuple[datetime.date, str]]


def _check_days(year: int, holidays: DayList, workdays: DayList, errors: dict[str, list[str]]) -> None:
    holiday_dates = set()
    for field_name, days in (("holidays", holidays), ("workdays", workdays)):
        seen: set[datetime.date] = set()
        for day, name in days:
            if len(name.strip()) > _NAME_MAX:
                errors.setdefault(field_name, []).append(
                    _("The name given for %(date)s is longer than %(max)s characters.")
                    % {"date": day.isoformat(), "max": _NAME_MAX}
                )
            if day.year != year:
                errors.setdefault(field_name, []).append(
                    _("%(date)s is not in %(year)s.") % {"date": day.isoformat(), "year": year}
                )
            if day in seen:
                errors.setdefault(field_name, []).append(
                    _("%(date)s is listed twice.") % {"date": day.isoformat()}
                )
            seen.add(day)
            if field_name == "holidays":
                holiday_dates.add(day)
            elif day in holiday_dates:
                errors.setdefault(field_name, []).append(
                    _("%(date)s cannot be both a holiday and an adjusted working day.")
                    % {"date": day.isoformat()}
                )
            elif day.weekday() < 5:
                # Adjusted working days (调休) are always a Saturday or Sunday; a weekday is a typo.
                errors.setdefault(field_name, []).append(
                    _("%(date)s is a weekday; an adjusted working day is a Saturday or Sunday.")
                    % {"date": day.isoformat()}
                )
    if not holidays:
        errors.setdefault("holidays", []).append(_("Enter at least one holiday (New Year's Day at least)."))


@transaction.atomic
def calendar_year_enter(
    *,
    actor: User,
    year: int,
    source: str,
    holidays: DayList,
    workdays: DayList,
) -> CalendarYear:
    """Enter (or re-enter, replacing the earlier entry) the holidays and adjusted working days of ``year``."""
    require(actor, Action.CALENDAR_MANAGE)
    source = source.strip()
    errors: dict[str, list[str]] = {}
    if not MIN_YEAR <= year <= MAX_YEAR:
        errors["year"] = [_("Enter a year between %(min)s and %(max)s.") % {"min": MIN_YEAR, "max": MAX_YEAR}]
    elif WorkCalendar.package_knows(year):
        errors["year"] = [
            _(
                "The holidays of %(year)s come from the %(package)s package (version %(version)s), which is "
                "the authority for the years it knows; they cannot be entered by hand."
            )
            % {"year": year, "package": PACKAGE_NAME, "version": PACKAGE_VERSION}
        ]
    else:
        _check_days(year, holidays, workdays, errors)
    if errors:
        first = next(iter(errors.values()))[0]
        raise ValidationFailed(first, errors=errors)

    calendar_year = CalendarYear.objects.select_for_update().filter(year=year).first()
    in_year = CalendarDay.objects.filter(date__year=year)
    if calendar_year is None:
        action = AuditAction.CREATE
        before: dict[str, object] = {"source": None, "holidays": None, "workdays": None}
        calendar_year = CalendarYear(year=year)
    else:
        action = AuditAction.UPDATE
        before = {
            "source": calendar_year.source,
            "holidays": in_year.filter(kind=CalendarDayKind.HOLIDAY).count(),
            "workdays": in_year.filter(kind=CalendarDayKind.WORKDAY).count(),
        }
    calendar_year.source = source
    validated(calendar_year)
    calendar_year.save()

    # Replace, never merge: the entry is the whole year as the notice states it.
    in_year.delete()
    rows = [
        CalendarDay(date=day, kind=kind, name=name.strip())
        for kind, days in ((CalendarDayKind.HOLIDAY, holidays), (CalendarDayKind.WORKDAY, workdays))
        for day, name in days
    ]
    for row in rows:
        validated(row, exclude=["date"])  # dates were checked above; uniqueness holds after the delete
    CalendarDay.objects.bulk_create(rows)

    after = {"source": source, "holidays": len(holidays), "workdays": len(workdays)}
    audit_record(
        actor=actor,
        action=action,
        obj=calendar_year,
        changes={k: [before[k], v] for k, v in after.items() if before[k] != v},
    )
    return calendar_year
