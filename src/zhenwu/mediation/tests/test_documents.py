"""The mediation agreement and record as .docx, built through the services and read back with python-docx."""

import datetime
import io
from collections.abc import Iterator
from zoneinfo import ZoneInfo

import docx
import pytest
import time_machine
from django.utils import translation
from docx.document import Document as DocxDocument
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Pt, RGBColor

from zhenwu.core.exceptions import InvalidTransition
from zhenwu.core.rules import get_rule
from zhenwu.mediation import services as s
from zhenwu.mediation.choices import Channel, DisputeSource, PartyKind, PartySide, Performance
from zhenwu.mediation.documents import (
    agreement_docx,
    chinese_numeral,
    document_number,
    session_record_docx,
)
from zhenwu.mediation.models import Dispute, DisputeKind, MediationAgreement
from zhenwu.testing.world import World

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")
#: Known-valid ID numbers (GB 11643 checksums).
ID_A = "11010519491231002X"
ID_B = "440524188001010014"
CREDIT_CODE = "91430100MA4L1234XY"

AGREEMENT = {
    "facts": "双方承包地相邻，2025年秋李四在边界处栽种果树。\n张小明认为果树占用其承包地约0.3亩。",
    "issues": "果树是否占用张小明的承包地及如何处理。",
    "responsibilities": "李四未经测量即栽种果树，对纠纷负主要责任。",
    "terms": "一、李四于2026年4月30日前将越界果树移栽。\n二、双方以村委会测定的界桩为界。",
    "performance_manner": "李四自行移栽，村委会现场见证。",
}


def at(day: str, hour: int = 10, minute: int = 0) -> datetime.datetime:
    """A Shanghai wall-clock moment on ``day`` (YYYY-MM-DD)."""
    return datetime.datetime.fromisoformat(day).replace(hour=hour, minute=minute, tzinfo=SHANGHAI)


def travel(day: str, hour: int = 10, minute: int = 0) -> time_machine.travel:
    return time_machine.travel(at(day, hour, minute), tick=False)


@pytest.fixture(autouse=True)
def spring_2026() -> Iterator[None]:
    with travel("2026-03-02", 9):
        yield


def land_kind() -> DisputeKind:
    return DisputeKind.objects.get(code="land_forest")


def parties(
    *, organisation: bool = True, applicant: str = "张小明", respondent: str = "李四"
) -> list[s.PartyIn]:
    people = [
        s.PartyIn(
            name="张小明",
            side=PartySide.APPLICANT,
            id_number=ID_A,
            phone="13812345678",
            address="河坝镇河东村3组",
        ),
        s.PartyIn(
            name="李四",
            side=PartySide.RESPONDENT,
            id_number=ID_B,
            phone="13987654321",
            address="河坝镇河东村4组",
        ),
    ]
    if organisation:
        people.append(
            s.PartyIn(
                name="河坝镇绿源农业专业合作社",
                kind=PartyKind.ORGANISATION,
                side=PartySide.THIRD_PARTY,
                id_number=CREDIT_CODE,
                representative="王五",
                address="河坝镇河东村1组",
            )
        )
    return people


def registered(world: World, *, day: str = "2026-03-02", **kwargs) -> Dispute:
    with travel(day, 9, 30):
        return s.dispute_register(
            actor=world.user("office"),
            handling_unit=kwargs.pop("unit", world.township),
            kind=land_kind(),
            source=DisputeSource.RESIDENT_REQUEST,
            summary=kwargs.pop("summary", "承包地边界纠纷"),
            place="河东村3组与4组交界处",
            parties=kwargs.pop("parties", None) or parties(),
            mediators=[world.user("mediator")],
            **kwargs,
        )


def in_mediation(world: World, **kwargs) -> Dispute:
    dispute = registered(world, **kwargs)
    with travel("2026-03-02", 11):
        return s.dispute_accept(actor=world.user("mediator"), dispute=dispute)


def with_sessions(world: World, **kwargs) -> Dispute:
    """Two sessions, the second one written down first (the record still lists them as held)."""
    dispute = in_mediation(world, **kwargs)
    with travel("2026-03-10", 17):
        s.session_record(
            actor=world.user("mediator"),
            dispute=dispute,
            held_at=at("2026-03-10", 14, 30),
            place="河东村委会调解室",
            participants="张小明、李四、村主任",
            record="双方同意以村委会测定的界桩为界。\n李四同意移栽果树。",
        )
        s.session_record(
            actor=world.user("office"),
            dispute=dispute,
            held_at=at("2026-03-05", 9),
            place="河坝镇人民调解委员会",
            participants="张小明、李四",
            record="听取双方陈述，约定实地测量。",
        )
    return dispute


def agreed(world: World, *, oral: bool = False, copies: int | None = None, **kwargs) -> Dispute:
    dispute = with_sessions(world, **kwargs)
    with travel("2026-03-10", 18):
        s.agreement_record(
            actor=world.user("mediator"),
            dispute=dispute,
            data=s.AgreementIn(
                **AGREEMENT,
                performance_due=datetime.date(2026, 4, 30),
                signed_on=datetime.date(2026, 3, 10),
                is_oral=oral,
                copies=copies,
            ),
        )
    return dispute


def closed_after_follow_up(world: World, **kwargs) -> Dispute:
    dispute = agreed(world, **kwargs)
    follow_up = dispute.follow_ups.get()
    with travel("2026-03-26"):
        s.follow_up_record(
            actor=world.user("mediator"),
            follow_up=follow_up,
            performance=Performance.PERFORMED,
            notes="果树已移栽，双方无异议。",
        )
        s.dispute_close(actor=world.user("mediator"), dispute=dispute)
    return dispute


def declined(world: World, **kwargs) -> Dispute:
    dispute = registered(world, **kwargs)
    with travel("2026-03-03"):
        return s.dispute_decline(
            actor=world.user("mediator"),
            dispute=dispute,
            reason="已向人民法院起诉。",
            channel=Channel.LITIGATION,
        )


def read(content: bytes) -> DocxDocument:
    return docx.Document(io.BytesIO(content))


def texts(doc: DocxDocument) -> list[str]:
    return [p.text for p in doc.paragraphs if p.text]


def paragraph(doc: DocxDocument, text: str):
    return next(p for p in doc.paragraphs if p.text == text)


def east_asian_font(run) -> str:
    return str(run._r.rPr.rFonts.get(qn("w:eastAsia")))


def assert_official_layout(doc: DocxDocument, title: str) -> None:
    """GB/T 9704: A4 with its margins; the committee's mark in red; the title in 22 pt 小标宋, centred."""
    section = doc.sections[0]
    assert section.page_width is not None and abs(section.page_width.mm - 210) < 0.05
    assert section.top_margin is not None and abs(section.top_margin.mm - 37) < 0.05
    assert section.left_margin is not None and abs(section.left_margin.mm - 28) < 0.05
    header = doc.paragraphs[0]
    assert header.text == "河坝镇人民调解委员会"
    assert header.runs[0].font.color.rgb == RGBColor(0xFF, 0, 0)
    heading = paragraph(doc, title)
    assert heading.alignment == WD_ALIGN_PARAGRAPH.CENTER
    assert {r.font.size for r in heading.runs} == {Pt(22)}
    assert {east_asian_font(r) for r in heading.runs} == {"方正小标宋简体"}


# --- the agreement -------------------------------------------------------------------------------


def test_written_agreement_has_every_content_article_29_asks_for(world: World) -> None:
    dispute = agreed(world)
    agreement = MediationAgreement.objects.get(dispute=dispute)
    doc = read(agreement_docx(dispute))
    assert_official_layout(doc, "人民调解协议书")
    lines = texts(doc)
    # Issuing body, number, title in this order, the number from 2026-HB-TJ0001.
    assert dispute.number == "2026-HB-TJ0001"
    assert lines[:3] == ["河坝镇人民调解委员会", "（2026）HB调字第0001号", "人民调解协议书"]

    headings = [
        "一、当事人基本情况",
        "二、纠纷主要事实、争议事项",
        "三、各方当事人的责任",
        "四、经调解自愿达成如下协议",
        "五、履行方式和期限",
    ]
    positions = [lines.index(h) for h in headings]
    assert positions == sorted(positions)
    for h in headings:
        assert {east_asian_font(r) for r in paragraph(doc, h).runs} == {"黑体"}

    # The parties' details, unmasked: the parties sign this document.
    assert lines[positions[0] + 1 : positions[1]] == [
        f"申请人：张小明，公民身份号码：{ID_A}，住址：河坝镇河东村3组，联系电话：13812345678。",
        f"被申请人：李四，公民身份号码：{ID_B}，住址：河坝镇河东村4组，联系电话：13987654321。",
        f"第三人：河坝镇绿源农业专业合作社，统一社会信用代码：{CREDIT_CODE}，法定代表人：王五，"
        "住所：河坝镇河东村1组。",
    ]
    assert lines[positions[1] + 1 : positions[2]] == [
        *AGREEMENT["facts"].split("\n"),
        "争议事项：" + AGREEMENT["issues"],
    ]
    assert lines[positions[2] + 1 : positions[3]] == [AGREEMENT["responsibilities"]]
    assert lines[positions[3] + 1 : positions[4]] == AGREEMENT["terms"].split("\n")
    assert lines[positions[4] + 1 : positions[4] + 3] == [
        "履行方式：" + AGREEMENT["performance_manner"],
        "履行期限：2026年4月30日前履行完毕。",
    ]

    text = "\n".join(lines)
    assert "人民调解员签名并加盖人民调解委员会印章之日起生效" in text
    assert "签名、盖章或者按指印" in text
    # Three parties and the committee: four copies unless told otherwise.
    assert agreement.copies == 4
    assert "本协议一式4份，各方当事人、人民调解委员会各执一份。" in lines
    # Judicial confirmation: within the rule's days of 3月10日.
    days = get_rule("mediation.judicial_confirmation").days
    assert agreement.confirmation_due_on == datetime.date(2026, 4, 9)
    assert f"可以自本协议生效之日起{days}日内（2026年4月9日前）共同向人民法院申请司法确认" in text
    assert "口头" not in text

    # Signature lines: each party, then the mediator; the committee over the date signed.
    signatures = [line for line in lines if "（签名" in line]
    assert signatures == [
        "当事人（签名、盖章或按指印）：＿＿＿＿＿＿＿＿（申请人：张小明）",
        "当事人（签名、盖章或按指印）：＿＿＿＿＿＿＿＿（被申请人：李四）",
        "当事人（签名、盖章或按指印）：＿＿＿＿＿＿＿＿（第三人：河坝镇绿源农业专业合作社）",
        "人民调解员（签名）：＿＿＿＿＿＿＿＿（陈平）",
    ]
    assert lines[-2:] == ["河坝镇人民调解委员会", "2026年3月10日"]
    assert paragraph(doc, "2026年3月10日").alignment == WD_ALIGN_PARAGRAPH.RIGHT


def test_copies_as_recorded_and_every_mediator_signs(world: World) -> None:
    dispute = agreed(world, copies=5, parties=parties(organisation=False))
    with travel("2026-03-11"):  # a second mediator named on the dispute
        s.dispute_update(
            actor=world.user("office"),
            dispute=dispute,
            mediators=[world.user("mediator"), world.user("office")],
        )
    lines = texts(read(agreement_docx(dispute)))
    assert "本协议一式5份，各方当事人、人民调解委员会各执一份。" in lines
    assert [line for line in lines if line.startswith("人民调解员（签名）")] == [
        "人民调解员（签名）：＿＿＿＿＿＿＿＿（王小红）",
        "人民调解员（签名）：＿＿＿＿＿＿＿＿（陈平）",
    ]
    assert sum(line.startswith("当事人（签名") for line in lines) == 2


def test_oral_agreement_is_the_mediators_record_without_a_confirmation_window(world: World) -> None:
    dispute = agreed(world, oral=True)
    agreement = MediationAgreement.objects.get(dispute=dispute)
    assert agreement.confirmation_due_on is None
    doc = read(agreement_docx(dispute))
    assert_official_layout(doc, "口头调解协议记录")
    lines = texts(doc)
    assert lines[:3] == ["河坝镇人民调解委员会", "（2026）HB调字第0001号", "口头调解协议记录"]
    assert "人民调解协议书" not in lines
    text = "\n".join(lines)
    assert "于2026年3月10日达成口头调解协议" in text and "第二十八条" in text
    assert "本口头调解协议自各方当事人达成协议之日（2026年3月10日）起生效。" in lines
    assert "司法确认" not in text and "一式" not in text
    # The contents are recorded all the same.
    for value in (AGREEMENT["issues"], AGREEMENT["responsibilities"], AGREEMENT["performance_manner"]):
        assert value in text
    assert "履行期限：2026年4月30日前履行完毕。" in lines
    assert sum(line.startswith("当事人（签名") for line in lines) == 3
    assert lines[-2:] == ["河坝镇人民调解委员会", "2026年3月10日"]


def test_a_village_committee_numbers_with_its_code(world: World) -> None:
    dispute = registered(world, unit=world.village)
    assert dispute.number == "2026-HB-01-TJ0001"
    assert document_number(dispute) == "（2026）HB-01调字第0001号"


def test_no_agreement_no_document(world: World) -> None:
    fresh = registered(world)
    with pytest.raises(InvalidTransition):
        agreement_docx(fresh)
    sessions_only = with_sessions(world, summary="另一纠纷")
    with translation.override("en"), pytest.raises(InvalidTransition) as refused:
        agreement_docx(sessions_only)
    assert sessions_only.number in str(refused.value.message)
    assert "agreement" in str(refused.value.message)
    with pytest.raises(InvalidTransition):
        agreement_docx(declined(world, summary="第三个纠纷"))


# --- the record ----------------------------------------------------------------------------------


def test_record_lists_each_session_in_the_order_held(world: World) -> None:
    dispute = with_sessions(world)
    doc = read(session_record_docx(dispute))
    assert_official_layout(doc, "人民调解记录")
    lines = texts(doc)
    assert lines[:3] == ["河坝镇人民调解委员会", "（2026）HB调字第0001号", "人民调解记录"]
    assert "纠纷编号：2026-HB-TJ0001" in lines
    assert "纠纷类型：土地山林权属" in lines
    assert "当事人：申请人：张小明；被申请人：李四；第三人：河坝镇绿源农业专业合作社" in lines
    assert "纠纷简况：承包地边界纠纷" in lines
    # Names and sides only: no ID number, phone or address of a party.
    text = "\n".join(lines)
    for secret in (ID_A, ID_B, "13812345678", "河东村3组"):
        assert secret not in text

    first, second = lines.index("一、第一次调解"), lines.index("二、第二次调解")
    assert first < second
    assert lines[first + 1 : second] == [
        "时间：2026年3月5日9时",
        "地点：河坝镇人民调解委员会",
        "参加人员：张小明、李四",
        "调解情况：",
        "听取双方陈述，约定实地测量。",
        "记录人：王小红",
    ]
    assert lines[second + 1 : second + 8] == [
        "时间：2026年3月10日14时30分",
        "地点：河东村委会调解室",
        "参加人员：张小明、李四、村主任",
        "调解情况：",
        "双方同意以村委会测定的界桩为界。",
        "李四同意移栽果树。",
        "记录人：陈平",
    ]
    assert lines[-3:] == ["人民调解员：陈平", "河坝镇人民调解委员会", "2026年3月10日"]


def test_record_of_a_closed_dispute_still_reads(world: World) -> None:
    dispute = closed_after_follow_up(world)
    lines = texts(read(session_record_docx(dispute)))
    assert "一、第一次调解" in lines and "二、第二次调解" in lines


def test_no_session_no_record(world: World) -> None:
    for dispute in (registered(world), in_mediation(world, summary="已受理未调解")):
        with pytest.raises(InvalidTransition):
            session_record_docx(dispute)


def test_chinese_numerals() -> None:
    assert [chinese_numeral(n) for n in (1, 9, 10, 11, 20, 21, 99, 100)] == [
        "一", "九", "十", "十一", "二十", "二十一", "九十九", "100",
    ]  # fmt: skip
