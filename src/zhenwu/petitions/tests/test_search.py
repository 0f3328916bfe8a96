"""Chinese full-text search: bigram tokens, the per-vendor index (FTS5 / GIN), and its upkeep."""

import itertools
from typing import Any

import pytest
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext

from zhenwu.core.choices import UnitKind
from zhenwu.core.models import Unit
from zhenwu.core.scoping import Action
from zhenwu.core.services.units import unit_create
from zhenwu.petitions import ledger
from zhenwu.petitions.choices import IntakeChannel
from zhenwu.petitions.ledger import SORTS, ledger_order
from zhenwu.petitions.models import Petition
from zhenwu.petitions.search import (
    MAX_TOKENS,
    SQLITE_TRIGGERS,
    petition_search_filter,
    search_query_tokens,
    search_text_for,
    sqlite_search_triggers_create,
)
from zhenwu.petitions.selectors import petition_list
from zhenwu.petitions.tests.factories import at
from zhenwu.petitions.vendor_indexes import VENDOR_INDEXES
from zhenwu.testing.world import World

_numbers = itertools.count(1)


def petition(
    unit: Unit, *, summary: str = "邻里纠纷", content: str = "反映邻里纠纷问题。", **fields: object
) -> Petition:
    """An unsaved matter with every required field, for bulk_create (as the services would fill it)."""
    values: dict[str, object] = {
        "number": f"T-{next(_numbers):07d}",
        "query_code_hash": "x",
        "channel": IntakeChannel.VISIT,
        "unit": unit,
        "summary": summary,
        "content": content,
        "received_at": at("2026-03-02"),
        "search_text": search_text_for(summary, content),
    }
    values.update(fields)
    return Petition(**values)


def found(q: str) -> set[str]:
    return set(petition_search_filter(Petition.objects.all(), q).values_list("summary", flat=True))


# --- tokens -----------------------------------------------------------------------------------------


def test_search_text_is_distinct_bigrams_and_lowercase_words_summary_first() -> None:
    assert search_text_for("拖欠工资", "工资，土地！ABC公司 2026年") == "拖欠 欠工 工资 土地 abc 公司 2026"
    # Punctuation and single characters between them cut the runs; full-width letters count as ASCII.
    assert search_text_for("地", "ＡＢＣ１２３") == "abc123"
    assert search_text_for("", "") == ""


def test_search_text_is_capped() -> None:
    text = "".join(chr(0x4E00 + i) for i in range(MAX_TOKENS + 500))
    assert len(search_text_for("工资", text).split()) == MAX_TOKENS
    assert search_text_for("工资", text).startswith("工资 ")


def test_query_tokens_match_the_index_tokens() -> None:
    assert search_query_tokens("工资") == ["工资"]
    assert search_query_tokens(" 拖欠工资 ") == ["拖欠", "欠工", "工资"]
    assert search_query_tokens("地") == []
    assert search_query_tokens("\"'*") == []
    assert search_query_tokens("工资 OR 土地") == ["工资", "or", "土地"]


# --- searching through the index -------------------------------------------------------------------


@pytest.fixture
def matters(world: World) -> list[Petition]:
    return Petition.objects.bulk_create(
        [
            petition(world.township, summary="拖欠工资问题", content="老板拖欠工资三个月未付。"),
            petition(world.township, summary="土地纠纷", content="承包土地被邻村占用。"),
            petition(world.village, summary="邻里纠纷", content="对方扣押本人工资卡。"),
            petition(world.other_township, summary="道路修缮", content="村道破损，雨天难行。"),
        ]
    )


def test_two_character_words_are_found_in_summary_and_text(matters: list[Petition]) -> None:
    assert found("工资") == {"拖欠工资问题", "邻里纠纷"}  # summary / text only
    assert found("土地") == {"土地纠纷"}
    assert found("雨天") == {"道路修缮"}
    assert found("医保") == set()


def test_a_longer_phrase_needs_all_its_pieces(matters: list[Petition]) -> None:
    assert found("拖欠工资") == {"拖欠工资问题"}  # not the matter that only mentions 工资
    assert found("工资 土地") == set()
    assert found("邻村 土地") == {"土地纠纷"}


def test_search_composes_with_the_scope(world: World, matters: list[Petition]) -> None:
    visible = petition_list(user=world.user("office"), action=Action.PETITION_VIEW)
    assert {p.summary for p in petition_search_filter(visible, "纠纷")} == {"土地纠纷", "邻里纠纷"}
    reporter = petition_list(user=world.user("reporter"), action=Action.PETITION_VIEW)
    assert {p.summary for p in petition_search_filter(reporter, "纠纷")} == {"邻里纠纷"}


@pytest.mark.parametrize(
    "q",
    [
        '"',
        '工资" OR "土地',
        "工资*",
        "OR",
        "NEAR(工资 土地)",
        "'; DROP TABLE petitions_petition; --",
        "工资 -土地",
        "^工资",
        "::",
    ],
)
def test_hostile_queries_are_only_words(matters: list[Petition], q: str) -> None:
    result = found(q)
    assert result <= {p.summary for p in matters}
    assert Petition.objects.count() == len(matters)


def test_query_operators_are_not_syntax(matters: list[Petition]) -> None:
    # "OR" is a word here, not an operator: no matter contains "or", so nothing matches.
    assert found('工资" OR "土地') == set()
    assert found("工资*") == {"拖欠工资问题", "邻里纠纷"}  # the star is punctuation, not a prefix search


def test_single_character_falls_back_to_the_summary(matters: list[Petition]) -> None:
    assert found("资") == {"拖欠工资问题"}  # summary only: the text of 邻里纠纷 mentions 工资 too
    assert found("") == {p.summary for p in matters}


def test_index_follows_updates_and_deletes(world: World, matters: list[Petition]) -> None:
    first = matters[0]
    Petition.objects.filter(pk=first.pk).update(
        summary="医保报销",
        content="医保报销被拒。",
        search_text=search_text_for("医保报销", "医保报销被拒。"),
    )
    assert found("医保") == {"医保报销"}
    assert found("拖欠") == set()
    first.refresh_from_db()
    first.summary, first.content = "宅基地纠纷", "宅基地边界不清。"
    first.search_text = search_text_for(first.summary, first.content)
    first.save()
    assert found("宅基") == {"宅基地纠纷"} and found("医保") == set()
    # A save that leaves the text alone keeps it indexed (the trigger skips unchanged text).
    first.save()
    assert found("宅基") == {"宅基地纠纷"}
    Petition.objects.filter(pk=first.pk).delete()
    assert found("宅基") == set()
    assert found("土地") == {"土地纠纷"}


def test_many_matters_are_indexed_by_bulk_create(world: World) -> None:
    Petition.objects.bulk_create(
        petition(world.township, summary=f"第{i}号 工资" if i % 3 == 0 else f"第{i}号 土地", content="")
        for i in range(300)
    )
    assert len(found("工资")) == 100 and len(found("土地")) == 200


# --- the index is really used -----------------------------------------------------------------------


def test_explain_shows_the_index(world: World, matters: list[Petition]) -> None:
    visible = petition_list(user=world.user("office"), action=Action.PETITION_VIEW)
    query = petition_search_filter(visible, "工资").order_by("-received_at", "-id")
    if connection.vendor == "sqlite":
        plan = query.explain()
        assert "VIRTUAL TABLE INDEX" in plan and "petitions_search" in plan, plan
    else:
        # The search condition alone (no scope, no order): with a few rows the planner may as well
        # walk the scope's or the order's index, which says nothing about the search's. A scan of
        # the table is forbidden, so the plan shows whether the condition matches the GIN index.
        bare = petition_search_filter(Petition.objects.order_by(), "工资")
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SET LOCAL enable_seqscan = off")
            plan = bare.explain()
        assert "petitions_search_vector_gin" in plan, plan
        assert "search_vector @@" in plan and "to_tsvector" not in plan, plan


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite keeps its index with triggers")
def test_sqlite_triggers_exist_and_can_be_recreated(matters: list[Petition]) -> None:
    def triggers() -> dict[str, str]:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = %s",
                ["petitions_petition"],
            )
            return dict(cursor.fetchall())

    expected = {name: sql.replace("IF NOT EXISTS ", "") for name, sql in SQLITE_TRIGGERS.items()}
    # The migration's triggers are the ones search.py would re-create (the two copies agree). If this
    # fails after a new migration, that migration rebuilt the table: call sqlite_search_triggers_create.
    assert triggers() == expected
    with connection.cursor() as cursor:
        for name in SQLITE_TRIGGERS:
            cursor.execute(f"DROP TRIGGER {name}")  # noqa: S608 -- names from our constant
    Petition.objects.bulk_create([petition(matters[0].unit, summary="养老保险", content="")])
    assert found("养老") == set()  # not indexed without the triggers
    sqlite_search_triggers_create(connection)
    assert triggers() == expected
    assert found("养老") == {"养老保险"} and found("工资") == {"拖欠工资问题", "邻里纠纷"}


@pytest.mark.django_db
def test_date_order_and_deadline_indexes_per_database() -> None:
    """Migrations 0004, 0005 and 0007 (vendor_indexes.py): SQLite has the covering ones only,
    PostgreSQL the plain."""
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, "petitions_petition")
    indexes = {name for name, details in constraints.items() if details["index"]}
    expected = set(VENDOR_INDEXES[connection.vendor])
    others = {name for names in VENDOR_INDEXES.values() for name in names} - expected
    # If this fails on SQLite after a new migration, that migration rebuilt the table: call
    # vendor_indexes_create (as for the triggers above).
    assert expected <= indexes
    assert not others & indexes


# --- a search's page: few matches are sorted after matching ----------------------------------------


@pytest.fixture
def dated(world: World) -> list[Petition]:
    """Six matters that mention 工资, received on different days, some with deadlines, one without."""
    made = Petition.objects.bulk_create(
        [
            petition(
                world.township,
                summary=f"拖欠工资{n}",
                received_at=at(f"2026-03-{day:02d}"),
                due_on=None if n == 3 else at(f"2026-04-{10 + (n * 7) % 5:02d}").date(),
                stage="conclude",
            )
            for n, day in enumerate((5, 1, 9, 9, 3, 7))
        ]
    )
    Petition.objects.bulk_create([petition(world.township, summary="道路修缮", content="村道破损。")])
    return made


def _ordered(sort: str, *, indexed: bool) -> list[int]:
    queryset = petition_search_filter(Petition.objects.all(), "工资")
    return list(queryset.order_by(*ledger_order(sort, indexed=indexed)).values_list("pk", flat=True))


@pytest.mark.parametrize("sort", sorted(SORTS))
def test_the_unindexed_order_is_the_same_order(dated: list[Petition], sort: str) -> None:
    indexed = _ordered(sort, indexed=True)
    assert len(indexed) == len(dated)
    assert _ordered(sort, indexed=False) == indexed


def _page_sql(client: Client, url: str) -> tuple[Any, list[str]]:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    sqls = [q["sql"] for q in queries.captured_queries]
    return response, [sql for sql in sqls if "petitions_petition" in sql or sql.startswith("SET LOCAL")]


def _sorted_after_matching(sqls: list[str]) -> bool:
    return any("ORDER BY COALESCE(" in sql for sql in sqls)


def _walked(sqls: list[str]) -> bool:
    """A page read in the order's index: on SQLite with the matches as a set (``+id IN``), on
    PostgreSQL with the planner held to the walk for that query alone (``IndexWalkIterable``)."""
    ordered = [i for i, sql in enumerate(sqls) if 'ORDER BY "petitions_petition"."received_at" DESC' in sql]
    if connection.vendor == "sqlite":
        return bool(ordered) and any('+"petitions_petition"."id" IN (SELECT rowid' in sql for sql in sqls)
    return any(
        0 < i < len(sqls) - 1
        and sqls[i - 1].startswith("SET LOCAL enable_bitmapscan = off;")
        and sqls[i + 1].startswith("SET LOCAL enable_bitmapscan TO DEFAULT;")
        for i in ordered
    )


def _planner_settings() -> tuple[str, ...]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT string_agg(setting, ',' ORDER BY name) FROM pg_settings WHERE name IN "
            "('enable_bitmapscan', 'enable_seqscan', 'max_parallel_workers_per_gather')"
        )
        return tuple(cursor.fetchone()[0].split(","))


def test_the_walking_form_finds_the_same_matters(world: World, matters: list[Petition]) -> None:
    visible = petition_list(user=world.user("office"), action=Action.PETITION_VIEW)
    for q in ("工资", "纠纷", "拖欠工资", "医保"):
        plain = set(petition_search_filter(visible, q).values_list("pk", flat=True))
        assert set(petition_search_filter(visible, q, walk=True).values_list("pk", flat=True)) == plain


@pytest.mark.parametrize("url", ["/petitions/?q=工资", "/api/petitions?q=工资"])
def test_a_search_page_is_read_by_the_number_of_matches(
    world: World, dated: list[Petition], url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    client = Client()
    client.force_login(world.user("office"))
    newest_first = sorted(dated, key=lambda p: (p.received_at, p.pk), reverse=True)
    expected = [p.number for p in newest_first]

    def numbers(response: Any) -> list[str]:
        if url.startswith("/api/"):
            assert response.json()["count"] == len(dated)
            return [item["number"] for item in response.json()["items"]]
        assert response.context["page_obj"].paginator.count == len(dated)
        return [row.petition.number for row in response.context["rows"]]

    # Few matches: read and sorted (PostgreSQL's estimate of the table is made a province's).
    monkeypatch.setattr(ledger, "ledger_table_rows", lambda using: 1_000_000)
    response, sqls = _page_sql(client, url)
    assert _sorted_after_matching(sqls) and not _walked(sqls), sqls
    assert numbers(response) == expected

    # Many: the page walks the date index; the count still reads the matches.
    monkeypatch.setattr(ledger, "SQLITE_FEW_MATCHES", len(dated) - 1)
    monkeypatch.setattr(ledger, "POSTGRESQL_WALK_FACTOR", 0)
    settings_before = _planner_settings() if connection.vendor == "postgresql" else ()
    response, sqls = _page_sql(client, url)
    assert _walked(sqls) and not _sorted_after_matching(sqls), sqls
    assert numbers(response) == expected
    if connection.vendor == "postgresql":
        # The walk's settings were the page query's alone: the test's transaction is back as it was.
        assert _planner_settings() == settings_before == ("on", "on", "2")
    count_sql = next(sql for sql in sqls if "COUNT(" in sql)
    if connection.vendor == "sqlite":
        assert '"petitions_petition"."id" IN (SELECT rowid' in count_sql, count_sql
        assert '+"petitions_petition"."id"' not in count_sql, count_sql

    # A sort no index serves is sorted after matching, however many.
    response, sqls = _page_sql(client, url + "&sort=due_on")
    assert _sorted_after_matching(sqls) and not _walked(sqls), sqls
    due_first = sorted(dated, key=lambda p: (p.due_on is None, p.due_on, p.pk))
    assert numbers(response) == [p.number for p in due_first]

    # Without a search, the ledger keeps its index.
    _response, sqls = _page_sql(client, url.split("?")[0] + "?sort=-received_at")
    assert not _sorted_after_matching(sqls), sqls


@pytest.mark.parametrize("url", ["/petitions/?q=工资", "/api/petitions?q=工资"])
def test_a_small_scope_is_searched_from_its_own_rows(
    world: World, dated: list[Petition], url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The scope's ids of the matches are read once, then counted and sorted by id, with the same
    rows, count and order as the plain form, and nothing from outside the scope."""
    outside = Petition.objects.bulk_create([petition(world.other_township, summary="拖欠工资外镇")])[0]
    client = Client()
    client.force_login(world.user("office"))
    monkeypatch.setattr(ledger, "SCOPE_SHARE", 1)  # the test's scope is half its units
    monkeypatch.setattr(ledger, "SCOPE_ROWS", 1_000_000)

    def numbers(response: Any) -> tuple[int, list[str]]:
        if url.startswith("/api/"):
            return response.json()["count"], [item["number"] for item in response.json()["items"]]
        rows = response.context["rows"]
        return response.context["page_obj"].paginator.count, [row.petition.number for row in rows]

    for sort, key in (
        ("-received_at", lambda p: (p.received_at, p.pk)),
        ("due_on", lambda p: (p.due_on is None, p.due_on, p.pk)),
    ):
        response, sqls = _page_sql(client, f"{url}&sort={sort}")
        in_order = sorted(dated, key=key, reverse=sort.startswith("-"))
        assert numbers(response) == (len(dated), [p.number for p in in_order])
        assert outside.number not in response.content.decode()
        # One read of the matches, from the scope, unordered; the count and the page by id.
        if connection.vendor == "sqlite":
            matched = [sql for sql in sqls if "MATCH" in sql]
            assert len(matched) == 1 and '+"petitions_petition"."id" IN (SELECT rowid' in matched[0], sqls
            by_id = "json_each"
        else:  # the stored vector tested on the scope's rows, by a function no index serves
            matched = [sql for sql in sqls if "ts_match_vq" in sql or "@@" in sql]
            assert len(matched) == 1 and 'ts_match_vq("petitions_petition"."search_vector"' in matched[0], (
                sqls
            )
            by_id = '"petitions_petition"."id" = ANY('
        assert "ORDER BY" not in matched[0], matched[0]
        assert all(by_id in sql for sql in sqls if sql not in matched and "COUNT(" in sql), sqls


@pytest.mark.parametrize("sort", ["-received_at", "due_on", "status"])
def test_postgresql_sorts_a_sparse_scope_from_its_rows(
    world: World, dated: list[Petition], sort: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Without a search, a sparse scope's list is sorted after reading it on PostgreSQL (its planner
    walked a province's deadline index for a township office) and read in the order's index on
    SQLite; the rows and their order are the same either way."""
    client = Client()
    client.force_login(world.user("office"))

    def page(table_rows: int) -> tuple[list[str], list[str]]:
        monkeypatch.setattr(ledger, "ledger_table_rows", lambda using: table_rows)
        response, sqls = _page_sql(client, f"/petitions/?sort={sort}")
        return [row.petition.number for row in response.context["rows"]], sqls

    # The test's scope is half its units: of 100 matters, 50 are cheaper to sort than to walk for.
    sparse, sqls = page(100)
    assert len(sparse) == len(dated) + 1
    assert _sorted_after_matching(sqls) is (connection.vendor == "postgresql"), sqls
    dense, sqls = page(1_000_000)
    assert not _sorted_after_matching(sqls), sqls
    assert dense == sparse


def test_when_a_list_is_sorted_from_the_scope(monkeypatch: pytest.MonkeyPatch) -> None:
    """PostgreSQL only, when the scope's rows² < 50 × the table's rows."""
    postgresql = connection.vendor == "postgresql"
    monkeypatch.setattr(ledger, "ledger_table_rows", lambda using: 1_000_000)
    monkeypatch.setattr(ledger, "ledger_instance_units", lambda using: 20_000)  # a province
    assert ledger.ledger_sorted_from_scope("default", 21) is postgresql  # a township office: 1,050
    assert ledger.ledger_sorted_from_scope("default", 141) is postgresql  # 7,050 matters
    assert not ledger.ledger_sorted_from_scope("default", 142)
    assert not ledger.ledger_sorted_from_scope("default", 401)  # a county office: ~20,000
    assert not ledger.ledger_sorted_from_scope("default", None)  # the whole instance
    monkeypatch.setattr(ledger, "ledger_table_rows", lambda using: 100_000)
    monkeypatch.setattr(ledger, "ledger_instance_units", lambda using: 401)  # a county
    assert not ledger.ledger_sorted_from_scope("default", 21)  # a township office: ~5,200


def test_when_a_search_starts_from_the_scope(monkeypatch: pytest.MonkeyPatch) -> None:
    """At most 1/40 of the instance's units and an estimated 30,000 matters (both databases)."""
    monkeypatch.setattr(ledger, "ledger_table_rows", lambda using: 1_000_000)
    monkeypatch.setattr(ledger, "ledger_instance_units", lambda using: 20_000)  # a province
    assert ledger.ledger_search_from_scope("default", 21)  # a township office
    assert ledger.ledger_search_from_scope("default", 401)  # a county office
    assert ledger.ledger_search_from_scope("default", 500)  # 1/40 of the units
    assert not ledger.ledger_search_from_scope("default", 501)
    monkeypatch.setattr(ledger, "ledger_table_rows", lambda using: 2_000_000)
    assert ledger.ledger_search_from_scope("default", 300)  # ~30,000 matters
    assert not ledger.ledger_search_from_scope("default", 301)
    monkeypatch.setattr(ledger, "ledger_table_rows", lambda using: 1_000_000)
    assert not ledger.ledger_search_from_scope("default", None)  # the whole instance
    monkeypatch.setattr(ledger, "ledger_table_rows", lambda using: 100_000)
    monkeypatch.setattr(ledger, "ledger_instance_units", lambda using: 401)  # a county
    assert not ledger.ledger_search_from_scope("default", 21)  # 5% of the units
    assert ledger.ledger_search_from_scope("default", 10)


def test_when_a_search_page_walks(monkeypatch: pytest.MonkeyPatch) -> None:
    if connection.vendor == "postgresql":
        # Walk when matches² > 400 × the table's rows: ~6,300 matches of 10^5, ~20,000 of 10^6.
        monkeypatch.setattr(ledger, "ledger_table_rows", lambda using: 100_000)
        assert not ledger.ledger_search_walks("default", 6_000)
        assert ledger.ledger_search_walks("default", 7_000)
        monkeypatch.setattr(ledger, "ledger_table_rows", lambda using: 1_000_000)
        assert not ledger.ledger_search_walks("default", 15_000)
        assert ledger.ledger_search_walks("default", 25_000)
    else:
        assert not ledger.ledger_search_walks("default", 200)
        assert ledger.ledger_search_walks("default", 201)


def test_the_table_rows_are_estimated_and_kept(world: World, matters: list[Petition]) -> None:
    """PostgreSQL's estimate (after ANALYZE); on SQLite the highest id. Both kept for a while, as is
    the number of units."""
    ledger._table_rows.clear()
    ledger._instance_units.clear()
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE petitions_petition")
        assert ledger.ledger_table_rows("default") == Petition.objects.count() == len(matters)
    else:
        assert ledger.ledger_table_rows("default") == max(p.pk for p in matters)
    before = ledger.ledger_table_rows("default")
    assert ledger.ledger_instance_units("default") == Unit.objects.count()
    Petition.objects.bulk_create([petition(world.township, summary="道路修缮")])
    admin = world.user("admin")
    unit_create(actor=admin, parent=world.township, kind=UnitKind.VILLAGE, name="新村", code="HB-99")
    assert ledger.ledger_table_rows("default") == before  # read again ten minutes later
    assert ledger.ledger_instance_units("default") == Unit.objects.count() - 1
