"""The configurable category tree of matters (e.g. 土地房屋 / 宅基地)."""

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from zhenwu.core.audit import audit_record, diff, snapshot
from zhenwu.core.choices import AuditAction
from zhenwu.core.exceptions import ValidationFailed
from zhenwu.core.models import User
from zhenwu.core.scoping import Action, require
from zhenwu.core.services.common import validated
from zhenwu.petitions.models import Category

#: The default tree an instance starts with; the office adjusts it (names and codes are data).
DEFAULT_CATEGORIES: list[tuple[str, str, list[tuple[str, str]]]] = [
    ("LAND", "土地房屋", [("LAND-HOME", "宅基地"), ("LAND-CONTRACT", "土地承包"), ("LAND-TAKE", "征地拆迁")]),
    ("LABOUR", "劳动工资", [("LABOUR-WAGE", "拖欠工资"), ("LABOUR-INJURY", "工伤")]),
    ("SOCIAL", "社会保障", [("SOCIAL-DIBAO", "低保救助"), ("SOCIAL-PENSION", "养老保险")]),
    ("ENV", "生态环境", [("ENV-POLLUTION", "污染"), ("ENV-NOISE", "噪声")]),
    ("ORDER", "社会治安", []),
    ("INFRA", "基础设施", [("INFRA-ROAD", "道路交通"), ("INFRA-WATER", "饮水")]),
    ("CONDUCT", "干部作风", []),
    ("SUGGEST", "意见建议", []),
    ("OTHER", "其他", []),
]


@transaction.atomic
def category_create(*, actor: User | None, name: str, code: str, parent: Category | None = None) -> Category:
    """Add a category (two levels). ``actor`` None is the installer."""
    if actor is not None:
        require(actor, Action.PETITION_MANAGE)
    if parent is not None and parent.parent_id is not None:
        raise ValidationFailed(
            _("Categories have two levels at most."),
            errors={"parent": [_("Categories have two levels at most.")]},
        )
    category = validated(Category(name=name.strip(), code=code.strip().upper(), parent=parent))
    try:
        with transaction.atomic():
            category.save()
    except IntegrityError:  # the same code created a moment ago by someone else
        message = _("A category with this code exists already.")
        raise ValidationFailed(message, errors={"code": [message]}) from None
    audit_record(
        actor=actor, action=AuditAction.CREATE, obj=category, changes={"code": [None, category.code]}
    )
    return category


@transaction.atomic
def category_set_active(*, actor: User, category: Category, is_active: bool) -> Category:
    """Retire (or restore) a category; matters keep theirs, new matters cannot choose it."""
    require(actor, Action.PETITION_MANAGE)
    category = Category.objects.select_for_update().get(pk=category.pk)
    if category.is_active != is_active:
        category.is_active = is_active
        category.save(update_fields=["is_active"])
        audit_record(
            actor=actor,
            action=AuditAction.UPDATE,
            obj=category,
            changes={"is_active": [not is_active, is_active]},
        )
    return category


@transaction.atomic
def category_update(*, actor: User, category: Category, name: str) -> Category:
    """Rename a category; its code never changes, since exports and imports match categories by code."""
    require(actor, Action.PETITION_MANAGE)
    category = Category.objects.select_for_update().get(pk=category.pk)
    before = snapshot(category, ["name"])
    category.name = name.strip()
    validated(category)
    changes = diff(before, snapshot(category, ["name"]))
    if changes:
        category.save(update_fields=["name"])
        audit_record(actor=actor, action=AuditAction.UPDATE, obj=category, changes=changes)
    return category


def categories_seed_defaults(*, actor: User | None = None) -> int:
    """Create the default tree where missing (matched by code); returns how many were created."""
    created = 0
    existing = set(Category.objects.values_list("code", flat=True))
    for code, name, children in DEFAULT_CATEGORIES:
        parent = Category.objects.filter(code=code).first()
        if parent is None:
            parent = category_create(actor=actor, name=name, code=code)
            created += 1
        for child_code, child_name in children:
            if child_code not in existing:
                category_create(actor=actor, name=child_name, code=child_code, parent=parent)
                created += 1
    return created
