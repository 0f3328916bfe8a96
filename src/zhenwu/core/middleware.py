"""Middleware: ties each request to an audit context and an X-Request-ID header."""

import re
from collections.abc import Callable

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.middleware.locale import LocaleMiddleware
from django.shortcuts import render
from django.utils import translation
from django.views import defaults

from zhenwu.core import context
from zhenwu.core.choices import Interface
from zhenwu.core.exceptions import DomainError, NotFound, PermissionRefused

_REQUEST_ID_RE = re.compile(r"^[A-Za-z0-9-]{8,32}$")


class RequestContextMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        # Accept a proxy's request id when it is well formed, so logs of both can be joined.
        incoming = request.headers.get("X-Request-ID", "")
        request_id = incoming if _REQUEST_ID_RE.match(incoming) else context.new_request_id()
        interface = Interface.API if request.path.startswith("/api/") else Interface.WEB
        with context.acting_through(interface, request_id):
            response = self.get_response(request)
        response["X-Request-ID"] = request_id
        return response


class DomainErrorMiddleware:
    """Pages: a DomainError that escapes a view becomes the matching error page, never a 500.

    NotFound -> 404 (objects outside the user's scope look like missing ones), PermissionRefused ->
    403, anything else -> 400 with the error's message. The API maps the same errors to JSON itself.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not isinstance(exception, DomainError):
            return None
        if isinstance(exception, NotFound):
            return defaults.page_not_found(request, Http404(str(exception.message)))
        if isinstance(exception, PermissionRefused):
            return defaults.permission_denied(request, PermissionDenied(str(exception.message)))
        return render(request, "400.html", {"message": exception.message}, status=exception.status)


class LanguageMiddleware(LocaleMiddleware):
    """Simplified Chinese unless the user chose otherwise.

    Pages use the language picked with the switcher (Django's language cookie), else zh-hans: the
    browser's Accept-Language on an office PC says more about how Windows was installed than about
    the reader. API clients set Accept-Language on purpose, so the API still honours it.
    """

    def process_request(self, request: HttpRequest) -> None:
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, "")
        if chosen and translation.check_for_language(chosen):
            language = translation.get_supported_language_variant(chosen)
        elif request.path.startswith("/api/"):
            language = translation.get_language_from_request(request)
        else:
            language = settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()
