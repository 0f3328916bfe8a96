"""The role × route permission table harness.

Every URL pattern of the project must have an entry in some app's ``tests/permission_table.py``
(``TABLE: dict[url_name, list[Check]]``); the test walks the URL resolver and fails on a route
without one. Each check says, for anonymous and every role, what a request must get:
a status code, or ``LOGIN`` (a redirect to the login page).
"""

import importlib
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.apps import apps
from django.urls import URLPattern, URLResolver, get_resolver

from zhenwu.testing.world import World

LOGIN = "login"
ROLES = ("anonymous", "admin", "office", "leader", "reporter", "mediator", "oversight")
Outcome = int | str


def expect(
    *,
    anonymous: Outcome = LOGIN,
    admin: Outcome,
    office: Outcome,
    leader: Outcome,
    reporter: Outcome,
    mediator: Outcome,
    oversight: Outcome,
) -> dict[str, Outcome]:
    return {
        "anonymous": anonymous,
        "admin": admin,
        "office": office,
        "leader": leader,
        "reporter": reporter,
        "mediator": mediator,
        "oversight": oversight,
    }


def every_role(outcome: Outcome, *, anonymous: Outcome = LOGIN) -> dict[str, Outcome]:
    return {role: (anonymous if role == "anonymous" else outcome) for role in ROLES}


def _no_kwargs(world: World) -> dict[str, Any]:
    return {}


@dataclass(frozen=True)
class Check:
    expect: Mapping[str, Outcome]
    method: str = "GET"
    kwargs: Callable[[World], dict[str, Any]] = _no_kwargs
    data: Callable[[World], dict[str, Any]] | None = None
    json: bool = False  # send ``data`` as a JSON body (API routes)
    query: str = ""
    headers: dict[str, str] = field(default_factory=dict)


def iter_url_names(
    patterns: list[URLPattern | URLResolver] | None = None, namespace: str = ""
) -> Iterator[str]:
    """Every named URL pattern of the project as ``namespace:name``; unnamed ones as their regex."""
    if patterns is None:
        patterns = get_resolver().url_patterns
    for p in patterns:
        if isinstance(p, URLResolver):
            ns = namespace
            if p.namespace:
                ns = f"{namespace}{p.namespace}:"
            yield from iter_url_names(p.url_patterns, ns)
        else:
            yield f"{namespace}{p.name}" if p.name else f"{namespace}<unnamed {p.pattern}>"


def collect_tables() -> dict[str, list[Check]]:
    """Merge the ``TABLE`` of every installed zhenwu app's ``tests.permission_table`` module."""
    merged: dict[str, list[Check]] = {}
    for config in apps.get_app_configs():
        if not config.name.startswith("zhenwu."):
            continue
        try:
            module = importlib.import_module(f"{config.name}.tests.permission_table")
        except ModuleNotFoundError:
            continue
        for name, checks in module.TABLE.items():
            assert name not in merged, f"{name} is declared twice"
            merged[name] = checks
    return merged


def table_key(url_name: str) -> str:
    """Django admin's hundreds of routes share one rule, checked on its index and one model."""
    return "admin:*" if url_name.startswith("admin:") else url_name
