"""The deadline calculator and the page where an administrator enters a year's holidays."""

import datetime
import re
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from zhenwu.core.deadlines import DeadlineResult, calendar_known_years, compute_due
from zhenwu.core.exceptions import DomainError, PermissionRefused
from zhenwu.core.rules import all_rules
from zhenwu.core.scoping import Action, role_allows
from zhenwu.core.services.calendar import MAX_YEAR, MIN_YEAR, calendar_year_enter
from zhenwu.core.views.common import add_domain_error, request_user, require_action

# "2027-01-01 元旦": a date (month and day may have one digit), then an optional name.
_DAY_LINE_RE = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:\s+(.*))?$")


class DeadlineCalculatorForm(forms.Form):
    rule = forms.ChoiceField(
        label=_("Rule"),
    )
    start = forms.DateField(
        label=_("Start date"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text=_("The day the period counts from, for example the day the petition was received."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["rule"].choices = [(rule.code, rule.describe()) for rule in all_rules()]  # type: ignore[attr-defined]


def parse_day_lines(text: str) -> list[tuple[datetime.date, str]]:
    """Parse "YYYY-MM-DD name" lines; every bad line is reported with its number."""
    days: list[tuple[datetime.date, str]] = []
    errors: list[str] = []
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line:
            continue
        match = _DAY_LINE_RE.match(line)
        if match is None:
            errors.append(
                gettext('Line %(number)s ("%(line)s") is not a date written YYYY-MM-DD followed by a name.')
                % {"number": number, "line": line[:40]}
            )
            continue
        year, month, day, name = match.groups()
        try:
            days.append((datetime.date(int(year), int(month), int(day)), (name or "").strip()))
        except ValueError:
            errors.append(
                gettext('Line %(number)s ("%(line)s") is not a real date.')
                % {"number": number, "line": line[:40]}
            )
    if errors:
        raise forms.ValidationError(errors)
    return days


class CalendarYearForm(forms.Form):
    year = forms.IntegerField(
        label=_("Year"),
        min_value=MIN_YEAR,
        max_value=MAX_YEAR,
    )
    source = forms.CharField(
        label=_("Source"),
        max_length=200,
        help_text=_("The State Council notice the days are taken from, for example 国办发明电〔2026〕7号."),
    )
    holidays = forms.CharField(
        label=_("Statutory holidays (rest days)"),
        widget=forms.Textarea(attrs={"rows": 12}),
        help_text=_("One day per line: the date and the holiday's name, for example 2027-01-01 元旦."),
    )
    workdays = forms.CharField(
        label=_("Adjusted working days"),
        widget=forms.Textarea(attrs={"rows": 5}),
        required=False,
        help_text=_("Saturdays or Sundays that are working days, one per line, for example 2027-02-20 春节."),
    )

    def clean_holidays(self) -> list[tuple[datetime.date, str]]:
        return parse_day_lines(self.cleaned_data["holidays"])

    def clean_workdays(self) -> list[tuple[datetime.date, str]]:
        return parse_day_lines(self.cleaned_data["workdays"])


@require_action(Action.CALENDAR_VIEW)
def calendar_view(request: HttpRequest) -> HttpResponse:
    user = request_user(request)
    form = DeadlineCalculatorForm(request.GET or None)
    result: DeadlineResult | None = None
    if form.is_bound and form.is_valid():
        try:
            result = compute_due(form.cleaned_data["rule"], form.cleaned_data["start"])
        except DomainError as exc:
            add_domain_error(form, exc)
    return render(
        request,
        "core/calendar.html",
        {
            "form": form,
            "result": result,
            "rules": all_rules(),
            "known": calendar_known_years(),
            "can_manage": role_allows(user, Action.CALENDAR_MANAGE),
        },
    )


@require_action(Action.CALENDAR_MANAGE)
def calendar_year_create_view(request: HttpRequest) -> HttpResponse:
    user = request_user(request)
    known = calendar_known_years()
    form = CalendarYearForm(request.POST or None, initial={"year": max(known.years) + 1})
    if request.method == "POST" and form.is_valid():
        try:
            calendar_year = calendar_year_enter(
                actor=user,
                year=form.cleaned_data["year"],
                source=form.cleaned_data["source"],
                holidays=form.cleaned_data["holidays"],
                workdays=form.cleaned_data["workdays"],
            )
        except PermissionRefused:
            raise PermissionDenied from None
        except DomainError as exc:
            add_domain_error(form, exc)
        else:
            messages.success(
                request,
                gettext("The holidays of %(year)s were saved.") % {"year": calendar_year.year},
            )
            return redirect("core:calendar")
    return render(request, "core/calendar_year_form.html", {"form": form, "known": known})


urlpatterns = [
    path("calendar/", calendar_view, name="calendar"),
    path("calendar/years/new/", calendar_year_create_view, name="calendar_year_create"),
]
