"""URLs of the core pages; each view module owns its patterns."""

from zhenwu.core.views import home

app_name = "core"

urlpatterns = [
    *home.urlpatterns,
]
