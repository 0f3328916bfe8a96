"""The written notices: generated through the service, kept with the matter, read back with python-docx."""

import datetime
import io
import re
import zipfile
from pathlib import Path

import docx
import pytest
import time_machine
from django.conf import settings
from django.core.files.storage import default_storage
from docx.document import Document as DocxDocument
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Pt
from docx.text.paragraph import Paragraph

from zhenwu.core.choices import AuditAction
from zhenwu.core.documents import Heading, OfficialDocument, render_docx
from zhenwu.core.exceptions import InvalidTransition, PermissionRefused
from zhenwu.core.models import AuditEvent
from zhenwu.core.rules import get_rule
from zhenwu.petitions import services as s
from zhenwu.petitions.choices import DeclineRoute, DocumentKind, EventKind
from zhenwu.petitions.documents import petition_document_generate
from zhenwu.petitions.models import Petition, PetitionDocument, PetitionEvent
from zhenwu.petitions.tests.factories import at, register
from zhenwu.testing.world import World

OPINION = {
    "request": "要求老板支付拖欠的三个月工资",
    "facts": "经向工地负责人核实，拖欠工资情况属实。\n涉及金额共计一万二千元。",
    "decision": "责令用工单位于十日内足额支付拖欠工资",
    "basis": "《保障农民工工资支付条例》第三条",
}


def travel(day: str, hour: int = 10) -> time_machine.travel:
    return time_machine.travel(at(day, hour), tick=False)


def registered(world: World, summary: str = "拖欠工资问题") -> Petition:
    # 01:00 in Beijing is the previous day in UTC: the notice must say 3月2日.
    with travel("2026-03-02", hour=1):
        petition, _code = register(world.user("office"), world.township, summary=summary)
    return petition


def accepted(world: World) -> Petition:
    petition = registered(world)
    with travel("2026-03-05"):
        return s.petition_accept(actor=world.user("office"), petition=petition)


def handled(world: World) -> Petition:
    petition = accepted(world)
    with travel("2026-03-06"):
        s.petition_assign(actor=world.user("office"), petition=petition, handling_unit=world.village)
        return s.petition_start_handling(actor=world.user("reporter"), petition=petition)


def generate(world: World, petition: Petition, kind: str, *, role: str = "office", day: str = "2026-03-20"):
    with travel(day):
        return petition_document_generate(actor=world.user(role), petition=petition, kind=kind)


def reopen(document: PetitionDocument) -> DocxDocument:
    with default_storage.open(document.file.name, "rb") as fh:
        return docx.Document(io.BytesIO(fh.read()))


def texts(doc: DocxDocument) -> list[str]:
    return [p.text for p in doc.paragraphs]


def paragraph(doc: DocxDocument, text: str) -> Paragraph:
    return next(p for p in doc.paragraphs if p.text == text)


def east_asian_font(run):
    return run._r.rPr.rFonts.get(qn("w:eastAsia"))


def stored_files() -> set[Path]:
    root = Path(settings.MEDIA_ROOT) / "petitions" / "documents"
    return {p for p in root.rglob("*") if p.is_file()} if root.exists() else set()


def assert_layout(doc: DocxDocument, title: str) -> None:
    """GB/T 9704: A4, 37/35/28/26 mm margins, 16 pt 仿宋 body, 22 pt title, page numbers."""
    section = doc.sections[0]
    for measured, mm in (
        (section.page_width, 210),
        (section.page_height, 297),
        (section.top_margin, 37),
        (section.bottom_margin, 35),
        (section.left_margin, 28),
        (section.right_margin, 26),
    ):
        assert measured is not None and abs(measured.mm - mm) < 0.05
    grid = section._sectPr.find(qn("w:docGrid"))
    assert grid.get(qn("w:linePitch")) == "579" and grid.get(qn("w:type")) == "linesAndChars"

    heading = paragraph(doc, title)
    assert heading.alignment == WD_ALIGN_PARAGRAPH.CENTER
    assert {r.font.size for r in heading.runs} == {Pt(22)}
    assert {east_asian_font(r) for r in heading.runs} == {"方正小标宋简体"}

    body = [p for p in doc.paragraphs if p.paragraph_format.first_line_indent and p.runs]
    assert body
    body_runs = [r for p in body for r in p.runs if east_asian_font(r) not in ("黑体", "楷体_GB2312")]
    assert body_runs and {r.font.size for r in body_runs} == {Pt(16)}
    assert {east_asian_font(r) for r in body_runs} == {"仿宋_GB2312"}
    assert {p.paragraph_format.line_spacing for p in body} == {Pt(28.95)}

    assert doc.settings.odd_and_even_pages_header_footer
    for footer, align in (
        (section.footer, WD_ALIGN_PARAGRAPH.RIGHT),
        (section.even_page_footer, WD_ALIGN_PARAGRAPH.LEFT),
    ):
        number = footer.paragraphs[0]
        xml = number._p.xml
        assert number.alignment == align
        assert 'fldCharType="begin"' in xml and " PAGE " in xml
        assert number.text == "— 1 —"
        assert {r.font.size for r in number.runs} == {Pt(14)}


def assert_kept(petition: Petition, document: PetitionDocument, kind: str) -> None:
    assert document.kind == kind and document.petition_id == petition.pk
    assert PetitionDocument.objects.filter(pk=document.pk).exists()
    assert default_storage.exists(document.file.name)
    # A random name under the year and month: nothing in it is guessable or personal.
    assert re.fullmatch(r"petitions/documents/2026/\d\d/[0-9a-f]{32}\.docx", document.file.name)
    event = PetitionEvent.objects.get(petition=petition, kind=EventKind.DOCUMENT)
    assert event.data == {"document": document.pk, "kind": kind}
    audit = AuditEvent.objects.get(object_type="petitions.petitiondocument", object_id=str(document.pk))
    assert audit.action == AuditAction.CREATE and audit.unit_id == petition.unit_id
    assert "张小明" not in str(audit.changes)


def test_acceptance_notice(world: World) -> None:
    petition = accepted(world)
    document = generate(world, petition, DocumentKind.ACCEPTANCE)
    doc = reopen(document)
    assert_layout(doc, "河坝镇信访事项受理告知书")
    assert_kept(petition, document, DocumentKind.ACCEPTANCE)
    lines = texts(doc)
    assert "信访事项编号：2026-HB-000001" in lines
    assert "张小明：" in lines
    text = "\n".join(lines)
    assert "你于2026年3月2日来访反映的“拖欠工资问题”" in text
    assert "本机关已于2026年3月5日依法予以受理" in text
    # 60 days from 3月5日 is 5月4日, inside the Labour Day holiday (5月1日-5日): the next working day.
    days = get_rule("petition.conclude").days
    assert f"自受理之日起{days}日内（2026年5月6日前）办结" in text
    assert lines[-2:] == ["河坝镇", "2026年3月20日"]
    date = paragraph(doc, "2026年3月20日")
    assert date.alignment == WD_ALIGN_PARAGRAPH.RIGHT
    assert date._p.xpath("w:pPr/w:ind/@w:rightChars") == ["400"]  # four characters in from the right


def test_decline_notice_names_the_proper_channel(world: World) -> None:
    petition = registered(world, summary="房屋买卖合同纠纷")
    with travel("2026-03-04"):
        s.petition_decline(
            actor=world.user("office"),
            petition=petition,
            route=DeclineRoute.LITIGATION,
            reason="该事项系平等民事主体之间的合同纠纷。",
        )
    document = generate(world, petition, DocumentKind.DECLINE, day="2026-03-04")
    doc = reopen(document)
    assert_layout(doc, "河坝镇信访事项不予受理告知书")
    assert_kept(petition, document, DocumentKind.DECLINE)
    text = "\n".join(texts(doc))
    assert "信访事项编号：2026-HB-000001" in text and "张小明：" in text
    assert "你于2026年3月2日来访反映的“房屋买卖合同纠纷”" in text
    assert "该事项属于应当通过诉讼途径解决的事项" in text and "本机关决定不予受理" in text
    assert "理由：该事项系平等民事主体之间的合同纠纷。" in text
    assert "请你依法向有管辖权的人民法院提起诉讼。" in text
    assert texts(doc)[-1] == "2026年3月4日"


def test_handling_opinion_has_the_four_parts_and_the_review_right(world: World) -> None:
    petition = handled(world)
    with travel("2026-04-10", hour=23):  # late evening in Beijing: still 4月10日 there
        s.petition_answer(actor=world.user("reporter"), petition=petition, **OPINION)
    document = generate(world, petition, DocumentKind.OPINION, role="reporter", day="2026-04-12")
    doc = reopen(document)
    assert_layout(doc, "河东村信访事项处理意见书")  # issued by the handling unit
    assert_kept(petition, document, DocumentKind.OPINION)
    lines = texts(doc)
    assert "信访事项编号：2026-HB-000001" in lines and "张小明：" in lines
    headings = ["一、信访事项", "二、调查核实情况", "三、处理意见", "四、法律政策依据"]
    positions = [lines.index(h) for h in headings]
    assert positions == sorted(positions)
    assert lines[positions[0] + 1] == OPINION["request"]
    assert lines[positions[1] + 1 : positions[1] + 3] == OPINION["facts"].split("\n")
    assert lines[positions[2] + 1] == OPINION["decision"]
    assert lines[positions[3] + 1] == OPINION["basis"]
    for h in headings:
        assert {east_asian_font(r) for r in paragraph(doc, h).runs} == {"黑体"}
    text = "\n".join(lines)
    assert "河坝镇已于2026年3月5日依法受理并交由本机关办理" in text
    days = get_rule("petition.review_request").days
    assert f"可以自收到本处理意见书之日起{days}日内，向本机关的上一级机关请求复查" in text
    assert lines[-2:] == ["河东村", "2026年4月10日"]  # dated when the opinion was issued


def test_extension_notice_gives_days_reason_and_new_date(world: World) -> None:
    petition = handled(world)
    with travel("2026-04-20"):
        s.petition_extend(
            actor=world.user("leader"), petition=petition, days=30, reason="案情复杂，需要进一步调查核实。"
        )
    petition.refresh_from_db()
    document = generate(world, petition, DocumentKind.EXTENSION, day="2026-04-21")
    doc = reopen(document)
    assert_layout(doc, "河坝镇信访事项延期办理告知书")
    assert_kept(petition, document, DocumentKind.EXTENSION)
    text = "\n".join(texts(doc))
    assert "信访事项编号：2026-HB-000001" in text and "张小明：" in text
    assert "原定办理期限至2026年5月6日" in text
    assert "延期理由：案情复杂，需要进一步调查核实。" in text
    assert petition.due_on == datetime.date(2026, 6, 5)
    assert "办理期限延长30日，至2026年6月5日" in text
    assert texts(doc)[-1] == "2026年4月21日"


def test_group_notice_is_addressed_to_the_representatives(world: World) -> None:
    people = [s.PetitionerIn(name=n, is_representative=True) for n in ("张三", "李四")]
    people.append(s.PetitionerIn(name="王五"))
    with travel("2026-03-02"):
        petition, _code = s.petition_register(
            actor=world.user("office"), unit=world.township, channel="letter", petitioners=people,
            summary="征地补偿", content="集体反映征地补偿问题", headcount=40,
        )  # fmt: skip
        s.petition_accept(actor=world.user("office"), petition=petition)
    text = "\n".join(texts(reopen(generate(world, petition, DocumentKind.ACCEPTANCE))))
    assert "张三、李四等40人：" in text and "王五" not in text
    assert "你们于2026年3月2日来信反映的“征地补偿”" in text


def test_a_notice_that_does_not_fit_the_status_is_refused_and_nothing_is_written(world: World) -> None:
    fresh = registered(world)
    before = stored_files()
    refusals = [(fresh, kind) for kind in DocumentKind.values]  # nothing decided yet
    taken = accepted(world)
    refusals += [
        (taken, DocumentKind.DECLINE),
        (taken, DocumentKind.OPINION),
        (taken, DocumentKind.EXTENSION),
    ]
    for petition, kind in refusals:
        with pytest.raises(InvalidTransition):
            generate(world, petition, kind)
    assert not PetitionDocument.objects.exists()
    assert not PetitionEvent.objects.filter(kind=EventKind.DOCUMENT).exists()
    assert not AuditEvent.objects.filter(object_type="petitions.petitiondocument").exists()
    assert stored_files() == before


def test_only_staff_on_the_matter_may_generate(world: World) -> None:
    petition = accepted(world)
    for role in ("oversight", "reporter"):  # read-only / not the office's decision
        with pytest.raises(PermissionRefused):
            generate(world, petition, DocumentKind.ACCEPTANCE, role=role)
    assert not PetitionDocument.objects.exists()


def test_writer_red_header_number_attachments_and_cc() -> None:
    content = render_docx(
        OfficialDocument(
            title="河坝镇人民政府关于\n做好春耕生产工作的通知",
            header="河坝镇人民政府文件",
            number="镇发〔2026〕3号",
            addressee="各村（社区）",
            body=[Heading("一、总体要求"), "第一段。", Heading("（一）工作重点", level=2), "第二段。"],
            closing="特此通知。",
            attachments=["春耕物资清单", "联系人名单"],
            issuer="河坝镇人民政府",
            dated_on=datetime.date(2026, 3, 1),
            cc=["县农业农村局"],
        )
    )
    doc = docx.Document(io.BytesIO(content))
    lines = texts(doc)
    header = paragraph(doc, "河坝镇人民政府文件")
    assert header.runs[0].font.color.rgb == docx.shared.RGBColor(0xFF, 0, 0)
    rule = paragraph(doc, "镇发〔2026〕3号")._p.xpath("w:pPr/w:pBdr/w:bottom/@w:color")
    assert rule == ["FF0000"]  # the red rule under the number
    assert (
        lines.index("河坝镇人民政府文件")
        < lines.index("镇发〔2026〕3号")
        < lines.index("河坝镇人民政府关于\n做好春耕生产工作的通知")
    )
    assert "各村（社区）：" in lines
    assert {east_asian_font(r) for r in paragraph(doc, "（一）工作重点").runs} == {"楷体_GB2312"}
    assert "附件：1. 春耕物资清单" in lines and "2. 联系人名单" in lines
    assert lines[-4:-2] == ["河坝镇人民政府", "2026年3月1日"]
    cc = paragraph(doc, "抄送：县农业农村局。")
    assert {r.font.size for r in cc.runs} == {Pt(14)}
    # Fonts are named with their fallbacks, never embedded.
    with zipfile.ZipFile(io.BytesIO(content)) as package:
        names = package.namelist()
        font_table = package.read("word/fontTable.xml").decode()
        settings_xml = package.read("word/settings.xml").decode()
    assert not [n for n in names if n.startswith("word/fonts/")] and "embedTrueTypeFonts" not in settings_xml
    assert 'w:name="仿宋_GB2312"><w:altName w:val="FangSong"/>' in font_table
    assert doc.core_properties.author == "河坝镇人民政府"
