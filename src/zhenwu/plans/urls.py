"""Staff pages of the plans app, mounted at /plans/ (each pattern is in the permission table)."""

from django.urls import URLPattern

app_name = "plans"

urlpatterns: list[URLPattern] = []
