"""Data sources: figures a report type takes from zhenwu's own data instead of a reporter's count.

A weekly dispute report is prefilled from the mediation ledger, a daily report's incident counts
from the safety app. The app that owns the data registers a source in its ``AppConfig.ready``::

    register_source(DataSource(
        key="mediation.disputes",
        label=_("Mediation ledger"),
        fields=(FieldSpec("disputes_received", "受理矛盾纠纷", FieldKind.COUNT), ...),
        compute=dispute_counts,  # (unit, since, until) -> {"disputes_received": 3, ...}
    ))

A ``ReportType`` names its source by key (``ReportType.source``); the submit page then shows the
figures for the slot's unit over the slot's period as initial values (``selectors.slot_prefill``),
and the reporter checks and submits them. Nothing is submitted automatically, and a source that is
no longer registered (its app removed) leaves the form to be filled in by hand.

``compute`` is the owning app's code: it must count the unit's whole subtree over
``[since, until)`` with a fixed number of queries, and return only keys of its ``fields``.
"""

import datetime
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.utils.functional import Promise

from zhenwu.core.models import Unit
from zhenwu.reports.choices import FieldKind
from zhenwu.reports.fields import KEY_RE, FieldSpec

#: ``<app>.<name>``: the owning app's label first, so two apps cannot take the same key by accident.
SOURCE_KEY_RE = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$")
#: ``ReportType.source`` holds the key.
MAX_SOURCE_KEY = 60

Figures = Mapping[str, int | str | bool]
Compute = Callable[[Unit, datetime.datetime, datetime.datetime], Figures]


@dataclass(frozen=True)
class DataSource:
    """Figures some app computes for a unit's subtree over a period, for prefilling reports."""

    key: str
    label: str | Promise
    fields: tuple[FieldSpec, ...]
    compute: Compute

    def definition(self) -> list[dict[str, Any]]:
        """The source's fields as a report form definition (labels in the active language)."""
        return [{**spec.as_dict(), "label": str(spec.label)} for spec in self.fields]


_SOURCES: dict[str, DataSource] = {}


def _check(source: DataSource) -> None:
    """A malformed source is a programming error of the registering app: refuse it at start-up."""
    if len(source.key) > MAX_SOURCE_KEY or not SOURCE_KEY_RE.match(source.key):
        raise ImproperlyConfigured(
            f"data source key {source.key!r} must be '<app>.<name>' (a-z, 0-9, _), "
            f"at most {MAX_SOURCE_KEY} characters"
        )
    if not source.fields:
        raise ImproperlyConfigured(f"data source {source.key!r} provides no fields")
    seen: set[str] = set()
    for spec in source.fields:
        if not KEY_RE.match(spec.key) or spec.key in seen:
            raise ImproperlyConfigured(f"data source {source.key!r}: bad or repeated field key {spec.key!r}")
        if spec.kind not in FieldKind.values:
            raise ImproperlyConfigured(f"data source {source.key!r}: unknown kind {spec.kind!r}")
        seen.add(spec.key)


def register_source(source: DataSource) -> None:
    """Make ``source`` available to report types. Registering the same source again does nothing.

    ``ready()`` may run more than once (tests, management commands); a *different* source under a
    key already taken is two apps claiming one key, refused rather than letting the last one win.
    """
    _check(source)
    existing = _SOURCES.get(source.key)
    if existing is not None:
        if existing is source or existing == source:
            return
        raise ImproperlyConfigured(f"data source {source.key!r} is already registered by another app")
    _SOURCES[source.key] = source


def get_source(key: str) -> DataSource | None:
    """The registered source ``key``, or None (no such key, or its app is not installed any more)."""
    return _SOURCES.get(key) if key else None


def all_sources() -> list[DataSource]:
    """Every registered source, by key."""
    return sorted(_SOURCES.values(), key=lambda source: source.key)
