"""Public pages of the duty app, mounted at /public/reception/ (no sign-in; in the permission table)."""

from zhenwu.duty import views_public

app_name = "duty_public"

urlpatterns = [*views_public.urlpatterns]
