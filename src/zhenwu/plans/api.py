"""REST API routes of the plans app (工作方案、通知签收、督查考核), mounted at /api/plans/: work plans
with their leading group, working groups, measures (tasks) and inspection checklist, copying and
issuing them, the plan document, the unit × task grid and the evidence units send; notices with
their attachments, acknowledgements (签收) and reminders; inspections (督查) with their findings,
corrections and report; assessments (考核) with each unit's score and its derivation, their export,
and the year view across plans.

Scoping is the pages' (``zhenwu.plans.selectors``): a plan is seen in the subtree of the unit that
issued it and by the units under it (a village sees its township's plans); a notice by the issuing
unit's subtree and by the units it is addressed to; an inspection in the inspected unit's subtree.
An object out of scope is a 404, and so is a unit, plan, task or checklist item named in a body or
a filter. Writes are the services'.

Reading a notice (``GET /notices/{id}``) as a user of an addressed unit records that unit's first
reading; only ``POST /notices/{id}/acknowledge`` is an acknowledgement.

A notice with attachments, and a task's evidence, are sent as ``multipart/form-data``; a notice
without attachments may also be sent as JSON. Files are checked by their content before anything
is stored.
"""

import datetime
from dataclasses import asdict
from decimal import Decimal
from typing import Annotated, Any

from django.db.models import Count, Exists, OuterRef, QuerySet, Subquery, Value
from django.http import FileResponse, HttpRequest, HttpResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from ninja import Field, File, Form, Path, Query, Router, Schema
from ninja.errors import HttpError
from ninja.files import UploadedFile
from ninja.pagination import paginate
from ninja.params.models import Form as FormParam
from ninja.params.models import FormModel
from ninja.responses import Status
from pydantic import BeforeValidator

from zhenwu.core.api.schemas import ERRORS, Day, Id, Moment, UnitRef, api_user
from zhenwu.core.downloads import protect_stored_file
from zhenwu.core.exceptions import NotFound, ValidationFailed
from zhenwu.core.localtime import BEIJING, beijing_date
from zhenwu.core.models import Unit, User
from zhenwu.core.scoping import Action, require, scope_q, unit_in_scope
from zhenwu.core.selectors import access_unit
from zhenwu.core.views.common import DOCX_CONTENT_TYPE, XLSX_CONTENT_TYPE, download_response
from zhenwu.petitions.attachments import ACCEPTED_KINDS
from zhenwu.plans import selectors, services
from zhenwu.plans.assessment import DEFAULT_WEIGHTS, assessment_compute
from zhenwu.plans.choices import (
    Body,
    Component,
    EvidenceKind,
    FindingResult,
    NoticeKind,
    PlanRole,
    PlanStatus,
    RecordSource,
    Recurrence,
    TaskState,
)
from zhenwu.plans.documents import inspection_docx, inspection_filename, plan_docx, plan_filename
from zhenwu.plans.export import assessment_filename, assessment_xlsx
from zhenwu.plans.grid import task_grid
from zhenwu.plans.models import (
    Assessment,
    ChecklistItem,
    Inspection,
    InspectionFinding,
    Notice,
    NoticeAttachment,
    NoticeRecipient,
    PlanTask,
    TaskEvidence,
    WorkPlan,
)
from zhenwu.reports.selectors import access_report_type

router = Router(tags=["plans"])

#: Generous bounds of the lists a body names; the precise ones are the services' (answered with a 400).
MAX_UNITS_IN = 1000
MAX_ROWS_IN = 200


def _blank_is_none(value: Any) -> Any:
    """A form sends an empty field as ``""``: that is no value, not an invalid one."""
    return None if isinstance(value, str) and not value.strip() else value


FormId = Annotated[Id | None, BeforeValidator(_blank_is_none)]
FormMoment = Annotated[Moment | None, BeforeValidator(_blank_is_none)]


class _FormOrJsonModel(FormModel):
    """Form fields, or the same fields as a JSON object when the request is ``application/json``."""

    @classmethod
    def get_request_data(cls, request: HttpRequest, api: Any, path_params: dict[str, Any]) -> Any:
        if request.content_type != "application/json":
            return super().get_request_data(request, api, path_params)
        if not request.body:
            return None
        try:
            data = api.parser.parse_body(request)
        except ValueError as exc:
            raise HttpError(400, "Cannot parse request body") from exc
        if not isinstance(data, dict):
            raise HttpError(400, "The body is not a JSON object")
        return data


class _FormOrJson(FormParam):  # type: ignore[misc]  # ninja's Param classes are untyped
    """A ``Form`` parameter that also reads a JSON body (ninja reads one or the other, not both)."""

    _model = _FormOrJsonModel

    @classmethod
    def _param_source(cls) -> str:
        return "form"


# --- schemas ------------------------------------------------------------------------------------


def _name(person: User | None) -> str | None:
    return person.get_full_name() if person is not None else None


class PlanRef(Schema):
    id: int
    title: str
    doc_number: str


class PlanListOut(Schema):
    id: int
    title: str
    issuer: str
    doc_number: str
    owner_unit: UnitRef
    starts_on: datetime.date
    ends_on: datetime.date
    issued_on: datetime.date | None
    status: PlanStatus
    status_label: str
    task_count: int

    @staticmethod
    def resolve_status_label(obj: WorkPlan) -> str:
        return str(PlanStatus(obj.status).label)


class PlanMemberOut(Schema):
    id: int
    body: Body
    role: PlanRole
    role_label: str
    name: str
    post: str

    @staticmethod
    def resolve_role_label(obj: Any) -> str:
        return str(PlanRole(obj.role).label)


class GroupOut(Schema):
    id: int
    name: str
    lead: str
    members: str
    duties: str


class TaskOut(Schema):
    id: int
    order: int
    title: str
    description: str
    all_units: bool = Field(..., description="Every village and community under the plan's unit")
    units: list[UnitRef] = Field(..., description="The responsible units named (empty with all_units)")
    due_on: datetime.date | None
    recurrence: Recurrence
    evidence: EvidenceKind
    evidence_label: str
    report_type_id: int | None
    record_source: str
    min_count: int

    @staticmethod
    def resolve_units(obj: PlanTask) -> list[Unit]:
        return sorted(obj.units.all(), key=lambda u: u.path)

    @staticmethod
    def resolve_evidence_label(obj: PlanTask) -> str:
        return str(EvidenceKind(obj.evidence).label)


class ChecklistItemOut(Schema):
    id: int
    text: str


class PlanOut(PlanListOut):
    background: str
    goals: str
    addressees: str
    cc: str
    signature: str
    copied_from_id: int | None
    created_by: str
    created_at: datetime.datetime
    updated_at: datetime.datetime
    members: list[PlanMemberOut]
    groups: list[GroupOut]
    tasks: list[TaskOut]
    checklist: list[ChecklistItemOut]

    @staticmethod
    def resolve_created_by(obj: WorkPlan) -> str:
        return obj.created_by.get_full_name()

    @staticmethod
    def resolve_task_count(obj: WorkPlan) -> int:
        return len(obj.tasks.all())

    @staticmethod
    def resolve_members(obj: WorkPlan) -> list[Any]:
        return list(obj.members.all())

    @staticmethod
    def resolve_groups(obj: WorkPlan) -> list[Any]:
        return list(obj.groups.all())

    @staticmethod
    def resolve_tasks(obj: WorkPlan) -> list[PlanTask]:
        return list(obj.tasks.all())

    @staticmethod
    def resolve_checklist(obj: WorkPlan) -> list[ChecklistItem]:
        return list(obj.checklist.all())


class PlanFilter(Schema):
    status: PlanStatus | None = None
    year: int | None = Field(None, ge=1970, le=2999, description="The period starts in this year")


class PlanIn(Schema):
    owner_unit: Id | None = Field(None, description="The issuing unit; default: the caller's unit")
    title: str = Field(..., max_length=200)
    issuer: str = Field(..., max_length=200, description="As in the red header (发文机关)")
    starts_on: Day
    ends_on: Day
    doc_number: str = Field("", max_length=60, description="E.g. 镇发〔2026〕3号")
    background: str = Field("", max_length=10000)
    goals: str = Field("", max_length=10000)
    addressees: str = Field("", max_length=300, description="主送, e.g. 各村（社区），镇直各单位")
    cc: str = Field("", max_length=300, description="抄送")
    signature: str = Field("", max_length=200, description="Default: the issuing unit's name")


class PlanUpdateIn(Schema):
    """A field left out is not changed."""

    title: str | None = Field(None, max_length=200)
    issuer: str | None = Field(None, max_length=200)
    doc_number: str | None = Field(None, max_length=60)
    issued_on: Day | None = None
    starts_on: Day | None = None
    ends_on: Day | None = None
    background: str | None = Field(None, max_length=10000)
    goals: str | None = Field(None, max_length=10000)
    addressees: str | None = Field(None, max_length=300)
    cc: str | None = Field(None, max_length=300)
    signature: str | None = Field(None, max_length=200)


class MemberIn(Schema):
    body: Body
    role: PlanRole = Field(
        ..., description="Leading group: leader/deputy/member; office: director/liaison/member"
    )
    name: str = Field(..., max_length=50)
    post: str = Field("", max_length=100, description="E.g. 镇党委书记")


class MembersIn(Schema):
    members: list[MemberIn] = Field(..., max_length=MAX_ROWS_IN)


class GroupIn(Schema):
    name: str = Field(..., max_length=100)
    lead: str = Field(..., max_length=100)
    duties: str = Field(..., max_length=3000)
    members: str = Field("", max_length=500)


class GroupsIn(Schema):
    groups: list[GroupIn] = Field(..., max_length=MAX_ROWS_IN)


class ChecklistIn(Schema):
    items: list[str] = Field(..., max_length=MAX_ROWS_IN)


class TaskIn(Schema):
    title: str = Field(..., max_length=200)
    evidence: EvidenceKind
    description: str = Field("", max_length=5000)
    all_units: bool = False
    units: list[Id] = Field(default_factory=list, max_length=MAX_UNITS_IN)
    due_on: Day | None = Field(None, description="Needed for a one-off task; within the plan's period")
    recurrence: Recurrence = Recurrence.ONCE
    report_type: Id | None = Field(None, description="For evidence 'report'")
    record_source: RecordSource | None = Field(None, description="For evidence 'record_count'")
    min_count: int = Field(1, description="Records needed (per week or month when recurring)")


class CopyIn(Schema):
    starts_on: Day = Field(..., description="The new period's first day; every date shifts with it")
    title: str = Field("", max_length=200, description="Default: the plan's title")


class IssueIn(Schema):
    units: list[Id] = Field(
        default_factory=list,
        max_length=MAX_UNITS_IN,
        description="Default: every village under the plan's unit",
    )
    acknowledge_by: Moment | None = Field(None, description="No offset: Beijing")


class GridTaskOut(Schema):
    id: int
    order: int
    title: str
    due_on: datetime.date | None
    recurrence: Recurrence
    evidence: EvidenceKind


class CellOut(Schema):
    task_id: int
    state: TaskState
    state_label: str
    done_windows: int = Field(..., description="Weeks (months) with their evidence; 1 for a one-off task")
    windows: int
    evidence: list[str]


class PlanGridRowOut(Schema):
    unit: UnitRef
    cells: list[CellOut | None] = Field(..., description="In the order of tasks; null: not responsible")
    counts: dict[str, int] = Field(..., description="Tasks per state")


class PlanGridOut(Schema):
    plan: PlanRef
    tasks: list[GridTaskOut]
    rows: list[PlanGridRowOut]


class EvidenceForm(Schema):
    unit: FormId = Field(None, description="The responsible unit; default: the caller's unit")
    note: str = Field("", max_length=300)


class EvidenceOut(Schema):
    id: int
    task_id: int
    unit: UnitRef
    original_name: str
    content_type: str
    size: int
    note: str
    submitted_by: str
    submitted_at: datetime.datetime

    @staticmethod
    def resolve_submitted_by(obj: TaskEvidence) -> str:
        return obj.submitted_by.get_full_name()


class NoticeListOut(Schema):
    id: int
    kind: NoticeKind
    kind_label: str
    title: str
    owner_unit: UnitRef
    plan_id: int | None
    acknowledge_by: datetime.datetime | None
    issued_at: datetime.datetime
    addressed: int = Field(..., description="Units addressed")
    acknowledged: int = Field(..., description="Units that acknowledged")
    my_unit_addressed: bool = Field(..., description="The caller's unit is among the addressees")
    my_unit_acknowledged_at: datetime.datetime | None

    @staticmethod
    def resolve_kind_label(obj: Notice) -> str:
        return str(NoticeKind(obj.kind).label)


class NoticeFilter(Schema):
    kind: NoticeKind | None = None
    plan: Id | None = None
    pending: bool = Field(False, description="Only those the caller's unit has still to acknowledge")


class NoticeFields(Schema):
    owner_unit: FormId = Field(None, description="The issuing unit; default: the caller's unit")
    kind: NoticeKind
    title: str = Field(..., max_length=200)
    body: str = Field(..., max_length=20000)
    units: list[Id] = Field(..., max_length=MAX_UNITS_IN, description="The units addressed")
    acknowledge_by: FormMoment = Field(None, description="No offset: Beijing")
    plan: FormId = None


class RecipientOut(Schema):
    unit: UnitRef
    first_read_at: datetime.datetime | None = Field(..., description="Opened; never an acknowledgement")
    acknowledged_at: datetime.datetime | None
    acknowledged_by: str | None

    @staticmethod
    def resolve_acknowledged_by(obj: NoticeRecipient) -> str | None:
        return _name(obj.acknowledged_by)


class NoticeAttachmentOut(Schema):
    id: int
    original_name: str
    content_type: str
    size: int
    url: str

    @staticmethod
    def resolve_url(obj: NoticeAttachment) -> str:
        return reverse(
            "api:download_notice_attachment", kwargs={"notice_id": obj.notice_id, "attachment_id": obj.pk}
        )


class NoticeOut(Schema):
    id: int
    kind: NoticeKind
    kind_label: str
    title: str
    body: str
    owner_unit: UnitRef
    plan: PlanRef | None
    acknowledge_by: datetime.datetime | None
    issued_at: datetime.datetime
    issued_by: str
    addressed: int
    acknowledged: int
    attachments: list[NoticeAttachmentOut]
    recipients: list[RecipientOut] = Field(..., description="The addressed units the caller may see")
    pending: list[UnitRef] = Field(..., description="Of those, the units that have not acknowledged")


class RemindOut(Schema):
    messages: int = Field(
        ..., description="Messages of today's reminder: each person's are sent once, asking again adds none"
    )
    pending: int = Field(..., description="Units that have not acknowledged")


class InspectionListOut(Schema):
    id: int
    plan: PlanRef | None
    unit: UnitRef
    visited_on: datetime.date
    inspectors: str
    problems: int
    corrected: int
    recorded_by: str
    created_at: datetime.datetime

    @staticmethod
    def resolve_recorded_by(obj: Inspection) -> str:
        return obj.recorded_by.get_full_name()


class FindingOut(Schema):
    id: int
    item_id: int | None
    item_text: str
    result: FindingResult
    result_label: str
    note: str
    correction: str
    correction_due: datetime.date | None
    corrected_at: datetime.datetime | None
    corrected_by: str | None
    correction_note: str

    @staticmethod
    def resolve_result_label(obj: InspectionFinding) -> str:
        return str(FindingResult(obj.result).label)

    @staticmethod
    def resolve_corrected_by(obj: InspectionFinding) -> str | None:
        return _name(obj.corrected_by)


class InspectionOut(InspectionListOut):
    summary: str
    findings: list[FindingOut]

    @staticmethod
    def resolve_problems(obj: Inspection) -> int:
        return sum(f.result == FindingResult.PROBLEM for f in obj.findings.all())

    @staticmethod
    def resolve_corrected(obj: Inspection) -> int:
        return sum(
            f.result == FindingResult.PROBLEM and f.corrected_at is not None for f in obj.findings.all()
        )

    @staticmethod
    def resolve_findings(obj: Inspection) -> list[InspectionFinding]:
        return list(obj.findings.all())


class InspectionFilter(Schema):
    plan: Id | None = None


class FindingIn(Schema):
    item: Id | None = Field(None, description="An item of the plan's checklist")
    item_text: str = Field("", max_length=300, description="Default: the checklist item's text")
    result: FindingResult
    note: str = Field("", max_length=3000)
    correction: str = Field("", max_length=3000, description="Required with a problem")
    correction_due: Day | None = Field(None, description="Required with a problem; not before the visit")


class InspectionIn(Schema):
    unit: Id = Field(..., description="The unit inspected")
    plan: Id | None = None
    visited_on: Day
    inspectors: str = Field(..., max_length=300)
    summary: str = Field("", max_length=5000)
    findings: list[FindingIn] = Field(..., max_length=MAX_ROWS_IN)


class CorrectIn(Schema):
    note: str = Field(..., max_length=3000, description="What was corrected")


class AssessmentIn(Schema):
    weights: dict[str, Any] | None = Field(
        None,
        description="Whole percents per component adding up to 100 (else 400 weights_invalid); "
        "default: " + ", ".join(f"{k} {v}" for k, v in DEFAULT_WEIGHTS.items()),
    )


class PartOut(Schema):
    key: Component
    label: str
    weight: int
    scaled_weight: str | None = Field(
        ..., description="After components with nothing to measure were left out"
    )
    rate: str | None
    points: str | None
    good: int
    half: int
    total: int
    derivation: str


class ScoreOut(Schema):
    unit: UnitRef
    total: Decimal
    rank: int
    parts: list[PartOut]


class AssessmentOut(Schema):
    id: int
    plan: PlanRef
    weights: dict[str, int]
    computed_at: datetime.datetime
    computed_by: str
    scores: list[ScoreOut] = Field(..., description="The ranking, as far as the caller may see it")


class YearQuery(Schema):
    owner: Id | None = Field(None, description="The plans' issuing unit; default: the caller's unit")
    year: int | None = Field(None, ge=1970, le=2999, description="Default: this year")


class YearPlanOut(Schema):
    id: int
    title: str
    starts_on: datetime.date
    ends_on: datetime.date


class YearScoreOut(Schema):
    plan_id: int
    total: Decimal


class YearRowOut(Schema):
    unit: UnitRef
    scores: list[YearScoreOut]
    average: Decimal | None


class YearOut(Schema):
    owner: UnitRef
    year: int
    plans: list[YearPlanOut]
    rows: list[YearRowOut]


# --- helpers ------------------------------------------------------------------------------------


def _aware(moment: datetime.datetime | None) -> datetime.datetime | None:
    """A time without an offset is Beijing wall-clock time."""
    if moment is not None and timezone.is_naive(moment):
        return moment.replace(tzinfo=BEIJING)
    return moment


def _home_unit(user: User, pk: int | None) -> Unit:
    """The unit named (in the caller's scope, else 404), or the caller's own."""
    if pk is not None:
        return access_unit(user, pk)
    if user.unit is None:
        message = _("Choose the unit.")
        raise ValidationFailed(message, errors={"unit": [message]})
    return user.unit


def _units(user: User, ids: list[int]) -> list[Unit]:
    """The units named, in the order named, all in the caller's scope (else 404), in one query."""
    found = Unit.objects.filter(scope_q(user, Action.UNIT_VIEW, unit_field=""), pk__in=ids).in_bulk()
    if any(pk not in found for pk in ids):
        raise NotFound()
    return [found[pk] for pk in ids]


def _binary(description: str, *content_types: str) -> dict[str, Any]:
    schema = {"schema": {"type": "string", "format": "binary"}}
    content = {content_type.split(";")[0]: schema for content_type in content_types}
    return {"responses": {"200": {"description": description, "content": content}}}


def _json_alternative(model: type[Schema]) -> dict[str, Any]:
    """The JSON body a form route also accepts, for the OpenAPI schema (its enums are components)."""
    schema = model.model_json_schema(ref_template="#/components/schemas/{model}")
    schema.pop("$defs", None)
    return {"requestBody": {"content": {"application/json": {"schema": schema}}}}


def plan_detail(user: User, plan_id: int) -> WorkPlan:
    """The plan with its people, groups, tasks and checklist (a fixed number of queries)."""
    selectors.access_plan(user, plan_id)  # 404 out of scope
    return (
        WorkPlan.objects.select_related("owner_unit", "created_by")
        .prefetch_related("members", "groups", "tasks__units", "checklist")
        .get(pk=plan_id)
    )


def _plan_task(plan: WorkPlan, task_id: int) -> PlanTask:
    task = plan.tasks.select_related("plan__owner_unit").filter(pk=task_id).first()
    if task is None:
        raise NotFound()
    return task


def _task_in(user: User, payload: TaskIn) -> services.TaskIn:
    return services.TaskIn(
        title=payload.title,
        evidence=payload.evidence,
        description=payload.description,
        all_units=payload.all_units,
        units=_units(user, payload.units),
        due_on=payload.due_on,
        recurrence=payload.recurrence,
        report_type=access_report_type(user, payload.report_type) if payload.report_type else None,
        record_source=payload.record_source or "",
        min_count=payload.min_count,
    )


def _notice_rows(user: User, *, pending: bool = False) -> QuerySet[Notice]:
    """The notice list with its counts and, for the caller's unit, whether and when it acknowledged;
    ``pending``: only those the caller's unit has still to acknowledge."""
    rows = selectors.notice_rows(user=user)
    if user.unit_id is None:
        rows = rows.none() if pending else rows
        return rows.annotate(my_unit_addressed=Value(False), my_unit_acknowledged_at=Value(None))
    mine = NoticeRecipient.objects.filter(notice=OuterRef("pk"), unit_id=user.unit_id)
    if pending:
        rows = rows.filter(Exists(mine.filter(acknowledged_at__isnull=True)))
    return rows.annotate(
        my_unit_addressed=Exists(mine),
        my_unit_acknowledged_at=Subquery(mine.values("acknowledged_at")[:1]),
    )


def notice_detail(user: User, notice: Notice) -> dict[str, Any]:
    """The notice, its attachments and the recipients the caller may see (an addressed village sees
    its own row, the issuing office every row); the counts are of every recipient."""
    recipients = list(selectors.notice_recipients(notice))
    shown = [r for r in recipients if unit_in_scope(user, r.unit)]
    return {
        **{
            name: getattr(notice, name)
            for name in ("id", "kind", "title", "body", "owner_unit", "plan", "acknowledge_by", "issued_at")
        },
        "kind_label": str(NoticeKind(notice.kind).label),
        "issued_by": notice.issued_by.get_full_name(),
        "addressed": len(recipients),
        "acknowledged": sum(r.acknowledged_at is not None for r in recipients),
        "attachments": list(notice.attachments.all()),
        "recipients": shown,
        "pending": [r.unit for r in shown if r.acknowledged_at is None],
    }


def _attachments(uploads: list[UploadedFile] | None) -> list[services.AttachmentIn]:
    uploads = uploads or []
    if len(uploads) > services.MAX_ATTACHMENTS:
        message = _("At most %(n)d attachments.") % {"n": services.MAX_ATTACHMENTS}
        raise ValidationFailed(message, errors={"attachments": [message]})
    return [services.attachment_read(upload) for upload in uploads]


def inspection_detail(user: User, inspection_id: int) -> Inspection:
    selectors.access_inspection(user, inspection_id)  # 404 out of scope
    return (
        Inspection.objects.select_related("unit", "plan", "recorded_by")
        .prefetch_related("findings__corrected_by")
        .get(pk=inspection_id)
    )


def _findings(plan: WorkPlan | None, findings: list[FindingIn]) -> list[services.FindingIn]:
    """The findings, each checklist item resolved on the plan's checklist (else a 400 naming it)."""
    ids = [f.item for f in findings if f.item is not None]
    items = ChecklistItem.objects.filter(plan=plan, pk__in=ids).in_bulk() if ids and plan else {}
    result = []
    for n, data in enumerate(findings):
        item = items.get(data.item) if data.item is not None else None
        if data.item is not None and item is None:
            message = _("Item %(n)d: the item is not on this plan's checklist.") % {"n": n + 1}
            raise ValidationFailed(message, code="invalid", errors={f"findings.{n}.item": [message]})
        result.append(
            services.FindingIn(
                item_text=data.item_text,
                result=data.result,
                note=data.note,
                correction=data.correction,
                correction_due=data.correction_due,
                item=item,
            )
        )
    return result


def _latest(user: User, plan_id: int) -> tuple[Assessment, list[Any]]:
    """The plan's latest assessment and its ranking as far as the caller may see it."""
    plan = selectors.access_plan(user, plan_id)
    require(user, Action.ASSESSMENT_VIEW)
    assessment = selectors.latest_assessment(plan)
    if assessment is None:
        raise NotFound(_("The plan has not been assessed yet."))
    return assessment, list(selectors.assessment_scores(user=user, assessment=assessment))


def assessment_detail(assessment: Assessment, scores: list[Any]) -> dict[str, Any]:
    return {
        "id": assessment.pk,
        "plan": assessment.plan,
        "weights": assessment.weights,
        "computed_at": assessment.computed_at,
        "computed_by": assessment.computed_by.get_full_name(),
        "scores": scores,
    }


# --- plans --------------------------------------------------------------------------------------


@router.get("/plans", response={200: list[PlanListOut], **ERRORS}, summary="Work plans, newest period first")
@paginate
def list_plans(request: HttpRequest, filters: Query[PlanFilter]) -> object:
    rows = selectors.plan_list(user=api_user(request))
    if filters.status is not None:
        rows = rows.filter(status=filters.status)
    if filters.year is not None:
        rows = rows.filter(starts_on__year=filters.year)
    return rows.select_related("owner_unit").annotate(task_count=Count("tasks")).order_by("-starts_on", "-id")


@router.post(
    "/plans",
    response={201: PlanOut, **ERRORS},
    summary="Write a plan (a draft; its period may not end before it starts: 400 period_reversed)",
)
def create_plan(request: HttpRequest, payload: PlanIn) -> object:
    user = api_user(request)
    require(user, Action.PLAN_MANAGE)
    plan = services.plan_create(
        actor=user,
        owner_unit=_home_unit(user, payload.owner_unit),
        **payload.dict(exclude={"owner_unit"}),
    )
    return Status(201, plan_detail(user, plan.pk))


@router.get(
    "/plans/{plan_id}",
    response={200: PlanOut, **ERRORS},
    summary="One plan with its leading group, working groups, tasks and checklist",
)
def get_plan(request: HttpRequest, plan_id: Path[Id]) -> object:
    return plan_detail(api_user(request), plan_id)


@router.patch(
    "/plans/{plan_id}",
    response={200: PlanOut, **ERRORS},
    summary="Change the plan's text or period (the document is rendered from the new data)",
)
def update_plan(request: HttpRequest, plan_id: Path[Id], payload: PlanUpdateIn) -> object:
    user = api_user(request)
    plan = selectors.access_plan(user, plan_id)
    services.plan_update(actor=user, plan=plan, **payload.dict(exclude_none=True))
    return plan_detail(user, plan_id)


@router.put(
    "/plans/{plan_id}/members",
    response={200: PlanOut, **ERRORS},
    summary="Replace the leading group and its office (a leading group has a 组长)",
)
def set_plan_members(request: HttpRequest, plan_id: Path[Id], payload: MembersIn) -> object:
    user = api_user(request)
    services.plan_members_set(
        actor=user,
        plan=selectors.access_plan(user, plan_id),
        members=[services.MemberIn(m.body, m.role, m.name, m.post) for m in payload.members],
    )
    return plan_detail(user, plan_id)


@router.put(
    "/plans/{plan_id}/groups", response={200: PlanOut, **ERRORS}, summary="Replace the working groups"
)
def set_plan_groups(request: HttpRequest, plan_id: Path[Id], payload: GroupsIn) -> object:
    user = api_user(request)
    services.working_groups_set(
        actor=user,
        plan=selectors.access_plan(user, plan_id),
        groups=[services.GroupIn(g.name, g.lead, g.duties, g.members) for g in payload.groups],
    )
    return plan_detail(user, plan_id)


@router.put(
    "/plans/{plan_id}/checklist",
    response={200: PlanOut, **ERRORS},
    summary="Replace the inspection checklist (items used by an inspection stay as they were)",
)
def set_plan_checklist(request: HttpRequest, plan_id: Path[Id], payload: ChecklistIn) -> object:
    user = api_user(request)
    services.checklist_set(actor=user, plan=selectors.access_plan(user, plan_id), items=payload.items)
    return plan_detail(user, plan_id)


@router.post(
    "/plans/{plan_id}/tasks",
    response={201: TaskOut, **ERRORS},
    summary="Add a measure (task): all villages or named units, due once or recurring, and its evidence",
)
def add_plan_task(request: HttpRequest, plan_id: Path[Id], payload: TaskIn) -> object:
    user = api_user(request)
    plan = selectors.access_plan(user, plan_id)
    task = services.task_add(actor=user, plan=plan, data=_task_in(user, payload))
    return Status(201, task)


@router.put("/plans/{plan_id}/tasks/{task_id}", response={200: TaskOut, **ERRORS}, summary="Change a task")
def update_plan_task(request: HttpRequest, plan_id: Path[Id], task_id: Path[Id], payload: TaskIn) -> object:
    user = api_user(request)
    task = _plan_task(selectors.access_plan(user, plan_id), task_id)
    return services.task_update(actor=user, task=task, data=_task_in(user, payload))


@router.delete(
    "/plans/{plan_id}/tasks/{task_id}",
    response={204: None, **ERRORS},
    summary="Remove a task (not once units sent evidence for it: 409 has_evidence)",
)
def remove_plan_task(request: HttpRequest, plan_id: Path[Id], task_id: Path[Id]) -> object:
    user = api_user(request)
    services.task_remove(actor=user, task=_plan_task(selectors.access_plan(user, plan_id), task_id))
    return Status(204, None)


@router.post(
    "/plans/{plan_id}/copy",
    response={201: PlanOut, **ERRORS},
    summary="A new draft from this plan (e.g. last year's), every date shifted to the new start",
)
def copy_plan(request: HttpRequest, plan_id: Path[Id], payload: CopyIn) -> object:
    user = api_user(request)
    plan = services.plan_copy(
        actor=user,
        plan=selectors.access_plan(user, plan_id),
        starts_on=payload.starts_on,
        title=payload.title,
    )
    return Status(201, plan_detail(user, plan.pk))


@router.post(
    "/plans/{plan_id}/issue",
    response={201: NoticeOut, **ERRORS},
    summary="Issue the plan (印发): it goes as a notice to the units to acknowledge; the notice is returned",
)
def issue_plan(request: HttpRequest, plan_id: Path[Id], payload: IssueIn) -> object:
    user = api_user(request)
    plan = selectors.access_plan(user, plan_id)
    notice = services.plan_issue(
        actor=user,
        plan=plan,
        units=_units(user, payload.units),
        acknowledge_by=_aware(payload.acknowledge_by),
    )
    return Status(201, notice_detail(user, selectors.access_notice(user, notice.pk)))


@router.get(
    "/plans/{plan_id}/document.docx",
    response=ERRORS,
    summary="The notice issuing the plan, with the plan attached, as .docx (GB/T 9704 layout)",
    openapi_extra=_binary("The document", DOCX_CONTENT_TYPE),
)
def download_plan_document(request: HttpRequest, plan_id: Path[Id]) -> HttpResponse:
    plan = selectors.access_plan(api_user(request), plan_id)
    return download_response(plan_docx(plan), plan_filename(plan), DOCX_CONTENT_TYPE)


@router.get(
    "/plans/{plan_id}/grid",
    response={200: PlanGridOut, **ERRORS},
    summary="Unit × task: done / in progress / overdue with the evidence (a village: its own row)",
)
def get_plan_grid(request: HttpRequest, plan_id: Path[Id]) -> object:
    user = api_user(request)
    plan = selectors.access_plan(user, plan_id)
    grid = task_grid(plan, units=selectors.grid_units(user, plan))
    return {
        "plan": plan,
        "tasks": grid.tasks,
        "rows": [
            {
                "unit": unit,
                "cells": [
                    None
                    if (cell := grid.cell(task, unit)) is None
                    else {"task_id": task.pk, **asdict(cell), "state_label": cell.state_label}
                    for task in grid.tasks
                ],
                "counts": grid.counts(unit),
            }
            for unit in grid.units
        ],
    }


@router.post(
    "/plans/{plan_id}/tasks/{task_id}/evidence",
    response={201: EvidenceOut, **ERRORS},
    summary="Send a document as a responsible unit's evidence for a task (multipart/form-data: file)",
)
def add_task_evidence(
    request: HttpRequest,
    plan_id: Path[Id],
    task_id: Path[Id],
    fields: Form[EvidenceForm],
    file: File[UploadedFile],
) -> object:
    user = api_user(request)
    task = _plan_task(selectors.access_plan(user, plan_id), task_id)
    unit = _home_unit(user, fields.unit)
    require(user, Action.TASK_REPORT, unit)  # the service's own rule, checked before the file is read
    evidence = services.evidence_add(
        actor=user, task=task, unit=unit, upload=services.attachment_read(file), note=fields.note
    )
    return Status(201, evidence)


# --- notices ------------------------------------------------------------------------------------


@router.get(
    "/notices",
    response={200: list[NoticeListOut], **ERRORS},
    summary="Notices issued in the caller's subtree or addressed to it, newest first, with their counts",
)
@paginate
def list_notices(request: HttpRequest, filters: Query[NoticeFilter]) -> object:
    user = api_user(request)
    rows = _notice_rows(user, pending=filters.pending)
    if filters.kind is not None:
        rows = rows.filter(kind=filters.kind)
    if filters.plan is not None:
        rows = rows.filter(plan=selectors.access_plan(user, filters.plan))
    return rows


@router.post(
    "/notices",
    response={201: NoticeOut, **ERRORS},
    summary="Issue a notice to units (multipart/form-data with attachments, or JSON without)",
    openapi_extra=_json_alternative(NoticeFields),
)
def create_notice(
    request: HttpRequest,
    fields: Annotated[NoticeFields, _FormOrJson(...)],
    attachments: File[list[UploadedFile] | None] = None,
) -> object:
    user = api_user(request)
    require(user, Action.NOTICE_ISSUE)  # before any file is read
    owner = _home_unit(user, fields.owner_unit)
    notice = services.notice_issue(
        actor=user,
        owner_unit=owner,
        kind=fields.kind,
        title=fields.title,
        body=fields.body,
        units=_units(user, fields.units),
        acknowledge_by=_aware(fields.acknowledge_by),
        plan=selectors.access_plan(user, fields.plan) if fields.plan is not None else None,
        attachments=_attachments(attachments),
    )
    return Status(201, notice_detail(user, selectors.access_notice(user, notice.pk)))


@router.get(
    "/notices/{notice_id}",
    response={200: NoticeOut, **ERRORS},
    summary="One notice with its recipients; opening it records the caller's unit's first reading",
)
def get_notice(request: HttpRequest, notice_id: Path[Id]) -> object:
    user = api_user(request)
    notice = selectors.access_notice(user, notice_id)
    services.notice_mark_read(actor=user, notice=notice)  # a read receipt, never an acknowledgement
    return notice_detail(user, notice)


@router.post(
    "/notices/{notice_id}/acknowledge",
    response={200: RecipientOut, **ERRORS},
    summary="Acknowledge (签收) for the caller's unit (not addressed: 403 not_addressed; twice: 409)",
)
def acknowledge_notice(request: HttpRequest, notice_id: Path[Id]) -> object:
    user = api_user(request)
    return services.notice_acknowledge(actor=user, notice=selectors.access_notice(user, notice_id))


@router.post(
    "/notices/{notice_id}/remind",
    response={200: RemindOut, **ERRORS},
    summary="Remind the units that have not acknowledged (each person once a day)",
)
def remind_notice(request: HttpRequest, notice_id: Path[Id]) -> object:
    user = api_user(request)
    notice = selectors.access_notice(user, notice_id)
    sent = services.notice_remind(actor=user, notice=notice)
    return {"messages": sent, "pending": notice.recipients.filter(acknowledged_at__isnull=True).count()}


@router.get(
    "/notices/{notice_id}/attachments/{attachment_id}",
    response=ERRORS,
    summary="An attachment of the notice",
    openapi_extra=_binary("The file, as an attachment", *(kind.content_type for kind in ACCEPTED_KINDS)),
)
def download_notice_attachment(request: HttpRequest, notice_id: Path[Id], attachment_id: Path[Id]) -> object:
    notice = selectors.access_notice(api_user(request), notice_id)
    attachment = notice.attachments.filter(pk=attachment_id).first()
    if attachment is None:
        raise NotFound()
    response = FileResponse(attachment.file.open("rb"), content_type=attachment.content_type)
    response["Content-Disposition"] = (
        content_disposition_header(True, attachment.original_name) or "attachment"
    )
    response["Content-Length"] = str(attachment.size)
    protect_stored_file(response)
    return response


# --- inspections --------------------------------------------------------------------------------


@router.get(
    "/inspections",
    response={200: list[InspectionListOut], **ERRORS},
    summary="Inspections (督查) of units in the caller's subtree, newest visit first",
)
@paginate
def list_inspections(request: HttpRequest, filters: Query[InspectionFilter]) -> object:
    user = api_user(request)
    plan = selectors.access_plan(user, filters.plan) if filters.plan is not None else None
    return selectors.inspection_list(user=user, plan=plan)


@router.post(
    "/inspections",
    response={201: InspectionOut, **ERRORS},
    summary="Record an inspection visit with its findings (a problem needs a correction and its deadline)",
)
def create_inspection(request: HttpRequest, payload: InspectionIn) -> object:
    user = api_user(request)
    plan = selectors.access_plan(user, payload.plan) if payload.plan is not None else None
    inspection = services.inspection_record(
        actor=user,
        unit=access_unit(user, payload.unit),
        visited_on=payload.visited_on,
        inspectors=payload.inspectors,
        findings=_findings(plan, payload.findings),
        plan=plan,
        summary=payload.summary,
    )
    return Status(201, inspection_detail(user, inspection.pk))


@router.get("/inspections/{inspection_id}", response={200: InspectionOut, **ERRORS}, summary="One inspection")
def get_inspection(request: HttpRequest, inspection_id: Path[Id]) -> object:
    return inspection_detail(api_user(request), inspection_id)


@router.post(
    "/inspections/{inspection_id}/findings/{finding_id}/correct",
    response={200: FindingOut, **ERRORS},
    summary="Report a required correction done (the inspected unit)",
)
def correct_inspection_finding(
    request: HttpRequest, inspection_id: Path[Id], finding_id: Path[Id], payload: CorrectIn
) -> object:
    user = api_user(request)
    inspection = selectors.access_inspection(user, inspection_id)
    finding = selectors.access_finding(user, inspection, finding_id)
    return services.finding_correct(actor=user, finding=finding, note=payload.note)


@router.get(
    "/inspections/{inspection_id}/report.docx",
    response=ERRORS,
    summary="The inspection report as .docx",
    openapi_extra=_binary("The report", DOCX_CONTENT_TYPE),
)
def download_inspection_report(request: HttpRequest, inspection_id: Path[Id]) -> HttpResponse:
    inspection = inspection_detail(api_user(request), inspection_id)
    return download_response(inspection_docx(inspection), inspection_filename(inspection), DOCX_CONTENT_TYPE)


# --- assessments --------------------------------------------------------------------------------


@router.post(
    "/plans/{plan_id}/assessments",
    response={201: AssessmentOut, **ERRORS},
    summary="Compute every responsible unit's score for the plan's period (400 weights_invalid)",
)
def compute_plan_assessment(request: HttpRequest, plan_id: Path[Id], payload: AssessmentIn) -> object:
    user = api_user(request)
    plan = selectors.access_plan(user, plan_id)
    weights = DEFAULT_WEIGHTS if payload.weights is None else payload.weights
    assessment = assessment_compute(actor=user, plan=plan, weights=weights)
    return Status(201, assessment_detail(*_latest(user, assessment.plan_id)))


@router.get(
    "/plans/{plan_id}/assessments/latest",
    response={200: AssessmentOut, **ERRORS},
    summary="The plan's latest assessment: the ranking with each unit's parts and their derivation",
)
def get_latest_assessment(request: HttpRequest, plan_id: Path[Id]) -> object:
    return assessment_detail(*_latest(api_user(request), plan_id))


@router.get(
    "/plans/{plan_id}/assessments/latest/export.xlsx",
    response=ERRORS,
    summary="The latest assessment's ranking and derivation as .xlsx",
    openapi_extra=_binary("The table", XLSX_CONTENT_TYPE),
)
def export_latest_assessment(request: HttpRequest, plan_id: Path[Id]) -> HttpResponse:
    assessment, scores = _latest(api_user(request), plan_id)
    return download_response(
        assessment_xlsx(assessment, scores), assessment_filename(assessment), XLSX_CONTENT_TYPE
    )


@router.get(
    "/assessments/year",
    response={200: YearOut, **ERRORS},
    summary="A unit's plans of a year with each unit's scores and their average",
)
def get_assessment_year(request: HttpRequest, query: Query[YearQuery]) -> object:
    user = api_user(request)
    require(user, Action.ASSESSMENT_VIEW)
    owner = _home_unit(user, query.owner)
    year = query.year or beijing_date(timezone.now()).year
    plans, rows = selectors.assessment_year(user=user, owner=owner, year=year)
    return {
        "owner": owner,
        "year": year,
        "plans": plans,
        "rows": [
            {
                "unit": row.unit,
                "scores": [{"plan_id": pk, "total": total} for pk, total in row.scores.items()],
                "average": row.average,
            }
            for row in rows
        ],
    }
