"""Middleware: the request's audit context and X-Request-ID, error pages, language, account protection."""

import re
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.middleware.locale import LocaleMiddleware
from django.shortcuts import redirect, render
from django.urls import Resolver404, resolve, reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
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


# --- account protection ---------------------------------------------------------------------------

#: Session keys: epoch seconds of the last request, and whether this session needs a second factor.
LAST_ACTIVITY_KEY = "zhenwu_last_activity"
OTP_SESSION_KEY = "zhenwu_otp_needed"
#: Pages an authenticated session may always reach, verified or not, with a new password or not.
_ALWAYS_REACHABLE = frozenset({"logout", "otp_verify", "otp_setup", "set_language", "healthz", "readyz"})
_PASSWORD_PAGES = frozenset({"password_change", "password_change_done"})
#: The last-activity stamp is rewritten at most this often, not on every request.
_ACTIVITY_RESOLUTION_SECONDS = 60


def _is_htmx(request: HttpRequest) -> bool:
    return request.headers.get("HX-Request") == "true"


def _send_to(request: HttpRequest, url_name: str, message: str) -> HttpResponse:
    """Redirect a page (HTMX: HX-Redirect, as htmx never sees a 302) or refuse an API call with JSON."""
    url = f"{reverse(url_name)}?{urlencode({'next': request.get_full_path()})}"
    if request.path.startswith("/api/"):
        return JsonResponse({"code": "account_action_required", "message": message, "errors": {}}, status=403)
    if _is_htmx(request):
        response = HttpResponse(status=200)
        response["HX-Redirect"] = url
        return response
    return redirect(url)


def _url_name(request: HttpRequest) -> str:
    try:
        return resolve(request.path_info).view_name
    except Resolver404:
        return ""


def _otp_verified(user: Any) -> bool:
    """Set up by django-otp's OTPMiddleware: whether this session passed the code step."""
    is_verified = getattr(user, "is_verified", None)
    return bool(is_verified()) if callable(is_verified) else False


class SessionIdleMiddleware:
    """Logs out a session that made no request for ZHENWU_SESSION_IDLE_MINUTES (0: never)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        minutes = int(settings.ZHENWU_SESSION_IDLE_MINUTES)
        if minutes > 0 and request.user.is_authenticated:
            now = int(timezone.now().timestamp())
            last = request.session.get(LAST_ACTIVITY_KEY)
            if isinstance(last, int) and now - last > minutes * 60:
                logout(request)
                message = _("You were logged out after %(minutes)d minutes without activity.") % {
                    "minutes": minutes
                }
                if request.path.startswith("/api/"):
                    return self.get_response(request)  # continues anonymous: the API answers 401
                messages.info(request, message)
                return _send_to(request, "login", message)
            if not isinstance(last, int) or now - last >= _ACTIVITY_RESOLUTION_SECONDS:
                request.session[LAST_ACTIVITY_KEY] = now
        return self.get_response(request)


def otp_needed(request: HttpRequest) -> bool:
    """Whether this session must pass the code step: the role requires it or the user enrolled.

    Decided at login (see ``remember_otp_need``) and kept in the session, so a page costs no query;
    a session from before this rule existed is decided on its first request.
    """
    needed = request.session.get(OTP_SESSION_KEY)
    if needed is None:
        needed = remember_otp_need(request, request.user)
    return bool(needed)


def remember_otp_need(request: HttpRequest, user: Any) -> bool:
    from zhenwu.core.services.accounts import otp_has_device, otp_required

    needed = otp_required(user) or otp_has_device(user)
    request.session[OTP_SESSION_KEY] = needed
    return needed


class AccountSecurityMiddleware:
    """Before anything else, a signed-in session passes the two-factor step and replaces a given password.

    Requests authenticated by an API token are not sessions and are not affected: tokens are made on
    the token page, which itself needs a verified session.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if not user.is_authenticated or request.path.startswith(f"/{settings.STATIC_URL.lstrip('/')}"):
            return self.get_response(request)
        name = _url_name(request)
        if name in _ALWAYS_REACHABLE:
            return self.get_response(request)
        if otp_needed(request) and not _otp_verified(user):
            return _send_to(request, "otp_verify", _("Enter the code of your authenticator app first."))
        if (
            settings.ZHENWU_FORCE_PASSWORD_CHANGE
            and getattr(user, "must_change_password", False)
            and name not in _PASSWORD_PAGES
        ):
            return _send_to(request, "password_change", _("Choose a new password first."))
        return self.get_response(request)
