"""Staff pages of the reports app, mounted at /reports/ (each pattern is in the permission table)."""

from zhenwu.reports import views

app_name = "reports"

urlpatterns = [*views.urlpatterns]
