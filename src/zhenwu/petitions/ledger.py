"""The petition ledger (信访台账): filters, sort and the rows shown in the list and the export.

The caller passes a queryset already scoped to the user (``selectors.petition_scope_q``); this
module narrows and orders it and never widens it. ``LedgerFilterForm`` parses the same filters for
the page and the API.
"""

import datetime
import hashlib
import time
from collections.abc import Callable, Iterable
from typing import Any, TypedDict, TypeVar

from django import forms
from django.db import connections
from django.db.models import F, JSONField, OrderBy, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import JSONArray
from django.db.models.lookups import IsNull
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from zhenwu.core.forms import UnitCodeField
from zhenwu.core.models import Unit, User
from zhenwu.core.models.units import unit_subtree_q
from zhenwu.core.personal_data import mask_id_number, mask_name, mask_phone
from zhenwu.core.scoping import Action
from zhenwu.core.sql import InIdList, JSONGroupArray, PlannerSettingsIterable, Unindexed, with_iterable
from zhenwu.core.views.common import PER_PAGE, Paged
from zhenwu.petitions.choices import IntakeChannel, Status
from zhenwu.petitions.models import STAFF_STAGES, Category, Petition, PetitionParty
from zhenwu.petitions.search import petition_search_filter, search_query_tokens
from zhenwu.petitions.selectors import petition_list, petition_scope_sides, petition_scope_units

P = TypeVar("P", bound=QuerySet[Petition])

DEFAULT_SORT = "-received_at"
#: The sorts a user may ask for; anything else falls back to DEFAULT_SORT. Ties go by id, so pages
#: never repeat or skip a row.
SORT_CHOICES = [
    ("-received_at", _("Newest first")),
    ("received_at", _("Oldest first")),
    ("due_on", _("Deadline, soonest first")),
    ("-due_on", _("Deadline, latest first")),
    ("number", _("Registration number, ascending")),
    ("-number", _("Registration number, descending")),
    ("status", _("Status, A to Z")),
    ("-status", _("Status, Z to A")),
]
SORTS = frozenset(key for key, _label in SORT_CHOICES)

#: Columns the list page reads; everything else (the full text above all) stays deferred.
LEDGER_FIELDS = (
    "id",
    "number",
    "channel",
    "summary",
    "status",
    "stage",
    "due_on",
    "received_at",
    "accepted_at",
    "declined_at",
    "answered_at",
    "closed_at",
    "is_collective",
    "headcount",
    "unit__id",
    "unit__name",
    "unit__code",
    "handling_unit__id",
    "handling_unit__name",
    "handling_unit__code",
    "category__id",
    "category__name",
)


class LedgerFilters(TypedDict, total=False):
    """Keyword arguments of ``ledger_filter`` as parsed by ``LedgerFilterForm``."""

    status: str | None
    unit: Unit | None
    category: Category | None
    channel: str | None
    received_from: datetime.date | None
    received_to: datetime.date | None
    overdue: bool
    q: str
    sort: str


def _local_midnight(day: datetime.date) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time.min, tzinfo=timezone.get_current_timezone())


def ledger_order(sort: str, *, indexed: bool = True) -> list[OrderBy]:
    """The ORDER BY of a whitelisted sort (an unknown one gives the default), ties broken by id
    (by status: by date, then id). A descending sort is the exact reverse of its ascending one.

    Matters without a running deadline sort last either way, written as ``due_on IS NULL`` first
    (not ``NULLS LAST``, which SQLite's indexes cannot serve): an index on the same expressions
    then serves the order on both databases (``vendor_indexes``), and page 1 of a county sorted
    by deadline is read from it instead of sorting 10^5 matters.

    ``indexed=False``: the same order, written so that no index serves it (``core.sql.Unindexed``):
    a search's page when it has few matches (``ledger_pages``).
    """
    if sort not in SORTS:
        sort = DEFAULT_SORT
    name = sort.removeprefix("-")
    column = F(name) if indexed else Unindexed(name)
    descending = sort.startswith("-")

    def way(expression: Any) -> OrderBy:
        return OrderBy(expression, descending=descending)

    def against(expression: Any) -> OrderBy:
        return OrderBy(expression, descending=not descending)

    if name == "due_on":
        return [IsNull(column, True).asc(), way(column), way(F("id"))]
    if name == "status":
        # Within a status, newest first ("-status": the exact reverse), as the status filter lists
        # them: one index serves both (``vendor_indexes``).
        return [way(column), against(F("received_at")), against(F("id"))]
    return [way(column), way(F("id"))]


def ledger_filter(
    queryset: P,
    *,
    status: str | None = None,
    unit: Unit | None = None,
    category: Category | None = None,
    channel: str | None = None,
    received_from: datetime.date | None = None,
    received_to: datetime.date | None = None,
    overdue: bool = False,
    q: str = "",
    sort: str = DEFAULT_SORT,
    today: datetime.date | None = None,
    walk: bool = False,
) -> P:
    """``queryset`` narrowed by the ledger's filters and ordered by ``sort``.

    ``unit``: matters registered by or assigned to the unit or any unit below it.
    ``category``: the category and its sub-categories.
    ``received_from`` / ``received_to``: local calendar days, both included.
    ``overdue``: a staff deadline (acceptance, conclusion, review, re-review) passed before today.
    ``q``: Chinese full-text search over the summary and text (``search.petition_search_filter``;
    ``walk``: its form for a page read in the order's index, see ``ledger_pages``).
    """
    if status:
        queryset = queryset.filter(status=status)
    if unit is not None:
        subtree = Unit.objects.filter(unit_subtree_q(unit.path)).values("id")
        queryset = queryset.filter(Q(unit_id__in=subtree) | Q(handling_unit_id__in=subtree))
    if category is not None:
        categories = Category.objects.filter(Q(pk=category.pk) | Q(parent_id=category.pk)).values("id")
        queryset = queryset.filter(category_id__in=categories)
    if channel:
        queryset = queryset.filter(channel=channel)
    if received_from is not None:
        queryset = queryset.filter(received_at__gte=_local_midnight(received_from))
    if received_to is not None:
        queryset = queryset.filter(received_at__lt=_local_midnight(received_to + datetime.timedelta(days=1)))
    if overdue:
        queryset = queryset.filter(stage__in=STAFF_STAGES, due_on__lt=today or timezone.localdate())
    if q:
        queryset = petition_search_filter(queryset, q, walk=walk)
    return queryset.order_by(*ledger_order(sort))


#: How a search's page is read once its matches are counted (``ledger_pages``): sorted
#: after matching, or by walking the order's index and testing each row until the page is full
#: (~50 × table rows / matches rows, the matches being spread over time). Testing a walked row costs
#: PostgreSQL its text's tsvector (~25 µs) and SQLite a look-up in the set of matches (~1 µs);
#: reading a match costs both ~2-3 µs. So PostgreSQL walks when matches² > WALK_FACTOR × table rows
#: (with 10^5 matters: above ~6,300 matches; with 10^6: ~20,000), SQLite above SQLITE_FEW_MATCHES
#: (at most ~25,000 index entries of a county's 10^5). Measured with ``make bench`` at county and
#: province scale (docs/performance.md).
POSTGRESQL_WALK_FACTOR = 400
SQLITE_FEW_MATCHES = 200
#: The sorts an index serves, which a page can walk (the others are always sorted after matching).
WALKING_SORTS = frozenset({"-received_at", "received_at", "number", "-number"})
#: A search within a small scope is counted, and its matches read, from the scope's rows, each
#: tested against the words (``petition_search_filter(walk=True)``), instead of reading every match
#: in the instance to test the scope.
#: - SQLite: from the scope's covering indexes (``vendor_indexes``), each row looked up in the set
#:   of matches, ~1 µs a scope row against ~2.5 µs a match. In a province (122,530 matches of 工资)
#:   a township office's count took 390 → 42 ms, a county office's (20,000 matters in scope)
#:   311 → 69 ms.
#: - PostgreSQL: from the scope's indexes, each row's stored vector tested by ``ts_match_vq``,
#:   which no index serves. Its planner takes a county's 401 unit ids for 40% of a province's
#:   matters (they hold 2%) and read all 122,530 matches of 拖欠工资 to test the scope: a county
#:   office's ids 3.4 s → 37 ms, a township office's 69 → 4 ms.
#: "Small": at most SCOPE_ROWS rows (the scope bounds what it can lose: a rare word with three
#: matches costs ~30 ms there where reading them costs ~1 ms) and at most 1/SCOPE_SHARE of the
#: instance's units. Above that share SQLite's planner scans a whole index for the scope instead of
#: looking up its units (it averages a unit's rows over the units that hold any, the townships): a
#: township office of a county (5% of the units) then counted 工资 in 32 ms instead of 26; on
#: PostgreSQL the same office's ids took 11–12 ms from the scope against 7–12 ms from the matches.
SCOPE_ROWS = 30_000
SCOPE_SHARE = 40
#: SQLite counts a ledger without filters from the scope's two sides
#: (``selectors.petition_scope_sides``) when the scope holds at most 1/COUNT_SIDES_SHARE of the
#: instance's units: a side's covering index costs ~0.55 µs a scope row, the one index SQLite scans
#: for the whole scope ~0.25 µs a row of the table. A township office in a county (5% of the units)
#: 24 → 6 ms; a county office of that county (every unit) would take 71 ms instead of 53.
COUNT_SIDES_SHARE = 4
#: The table's rows and the instance's units, re-read after this long (per process).
TABLE_ROWS_SECONDS = 600
_table_rows: dict[str, tuple[float, int]] = {}
_instance_units: dict[str, tuple[float, int]] = {}


def _kept(cache: dict[str, tuple[float, int]], using: str, read: Callable[[], int]) -> int:
    now = time.monotonic()
    cached = cache.get(using)
    if cached is not None and now - cached[0] < TABLE_ROWS_SECONDS:
        return cached[1]
    value = read()
    cache[using] = (now, value)
    return value


def ledger_table_rows(using: str) -> int:
    """About how many matters the database holds, read once per ``TABLE_ROWS_SECONDS`` per
    process (a count would read them all): PostgreSQL's estimate (``pg_class.reltuples``, kept by
    ``ANALYZE`` and autovacuum); on SQLite the highest id (matters are never deleted)."""

    def read() -> int:
        with connections[using].cursor() as cursor:
            if connections[using].vendor == "postgresql":
                cursor.execute(
                    "SELECT reltuples FROM pg_class WHERE oid = %s::regclass", [Petition._meta.db_table]
                )
            else:
                cursor.execute(f"SELECT max(id) FROM {Petition._meta.db_table}")  # noqa: S608 -- a model's table
            found = cursor.fetchone()
        return max(int(found[0] or 0), 0) if found else 0  # -1: never analysed

    return _kept(_table_rows, using, read)


def ledger_search_walks(using: str, matches: int) -> bool:
    """Whether a search's page with ``matches`` matches walks the order's index (see above)."""
    vendor = connections[using].vendor
    if vendor == "postgresql":
        return matches * matches > POSTGRESQL_WALK_FACTOR * ledger_table_rows(using)
    if vendor == "sqlite":
        return matches > SQLITE_FEW_MATCHES
    return False


def ledger_instance_units(using: str) -> int:
    """How many units the instance has, read once per ``TABLE_ROWS_SECONDS`` per process."""
    return _kept(_instance_units, using, lambda: Unit.objects.using(using).count())


def ledger_search_from_scope(using: str, scope_units: int | None) -> bool:
    """Whether a search is counted from the scope (above): the scope holds at most
    1/``SCOPE_SHARE`` of the instance's units, and that share of the table's rows is at most
    ``SCOPE_ROWS``. ``scope_units``: how many units the scope covers
    (``selectors.petition_scope_units``), None for the whole instance."""
    if connections[using].vendor not in {"sqlite", "postgresql"} or scope_units is None:
        return False
    units = max(ledger_instance_units(using), 1)
    return scope_units * SCOPE_SHARE <= units and ledger_table_rows(using) * scope_units <= SCOPE_ROWS * units


def ledger_count_from_sides(using: str, scope_units: int | None) -> bool:
    """Whether an unfiltered ledger is counted from the scope's sides (``COUNT_SIDES_SHARE``)."""
    if connections[using].vendor != "sqlite" or scope_units is None:
        return False
    return scope_units * COUNT_SIDES_SHARE <= ledger_instance_units(using)


def ledger_sorted_from_scope(using: str, scope_units: int | None) -> bool:
    """Whether a list without a search is sorted from the scope's rows rather than read in its
    order's index: on PostgreSQL, when the scope is so sparse in the table that walking the index
    to fill a page (~``PER_PAGE`` × table rows / scope rows entries, each a heap row to test) costs
    more than reading the scope's rows and sorting them (scope rows² < ``PER_PAGE`` × table rows,
    the scope's rows estimated from its share of the units).

    PostgreSQL's planner takes a few units' ids for far more of a province's matters than they hold
    (see ``SCOPE_SHARE``), so it walks the index expecting to fill a page soon: a township office
    of a province sorted by deadline walked the deadline index for 228 ms, where reading its ~1,000
    matters and sorting them takes 21 ms (by channel 100 → 43 ms). A county office of the province
    (2% of it) fills a page in ~2,500 entries and keeps the walk (sorting its 20,000 matters: 60 →
    133 ms), as does a township office of a county. SQLite walks its covering indexes without
    reading the table and keeps the index order.
    """
    if connections[using].vendor != "postgresql" or scope_units is None:
        return False
    table = ledger_table_rows(using)
    scope_rows = table * scope_units / max(ledger_instance_units(using), 1)
    return scope_rows * scope_rows < PER_PAGE * table


class IndexWalkIterable(PlannerSettingsIterable):
    """A walking page's rows on PostgreSQL: the planner is left only the order's index.

    Its estimate of a word of several pieces assumes them independent (拖欠工资: 89 matches
    expected, 12,301 found in a county), so it reads every match through the text index, joins and
    sorts them (65 ms) where walking the date index finds a page in ~400 rows (10 ms). Without
    bitmap scans the text index cannot serve the query; without sequential scans the table is not
    read and sorted whole; without parallel workers the walk does not pay their start (~35 ms) and
    stops at the page. Used only where the count has shown the matches dense enough
    (``ledger_search_walks``).
    """

    SETTINGS = (
        ("enable_bitmapscan", "off"),
        ("enable_seqscan", "off"),
        ("max_parallel_workers_per_gather", "0"),
    )


Rows = Callable[[QuerySet[Petition]], QuerySet[Petition]]


def ledger_pages(user: User, filters: LedgerFilters, *, rows: Rows) -> Paged:
    """The ledger ``user`` may view, by ``filters``, as a ``Paged`` list for
    ``core.views.common.paginate`` and the API's pagination: the list is what is counted;
    ``page_list``, for a search, gives the queryset its page is read from once the number of
    matches is known; ``counter``, for a small scope without filters on SQLite, counts it from the
    scope's sides (``ledger_count_from_sides``). ``rows`` adds the columns and joins of the list
    (``ledger_rows``).

    Neither database can tell how many matches a word has in a user's scope before counting them,
    and both guessed wrong (PostgreSQL walked 40,000 rows for a county office's 2,400 matches in a
    province: 2 s). So the count runs first, then:

    - few matches (``ledger_search_walks``), or a sort no index serves: the matches, sorted
      (``ledger_order(indexed=False)``);
    - many: the order's index, each row tested; on SQLite the matches are then a set the walk
      looks rows up in (``petition_search_filter(walk=True)``), which SQLite's planner would not
      choose itself (a county office's page of 工资: 49 → 5 ms); PostgreSQL's planner is held to
      the walk (``IndexWalkIterable``).

    A small scope (``ledger_search_from_scope``) is read
    once, in that form, for the ids of its matches (at most ``SCOPE_ROWS``). The list is
    then those ids, counted and sorted without the text search: building the set of a word's
    matches costs ~35 ms in a province, and the count and the page each built it. The unit filter
    is left out of that estimate, which can only keep the plain form. Without a search, PostgreSQL
    sorts a sparse scope's rows (``ledger_sorted_from_scope``).
    """
    base = petition_list(user=user, action=Action.PETITION_VIEW)
    q = (filters.get("q") or "").strip()
    sort = filters.get("sort") or DEFAULT_SORT
    scope_units = petition_scope_units(user)
    if not q:
        listing = rows(ledger_filter(base, **filters))
        if ledger_sorted_from_scope(base.db, scope_units):
            return Paged(listing.order_by(*ledger_order(sort, indexed=False)))
        narrowed = any(value for key, value in filters.items() if key != "sort")
        if narrowed or not ledger_count_from_sides(base.db, scope_units):
            return Paged(listing)
        sides = petition_scope_sides(user, Action.PETITION_VIEW)
        assert sides is not None  # noqa: S101 -- a scope of units (petition_scope_units)
        first, second = (Petition.objects.filter(side).order_by().values("pk") for side in sides)
        return Paged(listing, counter=first.union(second, all=True).count)
    if ledger_search_from_scope(base.db, scope_units):
        # Unordered, the scope's indexes alone answer it (ordered, every row in scope was read).
        ids = list(ledger_filter(base, **filters, walk=True).order_by().values_list("pk", flat=True))
        # The ids are ``base``'s own (read just now); testing its scope again on each would let
        # SQLite walk the scope instead of the ids (a county office's count: 10 ms instead of 7).
        # No ids: ``InIdList`` matches nothing, and no query runs.
        found = Petition.objects.filter(InIdList("id", ids))
        return Paged(rows(found).order_by(*ledger_order(sort, indexed=False)))
    listing = rows(ledger_filter(base, **filters))

    def pages(count: int) -> QuerySet[Petition]:
        if sort not in WALKING_SORTS or not ledger_search_walks(base.db, count):
            return listing.order_by(*ledger_order(sort, indexed=False))
        # PostgreSQL is held to the walk by the planner settings; its text test keeps the indexed
        # form, so a deep page's ids (read without those settings) can still use the text index.
        walk = connections[base.db].vendor != "postgresql"
        return with_iterable(rows(ledger_filter(base, **filters, walk=walk)), IndexWalkIterable)

    return Paged(listing, page_list=pages)


#: Where ``ledger_rows`` puts each matter's petitioners: ``[is_representative, party id, name]``
#: per party, in no particular order (``_petitioner_names`` sorts them).
PARTIES_ATTR = "ledger_parties"


def ledger_rows(queryset: P) -> P:
    """The columns the list shows, with units, category and the petitioners' names in one query:
    the names come as one JSON array per matter (a correlated subquery on the parties' index),
    not as a ``Prefetch`` of party and petitioner objects, which cost ~6 ms of a ~50 ms page
    (``make bench``). The encrypted ID numbers and phones stay unread: a list shows names only
    (the export reads its own)."""
    parties = (
        PetitionParty.objects.filter(petition=OuterRef("pk"))
        .values("petition")
        .annotate(items=JSONGroupArray(JSONArray("is_representative", "id", "petitioner__name")))
        .values("items")
    )
    return (
        queryset.select_related("unit", "handling_unit", "category")
        .only(*LEDGER_FIELDS)
        .annotate(**{PARTIES_ATTR: Subquery(parties, output_field=JSONField())})
    )


# --- what a row shows ---------------------------------------------------------------------------

#: Separator of several petitioners in one cell (the Chinese enumeration comma).
NAME_SEPARATOR = "、"


def join_names(names: Iterable[str], *, unmasked: bool = False) -> str:
    """张*明、李* (or the real names when the caller has authorised it)."""
    return NAME_SEPARATOR.join(name if unmasked else mask_name(name) for name in names)


def join_id_numbers(numbers: Iterable[str], *, unmasked: bool = False) -> str:
    return NAME_SEPARATOR.join(n if unmasked else mask_id_number(n) for n in numbers if n)


def join_phones(phones: Iterable[str], *, unmasked: bool = False) -> str:
    return NAME_SEPARATOR.join(p if unmasked else mask_phone(p) for p in phones if p)


def _petitioner_names(petition: Petition) -> list[str]:
    """The names of the matter's petitioners, representatives first, then in the order entered."""
    if not hasattr(petition, PARTIES_ATTR):  # a matter not loaded through ledger_rows: one query
        ordered = petition.parties.order_by("-is_representative", "id")
        return list(ordered.values_list("petitioner__name", flat=True))
    parties = getattr(petition, PARTIES_ATTR) or []  # None: no parties
    return [name for _representative, _id, name in sorted(parties, key=lambda p: (not p[0], p[1]))]


def ledger_petitioner_names(petition: Petition, *, unmasked: bool = False) -> str:
    """张*明、李* (representatives first); real names only when the caller has authorised it."""
    return join_names(_petitioner_names(petition), unmasked=unmasked)


def is_overdue(stage: str, due_on: datetime.date | None, today: datetime.date) -> bool:
    """The rule of the ``overdue`` filter, for one row: a staff deadline passed before today."""
    return stage in STAFF_STAGES and due_on is not None and due_on < today


def ledger_is_overdue(petition: Petition, *, today: datetime.date | None = None) -> bool:
    return is_overdue(petition.stage, petition.due_on, today or timezone.localdate())


def response_days(received_at: datetime.datetime, answered_at: datetime.datetime | None) -> float | None:
    """Days from receipt to the written answer, one decimal; None while unanswered."""
    if answered_at is None:
        return None
    return round((answered_at - received_at).total_seconds() / 86400, 1)


def ledger_response_days(petition: Petition) -> float | None:
    return response_days(petition.received_at, petition.answered_at)


# --- the filter form (page and API) ---------------------------------------------------------------


class LedgerFilterForm(forms.Form):
    """The ledger's filters from a GET query string; ``ledger_filters()`` feeds ``ledger_filter``."""

    q = forms.CharField(
        label=_("Search"),
        required=False,
        max_length=100,
        help_text=_("Words of the summary or text, each at least two characters long."),
    )
    status = forms.ChoiceField(label=_("Status"), choices=[("", _("All")), *Status.choices], required=False)
    unit = UnitCodeField(label=_("Unit code"), required=False)
    category = forms.ModelChoiceField(
        label=_("Category"),
        # A sub-category's label names its parent (Category.__str__): one query, not one each.
        queryset=Category.objects.filter(is_active=True).select_related("parent"),
        required=False,
        empty_label=_("All"),
    )
    channel = forms.ChoiceField(
        label=pgettext_lazy("intake channel", "Channel"),
        choices=[("", _("All")), *IntakeChannel.choices],
        required=False,
    )
    received_from = forms.DateField(
        label=_("Received from"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    received_to = forms.DateField(
        label=_("Received until"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    overdue = forms.BooleanField(label=_("Overdue only"), required=False)
    # A plain field, not a ChoiceField: an unknown sort (an old bookmark) falls back to the default
    # instead of invalidating every other filter.
    sort = forms.CharField(
        label=_("Sort"), required=False, max_length=20, widget=forms.Select(choices=SORT_CHOICES)
    )

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        unit_field = self.fields["unit"]
        assert isinstance(unit_field, UnitCodeField)  # noqa: S101 -- declared above
        unit_field.user = user  # unit codes resolve within the user's own scope

    def clean_q(self) -> str:
        q = str(self.cleaned_data.get("q") or "").strip()
        if q and not search_query_tokens(q):
            raise forms.ValidationError(
                _("Enter a word of at least two characters."), code="search_too_short"
            )
        return q

    def clean_sort(self) -> str:
        sort = str(self.cleaned_data.get("sort") or "")
        return sort if sort in SORTS else DEFAULT_SORT

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("received_from"), data.get("received_to")
        if start and end and end < start:
            raise forms.ValidationError(_("The end date is before the start date."))
        return data

    def rendered_key(self) -> str:
        """What the HTML of every field but ``q`` depends on besides the language, as a digest for
        the page's fragment cache (``petition_list.html``): the other fields' values, the errors
        they gave (a unit code resolves in the person's scope) and the categories offered. Drawing
        them takes ~12 ms, a fifth of a ledger page (``make bench``); the key costs one small
        query, which the drawing needed anyway. The search words stay out of the cache and its
        key: they may name a person."""
        field = self.fields["category"]
        assert isinstance(field, forms.ModelChoiceField)  # noqa: S101 -- declared above
        categories = [(c.pk, str(c)) for c in field.queryset or ()]
        drawn = [(bound.name, bound.value(), list(bound.errors)) for bound in self if bound.name != "q"]
        raw = repr((drawn, categories))
        return hashlib.sha256(raw.encode()).hexdigest()[:32]

    def ledger_filters(self) -> LedgerFilters:
        """The keyword arguments for ``ledger_filter``; none (the whole ledger) if the form is invalid."""
        if not self.is_valid():
            return {}
        data = self.cleaned_data
        return LedgerFilters(
            status=data.get("status") or None,
            unit=data.get("unit"),
            category=data.get("category"),
            channel=data.get("channel") or None,
            received_from=data.get("received_from"),
            received_to=data.get("received_to"),
            overdue=bool(data.get("overdue")),
            q=data.get("q") or "",
            sort=data.get("sort") or DEFAULT_SORT,
        )
