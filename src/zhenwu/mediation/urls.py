"""Staff pages of the mediation app, mounted at /mediation/ (each pattern is in the permission table)."""

from zhenwu.mediation import views, views_kinds, views_ledger

app_name = "mediation"

urlpatterns = [*views_ledger.urlpatterns, *views_kinds.urlpatterns, *views.urlpatterns]
