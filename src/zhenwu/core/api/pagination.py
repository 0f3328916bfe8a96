"""Page-number pagination with bounded input (the project's NINJA_PAGINATION_CLASS).

Ninja's own class accepts any page number: ``?page=10**20`` overflows the database's integer offset
(SQLite: "datatype mismatch") and answers 500. Here a page beyond a million or a page size beyond
the maximum is a 422 like any other invalid parameter.

A route whose page is best read from another queryset once the count is known (a search), or whose
count has a faster query, returns a ``Paged`` (``core.views.common``), as the pages pass one to
``core.views.common.paginate``.
"""

from typing import Any

from django.http import HttpRequest
from ninja import Field, Schema
from ninja.pagination import PageNumberPagination

from zhenwu.core.views.common import Paged

__all__ = ["MAX_PAGE", "BoundedPageNumberPagination", "Paged"]

MAX_PAGE = 1_000_000


class BoundedPageNumberPagination(PageNumberPagination):
    class Input(Schema):
        page: int = Field(1, ge=1, le=MAX_PAGE)
        page_size: int | None = Field(None, ge=1, le=1000)

    def paginate_queryset(self, queryset: Any, pagination: Any, request: HttpRequest, **params: Any) -> Any:
        if not isinstance(queryset, Paged):
            return super().paginate_queryset(queryset, pagination, request, **params)
        page_size = self._get_page_size(pagination.page_size)
        offset = (pagination.page - 1) * page_size
        count = queryset.count()
        return {self.items_attribute: queryset.rows(count)[offset : offset + page_size], "count": count}
