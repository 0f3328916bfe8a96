"""Page-number pagination with bounded input (the project's NINJA_PAGINATION_CLASS).

Ninja's own class accepts any page number: ``?page=10**20`` overflows the database's integer offset
(SQLite: "datatype mismatch") and answers 500. Here a page beyond a million or a page size beyond
the maximum is a 422 like any other invalid parameter.
"""

from ninja import Field, Schema
from ninja.pagination import PageNumberPagination

MAX_PAGE = 1_000_000


class BoundedPageNumberPagination(PageNumberPagination):
    class Input(Schema):
        page: int = Field(1, ge=1, le=MAX_PAGE)
        page_size: int | None = Field(None, ge=1, le=1000)
