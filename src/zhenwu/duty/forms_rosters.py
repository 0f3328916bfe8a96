"""Forms of the roster pages (值班表): they parse input; the services do the checking.

Whether a period ends before it starts, a shift overlaps another, a person is on leave or in the
pool is decided once, by the services, and their refusal is put back on the form
(``add_domain_error``). People are offered from the roster's unit subtree; a person the form does
not offer (but who is in scope) still reaches the service, which says why it refuses them.
"""

import datetime
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from zhenwu.core.choices import Role
from zhenwu.core.models import Unit, User
from zhenwu.core.models.units import unit_subtree_q
from zhenwu.core.scoping import ROLE_GRANTS, Action, scope_q
from zhenwu.duty.choices import Position, ShiftDays
from zhenwu.duty.models import Roster, RosterMember, ShiftAssignment
from zhenwu.duty.services import MAX_PER_POSITION

DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
TIME_INPUT = forms.TimeInput(attrs={"type": "time"}, format="%H:%M")


def person_label(person: User) -> str:
    return f"{person.get_full_name()} · {person.get_role_display()}"


def offer(field: forms.Field, choices: Sequence[Any]) -> None:
    """Show ``choices`` in a select while the field still accepts any value of its queryset."""
    assert isinstance(field.widget, forms.Select)  # noqa: S101 -- the fields below use selects
    field.widget.choices = choices


class StaffChoiceField(forms.ModelChoiceField):
    """A staff member, labelled with their unit."""

    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.get_full_name()} · {obj.unit.name if obj.unit else '-'}"


def duty_units(user: User) -> QuerySet[Unit]:
    """Active units the user may make rosters for (their manage scope)."""
    return Unit.objects.active().filter(scope_q(user, Action.DUTY_MANAGE, unit_field="")).order_by("path")


def duty_staff(unit: Unit) -> QuerySet[User]:
    """Active staff of ``unit``'s subtree whose role may serve on duty (oversight only reads)."""
    return (
        User.objects.filter(is_active=True, role__in=ROLE_GRANTS[Action.DUTY_SERVE])
        .filter(unit_subtree_q(unit.path, prefix="unit__"))
        .select_related("unit")
        .order_by("unit__path", "full_name", "pk")
    )


# --- rosters and shift templates -------------------------------------------------------------------


class RosterForm(forms.Form):
    """A new roster: which unit, its name and period."""

    unit = forms.ModelChoiceField(label=_("Unit"), queryset=Unit.objects.none(), empty_label=None)
    name = forms.CharField(
        label=_("Name"),
        max_length=100,
        help_text=_("For example: 全国两会期间24小时值班."),
    )
    starts_on = forms.DateField(label=_("First day"), widget=DATE_INPUT)
    ends_on = forms.DateField(label=_("Last day"), widget=DATE_INPUT)

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        units = duty_units(user)
        field = self.fields["unit"]
        assert isinstance(field, forms.ModelChoiceField)  # noqa: S101 -- declared above
        field.queryset = units
        if not self.is_bound and user.unit_id is not None:
            self.initial.setdefault("unit", user.unit_id)


class Preset:
    """The usual shifts of a township's day (白班, 夜班, 24 小时)."""

    DAY = "day"
    NIGHT = "night"
    FULL = "full"


PRESETS: dict[str, tuple[datetime.time, datetime.time, Any]] = {
    Preset.DAY: (datetime.time(8, 30), datetime.time(17, 30), _("Day shift")),
    Preset.NIGHT: (datetime.time(17, 30), datetime.time(8, 30), _("Night shift")),
    Preset.FULL: (datetime.time(8, 30), datetime.time(8, 30), _("24 hours")),
}


class ShiftTemplateForm(forms.Form):
    """A shift of the roster's day: a preset (day, night, 24 h) or hours typed in."""

    preset = forms.ChoiceField(
        label=pgettext_lazy("shift time", "Hours"),
        choices=[
            (Preset.FULL, _("24 hours, 08:30 to 08:30 the next day")),
            (Preset.DAY, _("Day shift, 08:30 to 17:30")),
            (Preset.NIGHT, _("Night shift, 17:30 to 08:30 the next day")),
            ("", _("Other hours (type them below)")),
        ],
        required=False,
        initial=Preset.FULL,
    )
    name = forms.CharField(
        label=_("Name"),
        max_length=40,
        required=False,
        help_text=_("Left empty: the preset's name."),
    )
    start_time = forms.TimeField(label=_("Starts at"), required=False, widget=TIME_INPUT)
    end_time = forms.TimeField(
        label=_("Ends at"),
        required=False,
        widget=TIME_INPUT,
        help_text=_("Not after the start: the shift ends the next day (the same time: 24 hours)."),
    )
    days = forms.ChoiceField(
        label=pgettext_lazy("shift template", "Days"), choices=ShiftDays.choices, initial=ShiftDays.EVERY_DAY
    )
    leaders_required = forms.IntegerField(
        label=_("Leaders on duty"),
        initial=1,
        widget=forms.NumberInput(attrs={"min": 0, "max": MAX_PER_POSITION, "inputmode": "numeric"}),
    )
    officers_required = forms.IntegerField(
        label=_("Duty officers"),
        initial=2,
        widget=forms.NumberInput(attrs={"min": 0, "max": MAX_PER_POSITION, "inputmode": "numeric"}),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        preset = data.get("preset") or ""
        if preset in PRESETS:
            start, end, name = PRESETS[preset]
            data["start_time"], data["end_time"] = start, end
            data["name"] = (data.get("name") or "").strip() or str(name)
            return data
        for key in ("start_time", "end_time"):
            if data.get(key) is None and key not in self.errors:
                self.add_error(key, gettext("Enter the time, or choose one of the usual shifts above."))
        if not (data.get("name") or "").strip():
            self.add_error("name", gettext("Name the shift, e.g. 白班."))
        return data


class PoolForm(forms.Form):
    """The pool of one position: people checked, in the order shown (rotation order)."""

    position = forms.ChoiceField(choices=Position.choices, widget=forms.HiddenInput)
    people = forms.MultipleChoiceField(label=_("People"), required=False, widget=forms.CheckboxSelectMultiple)

    def __init__(
        self,
        data: Mapping[str, Any] | None = None,
        *,
        position: str,
        candidates: Sequence[User],
        members: Sequence[int],
        **kwargs: Any,
    ) -> None:
        super().__init__(
            data,
            initial={"position": position, "people": [str(pk) for pk in members]},
            auto_id=f"id_pool_{position}_%s",
            **kwargs,
        )
        self.pool_position = position
        self.candidates = list(candidates)
        field = self.fields["people"]
        assert isinstance(field, forms.MultipleChoiceField)  # noqa: S101 -- declared above
        field.choices = [(str(person.pk), person_label(person)) for person in self.candidates]
        field.label = Position(position).label

    def chosen(self) -> list[User]:
        """The people checked, in the order the form listed them."""
        picked = set(self.cleaned_data.get("people") or [])
        return [person for person in self.candidates if str(person.pk) in picked]


def pool_candidates(staff: Iterable[User], members: Sequence[RosterMember], position: str) -> list[User]:
    """Whom a pool form lists: the pool in its order first, then everyone else who may serve
    (for the leaders' pool, leaders before others)."""
    in_pool = [member.person for member in members if member.position == position]
    taken = {person.pk for person in in_pool}
    others = [person for person in staff if person.pk not in taken]
    if position == Position.LEADER:
        others.sort(key=lambda person: person.role != Role.LEADER)  # stable: keeps the unit order
    return [*in_pool, *others]


class PublishForm(forms.Form):
    """Publishing; with problems only when confirmed with a reason (both recorded)."""

    confirm_gaps = forms.BooleanField(
        label=_("Publish anyway, with the problems listed above"),
        required=False,
    )
    note = forms.CharField(
        label=_("Reason for publishing with the problems"),
        max_length=200,
        required=False,
        widget=forms.TextInput(attrs={"maxlength": 200}),
    )


# --- hand edits and swaps --------------------------------------------------------------------------


def _pool_choices(members: Sequence[RosterMember], position: str, exclude: set[int]) -> list[tuple[str, str]]:
    return [
        (str(member.person_id), member.person.get_full_name())
        for member in members
        if member.position == position and member.person_id not in exclude
    ]


class AssignForm(forms.Form):
    """Put a pool member on a shift by hand."""

    position = forms.ChoiceField(label=_("Position"), choices=Position.choices)
    person = forms.ModelChoiceField(label=_("Person"), queryset=User.objects.none())

    def __init__(
        self,
        *args: Any,
        roster: Roster,
        members: Sequence[RosterMember],
        on_shift: set[int],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["person"]
        assert isinstance(field, forms.ModelChoiceField)  # noqa: S101 -- declared above
        # Anyone of the unit parses; the list offers the pool, and the service says why it refuses others.
        field.queryset = User.objects.filter(is_active=True).filter(
            unit_subtree_q(roster.unit.path, prefix="unit__")
        )
        choices: list[Any] = [("", "---------")]
        for position, label in Position.choices:
            group = _pool_choices(members, position, on_shift)
            if group:
                choices.append((str(label), group))
        offer(field, choices)


def swap_counterparts(
    roster: Roster, given: ShiftAssignment, members: Sequence[RosterMember]
) -> QuerySet[ShiftAssignment]:
    """Shifts the giver could take in exchange: later shifts of this roster, in the same position,
    held by someone else of the pool and not yet started."""
    pool = [m.person_id for m in members if m.position == given.position and m.person_id != given.person_id]
    return (
        ShiftAssignment.objects.filter(
            shift__roster=roster,
            position=given.position,
            person_id__in=pool,
            starts_at__gt=max(timezone.now(), given.starts_at),
        )
        .exclude(shift_id=given.shift_id)
        .select_related("person", "shift__template")
        .order_by("person__full_name", "person_id", "starts_at")
    )


class SwapForm(forms.Form):
    """Give a shift away: taken over by a pool member, or swapped with one of their later shifts."""

    to_person = forms.ModelChoiceField(
        label=_("Taken over by"),
        queryset=User.objects.none(),
        required=False,
        help_text=_("Someone of the pool. Choose a shift below instead to swap with them."),
    )
    counterpart = forms.ModelChoiceField(
        label=_("Or swap with this shift"),
        queryset=ShiftAssignment.objects.none(),
        required=False,
        help_text=_("The person on that shift takes this one, and this shift's person takes theirs."),
    )
    reason = forms.CharField(
        label=_("Reason"), max_length=200, required=False, widget=forms.TextInput(attrs={"maxlength": 200})
    )
    arrange = forms.BooleanField(
        label=_("Arrange now (approved at once by the office)"),
        required=False,
    )

    def __init__(
        self,
        *args: Any,
        roster: Roster,
        given: ShiftAssignment,
        members: Sequence[RosterMember],
        is_office: bool,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        if not is_office:
            del self.fields["arrange"]
        to_person = self.fields["to_person"]
        counterpart = self.fields["counterpart"]
        assert isinstance(to_person, forms.ModelChoiceField)  # noqa: S101 -- declared above
        assert isinstance(counterpart, forms.ModelChoiceField)  # noqa: S101 -- declared above
        to_person.queryset = User.objects.filter(is_active=True).filter(
            unit_subtree_q(roster.unit.path, prefix="unit__")
        )
        offer(to_person, [("", "---------"), *_pool_choices(members, given.position, {given.person_id})])
        counterpart.queryset = ShiftAssignment.objects.filter(shift__roster=roster).select_related("person")
        groups: dict[str, list[tuple[str, str]]] = {}
        for assignment in swap_counterparts(roster, given, members):
            local = timezone.localtime(assignment.starts_at)
            groups.setdefault(assignment.person.get_full_name(), []).append(
                (str(assignment.pk), f"{local:%m-%d %H:%M} {assignment.shift.template.name}")
            )
        offer(counterpart, [("", "---------"), *groups.items()])

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        counterpart = data.get("counterpart")
        if counterpart is not None and data.get("to_person") is None:
            data["to_person"] = counterpart.person
        if data.get("to_person") is None and not self.errors:
            self.add_error("to_person", gettext("Choose who takes the shift over, or a shift to swap with."))
        return data


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(choices=[("approve", _("Approve")), ("reject", _("Reject"))])


# --- leave -----------------------------------------------------------------------------------------


class LeaveForm(forms.Form):
    """A staff member's leave (whole days, first and last included)."""

    person = StaffChoiceField(label=_("Person"), queryset=User.objects.none())
    starts_on = forms.DateField(label=_("First day"), widget=DATE_INPUT)
    ends_on = forms.DateField(label=_("Last day"), widget=DATE_INPUT)
    reason = forms.CharField(
        label=_("Reason"),
        max_length=100,
        required=False,
        help_text=_("Optional, e.g. 年休假. Shown to the office only."),
    )

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["person"]
        assert isinstance(field, forms.ModelChoiceField)  # noqa: S101 -- declared above
        field.queryset = (
            User.objects.filter(is_active=True)
            .filter(scope_q(user, Action.DUTY_MANAGE, unit_field="unit"))
            .select_related("unit")
            .order_by("unit__path", "full_name", "pk")
        )
