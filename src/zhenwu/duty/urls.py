"""Staff pages of the duty app, mounted at /duty/ (each pattern is in the permission table)."""

from zhenwu.duty import views

app_name = "duty"

urlpatterns = [*views.urlpatterns]
