"""Staff pages of the duty desk (值班台), reception days (领导接访日) and calendar feeds, under /duty/.

Thin views (STYLE.md §9): each reads its input, calls one service or selector and renders or
redirects. Shifts and receptions come through ``selectors.access_*`` (out of scope: 404).

The duty desk is used on phones: the officer on duty signs on (签到), writes the log and hands over
(交接班) from the shift page. A refused log entry or handover is shown again with what was typed and
the status of the refusal (400 invalid, 403 not on this shift, 409 already handed over); a refused
sign-on shows the shift page with the reason, with the same status.

The .ics feed (``feed_ics``) is the one page here without sign-in: calendar apps cannot sign in, so
the secret key in the URL is the credential (see ``ical.py`` for what a feed holds).
"""

import datetime
from collections import defaultdict
from dataclasses import dataclass

from django.contrib import messages
from django.db.models import Case, F, IntegerField, Value, When
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from zhenwu.core.exceptions import DomainError, NotFound, PermissionRefused
from zhenwu.core.models import Unit, User
from zhenwu.core.scoping import Action, role_allows, user_can
from zhenwu.core.views.common import (
    add_domain_error,
    paginate,
    request_user,
    require_action,
    run_and_redirect,
)
from zhenwu.duty import ical, services
from zhenwu.duty.forms_desk import (
    DutyLogForm,
    FeedCreateForm,
    HandoverForm,
    ReceptionForm,
    ReceptionLinkForm,
    feed_units,
)
from zhenwu.duty.models import (
    CalendarFeed,
    DutyLogEntry,
    Handover,
    ReceptionDay,
    Shift,
    ShiftAssignment,
    SignOn,
)
from zhenwu.duty.selectors import (
    ShiftDesk,
    access_reception,
    access_shift,
    desk_units,
    duty_desk,
    my_shifts,
    reception_list,
    shift_desk,
)
from zhenwu.petitions.models import Petition
from zhenwu.petitions.selectors import petition_list

RECEPTIONS_PER_PAGE = 30
FEEDS_SHOWN = 50
#: The desk shows my next few shifts; the rest are in the roster and in the phone calendar.
MY_SHIFTS_SHOWN = 3
#: Stands for the shift id in a reversed URL (see ``feed_ics_view``).
_SHIFT_ID_MARK = "999999999"


# --- the duty desk ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class MyShift:
    """One of the user's own shifts on the desk, with whether the big Sign on button is shown."""

    assignment: ShiftAssignment
    signed_on: bool
    can_sign_on: bool
    is_now: bool


def _sign_on_open(shift: Shift, now: datetime.datetime) -> bool:
    return shift.starts_at - services.SIGN_ON_EARLY <= now < shift.ends_at


#: Units (cards) per page of the duty desk.
DESK_UNITS_PER_PAGE = 50


def _my_shift_rows(user: User, now: datetime.datetime) -> list[MyShift]:
    mine = my_shifts(user=user, now=now, limit=MY_SHIFTS_SHOWN)
    signed = set(
        SignOn.objects.filter(assignment__in=[a.pk for a in mine]).values_list("assignment_id", flat=True)
    )
    serves = role_allows(user, Action.DUTY_SERVE)
    return [
        MyShift(
            assignment=a,
            signed_on=a.pk in signed,
            can_sign_on=serves and a.pk not in signed and _sign_on_open(a.shift, now),
            is_now=a.shift.starts_at <= now < a.shift.ends_at,
        )
        for a in mine
    ]


@require_safe
@require_action(Action.DUTY_VIEW)
def duty_desk_view(request: HttpRequest) -> HttpResponse:
    """Who is on duty now and next in every unit of my scope, with phones; my own next shifts.

    A fixed number of queries, however many units (the desk selector reads shifts, people and
    sign-ons in one query each).
    """
    user = request_user(request)
    now = timezone.now()
    # A page of units at a time: a county office sees hundreds of units on duty.
    page_obj = paginate(request, desk_units(user=user, now=now), per_page=DESK_UNITS_PER_PAGE)
    units = [unit for unit in page_obj if isinstance(unit, Unit)]
    return render(
        request,
        "duty/desk/desk.html",
        {
            "rows": duty_desk(user=user, now=now, units=units),
            "page_obj": page_obj,
            "mine": _my_shift_rows(user, now),
            "now": now,
        },
    )


# --- one shift: sign on, log, hand over ----------------------------------------------------------


@dataclass(frozen=True)
class LogRow:
    """A log entry as the page shows it: its number, the corrections made to it, whether it is open."""

    number: int
    entry: DutyLogEntry
    corrected_by: list[int]
    corrects_number: int | None
    is_still_open: bool


def _log_rows(desk: ShiftDesk) -> list[LogRow]:
    numbers = {entry.pk: index for index, entry in enumerate(desk.log, start=1)}
    corrected_by: dict[int, list[int]] = defaultdict(list)
    for entry in desk.log:
        if entry.corrects_id is not None:
            corrected_by[entry.corrects_id].append(numbers[entry.pk])
    still_open = {entry.pk for entry in desk.open_items}
    return [
        LogRow(
            number=numbers[entry.pk],
            entry=entry,
            corrected_by=corrected_by.get(entry.pk, []),
            corrects_number=numbers.get(entry.corrects_id) if entry.corrects_id is not None else None,
            is_still_open=entry.pk in still_open,
        )
        for entry in desk.log
    ]


def _may_write(user: User, shift: Shift, desk: ShiftDesk) -> bool:
    """The office of the unit, or someone on the shift (who serves); the services decide for real."""
    if user_can(user, Action.DUTY_MANAGE, shift.unit):
        return True
    return role_allows(user, Action.DUTY_SERVE) and any(a.person_id == user.pk for a in desk.assignments)


def _require_write(user: User, shift: Shift, desk: ShiftDesk) -> None:
    """Refuse at once (403) someone the page offers no form to, before looking at what they sent."""
    if not _may_write(user, shift, desk):
        raise PermissionRefused(_("You are not on this shift."))


def _shift_page(
    request: HttpRequest,
    user: User,
    shift: Shift,
    *,
    log_form: DutyLogForm | None = None,
    handover_form: HandoverForm | None = None,
    status: int = 200,
) -> HttpResponse:
    now = timezone.now()
    desk = shift_desk(shift)
    handover = (
        Handover.objects.filter(shift=shift)
        .select_related("next_shift__template", "handed_over_by")
        .prefetch_related("carried")
        .first()
    )
    mine = next((a for a in desk.assignments if a.person_id == user.pk), None)
    may_write = _may_write(user, shift, desk)
    log_open = now >= shift.starts_at - services.SIGN_ON_EARLY
    if may_write and log_open and log_form is None:
        log_form = DutyLogForm(log=desk.log, open_items=desk.open_items)
    can_hand_over = may_write and handover is None and now >= shift.starts_at
    if can_hand_over and handover_form is None:
        handover_form = HandoverForm(open_items=desk.open_items)
    return render(
        request,
        "duty/desk/shift_detail.html",
        {
            "shift": shift,
            "desk": desk,
            "people": [(a, desk.signed_on.get(a.pk)) for a in desk.assignments],
            "mine": mine,
            "signed_on": mine is not None and mine.pk in desk.signed_on,
            "can_sign_on": (
                mine is not None
                and mine.pk not in desk.signed_on
                and role_allows(user, Action.DUTY_SERVE)
                and _sign_on_open(shift, now)
            ),
            "sign_on_opens_at": shift.starts_at - services.SIGN_ON_EARLY,
            "is_upcoming": now < shift.starts_at,
            "is_now": shift.starts_at <= now < shift.ends_at,
            "is_over": now >= shift.ends_at,
            "log_rows": _log_rows(desk),
            "log_form": log_form if may_write and log_open else None,
            "handover": handover,
            "handover_form": handover_form if can_hand_over else None,
            # Handed over meanwhile by someone else: the refusal and the notes typed, not lost.
            "handover_refused": handover_form if handover is not None and handover_form is not None else None,
            "next_shift": handover.next_shift if handover is not None else services.next_shift_of(shift),
        },
        status=status,
    )


@require_safe
@require_action(Action.DUTY_VIEW)
def shift_detail_view(request: HttpRequest, pk: int) -> HttpResponse:
    """The shift as its duty officers see it: people and sign-ons, open items, the log, the handover."""
    user = request_user(request)
    return _shift_page(request, user, access_shift(user, pk))


@require_POST
@require_action(Action.DUTY_SERVE)
def shift_sign_on_view(request: HttpRequest, pk: int) -> HttpResponse:
    """One button: sign on for one's own shift. A refusal shows the shift page with the reason."""
    user = request_user(request)
    shift = access_shift(user, pk)
    try:
        sign_on = services.shift_sign_on(actor=user, shift=shift)
    except NotFound:
        raise
    except DomainError as exc:
        messages.error(request, str(exc.message))
        return _shift_page(request, user, shift, status=exc.status)
    messages.success(
        request,
        _("Signed on at %(time)s. Write what happens in the duty log below.")
        % {"time": timezone.localtime(sign_on.signed_at).strftime("%H:%M")},
    )
    return redirect("duty:shift_detail", pk=shift.pk)


@require_POST
@require_action(Action.DUTY_SERVE)
def shift_log_add_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Append an entry to the shift's log (a correction is a new entry naming the one it corrects)."""
    user = request_user(request)
    shift = access_shift(user, pk)
    desk = shift_desk(shift)
    _require_write(user, shift, desk)
    form = DutyLogForm(request.POST, log=desk.log, open_items=desk.open_items)
    if not form.is_valid():
        return _shift_page(request, user, shift, log_form=form, status=400)
    cleaned = form.cleaned_data
    try:
        services.duty_log_add(
            actor=user,
            shift=shift,
            kind=cleaned["kind"],
            text=cleaned["text"],
            occurred_at=cleaned.get("occurred_at"),
            is_open=cleaned.get("is_open", False),
            corrects=form.entry("corrects"),
            resolves=form.entry("resolves"),
        )
    except NotFound:
        raise
    except DomainError as exc:
        add_domain_error(form, exc)
        return _shift_page(request, user, shift, log_form=form, status=exc.status)
    messages.success(request, _("The entry is added to the duty log."))
    return redirect(reverse("duty:shift_detail", args=[shift.pk]) + "#log")


@require_POST
@require_action(Action.DUTY_SERVE)
def shift_handover_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Hand the shift over with notes; the ticked open items (and any the page did not show) go on."""
    user = request_user(request)
    shift = access_shift(user, pk)
    desk = shift_desk(shift)
    _require_write(user, shift, desk)
    form = HandoverForm(request.POST, open_items=desk.open_items)
    if not form.is_valid():
        return _shift_page(request, user, shift, handover_form=form, status=400)
    chosen = set(form.cleaned_data.get("carry") or [])
    # An item opened after the page was loaded was never offered: carry it rather than drop it unseen.
    unseen = {entry.pk for entry in desk.open_items} - form.offered_ids()
    try:
        handover = services.shift_handover(
            actor=user, shift=shift, summary=form.cleaned_data["summary"], carry=sorted(chosen | unseen)
        )
    except NotFound:
        raise
    except DomainError as exc:
        add_domain_error(form, exc)
        return _shift_page(request, user, shift, handover_form=form, status=exc.status)
    carried = handover.carried.count()
    if handover.next_shift_id is None:
        messages.success(request, _("The shift is handed over. It is the last shift of the roster."))
    else:
        messages.success(
            request,
            ngettext(
                "The shift is handed over; %(count)s open item carried to the next shift.",
                "The shift is handed over; %(count)s open items carried to the next shift.",
                carried,
            )
            % {"count": carried},
        )
    return redirect("duty:shift_detail", pk=shift.pk)


# --- reception days -------------------------------------------------------------------------------


@require_safe
@require_action(Action.DUTY_VIEW)
def reception_list_view(request: HttpRequest) -> HttpResponse:
    """Reception days of my units: upcoming ones first (soonest first), then past ones (latest first)."""
    user = request_user(request)
    today = timezone.localdate()
    past = Case(When(on_date__lt=today, then=Value(1)), default=Value(0), output_field=IntegerField())
    upcoming_day = Case(When(on_date__gte=today, then=F("on_date")), default=None)
    rows = (
        reception_list(user=user)
        .select_related("unit", "leader")
        .annotate(is_past=past, upcoming_day=upcoming_day)
        .order_by("is_past", "upcoming_day", "-on_date", "start_time", "id")
    )
    return render(
        request,
        "duty/desk/reception_list.html",
        {
            "page_obj": paginate(request, rows, per_page=RECEPTIONS_PER_PAGE),
            "can_manage": role_allows(user, Action.RECEPTION_MANAGE),
            "today": today,
        },
    )


@require_http_methods(["GET", "HEAD", "POST"])
@require_action(Action.RECEPTION_MANAGE)
def reception_create_view(request: HttpRequest) -> HttpResponse:
    user = request_user(request)
    data = request.POST if request.method == "POST" else None
    form = ReceptionForm(data, user=user)
    status = 200
    if data is not None:
        status = 400
        if form.is_valid():
            cleaned = form.cleaned_data
            try:
                reception = services.reception_create(
                    actor=user,
                    unit=cleaned["unit"],
                    leader=cleaned["leader"],
                    on_date=cleaned["on_date"],
                    start_time=cleaned["start_time"],
                    end_time=cleaned["end_time"],
                    place=cleaned["place"],
                    topic=cleaned["topic"],
                    publish=cleaned["publish"],
                )
            except DomainError as exc:
                add_domain_error(form, exc)
                status = exc.status
            else:
                if reception.is_published:
                    messages.success(request, _("The reception day is scheduled and published."))
                else:
                    messages.success(request, _("The reception day is scheduled; it is not published yet."))
                return redirect("duty:reception_detail", pk=reception.pk)
    return render(request, "duty/desk/reception_form.html", {"form": form}, status=status)


def _reception_page(
    request: HttpRequest,
    user: User,
    reception: ReceptionDay,
    *,
    link_form: ReceptionLinkForm | None = None,
    status: int = 200,
) -> HttpResponse:
    can_manage = user_can(user, Action.RECEPTION_MANAGE, reception.unit)
    # Only matters the user may see are named; the others are counted (accusations stay shielded).
    visible = list(
        petition_list(user=user, action=Action.PETITION_VIEW)
        .filter(reception_days=reception)
        .only("pk", "number", "summary")
        .order_by("number")
    )
    total = reception.petitions.count()
    if can_manage and link_form is None and not reception.is_cancelled:
        link_form = ReceptionLinkForm()
    return render(
        request,
        "duty/desk/reception_detail.html",
        {
            "reception": reception,
            "petitions": visible,
            "hidden_count": total - len(visible),
            "can_manage": can_manage,
            "link_form": link_form if can_manage and not reception.is_cancelled else None,
            "is_past": reception.on_date < timezone.localdate(),
        },
        status=status,
    )


@require_safe
@require_action(Action.DUTY_VIEW)
def reception_detail_view(request: HttpRequest, pk: int) -> HttpResponse:
    user = request_user(request)
    return _reception_page(request, user, access_reception(user, pk))


def _petition_by_number(user: User, number: str) -> Petition | None:
    return petition_list(user=user, action=Action.PETITION_VIEW).filter(number=number).first()


@require_POST
@require_action(Action.RECEPTION_MANAGE)
def reception_link_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Link a matter registered at the reception, found by its registration number in my scope."""
    user = request_user(request)
    reception = access_reception(user, pk)
    form = ReceptionLinkForm(request.POST)
    if not form.is_valid():
        return _reception_page(request, user, reception, link_form=form, status=400)
    petition = _petition_by_number(user, form.cleaned_data["number"])
    if petition is None:
        form.add_error("number", _("No matter with this number is registered in your units."))
        return _reception_page(request, user, reception, link_form=form, status=400)
    try:
        services.reception_link_petition(actor=user, reception=reception, petition=petition)
    except NotFound:
        raise
    except DomainError as exc:
        add_domain_error(form, exc)
        return _reception_page(request, user, reception, link_form=form, status=exc.status)
    linked = _("Matter %(number)s is linked to this reception.") % {"number": petition.number}
    messages.success(request, linked)
    return redirect("duty:reception_detail", pk=reception.pk)


@require_POST
@require_action(Action.RECEPTION_MANAGE)
def reception_publish_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Publish (``publish=1``) or withdraw (``publish=0``) from the public page; one button."""
    user = request_user(request)
    reception = access_reception(user, pk)
    publish = request.POST.get("publish", "1") != "0"
    return run_and_redirect(
        request,
        lambda: services.reception_publish(actor=user, reception=reception, publish=publish),
        success=(
            _("The reception day is published on the public page.")
            if publish
            else _("The reception day is withdrawn from the public page.")
        ),
        to=reverse("duty:reception_detail", args=[reception.pk]),
    )


@require_POST
@require_action(Action.RECEPTION_MANAGE)
def reception_cancel_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Cancel; a published reception stays on the public page marked as cancelled."""
    user = request_user(request)
    reception = access_reception(user, pk)
    return run_and_redirect(
        request,
        lambda: services.reception_cancel(actor=user, reception=reception),
        success=_("The reception day is cancelled."),
        to=reverse("duty:reception_detail", args=[reception.pk]),
    )


# --- calendar feeds -------------------------------------------------------------------------------


def _feed_url(request: HttpRequest, key: str) -> str:
    return request.build_absolute_uri(reverse("duty:feed_ics", kwargs={"key": key}))


def _feed_page(
    request: HttpRequest,
    user: User,
    *,
    form: FeedCreateForm | None = None,
    new_feed: CalendarFeed | None = None,
    new_url: str = "",
    status: int = 200,
) -> HttpResponse:
    feeds = (
        CalendarFeed.objects.filter(created_by=user, revoked_at__isnull=True)
        .select_related("person", "unit")
        .order_by("-created_at")[:FEEDS_SHOWN]
    )
    webcal = ""
    if new_url:
        webcal = "webcal://" + new_url.split("://", 1)[-1]
    return render(
        request,
        "duty/desk/feed_list.html",
        {
            "feeds": list(feeds),
            "units": list(feed_units(user)),
            "form": form,
            "new_feed": new_feed,
            "new_url": new_url,
            "webcal_url": webcal,
        },
        status=status,
    )


@require_safe
@require_action(Action.DUTY_VIEW)
def feed_list_view(request: HttpRequest) -> HttpResponse:
    """My calendar feeds, and buttons to make one for my shifts or for a unit's."""
    return _feed_page(request, request_user(request))


@require_POST
@require_action(Action.DUTY_VIEW)
def feed_create_view(request: HttpRequest) -> HttpResponse:
    """Make a feed and show its secret URL once (only a hash of the key is kept)."""
    user = request_user(request)
    form = FeedCreateForm(request.POST, user=user)
    if not form.is_valid():
        return _feed_page(request, user, form=form, status=400)
    unit = form.cleaned_data.get("unit")
    try:
        feed, key = services.feed_create(actor=user, person=None if unit else user, unit=unit)
    except NotFound:
        raise
    except DomainError as exc:
        add_domain_error(form, exc)
        return _feed_page(request, user, form=form, status=exc.status)
    response = _feed_page(request, user, new_feed=feed, new_url=_feed_url(request, key))
    # The page holds the secret: never kept by a browser or proxy cache.
    response["Cache-Control"] = "no-store, private"
    return response


def _access_feed(user: User, pk: int) -> CalendarFeed:
    """A feed the user made, or one an office manages (a person's or unit's in its scope); else 404."""
    feed = CalendarFeed.objects.select_related("person__unit", "unit").filter(pk=pk).first()
    if feed is None:
        raise NotFound()
    if feed.created_by_id == user.pk:
        return feed
    unit = feed.unit or (feed.person.unit if feed.person is not None else None)
    if unit is not None and user_can(user, Action.DUTY_MANAGE, unit):
        return feed
    raise NotFound()


@require_POST
@require_action(Action.DUTY_VIEW)
def feed_revoke_view(request: HttpRequest, pk: int) -> HttpResponse:
    user = request_user(request)
    feed = _access_feed(user, pk)
    return run_and_redirect(
        request,
        lambda: services.feed_revoke(actor=user, feed=feed),
        success=_("The feed is revoked: its URL no longer works."),
        to=reverse("duty:feed_list"),
    )


@require_safe
def feed_ics_view(request: HttpRequest, key: str) -> HttpResponse:
    """The .ics file of a feed: no sign-in, the secret key is the credential; unknown or revoked: 404."""
    feed = services.feed_for_key(key)
    if feed is None:
        raise Http404
    # One resolver call per feed, not one per event.
    shift_url = request.build_absolute_uri(reverse("duty:shift_detail", args=[int(_SHIFT_ID_MARK)]))

    def link(shift: Shift) -> str:
        return shift_url.replace(_SHIFT_ID_MARK, str(shift.pk))

    response = HttpResponse(ical.feed_calendar(feed, link=link), content_type=ical.CONTENT_TYPE)
    response["Content-Disposition"] = 'inline; filename="duty.ics"'
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    response["X-Robots-Tag"] = "noindex"
    response["Referrer-Policy"] = "no-referrer"
    return response


urlpatterns: list[URLPattern] = [
    path("", duty_desk_view, name="desk"),
    path("shifts/<int:pk>/", shift_detail_view, name="shift_detail"),
    path("shifts/<int:pk>/sign-on/", shift_sign_on_view, name="shift_sign_on"),
    path("shifts/<int:pk>/log/", shift_log_add_view, name="shift_log_add"),
    path("shifts/<int:pk>/handover/", shift_handover_view, name="shift_handover"),
    path("receptions/", reception_list_view, name="reception_list"),
    path("receptions/new/", reception_create_view, name="reception_create"),
    path("receptions/<int:pk>/", reception_detail_view, name="reception_detail"),
    path("receptions/<int:pk>/link/", reception_link_view, name="reception_link"),
    path("receptions/<int:pk>/publish/", reception_publish_view, name="reception_publish"),
    path("receptions/<int:pk>/cancel/", reception_cancel_view, name="reception_cancel"),
    path("feeds/", feed_list_view, name="feed_list"),
    path("feeds/new/", feed_create_view, name="feed_create"),
    path("feeds/<int:pk>/revoke/", feed_revoke_view, name="feed_revoke"),
    path("feeds/<str:key>.ics", feed_ics_view, name="feed_ics"),
]
