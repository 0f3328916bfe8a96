"""The ledger's .xlsx export: columns, masking, local times, the filtered set, streaming in bounded memory."""

import datetime
import io
import tracemalloc
from collections.abc import Iterator

import openpyxl
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation
from openpyxl.cell.cell import Cell
from openpyxl.worksheet.worksheet import Worksheet

from zhenwu.petitions.choices import IntakeChannel, Stage, Status
from zhenwu.petitions.export import COLUMNS, STREAM_BLOCK, ledger_export_response, ledger_xlsx_stream
from zhenwu.petitions.ledger import ledger_filter
from zhenwu.petitions.models import Category, Petition, Petitioner, PetitionParty
from zhenwu.petitions.tests.factories import ID_A, at
from zhenwu.petitions.tests.test_search import petition
from zhenwu.testing.world import World

HEADER = [
    "Registration number",
    "Registering unit",
    "Channel",
    "Category",
    "Petitioners",
    "ID number",
    "Contact phone",
    "Summary",
    "Status",
    "Handling unit",
    "Received at",
    "Accepted at",
    "Answered at",
    "Closed at",
    "Current deadline",
    "Overdue",
    "Response time (days)",
]


@pytest.fixture(autouse=True)
def english() -> Iterator[None]:
    with translation.override("en"):
        yield


def sheet_of(content: bytes) -> Worksheet:
    sheet = openpyxl.load_workbook(io.BytesIO(content)).active
    assert isinstance(sheet, Worksheet)
    return sheet


def wall_clock(day: str, hour: int) -> datetime.datetime:
    return at(day, hour).replace(tzinfo=None)


def download(queryset: object, **kwargs: object) -> tuple[object, bytes]:
    response = ledger_export_response(queryset, **kwargs)  # type: ignore[arg-type]
    # Not response.close(): that sends request_finished, which would close the test's connection.
    content = b"".join(response.streaming_content)  # type: ignore[arg-type]
    return response, content


@pytest.fixture
def answered(world: World) -> Petition:
    """A matter with every column filled: two petitioners, category, handling unit, all four times."""
    category = Category.objects.create(name="劳动社保", code="LABOUR")
    (matter,) = Petition.objects.bulk_create(
        [
            petition(
                world.township,
                summary="拖欠工资问题",
                channel=IntakeChannel.PHONE,
                category=category,
                handling_unit=world.village,
                status=Status.ANSWERED,
                stage=Stage.REVIEW_REQUEST,
                due_on=datetime.date(2026, 4, 20),
                received_at=at("2026-03-02", 9),
                accepted_at=at("2026-03-03", 0),  # local midnight: the UTC day before
                answered_at=at("2026-03-05", 21),
                closed_at=None,
            )
        ]
    )
    zhang = Petitioner.objects.create(name="张小明", id_number=ID_A, phone="13812345678")
    li = Petitioner.objects.create(name="欧阳小红", phone="0759-4688138")
    PetitionParty.objects.create(petition=matter, petitioner=zhang, is_representative=True)
    PetitionParty.objects.create(petition=matter, petitioner=li)
    return matter


def test_header_and_a_masked_row(answered: Petition) -> None:
    response, content = download(Petition.objects.all(), unmasked=False)
    sheet = sheet_of(content)
    rows = list(sheet.iter_rows(values_only=True))
    assert list(rows[0]) == HEADER == [str(title) for title, _width in COLUMNS]
    assert all(cell.font.bold for cell in sheet[1])
    assert sheet.freeze_panes == "A2"
    assert sheet.column_dimensions["H"].width == 40  # the summary
    assert list(rows[1]) == [
        answered.number,
        "河坝镇",
        "Phone",
        "劳动社保",
        "张*明、欧**红",
        "110105********002X",
        "138****5678、0759-***8138",
        "拖欠工资问题",
        "Handling opinion issued",
        "河东村",
        wall_clock("2026-03-02", 9),  # Shanghai time without a zone, as Excel shows it
        wall_clock("2026-03-03", 0),
        wall_clock("2026-03-05", 21),
        None,
        wall_clock("2026-04-20", 0),  # the deadline, a date (Excel dates are datetimes)
        "No",  # the review window is the resident's, not a staff deadline
        3.5,
    ]
    received = sheet.cell(row=2, column=11)
    assert isinstance(received, Cell) and received.is_date


def test_unmasked_when_asked(answered: Petition) -> None:
    _response, content = download(Petition.objects.all(), unmasked=True)
    row = list(sheet_of(content).iter_rows(min_row=2, values_only=True))[0]
    assert row[4:7] == ("张小明、欧阳小红", ID_A, "13812345678、0759-4688138")


def test_exports_exactly_the_filtered_set(world: World) -> None:
    Petition.objects.bulk_create(
        [
            petition(world.township, summary="工资一", status=Status.ACCEPTED),
            petition(world.township, summary="工资二", status=Status.ACCEPTED),
            petition(world.township, summary="土地", status=Status.ACCEPTED),
            petition(world.township, summary="工资三", status=Status.CLOSED),
        ]
    )
    wanted = ledger_filter(Petition.objects.all(), status=Status.ACCEPTED, q="工资", sort="number")
    _response, content = download(wanted, unmasked=False)
    rows = list(sheet_of(content).iter_rows(min_row=2, values_only=True))
    assert [row[7] for row in rows] == ["工资一", "工资二"]
    assert [row[15] for row in rows] == ["No", "No"]


def test_text_stays_text(world: World) -> None:
    Petition.objects.bulk_create(
        [
            petition(world.township, number="1", summary='=HYPERLINK("http://example.com","x")'),
            petition(world.township, number="2", summary="#N/A"),
            petition(world.township, number="3", summary="换\x0b行\x07符"),
        ]
    )
    _response, content = download(ledger_filter(Petition.objects.all(), sort="number"), unmasked=False)
    sheet = sheet_of(content)
    cells = [sheet.cell(row=r, column=8) for r in (2, 3, 4)]
    assert [c.value for c in cells] == ['=HYPERLINK("http://example.com","x")', "#N/A", "换行符"]
    assert [c.data_type for c in cells] == ["s", "s", "s"]  # not a formula, not an error value


def test_response_is_an_attachment_with_the_chinese_name(answered: Petition) -> None:
    response, content = download(Petition.objects.all(), unmasked=False, filename="信访台账-20260401.xlsx")
    assert response.streaming  # type: ignore[attr-defined]
    assert response["Content-Type"] == (  # type: ignore[index]
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    assert response["Content-Disposition"] == (  # type: ignore[index]
        'attachment; filename="ledger-20260401.xlsx"; '
        "filename*=UTF-8''%E4%BF%A1%E8%AE%BF%E5%8F%B0%E8%B4%A6-20260401.xlsx"
    )
    assert response["X-Content-Type-Options"] == "nosniff"  # type: ignore[index]
    assert "no-store" in response["Cache-Control"]  # type: ignore[index]
    assert int(response["Content-Length"]) == len(content)  # type: ignore[index]
    default, _content = download(Petition.objects.all(), unmasked=False)
    assert 'filename="petition-ledger-20260401.xlsx"' in default["Content-Disposition"]  # type: ignore[index]


def test_the_generator_gives_the_same_workbook(answered: Petition) -> None:
    chunks = list(ledger_xlsx_stream(Petition.objects.all(), unmasked=False))
    rows = list(sheet_of(b"".join(chunks)).iter_rows(values_only=True))
    assert len(rows) == 2 and rows[1][0] == answered.number


def test_thousands_of_rows_stream_in_bounded_memory(world: World) -> None:
    count = 3000
    matters = Petition.objects.bulk_create(
        petition(
            world.township,
            summary=f"第{i}号 拖欠工资问题",
            content="老板拖欠工资三个月未付。" * 20,
            received_at=at("2026-03-02") + datetime.timedelta(minutes=i),
        )
        for i in range(count)
    )
    people = Petitioner.objects.bulk_create(Petitioner(name="张小明", phone="13812345678") for _ in matters)
    PetitionParty.objects.bulk_create(
        PetitionParty(petition=p, petitioner=person) for p, person in zip(matters, people, strict=True)
    )
    tracemalloc.start()
    try:
        with CaptureQueriesContext(connection) as ctx:
            response = ledger_export_response(ledger_filter(Petition.objects.all()), unmasked=False)
        chunks = list(response.streaming_content)  # type: ignore[arg-type]
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 20 * 1024 * 1024, peak  # measured: about 4 MB
    # One query for the matters (read 2,000 at a time), one per chunk for their petitioners.
    assert len(ctx.captured_queries) == 3
    assert len(chunks) > 1 and max(len(chunk) for chunk in chunks) <= STREAM_BLOCK
    rows = list(sheet_of(b"".join(chunks)).iter_rows(min_row=2, values_only=True))
    assert len(rows) == count
    assert rows[0][7] == f"第{count - 1}号 拖欠工资问题" and rows[0][4] == "张*明"
