"""Staff pages of the duty app, mounted at /duty/ (each pattern is in the permission table)."""

from zhenwu.duty import views_desk, views_rosters

app_name = "duty"

urlpatterns = [*views_rosters.urlpatterns, *views_desk.urlpatterns]
