"""The REST API: one NinjaAPI at /api/, OpenAPI 3 at /api/schema, docs at /api/docs.

Why django-ninja: typed request/response schemas (pydantic) give validation and the OpenAPI
schema from the same code, it is small and well kept, and Swagger UI ships inside the package
(served locally, no CDN). DRF would add serializers parallel to our services without benefit here.

Authentication: a personal token (``Authorization: Bearer zw_…``) or the browser session (with CSRF
on unsafe methods). Every route is scoped exactly like the pages (zhenwu.core.scoping).
"""

import json
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.datastructures import MultiValueDict
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.parser import Parser
from ninja.security import HttpBearer, SessionAuth

from zhenwu.core.api import calendar, people, units
from zhenwu.core.exceptions import DomainError
from zhenwu.core.services.tokens import token_authenticate
from zhenwu.duty import api as duty_api
from zhenwu.mediation import api as mediation_api
from zhenwu.petitions import api as petitions_api
from zhenwu.plans import api as plans_api
from zhenwu.reports import api as reports_api
from zhenwu.safety import api as safety_api


class TokenAuth(HttpBearer):
    openapi_description = "Personal API token: Authorization: Bearer zw_..."

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        user = token_authenticate(token)
        if user is not None:
            request.user = user
        return user


class BodyRefused(ValueError):
    """A JSON body the API refuses before validation; ninja turns it into a 400 (see on_http_error)."""


def _has_nul(value: object) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_has_nul(k) or _has_nul(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_has_nul(v) for v in value)
    return False


class StrictParser(Parser):
    """JSON and form parsing that refuses what no route can use, before it reaches a service.

    A NUL character is valid JSON (``"\u0000"``) and valid in a query string, but PostgreSQL refuses
    it in text ("A string literal cannot contain NUL"), which would be a 500; Django's forms refuse
    it too. Every route's body is an object: a ``null`` body would silently count as no body at all,
    and the fuzzer found a list accepted with 200 by a PATCH whose fields are all optional.
    """

    def parse_body(self, request: HttpRequest) -> Any:
        data = json.loads(request.body)
        if not isinstance(data, dict):  # no route takes a list, a number or null as its whole body
            raise BodyRefused(_("The request body must be a JSON object."))
        if _has_nul(data):
            raise BodyRefused(_("Text may not contain NUL characters."))
        return data

    def parse_querydict(
        self, data: MultiValueDict[str, Any], list_fields: list[str], request: HttpRequest
    ) -> dict[str, Any]:
        result = super().parse_querydict(data, list_fields, request)
        bad = [key for key, value in result.items() if _has_nul(key) or _has_nul(value)]
        if bad:
            message = _("Text may not contain NUL characters.")
            raise ValidationError([{"loc": (key.replace("\x00", ""),), "msg": message} for key in bad])
        return result


api = NinjaAPI(
    title="zhenwu API",
    version="1",
    description="镇务 zhenwu REST API. Errors: {code, message, errors}.",
    urls_namespace="api",
    openapi_url="/schema",
    docs_url="/docs",
    auth=[TokenAuth(), SessionAuth(csrf=True)],
    parser=StrictParser(),
)


def _error(request: HttpRequest, status: int, code: str, message: str, errors: Any = None) -> HttpResponse:
    return api.create_response(
        request, {"code": code, "message": message, "errors": errors or {}}, status=status
    )


@api.exception_handler(DomainError)
def on_domain_error(request: HttpRequest, exc: DomainError) -> HttpResponse:
    return api.create_response(request, exc.as_dict(), status=exc.status)


@api.exception_handler(ValidationError)
def on_validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    errors: dict[str, list[str]] = {}
    for err in exc.errors:
        loc = [
            str(part)
            for part in err.get("loc", ())
            if part not in ("body", "query", "path", "payload", "form", "file")
        ]
        errors.setdefault(".".join(loc) or "__all__", []).append(str(err.get("msg", "")))
    return _error(request, 422, "validation_failed", _("Some fields are not valid."), errors)


@api.exception_handler(HttpError)
def on_http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    """Errors ninja raises itself (e.g. a body that is not JSON) in the one error shape."""
    if isinstance(exc.__cause__, BodyRefused):
        return _error(request, 400, "bad_request", str(exc.__cause__))
    if exc.status_code == 400:
        return _error(request, 400, "bad_request", _("The request body is not valid JSON."))
    return _error(request, exc.status_code, "error", str(exc))


@api.exception_handler(AuthenticationError)
def on_auth_error(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    return _error(request, 401, "not_authenticated", _("Sign in or send a valid API token."))


@api.exception_handler(PermissionDenied)
def on_permission_denied(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
    return _error(request, 403, "permission_denied", _("You do not have permission to do this."))


@api.exception_handler(Http404)
def on_not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return _error(request, 404, "not_found", _("The object does not exist or is not visible to you."))


api.add_router("/", units.router)
api.add_router("/", people.router)
api.add_router("/", calendar.router)
api.add_router("/", petitions_api.router)
api.add_router("/", reports_api.router)
api.add_router("/", duty_api.router)
api.add_router("/mediation", mediation_api.router)
api.add_router("/safety", safety_api.router)
api.add_router("/plans", plans_api.router)
