"""The home dashboard: the panels of the user's role (see ``zhenwu.core.dashboard``)."""

from typing import cast

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path

from zhenwu.core.dashboard import panels_for
from zhenwu.core.models import User


@login_required
def home(request: HttpRequest) -> HttpResponse:
    user = cast(User, request.user)  # login_required: never anonymous here
    return render(request, "core/home.html", {"panels": panels_for(user)})


urlpatterns = [path("", home, name="home")]
