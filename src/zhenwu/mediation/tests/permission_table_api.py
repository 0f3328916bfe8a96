"""Role x route rules of the mediation API routes (see zhenwu.testing.permissions).

The disputes are handled by 河坝镇 (HB, every role's home but the reporter's village HB-01, whose
reporter does not see them: 404), by HB-01 itself, or by 石桥镇 (SQ, only the administrator's). They
name the world's mediator. Everyone reads the ledger; the office, the administrator and a mediator
named on a dispute mediate it (leader and oversight: 403); the office and the administrator
configure the kinds and escalate to a petition; a reporter registers disputes of their village.
Opening the parties unmasked, and the documents that name them, need ``PERSONAL_VIEW`` (oversight
and the reporter: 403).

The disputes are built on a fixed day of 2026 (the deadline engine knows its holidays); the requests
run at the real date, so the dates in the bodies are counted from ``timezone.localdate()``.
"""

import datetime
from collections.abc import Callable
from typing import Any

import time_machine
from django.utils import timezone

from zhenwu.mediation import services
from zhenwu.mediation.choices import Channel, PartySide
from zhenwu.mediation.models import Dispute, DisputeKind
from zhenwu.mediation.tests.factories import agreement_in, at, make_dispute, record_session
from zhenwu.petitions.tests.factories import register
from zhenwu.testing.permissions import Check, Outcome, every_role, expect
from zhenwu.testing.world import World

#: When the disputes of the table are built (registered, accepted, sessions, agreements).
BUILT_AT = at("2026-06-01", 10)


def api(**outcomes: Outcome) -> dict[str, Outcome]:
    return {**expect(**outcomes), "anonymous": 401}


EVERYONE = every_role(200, anonymous=401)
#: A dispute handled by the township: the HB-01 reporter does not see it.
TOWNSHIP = {**EVERYONE, "reporter": 404}
#: A dispute of 石桥镇: only the administrator sees it.
OTHER_TOWNSHIP = api(admin=200, office=404, leader=404, reporter=404, mediator=404, oversight=404)
#: The office configures the kinds.
OFFICE = api(admin=200, office=200, leader=403, reporter=403, mediator=403, oversight=403)
#: The office and a mediator named on the (township's) dispute mediate it.
MEDIATORS = api(admin=200, office=200, leader=403, reporter=404, mediator=200, oversight=403)
MEDIATORS_CREATED = {**MEDIATORS, "admin": 201, "office": 201, "mediator": 201}
MEDIATORS_REFUSED = {**MEDIATORS, "admin": 400, "office": 400, "mediator": 400}
#: Parties in full: roles with PERSONAL_VIEW, of a dispute in their scope.
REVEAL = {**TOWNSHIP, "oversight": 403}
#: Roles with DISPUTE_EXPORT.
EXPORT = {**EVERYONE, "reporter": 403}


def _built(build: Callable[[World], Dispute]) -> Callable[[World], Dispute]:
    def wrapped(w: World) -> Dispute:
        with time_machine.travel(BUILT_AT, tick=False):
            return build(w)

    return wrapped


def _registered(w: World, unit: str = "township") -> Dispute:
    if unit == "other_township":
        return make_dispute(w, actor=w.user("admin"), handling_unit=w.other_township, mediators=[])
    return make_dispute(w, handling_unit=getattr(w, unit))


def _accepted(w: World) -> Dispute:
    return services.dispute_accept(actor=w.user("office"), dispute=_registered(w))


def _with_session(w: World) -> Dispute:
    dispute = _accepted(w)
    record_session(w, dispute)
    return dispute


def _agreed(w: World) -> Dispute:
    dispute = _with_session(w)
    services.agreement_record(actor=w.user("mediator"), dispute=dispute, data=agreement_in())
    return dispute


def _not_agreed(w: World) -> Dispute:
    return services.dispute_no_agreement(
        actor=w.user("mediator"), dispute=_accepted(w), reason="双方分歧过大", channel=Channel.LITIGATION
    )


def dispute(build: Callable[[World], Dispute] = _registered, **kw: Any) -> Callable[[World], dict[str, Any]]:
    return lambda w: {"dispute_id": _built(lambda x: build(x, **kw))(w).pk}


def follow_up(w: World) -> dict[str, Any]:
    agreed = _built(_agreed)(w)
    return {"dispute_id": agreed.pk, "follow_up_id": agreed.follow_ups.get().pk}


def a_kind(w: World) -> dict[str, Any]:
    return {"kind_id": DisputeKind.objects.get(code="other").pk}


def some_disputes(w: World) -> dict[str, Any]:
    _built(_registered)(w)
    _built(lambda x: _registered(x, "village"))(w)
    return {}


def _land(w: World) -> int:
    return DisputeKind.objects.get(code="land_forest").pk


def _parties() -> list[dict[str, Any]]:
    return [
        {"side": PartySide.APPLICANT, "name": "张小明", "phone": "13812345678"},
        {"side": PartySide.RESPONDENT, "name": "李大山"},
    ]


def new_dispute(unit: str, *, mediators: bool = True) -> Callable[[World], dict[str, Any]]:
    def body(w: World) -> dict[str, Any]:
        return {
            "handling_unit": getattr(w, unit).pk,
            "kind": _land(w),
            "source": "resident_request",
            "summary": "承包地边界纠纷",
            "parties": _parties(),
            "mediators": [w.user("mediator").pk] if mediators else [],
        }

    return body


def referral(*, twice: bool = False) -> Callable[[World], dict[str, Any]]:
    """A petition registered by the HB office (inside each role's rolled-back request)."""

    def body(w: World) -> dict[str, Any]:
        petition, _code = register(w.user("office"), w.township, summary="承包地界址争议")
        kind = _land(w)
        data = {
            "petition": petition.pk,
            "handling_unit": w.township.pk,
            "kind": kind,
            "respondents": [{"side": PartySide.RESPONDENT, "name": "李大山"}],
        }
        if twice:
            services.dispute_refer_from_petition(
                actor=w.user("office"),
                petition=petition,
                handling_unit=w.township,
                kind=DisputeKind.objects.get(pk=kind),
                respondents=[services.PartyIn(name="李大山", side=PartySide.RESPONDENT)],
            )
        return data

    return body


def _today() -> datetime.date:
    return timezone.localdate()


TABLE: dict[str, list[Check]] = {
    "api:list_dispute_kinds": [Check(EVERYONE), Check(EVERYONE, query="include_inactive=true")],
    "api:create_dispute_kind": [
        Check(
            {**OFFICE, "admin": 201, "office": 201},
            method="POST",
            json=True,
            data=lambda w: {"code": "water", "name": "用水纠纷", "sort_order": 85},
        ),
        # A code already taken.
        Check(
            {**OFFICE, "admin": 400, "office": 400},
            method="POST",
            json=True,
            data=lambda w: {"code": "family", "name": "家庭"},
        ),
    ],
    "api:update_dispute_kind": [
        Check(OFFICE, method="PATCH", json=True, kwargs=a_kind, data=lambda w: {"is_active": False}),
    ],
    "api:list_disputes": [
        Check(EVERYONE, kwargs=some_disputes),
        Check(EVERYONE, kwargs=some_disputes, query="status=open&q=边界"),
        Check(EVERYONE, kwargs=some_disputes, query="status=overdue&registered_from=2026-01-01"),
        Check(every_role(422, anonymous=401), query="status=lost"),
        Check(
            every_role(400, anonymous=401),
            query="registered_from=2026-06-02&registered_to=2026-06-01",
        ),
    ],
    "api:export_disputes": [
        Check(EXPORT, kwargs=some_disputes),
        # Parties in full: roles with PERSONAL_VIEW (oversight exports masked only).
        Check({**EXPORT, "oversight": 403}, kwargs=some_disputes, query="unmasked=true"),
    ],
    "api:create_dispute": [
        # Registered for the township: the HB-01 reporter does not see it (404).
        Check(
            api(admin=201, office=201, leader=403, reporter=404, mediator=201, oversight=403),
            method="POST",
            json=True,
            data=new_dispute("township"),
        ),
        # For the reporter's village, by its reporter.
        Check(
            api(admin=201, office=201, leader=403, reporter=201, mediator=201, oversight=403),
            method="POST",
            json=True,
            data=new_dispute("village", mediators=False),
        ),
        # One party only: refused by the service, for those who may register.
        Check(
            api(admin=400, office=400, leader=403, reporter=400, mediator=400, oversight=403),
            method="POST",
            json=True,
            data=lambda w: {**new_dispute("village", mediators=False)(w), "parties": _parties()[:1]},
        ),
    ],
    "api:refer_petition_to_mediation": [
        # The petition is the township's: not the reporter's to see; registering needs DISPUTE_REGISTER.
        Check(
            api(admin=201, office=201, leader=403, reporter=404, mediator=201, oversight=403),
            method="POST",
            json=True,
            data=referral(),
        ),
        # Already referred: a conflict, for whoever handles the petition.
        Check(
            api(admin=409, office=409, leader=409, reporter=404, mediator=409, oversight=403),
            method="POST",
            json=True,
            data=referral(twice=True),
        ),
    ],
    "api:get_dispute": [
        Check(TOWNSHIP, kwargs=dispute()),
        Check(EVERYONE, kwargs=dispute(unit="village")),
        Check(OTHER_TOWNSHIP, kwargs=dispute(unit="other_township")),
        Check(REVEAL, kwargs=dispute(), query="unmasked=true"),
    ],
    "api:update_dispute": [
        Check(MEDIATORS, method="PATCH", json=True, kwargs=dispute(), data=lambda w: {"place": "河东村3组"}),
    ],
    "api:accept_dispute": [Check(MEDIATORS, method="POST", json=True, kwargs=dispute())],
    "api:decline_dispute": [
        Check(
            MEDIATORS,
            method="POST",
            json=True,
            kwargs=dispute(),
            data=lambda w: {"reason": "已起诉至法院", "channel": "litigation"},
        )
    ],
    "api:record_dispute_session": [
        Check(
            MEDIATORS_CREATED,
            method="POST",
            json=True,
            kwargs=dispute(_accepted),
            data=lambda w: {
                "held_at": (timezone.now() - datetime.timedelta(hours=1)).isoformat(),
                "participants": "张小明、李大山",
                "record": "双方陈述争议经过。",
            },
        ),
        # A registered dispute is not in mediation yet.
        Check(
            {**MEDIATORS, "admin": 409, "office": 409, "mediator": 409},
            method="POST",
            json=True,
            kwargs=dispute(),
            data=lambda w: {"held_at": timezone.now().isoformat(), "participants": "张小明", "record": "-"},
        ),
    ],
    "api:record_dispute_agreement": [
        Check(
            MEDIATORS_CREATED,
            method="POST",
            json=True,
            kwargs=dispute(_with_session),
            data=lambda w: {
                **{k: v for k, v in agreement_in().__dict__.items() if isinstance(v, str)},
                "signed_on": BUILT_AT.date().isoformat(),
                "performance_due": (BUILT_AT.date() + datetime.timedelta(days=30)).isoformat(),
            },
        ),
        # Without the contents the law requires.
        Check(
            MEDIATORS_REFUSED,
            method="POST",
            json=True,
            kwargs=dispute(_with_session),
            data=lambda w: {"terms": "恢复地界石"},
        ),
    ],
    "api:end_dispute_without_agreement": [
        Check(
            MEDIATORS,
            method="POST",
            json=True,
            kwargs=dispute(_accepted),
            data=lambda w: {"reason": "双方分歧过大", "channel": "litigation"},
        )
    ],
    "api:schedule_dispute_follow_up": [
        Check(
            MEDIATORS_CREATED,
            method="POST",
            json=True,
            kwargs=dispute(_agreed),
            data=lambda w: {"due_on": (_today() + datetime.timedelta(days=7)).isoformat()},
        )
    ],
    "api:record_dispute_follow_up": [
        Check(
            MEDIATORS,
            method="POST",
            json=True,
            kwargs=follow_up,
            data=lambda w: {"performance": "performed", "notes": "地界石已恢复。"},
        )
    ],
    "api:close_dispute": [Check(MEDIATORS, method="POST", json=True, kwargs=dispute(_not_agreed))],
    "api:escalate_dispute": [
        # Registering a petition is the office's.
        Check(
            api(admin=201, office=201, leader=403, reporter=404, mediator=403, oversight=403),
            method="POST",
            json=True,
            kwargs=dispute(_not_agreed),
            data=lambda w: {"channel": "visit"},
        ),
        # Still in mediation: not escalated.
        Check(
            api(admin=409, office=409, leader=403, reporter=404, mediator=403, oversight=403),
            method="POST",
            json=True,
            kwargs=dispute(_accepted),
        ),
    ],
    "api:download_dispute_agreement": [
        Check(REVEAL, kwargs=dispute(_agreed)),
        # No agreement yet: 409 before the reveal (nothing is recorded).
        Check(
            {**TOWNSHIP, "admin": 409, "office": 409, "leader": 409, "mediator": 409, "oversight": 409},
            kwargs=dispute(_accepted),
        ),
    ],
    "api:download_dispute_record": [Check(REVEAL, kwargs=dispute(_with_session))],
}
