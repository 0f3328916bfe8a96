"""Print the demo logins that still work: ``manage.py demo_logins [--url URL]`` (run by ``make run``).

Only accounts that exist, are active and still have the demo password are listed, so on an instance
whose passwords were changed nothing sensitive is printed.
"""

import unicodedata
from typing import Any

from django.contrib.auth.hashers import check_password
from django.core.management.base import BaseCommand, CommandParser
from django.utils.translation import gettext as _

from zhenwu.core.choices import Role
from zhenwu.core.demo import DEMO_LOGINS, DEMO_PASSWORD
from zhenwu.core.models import User


def _width(text: str) -> int:
    """Columns ``text`` takes in a terminal: CJK characters are two columns wide."""
    return sum(2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1 for ch in text)


def _pad(text: str, width: int) -> str:
    return text + " " * (width - _width(text))


def demo_login_rows() -> list[tuple[str, str, str, str]]:
    """(username, role, unit, password) of each documented demo login that still works."""
    users = {
        u.username: u
        for u in User.objects.filter(username__in=DEMO_LOGINS, is_active=True).select_related("unit")
    }
    rows = []
    verdicts: dict[str, bool] = {}  # demo accounts share one hash: check each distinct hash once
    for username in DEMO_LOGINS:
        user = users.get(username)
        if user is None:
            continue
        if user.password not in verdicts:
            # hashers.check_password without a setter: listing logins must never rewrite a hash.
            verdicts[user.password] = check_password(DEMO_PASSWORD, user.password)
        if not verdicts[user.password]:
            continue
        unit = user.unit.name if user.unit else ""
        rows.append((user.username, str(Role(user.role).label), unit, DEMO_PASSWORD))
    return rows


class Command(BaseCommand):
    help = "List the demo logins that still have the demo password (prints nothing sensitive otherwise)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--url", default="", help="The site address to print above the logins.")

    def handle(self, *args: Any, url: str, **options: Any) -> None:
        if url:
            self.stdout.write(_("zhenwu is running at %(url)s") % {"url": url})
        rows = demo_login_rows()
        if not rows:
            return
        header = (_("Username"), _("Role"), _("Unit"), _("Password"))
        widths = [max(_width(r[i]) for r in [header, *rows]) for i in range(len(header))]
        self.stdout.write(_("Demo logins (demo data only: change these passwords before any real use):"))
        for row in [header, *rows]:
            self.stdout.write(
                "  " + "  ".join(_pad(cell, w) for cell, w in zip(row, widths, strict=True)).rstrip()
            )
        self.stdout.write(_("The other demo staff accounts (such as hb_s01) use the same password."))
        self.stdout.write(
            _(
                "The first login of each account asks for a new password; administrators, office staff, "
                "leaders and oversight also set up two-factor authentication (a TOTP app) then."
            )
        )
