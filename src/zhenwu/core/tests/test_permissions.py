"""The role × route permission test: every URL of the project, every role, one declared table."""

import json

import pytest
from django.core.cache import cache
from django.db import transaction
from django.test import Client
from django.urls import reverse

from zhenwu.testing.permissions import LOGIN, ROLES, Check, collect_tables, iter_url_names, table_key
from zhenwu.testing.world import World

TABLE = collect_tables()


def test_every_route_has_a_rule() -> None:
    missing = sorted({table_key(n) for n in iter_url_names()} - set(TABLE))
    assert not missing, f"routes without an entry in a permission table: {missing}"


def test_no_rule_for_a_route_that_does_not_exist() -> None:
    stale = sorted(set(TABLE) - {table_key(n) for n in iter_url_names()})
    assert not stale, f"permission table entries for routes that do not exist: {stale}"


def _url(name: str, check: Check, world: World) -> str:
    if name == "admin:*":
        return reverse("admin:index")
    return reverse(name, kwargs=check.kwargs(world)) + (f"?{check.query}" if check.query else "")


def _request(client: Client, check: Check, url: str, world: World) -> int | str:
    data = check.data(world) if check.data else None
    method = getattr(client, check.method.lower())
    if check.json:
        response = method(
            url, data=json.dumps(data or {}), content_type="application/json", headers=check.headers
        )
    elif data is not None:
        response = method(url, data=data, headers=check.headers)
    else:
        response = method(url, headers=check.headers)
    if response.status_code == 302 and response["Location"].startswith(reverse("login")):
        return LOGIN
    return int(response.status_code)


@pytest.mark.parametrize("name", sorted(TABLE))
def test_route_permissions(name: str, world: World) -> None:
    cache.clear()  # rate-limit counters of earlier routes must not leak into this one
    failures = []
    for index, check in enumerate(TABLE[name]):
        url = _url(name, check, world)
        for role in ROLES:
            client = Client()
            if role != "anonymous":
                client.force_login(world.user(role))
            # Each request runs in a savepoint that is rolled back, so one role's POST does not
            # change what the next role sees.
            with transaction.atomic():
                got = _request(client, check, url, world)
                transaction.set_rollback(True)
            want = check.expect[role]
            if got != want:
                failures.append(f"check {index} {check.method} {url} as {role}: expected {want}, got {got}")
    assert not failures, "\n".join(failures)
