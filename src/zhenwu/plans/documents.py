"""The plans app's documents as .docx in the GB/T 9704 layout (``core.documents``).

- the notice issuing a work plan (印发通知) with the plan attached (附件), rendered entirely from the
  plan's rows: editing the plan and generating again gives the new text;
- the inspection report (督查情况报告): what was checked at a unit, what was found, the corrections
  required and how far they have been made.

Decisions the standard leaves to the issuing body:

* the notice's red header is the plan's issuing bodies, joint issuers one per line (the ``issuer``
  field separates them with spaces); the number line is the plan's document number, if any;
* a plan not yet issued is a draft: "（征求意见稿）" under the notice's and the plan's titles, and it
  is dated the day it is generated; an issued plan is dated the day it was issued;
* the plan has four numbered parts: 一、总体要求 (background, goals and the period),
  二、组织领导 (the leading group, its office and the working groups), 三、工作措施 (each task
  with its responsible units, time limit and evidence) and 四、工作要求 (a standard closing); a part
  or sub-part with nothing in it is left out and the others are numbered on;
* the inspection report is the plan's unit's report to its leaders: no red header and no number,
  addressed to the unit's principal leaders, copied to the inspected unit, dated the day it is
  generated (the state of the corrections is as of that day).

Like the other documents, the wording is Chinese data, not translatable interface text: these are
official documents in the township's language whatever language the person printing them reads the
pages in. Only the file names are interface text.
"""

import datetime
import re
from collections.abc import Sequence

from django.utils.translation import gettext as _

from zhenwu.core.choices import UnitKind
from zhenwu.core.documents import (
    Appendix,
    Block,
    Heading,
    OfficialDocument,
    chinese_date,
    chinese_numeral,
    local_date,
    render_docx,
    today,
)
from zhenwu.core.models import Unit
from zhenwu.plans.choices import (
    Body,
    EvidenceKind,
    FindingResult,
    PlanRole,
    PlanStatus,
    RecordSource,
    Recurrence,
)
from zhenwu.plans.models import Inspection, InspectionFinding, PlanMember, PlanTask, WorkingGroup, WorkPlan

DRAFT_MARK = "（征求意见稿）"
#: What "all villages" is called in a plan.
ALL_VILLAGES = "各村（社区）"

ROLE_WORDS: dict[str, str] = {
    PlanRole.LEADER: "组长",
    PlanRole.DEPUTY: "副组长",
    PlanRole.MEMBER: "成员",
    PlanRole.DIRECTOR: "办公室主任",
    PlanRole.LIAISON: "联络员",
}
#: The order in which each body's roles are listed.
BODY_ORDER: dict[str, tuple[str, ...]] = {
    Body.LEADING_GROUP: (PlanRole.LEADER, PlanRole.DEPUTY, PlanRole.MEMBER),
    Body.OFFICE: (PlanRole.DIRECTOR, PlanRole.LIAISON, PlanRole.MEMBER),
}

RECURRENCE_WORDS: dict[str, str] = {Recurrence.WEEKLY: "每周", Recurrence.MONTHLY: "每月"}

#: The ledger whose records count, as the plan names them.
RECORD_WORDS: dict[str, str] = {
    RecordSource.PATROLS: "巡逻记录",
    RecordSource.HAZARDS: "隐患排查记录",
    RecordSource.HAZARDS_RECTIFIED: "隐患整改验收记录",
    RecordSource.DISPUTES: "矛盾纠纷排查登记记录",
    RecordSource.FOLLOW_UPS: "回访记录",
}

#: 四、工作要求: the standard closing of a plan.
REQUIREMENTS: tuple[tuple[str, str], ...] = (
    (
        "加强组织领导",
        "各责任单位要高度重视，主要负责同志亲自抓，明确专人负责，细化工作措施，确保各项工作落到实处。",
    ),
    (
        "按时报送进展",
        "各责任单位要按照完成时限，在系统中及时签收通知、报送工作进展和佐证材料，确保数据真实、准确、完整。",
    ),
    (
        "强化督查考核",
        "领导小组办公室对各项措施落实情况进行督查，督查发现的问题限期整改，落实情况纳入考核。",
    ),
)

FINDING_WORDS: dict[str, str] = {FindingResult.OK: "符合要求", FindingResult.PROBLEM: "存在问题"}

#: Characters a file name cannot hold on some system (and control characters).
_UNSAFE_NAME = re.compile(r'[\\/:*?"<>|\x00-\x1f\x7f]+')


# --- words ---------------------------------------------------------------------------------------


def _lines(text: str) -> str:
    """A text field as one paragraph per non-empty line (the writer splits on newlines)."""
    return "\n".join(line.strip() for line in text.splitlines() if line.strip())


def _labelled(label: str, text: str) -> str:
    """标签：text, the label on the first line of a text that may have several."""
    return f"{label}：{_lines(text)}"


def _period(starts_on: datetime.date, ends_on: datetime.date) -> str:
    return f"{chinese_date(starts_on)}至{chinese_date(ends_on)}"


def file_name_part(text: str, fallback: str) -> str:
    """``text`` without the characters a file name cannot hold, at most 80 of them; else ``fallback``."""
    name = _UNSAFE_NAME.sub("", text).strip()[:80]
    return name or fallback


Section = tuple[str, list[Block]]


def _numbered(sections: Sequence[Section], *, level: int) -> list[Block]:
    """Headings numbered 一、二、 (level 1) or （一）（二） (level 2); empty sections are left out."""
    blocks: list[Block] = []
    kept = [(title, body) for title, body in sections if body]
    for index, (title, body) in enumerate(kept, start=1):
        number = chinese_numeral(index)
        text = f"{number}、{title}" if level == 1 else f"（{number}）{title}"
        blocks += [Heading(text, level=level), *body]
    return blocks


# --- the plan ------------------------------------------------------------------------------------


def _person(member: PlanMember) -> str:
    return f"{member.name}（{member.post}）" if member.post else member.name


def _body_lines(members: Sequence[PlanMember], body: str) -> list[Block]:
    """组长：刘强（镇党委书记） — one line per role, people of a role in their order."""
    lines: list[Block] = []
    for role in BODY_ORDER[body]:
        people = [_person(m) for m in members if m.body == body and m.role == role]
        if people:
            lines.append(f"{ROLE_WORDS[role]}：{'、'.join(people)}")
    return lines


def _group_blocks(groups: Sequence[WorkingGroup]) -> list[Block]:
    if not groups:
        return []
    count = "两" if len(groups) == 2 else chinese_numeral(len(groups))  # 两个, never 二个
    blocks: list[Block] = [f"领导小组下设{count}个工作组，具体如下："]
    for index, group in enumerate(groups, start=1):
        blocks.append(Heading(f"{index}. {group.name}", level=3))
        blocks.append(f"组长：{group.lead}")
        if group.members.strip():
            blocks.append(f"成员：{group.members.strip()}")
        blocks.append(_labelled("职责", group.duties))
    return blocks


def _organisation(plan: WorkPlan) -> list[Block]:
    members = list(plan.members.order_by("order", "id"))
    leading = _body_lines(members, Body.LEADING_GROUP)
    office = _body_lines(members, Body.OFFICE)
    return _numbered(
        [
            ("领导小组", ["成立工作领导小组，组成人员如下：", *leading] if leading else []),
            (
                "领导小组办公室",
                ["领导小组下设办公室，负责日常组织协调、督促检查和信息汇总工作。", *office] if office else [],
            ),
            ("工作组", _group_blocks(list(plan.groups.order_by("order", "id")))),
        ],
        level=2,
    )


def _responsible(task: PlanTask) -> str:
    if task.all_units:
        return ALL_VILLAGES
    return "、".join(unit.name for unit in task.units.all())


def _time_limit(task: PlanTask) -> str:
    """2026年3月10日前 for a one-off task; 每周 / 每月 (to a date when it has one) for a recurring one."""
    if task.recurrence == Recurrence.ONCE:
        return f"{chinese_date(task.due_on)}前" if task.due_on else ""
    words = RECURRENCE_WORDS.get(task.recurrence, "")
    return f"{words}，至{chinese_date(task.due_on)}" if task.due_on else words


def _per(task: PlanTask) -> str:
    return RECURRENCE_WORDS.get(task.recurrence, "")


def _evidence(task: PlanTask) -> str:
    """What counts as having done the task, in the plan's words."""
    if task.evidence == EvidenceKind.REPORT:
        name = task.report_type.name if task.report_type is not None else "报表"
        return f"按时报送《{name}》"
    if task.evidence == EvidenceKind.ROSTER:
        return "在系统中发布实施期间的值班表"
    if task.evidence == EvidenceKind.RECORD_COUNT:
        record = RECORD_WORDS.get(task.record_source, "工作记录")
        return f"在系统中登记{record}，{_per(task)}不少于{task.min_count}条"
    return "在系统中上传工作材料（文件、照片等）"


def _task_blocks(task: PlanTask) -> list[Block]:
    blocks: list[Block] = []
    if task.description.strip():
        blocks.append(_lines(task.description))
    blocks.append(f"责任单位：{_responsible(task)}")
    limit = _time_limit(task)
    if limit:
        blocks.append(f"完成时限：{limit}")
    blocks.append(f"佐证材料：{_evidence(task)}")
    return blocks


def _measures(plan: WorkPlan) -> list[Block]:
    tasks = plan.tasks.select_related("report_type").prefetch_related("units").order_by("order", "id")
    return _numbered([(task.title, _task_blocks(task)) for task in tasks], level=2)


def plan_body(plan: WorkPlan) -> list[Block]:
    """The plan itself: 一、总体要求 二、组织领导 三、工作措施 四、工作要求 (empty parts left out)."""
    general = _numbered(
        [
            ("工作背景", [_lines(plan.background)] if plan.background.strip() else []),
            ("工作目标", [_lines(plan.goals)] if plan.goals.strip() else []),
            ("实施时间", [f"{_period(plan.starts_on, plan.ends_on)}。"]),
        ],
        level=2,
    )
    requirements: list[Block] = []
    for index, (heading, text) in enumerate(REQUIREMENTS, start=1):
        requirements += [Heading(f"（{chinese_numeral(index)}）{heading}", level=2), text]
    return _numbered(
        [
            ("总体要求", general),
            ("组织领导", _organisation(plan)),
            ("工作措施", _measures(plan)),
            ("工作要求", requirements),
        ],
        level=1,
    )


def is_draft(plan: WorkPlan) -> bool:
    return plan.status != PlanStatus.ISSUED


def plan_document(plan: WorkPlan) -> OfficialDocument:
    """The notice issuing ``plan`` with the plan attached (see the module docstring)."""
    draft = is_draft(plan)
    mark = f"\n{DRAFT_MARK}" if draft else ""
    return OfficialDocument(
        header="\n".join(plan.issuer.split()),
        number=plan.doc_number,
        title=f"关于印发《{plan.title}》的通知{mark}",
        addressee=plan.addressees,
        body=[f"现将《{plan.title}》印发给你们，请认真贯彻落实。"],
        attachments=[plan.title],
        issuer=plan.signature or plan.owner_unit.name,
        dated_on=plan.issued_on or today(),
        appendices=[Appendix(title=f"{plan.title}{mark}", body=plan_body(plan))],
        cc=[plan.cc.strip().rstrip("。.")] if plan.cc.strip() else [],
    )


def plan_docx(plan: WorkPlan) -> bytes:
    """The 印发通知 of ``plan`` with the plan attached, as .docx, from the plan's current rows."""
    return render_docx(plan_document(plan))


def plan_filename(plan: WorkPlan) -> str:
    """工作方案-河坝镇…工作方案.docx; the msgid is English."""
    return _("work-plan-%(title)s.docx") % {"title": file_name_part(plan.title, str(plan.pk))}


# --- the inspection report -----------------------------------------------------------------------


def _inspecting_unit(inspection: Inspection) -> Unit:
    """The plan's unit; without a plan, the recorder's unit (or the inspected unit's parent)."""
    if inspection.plan is not None:
        return inspection.plan.owner_unit
    recorder = inspection.recorded_by.unit
    if recorder is not None:
        return recorder
    return inspection.unit.parent or inspection.unit


def _leaders(unit: Unit) -> str:
    return "镇党委、镇政府主要领导" if unit.kind == UnitKind.TOWNSHIP else f"{unit.name}主要领导"


def _correction_state(finding: InspectionFinding, on: datetime.date) -> str:
    if finding.corrected_at is not None:
        corrected_on = local_date(finding.corrected_at)
        late = finding.correction_due is not None and corrected_on > finding.correction_due
        who = finding.corrected_by.get_full_name() if finding.corrected_by is not None else ""
        text = f"已于{chinese_date(corrected_on)}整改{'（逾期）' if late else ''}"
        return text + (f"，{who}报送" if who else "")
    if finding.correction_due is not None and on > finding.correction_due:
        return "尚未整改，已逾期"
    return "尚未整改，整改时限未到"


def _finding_blocks(finding: InspectionFinding, on: datetime.date) -> list[Block]:
    blocks: list[Block] = [f"检查结果：{FINDING_WORDS.get(finding.result, finding.result)}"]
    if finding.note.strip():
        blocks.append(_labelled("发现情况", finding.note))
    if finding.result == FindingResult.PROBLEM:
        blocks.append(_labelled("整改要求", finding.correction))
        if finding.correction_due is not None:
            blocks.append(f"整改时限：{chinese_date(finding.correction_due)}前")
        blocks.append(f"整改情况：{_correction_state(finding, on)}")
        if finding.correction_note.strip():
            blocks.append(_labelled("整改说明", finding.correction_note))
    return blocks


def inspection_document(inspection: Inspection) -> OfficialDocument:
    """The 督查情况报告 of ``inspection`` (see the module docstring)."""
    on = today()
    unit = inspection.unit
    plan = inspection.plan
    owner = _inspecting_unit(inspection)
    findings = list(inspection.findings.select_related("corrected_by").order_by("order", "id"))
    problems = [f for f in findings if f.result == FindingResult.PROBLEM]
    corrected = [f for f in problems if f.corrected_at is not None]
    overdue = [
        f
        for f in problems
        if f.corrected_at is None and f.correction_due is not None and on > f.correction_due
    ]
    subject = f"落实《{plan.title}》情况" if plan is not None else "工作情况"
    basics: list[Block] = [
        f"督查时间：{chinese_date(inspection.visited_on)}",
        f"督查对象：{unit.name}",
        f"督查人员：{inspection.inspectors}",
    ]
    if plan is not None:
        basics.append(f"督查依据：《{plan.title}》")
    basics.append(
        f"督查内容：共检查{len(findings)}项，其中符合要求{len(findings) - len(problems)}项，"
        f"存在问题{len(problems)}项。"
    )
    if inspection.summary.strip():
        basics.append(_labelled("总体情况", inspection.summary))
    if problems:
        remaining = len(problems) - len(corrected)
        state = f"本次督查发现问题{len(problems)}项，截至{chinese_date(on)}，已整改{len(corrected)}项，"
        state += f"尚未整改{remaining}项（其中已逾期{len(overdue)}项）。" if remaining else "已全部整改。"
        corrections: list[Block] = [state]
        if remaining:
            corrections.append(f"请{unit.name}对尚未整改的问题抓紧整改，并及时报送整改情况。")
    else:
        corrections = ["本次督查未发现需要整改的问题。"]
    body: list[Block] = [
        f"{chinese_date(inspection.visited_on)}，{inspection.inspectors}对{unit.name}{subject}进行了督查。"
        "现将督查情况报告如下：",
        *_numbered(
            [
                ("督查基本情况", basics),
                (
                    "检查事项及结果",
                    _numbered([(f.item_text, _finding_blocks(f, on)) for f in findings], level=2),
                ),
                ("整改落实情况", corrections),
            ],
            level=1,
        ),
    ]
    title_subject = f"落实《{plan.title}》" if plan is not None else ""
    return OfficialDocument(
        title=f"关于{unit.name}{title_subject}的督查情况报告",
        addressee=_leaders(owner),
        body=body,
        closing="特此报告。",
        issuer=owner.name,
        dated_on=on,
        cc=[unit.name],
    )


def inspection_docx(inspection: Inspection) -> bytes:
    """The 督查情况报告 of ``inspection`` as .docx."""
    return render_docx(inspection_document(inspection))


def inspection_filename(inspection: Inspection) -> str:
    """督查情况报告-HB-01-20260220.docx; the msgid is English."""
    return _("inspection-report-%(unit)s-%(date)s.docx") % {
        "unit": inspection.unit.code,
        "date": inspection.visited_on.strftime("%Y%m%d"),
    }
