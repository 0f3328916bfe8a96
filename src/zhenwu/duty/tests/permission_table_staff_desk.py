"""Role x route rules of the duty desk, reception days and calendar feeds (see zhenwu.testing.permissions).

The world: every role works in 河坝镇 (HB) except the reporter (village HB-01) and the admin (the
county). The HB office builds the example special period (2026-03-01..20, one 24-hour shift a day)
on 2026-02-25 with the HB leader in the leaders' pool, so the leader holds some of its shifts; the
admin builds the same in 石桥镇 (SQ), outside everyone else's scope. Reception days are on
2026-03-05 (HB by the office, SQ by the admin), and a visit matter is registered in HB that day.
The permission test itself runs at the real date, after the period: every shift is over.

Everyone sees the duty desk and the shifts of their subtree (the HB-01 reporter does not see the
township's shifts: 404); signing on is for the people on the shift (others: 403; the leader, on it,
is refused with 400 because the shift is over); the log and the handover are written by the people
on the shift and by the office (admin, office); oversight only reads. Reception days are managed by
admin and office. A calendar feed is made by anyone for their own shifts and for units they see;
revoking one is for its maker or the office; the .ics itself needs no sign-in: its secret key is
the credential (a wrong key: 404 for everyone).
"""

import datetime
from collections.abc import Callable
from typing import Any

import time_machine
from django.utils import timezone

from zhenwu.core.choices import Role
from zhenwu.core.models import Unit
from zhenwu.duty.choices import Position
from zhenwu.duty.models import ReceptionDay, Roster, Shift
from zhenwu.duty.services import (
    feed_create,
    reception_create,
    roster_create,
    roster_generate,
    roster_members_set,
    shift_template_add,
)
from zhenwu.duty.tests.factories import LEADERS, OFFICERS, at, special_period, staff, t
from zhenwu.petitions.models import Petition
from zhenwu.petitions.tests.factories import register
from zhenwu.testing.permissions import Check, every_role, expect
from zhenwu.testing.world import World

EVERYONE = every_role(200)
POST_ONLY = every_role(405, anonymous=405)
ANYONE = every_role(200, anonymous=200)
NOBODY = every_role(404, anonymous=404)
#: A shift or reception of 河坝镇: the HB-01 reporter does not see it.
HB_ONLY = expect(admin=200, office=200, leader=200, reporter=404, mediator=200, oversight=200)
#: Data of 石桥镇 (SQ): only the administrator sees it.
SQ_ONLY = expect(admin=200, office=404, leader=404, reporter=404, mediator=404, oversight=404)
#: Signing on for a shift that is over: only the leader is on it (refused: 400, the shift is over).
SIGN_ON_HB = expect(admin=403, office=403, leader=400, reporter=404, mediator=403, oversight=403)
SIGN_ON_SQ = expect(admin=403, office=404, leader=404, reporter=404, mediator=404, oversight=403)
#: The log and the handover: the office and the people on the shift write; others are refused.
WRITE_HB = expect(admin=302, office=302, leader=302, reporter=404, mediator=403, oversight=403)
#: The permission test runs months after these shifts: their log is closed to the people on duty
#: (a 400 with the reason), while the office may still add a note.
WRITE_HB_LOG = expect(admin=302, office=302, leader=400, reporter=404, mediator=403, oversight=403)
WRITE_HB_INVALID = expect(admin=400, office=400, leader=400, reporter=404, mediator=403, oversight=403)
WRITE_SQ = expect(admin=302, office=404, leader=404, reporter=404, mediator=404, oversight=403)
MANAGERS = expect(admin=200, office=200, leader=403, reporter=403, mediator=403, oversight=403)
MANAGERS_DONE = expect(admin=302, office=302, leader=403, reporter=403, mediator=403, oversight=403)
MANAGERS_INVALID = expect(admin=400, office=400, leader=403, reporter=403, mediator=403, oversight=403)
SQ_MANAGE_DONE = expect(admin=302, office=404, leader=403, reporter=403, mediator=403, oversight=403)
SQ_MANAGE_INVALID = expect(admin=400, office=404, leader=403, reporter=403, mediator=403, oversight=403)
#: A unit feed of the township: the HB-01 reporter may not choose it (400).
UNIT_FEED = expect(admin=200, office=200, leader=200, reporter=400, mediator=200, oversight=200)
#: Revoking the office's own feed: the office, and the admin (who manages every unit).
REVOKE_OWN = expect(admin=302, office=302, leader=404, reporter=404, mediator=404, oversight=404)

RECEPTION_DAY = datetime.date(2026, 3, 5)
ROSTER_NAME = "全国两会期间24小时值班"


def _before_the_period() -> Any:
    return time_machine.travel(at("2026-02-25", 9), tick=False)


def hb_roster(w: World) -> Roster:
    """The HB office's special period, with the HB leader in the leaders' pool (built once)."""
    found = Roster.objects.filter(unit=w.township, name=ROSTER_NAME).first()
    if found is not None:
        return found
    with _before_the_period():
        leaders = [w.user("leader"), *staff(w, "pld", LEADERS[:2], Role.LEADER)]
        officers = staff(w, "pof", OFFICERS[:4], Role.OFFICE)
        roster = special_period(w, leaders, officers)
        roster_generate(actor=w.user("office"), roster=roster)
        return roster


def sq_roster(w: World) -> Roster:
    """The administrator's special period in 石桥镇."""
    found = Roster.objects.filter(unit=w.other_township, name=ROSTER_NAME).first()
    if found is not None:
        return found
    admin = w.user("admin")
    with _before_the_period():
        leaders = staff(w, "sld", LEADERS[:2], Role.LEADER, unit=w.other_township)
        officers = staff(w, "sof", OFFICERS[:4], Role.OFFICE, unit=w.other_township)
        roster = roster_create(
            actor=admin,
            unit=w.other_township,
            name=ROSTER_NAME,
            starts_on=datetime.date(2026, 3, 1),
            ends_on=datetime.date(2026, 3, 20),
        )
        shift_template_add(
            actor=admin, roster=roster, name="全天", start_time=t("08:30"), end_time=t("08:30")
        )
        roster_members_set(actor=admin, roster=roster, position=Position.LEADER, people=leaders)
        roster_members_set(actor=admin, roster=roster, position=Position.OFFICER, people=officers)
        roster_generate(actor=admin, roster=roster)
        return roster


def leader_shift(w: World) -> dict[str, Any]:
    """A shift of the HB roster that the HB leader holds."""
    shift = (
        Shift.objects.filter(roster=hb_roster(w), assignments__person=w.user("leader"))
        .order_by("starts_at")
        .first()
    )
    assert shift is not None
    return {"pk": shift.pk}


def sq_shift(w: World) -> dict[str, Any]:
    shift = Shift.objects.filter(roster=sq_roster(w)).order_by("starts_at").first()
    assert shift is not None
    return {"pk": shift.pk}


def _reception(w: World, unit: Unit) -> ReceptionDay:
    found = ReceptionDay.objects.filter(unit=unit, on_date=RECEPTION_DAY).first()
    if found is not None:
        return found
    with _before_the_period():
        if unit == w.township:
            actor, leader = w.user("office"), w.user("leader")
        else:
            actor = w.user("admin")
            leader = staff(w, "sqr", ("钱进",), Role.LEADER, unit=unit)[0]
        return reception_create(
            actor=actor,
            unit=unit,
            leader=leader,
            on_date=RECEPTION_DAY,
            start_time=t("09:00"),
            end_time=t("12:00"),
            place="镇综治信访维稳中心接待室",
            publish=False,
        )


def hb_reception(w: World) -> dict[str, Any]:
    return {"pk": _reception(w, w.township).pk}


def sq_reception(w: World) -> dict[str, Any]:
    return {"pk": _reception(w, w.other_township).pk}


def visit_on_the_day(w: World) -> dict[str, Any]:
    """A matter brought in person to 河坝镇 on the reception day."""
    found = Petition.objects.filter(unit=w.township, summary="接访日来访").first()
    if found is None:
        with time_machine.travel(at("2026-03-05", 11), tick=False):
            found, _code = register(
                w.user("office"), w.township, summary="接访日来访", received_at=at("2026-03-05", 10)
            )
    return {"number": found.number}


def unknown_number(w: World) -> dict[str, Any]:
    return {"number": "2026-HB-999999"}


def _log_entry(w: World) -> dict[str, Any]:
    return {"kind": "call", "text": "河东村来电：道路塌方", "occurred_at": ""}


def _handover(w: World) -> dict[str, Any]:
    return {"summary": "平稳，无遗留事项。", "offered": ""}


def _new_reception(w: World) -> dict[str, Any]:
    """Tomorrow (the permission test runs on the real clock, and a reception cannot be in the past)."""
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    return {
        "unit": str(w.township.pk),
        "leader": str(w.user("leader").pk),
        "on_date": tomorrow.isoformat(),
        "start_time": "09:00",
        "end_time": "11:30",
        "place": "镇政府一楼接待室",
        "topic": "",
        "publish": "on",
    }


def _township_feed(w: World) -> dict[str, Any]:
    """A unit feed of 河坝镇 (it needs a roster to be offered; an empty one will do)."""
    if not Roster.objects.filter(unit=w.township).exists():
        roster_create(
            actor=w.user("office"),
            unit=w.township,
            name="春节值班",
            starts_on=datetime.date(2026, 2, 1),
            ends_on=datetime.date(2026, 2, 7),
        )
    return {"unit": str(w.township.pk)}


def _office_feed_key(w: World) -> dict[str, Any]:
    _feed, key = feed_create(actor=w.user("office"), person=w.user("office"))
    return {"key": key}


def _township_feed_key(w: World) -> dict[str, Any]:
    hb_roster(w)
    _feed, key = feed_create(actor=w.user("office"), unit=w.township)
    return {"key": key}


def _office_feed_pk(w: World) -> dict[str, Any]:
    feed, _key = feed_create(actor=w.user("office"), person=w.user("office"))
    return {"pk": feed.pk}


def _publish(value: str) -> Callable[[World], dict[str, Any]]:
    return lambda w: {"publish": value}


TABLE: dict[str, list[Check]] = {
    "duty:desk": [Check(EVERYONE)],
    "duty:shift_detail": [
        Check(HB_ONLY, kwargs=leader_shift),
        Check(SQ_ONLY, kwargs=sq_shift),
    ],
    "duty:shift_sign_on": [
        Check(POST_ONLY, kwargs=leader_shift),
        Check(SIGN_ON_HB, method="POST", kwargs=leader_shift),
        Check(SIGN_ON_SQ, method="POST", kwargs=sq_shift),
    ],
    "duty:shift_log_add": [
        Check(POST_ONLY, kwargs=leader_shift),
        Check(WRITE_HB_LOG, method="POST", kwargs=leader_shift, data=_log_entry),
        Check(WRITE_HB_INVALID, method="POST", kwargs=leader_shift, data=lambda w: {"kind": "call"}),
        Check(WRITE_SQ, method="POST", kwargs=sq_shift, data=_log_entry),
    ],
    "duty:shift_handover": [
        Check(POST_ONLY, kwargs=leader_shift),
        Check(WRITE_HB, method="POST", kwargs=leader_shift, data=_handover),
        Check(WRITE_HB_INVALID, method="POST", kwargs=leader_shift, data=lambda w: {"summary": ""}),
        Check(WRITE_SQ, method="POST", kwargs=sq_shift, data=_handover),
    ],
    "duty:reception_list": [Check(EVERYONE)],
    "duty:reception_create": [
        Check(MANAGERS),
        Check(MANAGERS_DONE, method="POST", data=_new_reception),
        Check(MANAGERS_INVALID, method="POST", data=lambda w: {}),
    ],
    "duty:reception_detail": [
        Check(HB_ONLY, kwargs=hb_reception),
        Check(SQ_ONLY, kwargs=sq_reception),
    ],
    "duty:reception_link": [
        Check(POST_ONLY, kwargs=hb_reception),
        Check(MANAGERS_DONE, method="POST", kwargs=hb_reception, data=visit_on_the_day),
        Check(MANAGERS_INVALID, method="POST", kwargs=hb_reception, data=unknown_number),
        Check(SQ_MANAGE_INVALID, method="POST", kwargs=sq_reception, data=unknown_number),
    ],
    "duty:reception_publish": [
        Check(POST_ONLY, kwargs=hb_reception),
        Check(MANAGERS_DONE, method="POST", kwargs=hb_reception, data=_publish("1")),
        Check(MANAGERS_DONE, method="POST", kwargs=hb_reception, data=_publish("0")),
        Check(SQ_MANAGE_DONE, method="POST", kwargs=sq_reception, data=_publish("1")),
    ],
    "duty:reception_cancel": [
        Check(POST_ONLY, kwargs=hb_reception),
        Check(MANAGERS_DONE, method="POST", kwargs=hb_reception),
        Check(SQ_MANAGE_DONE, method="POST", kwargs=sq_reception),
    ],
    "duty:feed_list": [Check(EVERYONE)],
    "duty:feed_create": [
        Check(POST_ONLY),
        Check(EVERYONE, method="POST", data=lambda w: {"unit": ""}),
        Check(UNIT_FEED, method="POST", data=_township_feed),
    ],
    "duty:feed_revoke": [
        Check(POST_ONLY, kwargs=_office_feed_pk),
        Check(REVOKE_OWN, method="POST", kwargs=_office_feed_pk),
    ],
    "duty:feed_ics": [
        Check(ANYONE, kwargs=_office_feed_key),
        Check(ANYONE, kwargs=_township_feed_key),
        Check(NOBODY, kwargs=lambda w: {"key": "not-a-feed-key"}),
    ],
}
