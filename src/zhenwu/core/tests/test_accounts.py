"""Account protection through the real login pages: lockout, rate limit, two-factor, idle expiry,
forced password change, password policy and Argon2.

The test settings switch these protections off for the rest of the suite (which signs in with
force_login); the ``secure`` fixture switches them back on as in production.
"""

import datetime
import re
from collections.abc import Iterator

import pytest
import time_machine
from django.conf import LazySettings
from django.contrib.auth.hashers import PBKDF2PasswordHasher
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.test import Client, RequestFactory
from django.urls import reverse
from django.utils import translation
from django_otp.oath import TOTP

from zhenwu import settings as production_settings
from zhenwu.core.choices import AuditAction, Role
from zhenwu.core.demo import DEMO_PASSWORD
from zhenwu.core.models import AuditEvent, User
from zhenwu.core.services.accounts import otp_enrol, otp_new_key, person_otp_reset
from zhenwu.core.services.people import person_create, person_set_password
from zhenwu.core.services.tokens import token_create
from zhenwu.core.views.account import LOGIN_POSTS_PER_WINDOW, OTP_SETUP_KEY, axes_client_ip
from zhenwu.testing.world import PASSWORD, World

START = datetime.datetime(2026, 3, 2, 9, 0, tzinfo=datetime.UTC)
NEW_PASSWORD = "My-own-secret-2026"


@pytest.fixture
def secure(settings: LazySettings) -> LazySettings:
    settings.AXES_ENABLED = True
    settings.AXES_FAILURE_LIMIT = 5
    settings.ZHENWU_REQUIRE_2FA = True
    settings.ZHENWU_SESSION_IDLE_MINUTES = 30
    settings.ZHENWU_FORCE_PASSWORD_CHANGE = True
    return settings


@pytest.fixture
def clock() -> Iterator[time_machine.Traveller]:
    with time_machine.travel(START, tick=False) as traveller:
        yield traveller


def english() -> Client:
    client = Client()
    client.cookies["django_language"] = "en"
    return client


def login(client: Client, username: str, password: str = PASSWORD, ip: str = "10.0.0.1") -> int:
    response = client.post(reverse("login"), {"username": username, "password": password}, REMOTE_ADDR=ip)
    return int(response.status_code)


def code_of(key_hex: str, offset_steps: int = 0) -> str:
    totp = TOTP(bytes.fromhex(key_hex), step=30, digits=6)
    totp.time = totp.time + 30 * offset_steps
    return f"{totp.token():06d}"


def enrol(user: User) -> tuple[str, list[str]]:
    """Enrol ``user`` through the service at the current (frozen) time; return the key and backup codes."""
    key = otp_new_key()
    enrolment = otp_enrol(actor=user, key_hex=key, code=code_of(key))
    return key, enrolment.backup_codes


# --- Argon2 and the password policy -------------------------------------------------------------


def test_passwords_are_stored_with_argon2_and_old_hashes_upgrade_at_login(
    world: World, settings: LazySettings
) -> None:
    settings.PASSWORD_HASHERS = production_settings.PASSWORD_HASHERS
    reporter = world.user("reporter")
    person_set_password(actor=reporter, person=reporter, password=NEW_PASSWORD)
    reporter.refresh_from_db()
    assert reporter.password.startswith("argon2$argon2id$")
    # A PBKDF2 hash from before the switch still works and is rehashed on the next login.
    leader = world.user("leader")
    old_hash = PBKDF2PasswordHasher().encode(PASSWORD, "oldsalt", iterations=1000)  # cheap, still PBKDF2
    User.objects.filter(pk=leader.pk).update(password=old_hash)
    assert login(Client(), "leader") == 302
    leader.refresh_from_db()
    assert leader.password.startswith("argon2$argon2id$")


def test_password_policy_needs_12_characters_of_three_kinds(world: World) -> None:
    with translation.override("en"):
        _policy_refuses_weak_passwords()


def _policy_refuses_weak_passwords() -> None:
    with pytest.raises(ValidationError) as short:
        validate_password("Ab1-short")
    assert any("at least 12 characters" in m for m in short.value.messages)
    for weak in ("lowercaseonlyletters", "lowercase and spaces", "UPPERCASE2026"):
        with pytest.raises(ValidationError) as simple:
            validate_password(weak)
        assert any("at least 3 of these four kinds" in m for m in simple.value.messages), weak
    for good in ("Zhou-ping-county", "pingan2026!road", "河坝镇Hebazhen88"):
        validate_password(good)
    # The published demo password and the test world's password follow the policy.
    validate_password(DEMO_PASSWORD)
    validate_password(PASSWORD)


# --- lockout ----------------------------------------------------------------------------------------


def test_an_account_is_locked_after_5_failures_from_any_address(world: World, secure: LazySettings) -> None:
    for i in range(4):
        assert login(Client(), "reporter", "wrong-Password-1", ip=f"10.0.1.{i}") == 200
    assert login(Client(), "reporter", "wrong-Password-1", ip="10.0.1.9") == 429  # the 5th failure
    client = english()
    response = client.post(
        reverse("login"), {"username": "reporter", "password": PASSWORD}, REMOTE_ADDR="10.0.2.1"
    )
    assert response.status_code == 429
    page = response.content.decode()
    assert "Login locked" in page and "township office" in page and "30 minutes" in page
    assert "_auth_user_id" not in client.session
    locked = AuditEvent.objects.filter(action=AuditAction.DENIED, object_repr="reporter")
    assert locked.count() == 1 and "locked out" in locked.get().note
    # The cool-off ends it by itself.
    with time_machine.travel(datetime.timedelta(minutes=31)):
        assert login(Client(), "reporter", ip="10.0.2.1") == 302


def test_an_address_is_locked_after_5_failures_for_any_accounts(world: World, secure: LazySettings) -> None:
    for name in ("nobody", "leader", "office", "someone"):
        assert login(Client(), name, "wrong-Password-1", ip="10.0.3.3") == 200
    assert login(Client(), "mediator", "wrong-Password-1", ip="10.0.3.3") == 429
    assert login(Client(), "reporter", ip="10.0.3.3") == 429
    assert login(Client(), "reporter", ip="10.0.3.4") == 302  # the account itself is not locked


def test_an_administrator_unlocks_from_the_person_page(world: World, secure: LazySettings) -> None:
    for _i in range(5):
        login(Client(), "reporter", "wrong-Password-1", ip="10.0.4.4")
    assert login(Client(), "reporter", ip="10.0.4.5") == 429
    secure.ZHENWU_REQUIRE_2FA = False  # the managers below sign in with force_login
    reporter = world.user("reporter")
    detail = reverse("core:person_detail", args=[reporter.pk])
    unlock = reverse("core:person_unlock", args=[reporter.pk])
    leader = Client()
    leader.force_login(world.user("leader"))
    assert leader.post(unlock).status_code == 403
    office = Client()
    office.force_login(world.user("office"))
    assert 'data-sign-in="locked"' in office.get(detail).content.decode()
    assert office.post(unlock)["Location"] == detail
    assert 'data-sign-in="open"' in office.get(detail).content.decode()
    event = AuditEvent.objects.filter(object_id=str(reporter.pk), note="sign-in lockout lifted").get()
    assert event.actor == world.user("office")
    # Unlocked for the account and for the address it was locked from.
    assert login(Client(), "reporter", ip="10.0.4.4") == 302


def test_login_posts_are_rate_limited_per_address(world: World, settings: LazySettings) -> None:
    for _i in range(LOGIN_POSTS_PER_WINDOW):
        assert login(Client(), "reporter", "wrong-Password-1", ip="10.0.5.5") == 200
    client = english()
    response = client.post(
        reverse("login"), {"username": "reporter", "password": PASSWORD}, REMOTE_ADDR="10.0.5.5"
    )
    assert response.status_code == 429 and "Too many login attempts" in response.content.decode()

    # X-Forwarded-For is believed only from the trusted proxy.
    def forged() -> int:
        response = Client().post(
            reverse("login"),
            {"username": "x", "password": "y"},
            REMOTE_ADDR="10.0.5.5",
            HTTP_X_FORWARDED_FOR="10.9.9.9",
        )
        return int(response.status_code)

    assert forged() == 429
    settings.ZHENWU_TRUSTED_PROXY = ["10.0.5.5"]
    assert forged() == 200
    assert login(Client(), "reporter", ip="10.0.5.6") == 302


# --- two-factor -------------------------------------------------------------------------------------


def test_a_role_that_needs_2fa_enrols_before_anything_else(
    world: World, secure: LazySettings, clock: time_machine.Traveller
) -> None:
    client = english()
    assert login(client, "office") == 302
    home = client.get(reverse("core:home"))
    assert home["Location"] == f"{reverse('otp_verify')}?next=%2F"
    setup = client.get(home["Location"])
    assert setup["Location"] == f"{reverse('otp_setup')}?next=%2F"
    # Every other page and the Django admin wait too; HTMX requests get an HX-Redirect.
    assert client.get(reverse("core:person_list"))["Location"].startswith(reverse("otp_verify"))
    assert client.get(reverse("core:token_list")).status_code == 302
    htmx = client.get(reverse("core:person_list"), headers={"HX-Request": "true"})
    assert htmx.status_code == 200 and htmx["HX-Redirect"].startswith(reverse("otp_verify"))
    page = client.get(setup["Location"]).content.decode()
    assert "<svg" in page and "<script>" not in page and "style=" not in page
    key = client.session[OTP_SETUP_KEY]
    secret = re.search(r"data-otp-secret>([A-Z2-7 ]+)<", page)
    assert secret is not None and len(secret.group(1).replace(" ", "")) == 32
    wrong = client.post(setup["Location"], {"code": code_of(key, offset_steps=5)})
    assert wrong.status_code == 200 and "The code is not valid" in wrong.content.decode()
    done = client.post(setup["Location"], {"code": code_of(key), "next": "/"})
    codes = re.findall(r"data-backup-code>([a-z2-7]+)<", done.content.decode())
    assert done.status_code == 200 and len(codes) == 10
    assert client.get(reverse("core:home")).status_code == 200
    assert AuditEvent.objects.filter(note="two-factor enrolled", actor=world.user("office")).count() == 1
    # The enrolment code cannot sign in again (replay).
    client.post(reverse("logout"))
    assert login(client, "office") == 302
    replay = client.post(reverse("otp_verify"), {"code": code_of(key), "next": "/"})
    assert replay.status_code == 200 and "The code is not valid" in replay.content.decode()


def test_login_with_a_code_refuses_wrong_and_replayed_codes(
    world: World, secure: LazySettings, clock: time_machine.Traveller
) -> None:
    key, _codes = enrol(world.user("leader"))
    clock.shift(datetime.timedelta(minutes=2))
    client = english()
    assert login(client, "leader") == 302
    assert client.get("/plans/")["Location"] == f"{reverse('otp_verify')}?next=%2Fplans%2F"
    wrong = client.post(reverse("otp_verify"), {"code": "000000", "next": "/plans/"})
    assert wrong.status_code == 200 and "The code is not valid" in wrong.content.decode()
    assert AuditEvent.objects.filter(action=AuditAction.LOGIN_FAILED, object_repr="leader").count() == 1
    ok = client.post(reverse("otp_verify"), {"code": code_of(key), "next": "/plans/"})
    assert ok["Location"] == "/plans/"
    assert client.get(reverse("core:home")).status_code == 200
    # Signed in again within the same 30 seconds: the same code is refused, the next one works.
    client.post(reverse("logout"))
    assert login(client, "leader") == 302
    assert client.post(reverse("otp_verify"), {"code": code_of(key)}).status_code == 200
    clock.shift(datetime.timedelta(seconds=30))
    assert client.post(reverse("otp_verify"), {"code": code_of(key)})["Location"] == "/"


def test_a_backup_code_works_once(world: World, secure: LazySettings, clock: time_machine.Traveller) -> None:
    _key, codes = enrol(world.user("oversight"))
    client = english()
    login(client, "oversight")
    assert client.post(reverse("otp_verify"), {"code": codes[0].upper()})["Location"] == "/"
    client.post(reverse("logout"))
    login(client, "oversight")
    assert client.post(reverse("otp_verify"), {"code": codes[0]}).status_code == 200
    assert client.post(reverse("otp_verify"), {"code": codes[1]})["Location"] == "/"
    assert client.get(reverse("core:account")).content.decode().count("8 backup codes left") == 1


def test_wrong_codes_count_towards_the_lockout(
    world: World, secure: LazySettings, clock: time_machine.Traveller
) -> None:
    key, _codes = enrol(world.user("leader"))
    client = english()
    login(client, "leader")
    for _i in range(4):
        assert client.post(reverse("otp_verify"), {"code": "123456"}).status_code == 200
    locked = client.post(reverse("otp_verify"), {"code": "123456"})
    assert locked.status_code == 429 and "Login locked" in locked.content.decode()
    assert client.get(reverse("core:home"))["Location"].startswith(reverse("login"))  # logged out
    assert login(Client(), "leader", ip="10.0.7.7") == 429  # the account, from anywhere


def test_optional_roles_go_straight_in_and_may_enrol(
    world: World, secure: LazySettings, clock: time_machine.Traveller
) -> None:
    client = english()
    login(client, "reporter")
    account = client.get(reverse("core:account")).content.decode()
    assert 'data-two-factor="off"' in account and "Optional for your role" in account
    client.get(reverse("otp_setup"))
    key = client.session[OTP_SETUP_KEY]
    client.post(reverse("otp_setup"), {"code": code_of(key)})
    assert 'data-two-factor="on"' in client.get(reverse("core:account")).content.decode()
    # Once enrolled, the code is asked at every login.
    client.post(reverse("logout"))
    login(client, "reporter")
    assert client.get(reverse("core:home"))["Location"].startswith(reverse("otp_verify"))


def test_api_tokens_are_not_affected_and_admin_site_needs_the_code(
    world: World, secure: LazySettings, clock: time_machine.Traveller
) -> None:
    _token, secret = token_create(actor=world.user("office"), name="script")
    api = Client()
    assert api.get(reverse("api:me"), headers={"Authorization": f"Bearer {secret}"}).status_code == 200
    admin = Client()
    login(admin, "admin")
    assert admin.get(reverse("admin:index"))["Location"].startswith(reverse("otp_verify"))
    session_api = admin.get(reverse("api:me"))
    assert session_api.status_code == 403 and session_api.json()["code"] == "account_action_required"
    # The admin site's own login page sends to ours (rate limit, lockout, two-factor).
    login_page = Client().get(reverse("admin:login") + "?next=/admin/")
    assert login_page["Location"] == f"{reverse('login')}?next=%2Fadmin%2F"


def test_an_administrator_resets_2fa(
    world: World, secure: LazySettings, clock: time_machine.Traveller
) -> None:
    enrol(world.user("office"))
    person_otp_reset(actor=world.user("admin"), person=world.user("office"))
    event = AuditEvent.objects.get(note="two-factor reset")
    assert event.actor == world.user("admin") and event.changes == {"two_factor": [True, False]}
    client = Client()
    login(client, "office")
    assert client.get(reverse("otp_verify"))["Location"].startswith(reverse("otp_setup"))


# --- idle expiry ------------------------------------------------------------------------------------


def test_an_idle_session_is_logged_out(
    world: World, secure: LazySettings, clock: time_machine.Traveller
) -> None:
    client = english()
    login(client, "reporter")
    assert client.get(reverse("core:home")).status_code == 200
    clock.shift(datetime.timedelta(minutes=29))
    assert client.get(reverse("core:person_list")).status_code == 200
    clock.shift(datetime.timedelta(minutes=29))  # active 29 minutes ago: still signed in
    htmx_client = client
    assert client.get(reverse("core:home")).status_code == 200
    clock.shift(datetime.timedelta(minutes=31))
    response = htmx_client.get(reverse("core:person_list"), headers={"HX-Request": "true"})
    assert response["HX-Redirect"] == f"{reverse('login')}?next=%2Fpeople%2F"
    page = client.get(response["HX-Redirect"]).content.decode()
    assert "logged out after 30 minutes without activity" in page
    assert client.get(reverse("core:home"))["Location"].startswith(reverse("login"))
    assert AuditEvent.objects.filter(action=AuditAction.LOGOUT, actor=world.user("reporter")).count() == 1


# --- forced password change -------------------------------------------------------------------------


def test_a_created_account_must_change_its_password_first(
    world: World, secure: LazySettings, clock: time_machine.Traveller
) -> None:
    person = person_create(
        actor=world.user("office"),
        username="newcadre",
        full_name="刘新",
        unit=world.village,
        role=Role.REPORTER,
        password="Given-by-office-1",
    )
    assert person.must_change_password
    client = english()
    login(client, "newcadre", "Given-by-office-1")
    for url in (reverse("core:home"), reverse("core:person_list"), reverse("core:token_list")):
        assert client.get(url)["Location"] == f"{reverse('password_change')}?next={url.replace('/', '%2F')}"
    form = client.get(reverse("password_change")).content.decode()
    assert "Choose a new password of your own" in form
    weak = client.post(
        reverse("password_change"),
        {
            "old_password": "Given-by-office-1",
            "new_password1": "simplepassword",
            "new_password2": "simplepassword",
        },
    )
    assert weak.status_code == 200 and "at least 3 of these four kinds" in weak.content.decode()
    done = client.post(
        reverse("password_change"),
        {"old_password": "Given-by-office-1", "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert done["Location"] == reverse("password_change_done")
    assert client.get(reverse("core:home")).status_code == 200
    person.refresh_from_db()
    assert not person.must_change_password
    # An administrator's reset sets the flag again.
    secure.ZHENWU_REQUIRE_2FA = False
    office = Client()
    office.force_login(world.user("office"))
    reset = office.post(
        reverse("core:person_password", args=[person.pk]),
        {"new_password1": "Reset-by-office-2", "new_password2": "Reset-by-office-2"},
    )
    assert reset.status_code == 302
    person.refresh_from_db()
    assert person.must_change_password and person.check_password("Reset-by-office-2")
    assert world.user("reporter").must_change_password is False  # the test world is not affected


def test_lockouts_count_the_address_the_rate_limits_use(settings: LazySettings) -> None:
    factory = RequestFactory()
    behind_proxy = factory.post("/accounts/login/", REMOTE_ADDR="10.0.9.1", HTTP_X_FORWARDED_FOR="10.7.7.7")
    assert axes_client_ip(behind_proxy) == "10.0.9.1"  # forged header from an untrusted address
    settings.ZHENWU_TRUSTED_PROXY = ["10.0.9.1"]
    assert axes_client_ip(behind_proxy) == "10.7.7.7"
    no_address = factory.post("/accounts/login/")
    del no_address.META["REMOTE_ADDR"]
    assert axes_client_ip(no_address) is None
