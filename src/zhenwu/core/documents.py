"""Official documents (.docx) in the GB/T 9704-2012 layout (党政机关公文格式), for every app that issues them.

An app describes *what* a document says with ``OfficialDocument`` (title, body blocks, issuing
body, date and the optional elements: red header, document number, addressee, attachment note,
CC line); ``render_docx`` lays it out:

- A4, top margin 37 mm, binding (left) margin 28 mm, text block 156 × 225 mm;
- body 3号 (16 pt) 仿宋_GB2312, 22 lines × 28 characters (exact line spacing and a document grid);
- title 2号 (22 pt) 方正小标宋简体, centred; headings 一、 in 黑体, （一） in 楷体_GB2312, 1. in 仿宋;
- page numbers "— 1 —" in 4号 (14 pt) 宋体, odd pages right and even pages left, one character in;
- the issuing body's name centred over the date, the date four characters in from the right;
- attachments (``Appendix``) each on a new page after the signature and before the CC line: the
  label "附件" in 黑体 at the top left, the title centred on the third line, then the text.

Fonts are only named, never embedded: the office's Word supplies them. Each face is written with
its fallback (the font table's ``altName``) for machines without the GB2312-era fonts.

Simplifications: the red header starts at the top of the text block (the standard places it 35 mm
below it for the 文件 format, or 30 mm from the paper's edge for letters), and the CC line
follows the body (and the attachments) instead of sitting at the foot of the last even page. The
text is Chinese because the documents are: they are issued to residents and units whatever
language the person who prints them reads the pages in.
"""

import datetime
import io
import re
import unicodedata
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from xml.sax.saxutils import quoteattr
from zoneinfo import ZoneInfo

from django.utils import timezone
from docx import Document
from docx.document import Document as DocxDocument
from docx.enum.section import WD_ORIENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Length, Mm, Pt, RGBColor
from docx.text.paragraph import Paragraph
from docx.text.run import Run

#: Documents carry Beijing dates whatever the server's or the reader's time zone is.
DOCUMENT_TZ = ZoneInfo("Asia/Shanghai")

PAGE_WIDTH = Mm(210)
PAGE_HEIGHT = Mm(297)
TOP_MARGIN = Mm(37)
LEFT_MARGIN = Mm(28)  # the binding side (订口)
TEXT_WIDTH_MM = 156
TEXT_HEIGHT_MM = 225
RIGHT_MARGIN = Mm(210 - 28 - TEXT_WIDTH_MM)  # 26 mm
BOTTOM_MARGIN = Mm(297 - 37 - TEXT_HEIGHT_MM)  # 35 mm
CHARS_PER_LINE = 28
LINES_PER_PAGE = 22
#: 225 mm / 22 lines ≈ 28.95 pt, the "固定值 28.95 磅" of the usual Word templates.
LINE_PITCH = Pt(28.95)

BODY_SIZE = Pt(16)  # 3号
TITLE_SIZE = Pt(22)  # 2号
PAGE_NUMBER_SIZE = Pt(14)  # 4号
HEADER_MAX_SIZE = Pt(36)  # the standard only asks for "醒目、美观、庄重"; shrunk to fit one line
RED = RGBColor(0xFF, 0x00, 0x00)
#: The page number's dashes sit 7 mm under the text block; the footer's bottom is about one line lower.
FOOTER_DISTANCE = Mm(297 - 37 - TEXT_HEIGHT_MM - 7 - 6)


@dataclass(frozen=True)
class Face:
    """A font named in the document, with the face Word substitutes when it is not installed."""

    name: str
    fallback: str
    #: Font-table family hint ("roman" = serif Song/FangSong faces, "modern" for the others).
    family: str = "roman"


FANGSONG = Face("仿宋_GB2312", "FangSong", "modern")
XIAOBIAOSONG = Face("方正小标宋简体", "SimSun")
HEITI = Face("黑体", "SimHei", "modern")
KAITI = Face("楷体_GB2312", "KaiTi", "modern")
SONGTI = Face("宋体", "SimSun")
FACES = (FANGSONG, XIAOBIAOSONG, HEITI, KAITI, SONGTI)


@dataclass(frozen=True)
class Heading:
    """A numbered heading: level 1 (一、) in 黑体, level 2 (（一）) in 楷体, level 3 (1.) and below in the
    body's 仿宋; ``text`` includes the number."""

    text: str
    level: int = 1


#: A body block: a heading, or a paragraph (a string; each line of it becomes one paragraph).
Block = Heading | str

#: The face of each heading level; deeper levels are set in the body's face.
HEADING_FACES = {1: HEITI, 2: KAITI}


@dataclass(frozen=True)
class Appendix:
    """An attachment printed with the document (附件): on a new page after the signature, before the CC
    line. ``label`` is "附件" for one, "附件1", "附件2" … for several."""

    title: str  # a newline breaks the title where it should
    body: Sequence[Block]
    label: str = "附件"


@dataclass(frozen=True)
class OfficialDocument:
    """What an official document says; ``render_docx`` lays it out."""

    title: str  # issuing body + subject + type; a newline breaks the title where it should
    body: Sequence[Block]
    issuer: str  # 发文机关署名
    dated_on: datetime.date  # 成文日期
    header: str = ""  # 发文机关标志 (红头); empty: none
    number: str = ""  # 发文字号, e.g. 镇信访〔2026〕12号
    addressee: str = ""  # 主送; the full-width colon is added
    attachments: Sequence[str] = field(default_factory=tuple)  # 附件说明
    cc: Sequence[str] = field(default_factory=tuple)  # 抄送
    closing: str = ""  # e.g. 特此告知。 (a paragraph right after the body)
    appendices: Sequence[Appendix] = field(default_factory=tuple)  # 附件 printed after the signature


# --- dates ---------------------------------------------------------------------------------------


_DIGITS = "零一二三四五六七八九"


def chinese_numeral(n: int) -> str:
    """1 -> 一, 10 -> 十, 12 -> 十二, 21 -> 二十一 (headings up to 99; larger numbers in digits)."""
    if not 0 < n < 100:
        return str(n)
    tens, ones = divmod(n, 10)
    if tens == 0:
        return _DIGITS[ones]
    return ("" if tens == 1 else _DIGITS[tens]) + "十" + (_DIGITS[ones] if ones else "")


def chinese_date(value: datetime.date | datetime.datetime) -> str:
    """2026年3月1日: Arabic numerals, no zero padding; a datetime is taken in Beijing time."""
    if isinstance(value, datetime.datetime):
        if timezone.is_naive(value):
            raise ValueError("naive datetime")
        value = value.astimezone(DOCUMENT_TZ).date()
    return f"{value.year}年{value.month}月{value.day}日"


def local_date(moment: datetime.datetime) -> datetime.date:
    """The Beijing calendar date of an aware moment."""
    return moment.astimezone(DOCUMENT_TZ).date()


def today() -> datetime.date:
    return local_date(timezone.now())


# --- low-level formatting ------------------------------------------------------------------------


def _twips(length: Length) -> int:
    return round(float(length.pt) * 20)


def text_width(text: str) -> float:
    """Width in body characters: full-width characters count one, half-width ones (digits) a half."""
    return sum(1.0 if unicodedata.east_asian_width(ch) in "WF" else 0.5 for ch in text)


def _set_fonts(rpr_owner: object, face: Face) -> None:
    """Name ``face`` for every script, East Asian included (python-docx sets only ascii/hAnsi)."""
    rpr = rpr_owner.get_or_add_rPr()  # type: ignore[attr-defined]
    fonts = rpr.get_or_add_rFonts()
    for attr in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        fonts.set(qn(attr), face.name)
    for theme_attr in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
        fonts.attrib.pop(qn(theme_attr), None)


def _run(paragraph: Paragraph, text: str, face: Face, size: Length, *, color: RGBColor | None = None) -> Run:
    run = paragraph.add_run(text)
    run.font.size = size
    if color is not None:
        run.font.color.rgb = color
    _set_fonts(run._r, face)
    return run


def _spacing(paragraph: Paragraph, line: Length | None = LINE_PITCH) -> None:
    fmt = paragraph.paragraph_format
    fmt.space_before = Pt(0)
    fmt.space_after = Pt(0)
    if line is not None:
        fmt.line_spacing_rule = WD_LINE_SPACING.EXACTLY
        fmt.line_spacing = line
    else:
        fmt.line_spacing_rule = WD_LINE_SPACING.SINGLE


def _indent(
    paragraph: Paragraph,
    *,
    first_line: float = 0,
    left: float = 0,
    right: float = 0,
    char: Length = BODY_SIZE,
) -> None:
    """Indents in characters (``w:*Chars``, which Word aligns to the grid) and in twips for other readers."""
    ind = paragraph._p.get_or_add_pPr().get_or_add_ind()
    for name, chars in (("firstLine", first_line), ("left", left), ("right", right)):
        if chars:
            ind.set(qn(f"w:{name}Chars"), str(round(chars * 100)))
            ind.set(qn(f"w:{name}"), str(round(chars * _twips(char))))


def _border(
    paragraph: Paragraph, *, side: str, color: str = "000000", eighths: int = 8, space: int = 1
) -> None:
    ppr = paragraph._p.get_or_add_pPr()
    borders = ppr.find(qn("w:pBdr"))
    if borders is None:
        borders = OxmlElement("w:pBdr")
        # pBdr precedes shd/tabs/spacing/ind/jc in the schema's sequence.
        ppr.insert_element_before(
            borders, "w:shd", "w:tabs", "w:suppressAutoHyphens", "w:kinsoku", "w:wordWrap",
            "w:overflowPunct", "w:topLinePunct", "w:autoSpaceDE", "w:autoSpaceDN", "w:bidi",
            "w:adjustRightInd", "w:snapToGrid", "w:spacing", "w:ind", "w:contextualSpacing",
            "w:mirrorIndents", "w:suppressOverlap", "w:jc", "w:textDirection", "w:textAlignment",
            "w:textboxTightWrap", "w:outlineLvl", "w:divId", "w:cnfStyle", "w:rPr", "w:sectPr",
            "w:pPrChange",
        )  # fmt: skip
    line = OxmlElement(f"w:{side}")
    line.set(qn("w:val"), "single")
    line.set(qn("w:sz"), str(eighths))
    line.set(qn("w:space"), str(space))
    line.set(qn("w:color"), color)
    borders.append(line)


def _page_field(paragraph: Paragraph) -> None:
    """A PAGE field as Word writes it (begin / instruction / separate / result / end)."""

    def fld_char(kind: str) -> None:
        run = paragraph.add_run()
        run.font.size = PAGE_NUMBER_SIZE
        _set_fonts(run._r, SONGTI)
        element = OxmlElement("w:fldChar")
        element.set(qn("w:fldCharType"), kind)
        run._r.append(element)

    fld_char("begin")
    run = paragraph.add_run()
    run.font.size = PAGE_NUMBER_SIZE
    _set_fonts(run._r, SONGTI)
    instr = OxmlElement("w:instrText")
    instr.set(qn("xml:space"), "preserve")
    instr.text = " PAGE "
    run._r.append(instr)
    fld_char("separate")
    _run(paragraph, "1", SONGTI, PAGE_NUMBER_SIZE)
    fld_char("end")


# --- the layout ----------------------------------------------------------------------------------


class _Writer:
    def __init__(self) -> None:
        self.doc: DocxDocument = Document()
        self._page_setup()
        self._defaults()

    def _page_setup(self) -> None:
        section = self.doc.sections[0]
        section.orientation = WD_ORIENT.PORTRAIT
        section.page_width = PAGE_WIDTH
        section.page_height = PAGE_HEIGHT
        section.top_margin = TOP_MARGIN
        section.bottom_margin = BOTTOM_MARGIN
        section.left_margin = LEFT_MARGIN
        section.right_margin = RIGHT_MARGIN
        section.gutter = Mm(0)
        section.footer_distance = FOOTER_DISTANCE
        section.header_distance = Mm(15)
        # 22 lines × 28 characters: Word's document grid. charSpace is the character pitch's
        # difference from the Normal font size, in 1/4096 pt.
        sect_pr = section._sectPr
        grid = sect_pr.find(qn("w:docGrid"))
        if grid is None:
            grid = OxmlElement("w:docGrid")
            sect_pr.append(grid)
        char_pitch = Mm(TEXT_WIDTH_MM).pt / CHARS_PER_LINE
        grid.set(qn("w:type"), "linesAndChars")
        grid.set(qn("w:linePitch"), str(_twips(LINE_PITCH)))
        grid.set(qn("w:charSpace"), str(round((char_pitch - BODY_SIZE.pt) * 4096)))
        self.doc.settings.odd_and_even_pages_header_footer = True
        theme_lang = self.doc.settings.element.find(qn("w:themeFontLang"))
        if theme_lang is not None:
            theme_lang.set(qn("w:eastAsia"), "zh-CN")

    def _defaults(self) -> None:
        """The Normal style is the body text, so paragraphs added by hand later look right too."""
        styles = self.doc.styles.element
        rpr_default = styles.find(qn("w:docDefaults")).find(qn("w:rPrDefault")).find(qn("w:rPr"))
        for child in rpr_default.findall(qn("w:rFonts")):
            rpr_default.remove(child)
        fonts = OxmlElement("w:rFonts")
        for attr in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
            fonts.set(qn(attr), FANGSONG.name)
        rpr_default.insert(0, fonts)
        for tag in ("w:sz", "w:szCs"):
            element = rpr_default.find(qn(tag))
            if element is not None:
                element.set(qn("w:val"), str(round(BODY_SIZE.pt * 2)))
        lang = rpr_default.find(qn("w:lang"))
        if lang is not None:
            lang.set(qn("w:eastAsia"), "zh-CN")
        normal = self.doc.styles["Normal"]
        normal.font.size = BODY_SIZE
        _set_fonts(normal.element, FANGSONG)
        fmt = normal.paragraph_format
        fmt.space_before = Pt(0)
        fmt.space_after = Pt(0)
        fmt.line_spacing_rule = WD_LINE_SPACING.EXACTLY
        fmt.line_spacing = LINE_PITCH
        fmt.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY
        # The template's own first paragraph is an empty one; start from nothing.
        body = self.doc.element.body
        for p in body.findall(qn("w:p")):
            body.remove(p)

    # Paragraphs ------------------------------------------------------------------------------

    def paragraph(
        self,
        text: str = "",
        *,
        face: Face = FANGSONG,
        size: Length = BODY_SIZE,
        align: WD_ALIGN_PARAGRAPH = WD_ALIGN_PARAGRAPH.JUSTIFY,
        line: Length | None = LINE_PITCH,
        color: RGBColor | None = None,
    ) -> Paragraph:
        paragraph = self.doc.add_paragraph()
        paragraph.alignment = align
        _spacing(paragraph, line)
        if text:
            _run(paragraph, text, face, size, color=color)
        return paragraph

    def blank(self, lines: int = 1) -> None:
        for _line in range(lines):
            self.paragraph()

    def red_header(self, text: str, number: str) -> None:
        """The issuing body's mark; joint issuers one per line (a newline), sized to the longest line."""
        widest = max(text_width(line) for line in text.split("\n"))
        size = min(HEADER_MAX_SIZE.pt, Mm(TEXT_WIDTH_MM).pt / max(widest, 1))
        header = self.paragraph(
            text, face=XIAOBIAOSONG, size=Pt(int(size)), align=WD_ALIGN_PARAGRAPH.CENTER, line=None, color=RED
        )
        if number:
            self.blank(2)  # the number sits two lines under the mark
            ruled = self.paragraph(number, align=WD_ALIGN_PARAGRAPH.CENTER)
        else:
            ruled = header
        # The red rule (分隔线) about 4 mm under the number, as wide as the text block.
        _border(ruled, side="bottom", color="FF0000", eighths=12, space=11)
        self.blank(2)  # the title sits two lines under the rule

    def number_line(self, number: str) -> None:
        """Without a red header (信函 style), the number stands at the right edge of the text block."""
        self.paragraph(number, align=WD_ALIGN_PARAGRAPH.RIGHT)
        self.blank()

    def title(self, text: str) -> None:
        paragraph = self.paragraph(align=WD_ALIGN_PARAGRAPH.CENTER)
        lines = text.split("\n")
        for i, line in enumerate(lines):
            run = _run(paragraph, line, XIAOBIAOSONG, TITLE_SIZE)
            if i < len(lines) - 1:
                run.add_break()
        self.blank()

    def addressee(self, text: str) -> None:
        text = text.rstrip("：:")
        self.paragraph(f"{text}：", align=WD_ALIGN_PARAGRAPH.LEFT)

    def block(self, block: Block) -> None:
        if isinstance(block, Heading):
            face = HEADING_FACES.get(block.level, FANGSONG)
            _indent(self.paragraph(block.text.strip(), face=face), first_line=2)
            return
        for line in block.splitlines():
            if line.strip():
                _indent(self.paragraph(line.strip()), first_line=2)

    def attachments(self, names: Sequence[str]) -> None:
        self.blank()
        if len(names) == 1:
            _indent(self.paragraph(f"附件：{names[0]}"), left=2, first_line=0)
            return
        for i, name in enumerate(names, start=1):
            if i == 1:
                _indent(self.paragraph(f"附件：{i}. {name}"), left=2)
            else:  # later names line up under the first one, after "附件："
                _indent(self.paragraph(f"{i}. {name}"), left=5)

    def signature(self, issuer: str, dated_on: datetime.date) -> None:
        """The issuing body's name centred over the date; the date four characters in from the right."""
        date_text = chinese_date(dated_on)
        date_w, name_w = text_width(date_text), text_width(issuer)
        self.blank()
        name = self.paragraph(issuer, align=WD_ALIGN_PARAGRAPH.RIGHT)
        date = self.paragraph(date_text, align=WD_ALIGN_PARAGRAPH.RIGHT)
        _indent(date, right=4)
        _indent(name, right=max(4 + (date_w - name_w) / 2, 0))

    def appendix(self, appendix: Appendix) -> None:
        """A new page: the label at the top left in 黑体, the title on the third line, then the text."""
        label = self.paragraph(appendix.label, face=HEITI, align=WD_ALIGN_PARAGRAPH.LEFT)
        label.paragraph_format.page_break_before = True
        self.blank()
        self.title(appendix.title)
        for block in appendix.body:
            self.block(block)

    def cc(self, names: Sequence[str]) -> None:
        """抄送 in 4号, one character in on each side, between the record's rules (版记)."""
        self.blank()
        paragraph = self.paragraph(
            f"抄送：{'，'.join(names)}。", size=PAGE_NUMBER_SIZE, align=WD_ALIGN_PARAGRAPH.LEFT
        )
        _indent(paragraph, left=1, right=1, char=PAGE_NUMBER_SIZE)
        _border(paragraph, side="top", eighths=8)
        _border(paragraph, side="bottom", eighths=8)

    def page_numbers(self) -> None:
        """ "— 1 —" in 4号 宋体: odd pages right, even pages left, one character from the edge."""
        section = self.doc.sections[0]
        for footer, align, right in (
            (section.footer, WD_ALIGN_PARAGRAPH.RIGHT, True),
            (section.even_page_footer, WD_ALIGN_PARAGRAPH.LEFT, False),
        ):
            footer.is_linked_to_previous = False
            paragraph = footer.paragraphs[0]
            paragraph.alignment = align
            _spacing(paragraph, None)
            _run(paragraph, "— ", SONGTI, PAGE_NUMBER_SIZE)
            _page_field(paragraph)
            _run(paragraph, " —", SONGTI, PAGE_NUMBER_SIZE)
            _indent(paragraph, right=1 if right else 0, left=0 if right else 1, char=PAGE_NUMBER_SIZE)

    def properties(self, document: OfficialDocument) -> None:
        props = self.doc.core_properties
        now = timezone.now()
        props.title = document.title.replace("\n", "")
        props.author = document.issuer
        props.last_modified_by = document.issuer
        props.comments = ""
        props.subject = ""
        props.keywords = ""
        props.language = "zh-CN"
        props.created = now
        props.modified = now
        props.revision = 1


def _font_table() -> bytes:
    """The font table naming each face with its fallback (``altName``); GB2312 charset (86)."""
    ns = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
    fonts = "".join(
        f"<w:font w:name={quoteattr(face.name)}><w:altName w:val={quoteattr(face.fallback)}/>"
        f'<w:charset w:val="86"/><w:family w:val="{face.family}"/><w:pitch w:val="variable"/></w:font>'
        for face in FACES
    )
    latin = (
        '<w:font w:name="Times New Roman"><w:panose1 w:val="02020603050405020304"/>'
        '<w:charset w:val="00"/><w:family w:val="roman"/><w:pitch w:val="variable"/></w:font>'
    )
    declaration = "<?xml version='1.0' encoding='UTF-8' standalone='yes'?>\n"
    return f'{declaration}<w:fonts xmlns:w="{ns}">{fonts}{latin}</w:fonts>'.encode()


_THUMBNAIL = "docProps/thumbnail.jpeg"
_THUMBNAIL_REL = re.compile(rb"<Relationship [^>]*Target=\"docProps/thumbnail\.jpeg\"[^>]*/>")


def _repackage(package: bytes) -> bytes:
    """Our font table instead of the template's (Western and Japanese faces); no template thumbnail.

    The template's thumbnail would show file browsers a preview of some other document.
    """
    source = zipfile.ZipFile(io.BytesIO(package))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            if item.filename == _THUMBNAIL:
                continue
            data = source.read(item.filename)
            if item.filename == "word/fontTable.xml":
                data = _font_table()
            elif item.filename == "_rels/.rels":
                data = _THUMBNAIL_REL.sub(b"", data)
            target.writestr(item, data)
    return out.getvalue()


def render_docx(document: OfficialDocument) -> bytes:
    """The .docx bytes of ``document`` in the GB/T 9704 layout."""
    writer = _Writer()
    if document.header:
        writer.red_header(document.header, document.number)
    elif document.number:
        writer.number_line(document.number)
    writer.title(document.title)
    if document.addressee:
        writer.addressee(document.addressee)
    for block in document.body:
        writer.block(block)
    if document.closing:
        writer.block(document.closing)
    if document.attachments:
        writer.attachments(document.attachments)
    writer.signature(document.issuer, document.dated_on)
    for appendix in document.appendices:
        writer.appendix(appendix)
    if document.cc:
        writer.cc(document.cc)
    writer.page_numbers()
    writer.properties(document)
    buffer = io.BytesIO()
    writer.doc.save(buffer)
    return _repackage(buffer.getvalue())
