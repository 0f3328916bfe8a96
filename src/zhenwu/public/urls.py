"""Public pages (no sign-in), mounted at /public/. Each route has a row in
``petitions/tests/permission_table_public.py``: anonymous users and every role get the same outcome.
"""

from django.urls import URLPattern, path

from zhenwu.public import views

app_name = "public"

urlpatterns: list[URLPattern] = [
    path("", views.index_view, name="index"),
    path("submit/", views.submit_view, name="submit"),
    path("track/", views.track_view, name="track"),
    path("track/forget/", views.forget_view, name="forget"),
    path("matters/<int:pk>/", views.matter_view, name="matter"),
    path("matters/<int:pk>/rate/", views.rate_view, name="rate"),
    path("matters/<int:pk>/review/", views.review_view, name="review"),
    path("documents/<str:token>/", views.document_view, name="document"),
]
