"""Every list page is paginated and its query count does not grow with the number of rows."""

from collections.abc import Callable

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from zhenwu.core.audit import audit_record
from zhenwu.core.choices import AuditAction, Role, UnitKind
from zhenwu.core.services.people import person_create
from zhenwu.core.services.tokens import token_create
from zhenwu.core.services.units import unit_create
from zhenwu.core.views.common import PER_PAGE
from zhenwu.testing.world import World


def add_units(world: World, n: int, start: int) -> None:
    for i in range(start, start + n):
        unit_create(
            actor=world.user("admin"),
            parent=world.township,
            kind=UnitKind.VILLAGE,
            name=f"村{i}",
            code=f"HB-{i + 100}",
        )


def add_people(world: World, n: int, start: int) -> None:
    for i in range(start, start + n):
        person_create(
            actor=world.user("admin"),
            username=f"p{i}",
            full_name=f"员工{i}",
            unit=world.village,
            role=Role.REPORTER,
            phone="13900005678",
        )


def add_events(world: World, n: int, start: int) -> None:
    for i in range(start, start + n):
        audit_record(
            actor=world.user("admin"),
            action=AuditAction.UPDATE,
            object_type_label="x.y",
            object_id=str(i),
            unit=world.village,
        )


def add_tokens(world: World, n: int, start: int) -> None:
    for i in range(start, start + n):
        token_create(actor=world.user("office"), name=f"t{i}")


def count_queries(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize(
    ("url_name", "role", "grow", "small", "large"),
    [
        ("core:unit_list", "office", add_units, 3, 30),
        ("core:person_list", "office", add_people, 3, 30),
        ("core:audit_list", "oversight", add_events, 3, 30),
        ("core:token_list", "office", add_tokens, 2, 8),
    ],
)
def test_list_query_count_is_constant(
    world: World,
    client: Client,
    url_name: str,
    role: str,
    grow: Callable[[World, int, int], None],
    small: int,
    large: int,
) -> None:
    client.force_login(world.user(role))
    url = reverse(url_name)
    grow(world, small, 0)
    count_queries(client, url)  # warm-up: session and permission look-ups settle
    few = count_queries(client, url)
    grow(world, large, small)
    assert count_queries(client, url) == few


def test_lists_are_paginated(world: World, client: Client) -> None:
    add_units(world, PER_PAGE + 5, 0)
    client.force_login(world.user("office"))
    first = client.get(reverse("core:unit_list"))
    assert len(first.context["page_obj"]) == PER_PAGE
    second = client.get(reverse("core:unit_list"), {"page": 2})
    assert len(second.context["page_obj"]) == 3 + PER_PAGE + 5 - PER_PAGE
    # A bad page number gives a page, not an error.
    assert client.get(reverse("core:unit_list"), {"page": "abc"}).status_code == 200
    assert client.get(reverse("core:unit_list"), {"page": 999}).status_code == 200
