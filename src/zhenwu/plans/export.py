"""An assessment (考核) as an .xlsx workbook: the ranking and each score's derivation.

- sheet 1 "考核排名": rank, unit, total, then one column per weighted component with its points;
- sheet 2 "得分明细": one row per unit and weighted component: the weight, the weight scaled over the
  components measured for the unit, the rate, the points and the derivation kept with the score.

Both start with notes naming the plan, its period, the weights and when and by whom the scores were
computed. A component with nothing to measure for a unit is blank: its weight went to the unit's
other components (``assessment.py``). Headings are interface text (gettext); the sheet titles are
the Chinese names the township files them under. The scores are the rows the caller passes (a
selector's: scoped to what the user may see, with their units), in that order.
"""

import io
from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook

from zhenwu.core.localtime import BEIJING, beijing_date
from zhenwu.core.xlsx import SheetWriter
from zhenwu.plans.choices import Component
from zhenwu.plans.documents import file_name_part
from zhenwu.plans.models import Assessment, AssessmentScore

RANKING_SHEET = "考核排名"
DETAIL_SHEET = "得分明细"
MIN_WIDTH = 8
PERCENT_FORMAT = "0.00%"
POINTS_FORMAT = "0.00"


def weighted_components(assessment: Assessment) -> list[str]:
    """The components with a weight, in the order of ``Component``."""
    return [key for key in Component.values if int(assessment.weights.get(key, 0) or 0) > 0]


def _label(key: str) -> str:
    return str(Component(key).label)


def _notes(assessment: Assessment) -> list[str]:
    plan = assessment.plan
    weights = "; ".join(
        f"{_label(key)} {assessment.weights[key]}%" for key in weighted_components(assessment)
    )
    computed = timezone.localtime(assessment.computed_at, BEIJING).strftime("%Y-%m-%d %H:%M")
    return [
        _("Assessment of “%(plan)s”") % {"plan": plan.title},
        _("Period: %(start)s to %(end)s")
        % {"start": plan.starts_on.isoformat(), "end": plan.ends_on.isoformat()},
        _("Weights: %(weights)s") % {"weights": weights},
        _("Computed at %(time)s by %(person)s")
        % {"time": computed, "person": assessment.computed_by.get_full_name()},
        _(
            "A blank component had nothing to measure for the unit: "
            "its weight was shared among the unit's other components."
        ),
    ]


def _write_notes(writer: SheetWriter, assessment: Assessment) -> None:
    for index, note in enumerate(_notes(assessment)):
        writer.append([note], bold=index == 0, size=14 if index == 0 else None, title=True)
    writer.blank()


def _number(value: Any) -> Decimal | None:
    return None if value is None else Decimal(str(value))


def _parts(score: AssessmentScore) -> dict[str, dict[str, Any]]:
    return {part["key"]: part for part in score.parts if isinstance(part, dict) and "key" in part}


def _format(writer: SheetWriter, columns: Iterable[int], number_format: str) -> None:
    """Format the cells of the row just written in ``columns`` (the writer only formats dates)."""
    for column in columns:
        writer.sheet.cell(row=writer.row, column=column).number_format = number_format


def _ranking_sheet(writer: SheetWriter, assessment: Assessment, scores: Sequence[AssessmentScore]) -> None:
    components = weighted_components(assessment)
    _write_notes(writer, assessment)
    writer.append(
        [
            _("Rank"),
            _("Unit"),
            _("Total"),
            *(f"{_label(key)} ({assessment.weights[key]}%)" for key in components),
        ],
        bold=True,
    )
    header_row = writer.row
    for score in scores:
        parts = _parts(score)
        writer.append(
            [
                score.rank,
                score.unit.name,
                Decimal(score.total),
                *(_number(parts.get(key, {}).get("points")) for key in components),
            ]
        )
        _format(writer, range(3, 4 + len(components)), POINTS_FORMAT)
    writer.finish(freeze=f"C{header_row + 1}")


def _detail_sheet(writer: SheetWriter, assessment: Assessment, scores: Sequence[AssessmentScore]) -> None:
    components = weighted_components(assessment)
    _write_notes(writer, assessment)
    writer.append(
        [
            _("Rank"),
            _("Unit"),
            _("Component"),
            _("Weight (%)"),
            _("Scaled weight (%)"),
            _("Rate"),
            _("Points"),
            _("Derivation"),
        ],
        bold=True,
    )
    header_row = writer.row
    for score in scores:
        parts = _parts(score)
        for key in components:
            part = parts.get(key, {})
            writer.append(
                [
                    score.rank,
                    score.unit.name,
                    _label(key),
                    part.get("weight", assessment.weights.get(key)),
                    _number(part.get("scaled_weight")),
                    _number(part.get("rate")),
                    _number(part.get("points")),
                    part.get("derivation") or None,
                ]
            )
            _format(writer, (5, 7), POINTS_FORMAT)
            _format(writer, (6,), PERCENT_FORMAT)
    writer.finish(freeze=f"D{header_row + 1}")


def assessment_xlsx(assessment: Assessment, scores: Iterable[AssessmentScore]) -> bytes:
    """The ranking and the derivation of ``scores`` (of ``assessment``, with their units) as .xlsx."""
    rows = list(scores)
    workbook = Workbook()
    first = workbook.active
    assert first is not None  # noqa: S101 -- a new workbook always has its first sheet
    first.title = RANKING_SHEET
    _ranking_sheet(SheetWriter(first, min_width=MIN_WIDTH), assessment, rows)
    _detail_sheet(SheetWriter(workbook.create_sheet(DETAIL_SHEET), min_width=MIN_WIDTH), assessment, rows)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def assessment_filename(assessment: Assessment) -> str:
    """考核排名-河坝镇…工作方案-20260302.xlsx; the msgid is English."""
    return _("assessment-%(title)s-%(date)s.xlsx") % {
        "title": file_name_part(assessment.plan.title, str(assessment.plan_id)),
        "date": beijing_date(assessment.computed_at).strftime("%Y%m%d"),
    }
