"""Calendar feeds (.ics): made on the feeds page, read without sign-in, parsed back with icalendar.

Time starts at 2026-02-25 09:00 Beijing time (conftest); the example special period (2026-03-01..20,
one 24-hour shift a day from 08:30) is generated before it starts.
"""

import datetime
import re
from typing import Any

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation
from icalendar import Calendar

from zhenwu.core.models import User
from zhenwu.core.services.people import person_set_active
from zhenwu.duty.choices import Position
from zhenwu.duty.models import CalendarFeed, Roster, Shift, ShiftAssignment
from zhenwu.duty.services import feed_create, roster_generate, roster_publish
from zhenwu.duty.tests.factories import pool, special_period
from zhenwu.testing.world import World

pytestmark = pytest.mark.django_db

UTC = datetime.UTC


def login(client: Client, user: User, *, language: str = "en") -> Client:
    client.force_login(user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    return client


def zh(message: str, **values: object) -> str:
    """A message as the feed writes it: calendar apps send no language cookie, so zh-hans."""
    with translation.override("zh-hans"):
        return translation.gettext(message) % values


def parse(response: Any) -> Calendar:
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    cache = response["Cache-Control"]
    assert "private" in cache and "no-store" in cache
    return Calendar.from_ical(response.content.decode("utf-8"))


def events(calendar: Calendar) -> list[Any]:
    return list(calendar.walk("VEVENT"))


@pytest.fixture
def roster(world: World) -> Roster:
    leaders, officers = pool(world)
    roster = special_period(world, leaders, officers)
    roster_generate(actor=world.user("office"), roster=roster)
    return roster


def someone(roster: Roster) -> User:
    """The first duty officer of the first day."""
    first = Shift.objects.get(roster=roster, on_date=datetime.date(2026, 3, 1))
    return first.assignments.filter(position=Position.OFFICER).order_by("id")[0].person


def make_feed_on_the_page(client: Client, user: User, unit: str = "") -> str:
    """Make a feed through the page; return its secret URL (shown once)."""
    login(client, user)
    response = client.post(reverse("duty:feed_create"), {"unit": unit})
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    url = str(response.context["new_url"])
    assert url in response.content.decode() and url.startswith("http://testserver/duty/feeds/")
    assert response.context["webcal_url"] == url.replace("http://", "webcal://")
    return url


def test_a_person_feed_holds_exactly_that_persons_shifts_with_correct_times(world, client, roster):
    me = someone(roster)
    url = make_feed_on_the_page(client, me)
    assert CalendarFeed.objects.get().person == me
    calendar = parse(Client().get(url))  # a calendar app: no session, no cookie

    assert str(calendar["VERSION"]) == "2.0"
    assert "zhenwu" in str(calendar["PRODID"])
    assert str(calendar["X-WR-CALNAME"]) == zh("Duty shifts of %(name)s", name=me.full_name)
    assert [str(tz["TZID"]) for tz in calendar.walk("VTIMEZONE")] == ["Asia/Shanghai"]

    mine = list(
        ShiftAssignment.objects.filter(person=me).select_related("shift__template").order_by("starts_at")
    )
    found = events(calendar)
    assert len(mine) >= 3 and len(found) == len(mine)
    uids = [str(event["UID"]) for event in found]
    assert len(set(uids)) == len(uids)
    assert set(uids) == {f"duty-assignment-{a.pk}@zhenwu" for a in mine}
    by_uid = {str(event["UID"]): event for event in found}
    for assignment in mine:
        event = by_uid[f"duty-assignment-{assignment.pk}@zhenwu"]
        start, end = event.start, event.end
        assert start.tzinfo is not None and end.tzinfo is not None
        assert start == assignment.shift.starts_at and end == assignment.shift.ends_at
        # A 24-hour shift from 08:30 ends at 08:30 the next day (08:30 CST is 00:30Z).
        assert start.astimezone(UTC).time() == datetime.time(0, 30)
        assert end - start == datetime.timedelta(hours=24)
        assert end.date() == start.date() + datetime.timedelta(days=1)
        assert str(event["SUMMARY"]) == zh(
            "Duty: %(shift)s (%(position)s)", shift="全天", position=Position(assignment.position).label
        )
        assert str(event["LOCATION"]) == "河坝镇"
        assert event["DTSTAMP"].dt.tzinfo is not None
        assert str(event["STATUS"]) == "TENTATIVE"  # the roster is still a draft
    first = by_uid[f"duty-assignment-{mine[0].pk}@zhenwu"]
    assert first.start == datetime.datetime(2026, 3, 1, 0, 30, tzinfo=UTC)
    # The colleagues on that shift, with their phones, and nobody else.
    description = str(first["DESCRIPTION"])
    colleagues = mine[0].shift.assignments.exclude(person=me).select_related("person")
    for colleague in colleagues:
        assert colleague.person.full_name in description and colleague.person.phone in description
    others = ShiftAssignment.objects.exclude(shift=mine[0].shift).exclude(person=me).select_related("person")
    strangers = {a.person.full_name for a in others} - {c.person.full_name for c in colleagues}
    assert strangers and not any(name in description for name in strangers)
    assert str(first["URL"]).endswith(reverse("duty:shift_detail", args=[mine[0].shift_id]))


def test_a_unit_feed_holds_every_shift_of_the_unit_without_phones(world, client, roster):
    roster_publish(actor=world.user("office"), roster=roster)
    url = make_feed_on_the_page(client, world.user("leader"), unit=str(world.township.pk))
    calendar = parse(Client().get(url))
    found = events(calendar)
    shifts = list(Shift.objects.filter(unit=world.township).order_by("starts_at"))
    assert len(shifts) == 20 and len(found) == 20
    assert {str(e["UID"]) for e in found} == {f"duty-shift-{s.pk}@zhenwu" for s in shifts}
    by_uid = {str(e["UID"]): e for e in found}
    for shift in shifts:
        event = by_uid[f"duty-shift-{shift.pk}@zhenwu"]
        assert event.start == shift.starts_at and event.end == shift.ends_at
        assert str(event["STATUS"]) == "CONFIRMED"
        description = str(event["DESCRIPTION"])
        for assignment in shift.assignments.select_related("person"):
            assert assignment.person.full_name in description and assignment.person.full_name in str(
                event["SUMMARY"]
            )
            assert assignment.person.phone not in description  # a unit feed names people, no phones
    assert str(calendar["X-WR-CALNAME"]) == zh("Duty shifts of %(unit)s", unit="河坝镇")


def test_a_revoked_or_unknown_key_is_a_404(world, client, roster):
    me = someone(roster)
    url = make_feed_on_the_page(client, me)
    anonymous = Client()
    assert anonymous.get(url).status_code == 200
    feed = CalendarFeed.objects.get()
    response = client.post(reverse("duty:feed_revoke", args=[feed.pk]), follow=True)
    assert [str(m) for m in response.context["messages"]] == ["The feed is revoked: its URL no longer works."]
    assert anonymous.get(url).status_code == 404
    assert anonymous.get(reverse("duty:feed_ics", kwargs={"key": "x" * 32})).status_code == 404
    assert anonymous.get("/duty/feeds/" + "a" * 200 + ".ics").status_code == 404
    # Someone else's feed cannot be revoked by a colleague (it is not theirs to see).
    _feed, _key = feed_create(actor=me, person=me)
    other = CalendarFeed.objects.exclude(pk=feed.pk).get()
    login(client, world.user("leader"))
    assert client.post(reverse("duty:feed_revoke", args=[other.pk])).status_code == 404


def test_a_feed_stops_when_its_person_leaves(world, client, roster):
    me = someone(roster)
    _feed, key = feed_create(actor=me, person=me)
    url = reverse("duty:feed_ics", kwargs={"key": key})
    assert Client().get(url).status_code == 200
    person_set_active(actor=world.user("admin"), person=me, is_active=False)
    assert Client().get(url).status_code == 404


def test_the_feeds_page_lists_my_feeds_and_offers_units_in_scope(world, client, roster):
    me = someone(roster)
    feed_create(actor=me, person=me)
    login(client, me)
    page = client.get(reverse("duty:feed_list"))
    assert page.status_code == 200
    assert [f.person for f in page.context["feeds"]] == [me]
    assert page.context["units"] == [world.township]
    html = page.content.decode()
    assert "/duty/feeds/" in html and not re.search(
        r"feeds/[\w-]{20,}\.ics", html
    )  # the key is never shown again
    # A unit outside the scope cannot be chosen.
    login(client, world.user("reporter"))
    response = client.post(reverse("duty:feed_create"), {"unit": str(world.township.pk)})
    assert response.status_code == 400
    assert CalendarFeed.objects.filter(unit=world.township).count() == 0


def test_the_feed_reads_a_fixed_number_of_queries(world, client, roster):
    me = someone(roster)
    _feed, key = feed_create(actor=me, person=me)
    url = reverse("duty:feed_ics", kwargs={"key": key})
    anonymous = Client()
    anonymous.get(url)
    with CaptureQueriesContext(connection) as captured:
        assert anonymous.get(url).status_code == 200
    # The feed, the assignments, the colleagues: no query per shift.
    assert len(captured) <= 4, [q["sql"] for q in captured]
    _feed, unit_key = feed_create(actor=world.user("office"), unit=world.township)
    unit_url = reverse("duty:feed_ics", kwargs={"key": unit_key})
    anonymous.get(unit_url)
    with CaptureQueriesContext(connection) as captured:
        assert anonymous.get(unit_url).status_code == 200
    assert len(captured) <= 6, [q["sql"] for q in captured]
