"""Template context shared by every page: the navigation the user's role allows."""

from typing import Any

from django.http import HttpRequest

from zhenwu.core.navigation import menu_for


def navigation(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_items": []}
    return {"nav_items": menu_for(user, request.path)}
