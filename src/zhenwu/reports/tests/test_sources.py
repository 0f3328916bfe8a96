"""Data sources: the registry, report types that name a source, and the figures a slot's form is
prefilled with (the period counted, the fields kept, the page, the API and its scope).

The test source ``test.counts`` counts the units of the slot's unit's subtree (one query) and the
hours of the period, so that both the unit and the window it was given can be asserted.
Time starts at 2026-02-20 09:00 Beijing time (conftest); the example period is 2026-02-25..03-16.
"""

import datetime
import json
import logging
from dataclasses import replace
from typing import Any

import pytest
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.test import Client
from django.urls import reverse

from zhenwu.core.choices import AuditAction
from zhenwu.core.exceptions import ValidationFailed
from zhenwu.core.models import AuditEvent, Unit
from zhenwu.core.services.tokens import token_create
from zhenwu.reports import sources
from zhenwu.reports.choices import DayRule, FieldKind
from zhenwu.reports.fields import FieldSpec
from zhenwu.reports.models import ReportSchedule, ReportSlot, ReportSubmission, ReportType
from zhenwu.reports.selectors import slot_period, slot_prefill, slot_prefill_detail
from zhenwu.reports.services import report_type_change_form, report_type_create
from zhenwu.reports.sources import DataSource, all_sources, get_source, register_source
from zhenwu.reports.tests.factories import DAILY_FIELDS, at, daily_schedule, values
from zhenwu.testing.world import World

pytestmark = pytest.mark.django_db

KEY = "test.counts"
Call = tuple[int, datetime.datetime, datetime.datetime]


def counts(calls: list[Call]) -> Any:
    def compute(unit: Unit, since: datetime.datetime, until: datetime.datetime) -> dict[str, Any]:
        calls.append((unit.pk, since, until))
        return {
            "incidents": Unit.objects.subtree_of(unit).count(),
            "hazards": int((until - since).total_seconds() // 3600),
            "fires": 7,  # counted by the source, on no form of these tests
        }

    return compute


@pytest.fixture
def calls(monkeypatch: pytest.MonkeyPatch) -> list[Call]:
    """A registry holding only ``test.counts`` (whatever the installed apps register); its calls."""
    monkeypatch.setattr(sources, "_SOURCES", {})
    made: list[Call] = []
    register_source(
        DataSource(
            key=KEY,
            label="测试台账",
            fields=(
                FieldSpec("incidents", "安全事故", FieldKind.COUNT),
                FieldSpec("hazards", "发现隐患", FieldKind.COUNT),
                FieldSpec("fires", "火情", FieldKind.COUNT),
            ),
            compute=counts(made),
        )
    )
    return made


def sourced_type(world: World, *, code: str = "daily", fields: Any = DAILY_FIELDS) -> ReportType:
    return report_type_create(
        actor=world.user("office"),
        owner_unit=world.township,
        code=code,
        name="每日情况报告",
        fields=fields,
        source=KEY,
    )


def slot_at(schedule: ReportSchedule, unit: Unit, day: str, hour: int) -> ReportSlot:
    return ReportSlot.objects.select_related("schedule__report_type", "unit").get(
        schedule=schedule, unit=unit, due_at=at(day, hour)
    )


def api_client(world: World, role: str) -> Client:
    _token, key = token_create(actor=world.user(role), name="测试")
    return Client(headers={"Authorization": f"Bearer {key}"})


def send(client: Client, method: str, url: str, data: dict[str, Any]) -> Any:
    return getattr(client, method)(url, data=json.dumps(data), content_type="application/json")


def login(client: Client, world: World, role: str) -> Client:
    client.force_login(world.user(role))
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


# --- the registry ----------------------------------------------------------------------------------


def test_registering_again_is_idempotent_and_another_source_under_the_key_is_refused(calls):
    source = get_source(KEY)
    assert source is not None and all_sources() == [source]
    register_source(source)  # ready() run twice
    register_source(replace(source))  # an equal source built again
    assert all_sources() == [source]
    with pytest.raises(ImproperlyConfigured, match="already registered"):
        register_source(replace(source, compute=counts([])))
    with pytest.raises(ImproperlyConfigured, match="already registered"):
        register_source(replace(source, label="别的台账"))
    assert get_source(KEY) is source
    other = replace(source, key="test.other")
    register_source(other)
    assert [s.key for s in all_sources()] == [KEY, "test.other"]
    assert get_source("") is None and get_source("test.none") is None


@pytest.mark.parametrize(
    "change",
    [
        {"key": "counts"},  # not <app>.<name>
        {"key": "Test.Counts"},
        {"key": "test." + "x" * 60},
        {"fields": ()},
        {"fields": (FieldSpec("Bad Key", "坏", FieldKind.COUNT),)},
        {"fields": (FieldSpec("a", "甲", FieldKind.COUNT), FieldSpec("a", "乙", FieldKind.COUNT))},
        {"fields": (FieldSpec("a", "甲", "colour"),)},
    ],
)
def test_a_malformed_source_is_refused_at_registration(calls, change):
    source = get_source(KEY)
    assert source is not None
    with pytest.raises(ImproperlyConfigured):
        register_source(replace(source, **{"key": "test.bad", **change}))
    assert [s.key for s in all_sources()] == [KEY]


# --- report types with a source ---------------------------------------------------------------


def test_an_unknown_source_is_refused_with_nothing_saved(world, calls):
    with pytest.raises(ValidationFailed) as refused:
        report_type_create(
            actor=world.user("office"),
            owner_unit=world.township,
            code="daily",
            name="日报",
            fields=DAILY_FIELDS,
            source="test.nothing",
        )
    assert refused.value.code == "unknown_source" and list(refused.value.errors) == ["source"]
    office = api_client(world, "office")
    body = {"owner_unit": world.township.pk, "code": "daily", "name": "日报", "source": "test.nothing"}
    response = send(office, "post", "/api/reports/types", body)
    assert response.status_code == 400, response.content
    assert response.json()["code"] == "unknown_source" and list(response.json()["errors"]) == ["source"]
    assert not ReportType.objects.exists()
    # Changing an existing type's source to an unknown one leaves it as it was.
    report_type = sourced_type(world)
    response = send(office, "put", f"/api/reports/types/{report_type.pk}/source", {"source": "test.nothing"})
    assert response.status_code == 400 and response.json()["code"] == "unknown_source"
    report_type.refresh_from_db()
    assert report_type.source == KEY


def test_a_type_without_fields_takes_the_sources_and_the_source_is_in_the_schema(world, calls):
    office = api_client(world, "office")
    body = {"owner_unit": world.township.pk, "code": "weekly", "name": "矛盾纠纷周报", "source": KEY}
    created = send(office, "post", "/api/reports/types", body)
    assert created.status_code == 201, created.content
    assert created.json()["source"] == KEY
    assert [(f["key"], f["label"], f["kind"]) for f in created.json()["fields"]] == [
        ("incidents", "安全事故", "count"),
        ("hazards", "发现隐患", "count"),
        ("fires", "火情", "count"),
    ]
    # Without a source, a form without fields is still refused.
    bare = send(office, "post", "/api/reports/types", {**body, "code": "bare", "source": ""})
    assert bare.status_code == 400 and "fields" in bare.json()["errors"]
    listed = api_client(world, "reporter").get("/api/reports/types").json()
    assert [(t["code"], t["source"]) for t in listed["items"]] == [("weekly", KEY)]
    listed_sources = office.get("/api/reports/sources").json()
    assert [(s["key"], s["label"], len(s["fields"])) for s in listed_sources] == [(KEY, "测试台账", 3)]

    # The source is changed (audited) or removed; the form stays as it is.
    type_id = created.json()["id"]
    removed = send(office, "put", f"/api/reports/types/{type_id}/source", {"source": ""})
    assert removed.status_code == 200, removed.content
    assert removed.json()["source"] == "" and removed.json()["current_version"] == 1
    event = AuditEvent.objects.filter(
        action=AuditAction.UPDATE, object_type="reports.reporttype", object_id=str(type_id)
    ).get()
    assert event.changes == {"source": [KEY, ""]}
    refused = send(
        api_client(world, "leader"), "put", f"/api/reports/types/{type_id}/source", {"source": KEY}
    )
    assert refused.status_code == 403
    assert ReportType.objects.get(pk=type_id).source == ""


def test_a_form_may_mix_the_sources_fields_with_fields_entered_by_hand(world, calls):
    report_type = sourced_type(world)
    assert report_type.source == KEY
    assert [f["key"] for f in report_type.versions.get().fields] == [f["key"] for f in DAILY_FIELDS]


# --- the period and the figures -------------------------------------------------------------------


def test_prefill_counts_from_the_previous_deadline_or_a_day_before_the_first(
    world, calls, django_assert_max_num_queries
):
    schedule = daily_schedule(
        world.user("office"), world.township, [world.village, world.village2], report_type=sourced_type(world)
    )
    first = slot_at(schedule, world.village, "2026-02-25", 9)
    with django_assert_max_num_queries(3):  # previous deadline, form fields, the source's count
        prefill = slot_prefill_detail(first)
    assert prefill is not None and prefill.source.key == KEY
    assert (prefill.since, prefill.until) == (at("2026-02-24", 9), at("2026-02-25", 9))
    assert calls == [(world.village.pk, at("2026-02-24", 9), at("2026-02-25", 9))]
    # "fires" is counted but not on the form: left out.
    assert prefill.values == {"incidents": 1, "hazards": 24}

    assert slot_prefill(slot_at(schedule, world.village, "2026-02-25", 17)) == {"incidents": 1, "hazards": 8}
    assert calls[-1] == (world.village.pk, at("2026-02-25", 9), at("2026-02-25", 17))
    assert slot_prefill(slot_at(schedule, world.village, "2026-02-26", 9)) == {"incidents": 1, "hazards": 16}
    assert calls[-1] == (world.village.pk, at("2026-02-25", 17), at("2026-02-26", 9))
    # The other unit's previous deadline is not this unit's.
    slot_prefill(slot_at(schedule, world.village2, "2026-02-25", 17))
    assert calls[-1] == (world.village2.pk, at("2026-02-25", 9), at("2026-02-25", 17))


def test_a_weekly_reports_first_period_is_the_week_before(world, calls):
    schedule = daily_schedule(
        world.user("office"),
        world.township,
        [world.village],
        report_type=sourced_type(world),
        times=("09:00",),
        day_rule=DayRule.WEEKLY,
        weekday=0,
    )
    first = slot_at(schedule, world.village, "2026-03-02", 9)  # the first Monday of the period
    assert slot_period(first) == (at("2026-02-23", 9), at("2026-03-02", 9))
    assert slot_prefill(first) == {"incidents": 1, "hazards": 7 * 24}
    second = slot_at(schedule, world.village, "2026-03-09", 9)
    assert slot_period(second) == (at("2026-03-02", 9), at("2026-03-09", 9))


def test_only_fields_of_the_current_form_version_are_prefilled(world, calls):
    fields: list[dict[str, object]] = [
        {"key": "incidents", "label": "安全事故", "kind": "count"},
        *DAILY_FIELDS[6:],
    ]
    report_type = sourced_type(world, fields=fields)
    schedule = daily_schedule(world.user("office"), world.township, [world.village], report_type=report_type)
    slot = slot_at(schedule, world.village, "2026-02-25", 9)
    assert slot_prefill(slot) == {"incidents": 1}
    report_type_change_form(
        actor=world.user("office"),
        report_type=report_type,
        fields=[*fields, {"key": "hazards", "label": "发现隐患", "kind": "count"}],
        expected_version=1,
    )
    assert slot_prefill(slot_at(schedule, world.village, "2026-02-25", 9)) == {"incidents": 1, "hazards": 24}


def test_no_source_an_unregistered_source_or_a_failing_one_prefills_nothing(world, calls, caplog):
    schedule = daily_schedule(world.user("office"), world.township, [world.village])
    plain = slot_at(schedule, world.village, "2026-02-25", 9)
    assert slot_prefill_detail(plain) is None and slot_prefill(plain) == {}

    sourced = daily_schedule(
        world.user("office"), world.township, [world.village2], report_type=sourced_type(world, code="d2")
    )
    slot = slot_at(sourced, world.village2, "2026-02-25", 9)
    source = get_source(KEY)
    assert source is not None

    def broken(unit: Unit, since: datetime.datetime, until: datetime.datetime) -> dict[str, Any]:
        raise RuntimeError("ledger unavailable")

    sources._SOURCES[KEY] = replace(source, compute=broken)
    with caplog.at_level(logging.ERROR, logger="zhenwu.reports.selectors"):
        assert slot_prefill(slot) == {}
    assert "test.counts failed" in caplog.text
    sources._SOURCES.clear()  # the app that registered it is gone
    assert slot_prefill(slot) == {}
    response = api_client(world, "reporter").get(f"/api/reports/slots/{slot.pk}/prefill")
    assert response.status_code == 404  # HB-02 is not the reporter's village
    body = api_client(world, "office").get(f"/api/reports/slots/{slot.pk}/prefill").json()
    assert body == {"source": None, "source_label": None, "since": None, "until": None, "values": {}}


# --- the API and the page -------------------------------------------------------------------------


def test_prefill_api_is_scoped_like_the_slot(world, calls):
    schedule = daily_schedule(
        world.user("office"), world.township, [world.village, world.village2], report_type=sourced_type(world)
    )
    admin = world.user("admin")
    sq_type = report_type_create(
        actor=admin, owner_unit=world.other_township, code="sq", name="日报", fields=DAILY_FIELDS, source=KEY
    )
    sq = daily_schedule(admin, world.other_township, [world.other_village], report_type=sq_type)
    reporter = api_client(world, "reporter")
    own = slot_at(schedule, world.village, "2026-02-25", 17)
    response = reporter.get(f"/api/reports/slots/{own.pk}/prefill")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["source"] == KEY and body["source_label"] == "测试台账"
    assert datetime.datetime.fromisoformat(body["since"]) == at("2026-02-25", 9)
    assert datetime.datetime.fromisoformat(body["until"]) == at("2026-02-25", 17)
    assert body["values"] == {"incidents": 1, "hazards": 8}
    assert not ReportSubmission.objects.exists()  # nothing is submitted

    other_village = slot_at(schedule, world.village2, "2026-02-25", 9)
    other_township = slot_at(sq, world.other_village, "2026-02-25", 9)
    assert reporter.get(f"/api/reports/slots/{other_village.pk}/prefill").status_code == 404
    office = api_client(world, "office")
    assert office.get(f"/api/reports/slots/{other_village.pk}/prefill").status_code == 200
    assert office.get(f"/api/reports/slots/{other_township.pk}/prefill").status_code == 404
    assert (
        api_client(world, "admin").get(f"/api/reports/slots/{other_township.pk}/prefill").status_code == 200
    )
    assert reporter.get("/api/reports/slots/999999/prefill").status_code == 404


def test_the_page_shows_the_figures_as_initial_values_and_a_saved_report_its_own(world, client, calls, clock):
    schedule = daily_schedule(
        world.user("office"), world.township, [world.village], report_type=sourced_type(world)
    )
    slot = slot_at(schedule, world.village, "2026-02-25", 9)
    url = reverse("reports:slot_detail", args=[slot.pk])
    clock.move_to(at("2026-02-25", 8))
    login(client, world, "reporter")
    page = client.get(url)
    assert page.status_code == 200
    form = page.context["forms"].values
    assert form.initial == {"incidents": "1", "hazards": "24"}
    html = page.content.decode()
    assert "Filled in from 测试台账 for 2026-02-24 09:00 – 2026-02-25 09:00; check before submitting." in html
    assert html.count("data-prefilled") == 2
    assert 'name="v-incidents" value="1"' in html
    assert not ReportSubmission.objects.exists()  # showing the figures submits nothing

    # The reporter corrects a figure and submits; the page then shows what was saved.
    data = {"form_version": "1", "expected_revision": "0"}
    for key, value in values(incidents=2, hazards=24).items():
        data[f"v-{key}"] = ("yes" if value else "no") if isinstance(value, bool) else str(value)
    assert client.post(url, data).status_code == 302
    submission = ReportSubmission.objects.get()
    assert submission.values["incidents"] == 2
    calls.clear()
    saved = client.get(url)
    assert saved.context["forms"].values.initial["incidents"] == "2"
    assert saved.context["forms"].prefill is None and not calls  # not even counted
    assert "Filled in from" not in saved.content.decode()


def test_type_pages_set_the_source(world, client, calls):
    login(client, world, "office")
    page = client.get(reverse("reports:type_create"))
    assert "source" in page.context["form"].fields
    data = {
        "owner_unit": str(world.township.pk),
        "code": "weekly",
        "name": "矛盾纠纷周报",
        "source": KEY,
        "fields-TOTAL_FORMS": "0",
        "fields-INITIAL_FORMS": "0",
        "fields-MIN_NUM_FORMS": "0",
        "fields-MAX_NUM_FORMS": "40",
    }
    created = client.post(reverse("reports:type_create"), data)
    assert created.status_code == 302, created.content
    report_type = ReportType.objects.get(code="weekly")
    assert report_type.source == KEY
    assert [f["key"] for f in report_type.versions.get().fields] == ["incidents", "hazards", "fires"]
    detail = client.get(reverse("reports:type_detail", args=[report_type.pk]))
    assert "测试台账" in detail.content.decode() and detail.context["source_form"] is not None

    url = reverse("reports:type_source", args=[report_type.pk])
    response = client.post(url, {"source": ""}, follow=True)
    assert [str(m) for m in response.context["messages"]] == [
        "The figures of 矛盾纠纷周报 are now entered by hand."
    ]
    report_type.refresh_from_db()
    assert report_type.source == ""
    refused = client.post(url, {"source": "test.nothing"}, follow=True)
    assert "The data source was not changed" in str(next(iter(refused.context["messages"])))
    client.post(url, {"source": KEY})
    report_type.refresh_from_db()
    assert report_type.source == KEY
    login(client, world, "leader")
    assert client.post(url, {"source": ""}).status_code == 403
    report_type.refresh_from_db()
    assert report_type.source == KEY
