"""Root URLs. Every pattern here has an entry in the role × route permission table."""

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.views.i18n import set_language

from zhenwu.api import api
from zhenwu.core.views import account, health

admin.site.site_header = "镇务 zhenwu"
admin.site.site_title = "镇务 zhenwu"
admin.site.login = account.admin_login_view  # type: ignore[method-assign]

urlpatterns = [
    path("", include("zhenwu.core.urls")),
    path("petitions/", include("zhenwu.petitions.urls")),
    path("reports/", include("zhenwu.reports.urls")),
    path("duty/", include("zhenwu.duty.urls")),
    path("mediation/", include("zhenwu.mediation.urls")),
    path("safety/", include("zhenwu.safety.urls")),
    path("plans/", include("zhenwu.plans.urls")),
    path("public/reception/", include("zhenwu.duty.public_urls")),
    path("public/", include("zhenwu.public.urls")),
    *health.urlpatterns,
    path("accounts/login/", account.ZhenwuLoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/otp/", account.otp_verify_view, name="otp_verify"),
    path("accounts/otp/setup/", account.otp_setup_view, name="otp_setup"),
    path("accounts/password/", account.password_change_view, name="password_change"),
    path(
        "accounts/password/done/",
        auth_views.PasswordChangeDoneView.as_view(),
        name="password_change_done",
    ),
    path("i18n/setlang/", set_language, name="set_language"),
    path("api/", api.urls),
    path("admin/", admin.site.urls),
]
