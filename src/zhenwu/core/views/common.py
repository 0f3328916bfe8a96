"""Small helpers shared by the page views: role checks, pagination, domain errors on forms."""

import functools
import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.core.paginator import Page, Paginator
from django.db.models import Model, QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.functional import Promise, cached_property
from django.utils.http import content_disposition_header

from zhenwu.core.exceptions import DomainError
from zhenwu.core.models import User
from zhenwu.core.scoping import role_allows

PER_PAGE = 50
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DOCX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
V = TypeVar("V", bound=Callable[..., HttpResponseBase])
#: ``count → queryset`` (``paginate``).
PageList = Callable[[int], "QuerySet[Any]"]


@dataclass(frozen=True)
class Paged:
    """A list whose best plans depend on what is asked, for ``paginate`` and the API's pagination
    (``core.api.pagination``): ``queryset`` is the list; ``page_list(count)``, when given, the
    queryset a page's rows are read from once the count is known (a search); ``counter()``, when
    given, counts the same rows as ``queryset.count()`` by a faster query
    (``petitions.ledger.ledger_pages``)."""

    queryset: "QuerySet[Any]"
    page_list: PageList | None = None
    counter: Callable[[], int] | None = None

    def count(self) -> int:
        return self.counter() if self.counter else self.queryset.count()

    def rows(self, count: int) -> "QuerySet[Any]":
        """The queryset a page's rows are sliced from, given the list's ``count``."""
        return self.page_list(count) if self.page_list is not None else self.queryset


def require_action(action: str) -> Callable[[V], V]:
    """Sign-in required (else redirect to login); the role must hold ``action`` (else 403)."""

    def decorator(view: V) -> V:
        @functools.wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            if not role_allows(request_user(request), action):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return login_required(wrapper)  # type: ignore[return-value]

    return decorator


def request_user(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)  # noqa: S101 -- only called behind login_required
    return user


#: An id no table reaches; ``pk_url`` reverses the route once with it and splices real ids in.
_PK_MARKER = 2_147_483_647


def pk_url(viewname: str) -> Callable[[int], str]:
    """``pk → URL`` of ``viewname`` (a route with one integer argument), reversed once: a list
    links each of its rows, and ``reverse()`` (or ``{% url %}``) per row cost ~0.1 ms each."""
    url = reverse(viewname, args=[_PK_MARKER])
    head, marker, tail = url.partition(str(_PK_MARKER))
    assert marker, url  # noqa: S101 -- the route must print its argument as given
    return lambda pk: f"{head}{int(pk)}{tail}"


#: A list with more rows than this keeps its count in the cache for ``COUNT_CACHE_SECONDS``: counting
#: 10^5 matters through the scope rules takes 100-200 ms on SQLite, paging through them should not
#: pay it on every page. Shorter lists are always counted exactly.
LARGE_COUNT = 10_000
COUNT_CACHE_SECONDS = 60
#: From this row on a page of a queryset reads its rows in two steps (``page``).
DEFERRED_JOIN_OFFSET = 1_000


class RememberedCountPaginator(Paginator):
    """A paginator whose count of a long list is remembered per person and query for a minute.

    The count of such a list may be up to ``COUNT_CACHE_SECONDS`` old (a matter registered in the
    meantime shows on the first page at once, but the total and the page numbers follow a minute
    later); the rows of every page are always read fresh.
    """

    def __init__(
        self,
        object_list: Any,
        per_page: int,
        *,
        cache_key: str,
        page_list: "PageList | None" = None,
        counter: Callable[[], int] | None = None,
    ) -> None:
        super().__init__(object_list, per_page)
        self.cache_key = cache_key
        self.page_list = page_list
        self.counter = counter

    @cached_property
    def count(self) -> int:
        remembered = cache.get(self.cache_key)
        if isinstance(remembered, int):
            return remembered
        exact: int = self.counter() if self.counter else Paginator.count.func(self)  # type: ignore[attr-defined]
        if exact > LARGE_COUNT:
            cache.set(self.cache_key, exact, COUNT_CACHE_SECONDS)
        return exact

    def _get_page(self, object_list: Any, number: int, paginator: Paginator) -> Page[Any]:
        """Django's hook for the page object: the rows come from ``page_list(count)`` when the list
        has one, and a deep page of a queryset reads its ids first.

        ``OFFSET`` makes the database walk every row before the page. Asking only for the ids lets
        it walk an index instead of the table (a county office's page 1,500: ~400 ms → ~115 ms on
        SQLite with the ledger's covering index, ``make bench``); the 50 rows are then read by id,
        with the queryset's joins and prefetches, and put back in the list's order.
        """
        whole = self.object_list  # unsliced; ``object_list`` is its slice for this page
        if not (isinstance(object_list, QuerySet) and isinstance(whole, QuerySet)):
            return Page(object_list, number, paginator)
        bottom, top = object_list.query.low_mark, object_list.query.high_mark
        if self.page_list is not None:
            whole = self.page_list(self.count)
            object_list = whole[bottom:top]
        if bottom >= DEFERRED_JOIN_OFFSET:
            ids = list(whole.values_list("pk", flat=True)[bottom:top])
            found = {row.pk: row for row in whole.filter(pk__in=ids).order_by()}
            # A row deleted between the two reads is left out rather than failing the page.
            object_list = [found[pk] for pk in ids if pk in found]
        return Page(object_list, number, paginator)


def paginate(
    request: HttpRequest,
    queryset: "QuerySet[Any] | Paged",
    per_page: int = PER_PAGE,
) -> Page[Model]:
    """One page of ``queryset``; a bad or out-of-range page number gives the nearest page.

    A ``Paged`` list (``petitions.ledger.ledger_pages``) brings the queryset a page's rows are read
    from once the number of rows is known, for a list whose best plan depends on it (a search), and
    may bring a faster count of the same rows.
    """
    paged = queryset if isinstance(queryset, Paged) else Paged(queryset)
    query = request.GET.copy()
    query.pop("page", None)
    who = getattr(request.user, "pk", None)
    digest = hashlib.sha256(f"{who}|{request.path}|{query.urlencode()}".encode()).hexdigest()[:32]
    paginator = RememberedCountPaginator(
        paged.queryset,
        per_page,
        cache_key=f"zhenwu:count:{digest}",
        page_list=paged.page_list,
        counter=paged.counter,
    )
    return paginator.get_page(request.GET.get("page"))


def add_domain_error(form: forms.Form, exc: DomainError) -> None:
    """Show a service's refusal on the form: per field where the field exists, else at the top."""
    placed = False
    for field, field_messages in exc.errors.items():
        for message in field_messages:
            if field in form.fields:
                form.add_error(field, message)
                placed = True
    if not placed:
        form.add_error(None, str(exc.message))


def download_response(content: bytes, filename: str, content_type: str) -> HttpResponse:
    """A file made for this request, as an attachment: never sniffed, never cached.

    The name is encoded per RFC 6266/5987, so a Chinese file name survives in every browser.
    """
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = content_disposition_header(True, filename) or "attachment"
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "no-store, private"
    return response


def run_and_redirect(
    request: HttpRequest, run: Callable[[], object], *, success: "str | Promise", to: str
) -> HttpResponse:
    """For POST-only buttons: call one service, show its outcome as a message, go back to ``to``."""
    try:
        run()
    except DomainError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(request, str(success))
    return redirect(to)
