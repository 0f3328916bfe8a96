"""Reads of the petitions app: one scoping rule for every page, API route and export.

A user sees the matters registered in their subtree or assigned to a unit in it, except:
- a matter that accuses the user's unit (or a unit above it) or the user personally is never
  visible to them (信访工作条例 Art. 30 ¶3: accusation materials are never passed to the accused);
- a matter the user recused themselves from (Art. 28 ¶3).
"""

import datetime
from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone

from zhenwu.core.exceptions import NotFound
from zhenwu.core.fields import lookup_values
from zhenwu.core.models import Unit, User
from zhenwu.core.models.units import unit_subtree_q
from zhenwu.core.scoping import Action, has_instance_scope, role_allows
from zhenwu.core.sql import InIdList
from zhenwu.petitions.choices import EventKind
from zhenwu.petitions.models import STAFF_STAGES, Petition, PetitionEvent, PetitionLink, Recusal


def petition_scope_q(user: User, action: str) -> Q:
    """The matters ``user`` may ``action``: registered or handled in their subtree, minus the shields.

    Written as ``unit_id IN (subtree ids)`` rather than joins on the unit paths: the foreign-key
    indexes answer them, and a township's count over 10^5 matters drops from ~90 ms to ~3 ms
    (make bench). The ids are read first, once per unit object (``_subtree_ids``), and travel as
    one parameter (``InIdList``).
    """
    if not role_allows(user, action):
        return Q(pk__in=[])
    if has_instance_scope(user):
        return ~_shield(user)
    if user.unit is None:
        return Q(pk__in=[])
    # The subtree's ids as a list (one indexed read of at most a county's ~400 units), not as a
    # subquery: with ``unit_id IN (SELECT …) OR handling_unit_id IN (SELECT …)`` PostgreSQL could not
    # use the two indexes and read all 10^6 matters of a province for a township (2.6 s a page,
    # ``make bench``); with two lists it combines the two index scans.
    subtree = _subtree_ids(user.unit)
    mine = Q(InIdList("unit_id", subtree)) | Q(InIdList("handling_unit_id", subtree))
    return mine & _unshielded(user)


def petition_scope_sides(user: User, action: str) -> tuple[Q, Q] | None:
    """``petition_scope_q`` as two parts that never share a matter: registered in the user's subtree,
    and handled there but registered outside it. None for a scope without sides (the instance, or
    nothing).

    Each part is one side's index alone, where the whole is an ``OR`` of two sides: SQLite counts
    the whole by reading every matter of the instance from one covering index (a township office in
    a county: 10^5 index entries, ~24 ms), and the two parts from the sides' covering indexes
    (``vendor_indexes``: ~6 ms). ``ledger.ledger_pages`` counts an unfiltered ledger this way.
    """
    if not role_allows(user, action) or has_instance_scope(user) or user.unit is None:
        return None
    subtree = _subtree_ids(user.unit)
    registered = Q(InIdList("unit_id", subtree))
    rest = _unshielded(user)
    return registered & rest, Q(InIdList("handling_unit_id", subtree)) & ~registered & rest


def _shield(user: User) -> Q:
    # The recusals as one uncorrelated ``id IN (SELECT …)`` (read once per query; usually empty),
    # not ``recusals__user`` (a correlated EXISTS probed for every row the query walks).
    recused = Recusal.objects.filter(user=user).values("petition_id")
    return Q(accused_user=user) | Q(pk__in=recused)


def _unshielded(user: User) -> Q:
    """Not shielded from a unit-scoped ``user``: neither their unit nor any unit above it accused
    (the user's unit is inside it), nor they themselves, nor recused. The unit ids come from the
    path (no subquery to build and compile in every scoped query)."""
    assert user.unit is not None  # noqa: S101 -- only for a unit-scoped user
    return ~Q(accused_unit_id__in=user.unit.lineage_ids()) & ~_shield(user)


def _subtree_ids(unit: Unit) -> list[int]:
    """The ids of ``unit`` and every unit below it, read once per unit object (a request's
    ``user.unit``): a page calls ``petition_list`` several times (dashboard panels, links, related
    matters), and the subtree does not change within a request."""
    cached: list[int] | None = getattr(unit, "_subtree_ids", None)
    if cached is None:
        cached = list(Unit.objects.filter(unit_subtree_q(unit.path)).values_list("pk", flat=True))
        unit._subtree_ids = cached  # type: ignore[attr-defined]
    return cached


def petition_scope_units(user: User) -> int | None:
    """How many units ``petition_scope_q`` covers for ``user``: None for the whole instance (an
    administrator). Plans a search (``ledger.ledger_search_from_scope``)."""
    if has_instance_scope(user):
        return None
    return len(_subtree_ids(user.unit)) if user.unit is not None else 0


def petition_list(*, user: User, action: str) -> QuerySet[Petition]:
    # No .distinct(): the only multi-valued relation (recusals) is negated, which Django turns into
    # a subquery, so rows never repeat (and DISTINCT would sort 10^6 rows on every column).
    return Petition.objects.filter(petition_scope_q(user, action))


def access_petition(user: User, pk: int | str, action: str) -> Petition:
    """One matter within the user's scope for ``action``, else NotFound (existence not revealed)."""
    try:
        return (
            petition_list(user=user, action=action)
            .select_related("unit", "handling_unit", "category", "lead_official", "accused_unit")
            .get(pk=pk)
        )
    except (Petition.DoesNotExist, ValueError, TypeError):
        raise NotFound() from None


def petition_due_soon(
    queryset: QuerySet[Petition], *, today: datetime.date | None = None, days: int = 3
) -> QuerySet[Petition]:
    """Matters whose staff deadline falls within ``days`` (today included), soonest first."""
    today = today or timezone.localdate()
    return queryset.filter(
        stage__in=STAFF_STAGES, due_on__gte=today, due_on__lte=today + datetime.timedelta(days=days)
    ).order_by("due_on", "id")


def petition_overdue(
    queryset: QuerySet[Petition], *, today: datetime.date | None = None
) -> QuerySet[Petition]:
    today = today or timezone.localdate()
    return queryset.filter(stage__in=STAFF_STAGES, due_on__lt=today).order_by("due_on", "id")


def petitioner_history(*, user: User, id_number: str) -> QuerySet[Petition]:
    """The resident's earlier matters that the user may see, newest first (shown at intake)."""
    if not id_number:
        return Petition.objects.none()
    return (
        petition_list(user=user, action=Action.PETITION_VIEW)
        .filter(parties__petitioner__id_number_hash__in=lookup_values(id_number, kind="id_number"))
        .distinct()  # a group matter may list the same resident twice
        .order_by("-received_at", "-id")
    )


def petition_links(*, user: User, petition: Petition) -> tuple[list[PetitionLink], list[PetitionLink]]:
    """The matter's links (to others, from others) whose other matter the user may see.

    A matter that accuses the user's unit stays out of sight through a link too (信访工作条例
    Art. 30): neither its number nor the link's note is shown.
    """
    links_from = list(petition.links_from.select_related("to_petition"))
    links_to = list(petition.links_to.select_related("from_petition"))
    seen = _visible_ids(
        user, {link.to_petition_id for link in links_from} | {link.from_petition_id for link in links_to}
    )
    return (
        [link for link in links_from if link.to_petition_id in seen],
        [link for link in links_to if link.from_petition_id in seen],
    )


def _visible_ids(user: User, ids: set[int]) -> set[int]:
    """Which of these few matters ``user`` may see: checked by id, never by listing the scope (a
    ``to_petition IN (the user's whole scope)`` filter read every matter in scope: 180 ms a page at
    county scale, for a matter that mostly has no link at all)."""
    if not ids:
        return set()
    return set(
        petition_list(user=user, action=Action.PETITION_VIEW).filter(pk__in=ids).values_list("pk", flat=True)
    )


def hidden_link_numbers(*, user: User, petition: Petition) -> set[str]:
    """Numbers of matters linked from ``petition`` that the user may not see."""
    linked = dict(petition.links_from.values_list("to_petition_id", "to_petition__number"))
    seen = _visible_ids(user, set(linked))
    return {number for pk, number in linked.items() if pk not in seen}


def event_shown(event: PetitionEvent, hidden_numbers: set[str]) -> tuple[dict[str, Any], str]:
    """An event's data and note as the viewer may read them: a link to a matter out of the
    viewer's sight says that a link exists, not to what or why."""
    data = dict(event.data or {})
    if event.kind == EventKind.LINKED and data.get("other") in hidden_numbers:
        return {}, ""
    return data, event.note
