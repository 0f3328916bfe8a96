"""Staff pages of the petitions app, mounted at /petitions/ (each pattern is in the permission table)."""

from zhenwu.petitions import views

app_name = "petitions"

urlpatterns = views.urlpatterns
