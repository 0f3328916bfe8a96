"""The category tree page (分类管理): the office and administrators add, rename, deactivate categories.

Thin views (STYLE.md §9): every write is a service of ``zhenwu.petitions.categories``; a refusal
(a duplicate code, a third level) is shown on the form it came from or as a message.
"""

from collections import defaultdict
from dataclasses import dataclass

from django import forms
from django.contrib import messages
from django.core.validators import RegexValidator
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import URLPattern, path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from zhenwu.core.exceptions import DomainError
from zhenwu.core.models import User
from zhenwu.core.scoping import Action
from zhenwu.core.views.common import add_domain_error, request_user, require_action, run_and_redirect
from zhenwu.petitions.categories import category_create, category_set_active, category_update
from zhenwu.petitions.models import Category
from zhenwu.petitions.selectors import petition_list

#: Codes go into exports and imports: plain letters, digits, hyphens and underscores (e.g. LAND-HOME).
CATEGORY_CODE_VALIDATOR = RegexValidator(
    r"^[A-Za-z0-9][A-Za-z0-9_-]*\Z",
    gettext_lazy("Use letters, digits, hyphens and underscores only."),
)


class CategoryForm(forms.Form):
    """A new category: at the top, or under an active top-level category (two levels at most)."""

    parent = forms.ModelChoiceField(
        label=gettext_lazy("Parent category"),
        queryset=Category.objects.filter(parent__isnull=True, is_active=True),
        required=False,
        empty_label=gettext_lazy("None (a top-level category)"),
        error_messages={
            "invalid_choice": gettext_lazy(
                "Choose an active top-level category, or none: categories have two levels at most."
            )
        },
    )
    name = forms.CharField(label=gettext_lazy("Name"), max_length=50)
    code = forms.CharField(
        label=gettext_lazy("Code"),
        max_length=32,
        validators=[CATEGORY_CODE_VALIDATOR],
        help_text=gettext_lazy("For example LAND-HOME. Exports and imports use it, so it cannot be changed."),
    )


class CategoryRenameForm(forms.Form):
    """A category's new name (its code stays)."""

    name = forms.CharField(label=gettext_lazy("Name"), max_length=50)


class CategoryActiveForm(forms.Form):
    """The state a (de)activate button asks for: explicit, so a double submit does not toggle twice."""

    is_active = forms.TypedChoiceField(choices=[("1", "1"), ("0", "0")], coerce=lambda value: value == "1")


@dataclass(frozen=True)
class CategoryRow:
    category: Category
    is_child: bool
    matters: int  # matters in the user's scope filed under exactly this category


def _matter_counts(user: User) -> dict[int, int]:
    """Matters per category within the user's scope: one aggregate query, whatever the tree's size."""
    counts = (
        petition_list(user=user, action=Action.PETITION_VIEW)
        .filter(category__isnull=False)
        .values("category_id")
        .annotate(matters=Count("pk"))
        .order_by()
    )
    return {row["category_id"]: row["matters"] for row in counts}


def _category_rows(user: User) -> list[CategoryRow]:
    """The tree in display order: each top-level category followed by its children."""
    categories = list(Category.objects.all())  # ordered by sort_order, code
    counts = _matter_counts(user)
    children: dict[int, list[Category]] = defaultdict(list)
    for category in categories:
        if category.parent_id is not None:
            children[category.parent_id].append(category)
    rows = []
    for top in categories:
        if top.parent_id is None:
            rows.append(CategoryRow(top, is_child=False, matters=counts.get(top.pk, 0)))
            rows.extend(
                CategoryRow(child, is_child=True, matters=counts.get(child.pk, 0))
                for child in children[top.pk]
            )
    return rows


def _render_list(
    request: HttpRequest,
    user: User,
    *,
    form: CategoryForm | None = None,
    failed: tuple[int, CategoryRenameForm] | None = None,
) -> HttpResponse:
    """The page; after a refused create or rename, with that form's input and errors."""
    return render(
        request,
        "petitions/category_list.html",
        {
            "rows": _category_rows(user),
            "form": form or CategoryForm(),
            "failed_pk": failed[0] if failed else None,
            "failed_form": failed[1] if failed else None,
        },
    )


@require_action(Action.PETITION_MANAGE)
def category_list_view(request: HttpRequest) -> HttpResponse:
    return _render_list(request, request_user(request))


@require_POST
@require_action(Action.PETITION_MANAGE)
def category_create_view(request: HttpRequest) -> HttpResponse:
    user = request_user(request)
    form = CategoryForm(request.POST)
    if form.is_valid():
        try:
            category = category_create(
                actor=user,
                name=form.cleaned_data["name"],
                code=form.cleaned_data["code"],
                parent=form.cleaned_data["parent"],
            )
        except DomainError as exc:
            add_domain_error(form, exc)
        else:
            messages.success(request, _("Category %(name)s created.") % {"name": category})
            return redirect("petitions:category_list")
    return _render_list(request, user, form=form)


@require_POST
@require_action(Action.PETITION_MANAGE)
def category_update_view(request: HttpRequest, pk: int) -> HttpResponse:
    user = request_user(request)
    category = get_object_or_404(Category, pk=pk)
    form = CategoryRenameForm(request.POST)
    if form.is_valid():
        try:
            category = category_update(actor=user, category=category, name=form.cleaned_data["name"])
        except DomainError as exc:
            add_domain_error(form, exc)
        else:
            messages.success(request, _("Category %(name)s saved.") % {"name": category})
            return redirect("petitions:category_list")
    return _render_list(request, user, failed=(category.pk, form))


@require_POST
@require_action(Action.PETITION_MANAGE)
def category_active_view(request: HttpRequest, pk: int) -> HttpResponse:
    user = request_user(request)
    category = get_object_or_404(Category, pk=pk)
    to = reverse("petitions:category_list")
    form = CategoryActiveForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("The request is not valid."))
        return redirect(to)
    is_active = form.cleaned_data["is_active"]
    if is_active:
        success = _("Category %(name)s is active again.") % {"name": category}
    else:
        success = _("Category %(name)s is deactivated: new matters cannot choose it.") % {"name": category}
    return run_and_redirect(
        request,
        lambda: category_set_active(actor=user, category=category, is_active=is_active),
        success=success,
        to=to,
    )


urlpatterns: list[URLPattern] = [
    path("categories/", category_list_view, name="category_list"),
    path("categories/new/", category_create_view, name="category_create"),
    path("categories/<int:pk>/edit/", category_update_view, name="category_update"),
    path("categories/<int:pk>/active/", category_active_view, name="category_active"),
]
