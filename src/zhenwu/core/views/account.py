"""Signing in and the signed-in user's own account: login with lockout and rate limit, the two-factor
code step and enrolment, password change, the account page and personal API tokens."""

import base64
import ipaddress
from typing import Any
from urllib.parse import quote, urlencode

import segno
from axes.handlers.proxy import AxesProxyHandler
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout, update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.signals import user_login_failed
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django_otp import login as otp_login
from django_otp.plugins.otp_static.models import StaticToken

from zhenwu.core.exceptions import DomainError
from zhenwu.core.forms import OtpCodeForm, OtpEnrolForm, TokenForm, ZhenwuPasswordChangeForm
from zhenwu.core.middleware import OTP_SESSION_KEY
from zhenwu.core.models import ApiToken, User
from zhenwu.core.services import accounts as account_services
from zhenwu.core.services import people as people_services
from zhenwu.core.services import tokens as token_services
from zhenwu.core.views.common import add_domain_error, request_user, run_and_redirect
from zhenwu.public.ratelimit import client_ip, hit

#: Login form posts per client address: well above a person's retries, far below a password spray.
LOGIN_POSTS_PER_WINDOW = 30
LOGIN_WINDOW_SECONDS = 600
#: Session key of the secret being enrolled (kept server-side until the user confirms a code).
OTP_SETUP_KEY = "zhenwu_otp_setup_key"


def axes_client_ip(request: HttpRequest) -> str | None:
    """django-axes' client address (AXES_CLIENT_IP_CALLABLE): the rate limits' rule, as an IP or None.

    ``client_ip`` says "unknown" for a request without an address (a test client, a misconfigured
    server); the attempt tables store IP addresses, which PostgreSQL checks.
    """
    address = client_ip(request)
    try:
        ipaddress.ip_address(address)
    except ValueError:
        return None
    return address


def _next_url(request: HttpRequest) -> str:
    """The ``next`` parameter when it points into this site, else the home page."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return reverse(settings.LOGIN_REDIRECT_URL)


def _with_next(url_name: str, request: HttpRequest) -> str:
    return f"{reverse(url_name)}?{urlencode({'next': _next_url(request)})}"


def _is_verified(user: User) -> bool:
    is_verified = getattr(user, "is_verified", None)
    return bool(is_verified()) if callable(is_verified) else False


def _refusal_page(request: HttpRequest, *, reason: str, status: int) -> HttpResponse:
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    return render(
        request, "registration/locked_out.html", {"reason": reason, "minutes": minutes}, status=status
    )


def lockout_response(
    request: HttpRequest, original_response: Any = None, credentials: Any = None
) -> HttpResponse:
    """django-axes' lockout page (AXES_LOCKOUT_CALLABLE): says why, for how long and whom to ask."""
    return _refusal_page(request, reason="locked", status=settings.AXES_HTTP_RESPONSE_CODE)


class ZhenwuLoginView(auth_views.LoginView):
    """Django's login (django-axes counts the failures) behind a per-address rate limit."""

    redirect_authenticated_user = True

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not hit(f"login:{client_ip(request)}", LOGIN_POSTS_PER_WINDOW, LOGIN_WINDOW_SECONDS):
            return _refusal_page(request, reason="rate", status=429)
        return super().post(request, *args, **kwargs)


def _locked(request: HttpRequest, user: User) -> bool:
    if not getattr(settings, "AXES_ENABLED", True):
        return False
    return not AxesProxyHandler.is_allowed(request, {"username": user.get_username()})


@login_required
def otp_verify_view(request: HttpRequest) -> HttpResponse:
    """The second sign-in step: a code of the user's authenticator app or a backup code."""
    user = request_user(request)
    if _is_verified(user):
        return redirect(_next_url(request))
    if not account_services.otp_has_device(user):
        if account_services.otp_required(user):
            return redirect(_with_next("otp_setup", request))
        request.session[OTP_SESSION_KEY] = False  # the devices were reset: nothing left to ask
        return redirect(_next_url(request))
    form = OtpCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        credentials = {"username": user.get_username()}
        if _locked(request, user):
            logout(request)
            return lockout_response(request)
        device = account_services.otp_verify(user=user, code=form.cleaned_data["code"])
        if device is not None:
            otp_login(request, device)
            return redirect(_next_url(request))
        # A wrong code is a failed sign-in: django-axes counts it towards the lockout.
        user_login_failed.send(sender=__name__, credentials=credentials, request=request)
        if getattr(request, "axes_locked_out", False):
            logout(request)
            return lockout_response(request)
        form.add_error("code", _("The code is not valid."))
    return render(request, "registration/otp_verify.html", {"form": form, "next": _next_url(request)})


def _qr_svg(config_url: str) -> SafeString:
    """The enrolment QR code as inline SVG (no script, no style attribute: CSP allows it)."""
    svg = segno.make(config_url, error="m").svg_inline(
        scale=4, dark="#000", light="#fff", title=_("QR code for your authenticator app")
    )
    return mark_safe(svg)  # noqa: S308 -- generated by segno from our own data, no user markup


@login_required
def otp_setup_view(request: HttpRequest) -> HttpResponse:
    """Enrol an authenticator app: scan the QR code (or type the secret), confirm with a code."""
    user = request_user(request)
    if account_services.otp_has_device(user):
        if not _is_verified(user):
            return redirect(_with_next("otp_verify", request))
        messages.info(request, _("Two-factor authentication is already set up for your account."))
        return redirect("core:account")
    key = request.session.get(OTP_SETUP_KEY)
    if not isinstance(key, str):
        key = account_services.otp_new_key()
        request.session[OTP_SETUP_KEY] = key
    form = OtpEnrolForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            enrolment = account_services.otp_enrol(actor=user, key_hex=key, code=form.cleaned_data["code"])
        except DomainError as exc:
            add_domain_error(form, exc)
        else:
            del request.session[OTP_SETUP_KEY]
            otp_login(request, enrolment.device)
            request.session[OTP_SESSION_KEY] = True
            return render(
                request,
                "registration/otp_backup_codes.html",
                {"codes": enrolment.backup_codes, "next": _next_url(request)},
            )
    secret = base64.b32encode(bytes.fromhex(key)).decode()
    label = quote(f"{settings.OTP_TOTP_ISSUER}:{user.get_username()}")
    config_url = (
        f"otpauth://totp/{label}?secret={secret}&issuer={quote(settings.OTP_TOTP_ISSUER)}"
        f"&digits={account_services.TOTP_DIGITS}&period={account_services.TOTP_STEP}"
    )
    return render(
        request,
        "registration/otp_setup.html",
        {
            "form": form,
            "qr_svg": _qr_svg(config_url),
            "secret_groups": " ".join(secret[i : i + 4] for i in range(0, len(secret), 4)),
            "required": account_services.otp_required(user),
            "next": _next_url(request),
        },
    )


@login_required
def password_change_view(request: HttpRequest) -> HttpResponse:
    user = request_user(request)
    form = ZhenwuPasswordChangeForm(user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            people_services.person_set_password(
                actor=user, person=user, password=form.cleaned_data["new_password1"]
            )
        except DomainError as exc:
            add_domain_error(form, exc)
        else:
            user.refresh_from_db()
            update_session_auth_hash(request, user)
            return redirect("password_change_done")
    return render(
        request,
        "registration/password_change_form.html",
        {"form": form, "forced": user.must_change_password and settings.ZHENWU_FORCE_PASSWORD_CHANGE},
    )


@login_required
def account_view(request: HttpRequest) -> HttpResponse:
    """The user's own account: password, two-factor status, API tokens."""
    user = request_user(request)
    backup_left = StaticToken.objects.filter(device__user=user, device__confirmed=True).count()
    return render(
        request,
        "core/account.html",
        {
            "enrolled": account_services.otp_enrolled(user),
            "required": account_services.otp_required(user),
            "backup_left": backup_left,
        },
    )


@login_required
def token_list_view(request: HttpRequest) -> HttpResponse:
    user = request_user(request)
    form = TokenForm(request.POST or None)
    new_key = None
    if request.method == "POST" and form.is_valid():
        try:
            _token, new_key = token_services.token_create(
                actor=user, name=form.cleaned_data["name"], expires_at=form.cleaned_data["expires_at"]
            )
        except DomainError as exc:
            add_domain_error(form, exc)
        else:
            form = TokenForm()
    tokens = ApiToken.objects.filter(user=user).order_by("-created_at")[:50]
    return render(request, "core/token_list.html", {"form": form, "tokens": tokens, "new_key": new_key})


@require_POST
@login_required
def token_revoke_view(request: HttpRequest, pk: int) -> HttpResponse:
    return run_and_redirect(
        request,
        lambda: token_services.token_revoke(actor=request_user(request), token_id=pk),
        success=_("Token revoked."),
        to=reverse("core:token_list"),
    )


def admin_login_view(request: HttpRequest, extra_context: Any = None) -> HttpResponse:
    """The Django admin signs in through our login page (rate limit, lockout, two-factor)."""
    if request.user.is_authenticated:
        # Signed in but not an administrator: the admin site is not theirs (and no redirect loop).
        raise PermissionDenied
    target = request.GET.get("next") or reverse("admin:index")
    return redirect(f"{reverse('login')}?{urlencode({'next': target})}")


urlpatterns = [
    path("account/", account_view, name="account"),
    path("account/tokens/", token_list_view, name="token_list"),
    path("account/tokens/<int:pk>/revoke/", token_revoke_view, name="token_revoke"),
]
