"""Staff pages of the petitions app, mounted at /petitions/ (each pattern is in the permission table)."""

from zhenwu.petitions import views, views_categories

app_name = "petitions"

urlpatterns = [*views.urlpatterns, *views_categories.urlpatterns]
