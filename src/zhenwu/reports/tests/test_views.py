"""The reports staff pages through the test client: filling in, zero reports, conflicts, corrections,
report types, schedules, frequency switches, the grid and the summary.

Time starts at 2026-02-20 09:00 Beijing time (conftest); the example period is 2026-02-25..03-16.
"""

import datetime
from html import unescape
from typing import Any

import pytest
from django.conf import settings
from django.db import connection
from django.template import Context, Engine
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from zhenwu.core.choices import UnitKind
from zhenwu.core.models import Unit
from zhenwu.core.services.units import unit_create
from zhenwu.reports.choices import SubmissionKind
from zhenwu.reports.models import (
    DeadlineSet,
    ReportSchedule,
    ReportSlot,
    ReportSubmission,
    ReportType,
)
from zhenwu.reports.services import report_submit
from zhenwu.reports.tests.factories import at, daily_schedule, daily_type, values
from zhenwu.reports.views import _cells_html
from zhenwu.testing.world import World

pytestmark = pytest.mark.django_db


def login(client: Client, world: World, role: str, *, language: str = "en") -> Client:
    """Sign in; pages in English so that messages can be asserted (Chinese is tested on its own)."""
    client.force_login(world.user(role))
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    return client


def messages_of(response: Any) -> list[str]:
    return [str(m) for m in response.context["messages"]] if response.context else []


def slot_at(schedule: ReportSchedule, unit: Unit, day: str, hour: int) -> ReportSlot:
    return ReportSlot.objects.get(schedule=schedule, unit=unit, due_at=at(day, hour))


def report_form(version: int = 1, revision: int = 0, **overrides: object) -> dict[str, str]:
    """The slot page's POST: hidden version and revision, one ``v-<key>`` input per field."""
    data = {"form_version": str(version), "expected_revision": str(revision)}
    for key, value in values(**overrides).items():
        if isinstance(value, bool):
            data[f"v-{key}"] = "yes" if value else "no"
        else:
            data[f"v-{key}"] = str(value)
    return data


def slot_url(slot: ReportSlot) -> str:
    return reverse("reports:slot_detail", args=[slot.pk])


@pytest.fixture
def schedule(world: World) -> ReportSchedule:
    return daily_schedule(world.user("office"), world.township, [world.village, world.village2])


# --- filling in ------------------------------------------------------------------------------


def test_reporter_submits_a_report_through_the_page_and_sees_it(world, client, schedule, clock):
    clock.move_to(at("2026-02-25", 8))
    login(client, world, "reporter")
    index = client.get(reverse("reports:index"))
    assert index.status_code == 200
    slot = slot_at(schedule, world.village, "2026-02-25", 9)
    assert [row.slot.pk for row in index.context["due"]] == [slot.pk]
    assert f'data-zero="{slot.pk}"' in index.content.decode()

    page = client.get(slot_url(slot))
    assert page.status_code == 200
    html = page.content.decode()
    assert 'name="form_version"' in html and 'name="expected_revision"' in html
    assert 'inputmode="numeric"' in html and 'type="radio"' in html and "<textarea" in html
    assert "2026-02-25 09:00" in html  # the deadline in Beijing time

    response = client.post(slot_url(slot), report_form(hazards=3, other="村口路灯损坏"), follow=True)
    assert response.redirect_chain == [(slot_url(slot), 302)]
    assert messages_of(response) == ["The report is submitted."]
    submission = ReportSubmission.objects.get(slot=slot)
    assert submission.values["hazards"] == 3 and submission.values["duty_on_shift"] is True
    assert submission.submitted_by == world.user("reporter")
    html = response.content.decode()
    assert "村口路灯损坏" in html and 'data-revision="1"' in html
    # The form is now an amendment, pre-filled with what was saved.
    assert response.context["forms"].values["hazards"].value() == "3"
    assert response.context["forms"].meta["expected_revision"].value() == 1


def test_amending_before_the_deadline_changes_the_report_in_place(world, client, schedule, clock):
    slot = slot_at(schedule, world.village, "2026-02-25", 9)
    clock.move_to(at("2026-02-25", 8))
    login(client, world, "reporter")
    client.post(slot_url(slot), report_form(hazards=1))
    response = client.post(slot_url(slot), report_form(revision=1, hazards=2), follow=True)
    assert messages_of(response)[-1] == "The report is amended."
    submission = ReportSubmission.objects.get(slot=slot)
    assert submission.values["hazards"] == 2 and submission.revision == 2


def test_zero_report_with_one_click(world, client, schedule, clock):
    slot = slot_at(schedule, world.village, "2026-02-25", 9)
    clock.move_to(at("2026-02-25", 8))
    login(client, world, "reporter")
    index = reverse("reports:index")
    response = client.post(
        reverse("reports:slot_zero", args=[slot.pk]), {"expected_revision": "0", "next": index}
    )
    assert response.status_code == 302 and response["Location"] == index
    slot.refresh_from_db()
    assert slot.is_zero and slot.submitted_at == at("2026-02-25", 8)
    # A second click is refused with a message, not a second report; a foreign ``next`` is ignored.
    again = client.post(
        reverse("reports:slot_zero", args=[slot.pk]),
        {"expected_revision": "0", "next": "https://evil.example/"},
        follow=True,
    )
    assert again.redirect_chain == [(slot_url(slot), 302)]
    assert "张明" in messages_of(again)[-1]
    assert ReportSubmission.objects.filter(slot=slot).count() == 1


def test_zero_report_from_the_slot_form(world, client, schedule, clock):
    slot = slot_at(schedule, world.village, "2026-02-25", 9)
    clock.move_to(at("2026-02-25", 8))
    login(client, world, "reporter")
    data = {"form_version": "1", "expected_revision": "0", "v-duty_on_shift": "yes", "is_zero": "1"}
    response = client.post(slot_url(slot), data)
    assert response.status_code == 302
    assert ReportSubmission.objects.get(slot=slot).is_zero


def test_a_zero_report_with_figures_typed_is_refused_and_keeps_them(world, client, schedule, clock):
    slot = slot_at(schedule, world.village, "2026-02-25", 9)
    clock.move_to(at("2026-02-25", 8))
    login(client, world, "reporter")
    response = client.post(slot_url(slot), {**report_form(hazards=4), "is_zero": "1"})
    assert response.status_code == 400
    assert response.context["forms"].values["hazards"].value() == "4"
    assert not ReportSubmission.objects.exists()


def test_a_validation_error_keeps_the_input_and_answers_400(world, client, schedule, clock):
    slot = slot_at(schedule, world.village, "2026-02-25", 9)
    clock.move_to(at("2026-02-25", 8))
    login(client, world, "reporter")
    data = report_form(incidents="-1", other="村里一切正常")
    del data["v-hazards"]
    response = client.post(slot_url(slot), data)
    assert response.status_code == 400
    form = response.context["forms"].values
    assert form.errors["incidents"] == ["安全事故 cannot be negative."]
    assert form.errors["hazards"] == ["发现隐患 is required."]
    html = response.content.decode()
    assert 'value="-1"' in html and "村里一切正常" in html and 'value="2"' in html
    assert not ReportSubmission.objects.exists()


def test_a_concurrent_save_is_a_conflict_that_names_the_other_person_and_keeps_the_input(
    world, client, schedule, clock
):
    slot = slot_at(schedule, world.village, "2026-02-25", 9)
    clock.move_to(at("2026-02-25", 8))
    login(client, world, "reporter")
    assert client.get(slot_url(slot)).context["forms"].meta["expected_revision"].value() == 0
    # The office enters the village's report by phone meanwhile.
    report_submit(actor=world.user("office"), slot=slot, values=values(hazards=5))
    response = client.post(slot_url(slot), report_form(hazards=7, other="我填的内容"))
    assert response.status_code == 409
    html = response.content.decode()
    assert "王小红" in html  # who saved first
    assert 'value="7"' in html and "我填的内容" in html
    # The page now carries the saved revision: a second save is a deliberate amendment.
    assert response.context["forms"].meta["expected_revision"].value() == "1"
    assert ReportSubmission.objects.get(slot=slot).values["hazards"] == 5
    again = client.post(slot_url(slot), report_form(revision=1, hazards=7))
    assert again.status_code == 302
    assert ReportSubmission.objects.get(slot=slot).values["hazards"] == 7


def test_a_changed_form_is_a_conflict_and_the_page_shows_the_new_version(world, client, schedule, clock):
    from zhenwu.reports.services import report_type_change_form
    from zhenwu.reports.tests.factories import DAILY_FIELDS

    slot = slot_at(schedule, world.village, "2026-02-25", 9)
    clock.move_to(at("2026-02-25", 8))
    login(client, world, "reporter")
    report_type_change_form(
        actor=world.user("office"),
        report_type=schedule.report_type,
        fields=[*DAILY_FIELDS, {"key": "fires", "label": "火情", "kind": "count"}],
        expected_version=1,
    )
    response = client.post(slot_url(slot), report_form(version=1, hazards=6))
    assert response.status_code == 409
    assert response.context["forms"].version.number == 2
    assert response.context["forms"].values["hazards"].value() == "6"
    assert "火情" in response.content.decode()


def test_a_correction_after_the_deadline_needs_a_reason_and_keeps_the_original(
    world, client, schedule, clock
):
    slot = slot_at(schedule, world.village, "2026-02-25", 9)
    clock.move_to(at("2026-02-25", 8))
    login(client, world, "reporter")
    client.post(slot_url(slot), report_form(incidents=0))
    clock.move_to(at("2026-02-25", 10))
    page = client.get(slot_url(slot))
    assert page.context["forms"].needs_note
    assert 'name="note"' in page.content.decode()

    refused = client.post(slot_url(slot), report_form(revision=1, incidents=1))
    assert refused.status_code == 400
    assert refused.context["forms"].meta.errors["note"] == [
        "Give the reason for a correction after the deadline."
    ]
    assert refused.context["forms"].values["incidents"].value() == "1"

    response = client.post(
        slot_url(slot), {**report_form(revision=1, incidents=1), "note": "漏报一起交通事故"}, follow=True
    )
    assert messages_of(response) == ["The correction is saved; the report it corrects is kept."]
    kinds = list(
        ReportSubmission.objects.filter(slot=slot).order_by("revision").values_list("kind", flat=True)
    )
    assert kinds == [SubmissionKind.ORIGINAL, SubmissionKind.CORRECTION]
    html = response.content.decode()
    assert "漏报一起交通事故" in html and 'data-revision="2"' in html and 'data-revision="1"' in html


def test_another_villages_slot_is_not_found_and_non_submitters_may_not_post(world, client, schedule, clock):
    other = slot_at(schedule, world.village2, "2026-02-25", 9)
    clock.move_to(at("2026-02-25", 8))
    login(client, world, "reporter")
    assert client.get(slot_url(other)).status_code == 404
    assert client.post(slot_url(other), report_form()).status_code == 404
    assert client.post(reverse("reports:slot_zero", args=[other.pk])).status_code == 404
    login(client, world, "leader")
    assert client.get(slot_url(other)).status_code == 200
    assert client.post(slot_url(other), report_form()).status_code == 403
    assert not ReportSubmission.objects.exists()


# --- report types --------------------------------------------------------------------------------


def type_form(rows: list[dict[str, str]], **main: str) -> dict[str, str]:
    data = {
        "fields-TOTAL_FORMS": str(len(rows)),
        "fields-INITIAL_FORMS": "0",
        "fields-MIN_NUM_FORMS": "0",
        "fields-MAX_NUM_FORMS": "40",
        **main,
    }
    for index, row in enumerate(rows):
        for key, value in row.items():
            data[f"fields-{index}-{key}"] = value
    return data


def test_type_create_shows_the_error_on_its_row(world, client):
    login(client, world, "office")
    assert client.get(reverse("reports:type_create")).status_code == 200
    rows = [
        {"key": "incidents", "label": "安全事故", "kind": "count", "required": "on"},
        {"key": "Bad Key", "label": "坏", "kind": "count", "required": "on"},
        {"key": "", "label": "", "kind": "count", "required": "on"},  # an empty row is left out
    ]
    main = {"owner_unit": str(world.township.pk), "code": "weekly", "name": "每周报告"}
    response = client.post(reverse("reports:type_create"), type_form(rows, **main))
    assert response.status_code == 400
    formset = response.context["formset"]
    assert formset.forms[1].non_field_errors() == [
        "Field 2: the key must be lower-case letters, digits and _, starting with a letter."
    ]
    assert not formset.forms[0].errors
    assert 'value="Bad Key"' in response.content.decode()
    assert not ReportType.objects.exists()

    rows[1]["key"] = "good_key"
    created = client.post(reverse("reports:type_create"), type_form(rows, **main), follow=True)
    report_type = ReportType.objects.get(code="weekly")
    assert created.redirect_chain == [(reverse("reports:type_detail", args=[report_type.pk]), 302)]
    assert [f["key"] for f in report_type.versions.get().fields] == ["incidents", "good_key"]


def test_type_edit_adds_a_version_and_a_concurrent_change_is_a_conflict(world, client):
    login(client, world, "office")
    office = world.user("office")
    report_type = daily_type(office, world.township)
    url = reverse("reports:type_edit", args=[report_type.pk])
    page = client.get(url)
    assert page.status_code == 200
    formset = page.context["formset"]
    assert formset.initial_form_count() == 8
    rows = [dict(f) for f in report_type.versions.get().fields]
    for row in rows:
        row["required"] = "on" if row.pop("required", True) else ""
    rows.append({"key": "fires", "label": "火情", "kind": "count", "required": "on"})
    data = type_form(rows, expected_version="1")
    data["fields-INITIAL_FORMS"] = "8"
    response = client.post(url, data)
    assert response.status_code == 302
    report_type.refresh_from_db()
    assert report_type.current_version == 2
    # Someone who loaded version 1 and saves now: their rows are kept, the message says why.
    stale = client.post(url, {**data, "fields-8-label": "火灾"})
    assert stale.status_code == 409
    assert "version 2" in stale.content.decode()
    assert 'value="火灾"' in stale.content.decode()
    assert stale.context["form"]["expected_version"].value() == "2"
    # Other townships' offices and non-managers may not change it.
    client.force_login(world.user("leader"))
    assert client.get(url).status_code == 403
    detail = client.get(reverse("reports:type_detail", args=[report_type.pk]))
    assert detail.status_code == 200 and 'data-version="1"' in detail.content.decode()


# --- schedules -----------------------------------------------------------------------------------


def test_schedule_create_through_the_page_makes_the_slots(world, client):
    login(client, world, "office")
    report_type = daily_type(world.user("office"), world.township)
    page = client.get(reverse("reports:schedule_create"))
    assert page.status_code == 200
    # Villages are pre-checked; the other township's village is not offered.
    assert set(page.context["form"].initial["units"]) == {world.village.pk, world.village2.pk}
    assert world.other_village.name not in page.content.decode()
    data = {
        "report_type": str(report_type.pk),
        "name": "三月报送",
        "starts_on": "2026-03-01",
        "ends_on": "2026-03-03",
        "day_rule": "every_day",
        "times": "09:00，17:00",
        "pick": "checked",
        "units": [str(world.village.pk)],
        "remind_before_minutes": "30",
    }
    response = client.post(reverse("reports:schedule_create"), data)
    schedule = ReportSchedule.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("reports:schedule_detail", args=[schedule.pk])
    assert ReportSlot.objects.filter(schedule=schedule, unit=world.village).count() == 6
    assert not ReportSlot.objects.filter(unit=world.village2).exists()


def test_schedule_create_refusals_are_shown_on_the_form(world, client):
    login(client, world, "office")
    report_type = daily_type(world.user("office"), world.township)
    data = {
        "report_type": str(report_type.pk),
        "name": "三月报送",
        "starts_on": "2026-03-01",
        "ends_on": "2026-03-03",
        "day_rule": "every_day",
        "times": "9点",
        "pick": "villages",
        "remind_before_minutes": "30",
    }
    response = client.post(reverse("reports:schedule_create"), data)
    assert response.status_code == 400
    assert response.context["form"].errors["times"] == ["9点 is not a time of day (HH:MM, e.g. 09:00)."]
    assert response.context["form"]["name"].value() == "三月报送"
    assert not ReportSchedule.objects.exists()


def test_frequency_switch_through_the_page(world, client, schedule, clock):
    clock.move_to(at("2026-03-01", 12))
    login(client, world, "office")
    detail = client.get(reverse("reports:schedule_detail", args=[schedule.pk]))
    assert detail.status_code == 200 and detail.context["switch_form"] is not None
    response = client.post(
        reverse("reports:schedule_switch", args=[schedule.pk]),
        {"unit": str(world.village.pk), "effective_from": "2026-03-02", "times": "09:00 13:00、17:00"},
        follow=True,
    )
    assert response.redirect_chain == [(reverse("reports:schedule_detail", args=[schedule.pk]), 302)]
    assert messages_of(response) == ["From 2026-03-02, 河东村 reports at 09:00, 13:00, 17:00."]
    assert ReportSlot.objects.filter(schedule=schedule, unit=world.village, slot_on="2026-03-02").count() == 3
    assert DeadlineSet.objects.filter(schedule=schedule).count() == 2
    assert "09:00, 13:00, 17:00" in response.content.decode()
    # A day in the past is refused with a message; nothing changes.
    refused = client.post(
        reverse("reports:schedule_switch", args=[schedule.pk]),
        {"unit": "", "effective_from": "2026-02-27", "times": "10:00"},
        follow=True,
    )
    assert messages_of(refused) == ["A change of deadlines cannot start in the past."]
    assert DeadlineSet.objects.filter(schedule=schedule).count() == 2
    # The reporter may not switch.
    login(client, world, "reporter")
    assert client.post(reverse("reports:schedule_switch", args=[schedule.pk])).status_code == 403


def test_schedule_list_shows_unit_counts(world, client, schedule):
    login(client, world, "office")
    response = client.get(reverse("reports:schedule_list"))
    assert response.status_code == 200
    assert [(row.schedule.pk, row.unit_count) for row in response.context["rows"]] == [(schedule.pk, 2)]


# --- the grid ------------------------------------------------------------------------------------


def add_villages(world: World, n: int) -> list[Unit]:
    return [
        unit_create(
            actor=world.user("admin"),
            parent=world.township,
            kind=UnitKind.VILLAGE,
            name=f"新村{i}",
            code=f"HB-{i + 50}",
        )
        for i in range(n)
    ]


def grid_queries(client: Client, schedule: ReportSchedule) -> tuple[int, Any]:
    url = reverse("reports:schedule_grid", args=[schedule.pk])
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url, {"first": "2026-02-25", "last": "2026-02-26"})
    assert response.status_code == 200
    return len(ctx.captured_queries), response


def test_grid_shows_late_and_missing_with_a_constant_number_of_queries(world, client, clock):
    office, reporter = world.user("office"), world.user("reporter")
    small = daily_schedule(
        office,
        world.township,
        [world.village, world.village2],
        report_type=daily_type(office, world.township),
    )
    large = daily_schedule(
        office,
        world.township,
        [world.village, world.village2, *add_villages(world, 10)],
        report_type=daily_type(office, world.township, code="daily-b"),
    )
    clock.move_to(at("2026-02-25", 9, 5))
    report_submit(actor=reporter, slot=slot_at(small, world.village, "2026-02-25", 9), values=values())
    report_submit(actor=reporter, slot=slot_at(large, world.village, "2026-02-25", 9), is_zero=True)
    clock.move_to(at("2026-02-26", 12))
    login(client, world, "office")

    few, response = grid_queries(client, small)
    many, large_response = grid_queries(client, large)
    assert few == many
    rows = {row.name: row for row in response.context["rows"]}
    assert (rows["河东村"].late, rows["河东村"].missing) == (1, 2)  # 09:00 late; 17:00 and next 09:00 missing
    assert (rows["河西村"].late, rows["河西村"].missing) == (0, 3)
    assert rows["河西村"].cells[3].text == "·"  # 02-26 17:00 is not yet due
    html = response.content.decode()
    assert "5′" in html and 'data-missing="3"' in html
    assert [cell.text for cell in {r.name: r for r in large_response.context["rows"]}["河东村"].cells][
        0
    ] == "0 5′"
    assert len(large_response.context["rows"]) == 12


#: How the grid's template wrote each cell before the cells were rendered in the view.
TEMPLATE_CELLS = (
    "{% for cell in cells %}<td>{% if cell %}"
    '<a class="badge {{ cell.badge }}" href="{{ cell.url }}" title="{{ cell.label }}" '
    'aria-label="{{ cell.label }}">{{ cell.text }}</a>'
    '{% else %}<span class="muted" aria-hidden="true">—</span>{% endif %}</td>{% endfor %}'
)


def test_grid_cells_are_written_as_the_template_wrote_them(world, client, clock):
    office, reporter = world.user("office"), world.user("reporter")
    schedule = daily_schedule(office, world.township, [world.village, world.village2])
    clock.move_to(at("2026-02-25", 9, 5))
    report_submit(actor=reporter, slot=slot_at(schedule, world.village, "2026-02-25", 9), is_zero=True)
    # A unit's name is users' text: markup characters in it come out escaped.
    Unit.objects.filter(pk=world.village2.pk).update(name="西<b>\"&'村")
    clock.move_to(at("2026-02-26", 12))
    login(client, world, "office")
    _queries, response = grid_queries(client, schedule)
    engine = Engine.get_default()
    rows = response.context["rows"]
    assert {row.name for row in rows} == {world.village.name, "西<b>\"&'村"}
    for row in rows:
        assert row.cells_html == engine.from_string(TEMPLATE_CELLS).render(Context({"cells": row.cells}))
        assert row.cells_html in response.content.decode()
    html = response.content.decode()
    assert "西&lt;b&gt;&quot;&amp;&#x27;村" in html and '西<b>"' not in html
    # The days and deadlines above the cells open the summary of that day and deadline.
    summary = reverse("reports:summary", args=[schedule.pk])
    assert f'href="{summary}?day=2026-02-25"' in html
    assert f'href="{summary}?day=2026-02-25&amp;due=09:00"' in html
    assert any(cell is not None for row in rows for cell in row.cells)
    # A unit without a deadline in a column gets the empty cell, also as the template wrote it.
    assert _cells_html([None]) == engine.from_string(TEMPLATE_CELLS).render(Context({"cells": [None]}))


def test_grid_pages_units_and_counts_every_unit(world, client, clock, settings):
    office = world.user("office")
    villages = add_villages(world, 55)
    schedule = daily_schedule(office, world.township, [world.village, world.village2, *villages])
    clock.move_to(at("2026-02-25", 12))
    login(client, world, "office")
    url = reverse("reports:schedule_grid", args=[schedule.pk])
    first = client.get(url, {"first": "2026-02-25", "last": "2026-02-25"})
    second = client.get(url, {"first": "2026-02-25", "last": "2026-02-25", "page": "2"})
    assert len(first.context["rows"]) == 50
    assert len(second.context["rows"]) == 7
    # The totals count all 57 units on every page: 09:00 missing, 17:00 not yet due.
    assert (
        first.context["totals"]
        == second.context["totals"]
        == {
            "on_time": 0,
            "late": 0,
            "missing": 57,
            "open": 57,
        }
    )
    assert {r.name for r in first.context["rows"]}.isdisjoint({r.name for r in second.context["rows"]})


def test_grid_defaults_to_the_last_week_and_refuses_more_than_a_month(world, client, schedule, clock):
    clock.move_to(at("2026-03-10", 12))
    login(client, world, "reporter")
    url = reverse("reports:schedule_grid", args=[schedule.pk])
    response = client.get(url)
    assert (response.context["first"], response.context["last"]) == (
        datetime.date(2026, 3, 4),
        datetime.date(2026, 3, 10),
    )
    # The reporter sees their own village only.
    assert [row.name for row in response.context["rows"]] == ["河东村"]
    wide = client.get(url, {"first": "2026-01-01", "last": "2026-03-16"})
    assert wide.status_code == 200
    assert wide.context["last"] == datetime.date(2026, 1, 31)
    assert "at most 31 days" in messages_of(wide)[0]
    bad = client.get(url, {"first": "2026-13-01", "kind": UnitKind.VILLAGE})
    assert bad.status_code == 200 and messages_of(bad)


# --- the summary ---------------------------------------------------------------------------------


def test_summary_page_totals(world, client, schedule, clock):
    office, reporter = world.user("office"), world.user("reporter")
    clock.move_to(at("2026-02-25", 8))
    report_submit(
        actor=reporter,
        slot=slot_at(schedule, world.village, "2026-02-25", 9),
        values=values(hazards=1, other="路灯坏了"),
    )
    report_submit(
        actor=office, slot=slot_at(schedule, world.village2, "2026-02-25", 9), values=values(hazards=3)
    )
    clock.move_to(at("2026-02-25", 12))
    report_submit(actor=reporter, slot=slot_at(schedule, world.village, "2026-02-25", 17), is_zero=True)
    clock.move_to(at("2026-02-25", 18))
    login(client, world, "office")
    url = reverse("reports:summary", args=[schedule.pk])
    response = client.get(url, {"day": "2026-02-25", "due": "09:00"})
    assert response.status_code == 200
    totals = {spec.key: total for spec, total in response.context["rows"]}
    assert totals["hazards"] == "4" and totals["disputes_received"] == "4" and totals["duty_on_shift"] == "2"
    assert "路灯坏了" in response.content.decode()
    day = client.get(url, {"day": "2026-02-25"})
    summary = day.context["summary"]
    assert [line.unit.name for line in summary.zero] == ["河东村"]
    assert [line.unit.name for line in summary.missing] == ["河西村"]
    assert day.context["deadlines"] == ["09:00", "17:00"]
    assert "?day=2026-02-25&amp;due=09:00" in day.content.decode()


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"day": "2026-02-30"}, "2026-02-30 is not a date (YYYY-MM-DD)."),
        ({"day": "2026-02-25", "due": "25:00"}, "25:00 is not a time of day (HH:MM, e.g. 09:00)."),
        ({"day": "2026-02-25", "due": "10:00"}, "This schedule has no deadline at 10:00 on 2026-02-25."),
        ({"day": "2026-04-01"}, "2026-04-01 is outside the schedule's period (2026-02-25 to 2026-03-16)."),
    ],
)
def test_summary_bad_day_or_deadline_is_a_400_with_a_message(world, client, schedule, query, message):
    login(client, world, "office")
    response = client.get(reverse("reports:summary", args=[schedule.pk]), query)
    assert response.status_code == 400
    assert message in unescape(response.content.decode())


def test_summary_send_queues_messages_for_managers_only(world, client, schedule, clock):
    clock.move_to(at("2026-02-25", 10))
    login(client, world, "office")
    url = reverse("reports:summary_send", args=[schedule.pk])
    response = client.post(url, {"day": "2026-02-25", "due": "09:00"}, follow=True)
    assert response.redirect_chain == [
        (reverse("reports:summary", args=[schedule.pk]) + "?day=2026-02-25&due=09%3A00", 302)
    ]
    assert messages_of(response) == ["The summary is sent: 1 message queued."]  # the township's leader
    login(client, world, "leader")
    assert client.post(url, {"day": "2026-02-25"}).status_code == 403


@pytest.mark.parametrize(
    ("name", "content_type"),
    [
        ("reports:summary_xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        ("reports:summary_docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    ],
)
def test_summary_files(world, client, schedule, clock, name, content_type):
    clock.move_to(at("2026-02-25", 10))
    report_submit(
        actor=world.user("reporter"), slot=slot_at(schedule, world.village, "2026-02-25", 9), values=values()
    )
    login(client, world, "office")
    response = client.get(reverse(name, args=[schedule.pk]), {"day": "2026-02-25", "due": "09:00"})
    assert response.status_code == 200
    assert response["Content-Type"] == content_type
    assert response["Content-Disposition"].startswith("attachment;")
    assert response.content.startswith(b"PK")


# --- every page renders, in Chinese by default ----------------------------------------------------


@pytest.mark.parametrize("role", ["admin", "office", "leader", "reporter", "mediator", "oversight"])
def test_pages_render_in_chinese_by_default(world, client, schedule, clock, role):
    clock.move_to(at("2026-02-25", 8))
    report_submit(
        actor=world.user("reporter"), slot=slot_at(schedule, world.village, "2026-02-25", 9), values=values()
    )
    clock.move_to(at("2026-02-25", 12))
    login(client, world, role, language="zh-hans")
    slot = slot_at(schedule, world.village, "2026-02-25", 9)
    pk = schedule.pk
    urls = [
        reverse("reports:index"),
        reverse("reports:slot_detail", args=[slot.pk]),
        reverse("reports:type_list"),
        reverse("reports:type_detail", args=[schedule.report_type.pk]),
        reverse("reports:schedule_list"),
        reverse("reports:schedule_detail", args=[pk]),
        reverse("reports:schedule_grid", args=[pk]),
        reverse("reports:summary", args=[pk]) + "?day=2026-02-25",
    ]
    if role in ("admin", "office"):
        urls += [
            reverse("reports:type_create"),
            reverse("reports:type_edit", args=[schedule.report_type.pk]),
            reverse("reports:schedule_create"),
        ]
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        html = response.content.decode()
        assert '<html lang="zh-hans">' in html, url
        assert "报送" in html or "每日情况报告" in html, url  # the menu entry or the type's name
