"""The plans demo: what ``load_demo`` adds for 河坝镇, that its evidence is the other demos' data,
and that it loads once.

One test loads the core demo and every domain demo (there is no module-scoped database fixture), on
2026-03-10 09:00: the plan's period is 2026-02-17 to 2026-03-14, last year's 2025-02-17 to 03-14.
"""

from io import StringIO
from typing import Any

import pytest
import time_machine
from django.core.management import call_command
from django.utils import translation

from zhenwu.core.choices import Role
from zhenwu.core.localtime import beijing_date
from zhenwu.core.models import AuditEvent, Unit, User
from zhenwu.plans.assessment import DEFAULT_WEIGHTS
from zhenwu.plans.choices import (
    Body,
    Component,
    EvidenceKind,
    NoticeKind,
    PlanRole,
    PlanStatus,
    RecordSource,
    TaskState,
)
from zhenwu.plans.grid import task_grid
from zhenwu.plans.models import (
    Assessment,
    AssessmentScore,
    Inspection,
    InspectionFinding,
    Notice,
    NoticeRecipient,
    PlanTask,
    TaskEvidence,
    WorkPlan,
)
from zhenwu.plans.selectors import pending_notices
from zhenwu.plans.tests.factories import D, at

pytestmark = pytest.mark.django_db

#: Words of the purposes the README excludes; no demo text may carry them (as in the other demos).
EXCLUDED_WORDS = ("重点人员", "稳控", "劝返", "越级", "行踪", "盯守", "截访")
VILLAGES = ("HB-01", "HB-02", "HB-03", "HB-04", "HB-05", "HB-06", "HB-07")


def load() -> str:
    """Run ``load_demo`` with its messages in English (the site's default is Chinese)."""
    out = StringIO()
    with translation.override("en"):
        call_command("load_demo", stdout=out)
    return out.getvalue()


def state_of_everything() -> dict[str, Any]:
    return {
        "plans": list(WorkPlan.objects.order_by("pk").values_list("pk", "status", "updated_at")),
        "tasks": PlanTask.objects.count(),
        "notices": Notice.objects.count(),
        "recipients": list(
            NoticeRecipient.objects.order_by("pk").values_list("pk", "first_read_at", "acknowledged_at")
        ),
        "evidence": TaskEvidence.objects.count(),
        "inspections": Inspection.objects.count(),
        "findings": list(InspectionFinding.objects.order_by("pk").values_list("pk", "corrected_at")),
        "assessments": Assessment.objects.count(),
        "scores": AssessmentScore.objects.count(),
        "audit": AuditEvent.objects.count(),
    }


def demo_texts() -> list[str]:
    rows: list[tuple[str, ...]] = []
    rows += WorkPlan.objects.values_list("title", "background", "goals", "addressees", "cc")
    rows += PlanTask.objects.values_list("title", "description")
    rows += Notice.objects.values_list("title", "body")
    rows += InspectionFinding.objects.values_list("item_text", "note", "correction", "correction_note")
    rows += Inspection.objects.values_list("summary", "inspectors")
    return [text for row in rows for text in row]


def test_demo_runs_a_plan_cycle_on_the_other_demos_data_and_loads_once(
    clock: time_machine.Traveller,
) -> None:
    clock.move_to(at("2026-03-10", 9))
    today = D(2026, 3, 10)
    out = load()
    assert (
        "Demo plans: 2 work plans (this year's copied from last year's) with 6 tasks, 2 notices "
        "acknowledged by 7 of 14 units, 5 evidence documents, 2 inspections, an assessment of 8 units."
    ) in out
    township = Unit.objects.get(code="HB")
    units = {u.code: u for u in Unit.objects.filter(code__in=(*VILLAGES, "HB"))}

    # This year's plan was copied from last year's, with every date shifted by the same amount.
    plan = WorkPlan.objects.get(title="河坝镇2026年全国两会期间安全稳定工作方案")
    last = WorkPlan.objects.get(title="河坝镇2025年全国两会期间安全稳定工作方案")
    assert plan.copied_from == last and plan.owner_unit == township == last.owner_unit
    assert (plan.doc_number, plan.status) == ("镇发〔2026〕3号", PlanStatus.ISSUED)
    assert (plan.starts_on, plan.ends_on, plan.issued_on) == (D(2026, 2, 17), D(2026, 3, 14), D(2026, 2, 14))
    assert (last.starts_on, last.ends_on, last.status) == (D(2025, 2, 17), D(2025, 3, 14), PlanStatus.ISSUED)
    assert "2026年" in plan.background and "2025年" in last.background
    shift = plan.starts_on - last.starts_on
    assert [t.due_on and t.due_on - shift for t in plan.tasks.all()] == [t.due_on for t in last.tasks.all()]

    # A leading group and its office; one member more than last year.
    members = list(plan.members.all())
    assert [m.post for m in members if m.role == PlanRole.LEADER] == ["镇党委书记"]
    assert {m.role for m in members if m.body == Body.OFFICE} == {PlanRole.DIRECTOR, PlanRole.LIAISON}
    assert len(members) == last.members.count() + 1
    assert all(m.name for m in members)

    # Three working groups, six measures with every kind of evidence, a checklist.
    assert list(plan.groups.values_list("name", flat=True)) == ["综合协调督导组", "应急处置组", "后勤保障组"]
    assert all(g.duties and g.lead for g in plan.groups.all())
    tasks = list(plan.tasks.select_related("report_type").prefetch_related("units"))
    assert len(tasks) == 6
    assert {t.evidence for t in tasks} == set(EvidenceKind.values)
    assert plan.checklist.count() == 7

    # Issued to the seven villages and communities: four acknowledged, one only opened it.
    notice = plan.notices.get(kind=NoticeKind.PLAN)
    recipients = {r.unit.code: r for r in notice.recipients.select_related("unit", "acknowledged_by")}
    assert set(recipients) == set(VILLAGES)
    acknowledged = {code for code, r in recipients.items() if r.acknowledged_at is not None}
    assert acknowledged == {"HB-01", "HB-02", "HB-03", "HB-07"}
    assert notice.acknowledge_by is not None
    for code in acknowledged:
        r = recipients[code]
        assert r.acknowledged_by is not None and r.acknowledged_by.role == Role.REPORTER
        assert r.acknowledged_by.unit == r.unit
        assert r.acknowledged_at is not None and r.acknowledged_at <= notice.acknowledge_by
    assert recipients["HB-01"].acknowledged_by == User.objects.get(username="hb_reporter")
    read_only = recipients["HB-05"]
    assert read_only.first_read_at is not None and read_only.acknowledged_at is None
    assert recipients["HB-04"].first_read_at is None

    # The meeting notice, with its agenda: 河东村 has yet to acknowledge it.
    meeting = Notice.objects.get(kind=NoticeKind.MEETING)
    assert meeting.attachments.get().original_name.endswith(".txt")
    assert meeting.acknowledge_by is not None and meeting.acknowledge_by > at("2026-03-10", 9)
    assert meeting.recipients.filter(acknowledged_at__isnull=False).count() == 3
    hb_reporter = User.objects.get(username="hb_reporter")
    assert [r.notice for r in pending_notices(user=hb_reporter)] == [meeting]

    # The grid: the evidence is the other demos' data, done by some units and not by others.
    grid = task_grid(plan, today=today)
    by_kind = {(t.evidence, t.record_source): t for t in tasks}

    def state(evidence: str, code: str, source: str = "") -> str | None:
        cell = grid.cell(by_kind[(evidence, source)], units[code])
        return cell.state if cell else None

    assert state(EvidenceKind.ROSTER, "HB") == TaskState.DONE  # the duty demo's roster
    assert state(EvidenceKind.ROSTER, "HB-01") is None  # the township's own duty
    patrols = {c: state(EvidenceKind.RECORD_COUNT, c, RecordSource.PATROLS) for c in VILLAGES}
    assert {c for c, s in patrols.items() if s == TaskState.DONE} == {"HB-01", "HB-02", "HB-03"}
    disputes = {c: state(EvidenceKind.RECORD_COUNT, c, RecordSource.DISPUTES) for c in VILLAGES}
    assert {c for c, s in disputes.items() if s == TaskState.DONE} == {"HB-01"}
    hazards = {c: state(EvidenceKind.RECORD_COUNT, c, RecordSource.HAZARDS) for c in VILLAGES}
    assert {c for c, s in hazards.items() if s == TaskState.DONE} == {"HB-01", "HB-02", "HB-06", "HB-07"}
    reports = {c: state(EvidenceKind.REPORT, c) for c in VILLAGES}
    assert {c for c, s in reports.items() if s != TaskState.DONE} == {"HB-04", "HB-05"}
    documents = {c: state(EvidenceKind.DOCUMENT, c) for c in VILLAGES}
    assert documents["HB-01"] == TaskState.IN_PROGRESS  # every past week sent
    assert documents["HB-03"] == TaskState.OVERDUE  # missed the second week
    assert TaskEvidence.objects.filter(unit=units["HB-01"]).count() == 3
    assert set(documents.values()) == {TaskState.IN_PROGRESS, TaskState.OVERDUE}

    # Two inspections: one problem corrected on time, one still open past its deadline.
    problems = InspectionFinding.objects.filter(result="problem").select_related("inspection__unit")
    corrected = problems.get(inspection__unit__code="HB-03")
    assert corrected.corrected_at is not None and corrected.correction_due is not None
    assert beijing_date(corrected.corrected_at) <= corrected.correction_due
    still_open = problems.get(inspection__unit__code="HB-04")
    assert still_open.corrected_at is None
    assert still_open.correction_due is not None and still_open.correction_due < today
    assert all(f.item is not None for f in InspectionFinding.objects.all())

    # The assessment: a score for every village (and the township, named in the duty measure),
    # each with the derivation of every component; no component counts petitioners.
    assessment = plan.assessments.get()
    assert assessment.weights == DEFAULT_WEIGHTS
    scores = {s.unit.code: s for s in assessment.scores.select_related("unit")}
    assert set(scores) == {*VILLAGES, "HB"}
    for score in scores.values():
        assert [p["key"] for p in score.parts] == list(Component.values)
        assert all(p["derivation"] for p in score.parts)
        assert 0 <= score.total <= 100
        scaled = [float(p["scaled_weight"]) for p in score.parts if p["scaled_weight"] is not None]
        assert round(sum(scaled)) == 100
    assert any(p["scaled_weight"] is None for p in scores["HB-04"].parts)  # scaled away
    assert len({s.total for s in scores.values()}) > 3
    assert scores["HB-01"].total > scores["HB-04"].total

    # Only the units' work: no text serves a purpose the README excludes.
    assert not [text for text in demo_texts() if any(word in text for word in EXCLUDED_WORDS)]

    # Loading again changes nothing, not even the audit log.
    before = state_of_everything()
    clock.move_to(at("2026-03-11", 12))
    assert "Demo plans: already there." in load()
    assert state_of_everything() == before
