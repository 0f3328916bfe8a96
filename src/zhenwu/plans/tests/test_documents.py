"""The plan's notice with the plan attached, and the inspection report: built through the services,
read back with python-docx."""

import io

import docx
import time_machine
from django.utils import translation
from docx.document import Document as DocxDocument
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Pt, RGBColor
from docx.text.paragraph import Paragraph

from zhenwu.core.documents import Appendix, Heading, OfficialDocument, render_docx
from zhenwu.plans.choices import Body, EvidenceKind, FindingResult, PlanRole, RecordSource, Recurrence
from zhenwu.plans.documents import inspection_docx, inspection_filename, plan_docx, plan_filename
from zhenwu.plans.models import Inspection, WorkPlan
from zhenwu.plans.services import (
    FindingIn,
    GroupIn,
    MemberIn,
    TaskIn,
    finding_correct,
    inspection_record,
    plan_issue,
    plan_members_set,
    plan_update,
    task_add,
    working_groups_set,
)
from zhenwu.plans.tests import factories
from zhenwu.plans.tests.factories import D, at
from zhenwu.testing.world import World

TITLE = "河坝镇全国两会期间安全稳定工作方案"
MEMBERS = [
    MemberIn(Body.LEADING_GROUP, PlanRole.LEADER, "刘强", "镇党委书记"),
    MemberIn(Body.LEADING_GROUP, PlanRole.DEPUTY, "孙丽", "镇长"),
    MemberIn(Body.LEADING_GROUP, PlanRole.DEPUTY, "郑伟", "镇党委副书记"),
    MemberIn(Body.LEADING_GROUP, PlanRole.MEMBER, "周涛", "副镇长"),
    MemberIn(Body.LEADING_GROUP, PlanRole.MEMBER, "钱进"),
    MemberIn(Body.OFFICE, PlanRole.DIRECTOR, "王小红", "党政办主任"),
    MemberIn(Body.OFFICE, PlanRole.LIAISON, "吴敏", "党政办干部"),
]
GROUPS = [
    GroupIn("综合协调督导组", "孙丽", "统筹协调、督促检查各项措施落实", "吴敏、钱进"),
    GroupIn("应急处置组", "周涛", "突发事件先期处置"),
]


def new_plan(world: World, **kw: object) -> WorkPlan:
    """The factories' draft (the clock is the conftest's: 2026-02-20 09:00), with every text filled in."""
    args: dict[str, object] = {
        "title": TITLE,
        "background": "全国两会即将召开。\n为确保会议期间全镇社会大局稳定，制定本方案。",
        "goals": "确保不发生重大安全事故和群体性事件。",
        "cc": "县委办，县政府办",
        "signature": "中共河坝镇委员会 河坝镇人民政府",
    }
    args.update(kw)
    return factories.new_plan(world, **args)


def full_plan(world: World) -> WorkPlan:
    """A leading group with its office, two working groups and four measures of every kind of timing."""
    office = world.user("office")
    plan = new_plan(world)
    plan_members_set(actor=office, plan=plan, members=MEMBERS)
    working_groups_set(actor=office, plan=plan, groups=GROUPS)
    tasks = [
        TaskIn(
            "落实24小时值班和领导带班",
            EvidenceKind.ROSTER,
            description="严格执行24小时值班制度。\n带班领导在岗在位。",
            all_units=True,
            recurrence=Recurrence.WEEKLY,
        ),
        TaskIn(
            "开展夜间防火巡逻",
            EvidenceKind.RECORD_COUNT,
            all_units=True,
            recurrence=Recurrence.WEEKLY,
            record_source=RecordSource.PATROLS,
            min_count=2,
        ),
        TaskIn(
            "开展矛盾纠纷排查",
            EvidenceKind.RECORD_COUNT,
            units=[world.village2, world.village],
            due_on=D(2026, 3, 10),
            record_source=RecordSource.DISPUTES,
        ),
        TaskIn("报送工作方案落实情况", EvidenceKind.DOCUMENT, units=[world.village], due_on=D(2026, 3, 5)),
    ]
    for data in tasks:
        task_add(actor=office, plan=plan, data=data)
    return plan


def read(content: bytes) -> DocxDocument:
    return docx.Document(io.BytesIO(content))


def texts(doc: DocxDocument) -> list[str]:
    return [p.text for p in doc.paragraphs if p.text]


def paragraph(doc: DocxDocument, text: str) -> Paragraph:
    return next(p for p in doc.paragraphs if p.text == text)


def east_asian_font(paragraph: Paragraph) -> set[str]:
    faces = set()
    for run in paragraph.runs:
        rpr = run._r.rPr
        assert rpr is not None and rpr.rFonts is not None
        faces.add(str(rpr.rFonts.get(qn("w:eastAsia"))))
    return faces


def between(lines: list[str], first: str, last: str) -> list[str]:
    return lines[lines.index(first) + 1 : lines.index(last)]


# --- the plan ------------------------------------------------------------------------------------


def test_the_notice_in_the_official_layout(world: World) -> None:
    plan = full_plan(world)
    doc = read(plan_docx(plan))
    lines = texts(doc)
    section = doc.sections[0]
    assert section.page_width is not None and abs(section.page_width.mm - 210) < 0.05
    assert section.top_margin is not None and abs(section.top_margin.mm - 37) < 0.05

    # The joint issuers stacked in red, the number, the title marked as a draft, the addressees.
    header = doc.paragraphs[0]
    assert header.text == "中共河坝镇委员会\n河坝镇人民政府"
    assert {r.font.color.rgb for r in header.runs} == {RGBColor(0xFF, 0, 0)}
    title = f"关于印发《{TITLE}》的通知\n（征求意见稿）"
    assert lines[:4] == [header.text, "镇发〔2026〕3号", title, "各村（社区），镇直各单位："]
    assert paragraph(doc, "镇发〔2026〕3号")._p.xpath("w:pPr/w:pBdr/w:bottom/@w:color") == ["FF0000"]
    heading = paragraph(doc, title)
    assert heading.alignment == WD_ALIGN_PARAGRAPH.CENTER and {r.font.size for r in heading.runs} == {Pt(22)}

    # The short body, the attachment note, the signature over the date (a draft: today).
    signature = "中共河坝镇委员会 河坝镇人民政府"
    assert lines[4:8] == [
        f"现将《{TITLE}》印发给你们，请认真贯彻落实。",
        f"附件：{TITLE}",
        signature,
        "2026年2月20日",
    ]
    assert paragraph(doc, "2026年2月20日").alignment == WD_ALIGN_PARAGRAPH.RIGHT

    # The plan on a new page, "附件" at the top left in 黑体, its title centred.
    label = paragraph(doc, "附件")
    assert lines[8] == "附件" and label.paragraph_format.page_break_before
    assert label.alignment == WD_ALIGN_PARAGRAPH.LEFT and east_asian_font(label) == {"黑体"}
    assert lines[9] == f"{TITLE}\n（征求意见稿）"
    assert paragraph(doc, lines[9]).alignment == WD_ALIGN_PARAGRAPH.CENTER

    # The CC line closes the document (版记), after the plan.
    assert lines[-1] == "抄送：县委办，县政府办。"
    assert {r.font.size for r in paragraph(doc, lines[-1]).runs} == {Pt(14)}
    assert doc.core_properties.author == signature


def test_the_plan_has_numbered_parts_with_the_leading_group_groups_and_tasks(world: World) -> None:
    plan = full_plan(world)
    doc = read(plan_docx(plan))
    lines = texts(doc)
    parts = ["一、总体要求", "二、组织领导", "三、工作措施", "四、工作要求"]
    positions = [lines.index(p) for p in parts]
    assert positions == sorted(positions) and positions[0] > lines.index("附件")
    for part in parts:
        assert east_asian_font(paragraph(doc, part)) == {"黑体"}

    assert between(lines, "一、总体要求", "二、组织领导") == [
        "（一）工作背景",
        "全国两会即将召开。",
        "为确保会议期间全镇社会大局稳定，制定本方案。",
        "（二）工作目标",
        "确保不发生重大安全事故和群体性事件。",
        "（三）实施时间",
        "2026年2月25日至2026年3月16日。",
    ]
    assert east_asian_font(paragraph(doc, "（一）工作背景")) == {"楷体_GB2312"}

    assert between(lines, "二、组织领导", "三、工作措施") == [
        "（一）领导小组",
        "成立工作领导小组，组成人员如下：",
        "组长：刘强（镇党委书记）",
        "副组长：孙丽（镇长）、郑伟（镇党委副书记）",
        "成员：周涛（副镇长）、钱进",
        "（二）领导小组办公室",
        "领导小组下设办公室，负责日常组织协调、督促检查和信息汇总工作。",
        "办公室主任：王小红（党政办主任）",
        "联络员：吴敏（党政办干部）",
        "（三）工作组",
        "领导小组下设两个工作组，具体如下：",
        "1. 综合协调督导组",
        "组长：孙丽",
        "成员：吴敏、钱进",
        "职责：统筹协调、督促检查各项措施落实",
        "2. 应急处置组",
        "组长：周涛",
        "职责：突发事件先期处置",
    ]
    assert east_asian_font(paragraph(doc, "1. 综合协调督导组")) == {"仿宋_GB2312"}

    assert between(lines, "三、工作措施", "四、工作要求") == [
        "（一）落实24小时值班和领导带班",
        "严格执行24小时值班制度。",
        "带班领导在岗在位。",
        "责任单位：各村（社区）",
        "完成时限：每周",
        "佐证材料：在系统中发布实施期间的值班表",
        "（二）开展夜间防火巡逻",
        "责任单位：各村（社区）",
        "完成时限：每周",
        "佐证材料：在系统中登记巡逻记录，每周不少于2条",
        "（三）开展矛盾纠纷排查",
        "责任单位：河东村、河西村",  # in the order of the unit tree
        "完成时限：2026年3月10日前",
        "佐证材料：在系统中登记矛盾纠纷排查登记记录，不少于1条",
        "（四）报送工作方案落实情况",
        "责任单位：河东村",
        "完成时限：2026年3月5日前",
        "佐证材料：在系统中上传工作材料（文件、照片等）",
    ]
    closing = between(lines, "四、工作要求", "抄送：县委办，县政府办。")
    assert closing[0] == "（一）加强组织领导" and "（三）强化督查考核" in closing


def test_editing_the_plan_and_generating_again_gives_the_new_text(world: World) -> None:
    office = world.user("office")
    plan = full_plan(world)
    before = texts(read(plan_docx(plan)))
    assert "组长：刘强（镇党委书记）" in before
    members = [MemberIn(Body.LEADING_GROUP, PlanRole.LEADER, "陈刚", "镇长"), *MEMBERS[1:]]
    plan_members_set(actor=office, plan=plan, members=members)
    task_add(
        actor=office,
        plan=plan,
        data=TaskIn(
            "开展安全隐患排查",
            EvidenceKind.RECORD_COUNT,
            units=[world.village2],
            recurrence=Recurrence.MONTHLY,
            due_on=D(2026, 3, 15),
            record_source=RecordSource.HAZARDS,
        ),
    )
    plan_update(actor=office, plan=plan, title="河坝镇两会安保工作方案", doc_number="镇发〔2026〕5号", cc="")
    plan.refresh_from_db()
    lines = texts(read(plan_docx(plan)))
    assert "组长：陈刚（镇长）" in lines and "组长：刘强（镇党委书记）" not in lines
    assert lines[1:3] == ["镇发〔2026〕5号", "关于印发《河坝镇两会安保工作方案》的通知\n（征求意见稿）"]
    assert "附件：河坝镇两会安保工作方案" in lines
    assert between(lines, "（五）开展安全隐患排查", "四、工作要求") == [
        "责任单位：河西村",
        "完成时限：每月，至2026年3月15日",
        "佐证材料：在系统中登记隐患排查记录，每月不少于1条",
    ]
    assert not any(line.startswith("抄送") for line in lines)


def test_an_issued_plan_is_dated_the_day_issued_and_not_marked_as_a_draft(
    world: World, clock: time_machine.Traveller
) -> None:
    plan = full_plan(world)
    plan_issue(actor=world.user("office"), plan=plan)
    plan.refresh_from_db()
    clock.move_to(at("2026-03-01"))
    lines = texts(read(plan_docx(plan)))
    assert f"关于印发《{TITLE}》的通知" in lines and TITLE in lines
    assert not any("征求意见稿" in line for line in lines)
    assert lines[lines.index(f"附件：{TITLE}") + 2] == "2026年2月20日"


def test_a_sparse_draft_leaves_out_what_it_does_not_have(world: World) -> None:
    blank = {"doc_number": "", "background": "", "goals": "", "cc": "", "signature": ""}
    plan = new_plan(world, issuer="河坝镇人民政府", **blank)
    plan_members_set(
        actor=world.user("office"),
        plan=plan,
        members=[MemberIn(Body.LEADING_GROUP, PlanRole.LEADER, "刘强", "镇党委书记")],
    )
    doc = read(plan_docx(plan))
    lines = texts(doc)
    assert lines[0] == "河坝镇人民政府" and lines[1] == f"关于印发《{TITLE}》的通知\n（征求意见稿）"
    assert doc.paragraphs[0]._p.xpath("w:pPr/w:pBdr/w:bottom/@w:color") == ["FF0000"]  # rule under the mark
    period = ["（一）实施时间", "2026年2月25日至2026年3月16日。"]
    assert between(lines, "一、总体要求", "二、组织领导") == period
    assert between(lines, "二、组织领导", "三、工作要求") == [
        "（一）领导小组",
        "成立工作领导小组，组成人员如下：",
        "组长：刘强（镇党委书记）",
    ]
    assert "河坝镇" in lines  # signed by the plan's unit when no signature is given
    assert not any(line.startswith("抄送") for line in lines)


def test_file_name(world: World) -> None:
    plan = new_plan(world, title="河坝镇/两会:工作方案")
    with translation.override("en"):
        assert plan_filename(plan) == "work-plan-河坝镇两会工作方案.docx"


def test_the_writer_keeps_an_appendix_after_the_signature_and_before_the_cc() -> None:
    doc = read(
        render_docx(
            OfficialDocument(
                title="通知",
                body=["正文。"],
                issuer="河坝镇人民政府",
                dated_on=D(2026, 3, 1),
                attachments=["甲", "乙"],
                appendices=[
                    Appendix(title="甲", body=[Heading("一、甲"), "甲文。"], label="附件1"),
                    Appendix(title="乙", body=["乙文。"], label="附件2"),
                ],
                cc=["县政府办"],
            )
        )
    )
    lines = texts(doc)
    assert lines[lines.index("2026年3月1日") :] == [
        "2026年3月1日",
        "附件1",
        "甲",
        "一、甲",
        "甲文。",
        "附件2",
        "乙",
        "乙文。",
        "抄送：县政府办。",
    ]
    assert paragraph(doc, "附件1").paragraph_format.page_break_before
    assert paragraph(doc, "附件2").paragraph_format.page_break_before


# --- the inspection report -----------------------------------------------------------------------


def inspected(world: World) -> Inspection:
    plan = full_plan(world)
    return inspection_record(
        actor=world.user("leader"),
        unit=world.village,
        plan=plan,
        visited_on=D(2026, 2, 20),
        inspectors="李建国、王小红",
        summary="值班值守总体到位。",
        findings=[
            FindingIn("值班在岗", FindingResult.OK, note="带班领导在岗"),
            FindingIn(
                "值班记录",
                FindingResult.PROBLEM,
                note="记录不全",
                correction="补齐记录",
                correction_due=D(2026, 2, 25),
            ),
            FindingIn(
                "巡逻台账",
                FindingResult.PROBLEM,
                note="未建台账",
                correction="建立巡逻台账",
                correction_due=D(2026, 2, 27),
            ),
        ],
    )


def test_the_inspection_report(world: World, clock: time_machine.Traveller) -> None:
    inspection = inspected(world)
    clock.move_to(at("2026-02-23"))
    finding_correct(
        actor=world.user("reporter"), finding=inspection.findings.get(item_text="值班记录"), note="已补齐"
    )
    clock.move_to(at("2026-02-26"))
    doc = read(inspection_docx(inspection))
    lines = texts(doc)
    title = f"关于河东村落实《{TITLE}》的督查情况报告"
    assert lines[:3] == [title, "镇党委、镇政府主要领导：", lines[2]]
    assert paragraph(doc, title).alignment == WD_ALIGN_PARAGRAPH.CENTER
    assert lines[2].startswith(f"2026年2月20日，李建国、王小红对河东村落实《{TITLE}》情况进行了督查。")
    assert between(lines, "一、督查基本情况", "二、检查事项及结果") == [
        "督查时间：2026年2月20日",
        "督查对象：河东村",
        "督查人员：李建国、王小红",
        f"督查依据：《{TITLE}》",
        "督查内容：共检查3项，其中符合要求1项，存在问题2项。",
        "总体情况：值班值守总体到位。",
    ]
    assert between(lines, "二、检查事项及结果", "三、整改落实情况") == [
        "（一）值班在岗",
        "检查结果：符合要求",
        "发现情况：带班领导在岗",
        "（二）值班记录",
        "检查结果：存在问题",
        "发现情况：记录不全",
        "整改要求：补齐记录",
        "整改时限：2026年2月25日前",
        "整改情况：已于2026年2月23日整改，张明报送",
        "整改说明：已补齐",
        "（三）巡逻台账",
        "检查结果：存在问题",
        "发现情况：未建台账",
        "整改要求：建立巡逻台账",
        "整改时限：2026年2月27日前",
        "整改情况：尚未整改，整改时限未到",
    ]
    assert between(lines, "三、整改落实情况", "特此报告。") == [
        "本次督查发现问题2项，截至2026年2月26日，已整改1项，尚未整改1项（其中已逾期0项）。",
        "请河东村对尚未整改的问题抓紧整改，并及时报送整改情况。",
    ]
    # Signed by the plan's unit, dated today; copied to the unit inspected.
    assert lines[-3:] == ["河坝镇", "2026年2月26日", "抄送：河东村。"]

    clock.move_to(at("2026-03-02"))
    later = texts(read(inspection_docx(inspection)))
    assert "整改情况：尚未整改，已逾期" in later
    assert "本次督查发现问题2项，截至2026年3月2日，已整改1项，尚未整改1项（其中已逾期1项）。" in later


def test_an_inspection_without_problems_and_its_file_name(world: World) -> None:
    inspection = inspection_record(
        actor=world.user("office"),
        unit=world.village2,
        visited_on=D(2026, 2, 19),
        inspectors="王小红",
        findings=[FindingIn("值班在岗", FindingResult.OK)],
    )
    lines = texts(read(inspection_docx(inspection)))
    assert lines[0] == "关于河西村的督查情况报告"
    assert "督查依据" not in "".join(lines)
    assert between(lines, "三、整改落实情况", "特此报告。") == ["本次督查未发现需要整改的问题。"]
    assert lines[-3] == "河坝镇"  # the recorder's unit, there being no plan
    with translation.override("en"):
        assert inspection_filename(inspection) == "inspection-report-HB-02-20260219.docx"
