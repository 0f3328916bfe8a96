"""Staff pages of the safety app, mounted at /safety/ (each pattern is in the permission table)."""

from django.urls import URLPattern

from zhenwu.safety import views_hazards, views_incidents, views_patrols

app_name = "safety"

urlpatterns: list[URLPattern] = [
    *views_hazards.urlpatterns,
    *views_patrols.urlpatterns,
    *views_incidents.urlpatterns,
]
