"""The petition ledger: each filter, the sort whitelist, constant queries, the shared filter form."""

import datetime
from collections.abc import Iterable

import pytest
import time_machine
from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from zhenwu.core.scoping import Action
from zhenwu.core.services.units import unit_create
from zhenwu.petitions import ledger as ledger_module
from zhenwu.petitions.categories import category_create
from zhenwu.petitions.choices import IntakeChannel, Stage, Status
from zhenwu.petitions.ledger import (
    SORTS,
    LedgerFilterForm,
    ledger_filter,
    ledger_is_overdue,
    ledger_petitioner_names,
    ledger_response_days,
    ledger_rows,
)
from zhenwu.petitions.models import Category, Petition, Petitioner, PetitionParty, Recusal
from zhenwu.petitions.selectors import petition_list
from zhenwu.petitions.tests.factories import at
from zhenwu.petitions.tests.test_search import petition
from zhenwu.testing.world import World


def with_petitioners(pairs: Iterable[tuple[Petition, list[str]]]) -> None:
    """Give each matter the named petitioners (bulk, like the matters; the first is the representative)."""
    pairs = list(pairs)
    people = Petitioner.objects.bulk_create(Petitioner(name=name) for _p, names in pairs for name in names)
    people_iter = iter(people)
    PetitionParty.objects.bulk_create(
        PetitionParty(petition=p, petitioner=next(people_iter), is_representative=i == 0)
        for p, names in pairs
        for i, _name in enumerate(names)
    )


def numbers(queryset: Iterable[Petition]) -> list[str]:
    return [p.number for p in queryset]


def ledger(**filters: object) -> set[str]:
    return set(numbers(ledger_filter(Petition.objects.all(), **filters)))  # type: ignore[arg-type]


def test_status_channel_and_category(world: World) -> None:
    labour = Category.objects.create(name="劳动社保", code="LABOUR")
    wages = Category.objects.create(name="工资", code="WAGES", parent=labour)
    land = Category.objects.create(name="土地", code="LAND")
    a, b, c, d = Petition.objects.bulk_create(
        [
            petition(world.township, category=labour, status=Status.ACCEPTED),
            petition(world.township, category=wages, channel=IntakeChannel.LETTER),
            petition(world.township, category=land, channel=IntakeChannel.LETTER, status=Status.CLOSED),
            petition(world.township),
        ]
    )
    assert ledger(status=Status.ACCEPTED) == {a.number}
    assert ledger(status=Status.REGISTERED) == {b.number, d.number}
    assert ledger(channel=IntakeChannel.LETTER) == {b.number, c.number}
    assert ledger(category=labour) == {a.number, b.number}  # with its sub-category
    assert ledger(category=wages) == {b.number}
    assert ledger(category=land, channel=IntakeChannel.LETTER, status=Status.CLOSED) == {c.number}
    assert ledger() == {a.number, b.number, c.number, d.number}


def test_unit_filter_takes_the_subtree_registered_or_assigned(world: World) -> None:
    here, assigned, village, elsewhere = Petition.objects.bulk_create(
        [
            petition(world.township),
            petition(world.township, handling_unit=world.village, status=Status.ASSIGNED),
            petition(world.village),
            petition(world.other_township),
        ]
    )
    assert ledger(unit=world.township) == {here.number, assigned.number, village.number}
    assert ledger(unit=world.village) == {assigned.number, village.number}
    assert ledger(unit=world.village2) == set()
    assert ledger(unit=world.county) == {here.number, assigned.number, village.number, elsewhere.number}


def test_received_dates_are_local_days_both_included(world: World) -> None:
    def moment(day: str, hour: int, minute: int = 0, second: int = 0) -> datetime.datetime:
        return at(day, hour).replace(minute=minute, second=second)

    before, first, last, after = Petition.objects.bulk_create(
        [
            petition(world.township, received_at=moment("2026-02-28", 23, 59, 59)),
            petition(world.township, received_at=moment("2026-03-01", 0)),  # 2026-02-28 16:00 UTC
            petition(world.township, received_at=moment("2026-03-31", 23, 59, 59)),
            petition(world.township, received_at=moment("2026-04-01", 0)),
        ]
    )
    march = {"received_from": datetime.date(2026, 3, 1), "received_to": datetime.date(2026, 3, 31)}
    assert ledger(**march) == {first.number, last.number}
    assert ledger(received_from=datetime.date(2026, 3, 31)) == {last.number, after.number}
    assert ledger(received_to=datetime.date(2026, 2, 28)) == {before.number}
    one_day = datetime.date(2026, 3, 1)
    assert ledger(received_from=one_day, received_to=one_day) == {first.number}


def test_overdue_means_a_staff_deadline_before_today(world: World) -> None:
    day = datetime.date
    late, due_today, residents_window, late_conclusion, no_deadline = Petition.objects.bulk_create(
        [
            petition(world.township, stage=Stage.ACCEPTANCE, due_on=day(2026, 4, 9)),
            petition(world.township, stage=Stage.ACCEPTANCE, due_on=day(2026, 4, 10)),
            petition(world.township, stage=Stage.REVIEW_REQUEST, due_on=day(2026, 4, 1)),
            petition(world.township, stage=Stage.CONCLUSION, due_on=day(2026, 4, 5)),
            petition(world.township, stage=Stage.NONE, due_on=None),
        ]
    )
    # 2026-04-10 00:30 in Shanghai is still 04-09 in UTC: the local day counts.
    with time_machine.travel(at("2026-04-10", 0).replace(minute=30), tick=False):
        assert ledger(overdue=True) == {late.number, late_conclusion.number}
        rows = {p.number: ledger_is_overdue(p) for p in Petition.objects.all()}
    assert rows == {
        late.number: True,
        due_today.number: False,
        residents_window.number: False,
        late_conclusion.number: True,
        no_deadline.number: False,
    }
    with time_machine.travel(at("2026-04-09", 23), tick=False):
        assert ledger(overdue=True) == {late_conclusion.number}


def test_sorts_are_whitelisted_and_ties_go_by_id(world: World) -> None:
    day = datetime.date
    rows = Petition.objects.bulk_create(
        [
            petition(world.township, number="B", received_at=at("2026-03-02"), due_on=day(2026, 3, 20)),
            petition(world.township, number="A", received_at=at("2026-03-03"), due_on=None),
            petition(world.township, number="D", received_at=at("2026-03-02"), due_on=day(2026, 3, 10)),
            petition(world.township, number="C", received_at=at("2026-03-01"), due_on=day(2026, 3, 20)),
        ]
    )
    b, a, d, c = (p.number for p in rows)

    def order(sort: str) -> list[str]:
        return numbers(ledger_filter(Petition.objects.all(), sort=sort))

    assert order("-received_at") == [a, d, b, c]  # same day: higher id first
    assert order("received_at") == [c, b, d, a]
    assert order("number") == ["A", "B", "C", "D"]
    assert order("-number") == ["D", "C", "B", "A"]
    assert order("due_on") == [d, b, c, a]  # no deadline last
    assert order("-due_on") == [c, b, d, a]  # no deadline last either way
    assert order("status") == [a, d, b, c]  # all equal: newest first, then by id
    assert order("-status") == [c, b, d, a]  # the exact reverse
    for unknown in ("summary", "-content", "received_at; DROP TABLE x", ""):
        assert order(unknown) == order("-received_at")


@pytest.mark.parametrize("sort", sorted(SORTS))
def test_each_sort_is_read_in_order_from_an_index(world: World, sort: str) -> None:
    """Every sort of the ledger has an index that gives its order (migration 0007 for the deadline
    and status): a county office's page 1 by deadline sorted 10^5 matters, ~350 ms on SQLite and
    ~250 on PostgreSQL, and reads 50 in order now (``make bench``). Which index a scoped page walks
    depends on the statistics of a real table; here the order alone is asked for."""
    day = datetime.date
    Petition.objects.bulk_create(
        petition(world.township, due_on=None if n % 3 else day(2026, 4, 1 + n)) for n in range(12)
    )
    page = ledger_filter(Petition.objects.all(), sort=sort)[:50]
    if connection.vendor == "postgresql":
        # Twelve rows are cheaper to sort than to read by index; with sorting priced out, the plan
        # still sorts only when no index gives the order. An incremental sort of rows the index
        # already ordered by the unique number (the tie-break by id) is no sort of the table.
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL enable_sort = off")
        plan = page.explain()
        assert not [line for line in plan.splitlines() if line.strip(" ->").startswith("Sort  (")], plan
        assert "Seq Scan" not in plan, plan
    else:
        plan = page.explain()
        assert "TEMP B-TREE" not in plan, plan
    assert len(list(page)) == 12


@pytest.mark.parametrize("url", ["/petitions/", "/api/petitions"])
def test_a_small_scope_without_filters_is_counted_from_its_sides(
    world: World, url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """On SQLite an unfiltered ledger of a small scope is counted as its two sides (registered in
    the subtree; handled there, registered outside), each with the shields: the same count as the
    list's, in one query. A filter, or PostgreSQL, counts the list itself."""
    monkeypatch.setattr(ledger_module, "COUNT_SIDES_SHARE", 1)  # the test's scope is half its units
    office = world.user("office")
    w = world
    made = Petition.objects.bulk_create(
        [
            petition(w.township, handling_unit=w.village),  # both sides: once
            petition(w.other_township, handling_unit=w.village),  # handled here
            petition(w.village, handling_unit=w.other_township),  # registered here
            petition(w.village, status=Status.HANDLING),  # registered here
            petition(w.other_township, handling_unit=w.other_township),  # neither
            petition(w.township, accused_unit=w.township),  # accuses the office's unit
            petition(w.other_township, handling_unit=w.village, accused_user=office),  # accuses them
            petition(w.township),  # recused, below
        ]
    )
    Recusal.objects.create(petition=made[-1], user=office, reason="亲属")
    visible = {p.number for p in made[:4]}
    assert set(numbers(petition_list(user=office, action=Action.PETITION_VIEW))) == visible
    client = Client()
    client.force_login(office)

    def listed(query: str) -> tuple[int, set[str], list[str]]:
        cache.clear()
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url + query)
        assert response.status_code == 200
        counts = [
            q["sql"]
            for q in queries.captured_queries
            if "COUNT(" in q["sql"] and "petitions_petition" in q["sql"]
        ]
        if url.startswith("/api/"):
            body = response.json()
            return body["count"], {item["number"] for item in body["items"]}, counts
        rows = response.context["rows"]
        return response.context["page_obj"].paginator.count, {row.petition.number for row in rows}, counts

    count, rows, counts = listed("")
    assert (count, rows) == (4, visible)
    assert len(counts) == 1
    assert ("UNION ALL" in counts[0]) is (connection.vendor == "sqlite"), counts
    count, rows, counts = listed("?status=handling")
    assert (count, rows) == (1, {made[3].number})
    assert len(counts) == 1 and "UNION ALL" not in counts[0], counts


def test_when_an_unfiltered_ledger_is_counted_from_the_sides(monkeypatch: pytest.MonkeyPatch) -> None:
    """SQLite only, and at most a quarter of the instance's units."""
    monkeypatch.setattr(ledger_module, "ledger_instance_units", lambda using: 401)  # a county
    sqlite = connection.vendor == "sqlite"
    assert ledger_module.ledger_count_from_sides("default", 21) is sqlite  # a township office
    assert ledger_module.ledger_count_from_sides("default", 100) is sqlite
    assert not ledger_module.ledger_count_from_sides("default", 101)
    assert not ledger_module.ledger_count_from_sides("default", 401)  # the county office
    assert not ledger_module.ledger_count_from_sides("default", None)  # the whole instance


def test_rows_take_a_constant_number_of_queries(world: World) -> None:
    category = Category.objects.create(name="劳动社保", code="LABOUR")
    visible = petition_list(user=world.user("office"), action=Action.PETITION_VIEW)

    def make(count: int) -> None:
        created = Petition.objects.bulk_create(
            petition(world.township, category=category, handling_unit=world.village, summary="拖欠工资")
            for _ in range(count)
        )
        with_petitioners((p, ["张小明", "李四"]) for p in created)

    def render_page() -> tuple[int, int]:
        with CaptureQueriesContext(connection) as ctx:
            shown = [
                (p.unit.name, p.handling_unit and p.handling_unit.name, p.category and p.category.name)
                + (ledger_petitioner_names(p), ledger_response_days(p), ledger_is_overdue(p))
                for p in ledger_rows(ledger_filter(visible, q="工资"))
            ]
        assert set(shown) == {("河坝镇", "河东村", "劳动社保", "张*明、李*", None, False)}
        return len(shown), len(ctx.captured_queries)

    make(5)
    assert render_page() == (5, 1)  # the matters with units, category and petitioners' names
    make(45)
    assert render_page() == (50, 1)


def test_petitioner_names_masked_unless_asked(world: World) -> None:
    (p,) = Petition.objects.bulk_create([petition(world.township)])
    with_petitioners([(p, ["张小明", "欧阳小明", "李四"])])
    row = ledger_rows(Petition.objects.all()).get()
    assert ledger_petitioner_names(row) == "张*明、欧**明、李*"
    assert ledger_petitioner_names(row, unmasked=True) == "张小明、欧阳小明、李四"


def test_petitioner_names_put_representatives_first(world: World) -> None:
    """In the ledger's rows and read one by one alike: representatives, then the order entered."""
    (p, alone) = Petition.objects.bulk_create([petition(world.township), petition(world.township)])
    names = ("王一", "赵二", "钱三", "孙四")
    people = Petitioner.objects.bulk_create(Petitioner(name=name) for name in names)
    PetitionParty.objects.bulk_create(
        PetitionParty(petition=p, petitioner=person, is_representative=person.name in ("钱三", "赵二"))
        for person in people
    )
    rows = {row.pk: row for row in ledger_rows(Petition.objects.all())}
    assert ledger_petitioner_names(rows[p.pk], unmasked=True) == "赵二、钱三、王一、孙四"
    assert ledger_petitioner_names(Petition.objects.get(pk=p.pk), unmasked=True) == "赵二、钱三、王一、孙四"
    assert ledger_petitioner_names(rows[alone.pk]) == ""  # a matter without parties


def test_response_days_from_receipt_to_answer(world: World) -> None:
    received = at("2026-03-02", 9)
    (open_matter, answered) = Petition.objects.bulk_create(
        [
            petition(world.township, received_at=received),
            petition(
                world.township, received_at=received, answered_at=received + datetime.timedelta(hours=84)
            ),
        ]
    )
    assert ledger_response_days(open_matter) is None
    assert ledger_response_days(answered) == 3.5


# --- the filter form --------------------------------------------------------------------------------


def test_form_parses_every_filter(world: World) -> None:
    category = Category.objects.create(name="土地", code="LAND")
    form = LedgerFilterForm(
        {
            "q": " 工资 ",
            "status": Status.ACCEPTED,
            "unit": "hb-01",
            "category": str(category.pk),
            "channel": IntakeChannel.PHONE,
            "received_from": "2026-03-01",
            "received_to": "2026-03-31",
            "overdue": "on",
            "sort": "due_on",
        },
        user=world.user("office"),
    )
    assert form.ledger_filters() == {
        "q": "工资",
        "status": Status.ACCEPTED,
        "unit": world.village,
        "category": category,
        "channel": IntakeChannel.PHONE,
        "received_from": datetime.date(2026, 3, 1),
        "received_to": datetime.date(2026, 3, 31),
        "overdue": True,
        "sort": "due_on",
    }
    empty = LedgerFilterForm({}, user=world.user("office")).ledger_filters()
    assert empty["sort"] == "-received_at" and empty["q"] == "" and not empty["overdue"]


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"q": "地"}, "q"),  # one character: the index cannot serve it
        ({"q": "。！"}, "q"),
        ({"unit": "SQ"}, "unit"),  # outside the office's scope
        ({"received_from": "2026-03-31", "received_to": "2026-03-01"}, "__all__"),
        ({"status": "lost"}, "status"),
    ],
)
def test_form_refuses_bad_filters(world: World, data: dict[str, str], field: str) -> None:
    form = LedgerFilterForm(data, user=world.user("office"))
    assert not form.is_valid()
    assert field in form.errors
    assert form.ledger_filters() == {}


def test_form_unknown_sort_is_the_default(world: World) -> None:
    form = LedgerFilterForm({"sort": "content", "status": Status.CLOSED}, user=world.user("office"))
    assert form.is_valid()
    assert form.ledger_filters()["sort"] == "-received_at"
    assert form.ledger_filters()["status"] == Status.CLOSED


# --- the filter bar's cached HTML ----------------------------------------------------------------


def _filter_bar(client: Client, query: str = "") -> str:
    html = client.get("/petitions/" + query).content.decode()
    start = html.index('<form class="filters"')
    return html[start : html.index("</form>", start)]


def test_the_cached_filter_bar_follows_categories_errors_and_language(world: World) -> None:
    cache.clear()
    client = Client()
    client.force_login(world.user("office"))
    first = _filter_bar(client, "?status=handling")
    assert 'value="handling" selected' in first
    assert _filter_bar(client, "?status=handling") == first  # drawn once, then from the cache

    # A new category is offered at once; a sub-category's label names its parent.
    parent = category_create(actor=world.user("admin"), name="劳动社保", code="LS")
    category_create(actor=world.user("admin"), name="工资拖欠", code="LS-WAGE", parent=parent)
    assert "劳动社保 / 工资拖欠" in _filter_bar(client, "?status=handling")

    # The same query string with a different outcome: an unknown unit code, then a real one.
    assert "找不到该代码的单位" in _filter_bar(client, "?unit=NEW-01")
    unit_create(actor=world.user("admin"), parent=world.township, kind="office", name="新科室", code="NEW-01")
    assert "找不到该代码的单位" not in _filter_bar(client, "?unit=NEW-01")

    # Another language draws its own.
    assert ">状态:</label>" in first
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    assert ">Status:</label>" in _filter_bar(client, "?status=handling")


def test_the_search_words_are_never_cached(world: World) -> None:
    cache.clear()
    client = Client()
    client.force_login(world.user("office"))
    assert 'value="张三丰"' in _filter_bar(client, "?q=张三丰&status=handling")
    # The same other filters, other words: the cached part is shared, the words are the page's.
    bar = _filter_bar(client, "?q=拖欠工资&status=handling")
    assert 'value="拖欠工资"' in bar and "张三丰" not in bar
    # The local-memory cache's pickled entries, as bytes.
    stored = list(cache._cache.values())  # type: ignore[attr-defined]
    assert any("状态".encode() in value for value in stored)  # the cached fields are there
    assert not any("张三丰".encode() in value or "拖欠工资".encode() in value for value in stored)
