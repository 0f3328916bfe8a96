"""Public pages of the duty app (no sign-in): leader reception days (placeholder until the page lands)."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
