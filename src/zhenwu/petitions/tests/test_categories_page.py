"""The category tree page: create, rename, deactivate, refusals, roles, query count."""

import re
from typing import Any

import pytest
from django.conf import settings
from django.db import connection
from django.forms import ModelChoiceField
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from zhenwu.core.choices import AuditAction
from zhenwu.core.exceptions import ValidationFailed
from zhenwu.core.models import AuditEvent, User
from zhenwu.petitions.categories import category_create, category_update
from zhenwu.petitions.forms import PetitionRegisterForm
from zhenwu.petitions.models import Category
from zhenwu.petitions.tests.factories import ID_B, register
from zhenwu.testing.world import World

CJK = re.compile(r"[\u4e00-\u9fff]")
LIST = "petitions:category_list"
CREATE = "petitions:category_create"
UPDATE = "petitions:category_update"
ACTIVE = "petitions:category_active"


def login(client: Client, world: World, role: str, *, english: bool = False) -> Client:
    client.force_login(world.user(role))
    if english:  # pages are zh-hans by default; the English msgids are what these tests compare
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def messages_of(response: Any) -> list[str]:
    return [str(m) for m in response.context["messages"]]


def intake_choices(user: User) -> set[Category]:
    """The categories the intake form offers (its select, as the page renders it)."""
    field = PetitionRegisterForm(user=user).fields["category"]
    assert isinstance(field, ModelChoiceField) and field.queryset is not None
    return set(field.queryset)


def top(code: str = "LAND", name: str = "土地房屋", *, world: World) -> Category:
    return category_create(actor=world.user("admin"), name=name, code=code)


def child(parent: Category, code: str = "LAND-HOME", name: str = "宅基地", *, world: World) -> Category:
    return category_create(actor=world.user("admin"), name=name, code=code, parent=parent)


# --- create ------------------------------------------------------------------------------------


def test_office_creates_a_top_level_category_and_a_child(world: World, client: Client) -> None:
    login(client, world, "office")
    response = client.post(reverse(CREATE), {"parent": "", "name": " 土地房屋 ", "code": "land"}, follow=True)
    assert response.redirect_chain == [(reverse(LIST), 302)]
    land = Category.objects.get(code="LAND")  # the service upper-cases codes and trims names
    assert (land.name, land.parent, land.is_active) == ("土地房屋", None, True)

    client.post(reverse(CREATE), {"parent": land.pk, "name": "宅基地", "code": "LAND-HOME"})
    home = Category.objects.get(code="LAND-HOME")
    assert home.parent == land
    assert AuditEvent.objects.filter(
        action=AuditAction.CREATE, object_type="petitions.category", object_id=str(home.pk)
    ).exists()

    # The tree: the child right under its parent, other top-level categories after.
    top(code="ORDER", name="社会治安", world=world)
    rows = client.get(reverse(LIST)).context["rows"]
    assert [(r.category.code, r.is_child) for r in rows] == [
        ("LAND", False),
        ("LAND-HOME", True),
        ("ORDER", False),
    ]


def test_the_parent_choices_are_the_active_top_level_categories(world: World, client: Client) -> None:
    land = top(world=world)
    child(land, world=world)
    retired = top(code="OLD", name="旧分类", world=world)
    login(client, world, "office").post(reverse(ACTIVE, args=[retired.pk]), {"is_active": "0"})
    form = client.get(reverse(LIST)).context["form"]
    assert list(form.fields["parent"].queryset) == [land]


def test_a_third_level_is_refused_with_a_translatable_message(world: World, client: Client) -> None:
    home = child(top(world=world), world=world)
    count = Category.objects.count()
    login(client, world, "office", english=True)
    response = client.post(reverse(CREATE), {"parent": home.pk, "name": "三级", "code": "LAND-HOME-X"})
    assert response.status_code == 200
    assert response.context["form"].errors["parent"] == [
        "Choose an active top-level category, or none: categories have two levels at most."
    ]
    assert Category.objects.count() == count
    # The service refuses it for every other caller (imports, the API) with the same rule.
    with pytest.raises(ValidationFailed) as refused:
        category_create(actor=world.user("office"), name="三级", code="LAND-HOME-X", parent=home)
    assert refused.value.errors["parent"] == ["Categories have two levels at most."]
    with translation.override("zh-hans"), pytest.raises(ValidationFailed) as refused_zh:
        category_create(actor=world.user("office"), name="三级", code="LAND-HOME-X", parent=home)
    assert CJK.search(str(refused_zh.value.message))


def test_a_duplicate_code_is_refused_on_the_code_field(world: World, client: Client) -> None:
    top(world=world)
    count = Category.objects.count()
    login(client, world, "office", english=True)
    response = client.post(reverse(CREATE), {"parent": "", "name": "另一个", "code": "land"})
    assert response.status_code == 200
    assert response.context["form"].errors["code"] == ["Category with this Code already exists."]
    assert Category.objects.count() == count
    # In Chinese (the default language of the pages) the same refusal reads in Chinese.
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "zh-hans"
    response = client.post(reverse(CREATE), {"parent": "", "name": "另一个", "code": "LAND"})
    assert CJK.search(response.context["form"].errors["code"][0])
    assert "另一个" in response.content.decode()  # the input is kept


def test_a_code_with_spaces_or_symbols_is_refused(world: World, client: Client) -> None:
    login(client, world, "office", english=True)
    response = client.post(reverse(CREATE), {"parent": "", "name": "其他", "code": "OTHER 1"})
    assert response.status_code == 200
    assert response.context["form"].errors["code"] == ["Use letters, digits, hyphens and underscores only."]
    assert not Category.objects.exists()


# --- rename ------------------------------------------------------------------------------------


def test_rename_keeps_the_code_and_is_audited(world: World, client: Client) -> None:
    land = top(world=world)
    login(client, world, "office")
    response = client.post(
        reverse(UPDATE, args=[land.pk]), {"name": "土地与房屋", "code": "CHANGED"}, follow=True
    )
    assert response.redirect_chain == [(reverse(LIST), 302)]
    land.refresh_from_db()
    assert (land.name, land.code) == ("土地与房屋", "LAND")
    event = AuditEvent.objects.get(
        action=AuditAction.UPDATE, object_type="petitions.category", object_id=str(land.pk)
    )
    assert event.changes == {"name": ["土地房屋", "土地与房屋"]}
    # The same name again changes nothing and records nothing.
    category_update(actor=world.user("office"), category=land, name="土地与房屋")
    assert AuditEvent.objects.filter(action=AuditAction.UPDATE, object_id=str(land.pk)).count() == 1


def test_an_empty_name_is_refused_on_its_row(world: World, client: Client) -> None:
    land = top(world=world)
    login(client, world, "office")
    response = client.post(reverse(UPDATE, args=[land.pk]), {"name": "  "})
    assert response.status_code == 200
    assert response.context["failed_pk"] == land.pk
    assert response.context["failed_form"].errors["name"]
    land.refresh_from_db()
    assert land.name == "土地房屋"


def test_rename_of_a_missing_category_is_404(world: World, client: Client) -> None:
    login(client, world, "office")
    assert client.post(reverse(UPDATE, args=[999999]), {"name": "x"}).status_code == 404
    assert client.post(reverse(ACTIVE, args=[999999]), {"is_active": "0"}).status_code == 404


# --- deactivate --------------------------------------------------------------------------------


def test_deactivate_hides_it_from_the_intake_form_and_reactivate_brings_it_back(
    world: World, client: Client
) -> None:
    land = top(world=world)
    home = child(land, world=world)
    office = world.user("office")
    login(client, world, "office")

    response = client.post(reverse(ACTIVE, args=[home.pk]), {"is_active": "0"}, follow=True)
    assert response.redirect_chain == [(reverse(LIST), 302)]
    home.refresh_from_db()
    assert not home.is_active
    assert intake_choices(office) == {land}
    intake = client.get(reverse("petitions:register")).content.decode()
    assert f'value="{land.pk}"' in intake and f'value="{home.pk}"' not in intake
    assert "badge-muted" in client.get(reverse(LIST)).content.decode()

    client.post(reverse(ACTIVE, args=[home.pk]), {"is_active": "1"})
    home.refresh_from_db()
    assert home.is_active
    assert intake_choices(office) == {land, home}


def test_deactivate_twice_is_harmless_and_a_bad_value_changes_nothing(world: World, client: Client) -> None:
    land = top(world=world)
    login(client, world, "office")
    client.post(reverse(ACTIVE, args=[land.pk]), {"is_active": "0"}, follow=True)
    client.post(reverse(ACTIVE, args=[land.pk]), {"is_active": "0"}, follow=True)  # a double click
    land.refresh_from_db()
    assert not land.is_active
    assert AuditEvent.objects.filter(action=AuditAction.UPDATE, object_id=str(land.pk)).count() == 1

    response = client.post(reverse(ACTIVE, args=[land.pk]), {"is_active": "yes"}, follow=True)
    assert [m.level_tag for m in response.context["messages"]] == ["error"]
    land.refresh_from_db()
    assert not land.is_active


# --- who may use it ----------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["reporter", "oversight", "leader", "mediator"])
def test_roles_without_petition_manage_get_403(world: World, client: Client, role: str) -> None:
    land = top(world=world)
    login(client, world, role)
    assert client.get(reverse(LIST)).status_code == 403
    assert client.post(reverse(CREATE), {"name": "新类", "code": "NEW"}).status_code == 403
    assert client.post(reverse(UPDATE, args=[land.pk]), {"name": "改名"}).status_code == 403
    assert client.post(reverse(ACTIVE, args=[land.pk]), {"is_active": "0"}).status_code == 403
    land.refresh_from_db()
    assert (land.name, land.is_active) == ("土地房屋", True)
    assert not Category.objects.filter(code="NEW").exists()


def test_anonymous_users_are_sent_to_the_login_page(world: World, client: Client) -> None:
    land = top(world=world)
    login_url = reverse("login")
    for response in (
        client.get(reverse(LIST)),
        client.post(reverse(CREATE), {"name": "新类", "code": "NEW"}),
        client.post(reverse(UPDATE, args=[land.pk]), {"name": "改名"}),
        client.post(reverse(ACTIVE, args=[land.pk]), {"is_active": "0"}),
    ):
        assert response.status_code == 302 and response["Location"].startswith(login_url)
    assert Category.objects.count() == 1


def test_the_ledger_links_to_the_page_for_managers_only(world: World, client: Client) -> None:
    link = f'href="{reverse(LIST)}"'
    assert link in login(client, world, "office").get(reverse("petitions:list")).content.decode()
    assert link not in login(Client(), world, "reporter").get(reverse("petitions:list")).content.decode()


# --- the counts and the query count -------------------------------------------------------------


def test_matter_counts_are_per_category_and_within_the_users_scope(world: World, client: Client) -> None:
    land = top(world=world)
    home = child(land, world=world)
    register(world.user("office"), world.township, category=home)
    register(world.user("office"), world.township, category=home)
    register(world.user("office"), world.township, category=land)
    register(world.user("admin"), world.other_township, name="李四", id_number=ID_B, category=home)

    def counts(role: str) -> dict[str, int]:
        rows = login(Client(), world, role).get(reverse(LIST)).context["rows"]
        return {r.category.code: r.matters for r in rows}

    assert counts("office") == {"LAND": 1, "LAND-HOME": 2}  # 石桥镇's matter is outside the office's scope
    assert counts("admin") == {"LAND": 1, "LAND-HOME": 3}


def _list_queries(client: Client) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(reverse(LIST))
    assert response.status_code == 200
    return len(ctx.captured_queries)


def test_list_query_count_does_not_grow_with_the_tree(world: World, client: Client) -> None:
    login(client, world, "office")
    parents = [top(code=f"T{i}", name=f"分类{i}", world=world) for i in range(3)]
    register(world.user("office"), world.township, category=parents[0])
    small = _list_queries(client)
    for i in range(12):
        child(parents[i % 3], code=f"T{i % 3}-C{i}", name=f"子类{i}", world=world)
    assert Category.objects.count() == 15
    assert _list_queries(client) == small
