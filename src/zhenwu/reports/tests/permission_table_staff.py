"""Role x route rules of the reports staff pages (see zhenwu.testing.permissions).

The world: every role works in 河坝镇 (HB) except the reporter (village HB-01) and the admin (the
county). The HB office runs the example schedule (2026-02-25..03-16, 09:00 and 17:00) for HB-01 and
HB-02, built on 2026-02-20; the admin runs one in 石桥镇 (SQ) for SQ-01, outside everyone else's scope.
The permission test itself runs at the real date, after the period: every slot is past its deadline,
so a report is a late first submission, and a switch of deadlines is refused with a message.

Everyone may read the reports of their subtree (a slot of HB-02 is a 404 to the HB-01 reporter);
admin, office and reporter submit (others: 403); admin and office manage types and schedules. POST
buttons redirect (302) whether the service did the act or refused it with a message; a report type
is reference data that every signed-in user may read, but only its unit's office changes it (403).
"""

import datetime
from collections.abc import Callable
from typing import Any

import time_machine
from django.utils import timezone

from zhenwu.reports.models import ReportSchedule, ReportSlot
from zhenwu.reports.tests.factories import DAILY_FIELDS, at, daily_schedule, daily_type
from zhenwu.testing.permissions import Check, every_role, expect
from zhenwu.testing.world import World

EVERYONE = every_role(200)
POST_ONLY = every_role(405, anonymous=405)
MANAGERS = expect(admin=200, office=200, leader=403, reporter=403, mediator=403, oversight=403)
MANAGERS_DONE = expect(admin=302, office=302, leader=403, reporter=403, mediator=403, oversight=403)
SUBMITTERS_DONE = expect(admin=302, office=302, leader=403, reporter=302, mediator=403, oversight=403)
#: A slot of HB-02: the HB-01 reporter does not see it.
OTHER_VILLAGE = expect(admin=200, office=200, leader=200, reporter=404, mediator=200, oversight=200)
OTHER_VILLAGE_SUBMIT = expect(admin=302, office=302, leader=403, reporter=404, mediator=403, oversight=403)
#: Data of 石桥镇 (SQ): only the administrator sees it; roles without the action are refused first.
OTHER_TOWNSHIP = expect(admin=200, office=404, leader=404, reporter=404, mediator=404, oversight=404)
OTHER_TOWNSHIP_SUBMIT = expect(admin=302, office=404, leader=403, reporter=404, mediator=403, oversight=403)
OTHER_TOWNSHIP_MANAGE = expect(admin=302, office=404, leader=403, reporter=403, mediator=403, oversight=403)
#: A report type of SQ is visible to all, but the HB office may not change it.
OTHER_TOWNSHIP_TYPE = expect(admin=200, office=403, leader=403, reporter=403, mediator=403, oversight=403)
OTHER_TOWNSHIP_TYPE_DONE = {**OTHER_TOWNSHIP_TYPE, "admin": 302}
BAD_REQUEST = every_role(400)


def _before_the_period() -> Any:
    return time_machine.travel(at("2026-02-20", 9), tick=False)


def hb_schedule(w: World) -> ReportSchedule:
    """The HB office's schedule for HB-01 and HB-02 (built once; the table's checks share it)."""
    found = ReportSchedule.objects.filter(owner_unit=w.township).first()
    if found is not None:
        return found
    with _before_the_period():
        return daily_schedule(w.user("office"), w.township, [w.village, w.village2])


def sq_schedule(w: World) -> ReportSchedule:
    """The administrator's schedule in 石桥镇 for SQ-01."""
    found = ReportSchedule.objects.filter(owner_unit=w.other_township).first()
    if found is not None:
        return found
    with _before_the_period():
        admin = w.user("admin")
        report_type = daily_type(admin, w.other_township, code="daily-sq")
        return daily_schedule(admin, w.other_township, [w.other_village], report_type=report_type)


def _slot(build: Callable[[World], ReportSchedule], unit: str) -> Callable[[World], dict[str, Any]]:
    def kwargs(w: World) -> dict[str, Any]:
        schedule = build(w)
        slot = ReportSlot.objects.get(schedule=schedule, unit=getattr(w, unit), due_at=at("2026-02-25", 9))
        return {"pk": slot.pk}

    return kwargs


def _schedule(build: Callable[[World], ReportSchedule]) -> Callable[[World], dict[str, Any]]:
    return lambda w: {"pk": build(w).pk}


def _type(build: Callable[[World], ReportSchedule]) -> Callable[[World], dict[str, Any]]:
    return lambda w: {"pk": build(w).report_type_id}


def _report(w: World) -> dict[str, Any]:
    data: dict[str, Any] = {"form_version": "1", "expected_revision": "0"}
    for field in DAILY_FIELDS:
        data[f"v-{field['key']}"] = (
            "yes" if field["kind"] == "yes_no" else ("" if field["kind"] == "text" else "1")
        )
    return data


def _zero(w: World) -> dict[str, Any]:
    return {"expected_revision": "0", "next": "/reports/"}


def _field_rows(fields: list[dict[str, Any]], initial: int) -> dict[str, Any]:
    data: dict[str, Any] = {
        "fields-TOTAL_FORMS": str(len(fields)),
        "fields-INITIAL_FORMS": str(initial),
        "fields-MIN_NUM_FORMS": "0",
        "fields-MAX_NUM_FORMS": "40",
    }
    for index, field in enumerate(fields):
        data[f"fields-{index}-key"] = field["key"]
        data[f"fields-{index}-label"] = field["label"]
        data[f"fields-{index}-kind"] = field["kind"]
        if field.get("required", True):
            data[f"fields-{index}-required"] = "on"
    return data


def _new_type(w: World) -> dict[str, Any]:
    return {
        "owner_unit": str(w.township.pk),
        "code": "weekly",
        "name": "每周安全报告",
        **_field_rows([{"key": "hazards", "label": "发现隐患", "kind": "count"}], 0),
    }


def _changed_form(w: World) -> dict[str, Any]:
    fields: list[dict[str, Any]] = [*DAILY_FIELDS, {"key": "fires", "label": "火情", "kind": "count"}]
    return {"expected_version": "1", **_field_rows(fields, len(DAILY_FIELDS))}


def _no_source(w: World) -> dict[str, Any]:
    """No data source: valid whichever sources the installed apps register."""
    return {"source": ""}


def _new_schedule(w: World) -> dict[str, Any]:
    """A schedule from tomorrow (the real date: the permission test does not travel in time)."""
    report_type = daily_type(w.user("admin"), w.township, code="perm-new")
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    return {
        "report_type": str(report_type.pk),
        "name": "新的报送",
        "starts_on": tomorrow.isoformat(),
        "ends_on": (tomorrow + datetime.timedelta(days=2)).isoformat(),
        "day_rule": "every_day",
        "times": "09:00, 17:00",
        "pick": "checked",
        "units": [str(w.village.pk)],
        "remind_before_minutes": "30",
    }


def _switch(w: World) -> dict[str, Any]:
    return {"unit": "", "effective_from": "2026-03-10", "times": "09:00 13:00 17:00"}


def _summary_day(w: World) -> dict[str, Any]:
    return {"day": "2026-02-25", "due": "09:00"}


HB_SLOT = _slot(hb_schedule, "village")
HB2_SLOT = _slot(hb_schedule, "village2")
SQ_SLOT = _slot(sq_schedule, "other_village")
HB = _schedule(hb_schedule)
SQ = _schedule(sq_schedule)
DAY = "day=2026-02-25"

TABLE: dict[str, list[Check]] = {
    "reports:index": [Check(EVERYONE)],
    "reports:slot_detail": [
        Check(EVERYONE, kwargs=HB_SLOT),
        Check(OTHER_VILLAGE, kwargs=HB2_SLOT),
        Check(OTHER_TOWNSHIP, kwargs=SQ_SLOT),
        # After the deadline: a late first report.
        Check(SUBMITTERS_DONE, method="POST", kwargs=HB_SLOT, data=_report),
        Check(OTHER_VILLAGE_SUBMIT, method="POST", kwargs=HB2_SLOT, data=_report),
        Check(OTHER_TOWNSHIP_SUBMIT, method="POST", kwargs=SQ_SLOT, data=_report),
    ],
    "reports:slot_zero": [
        Check(POST_ONLY, kwargs=HB_SLOT),
        Check(SUBMITTERS_DONE, method="POST", kwargs=HB_SLOT, data=_zero),
        Check(OTHER_VILLAGE_SUBMIT, method="POST", kwargs=HB2_SLOT, data=_zero),
        Check(OTHER_TOWNSHIP_SUBMIT, method="POST", kwargs=SQ_SLOT, data=_zero),
    ],
    "reports:type_list": [Check(EVERYONE)],
    "reports:type_create": [
        Check(MANAGERS),
        Check(MANAGERS_DONE, method="POST", data=_new_type),
    ],
    "reports:type_detail": [
        Check(EVERYONE, kwargs=_type(hb_schedule)),
        Check(EVERYONE, kwargs=_type(sq_schedule)),  # reference data: readable by all
    ],
    "reports:type_edit": [
        Check(MANAGERS, kwargs=_type(hb_schedule)),
        Check(OTHER_TOWNSHIP_TYPE, kwargs=_type(sq_schedule)),
        Check(MANAGERS_DONE, method="POST", kwargs=_type(hb_schedule), data=_changed_form),
        Check(OTHER_TOWNSHIP_TYPE_DONE, method="POST", kwargs=_type(sq_schedule), data=_changed_form),
    ],
    "reports:type_source": [
        Check(POST_ONLY, kwargs=_type(hb_schedule)),
        Check(MANAGERS_DONE, method="POST", kwargs=_type(hb_schedule), data=_no_source),
        Check(OTHER_TOWNSHIP_TYPE_DONE, method="POST", kwargs=_type(sq_schedule), data=_no_source),
    ],
    "reports:schedule_list": [Check(EVERYONE)],
    "reports:schedule_create": [
        Check(MANAGERS),
        Check(MANAGERS_DONE, method="POST", data=_new_schedule),
    ],
    "reports:schedule_detail": [
        Check(EVERYONE, kwargs=HB),
        Check(OTHER_TOWNSHIP, kwargs=SQ),
    ],
    "reports:schedule_switch": [
        Check(POST_ONLY, kwargs=HB),
        # In the past: refused with a message, still a redirect.
        Check(MANAGERS_DONE, method="POST", kwargs=HB, data=_switch),
        Check(OTHER_TOWNSHIP_MANAGE, method="POST", kwargs=SQ, data=_switch),
    ],
    "reports:schedule_grid": [
        Check(EVERYONE, kwargs=HB),
        Check(EVERYONE, kwargs=HB, query="first=2026-02-25&last=2026-03-16&kind=village"),
        Check(OTHER_TOWNSHIP, kwargs=SQ),
    ],
    "reports:summary": [
        Check(EVERYONE, kwargs=HB, query=DAY),
        Check(EVERYONE, kwargs=HB, query=f"{DAY}&due=09:00"),
        Check(BAD_REQUEST, kwargs=HB, query="day=2026-02-31"),
        Check(OTHER_TOWNSHIP, kwargs=SQ, query=DAY),
    ],
    "reports:summary_xlsx": [
        Check(EVERYONE, kwargs=HB, query=DAY),
        Check(OTHER_TOWNSHIP, kwargs=SQ, query=DAY),
    ],
    "reports:summary_docx": [
        Check(EVERYONE, kwargs=HB, query=DAY),
        Check(OTHER_TOWNSHIP, kwargs=SQ, query=DAY),
    ],
    "reports:summary_send": [
        Check(POST_ONLY, kwargs=HB),
        Check(MANAGERS_DONE, method="POST", kwargs=HB, data=_summary_day),
        Check(OTHER_TOWNSHIP_MANAGE, method="POST", kwargs=SQ, data=_summary_day),
    ],
}
