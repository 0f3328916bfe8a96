"""The petitions demo data and the category tree."""

import pytest
from django import forms
from django.core.management import call_command

from zhenwu.core.exceptions import PermissionRefused, ValidationFailed
from zhenwu.petitions.categories import (
    DEFAULT_CATEGORIES,
    categories_seed_defaults,
    category_create,
    category_set_active,
)
from zhenwu.petitions.choices import Status
from zhenwu.petitions.models import Category, Petition
from zhenwu.testing.world import World


@pytest.mark.django_db
def test_load_demo_registers_matters_at_every_stage_once() -> None:
    call_command("load_demo", verbosity=0)
    statuses = set(Petition.objects.values_list("status", flat=True))
    assert {
        Status.REGISTERED,
        Status.ACCEPTED,
        Status.ASSIGNED,
        Status.HANDLING,
        Status.ANSWERED,
        Status.RATED,
        Status.DECLINED,
    } <= statuses
    count = Petition.objects.count()
    call_command("load_demo", verbosity=0)
    assert Petition.objects.count() == count  # idempotent
    # The matter about a village's cadres is never visible to that village.
    conduct = Petition.objects.get(category__code="CONDUCT")
    assert conduct.accused_unit is not None and conduct.accused_unit.code == "HB-02"


def test_default_tree_and_its_rules(world: World) -> None:
    created = categories_seed_defaults()
    assert created == len(DEFAULT_CATEGORIES) + sum(len(children) for _, _, children in DEFAULT_CATEGORIES)
    assert categories_seed_defaults() == 0
    wage = Category.objects.get(code="LABOUR-WAGE")
    assert str(wage) == "劳动工资 / 拖欠工资"
    with pytest.raises(ValidationFailed):
        category_create(actor=world.user("office"), name="三级", code="X-1", parent=wage)
    with pytest.raises(PermissionRefused):
        category_create(actor=world.user("reporter"), name="新类", code="NEW")
    category_set_active(actor=world.user("office"), category=wage, is_active=False)
    wage.refresh_from_db()
    assert not wage.is_active


def test_a_retired_top_level_category_retires_its_children_at_intake(world: World) -> None:
    from zhenwu.petitions.forms import PetitionRegisterForm

    categories_seed_defaults()
    land = Category.objects.get(code="LAND")
    category_set_active(actor=world.user("office"), category=land, is_active=False)
    field = PetitionRegisterForm(user=world.user("office")).fields["category"]
    assert isinstance(field, forms.ModelChoiceField)
    choices = field.queryset
    assert choices is not None
    assert not choices.filter(code__startswith="LAND").exists()
    assert choices.filter(code="LABOUR-WAGE").exists()
