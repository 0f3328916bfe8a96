"""Chinese full-text search over a matter's summary and text, through a database index.

Chinese has no spaces between words, and a general-purpose tokenizer would either see a whole
sentence as one word or every character as a word. So the text is indexed as its overlapping
two-character pieces (bigrams): 拖欠工资 -> 拖欠 欠工 工资. A query is cut the same way and every
piece must occur, so a two-character word (工资, 土地) is one exact index look-up, and a longer
phrase finds the matters that contain all its pieces (the pieces need not be adjacent: the index
keeps no positions, which is a rare false positive and never a miss). ASCII words (names of
companies, numbers) are indexed whole, lower-cased.

``Petition.search_text`` holds these tokens, space-separated; the services fill it with
``search_text_for`` on every write of the summary or text. The index over it is per vendor
(migrations 0002 and 0006):

- SQLite: the FTS5 table ``petitions_search`` (external content: the rows of
  ``petitions_petition``, ``content_rowid=id``; default ``unicode61`` tokenizer, which splits on
  the spaces), kept in step by triggers, so ``bulk_create`` and raw updates are indexed too.
- PostgreSQL: the generated column ``search_vector`` (``to_tsvector('simple', search_text)``,
  stored; migration 0006, not a model field: Django never writes it, the database computes it on
  every insert and update) and its GIN index ``petitions_search_vector_gin``.

A query without any two-character piece (a single Chinese character, or only punctuation) cannot
use the index: ``petition_search_filter`` then falls back to a substring match on the summary
only (at most 200 characters a row); ``LedgerFilterForm`` refuses such a query with a message, so
pages and the API never reach the fallback.
"""

import re
import unicodedata
from typing import Any, TypeVar

from django.db import connections
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import BooleanField, F, Func, Q, QuerySet, Value
from django.db.models.expressions import Col, RawSQL
from django.db.models.sql.compiler import SQLCompiler

#: Distinct tokens kept per matter: the summary's come first, so it is always searchable; 4,000
#: distinct bigrams cover about 8,000-10,000 characters of ordinary Chinese text.
MAX_TOKENS = 4000
#: Tokens of a query that are ANDed; a pasted paragraph is cut here rather than sent whole.
MAX_QUERY_TOKENS = 32
#: An ASCII word longer than this is cut (no real word is; it keeps the index rows small).
MAX_WORD_LENGTH = 40

#: The FTS5 table (SQLite, migration 0002), the stored vector column and its GIN index
#: (PostgreSQL, migration 0006).
SQLITE_TABLE = "petitions_search"
POSTGRES_COLUMN = "search_vector"
POSTGRES_INDEX = "petitions_search_vector_gin"

#: Runs of CJK ideographs (unified, extension A, compatibility, and the supplementary planes) or of
#: ASCII letters and digits (after NFKC, so full-width ＡＢＣ１２３ counts as ASCII).
_RUNS = re.compile(
    r"(?P<cjk>[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f]+)|(?P<word>[0-9a-z]+)"
)

Q_ = TypeVar("Q_", bound=QuerySet[Any])


def _tokens(text: str, limit: int) -> list[str]:
    """The distinct bigrams of CJK runs and the ASCII words of ``text``, in order of appearance."""
    seen: dict[str, None] = {}
    for match in _RUNS.finditer(unicodedata.normalize("NFKC", text).lower()):
        run = match.group("cjk")
        if run is not None:
            pieces: list[str] = [run[i : i + 2] for i in range(len(run) - 1)]
        else:
            pieces = [match.group("word")[:MAX_WORD_LENGTH]]
        for piece in pieces:
            seen.setdefault(piece, None)
            if len(seen) >= limit:
                return list(seen)
    return list(seen)


def search_text_for(summary: str, content: str) -> str:
    """The index text of a matter: its tokens, space-separated, summary first (see module doc)."""
    return " ".join(_tokens(f"{summary}\n{content}", MAX_TOKENS))


def search_query_tokens(q: str) -> list[str]:
    """A user's query cut like the index: 工资 -> [工资]; 拖欠工资 -> [拖欠, 欠工, 工资]; 地 -> []."""
    return _tokens(q, MAX_QUERY_TOKENS)


class _TsvectorMatch(Func):
    """``<table>.search_vector @@ plainto_tsquery('simple', %s)`` (PostgreSQL).

    Given ``F("search_text")``, written as an expression (not raw SQL) so the column is qualified
    with whatever alias the query gives the table: the vector column, not a model field, is named
    beside that alias as Django's ``Col`` names its own. plainto_tsquery ANDs the words and treats
    every character of the query as text, never syntax.
    """

    output_field = BooleanField()

    def __init__(self, column: Any, query: Any, *, indexed: bool = True) -> None:
        super().__init__(column, query)
        self.indexed = indexed

    def as_sql(  # type: ignore[override]
        self, compiler: SQLCompiler, connection: BaseDatabaseWrapper, **extra_context: Any
    ) -> tuple[str, list[Any]]:
        column, query = self.get_source_expressions()
        if not isinstance(column, Col):
            raise TypeError(f"_TsvectorMatch expects a table's column, not {column!r}")
        vector_sql = ".".join(map(compiler.quote_name_unless_alias, (column.alias, POSTGRES_COLUMN)))
        query_sql, query_params = compiler.compile(query)
        tsquery = f"plainto_tsquery('simple', {query_sql})"
        # ``indexed=False``: the function behind ``@@``, which no index serves, so the planner
        # starts from the other conditions (the scope) and tests each of their rows here.
        sql = f"{vector_sql} @@ {tsquery}" if self.indexed else f"ts_match_vq({vector_sql}, {tsquery})"
        return sql, list(query_params)


def _fts5_query(tokens: list[str]) -> str:
    """Each token as an FTS5 string (a double quote doubled), space-separated: an implicit AND."""
    return " ".join('"' + token.replace('"', '""') + '"' for token in tokens)


class _RowidAmong(Func):
    """``+<id> IN (<matches>)`` (SQLite): the same rows as ``id IN (…)``, but the unary plus keeps
    SQLite from reading the matches one by one through the primary key; it builds their set once
    and looks each row it walks up in it (``petition_search_filter(walk=True)``). RawSQL compiles
    with its own parentheses (a second pair would make it a scalar subquery: its first row only)."""

    template = "+%(expressions)s"
    arg_joiner = " IN "
    output_field = BooleanField()


def petition_search_filter(queryset: Q_, q: str, *, walk: bool = False) -> Q_:
    """``queryset`` narrowed to the matters whose summary or text contains every word of ``q``.

    The user's text only ever travels as a bound parameter. An empty query returns the queryset
    unchanged; a query without an indexable piece matches on the summary only (module doc).

    ``walk``: the form that tests each row of another index's walk (the scope's, or on SQLite the
    order's): on SQLite a look-up in the set of matches, on PostgreSQL the stored vector tested by
    ``ts_match_vq``, which no index serves (``ledger.ledger_pages`` says when). Without it, both
    read the matches through the text index, which is right for a count of a large scope.
    """
    q = q.strip()
    if not q:
        return queryset
    tokens = search_query_tokens(q)
    if not tokens:
        return queryset.filter(summary__icontains=q)
    vendor = connections[queryset.db].vendor
    if vendor == "sqlite":
        # The SQL is a constant; the user's words are the bound parameter.
        matching = RawSQL(  # noqa: S611
            "SELECT rowid FROM petitions_search WHERE petitions_search MATCH %s", [_fts5_query(tokens)]
        )
        if walk:
            return queryset.filter(_RowidAmong(F("id"), matching))
        return queryset.filter(Q(id__in=matching))
    if vendor == "postgresql":
        return queryset.filter(_TsvectorMatch(F("search_text"), Value(" ".join(tokens)), indexed=not walk))
    # Another database has no index of ours: a scan of the token text, correct but slow.
    condition = Q()
    for token in tokens:
        condition &= Q(search_text__contains=token)
    return queryset.filter(condition)


# --- keeping the SQLite index whole ----------------------------------------------------------
# Django rebuilds a SQLite table for most ALTERs (copy, drop, rename): dropping the old table drops
# its triggers. A later migration that alters petitions_petition must therefore call
# ``sqlite_search_triggers_create`` again; test_search checks that the triggers are there.

SQLITE_TRIGGERS = {
    "petitions_search_ai": (
        "CREATE TRIGGER IF NOT EXISTS petitions_search_ai AFTER INSERT ON petitions_petition BEGIN "
        "INSERT INTO petitions_search(rowid, search_text) VALUES (new.id, new.search_text); END"
    ),
    "petitions_search_ad": (
        "CREATE TRIGGER IF NOT EXISTS petitions_search_ad AFTER DELETE ON petitions_petition BEGIN "
        "INSERT INTO petitions_search(petitions_search, rowid, search_text) "
        "VALUES ('delete', old.id, old.search_text); END"
    ),
    "petitions_search_au": (
        "CREATE TRIGGER IF NOT EXISTS petitions_search_au AFTER UPDATE OF search_text ON petitions_petition "
        "WHEN old.search_text IS NOT new.search_text BEGIN "
        "INSERT INTO petitions_search(petitions_search, rowid, search_text) "
        "VALUES ('delete', old.id, old.search_text); "
        "INSERT INTO petitions_search(rowid, search_text) VALUES (new.id, new.search_text); END"
    ),
}


def sqlite_search_triggers_create(connection: BaseDatabaseWrapper, *, rebuild: bool = True) -> None:
    """(Re-)create the SQLite sync triggers and, by default, rebuild the index from the rows."""
    with connection.cursor() as cursor:
        for sql in SQLITE_TRIGGERS.values():
            cursor.execute(sql)
        if rebuild:
            cursor.execute("INSERT INTO petitions_search(petitions_search) VALUES ('rebuild')")
