"""Forms of the plans staff pages: they parse input; the services validate and write.

Where a service states the rule (a period that ends before it starts, a task without a responsible
unit, weights that do not add up to 100, a problem without its correction), the form lets the input
through so that the service's own message is shown next to the field.
"""

from typing import Any

from django import forms
from django.core.files.uploadedfile import UploadedFile
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from zhenwu.core.choices import UnitKind
from zhenwu.core.exceptions import DomainError
from zhenwu.core.models import Unit, User
from zhenwu.core.models.units import unit_subtree_q
from zhenwu.core.scoping import Action, scope_q
from zhenwu.plans import services
from zhenwu.plans.assessment import DEFAULT_WEIGHTS
from zhenwu.plans.choices import (
    Body,
    Component,
    EvidenceKind,
    FindingResult,
    NoticeKind,
    PlanRole,
    RecordSource,
    Recurrence,
)
from zhenwu.plans.models import ChecklistItem, PlanTask, WorkPlan
from zhenwu.reports.models import ReportType

DATETIME_LOCAL = "%Y-%m-%dT%H:%M"
DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
#: Empty rows offered under the people, the working groups and the findings of a form.
EXTRA_MEMBER_ROWS = 4
EXTRA_GROUP_ROWS = 2
EXTRA_FINDING_ROWS = 3
#: The kinds of unit that issue plans (and whose year of assessments is shown).
OWNER_KINDS = (UnitKind.COUNTY, UnitKind.TOWNSHIP)


def _textarea(rows: int = 3) -> forms.Textarea:
    return forms.Textarea(attrs={"rows": rows})


def _blank(choices: Any) -> list[tuple[str, Any]]:
    return [("", "—"), *choices]


def _datetime_field(**kwargs: Any) -> forms.DateTimeField:
    return forms.DateTimeField(
        input_formats=[DATETIME_LOCAL, "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format=DATETIME_LOCAL),
        **kwargs,
    )


def _set_queryset(form: forms.BaseForm, name: str, queryset: QuerySet[Any]) -> None:
    field = form.fields[name]
    assert isinstance(field, forms.ModelChoiceField)  # noqa: S101 -- declared by the form
    field.queryset = queryset


class UnitChoices(forms.ModelMultipleChoiceField):
    """Units as checkboxes, each shown with its code (two villages may share a name in a county)."""

    widget = forms.CheckboxSelectMultiple

    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.name}（{obj.code}）"


class UnitChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.name}（{obj.code}）"


# --- choices in the user's scope ----------------------------------------------------------------


def owner_units(user: User) -> QuerySet[Unit]:
    """The units for which the user may write plans (a township office: its township)."""
    return (
        Unit.objects.active()
        .filter(scope_q(user, Action.PLAN_MANAGE, unit_field=""), kind__in=OWNER_KINDS)
        .order_by("path")
    )


def plan_village_choices(plan: WorkPlan, task: PlanTask | None = None) -> QuerySet[Unit]:
    """The villages under the plan's unit, and the units a task already names (kept choosable)."""
    villages = Q(unit_subtree_q(plan.owner_unit.path), kind__in=services.VILLAGE_KINDS, is_active=True)
    if task is not None and task.pk:
        villages |= Q(pk__in=task.units.values("pk"))
    return Unit.objects.filter(villages).order_by("path")


def units_below(unit: Unit) -> QuerySet[Unit]:
    """The active units under ``unit`` (not itself): the addressees a notice of ``unit`` may have."""
    return Unit.objects.active().filter(unit_subtree_q(unit.path, include_self=False)).order_by("path")


def inspected_units(user: User, plan: WorkPlan) -> QuerySet[Unit]:
    """Units under the plan's unit that the user may inspect."""
    return units_below(plan.owner_unit).filter(scope_q(user, Action.INSPECTION_MANAGE, unit_field=""))


def report_type_choices(plan: WorkPlan) -> QuerySet[ReportType]:
    """Active report types defined by the plan's unit, above it or below it."""
    owner = plan.owner_unit
    return (
        ReportType.objects.filter(is_active=True)
        .filter(
            Q(owner_unit__path__in=[*owner.ancestor_paths(), owner.path])
            | unit_subtree_q(owner.path, prefix="owner_unit__")
        )
        .order_by("name", "id")
    )


# --- files ---------------------------------------------------------------------------------------


class MultipleFileInput(forms.FileInput):
    allow_multiple_selected = True

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__({"multiple": True, **(attrs or {})})


def _read(upload: Any) -> services.AttachmentIn:
    """The upload's bytes (size checked); its type is checked by content when the service stores it."""
    if not isinstance(upload, UploadedFile):
        raise forms.ValidationError(_("No file was sent."), code="invalid")
    try:
        return services.attachment_read(upload)
    except DomainError as exc:
        raise forms.ValidationError(str(exc.message), code=exc.code) from None


class AttachmentsField(forms.FileField):
    """Several files at once, each read by ``services.attachment_read``: a list of AttachmentIn."""

    widget = MultipleFileInput

    def clean(self, data: Any, initial: Any = None) -> list[services.AttachmentIn]:
        uploads = [u for u in (data if isinstance(data, list | tuple) else [data]) if u]
        if not uploads:
            if self.required:
                raise forms.ValidationError(self.error_messages["required"], code="required")
            return []
        if len(uploads) > services.MAX_ATTACHMENTS:
            raise forms.ValidationError(
                _("At most %(n)d attachments.") % {"n": services.MAX_ATTACHMENTS}, code="too_many"
            )
        return [_read(upload) for upload in uploads]


class AttachmentField(forms.FileField):
    """One file, read by ``services.attachment_read``: an AttachmentIn."""

    def clean(self, data: Any, initial: Any = None) -> services.AttachmentIn:
        upload = super().clean(data, initial)
        return _read(upload)


# --- plans ---------------------------------------------------------------------------------------


class PlanForm(forms.Form):
    """A plan's text and period; the unit that issues it only when the plan is new."""

    owner_unit = UnitChoice(label=_("Issued by"), queryset=Unit.objects.none())
    title = forms.CharField(label=_("Title"), max_length=200)
    issuer = forms.CharField(
        label=_("Issuing bodies"),
        max_length=200,
        help_text=_("As in the red header, e.g. 中共河坝镇委员会 河坝镇人民政府."),
    )
    doc_number = forms.CharField(
        label=_("Document number"), max_length=60, required=False, help_text=_("E.g. 镇发〔2026〕3号.")
    )
    issued_on = forms.DateField(
        label=_("Dated"),
        required=False,
        widget=DATE_INPUT,
        help_text=_("Empty: the day the plan is issued."),
    )
    starts_on = forms.DateField(label=_("Period from"), widget=DATE_INPUT)
    ends_on = forms.DateField(label=_("Period until"), widget=DATE_INPUT)
    background = forms.CharField(
        label=_("Background"),
        max_length=10000,
        required=False,
        widget=_textarea(6),
        help_text=_("Paragraphs separated by blank lines."),
    )
    goals = forms.CharField(label=_("Goals"), max_length=10000, required=False, widget=_textarea(5))
    addressees = forms.CharField(
        label=_("Addressees (主送)"),
        max_length=300,
        required=False,
        help_text=_("E.g. 各村（社区），镇直各单位."),
    )
    cc = forms.CharField(label=_("Copied to (抄送)"), max_length=300, required=False)
    signature = forms.CharField(
        label=_("Signed by"), max_length=200, required=False, help_text=_("Empty: the issuing unit's name.")
    )

    def __init__(self, *args: Any, user: User, plan: WorkPlan | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.plan = plan
        if plan is None:
            del self.fields["issued_on"]
            units = owner_units(user)
            _set_queryset(self, "owner_unit", units)
            if not self.is_bound and user.unit is not None:
                self.initial.setdefault("owner_unit", user.unit.pk)
        else:
            del self.fields["owner_unit"]
            if not self.is_bound:
                self.initial.update(
                    {
                        name: getattr(plan, name)
                        for name in (
                            "title",
                            "issuer",
                            "doc_number",
                            "issued_on",
                            "starts_on",
                            "ends_on",
                            "background",
                            "goals",
                            "addressees",
                            "cc",
                            "signature",
                        )
                    }
                )

    def text(self) -> dict[str, Any]:
        """The plan's fields as the services take them (without the issuing unit)."""
        return {k: v for k, v in self.cleaned_data.items() if k != "owner_unit"}


class RowForm(forms.Form):
    """A row of a table edited at once. A row shown with data (a person, a checklist item) is always
    read, even when posted unchanged: a formset skips unchanged rows past ``INITIAL_FORMS``, and a
    client that sends 0 there must not drop them silently."""

    def has_changed(self) -> bool:
        return bool(self.initial) or super().has_changed()


class MemberForm(RowForm):
    """One person of the leading group or of its office; a row without a name is skipped."""

    body = forms.ChoiceField(label=_("Body"), choices=Body.choices, initial=Body.LEADING_GROUP)
    role = forms.ChoiceField(label=_("Role"), choices=PlanRole.choices, initial=PlanRole.MEMBER)
    name = forms.CharField(label=_("Name"), max_length=50, required=False)
    post = forms.CharField(label=_("Post"), max_length=100, required=False, help_text=_("E.g. 镇党委书记."))

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not (data.get("name") or "").strip() and (data.get("post") or "").strip():
            self.add_error("name", _("Write the person's name, or clear the row."))
        return data

    def member(self) -> services.MemberIn | None:
        data = getattr(self, "cleaned_data", None) or {}
        name = (data.get("name") or "").strip()
        if not name:
            return None
        return services.MemberIn(body=data["body"], role=data["role"], name=name, post=data.get("post") or "")


class BaseRowsFormSet(forms.BaseFormSet):
    """Rows of a table edited at once; empty rows are skipped."""

    def rows(self, method: str) -> list[Any]:
        return [row for row in (getattr(form, method)() for form in self.forms) if row is not None]


def member_formset(plan: WorkPlan, data: Any = None) -> BaseRowsFormSet:
    initial = [{"body": m.body, "role": m.role, "name": m.name, "post": m.post} for m in plan.members.all()]
    formset_class = forms.formset_factory(
        MemberForm,
        formset=BaseRowsFormSet,
        extra=EXTRA_MEMBER_ROWS,
        max_num=services.MAX_MEMBERS,
        absolute_max=services.MAX_MEMBERS,
        validate_max=True,
    )
    formset = formset_class(data, initial=initial, prefix="members")
    assert isinstance(formset, BaseRowsFormSet)  # noqa: S101 -- made by formset_factory above
    return formset


class GroupForm(RowForm):
    """One working group; a row left empty is skipped."""

    name = forms.CharField(label=_("Name"), max_length=100, required=False)
    lead = forms.CharField(label=_("Led by"), max_length=100, required=False)
    members = forms.CharField(label=_("Members"), max_length=500, required=False)
    duties = forms.CharField(label=_("Duties"), max_length=3000, required=False, widget=_textarea(3))

    def group(self) -> services.GroupIn | None:
        data = getattr(self, "cleaned_data", None) or {}
        if not any((data.get(name) or "").strip() for name in ("name", "lead", "members", "duties")):
            return None
        return services.GroupIn(
            name=data.get("name") or "",
            lead=data.get("lead") or "",
            duties=data.get("duties") or "",
            members=data.get("members") or "",
        )


def group_formset(plan: WorkPlan, data: Any = None) -> BaseRowsFormSet:
    initial = [
        {"name": g.name, "lead": g.lead, "members": g.members, "duties": g.duties} for g in plan.groups.all()
    ]
    formset_class = forms.formset_factory(
        GroupForm,
        formset=BaseRowsFormSet,
        extra=EXTRA_GROUP_ROWS,
        max_num=services.MAX_GROUPS,
        absolute_max=services.MAX_GROUPS,
        validate_max=True,
    )
    formset = formset_class(data, initial=initial, prefix="groups")
    assert isinstance(formset, BaseRowsFormSet)  # noqa: S101 -- made by formset_factory above
    return formset


class TaskForm(forms.Form):
    """A measure: what to do, by whom, by when, and what counts as having done it."""

    title = forms.CharField(label=_("Measure"), max_length=200)
    description = forms.CharField(label=_("What to do"), max_length=5000, required=False, widget=_textarea(4))
    all_units = forms.BooleanField(
        label=_("All villages"),
        required=False,
        help_text=_("Every village and community under the plan's unit."),
    )
    units = UnitChoices(
        label=_("Responsible units"),
        queryset=Unit.objects.none(),
        required=False,
        help_text=_("Or name the units, when not every village is responsible."),
    )
    due_on = forms.DateField(
        label=_("Due on"), required=False, widget=DATE_INPUT, help_text=_("Needed for a one-off task.")
    )
    recurrence = forms.ChoiceField(label=_("Recurrence"), choices=Recurrence.choices)
    evidence = forms.ChoiceField(label=_("Evidence"), choices=_blank(EvidenceKind.choices), required=False)
    report_type = forms.ModelChoiceField(
        label=_("Report type"),
        queryset=ReportType.objects.none(),
        required=False,
        help_text=_("When reports count: the report type whose reports must be on time."),
    )
    record_source = forms.ChoiceField(
        label=_("Ledger"),
        choices=_blank(RecordSource.choices),
        required=False,
        help_text=_("When ledger records count: which ledger."),
    )
    min_count = forms.IntegerField(
        label=_("At least"),
        initial=1,
        help_text=_("Records needed (per week or month when recurring)."),
    )

    def __init__(self, *args: Any, plan: WorkPlan, task: PlanTask | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _set_queryset(self, "units", plan_village_choices(plan, task))
        _set_queryset(self, "report_type", report_type_choices(plan))
        if task is not None and not self.is_bound:
            self.initial.update(
                {
                    "title": task.title,
                    "description": task.description,
                    "all_units": task.all_units,
                    "units": list(task.units.values_list("pk", flat=True)),
                    "due_on": task.due_on,
                    "recurrence": task.recurrence,
                    "evidence": task.evidence,
                    "report_type": task.report_type_id,
                    "record_source": task.record_source,
                    "min_count": task.min_count,
                }
            )

    def task_in(self) -> services.TaskIn:
        data = self.cleaned_data
        return services.TaskIn(
            title=data["title"],
            evidence=data.get("evidence") or "",
            description=data.get("description") or "",
            all_units=bool(data.get("all_units")),
            units=list(data.get("units") or []),
            due_on=data.get("due_on"),
            recurrence=data["recurrence"],
            report_type=data.get("report_type"),
            record_source=data.get("record_source") or "",
            min_count=data["min_count"],
        )


class ChecklistForm(forms.Form):
    items = forms.CharField(
        label=_("Items to check"),
        max_length=30000,
        required=False,
        widget=_textarea(12),
        help_text=_("One item per line; inspectors record a result for each on a visit."),
    )

    def lines(self) -> list[str]:
        return [line.strip() for line in self.cleaned_data["items"].splitlines() if line.strip()]


class CopyForm(forms.Form):
    starts_on = forms.DateField(
        label=_("New period from"),
        widget=DATE_INPUT,
        help_text=_("Every date of the plan moves by the same number of days."),
    )
    title = forms.CharField(
        label=_("Title"), max_length=200, required=False, help_text=_("Empty: the same title.")
    )


class IssueForm(forms.Form):
    """Issue a plan as a notice (印发): to every village, or to the units chosen."""

    acknowledge_by = _datetime_field(
        label=_("Acknowledge by"), required=False, help_text=_("Empty: no deadline.")
    )
    units = UnitChoices(
        label=_("Units"),
        queryset=Unit.objects.none(),
        required=False,
        help_text=_("None chosen: every village under the plan's unit."),
    )

    def __init__(self, *args: Any, plan: WorkPlan, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _set_queryset(self, "units", units_below(plan.owner_unit))


class EvidenceForm(forms.Form):
    """A document a responsible unit sends as evidence for a task."""

    unit = UnitChoice(label=_("Unit"), queryset=Unit.objects.none())
    file = AttachmentField(
        label=_("File"),
        help_text=_("PDF, images, Word, Excel or plain text. The content is checked, not only the name."),
    )
    note = forms.CharField(label=_("Note"), max_length=300, required=False)

    def __init__(self, *args: Any, units: QuerySet[Unit], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _set_queryset(self, "unit", units)


# --- notices -------------------------------------------------------------------------------------


class NoticeForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=NoticeKind.choices, initial=NoticeKind.INSTRUCTION)
    title = forms.CharField(label=_("Title"), max_length=200)
    body = forms.CharField(label=_("Text"), max_length=20000, widget=_textarea(8))
    units = UnitChoices(label=_("Addressed to"), queryset=Unit.objects.none(), required=False)
    acknowledge_by = _datetime_field(
        label=_("Acknowledge by"), required=False, help_text=_("Empty: no deadline.")
    )
    attachments = AttachmentsField(
        label=_("Attachments"),
        required=False,
        help_text=_("PDF, images, Word, Excel or plain text. The content is checked, not only the name."),
    )

    def __init__(self, *args: Any, owner: Unit, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _set_queryset(self, "units", units_below(owner))


class NoteForm(forms.Form):
    note = forms.CharField(
        label=_("What was corrected"), max_length=3000, required=False, widget=_textarea(3)
    )


# --- inspections ---------------------------------------------------------------------------------


class InspectionForm(forms.Form):
    unit = UnitChoice(label=_("Unit inspected"), queryset=Unit.objects.none())
    visited_on = forms.DateField(label=_("Visited on"), widget=DATE_INPUT)
    inspectors = forms.CharField(label=_("Inspectors"), max_length=300, required=False)
    summary = forms.CharField(
        label=pgettext_lazy("inspection", "Summary"), max_length=5000, required=False, widget=_textarea(4)
    )

    def __init__(self, *args: Any, units: QuerySet[Unit], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _set_queryset(self, "unit", units)


class FindingForm(RowForm):
    """One item checked: a checklist item (its text fixed) or an item written in; an empty row is skipped."""

    item = forms.IntegerField(widget=forms.HiddenInput, required=False)
    item_text = forms.CharField(label=_("Item"), max_length=300, required=False)
    result = forms.ChoiceField(
        label=pgettext_lazy("inspection", "Result"), choices=_blank(FindingResult.choices), required=False
    )
    note = forms.CharField(
        label=pgettext_lazy("inspection", "What was found"),
        max_length=3000,
        required=False,
        widget=_textarea(2),
    )
    correction = forms.CharField(
        label=_("Correction required"), max_length=3000, required=False, widget=_textarea(2)
    )
    correction_due = forms.DateField(label=_("Correct by"), required=False, widget=DATE_INPUT)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.initial.get("item"):
            self.fields["item_text"].widget = forms.HiddenInput()

    @property
    def checklist_text(self) -> str:
        return str(self.initial.get("item_text") or "") if self.initial.get("item") else ""

    def finding(self, checklist: dict[int, ChecklistItem]) -> services.FindingIn | None:
        data = getattr(self, "cleaned_data", None) or {}
        item = checklist.get(data.get("item") or 0)
        text = (data.get("item_text") or "").strip()
        if item is None and not text:
            return None
        return services.FindingIn(
            item_text=text,
            result=data.get("result") or "",
            note=data.get("note") or "",
            correction=data.get("correction") or "",
            correction_due=data.get("correction_due"),
            item=item,
        )


def finding_formset(checklist: list[ChecklistItem], data: Any = None) -> BaseRowsFormSet:
    """A row per checklist item (result "in order" to start with), then a few rows to write in."""
    initial = [{"item": i.pk, "item_text": i.text, "result": FindingResult.OK} for i in checklist]
    formset_class = forms.formset_factory(
        FindingForm,
        formset=BaseRowsFormSet,
        extra=EXTRA_FINDING_ROWS,
        max_num=services.MAX_FINDINGS,
        absolute_max=services.MAX_FINDINGS + EXTRA_FINDING_ROWS,
        validate_max=True,
    )
    formset = formset_class(data, initial=initial, prefix="findings")
    assert isinstance(formset, BaseRowsFormSet)  # noqa: S101 -- made by formset_factory above
    return formset


def findings_of(
    formset: BaseRowsFormSet, checklist: list[ChecklistItem]
) -> tuple[list[services.FindingIn], list[int]]:
    """The findings entered, and the row each came from (the service names errors by finding)."""
    by_id = {item.pk: item for item in checklist}
    findings, rows = [], []
    for index, row in enumerate(formset.forms):
        finding = row.finding(by_id) if isinstance(row, FindingForm) else None
        if finding is not None:
            findings.append(finding)
            rows.append(index)
    return findings, rows


# --- assessment ----------------------------------------------------------------------------------


class WeightsForm(forms.Form):
    """A whole percent per component; whether they add up to 100 is the service's check."""

    def __init__(self, *args: Any, weights: dict[str, int] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        start = weights or DEFAULT_WEIGHTS
        for component in Component:
            self.fields[component.value] = forms.IntegerField(
                label=component.label,
                min_value=0,
                max_value=100,
                required=False,
                initial=start.get(component.value, 0),
                widget=forms.NumberInput(attrs={"inputmode": "numeric", "step": 1}),
            )

    def weights(self) -> dict[str, int]:
        return {key: self.cleaned_data.get(key) or 0 for key in Component.values}

    def shown_sum(self) -> int | None:
        """The sum of the weights on the form: posted, or as first shown."""
        if self.is_bound:
            return sum(self.weights().values()) if self.is_valid() else None
        return sum(int(self.fields[key].initial or 0) for key in Component.values)


class YearForm(forms.Form):
    year = forms.IntegerField(label=_("Year"), min_value=2000, max_value=2100)
    unit = UnitChoice(label=_("Plans of"), queryset=Unit.objects.none())

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _set_queryset(
            self,
            "unit",
            Unit.objects.active()
            .filter(scope_q(user, Action.ASSESSMENT_VIEW, unit_field=""), kind__in=OWNER_KINDS)
            .order_by("path"),
        )
