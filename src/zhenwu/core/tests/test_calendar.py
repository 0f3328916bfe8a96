"""The deadline calculator page, the page for entering a year, and the calendar API routes."""

import datetime

import pytest
from django.urls import reverse
from django.utils import translation

from zhenwu.core.models import AuditEvent, CalendarDay, CalendarYear

ROLES = ["admin", "office", "leader", "reporter", "mediator", "oversight"]
CALENDAR_URL = "/calendar/"
YEAR_URL = "/calendar/years/new/"

YEAR_2027 = {
    "year": "2027",
    "source": "test notice (not the official 2027 calendar)",
    "holidays": "2027-01-01 元旦\n\n2027-02-06 春节\n2027-2-7 春节\n",
    "workdays": "2027-02-20 春节",
}


@pytest.fixture(autouse=True)
def _english(settings):
    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield


def login(client, world, role):
    client.force_login(world.user(role))
    return client


# --- the calculator page ----------------------------------------------------------------------


def test_urls():
    assert reverse("core:calendar") == CALENDAR_URL
    assert reverse("core:calendar_year_create") == YEAR_URL


@pytest.mark.django_db
def test_anonymous_users_are_sent_to_login(client):
    for url in (CALENDAR_URL, YEAR_URL):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
def test_every_role_may_use_the_calculator(client, world, role):
    response = login(client, world, role).get(
        CALENDAR_URL, {"rule": "petition.accept_notice", "start": "2026-02-06"}
    )
    assert response.status_code == 200
    result = response.context["result"]
    assert result.due == datetime.date(2026, 2, 24)
    body = response.content.decode()
    assert "2026-02-24" in body
    assert "2026-02-21 春节 (statutory holiday)" in body
    assert "Due date: 2026-02-24." in body
    assert (f'href="{YEAR_URL}"' in body) is (role == "admin")


@pytest.mark.django_db
def test_calculator_lists_rules_and_known_years(client, world):
    body = login(client, world, "office").get(CALENDAR_URL).content.decode()
    assert "Objection that a transferred matter is not ours" in body
    assert "5 working days" in body
    assert "2004–2026: from the chinese-calendar package, version 1.11.0." in body
    assert "No year was entered by hand." in body


@pytest.mark.django_db
def test_calculator_shows_the_unknown_year_error_on_the_form(client, world):
    response = login(client, world, "office").get(
        CALENDAR_URL, {"rule": "petition.accept_notice", "start": "2026-12-17"}
    )
    assert response.status_code == 200
    assert response.context["result"] is None
    errors = response.context["form"].non_field_errors()
    assert len(errors) == 1
    assert "2027" in errors[0]
    assert "administrator must enter" in errors[0]


@pytest.mark.django_db
def test_calculator_rejects_an_unknown_rule(client, world):
    response = login(client, world, "office").get(CALENDAR_URL, {"rule": "nope", "start": "2026-02-06"})
    assert response.status_code == 200
    assert "rule" in response.context["form"].errors


# --- the year page ----------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["office", "leader", "reporter", "mediator", "oversight"])
def test_only_administrators_may_open_the_year_page(client, world, role):
    client = login(client, world, role)
    assert client.get(YEAR_URL).status_code == 403
    assert client.post(YEAR_URL, YEAR_2027).status_code == 403
    assert not CalendarYear.objects.exists()


@pytest.mark.django_db
def test_administrator_enters_a_year_and_the_calculator_uses_it(client, world):
    client = login(client, world, "admin")
    page = client.get(YEAR_URL)
    assert page.status_code == 200
    assert page.context["form"].initial["year"] == 2027
    response = client.post(YEAR_URL, YEAR_2027)
    assert response.status_code == 302
    assert response["Location"] == CALENDAR_URL
    assert list(CalendarDay.objects.values_list("date", "name")) == [
        (datetime.date(2027, 1, 1), "元旦"),
        (datetime.date(2027, 2, 6), "春节"),
        (datetime.date(2027, 2, 7), "春节"),
        (datetime.date(2027, 2, 20), "春节"),
    ]
    assert AuditEvent.objects.filter(object_type="core.calendaryear").count() == 1
    followed = client.get(CALENDAR_URL, {"rule": "petition.accept_notice", "start": "2026-12-17"})
    assert followed.context["result"].due == datetime.date(2027, 1, 4)
    assert "The holidays of 2027 were saved." in followed.content.decode()


@pytest.mark.django_db
def test_a_bad_line_is_named_in_the_form_error(client, world):
    data = {**YEAR_2027, "holidays": "2027-01-01 元旦\nNew Year 2027\n2027-02-30 春节"}
    response = login(client, world, "admin").post(YEAR_URL, data)
    assert response.status_code == 200
    errors = response.context["form"].errors["holidays"]
    assert errors == [
        'Line 2 ("New Year 2027") is not a date written YYYY-MM-DD followed by a name.',
        'Line 3 ("2027-02-30 春节") is not a real date.',
    ]
    assert not CalendarYear.objects.exists()


@pytest.mark.django_db
def test_service_refusals_appear_on_the_right_field(client, world):
    client = login(client, world, "admin")
    known = client.post(YEAR_URL, {**YEAR_2027, "year": "2026"})
    assert known.status_code == 200
    assert "chinese-calendar" in known.context["form"].errors["year"][0]
    both = client.post(YEAR_URL, {**YEAR_2027, "workdays": "2027-02-06 春节"})
    assert "both a holiday and an adjusted working day" in both.context["form"].errors["workdays"][0]
    outside = client.post(YEAR_URL, {**YEAR_2027, "holidays": "2028-01-01 元旦"})
    assert outside.context["form"].errors["holidays"] == ["2028-01-01 is not in 2027."]
    assert not CalendarYear.objects.exists()


# --- API --------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_api_needs_authentication(client):
    assert (
        client.post(
            "/api/deadlines",
            {"rule": "petition.accept_notice", "start": "2026-02-06"},
            content_type="application/json",
        ).status_code
        == 401
    )
    assert client.get("/api/calendar/years").status_code == 401


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
def test_api_computes_a_deadline(client, world, role):
    response = login(client, world, role).post(
        "/api/deadlines",
        {"rule": "petition.transfer_objection", "start": "2026-02-12"},
        content_type="application/json",
    )
    assert response.status_code == 200, response.content
    data = response.json()
    assert data["due"] == "2026-02-26"
    assert data["nominal_end"] == "2026-02-26"
    assert data["count"] == "working"
    assert data["skipped"][0] == {"date": "2026-02-15", "reason": "春节 (statutory holiday)"}
    assert len(data["skipped"]) == 9
    assert "Due date: 2026-02-26." in data["explanation"]


@pytest.mark.django_db
def test_api_refuses_an_unknown_year_and_an_unknown_rule(client, world):
    client = login(client, world, "office")
    unknown_year = client.post(
        "/api/deadlines",
        {"rule": "petition.accept_notice", "start": "2026-12-17"},
        content_type="application/json",
    )
    assert unknown_year.status_code == 400
    assert unknown_year.json()["code"] == "unknown_calendar_year"
    assert "2027" in unknown_year.json()["message"]
    unknown_rule = client.post(
        "/api/deadlines", {"rule": "petition.nope", "start": "2026-02-06"}, content_type="application/json"
    )
    assert unknown_rule.status_code == 400
    assert unknown_rule.json()["code"] == "unknown_rule"
    assert "rule" in unknown_rule.json()["errors"]
    bad_date = client.post(
        "/api/deadlines",
        {"rule": "petition.accept_notice", "start": "2026-02-30"},
        content_type="application/json",
    )
    assert bad_date.status_code == 422


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
def test_api_lists_known_years(client, world, role):
    CalendarYear.objects.create(year=2027, source="test")
    CalendarDay.objects.create(date=datetime.date(2027, 1, 1), kind="holiday", name="元旦")
    response = login(client, world, role).get("/api/calendar/years")
    assert response.status_code == 200
    data = response.json()
    assert data["years"] == list(range(2004, 2028))
    assert data["package"] == {
        "name": "chinese-calendar",
        "version": "1.11.0",
        "first_year": 2004,
        "last_year": 2026,
    }
    assert [(e["year"], e["source"], e["holidays"], e["workdays"]) for e in data["entered"]] == [
        (2027, "test", 1, 0)
    ]


def test_api_schema_declares_the_error_responses():
    from zhenwu.api import api

    paths = api.get_openapi_schema()["paths"]
    assert {str(s) for s in paths["/api/deadlines"]["post"]["responses"]} >= {
        "200",
        "400",
        "401",
        "403",
        "422",
    }
    assert {str(s) for s in paths["/api/calendar/years"]["get"]["responses"]} >= {"200", "401", "403"}
