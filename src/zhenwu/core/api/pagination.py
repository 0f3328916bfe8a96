"""Page-number pagination with bounded input (the project's NINJA_PAGINATION_CLASS).

Ninja's own class accepts any page number: ``?page=10**20`` overflows the database's integer offset
(SQLite: "datatype mismatch") and answers 500. Here a page beyond a million or a page size beyond
the maximum is a 422 like any other invalid parameter.

A list whose order should not come from an index when it is short (a search) subclasses it and
returns that order from ``few_rows_order`` (``core.views.common.order_few_rows``, as on the pages).
"""

from collections.abc import Sequence
from typing import Any

from django.db.models import QuerySet
from django.db.models.expressions import Combinable
from django.http import HttpRequest
from ninja import Field, Schema
from ninja.pagination import PageNumberPagination

from zhenwu.core.views.common import order_few_rows

MAX_PAGE = 1_000_000


class BoundedPageNumberPagination(PageNumberPagination):
    class Input(Schema):
        page: int = Field(1, ge=1, le=MAX_PAGE)
        page_size: int | None = Field(None, ge=1, le=1000)

    def few_rows_order(self, **params: Any) -> Sequence[Combinable | str] | None:
        """The list's order for few rows, from the view's parameters; None keeps its own."""
        return None

    def paginate_queryset(
        self, queryset: QuerySet[Any], pagination: Any, request: HttpRequest, **params: Any
    ) -> Any:
        page_size = self._get_page_size(pagination.page_size)
        offset = (pagination.page - 1) * page_size
        count = self._items_count(queryset)  # first: the order may depend on it
        if isinstance(queryset, QuerySet):
            queryset = order_few_rows(queryset, count, self.few_rows_order(**params))
        return {self.items_attribute: queryset[offset : offset + page_size], "count": count}
