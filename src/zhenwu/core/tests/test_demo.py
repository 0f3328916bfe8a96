"""The demo township: what ``load_demo`` builds, that it is idempotent, and what ``demo_logins`` prints."""

import re
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.test import Client

from zhenwu.core.choices import AuditAction, Interface, Role, UnitKind
from zhenwu.core.demo import DEMO_LOGINS, DEMO_PASSWORD, demo_staff, demo_units
from zhenwu.core.models import AuditEvent, Unit, User
from zhenwu.core.services.people import person_set_password
from zhenwu.core.services.units import unit_create, unit_set_active
from zhenwu.core.validators import PHONE_RE, UNIT_CODE_RE
from zhenwu.testing.world import PASSWORD, World

pytestmark = pytest.mark.django_db

EXPECTED_UNITS = {
    UnitKind.COUNTY: 1,
    UnitKind.TOWNSHIP: 2,
    UnitKind.VILLAGE: 10,
    UnitKind.COMMUNITY: 4,
    UnitKind.OFFICE: 5,
    UnitKind.STATION: 6,
}
EXPECTED_STAFF = 64


def load(*args: str) -> str:
    out = StringIO()
    call_command("load_demo", *args, stdout=out)
    return out.getvalue()


def logins(*args: str) -> str:
    out = StringIO()
    call_command("demo_logins", *args, stdout=out)
    return out.getvalue()


def counts() -> dict[str, int]:
    return {
        "units": Unit.objects.count(),
        "users": User.objects.count(),
        "audit": AuditEvent.objects.count(),
    }


def test_load_builds_the_county_townships_units_and_staff() -> None:
    load()
    by_kind = {kind: Unit.objects.filter(kind=kind).count() for kind in UnitKind.values}
    assert by_kind == EXPECTED_UNITS
    county = Unit.objects.get(code="LX", name="临溪县", parent=None)
    townships = Unit.objects.filter(parent=county).order_by("code")
    assert [(t.code, t.name, t.kind) for t in townships] == [
        ("HB", "河坝镇", UnitKind.TOWNSHIP),
        ("SQ", "石桥镇", UnitKind.TOWNSHIP),
    ]
    assert Unit.objects.filter(depth=2).count() == 25
    assert not Unit.objects.filter(name__contains="派出所").exists()
    for unit in Unit.objects.all():
        assert UNIT_CODE_RE.match(unit.code)
        assert re.fullmatch(r"0739-\d{7}", unit.phone)
        assert unit.is_descendant_of(county)

    staff = User.objects.select_related("unit")
    assert staff.count() == EXPECTED_STAFF
    assert set(staff.values_list("role", flat=True)) == set(Role.values)
    for person in staff:
        assert person.unit is not None and person.unit.is_active
        assert re.fullmatch(r"1(38|39|50|86)0000\d{4}", person.phone) and PHONE_RE.match(person.phone)
        assert 2 <= len(person.full_name) <= 3
        assert person.position
        assert person.check_password(DEMO_PASSWORD)
        if person.email:
            assert person.role in (Role.ADMIN, Role.OFFICE) and person.email.endswith("@zhenwu.example")
    names = list(staff.values_list("full_name", flat=True))
    assert len(set(names)) == len(names)
    # Every village, community, office and station has someone who reports for it.
    for unit in Unit.objects.filter(depth=2):
        assert unit.staff.filter(role=Role.REPORTER).exists(), unit.code
    assert User.objects.get(username="admin").is_superuser


def test_fixed_logins_have_the_documented_roles() -> None:
    load()
    homes = {
        u.username: (u.role, u.unit.code if u.unit else None)
        for u in User.objects.filter(username__in=DEMO_LOGINS).select_related("unit")
    }
    assert homes == {
        "admin": (Role.ADMIN, "LX"),
        "oversight": (Role.OVERSIGHT, "LX"),
        "hb_leader": (Role.LEADER, "HB"),
        "hb_office": (Role.OFFICE, "HB"),
        "hb_mediator": (Role.MEDIATOR, "HB"),
        "hb_reporter": (Role.REPORTER, "HB-01"),
        "sq_office": (Role.OFFICE, "SQ"),
    }


def test_generation_is_deterministic_and_consistent() -> None:
    assert demo_staff() == demo_staff()
    assert demo_units() == demo_units()
    codes = {u.code for u in demo_units()}
    usernames = [s.username for s in demo_staff()]
    assert len(set(usernames)) == len(usernames)
    assert all(s.unit_code in codes for s in demo_staff())
    assert set(DEMO_LOGINS) <= set(usernames)


def test_load_is_audited_through_the_cli() -> None:
    load()
    events = AuditEvent.objects.filter(action=AuditAction.CREATE, object_type__in=["core.unit", "core.user"])
    assert events.count() == sum(EXPECTED_UNITS.values()) + EXPECTED_STAFF
    assert set(AuditEvent.objects.values_list("interface", flat=True)) == {Interface.CLI}
    # One command run is one request id.
    assert AuditEvent.objects.values("request_id").distinct().count() == 1


def test_second_load_changes_nothing() -> None:
    load()
    before = counts()
    hb_leader = User.objects.get(username="hb_leader")
    load()
    assert counts() == before
    assert User.objects.get(username="hb_leader").full_name == hb_leader.full_name


def test_load_fills_in_what_is_missing_and_keeps_the_rest(world: World) -> None:
    # The test world already has 临溪县, 河坝镇 (河东村, 河西村), 石桥镇 (桥头村) and an "admin" account.
    admin = world.user("admin")
    unit_set_active(actor=admin, unit=world.other_village, is_active=False)
    kept = {u.code: (u.pk, u.name) for u in Unit.objects.all()}
    load()
    assert Unit.objects.count() == sum(EXPECTED_UNITS.values())
    assert {
        code: (u.pk, u.name) for code, u in Unit.objects.in_bulk(list(kept), field_name="code").items()
    } == kept
    # The existing admin keeps its own password; staff of the deactivated village are left out.
    assert User.objects.get(username="admin").check_password(PASSWORD)
    assert not User.objects.filter(unit=world.other_village).exists()
    assert User.objects.filter(username__in=[s.username for s in demo_staff()]).count() == EXPECTED_STAFF - 3
    before = counts()
    load()
    assert counts() == before


def test_if_empty_skips_when_any_unit_exists() -> None:
    call_command("load_demo", "--if-empty", stdout=StringIO())
    assert Unit.objects.count() == sum(EXPECTED_UNITS.values())
    before = counts()
    load("--if-empty")
    assert counts() == before


def test_if_empty_leaves_a_real_installation_alone(world: World) -> None:
    before = counts()
    load("--if-empty")
    assert counts() == before
    assert not User.objects.filter(username="hb_office").exists()


def test_demo_logins_lists_working_logins_only() -> None:
    load()
    out = logins("--url", "http://127.0.0.1:8000/")
    assert "http://127.0.0.1:8000/" in out
    for username in DEMO_LOGINS:
        assert re.search(rf"^\s+{username}\s", out, re.MULTILINE), username
    assert DEMO_PASSWORD in out
    assert "河坝镇" in out and "河东村" in out

    leader = User.objects.get(username="hb_leader")
    person_set_password(actor=leader, person=leader, password="Another-secret-77")
    out = logins()
    assert not re.search(r"^\s+hb_leader\s", out, re.MULTILINE)
    assert re.search(r"^\s+hb_office\s", out, re.MULTILINE)


def test_demo_logins_prints_no_password_when_all_were_changed() -> None:
    load()
    for user in User.objects.filter(username__in=DEMO_LOGINS):
        person_set_password(actor=user, person=user, password="Another-secret-77")
    out = logins("--url", "http://127.0.0.1:8000/")
    assert DEMO_PASSWORD not in out
    assert "http://127.0.0.1:8000/" in out
    assert logins() == ""


def test_every_printed_login_can_log_in() -> None:
    load()
    out = logins()
    printed = [u for u in DEMO_LOGINS if re.search(rf"^\s+{u}\s", out, re.MULTILINE)]
    assert printed == list(DEMO_LOGINS)
    for username in printed:
        assert Client().login(username=username, password=DEMO_PASSWORD), username
    assert Client().login(username="sq_s29", password=DEMO_PASSWORD)


def test_a_conflicting_unit_stops_the_load_and_nothing_is_saved(world: World) -> None:
    # 柳湾村 is the demo's HB-03; here it already exists under 河坝镇 with another code.
    admin = world.user("admin")
    unit_create(actor=admin, parent=world.township, kind=UnitKind.VILLAGE, name="柳湾村", code="X1")
    before = counts()
    with pytest.raises(CommandError):
        load()
    assert counts() == before
