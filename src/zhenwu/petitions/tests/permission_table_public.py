"""Role x route rules of the public pages (see zhenwu.testing.permissions).

The public pages ignore who is signed in: anonymous visitors and every role get the same outcome.
A matter is shown only to a session that looked it up with its number and query code, so without
that look-up the matter page, rating and review requests send everyone to the tracking page (302).
"""

from typing import Any

from django.core import signing

from zhenwu.petitions.choices import DeclineRoute, DocumentKind
from zhenwu.petitions.documents import petition_document_generate
from zhenwu.petitions.services import petition_decline
from zhenwu.petitions.tests.factories import register
from zhenwu.testing.permissions import Check, every_role
from zhenwu.testing.world import World

OK = every_role(200, anonymous=200)
TO_TRACK = every_role(302, anonymous=302)
NOT_ALLOWED = every_role(405, anonymous=405)
NOT_FOUND = every_role(404, anonymous=404)


def matter(w: World) -> dict[str, Any]:
    petition, _code = register(w.user("office"), w.township)
    return {"pk": petition.pk}


def valid_document(w: World) -> dict[str, Any]:
    """A signed, fresh link to a real notice: the link itself is the permission.

    A decline notice, since it names no future date (these checks run on the real clock, whose
    later deadlines may fall in a year without published holidays).
    """
    office = w.user("office")
    petition, _code = register(office, w.township)
    petition_decline(actor=office, petition=petition, route=DeclineRoute.LITIGATION, reason="属于民事纠纷")
    document = petition_document_generate(actor=office, petition=petition, kind=DocumentKind.DECLINE)
    token = signing.dumps({"p": petition.pk, "d": document.pk}, salt="zhenwu.public.document")
    return {"token": token}


def wrong_pair(w: World) -> dict[str, str]:
    return {"number": "2026-HB-999999", "code": "AAAAAAAA"}


TABLE: dict[str, list[Check]] = {
    "public:index": [Check(OK)],
    "public:submit": [
        Check(OK),
        # An empty form is shown again with its errors (and a new CAPTCHA); nothing is saved.
        Check(OK, method="POST", data=lambda w: {}),
    ],
    "public:track": [
        Check(OK),
        # A wrong number/code pair: the form again with one generic message.
        Check(OK, method="POST", data=wrong_pair),
    ],
    "public:forget": [
        Check(TO_TRACK, method="POST", data=lambda w: {}),
        Check(NOT_ALLOWED),
    ],
    "public:matter": [Check(TO_TRACK, kwargs=matter)],
    "public:rate": [
        Check(TO_TRACK, method="POST", kwargs=matter, data=lambda w: {"satisfaction": "satisfied"}),
        Check(NOT_ALLOWED, kwargs=matter),
    ],
    "public:review": [
        Check(TO_TRACK, method="POST", kwargs=matter, data=lambda w: {"reason": "不服"}),
        Check(NOT_ALLOWED, kwargs=matter),
    ],
    "public:document": [
        Check(OK, kwargs=valid_document),
        Check(NOT_FOUND, kwargs=lambda w: {"token": "not-a-signed-token"}),
    ],
}
