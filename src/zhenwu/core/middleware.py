"""Middleware: ties each request to an audit context and an X-Request-ID header."""

import re
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from zhenwu.core import context
from zhenwu.core.choices import Interface

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
