"""Staff pages for rosters (placeholder until the pages land)."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
