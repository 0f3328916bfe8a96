"""Role x route rules of the petitions API routes (see zhenwu.testing.permissions).

Every matter is registered by the 河坝镇 (HB) office; the handling unit, where there is one, is the
village HB-01, the reporter's home. So the reporter sees a matter only once it is assigned there.
Matters are built on the petitions tests' spring day of 2026, so the resident's review windows are
open and no deadline falls in a year whose holidays are unknown.
"""

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import time_machine
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile

from zhenwu.petitions import services as s
from zhenwu.petitions.attachments import attachment_add
from zhenwu.petitions.models import Petition
from zhenwu.petitions.tests.factories import at, register
from zhenwu.testing.permissions import Check, Outcome, every_role, expect
from zhenwu.testing.world import World

PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
OPINION = {
    "request": "要求支付工资",
    "facts": "拖欠属实",
    "decision": "限期支付",
    "basis": "《工资支付条例》",
}


def api(**outcomes: Outcome) -> dict[str, Outcome]:
    return {**expect(**outcomes), "anonymous": 401}


#: Registered or accepted in HB, not yet assigned: the HB-01 reporter does not see it.
TOWNSHIP_VISIBLE = api(admin=200, office=200, leader=200, reporter=404, mediator=200, oversight=200)
OFFICE_DECIDES = api(admin=200, office=200, leader=403, reporter=404, mediator=403, oversight=403)
#: The same once the matter is assigned to HB-01: the reporter sees it but may not decide.
OFFICE_DECIDES_ASSIGNED = {**OFFICE_DECIDES, "reporter": 403}
HANDLERS = api(admin=200, office=200, leader=200, reporter=200, mediator=200, oversight=403)
LEADER_APPROVES = api(admin=200, office=403, leader=200, reporter=404, mediator=403, oversight=403)


@contextmanager
def spring() -> Iterator[None]:
    with time_machine.travel(at("2026-04-01", 9), tick=True):
        yield


def _build(w: World, *, until: str) -> Petition:
    """A matter moved through the lifecycle up to the step ``until``."""
    office, reporter = w.user("office"), w.user("reporter")
    steps: list[tuple[str, Callable[[Petition], Any]]] = [
        ("accepted", lambda p: s.petition_accept(actor=office, petition=p)),
        ("assigned", lambda p: s.petition_assign(actor=office, petition=p, handling_unit=w.village)),
        ("handling", lambda p: s.petition_start_handling(actor=reporter, petition=p)),
        ("answered", lambda p: s.petition_answer(actor=reporter, petition=p, **OPINION)),
        ("under_review", lambda p: s.petition_request_review(petition=p, reason="不服")),
        ("reviewed", lambda p: s.petition_decide_review(actor=office, petition=p, opinion="维持")),
        ("under_re_review", lambda p: s.petition_request_re_review(petition=p, reason="仍不服")),
    ]
    with spring():
        petition, _code = register(office, w.township)
        for name, step in steps:
            if until == "registered":
                break
            step(petition)
            if name == until:
                break
    return petition


def matter(until: str) -> Callable[[World], dict[str, Any]]:
    return lambda w: {"petition_id": _build(w, until=until).pk}


def with_attachment(w: World) -> dict[str, Any]:
    petition = _build(w, until="registered")
    attachment = attachment_add(
        actor=w.user("office"), petition=petition, upload=SimpleUploadedFile("材料.pdf", PDF)
    )
    return {"petition_id": petition.pk, "attachment_id": attachment.pk}


def with_other(w: World) -> dict[str, Any]:
    _build(w, until="registered")  # the other matter: the older one
    return {"petition_id": _build(w, until="registered").pk}


def older_matter(w: World) -> dict[str, Any]:
    return {"other_id": Petition.objects.order_by("id").values_list("id", flat=True).first()}


def fresh_limits(w: World) -> dict[str, Any]:
    """No URL arguments; empties the rate-limit counters so earlier tests' look-ups do not count."""
    cache.clear()
    return {}


def tracked(w: World) -> dict[str, Any]:
    with spring():
        petition, code = register(w.user("office"), w.township)
    return {"number": petition.number, "query_code": code}


def transition(outcomes: dict[str, Outcome], until: str, data: dict[str, Any] | None = None) -> list[Check]:
    return [Check(outcomes, method="POST", json=True, kwargs=matter(until), data=lambda w: data or {})]


TABLE: dict[str, list[Check]] = {
    "api:list_petitions": [
        Check(every_role(200, anonymous=401)),
        Check(every_role(200, anonymous=401), query="status=registered&overdue=true&q=%E5%B7%A5%E8%B5%84"),
    ],
    "api:get_petition": [
        Check(TOWNSHIP_VISIBLE, kwargs=matter("registered")),
        # The unmasked petitioners: only roles that must contact residents (oversight is refused).
        Check({**TOWNSHIP_VISIBLE, "oversight": 403}, kwargs=matter("registered"), query="reveal=true"),
    ],
    "api:create_petition": [
        Check(
            api(admin=201, office=201, leader=403, reporter=403, mediator=403, oversight=403),
            method="POST",
            json=True,
            data=lambda w: {
                "channel": "visit",
                "petitioners": [{"name": "张小明", "phone": "13812345678"}],
                "summary": "拖欠工资问题",
                "content": "老板拖欠工资三个月。",
            },
        )
    ],
    "api:accept_petition": transition(OFFICE_DECIDES, "registered", {"note": "受理"}),
    "api:decline_petition": transition(
        OFFICE_DECIDES, "registered", {"route": "litigation", "reason": "应向法院起诉"}
    ),
    "api:assign_petition": [
        Check(
            OFFICE_DECIDES,
            method="POST",
            json=True,
            kwargs=matter("accepted"),
            data=lambda w: {"handling_unit_id": w.village.pk},
        )
    ],
    "api:start_petition": transition(HANDLERS, "assigned"),
    "api:object_petition": transition(HANDLERS, "assigned", {"reason": "不属本单位职责"}),
    "api:extend_petition": transition(LEADER_APPROVES, "accepted", {"days": 10, "reason": "情况复杂"}),
    "api:answer_petition": transition(HANDLERS, "handling", OPINION),
    "api:close_petition": transition(OFFICE_DECIDES_ASSIGNED, "answered", {"note": "归档"}),
    "api:decide_review": transition(OFFICE_DECIDES_ASSIGNED, "under_review", {"opinion": "维持"}),
    "api:record_hearing": transition(OFFICE_DECIDES_ASSIGNED, "under_re_review", {"days": 3}),
    "api:decide_re_review": transition(OFFICE_DECIDES_ASSIGNED, "under_re_review", {"opinion": "维持"}),
    "api:recuse_petition": transition(
        {**TOWNSHIP_VISIBLE, "oversight": 200}, "registered", {"reason": "与信访人系亲属"}
    ),
    "api:link_petition": [
        Check(OFFICE_DECIDES, method="POST", json=True, kwargs=with_other, data=older_matter)
    ],
    "api:add_attachment": [
        Check(
            api(admin=201, office=201, leader=201, reporter=404, mediator=201, oversight=403),
            method="POST",
            kwargs=matter("registered"),
            data=lambda w: {"file": SimpleUploadedFile("材料.pdf", PDF)},
        )
    ],
    "api:download_attachment": [Check(TOWNSHIP_VISIBLE, kwargs=with_attachment)],
    "api:public_track": [
        Check(every_role(200, anonymous=200), method="POST", json=True, kwargs=fresh_limits, data=tracked)
    ],
}
