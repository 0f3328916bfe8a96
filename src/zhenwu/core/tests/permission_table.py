"""Role × route table of the core app and the project-level routes (see zhenwu.testing.permissions).

The world: every role works in 河坝镇 (HB) except the reporter (village HB-01) and the admin
(the county, instance-wide). 石桥镇 (SQ) is outside everyone's scope but the admin's.
"""

from zhenwu.core.choices import Channel
from zhenwu.core.notifications.services import notification_enqueue
from zhenwu.testing.permissions import LOGIN, Check, every_role, expect
from zhenwu.testing.world import World

MANAGERS_ONLY = expect(admin=200, office=200, leader=403, reporter=403, mediator=403, oversight=403)
MANAGERS_REDIRECT = expect(admin=302, office=302, leader=403, reporter=403, mediator=403, oversight=403)
ADMIN_ONLY = expect(admin=200, office=403, leader=403, reporter=403, mediator=403, oversight=403)
AUDITORS_ONLY = expect(admin=200, office=403, leader=403, reporter=403, mediator=403, oversight=200)
TOWNSHIP_VISIBLE = expect(admin=200, office=200, leader=200, reporter=404, mediator=200, oversight=200)
API_MANAGERS = {**MANAGERS_ONLY, "anonymous": 401}
API_MANAGERS_HB02 = {**API_MANAGERS, "reporter": 404}  # HB-02 is outside the HB-01 reporter's scope
API_MANAGERS_CREATED = {
    **expect(admin=201, office=201, leader=403, reporter=403, mediator=403, oversight=403),
    "anonymous": 401,
}
POST_ONLY = every_role(405, anonymous=405)


def township(w: World) -> dict[str, int]:
    return {"pk": w.township.pk}


def village(w: World) -> dict[str, int]:
    return {"pk": w.village.pk}


def village2(w: World) -> dict[str, int]:
    return {"pk": w.village2.pk}


def reporter(w: World) -> dict[str, int]:
    return {"pk": w.user("reporter").pk}


def mediator(w: World) -> dict[str, int]:
    return {"pk": w.user("mediator").pk}


def outbox_message(w: World) -> dict[str, int]:
    message = notification_enqueue(
        event_key="permission-table",
        channel=Channel.SMS,
        recipient="13900001234",
        body="测试",
        unit=w.village,
    )
    return {"pk": message.pk}


TABLE: dict[str, list[Check]] = {
    # --- pages -------------------------------------------------------------------------------
    "core:home": [Check(every_role(200))],
    "core:unit_list": [Check(every_role(200))],
    "core:unit_create": [Check(MANAGERS_ONLY)],
    "core:unit_detail": [
        Check(TOWNSHIP_VISIBLE, kwargs=township),
        Check(
            expect(admin=200, office=404, leader=404, reporter=404, mediator=404, oversight=404),
            kwargs=lambda w: {"pk": w.other_village.pk},
        ),
    ],
    "core:unit_edit": [Check(MANAGERS_ONLY, kwargs=village)],
    "core:unit_move": [Check(MANAGERS_ONLY, kwargs=village)],
    "core:unit_active": [
        Check(POST_ONLY, kwargs=village2),
        Check(MANAGERS_REDIRECT, method="POST", kwargs=village2, data=lambda w: {"is_active": "0"}),
    ],
    "core:person_list": [Check(every_role(200))],
    "core:person_create": [Check(MANAGERS_ONLY)],
    "core:person_detail": [
        Check(every_role(200), kwargs=reporter),
        Check(TOWNSHIP_VISIBLE, kwargs=mediator),
    ],
    "core:person_edit": [Check(MANAGERS_ONLY, kwargs=reporter)],
    "core:person_active": [
        Check(POST_ONLY, kwargs=mediator),
        Check(MANAGERS_REDIRECT, method="POST", kwargs=mediator, data=lambda w: {"is_active": "0"}),
    ],
    "core:person_password": [
        Check(MANAGERS_ONLY, kwargs=reporter),
        Check(
            MANAGERS_REDIRECT,
            method="POST",
            kwargs=reporter,
            data=lambda w: {"new_password1": "Reset-by-admin-2026", "new_password2": "Reset-by-admin-2026"},
        ),
    ],
    "core:person_unlock": [
        Check(POST_ONLY, kwargs=mediator),
        Check(MANAGERS_REDIRECT, method="POST", kwargs=mediator),
    ],
    "core:person_otp_reset": [
        Check(POST_ONLY, kwargs=mediator),
        Check(MANAGERS_REDIRECT, method="POST", kwargs=mediator),
    ],
    "core:audit_list": [Check(AUDITORS_ONLY)],
    "core:calendar": [
        Check(every_role(200)),
        Check(every_role(200), query="rule=petition.accept_notice&start=2026-02-06"),
    ],
    "core:calendar_year_create": [
        Check(ADMIN_ONLY),
        Check(
            {**ADMIN_ONLY, "admin": 302},
            method="POST",
            data=lambda w: {
                "year": "2027",
                "source": "国办发明电〔2026〕X号",
                "holidays": "2027-01-01 元旦",
                "workdays": "",
            },
        ),
    ],
    "core:outbox_list": [Check(MANAGERS_ONLY)],
    "core:outbox_retry": [
        Check(POST_ONLY, kwargs=outbox_message),
        # Not dead yet: the refusal is shown as a message on the list page it redirects to.
        Check(MANAGERS_REDIRECT, method="POST", kwargs=outbox_message),
    ],
    "core:account": [Check(every_role(200))],
    "core:token_list": [Check(every_role(200))],
    "core:token_revoke": [
        Check(POST_ONLY, kwargs=lambda w: {"pk": 1}),
        Check(every_role(302), method="POST", kwargs=lambda w: {"pk": 999999}),
    ],
    # --- project-level routes ----------------------------------------------------------------
    "healthz": [Check(every_role(200, anonymous=200))],
    "readyz": [Check(every_role(200, anonymous=200))],
    "login": [Check(every_role(302, anonymous=200))],
    "logout": [
        Check(POST_ONLY),
        Check(every_role(LOGIN, anonymous=LOGIN), method="POST"),
    ],
    # Without a device (and with 2FA not enforced in the test settings) the code step has nothing to ask.
    "otp_verify": [Check(every_role(302))],
    "otp_setup": [Check(every_role(200))],
    "password_change": [Check(every_role(200))],
    "password_change_done": [Check(every_role(200))],
    "set_language": [
        Check(every_role(302, anonymous=302), method="POST", data=lambda w: {"language": "en", "next": "/"})
    ],
    "admin:*": [
        Check(
            expect(
                anonymous=302, admin=200, office=302, leader=302, reporter=302, mediator=302, oversight=302
            )
        )
    ],
    # --- API ---------------------------------------------------------------------------------
    "api:api-root": [Check(every_role(404, anonymous=404))],
    "api:openapi-json": [Check(every_role(200, anonymous=200))],
    "api:openapi-view": [Check(every_role(200, anonymous=200))],
    "api:me": [Check(every_role(200, anonymous=401))],
    "api:list_units": [Check(every_role(200, anonymous=401))],
    "api:create_unit": [
        Check(
            {**API_MANAGERS_CREATED, "reporter": 404},  # the parent township is outside a village's scope
            method="POST",
            json=True,
            data=lambda w: {"parent_id": w.township.pk, "kind": "village", "name": "新村", "code": "HB-99"},
        )
    ],
    "api:get_unit": [
        Check({**TOWNSHIP_VISIBLE, "anonymous": 401}, kwargs=lambda w: {"unit_id": w.township.pk})
    ],
    "api:update_unit": [
        Check(
            API_MANAGERS,
            method="PATCH",
            json=True,
            kwargs=lambda w: {"unit_id": w.village.pk},
            data=lambda w: {"phone": "0759-4688138"},
        )
    ],
    "api:move_unit": [
        Check(
            API_MANAGERS_HB02,
            method="POST",
            json=True,
            kwargs=lambda w: {"unit_id": w.village2.pk},
            data=lambda w: {"parent_id": w.village.pk},
        )
    ],
    "api:set_unit_active": [
        Check(
            API_MANAGERS_HB02,
            method="POST",
            json=True,
            kwargs=lambda w: {"unit_id": w.village2.pk},
            data=lambda w: {"is_active": False},
        )
    ],
    "api:list_people": [Check(every_role(200, anonymous=401))],
    "api:create_person": [
        Check(
            API_MANAGERS_CREATED,
            method="POST",
            json=True,
            data=lambda w: {
                "username": "newbie",
                "full_name": "刘新",
                "unit_id": w.village.pk,
                "role": "reporter",
            },
        )
    ],
    "api:get_person": [
        Check({**TOWNSHIP_VISIBLE, "anonymous": 401}, kwargs=lambda w: {"person_id": w.user("mediator").pk})
    ],
    "api:update_person": [
        Check(
            API_MANAGERS,
            method="PATCH",
            json=True,
            kwargs=lambda w: {"person_id": w.user("reporter").pk},
            data=lambda w: {"position": "网格员"},
        )
    ],
    "api:list_audit": [Check({**AUDITORS_ONLY, "anonymous": 401})],
    "api:compute_deadline": [
        Check(
            every_role(200, anonymous=401),
            method="POST",
            json=True,
            data=lambda w: {"rule": "petition.accept_notice", "start": "2026-02-06"},
        )
    ],
    "api:list_calendar_years": [Check(every_role(200, anonymous=401))],
}
