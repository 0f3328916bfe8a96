"""Seed the live instance of the browser tests through the services; run inside it.

``zhenwu/browser_tests`` runs this as ``manage.py shell -c "from zhenwu.testing.browser_seed import
main; main(OUT)"`` (like ``live_seed``): the data is written by the instance's own code and production
settings (two-factor required, forced password change on). One township 河坝镇 (HB) with a village
河东村 (HB-01) and a handling office 农业农村办 (HB-NY), and these accounts (password ``PASSWORD``):

- ``hb_office`` (office staff, two-factor enrolled with a key written to the JSON): registers,
  accepts and assigns matters; also holds an API token for the resident's flow;
- ``hb_nongban`` (reporter of HB-NY, no second factor needed): handles and answers assigned matters;
  also holds an API token;
- ``hd_reporter`` (reporter of HB-01): two daily reports of the village, due in six hours;
- ``hb_duty`` (office staff, two-factor enrolled): the duty officer of the township's 24-hour shift
  running now (it began two hours ago, so the test never meets its edges); ``hb_mediator`` has the
  next one;
- ``hb_newleader`` (leader, must change the password, no second factor yet): a first login.

The authenticators are enrolled with ``otp_enrol`` and the code of the *previous* time step: the
enrolment records that step as used, so a login in the current step (right after the seed) is
accepted. Writes what the tests need (keys, tokens, ids) as JSON to ``out``.
"""

import datetime
import json
from pathlib import Path
from typing import Any

from django.contrib.auth.hashers import make_password
from django.core.management import call_command
from django.utils import timezone
from django_otp.oath import TOTP

from zhenwu.core.choices import Interface, Role, UnitKind
from zhenwu.core.context import acting_through
from zhenwu.core.exceptions import ValidationFailed
from zhenwu.core.models import Unit, User
from zhenwu.core.services.people import person_create
from zhenwu.core.services.tokens import token_create
from zhenwu.core.services.units import unit_create
from zhenwu.testing.world import PASSWORD

#: Fixed authenticator secrets (hex, 160 bits) of the accounts that sign in with a second factor.
OFFICE_KEY = "3132333435363738393031323334353637383930"
DUTY_KEY = "a1b2c3d4e5f60718293a4b5c6d7e8f9011223344"


def _enrol(user: User, key_hex: str) -> None:
    """Enrol with the previous step's code, so that the current step's code is still unused."""
    from zhenwu.core.services.accounts import TOTP_DIGITS, TOTP_STEP, otp_enrol

    for attempt in range(2):  # a step boundary between the code and its check: once more
        totp = TOTP(bytes.fromhex(key_hex), step=TOTP_STEP, digits=TOTP_DIGITS)
        totp.time = totp.time - TOTP_STEP
        try:
            otp_enrol(actor=user, key_hex=key_hex, code=f"{totp.token():0{TOTP_DIGITS}d}")
        except ValidationFailed:
            if attempt:
                raise
        else:
            return


def _person(password_hash: str, username: str, full_name: str, unit: Unit, role: str, **extra: Any) -> User:
    """An account made by the installer (one hash for all: Argon2 costs a third of a second each)."""
    options: dict[str, Any] = {"must_change_password": False, "phone": "13900001234", **extra}
    return person_create(
        actor=None,
        username=username,
        full_name=full_name,
        unit=unit,
        role=role,
        password_hash=password_hash,
        **options,
    )


def _reports(admin: User, township: Unit, village: Unit) -> dict[str, int]:
    """Two daily reports of the village, each with a deadline six hours from now, open since yesterday's.

    The schedules begin the day before (as an imported ledger may: ``allow_past``), so that the open
    deadline has hours on both sides whatever the time of day; yesterday's deadline stays missing.
    """
    from zhenwu.reports.models import ReportSlot
    from zhenwu.reports.services import report_type_create, schedule_create

    now = timezone.now()
    due = timezone.localtime(now + datetime.timedelta(hours=6)).replace(second=0, microsecond=0)
    slots = {}
    definitions: list[tuple[str, str, list[dict[str, Any]]]] = [
        (
            "safety",
            "安全生产日报",
            [
                {"key": "checks", "label": "检查次数", "kind": "count"},
                {"key": "remark", "label": "情况说明", "kind": "text", "required": False},
            ],
        ),
        ("fire", "森林防火日报", [{"key": "patrols", "label": "巡山人次", "kind": "count"}]),
    ]
    for code, name, fields in definitions:
        report_type = report_type_create(
            actor=admin, owner_unit=township, code=code, name=name, fields=fields
        )
        schedule = schedule_create(
            actor=admin,
            owner_unit=township,
            report_type=report_type,
            name=f"{name}（每日）",
            starts_on=due.date() - datetime.timedelta(days=1),
            ends_on=due.date(),
            times=[due.strftime("%H:%M")],
            units=[village],
            allow_past=True,
        )
        slots[code] = ReportSlot.objects.get(
            schedule=schedule, unit=village, opens_at__lte=now, due_at__gt=now
        ).pk
    return slots


def _roster(office: User, township: Unit, officer: User, relief: User) -> int:
    """The township's 24-hour roster for two days; the first shift began two hours ago.

    ``officer`` is on the shift under way (put there by hand: generation leaves a started shift
    alone), ``relief`` on the next one.
    """
    from zhenwu.duty.choices import Position
    from zhenwu.duty.models import Shift
    from zhenwu.duty.services import (
        assignment_set,
        roster_create,
        roster_generate,
        roster_members_set,
        roster_publish,
        shift_template_add,
    )

    now = timezone.now()
    start = timezone.localtime(now - datetime.timedelta(hours=2)).replace(second=0, microsecond=0)
    roster = roster_create(
        actor=office,
        unit=township,
        name="河坝镇值班表",
        starts_on=start.date(),
        ends_on=start.date() + datetime.timedelta(days=1),
    )
    shift_template_add(
        actor=office,
        roster=roster,
        name="全天",
        start_time=start.time(),
        end_time=start.time(),  # the same time: a 24-hour shift
        leaders_required=0,
        officers_required=1,
    )
    roster_members_set(actor=office, roster=roster, position=Position.OFFICER, people=[relief, officer])
    roster_generate(actor=office, roster=roster)  # lays the shifts out; the one under way stays empty
    shift = Shift.objects.get(roster=roster, starts_at__lte=now, ends_at__gt=now)
    assignment_set(actor=office, shift=shift, position=Position.OFFICER, person=officer)
    roster_publish(actor=office, roster=roster)
    return shift.pk


def main(out: str) -> None:
    call_command("migrate", verbosity=0, interactive=False)
    with acting_through(Interface.CLI):
        county = unit_create(actor=None, parent=None, kind=UnitKind.COUNTY, name="临溪县", code="LX")
        admin = person_create(
            actor=None, username="admin", full_name="系统管理员", unit=county, role=Role.ADMIN
        )
        township = unit_create(actor=admin, parent=county, kind=UnitKind.TOWNSHIP, name="河坝镇", code="HB")
        village = unit_create(
            actor=admin, parent=township, kind=UnitKind.VILLAGE, name="河东村", code="HB-01"
        )
        handling = unit_create(
            actor=admin, parent=township, kind=UnitKind.OFFICE, name="河坝镇农业农村办", code="HB-NY"
        )
        password_hash = make_password(PASSWORD)
        office = _person(password_hash, "hb_office", "王小红", township, Role.OFFICE, position="党政办主任")
        handler = _person(
            password_hash, "hb_nongban", "刘志强", handling, Role.REPORTER, position="农业农村办主任"
        )
        _person(password_hash, "hd_reporter", "张明", village, Role.REPORTER, position="网格员")
        duty = _person(password_hash, "hb_duty", "陈平", township, Role.OFFICE, position="值班员")
        relief = _person(password_hash, "hb_mediator", "赵磊", township, Role.MEDIATOR, position="司法所所长")
        _person(password_hash, "hb_newleader", "周新", township, Role.LEADER, must_change_password=True)
        _enrol(office, OFFICE_KEY)
        _enrol(duty, DUTY_KEY)
        data = {
            "password": PASSWORD,
            "office_key": OFFICE_KEY,
            "duty_key": DUTY_KEY,
            "office_token": token_create(actor=office, name="browser test")[1],
            "handler_token": token_create(actor=handler, name="browser test")[1],
            "handling_unit": handling.pk,
            "slots": _reports(admin, township, village),
            "shift": _roster(office, township, duty, relief),
        }
    Path(out).write_text(json.dumps(data))
