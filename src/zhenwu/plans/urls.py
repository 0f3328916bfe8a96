"""Staff pages of the plans app, mounted at /plans/ (each pattern is in the permission table)."""

from zhenwu.plans import views, views_assessment, views_inspections, views_notices, views_tracking

app_name = "plans"

urlpatterns = [
    *views.urlpatterns,
    *views_tracking.urlpatterns,
    *views_notices.urlpatterns,
    *views_inspections.urlpatterns,
    *views_assessment.urlpatterns,
]
