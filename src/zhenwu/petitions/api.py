"""REST API routes of the petitions app."""

from ninja import Router

router = Router(tags=["petitions"])
