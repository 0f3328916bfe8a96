"""Role x route rules of the mediation staff pages (see zhenwu.testing.permissions).

The world: every role works in 河坝镇 (HB) except the reporter (village HB-01) and the admin (the
county). The disputes of the table are handled by HB-01, so every role sees them; one of HB-02 is out
of the reporter's sight, and one of 石桥镇 (SQ) is the administrator's alone. They are built on
2026-03-10 by the HB office, naming the HB mediator; the permission test itself runs at the real
date (a follow-up visit is scheduled from it).

Everyone reads the ledger and a dispute of their subtree; admin, office, mediator and reporter
register; admin, office and the named mediator act on a dispute (others: 403, out of scope: 404);
the office and the administrator register a petition from a dispute and configure the kinds. The
parties' details (reveal, the .docx documents, the unmasked export) are for roles with the personal
data action: a reporter's or oversight's reveal is refused with a message (302), a download or an
unmasked export with a 403 page. POST-only routes answer 405 to GET, signed in or not.
"""

import datetime
from collections.abc import Callable
from typing import Any

import time_machine
from django.utils import timezone

from zhenwu.mediation import services
from zhenwu.mediation.choices import Channel
from zhenwu.mediation.models import Dispute, DisputeKind, FollowUp
from zhenwu.mediation.tests.factories import (
    ID_A,
    agreement_in,
    at,
    make_dispute,
    record_session,
)
from zhenwu.petitions.models import Petition
from zhenwu.petitions.services import PetitionerIn, petition_register
from zhenwu.testing.permissions import Check, every_role, expect
from zhenwu.testing.world import World

EVERYONE = every_role(200)
POST_ONLY = every_role(405, anonymous=405)
REGISTER = expect(admin=200, office=200, leader=403, reporter=200, mediator=200, oversight=403)
REGISTER_DONE = expect(admin=302, office=302, leader=403, reporter=302, mediator=302, oversight=403)
#: A petition registered by the HB office: the HB-01 reporter does not see it.
REFER = expect(admin=200, office=200, leader=403, reporter=404, mediator=200, oversight=403)
REFER_DONE = expect(admin=302, office=302, leader=403, reporter=404, mediator=302, oversight=403)
MEDIATE_DONE = expect(admin=302, office=302, leader=403, reporter=403, mediator=302, oversight=403)
ESCALATE_DONE = expect(admin=302, office=302, leader=403, reporter=403, mediator=403, oversight=403)
CONFIGURE = expect(admin=200, office=200, leader=403, reporter=403, mediator=403, oversight=403)
CONFIGURE_DONE = expect(admin=302, office=302, leader=403, reporter=403, mediator=403, oversight=403)
EXPORT = expect(admin=200, office=200, leader=200, reporter=403, mediator=200, oversight=200)
EXPORT_UNMASKED = expect(admin=200, office=200, leader=200, reporter=403, mediator=200, oversight=403)
PERSONAL = expect(admin=200, office=200, leader=200, reporter=403, mediator=200, oversight=403)
REVEAL = expect(admin=200, office=200, leader=200, reporter=302, mediator=200, oversight=302)
#: A dispute of HB-02: the HB-01 reporter does not see it.
OTHER_VILLAGE = expect(admin=200, office=200, leader=200, reporter=404, mediator=200, oversight=200)
#: Data of 石桥镇 (SQ): only the administrator sees it; roles without the action are refused first.
OTHER_TOWNSHIP = expect(admin=200, office=404, leader=404, reporter=404, mediator=404, oversight=404)
OTHER_TOWNSHIP_MEDIATE = expect(admin=302, office=404, leader=403, reporter=403, mediator=404, oversight=403)
OTHER_TOWNSHIP_PERSONAL = expect(admin=200, office=404, leader=404, reporter=404, mediator=404, oversight=404)
NOT_FOUND = every_role(404)


def _on_the_day() -> Any:
    return time_machine.travel(at("2026-03-10", 9), tick=False)


def _dispute(marker: str, build: Callable[[], Dispute]) -> Dispute:
    """One dispute per marker (its summary), built once; the table's checks share it."""
    found = Dispute.objects.filter(summary=marker).first()
    if found is not None:
        return found
    with _on_the_day():
        return build()


def registered(w: World) -> Dispute:
    return _dispute(
        "perm registered", lambda: make_dispute(w, handling_unit=w.village, summary="perm registered")
    )


def _in_mediation(w: World, marker: str) -> Dispute:
    """Accepted by the office, one session recorded by the mediator."""
    dispute = make_dispute(w, handling_unit=w.village, summary=marker)
    dispute = services.dispute_accept(actor=w.user("office"), dispute=dispute)
    record_session(w, dispute)
    return dispute


def accepted(w: World) -> Dispute:
    """In mediation with one session recorded (an agreement may be recorded)."""
    return _dispute("perm accepted", lambda: _in_mediation(w, "perm accepted"))


def agreed(w: World) -> Dispute:
    """Agreement reached; its first follow-up visit is pending."""

    def build() -> Dispute:
        dispute = _in_mediation(w, "perm agreed")
        services.agreement_record(actor=w.user("mediator"), dispute=dispute, data=agreement_in())
        return dispute

    return _dispute("perm agreed", build)


def not_agreed(w: World) -> Dispute:
    """Mediation ended without agreement (it may be closed, or registered as a petition)."""

    def build() -> Dispute:
        return services.dispute_no_agreement(
            actor=w.user("mediator"),
            dispute=_in_mediation(w, "perm not agreed"),
            reason="双方分歧较大",
            channel=Channel.LITIGATION,
        )

    return _dispute("perm not agreed", build)


def village2(w: World) -> Dispute:
    return _dispute(
        "perm village2", lambda: make_dispute(w, handling_unit=w.village2, summary="perm village2")
    )


def other_township(w: World) -> Dispute:
    """Registered by the administrator in 石桥镇 (SQ-01)."""

    def build() -> Dispute:
        admin = w.user("admin")
        return make_dispute(
            w, actor=admin, handling_unit=w.other_village, summary="perm sq", mediators=[admin]
        )

    return _dispute("perm sq", build)


def other_township_accepted(w: World) -> Dispute:
    def build() -> Dispute:
        admin = w.user("admin")
        dispute = make_dispute(
            w, actor=admin, handling_unit=w.other_village, summary="perm sq accepted", mediators=[admin]
        )
        return services.dispute_accept(actor=admin, dispute=dispute)

    return _dispute("perm sq accepted", build)


def hb_petition(w: World) -> Petition:
    """A matter registered by the HB office (not assigned: the HB-01 reporter does not see it)."""
    found = Petition.objects.filter(summary="perm petition").first()
    if found is not None:
        return found
    with _on_the_day():
        petition, _code = petition_register(
            actor=w.user("office"),
            unit=w.township,
            channel="visit",
            petitioners=[PetitionerIn(name="张小明", id_number=ID_A, phone="13812345678", address="河东村")],
            summary="perm petition",
            content="承包地边界被邻居移动。",
        )
    return petition


def _pk(build: Callable[[World], Dispute]) -> Callable[[World], dict[str, Any]]:
    return lambda w: {"pk": build(w).pk}


def _follow_up(w: World) -> dict[str, Any]:
    dispute = agreed(w)
    follow_up = FollowUp.objects.filter(dispute=dispute, done_at__isnull=True).first()
    assert follow_up is not None  # noqa: S101 -- the agreement schedules one
    return {"pk": dispute.pk, "follow_up_pk": follow_up.pk}


def _land_kind() -> str:
    return str(DisputeKind.objects.get(code="land_forest").pk)


def _parties(rows: list[dict[str, str]]) -> dict[str, Any]:
    data: dict[str, Any] = {
        "parties-TOTAL_FORMS": str(len(rows)),
        "parties-INITIAL_FORMS": "0",
        "parties-MIN_NUM_FORMS": "0",
        "parties-MAX_NUM_FORMS": "20",
    }
    for index, row in enumerate(rows):
        for key, value in row.items():
            data[f"parties-{index}-{key}"] = value
    return data


def _register(w: World) -> dict[str, Any]:
    return {
        "kind": _land_kind(),
        "source": "resident_request",
        "handling_unit": str(w.village.pk),
        "summary": "宅基地边界纠纷",
        **_parties(
            [
                {"kind": "person", "side": "applicant", "name": "王大"},
                {"kind": "person", "side": "respondent", "name": "王二"},
            ]
        ),
    }


def _refer(w: World) -> dict[str, Any]:
    return {
        "kind": _land_kind(),
        "handling_unit": str(w.village.pk),
        **_parties([{"kind": "person", "side": "respondent", "name": "李大山"}]),
    }


def _accept(w: World) -> dict[str, Any]:
    return {"mediators": [str(w.user("mediator").pk)]}


def _channel(w: World) -> dict[str, Any]:
    return {"reason": "属于法院管辖的事项", "channel": Channel.LITIGATION, "advice": "向县人民法院起诉"}


def _session(w: World) -> dict[str, Any]:
    return {"held_at": "2026-03-11T10:00", "participants": "双方当事人", "record": "双方陈述各自意见。"}


def _agreement(w: World) -> dict[str, Any]:
    return {
        "facts": "事实",
        "issues": "争议事项",
        "responsibilities": "各自责任",
        "terms": "协议内容",
        "performance_manner": "履行方式",
        "performance_due": "2026-04-12",
        "signed_on": "2026-03-12",
    }


def _schedule(w: World) -> dict[str, Any]:
    """A week after the real date: the permission test does not travel in time."""
    return {"due_on": (timezone.localdate() + datetime.timedelta(days=7)).isoformat(), "method": "phone"}


def _record(w: World) -> dict[str, Any]:
    return {"performance": "performed", "notes": "已按协议恢复地界石。", "method": "visit"}


def _edit(w: World) -> dict[str, Any]:
    return {
        "kind": _land_kind(),
        "summary": "承包地边界纠纷（更正）",
        "mediators": [str(w.user("mediator").pk)],
    }


def _escalate(w: World) -> dict[str, Any]:
    return {"channel": "visit", "content": "调解不成，申请信访。"}


def _new_kind(w: World) -> dict[str, Any]:
    return {"code": "water", "name": "用水纠纷", "sort_order": "85"}


def _kind_pk(w: World) -> dict[str, Any]:
    return {"pk": DisputeKind.objects.get(code="other").pk}


REGISTERED = _pk(registered)
ACCEPTED = _pk(accepted)
AGREED = _pk(agreed)
NOT_AGREED = _pk(not_agreed)
SQ = _pk(other_township)


def _post(expect_: dict[str, Any], kwargs: Callable[[World], dict[str, Any]], data: Any) -> Check:
    return Check(expect_, method="POST", kwargs=kwargs, data=data)


TABLE: dict[str, list[Check]] = {
    "mediation:list": [
        Check(EVERYONE),
        Check(EVERYONE, query="status=overdue&q=perm&registered_from=2026-01-01"),
    ],
    "mediation:export": [
        Check(EXPORT),
        Check(EXPORT_UNMASKED, query="unmasked=1"),
    ],
    "mediation:register": [
        Check(REGISTER),
        _post(REGISTER_DONE, lambda w: {}, _register),
    ],
    "mediation:refer": [
        Check(REFER, kwargs=lambda w: {"petition_id": hb_petition(w).pk}),
        _post(REFER_DONE, lambda w: {"petition_id": hb_petition(w).pk}, _refer),
    ],
    "mediation:detail": [
        Check(EVERYONE, kwargs=REGISTERED),
        Check(EVERYONE, kwargs=AGREED),
        Check(OTHER_VILLAGE, kwargs=_pk(village2)),
        Check(OTHER_TOWNSHIP, kwargs=SQ),
    ],
    "mediation:reveal": [
        Check(POST_ONLY, kwargs=REGISTERED),
        _post(REVEAL, REGISTERED, None),
        _post(OTHER_TOWNSHIP_PERSONAL, SQ, None),
    ],
    "mediation:agreement_docx": [
        Check(PERSONAL, kwargs=AGREED),
        Check(NOT_FOUND, kwargs=ACCEPTED),
    ],
    "mediation:record_docx": [
        Check(PERSONAL, kwargs=ACCEPTED),
        Check(NOT_FOUND, kwargs=REGISTERED),
    ],
    "mediation:accept": [
        Check(POST_ONLY, kwargs=REGISTERED),
        _post(MEDIATE_DONE, REGISTERED, _accept),
        _post(OTHER_TOWNSHIP_MEDIATE, SQ, lambda w: {}),
    ],
    "mediation:decline": [
        Check(POST_ONLY, kwargs=REGISTERED),
        _post(MEDIATE_DONE, REGISTERED, _channel),
        _post(OTHER_TOWNSHIP_MEDIATE, SQ, _channel),
    ],
    "mediation:edit": [
        Check(POST_ONLY, kwargs=REGISTERED),
        _post(MEDIATE_DONE, REGISTERED, _edit),
    ],
    "mediation:session": [
        Check(POST_ONLY, kwargs=ACCEPTED),
        _post(MEDIATE_DONE, ACCEPTED, _session),
        _post(OTHER_TOWNSHIP_MEDIATE, _pk(other_township_accepted), _session),
    ],
    "mediation:agreement": [
        Check(POST_ONLY, kwargs=ACCEPTED),
        _post(MEDIATE_DONE, ACCEPTED, _agreement),
    ],
    "mediation:no_agreement": [
        Check(POST_ONLY, kwargs=ACCEPTED),
        _post(MEDIATE_DONE, ACCEPTED, _channel),
    ],
    "mediation:follow_up_schedule": [
        Check(POST_ONLY, kwargs=AGREED),
        _post(MEDIATE_DONE, AGREED, _schedule),
    ],
    "mediation:follow_up_record": [
        Check(POST_ONLY, kwargs=_follow_up),
        _post(MEDIATE_DONE, _follow_up, _record),
    ],
    "mediation:close": [
        Check(POST_ONLY, kwargs=NOT_AGREED),
        _post(MEDIATE_DONE, NOT_AGREED, lambda w: {"note": "当事人已起诉"}),
    ],
    "mediation:escalate": [
        Check(POST_ONLY, kwargs=NOT_AGREED),
        _post(ESCALATE_DONE, NOT_AGREED, _escalate),
    ],
    "mediation:kinds": [Check(CONFIGURE)],
    "mediation:kind_create": [
        Check(POST_ONLY),
        _post(CONFIGURE_DONE, lambda w: {}, _new_kind),
    ],
    "mediation:kind_update": [
        Check(POST_ONLY, kwargs=_kind_pk),
        _post(CONFIGURE_DONE, _kind_pk, lambda w: {"name": "其他纠纷", "sort_order": "90"}),
    ],
    "mediation:kind_active": [
        Check(POST_ONLY, kwargs=_kind_pk),
        _post(CONFIGURE_DONE, _kind_pk, lambda w: {"is_active": "0"}),
    ],
}
