"""The dispute ledger as .xlsx: built through the services, read back with openpyxl."""

import datetime
import io
from collections.abc import Callable
from typing import Any

import openpyxl
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation
from openpyxl.worksheet.worksheet import Worksheet

from zhenwu.core.models import User
from zhenwu.core.scoping import Action
from zhenwu.mediation import services as s
from zhenwu.mediation.choices import PartySide
from zhenwu.mediation.export import SHEET_TITLE, dispute_ledger_filename, dispute_ledger_xlsx
from zhenwu.mediation.models import Dispute
from zhenwu.mediation.selectors import LedgerFilter, dispute_ledger
from zhenwu.mediation.tests.test_documents import (
    ID_A,
    ID_B,
    agreed,
    closed_after_follow_up,
    declined,
    land_kind,
    registered,
    spring_2026,  # noqa: F401 -- the autouse clock of these tests too
    travel,
)
from zhenwu.petitions.selectors import petition_list
from zhenwu.petitions.tests.factories import register
from zhenwu.testing.world import World

pytestmark = pytest.mark.django_db

HEADERS = [
    "Number",
    "Registered on",
    "Kind",
    "Came in as",
    "Summary",
    "Place",
    "Parties",
    "Handling unit",
    "Mediators",
    "Status",
    "Accepted on",
    "Mediation target date",
    "Sessions",
    "Outcome",
    "Agreement took effect on",
    "Judicial confirmation by",
    "Follow-up visits done",
    "Follow-up visits pending",
    "Closed on",
    "Linked petitions",
]


def ledger(user: User, **filters: Any):
    return dispute_ledger(user=user, filters=LedgerFilter(**filters))


def export(user: User, *, masked: bool = True, viewer: User | None = None) -> Worksheet:
    with translation.override("en"):
        content = dispute_ledger_xlsx(ledger(user), masked=masked, viewer=viewer)
    sheet = openpyxl.load_workbook(io.BytesIO(content)).active
    assert sheet is not None
    return sheet


def rows_by_number(sheet: Any) -> dict[str, dict[Any, Any]]:
    header = [cell.value for cell in sheet[1]]
    out: dict[str, dict[Any, Any]] = {}
    for row in sheet.iter_rows(min_row=2, values_only=True):
        out[str(row[0])] = dict(zip(header, row, strict=True))
    return out


def every_cell(sheet: Worksheet) -> str:
    return "\n".join(str(v) for row in sheet.iter_rows(values_only=True) for v in row if v is not None)


def day(value: Any) -> datetime.date | None:
    """openpyxl reads a date cell back as a datetime at midnight."""
    return value.date() if isinstance(value, datetime.datetime) else value


def referred_from_petition(world: World) -> Dispute:
    with travel("2026-03-02", 8):
        petition, _code = register(world.user("office"), world.township, name="赵大海", summary="工资纠纷")
    with travel("2026-03-02", 9, 30):
        return s.dispute_refer_from_petition(
            actor=world.user("office"),
            petition=petition,
            handling_unit=world.village,
            kind=land_kind(),
            respondents=[s.PartyIn(name="钱老板", side=PartySide.RESPONDENT)],
            mediators=[world.user("mediator")],
        )


def test_ledger_rows_values_and_layout(world: World) -> None:
    done = closed_after_follow_up(world)
    refused = declined(world, summary="宅基地纠纷")
    fresh = registered(world, summary="邻里噪音纠纷")
    sheet = export(world.user("office"))

    assert sheet.title == SHEET_TITLE == "矛盾纠纷台账"
    assert [cell.value for cell in sheet[1]] == HEADERS
    assert all(cell.font.bold for cell in sheet[1])
    assert sheet.freeze_panes == "B2"
    assert sheet.max_row == 4  # the header and one row per dispute
    assert 10 <= sheet.column_dimensions["A"].width <= 60
    assert sheet.column_dimensions["E"].width > sheet.column_dimensions["M"].width  # summary vs count
    # Newest first, as the ledger page.
    assert [sheet.cell(row=r, column=1).value for r in (2, 3, 4)] == [
        fresh.number,
        refused.number,
        done.number,
    ]

    rows = rows_by_number(sheet)
    line = rows[done.number]
    assert day(line["Registered on"]) == datetime.date(2026, 3, 2)
    assert line["Kind"] == "土地山林权属"
    assert line["Came in as"] == "A party asked for mediation"
    assert line["Summary"] == "承包地边界纠纷"
    assert line["Place"] == "河东村3组与4组交界处"
    assert line["Parties"] == "Applicant：张*明；Respondent：李*；Third party：河坝镇绿源农业专业合作社"
    assert line["Handling unit"] == "河坝镇"
    assert line["Mediators"] == "陈平"
    assert line["Status"] == "Closed"
    assert day(line["Accepted on"]) == datetime.date(2026, 3, 2)
    assert day(line["Mediation target date"]) == done.due_on
    assert line["Sessions"] == 2
    assert line["Outcome"] == "Written agreement"
    assert day(line["Agreement took effect on"]) == datetime.date(2026, 3, 10)
    assert day(line["Judicial confirmation by"]) == datetime.date(2026, 4, 9)
    assert (line["Follow-up visits done"], line["Follow-up visits pending"]) == (1, 0)
    assert day(line["Closed on"]) == datetime.date(2026, 3, 26)
    assert line["Linked petitions"] is None

    line = rows[refused.number]
    assert line["Status"] == "Not accepted for mediation"
    assert line["Outcome"] == "Not accepted for mediation; advised: Litigation (court)"
    assert line["Sessions"] == 0 and line["Accepted on"] is None and line["Agreement took effect on"] is None

    line = rows[fresh.number]
    assert line["Status"] == "Registered" and line["Outcome"] is None
    assert (line["Follow-up visits done"], line["Follow-up visits pending"]) == (0, 0)


def test_agreed_dispute_shows_its_pending_follow_up_and_an_oral_agreement(world: World) -> None:
    dispute = agreed(world, oral=True)
    line = rows_by_number(export(world.user("mediator")))[dispute.number]
    assert line["Outcome"] == "Oral agreement"
    assert line["Judicial confirmation by"] is None
    assert (line["Follow-up visits done"], line["Follow-up visits pending"]) == (0, 1)
    assert line["Status"] == "Agreement reached"


def test_names_are_masked_by_default_and_shown_when_asked(world: World) -> None:
    closed_after_follow_up(world)
    referred = referred_from_petition(world)
    masked = every_cell(export(world.user("office")))
    for secret in ("张小明", "李四", "赵大海", "钱老板", ID_A, ID_B, "13812345678"):
        assert secret not in masked
    assert "张*明" in masked and "赵*海" in masked and "钱*板" in masked
    line = rows_by_number(export(world.user("office")))[referred.number]
    assert line["Parties"] == "Applicant：赵*海；Respondent：钱*板"

    unmasked = export(world.user("office"), masked=False)
    assert rows_by_number(unmasked)[referred.number]["Parties"] == "Applicant：赵大海；Respondent：钱老板"
    text = every_cell(unmasked)
    assert "张小明" in text and "李四" in text
    # Only names: the ledger never carries ID numbers or phones, masked or not.
    for secret in (ID_A, ID_B, "13812345678"):
        assert secret not in text


def test_linked_petition_numbers_respect_the_petitions_own_scope(world: World) -> None:
    referred = referred_from_petition(world)
    assert referred.petition is not None
    number = referred.petition.number
    office, reporter = world.user("office"), world.user("reporter")
    line = rows_by_number(export(office, viewer=office))[referred.number]
    assert line["Linked petitions"] == f"from {number}"
    assert line["Came in as"] == "Referred from a petition"
    # The village's cadre sees the dispute (handled by the village) but not the township's petition.
    assert not petition_list(user=reporter, action=Action.PETITION_VIEW).filter(number=number).exists()
    line = rows_by_number(export(reporter, viewer=reporter))[referred.number]
    assert line["Linked petitions"] is None
    # Without a viewer the caller has decided: every number is shown.
    assert rows_by_number(export(reporter))[referred.number]["Linked petitions"] == f"from {number}"


def test_scope_and_filters_come_from_the_queryset(world: World) -> None:
    registered(world, summary="镇里的纠纷")
    in_village = registered(world, unit=world.village, summary="村里的纠纷")
    sheet = export(world.user("reporter"))  # sees its village's disputes only
    assert list(rows_by_number(sheet)) == [in_village.number]
    with translation.override("en"):
        content = dispute_ledger_xlsx(ledger(world.user("office"), q="村里"))
    assert list(rows_by_number(openpyxl.load_workbook(io.BytesIO(content)).active)) == [in_village.number]


def count_queries(user: User) -> int:
    with CaptureQueriesContext(connection) as queries:
        dispute_ledger_xlsx(ledger(user), viewer=user)
    return len(queries)


def disputes(world: World, n: int) -> None:
    """``n`` disputes in turn agreed and closed, agreed, declined, registered."""
    makers: list[Callable[..., Dispute]] = [closed_after_follow_up, agreed, declined, registered]
    for i in range(n):
        makers[i % len(makers)](world, summary=f"纠纷{i}")


def test_the_export_is_a_fixed_number_of_queries(world: World) -> None:
    disputes(world, 3)
    referred_from_petition(world)
    office = world.user("office")
    few = count_queries(office)
    disputes(world, 17)
    assert ledger(office).count() == 21
    assert count_queries(office) == few
    assert few <= 5  # disputes, parties, mediators, visible petitions (+ one spare for the scoping)


def test_filename() -> None:
    with translation.override("en"):
        assert dispute_ledger_filename(datetime.date(2026, 4, 1)) == "dispute-ledger-20260401.xlsx"
