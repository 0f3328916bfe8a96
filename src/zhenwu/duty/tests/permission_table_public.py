"""Role x route rules of the duty public page (see zhenwu.testing.permissions).

The leader reception days page ignores who is signed in: anonymous visitors and every role get the
same outcome. ``?unit=`` narrows it to a unit by code; an unknown code is a 404.
"""

from zhenwu.testing.permissions import Check, every_role

OK = every_role(200, anonymous=200)
NOT_FOUND = every_role(404, anonymous=404)

TABLE: dict[str, list[Check]] = {
    "duty_public:index": [
        Check(OK),
        Check(OK, query="unit=HB"),
        Check(NOT_FOUND, query="unit=NO-SUCH"),
    ],
}
