"""Assessment (考核) pages: the ranking of a plan's latest assessment with the weights that made it,
computing it again with other weights, one unit's derivation, the .xlsx export and a year's view.

Every score is shown with how it was computed (``assessment.py``); nothing here counts residents.
"""

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from zhenwu.core.exceptions import DomainError, NotFound, PermissionRefused
from zhenwu.core.localtime import beijing_date
from zhenwu.core.models import User
from zhenwu.core.scoping import Action, user_can
from zhenwu.core.views.common import (
    PER_PAGE,
    XLSX_CONTENT_TYPE,
    download_response,
    paginate,
    request_user,
    require_action,
)
from zhenwu.plans import assessment as scoring
from zhenwu.plans.choices import Component
from zhenwu.plans.forms import WeightsForm, YearForm
from zhenwu.plans.models import Assessment, AssessmentScore, WorkPlan
from zhenwu.plans.selectors import access_plan, assessment_scores, assessment_year, latest_assessment


def _percent(rate: str | None) -> str:
    """A stored rate ("0.8750") as a percentage ("87.50%")."""
    if rate is None:
        return "—"
    try:
        return f"{(Decimal(rate) * 100).quantize(Decimal('0.01'))}%"
    except InvalidOperation:
        return rate


@dataclass(frozen=True)
class ScoreRow:
    score: AssessmentScore
    points: list[str | None]  # per component, in ``Component`` order


def _score_rows(scores: list[AssessmentScore]) -> list[ScoreRow]:
    rows = []
    for score in scores:
        by_key = {part.get("key"): part.get("points") for part in score.parts}
        rows.append(ScoreRow(score, [by_key.get(key) for key in Component.values]))
    return rows


def _latest(plan: WorkPlan) -> Assessment:
    assessment = latest_assessment(plan)
    if assessment is None:
        raise NotFound(_("The plan has not been assessed yet."))
    return assessment


def _page(
    request: HttpRequest, user: User, plan: WorkPlan, *, form: WeightsForm | None = None, status: int = 200
) -> HttpResponse:
    assessment = latest_assessment(plan)
    can_compute = user_can(user, Action.ASSESSMENT_MANAGE, plan.owner_unit)
    if form is None and can_compute:
        form = WeightsForm(weights=dict(assessment.weights) if assessment else None)
    page_obj = paginate(request, assessment_scores(user=user, assessment=assessment)) if assessment else None
    scores = [s for s in page_obj if isinstance(s, AssessmentScore)] if page_obj else []
    weights = dict(assessment.weights) if assessment else {}
    return render(
        request,
        "plans/assessment.html",
        {
            "plan": plan,
            "assessment": assessment,
            "components": [(c.value, c.label, weights.get(c.value, 0)) for c in Component],
            "rows": _score_rows(scores),
            "page_obj": page_obj,
            "form": form,
            "weights_sum": form.shown_sum() if form is not None else None,
        },
        status=status,
    )


@require_safe
@require_action(Action.ASSESSMENT_VIEW)
def assessment_view(request: HttpRequest, pk: int) -> HttpResponse:
    """The ranking of the plan's latest assessment; the office computes it (again) with its weights."""
    user = request_user(request)
    return _page(request, user, access_plan(user, pk))


@require_POST
@require_action(Action.ASSESSMENT_MANAGE)
def assess_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Compute the scores of every responsible unit with the weights posted (they add up to 100)."""
    user = request_user(request)
    plan = access_plan(user, pk)
    if not user_can(user, Action.ASSESSMENT_MANAGE, plan.owner_unit):
        raise PermissionRefused()
    form = WeightsForm(request.POST)
    if not form.is_valid():
        return _page(request, user, plan, form=form, status=400)
    try:
        scoring.assessment_compute(actor=user, plan=plan, weights=form.weights())
    except (PermissionRefused, NotFound):
        raise
    except DomainError as exc:
        for key, key_messages in exc.errors.items():
            name = key.removeprefix("weights.")
            for message in key_messages:
                form.add_error(name if name in form.fields else None, message)
        if not exc.errors:
            form.add_error(None, str(exc.message))
        return _page(request, user, plan, form=form, status=exc.status)
    messages.success(request, _("The scores are computed."))
    return redirect("plans:assessment", pk=plan.pk)


@dataclass(frozen=True)
class PartRow:
    label: str
    weight: Any
    scaled_weight: str | None
    rate: str
    points: str | None
    derivation: str
    measured: bool


@require_safe
@require_action(Action.ASSESSMENT_VIEW)
def assessment_unit_view(request: HttpRequest, pk: int, unit_id: int) -> HttpResponse:
    """One unit's score: every component with its weight, scaled weight, rate, points and derivation."""
    user = request_user(request)
    plan = access_plan(user, pk)
    assessment = _latest(plan)
    score = assessment_scores(user=user, assessment=assessment).filter(unit_id=unit_id).first()
    if score is None:
        raise NotFound()
    labels = dict(Component.choices)
    parts = [
        PartRow(
            label=str(labels.get(part.get("key"), part.get("label", ""))),
            weight=part.get("weight", 0),
            scaled_weight=part.get("scaled_weight"),
            rate=_percent(part.get("rate")),
            points=part.get("points"),
            derivation=str(part.get("derivation", "")),
            measured=part.get("points") is not None,
        )
        for part in score.parts
    ]
    return render(
        request,
        "plans/assessment_unit.html",
        {"plan": plan, "assessment": assessment, "score": score, "parts": parts},
    )


@require_safe
@require_action(Action.ASSESSMENT_VIEW)
def assessment_export_view(request: HttpRequest, pk: int) -> HttpResponseBase:
    """The ranking with every component as .xlsx (the units the user may see)."""
    from zhenwu.plans import export

    user = request_user(request)
    plan = access_plan(user, pk)
    assessment = _latest(plan)
    scores = list(assessment_scores(user=user, assessment=assessment))
    return download_response(
        export.assessment_xlsx(assessment, scores), export.assessment_filename(assessment), XLSX_CONTENT_TYPE
    )


@require_safe
@require_action(Action.ASSESSMENT_VIEW)
def assessment_year_view(request: HttpRequest) -> HttpResponse:
    """Every assessed plan of a unit in a year, each unit's score per plan and its average."""
    user = request_user(request)
    today = beijing_date(timezone.now())
    form = YearForm(request.GET or None, user=user, initial={"year": today.year, "unit": user.unit_id})
    year, owner, status = today.year, user.unit, 200
    if form.is_bound:
        if form.is_valid():
            year, owner = form.cleaned_data["year"], form.cleaned_data["unit"]
        else:
            owner, status = None, 400
    plans, rows = assessment_year(user=user, owner=owner, year=year) if owner is not None else ([], [])
    page_obj = Paginator(rows, PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "plans/assessment_year.html",
        {
            "form": form,
            "year": year,
            "owner": owner,
            "plans": plans,
            "rows": [(row, [row.scores.get(plan.pk) for plan in plans]) for row in page_obj],
            "page_obj": page_obj,
        },
        status=status,
    )


urlpatterns: list[URLPattern] = [
    path("<int:pk>/assessment/", assessment_view, name="assessment"),
    path("<int:pk>/assessment/compute/", assess_view, name="assess"),
    path("<int:pk>/assessment/<int:unit_id>/", assessment_unit_view, name="assessment_unit"),
    path("<int:pk>/assessment.xlsx", assessment_export_view, name="assessment_export"),
    path("assessment/year/", assessment_year_view, name="assessment_year"),
]
