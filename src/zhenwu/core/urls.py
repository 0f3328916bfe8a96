"""URLs of the core pages; each view module owns its patterns."""

from zhenwu.core.views import account, audit, calendar, home, outbox, people, units

app_name = "core"

urlpatterns = [
    *home.urlpatterns,
    *units.urlpatterns,
    *people.urlpatterns,
    *audit.urlpatterns,
    *account.urlpatterns,
    *calendar.urlpatterns,
    *outbox.urlpatterns,
]
