"""Leader reception days (领导接访日): scheduling, publishing, cancelling, the public page, linked matters.

Time starts at 2026-02-25 09:00 Beijing time (conftest).
"""

import datetime
from html import unescape
from typing import Any

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from zhenwu.core.choices import Role
from zhenwu.duty.models import ReceptionDay
from zhenwu.duty.services import reception_create, reception_publish
from zhenwu.duty.tests.factories import at, staff, t
from zhenwu.petitions.choices import IntakeChannel
from zhenwu.petitions.models import Petition
from zhenwu.petitions.tests.factories import register
from zhenwu.testing.world import World

pytestmark = pytest.mark.django_db

PUBLIC = reverse("duty_public:index")


def login(client: Client, world: World, role: str, *, language: str = "en") -> Client:
    client.force_login(world.user(role))
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    return client


def messages_of(response: Any) -> list[str]:
    return [str(m) for m in response.context["messages"]] if response.context else []


def text_of(response: Any) -> str:
    return unescape(str(response.content.decode()))


def new_reception(world: World, **overrides: str) -> dict[str, str]:
    data = {
        "unit": str(world.township.pk),
        "leader": str(world.user("leader").pk),
        "on_date": "2026-03-05",
        "start_time": "09:00",
        "end_time": "11:30",
        "place": "镇综治信访维稳中心接待室",
        "topic": "土地征收、劳动保障",
    }
    data.update(overrides)
    return data


def schedule(world: World, day: str = "2026-03-05", *, publish: bool = True, **kwargs: Any) -> ReceptionDay:
    return reception_create(
        actor=kwargs.pop("actor", world.user("office")),
        unit=kwargs.pop("unit", world.township),
        leader=kwargs.pop("leader", world.user("leader")),
        on_date=datetime.date.fromisoformat(day),
        start_time=kwargs.pop("start_time", t("09:00")),
        end_time=kwargs.pop("end_time", t("11:30")),
        place=kwargs.pop("place", "镇综治信访维稳中心接待室"),
        publish=publish,
        **kwargs,
    )


# --- scheduling, publishing, cancelling ------------------------------------------------------------


def test_the_office_schedules_publishes_and_cancels_a_reception(world, client):
    login(client, world, "office")
    form = client.get(reverse("duty:reception_create"))
    assert form.status_code == 200
    assert [u.pk for u in form.context["form"].fields["unit"].queryset] == [world.township.pk]
    assert world.user("leader") in form.context["form"].fields["leader"].queryset

    response = client.post(reverse("duty:reception_create"), new_reception(world), follow=True)
    reception = ReceptionDay.objects.get()
    assert response.redirect_chain == [(reverse("duty:reception_detail", args=[reception.pk]), 302)]
    assert messages_of(response) == ["The reception day is scheduled; it is not published yet."]
    assert not reception.is_published and reception.created_by == world.user("office")
    anonymous = Client()
    assert "镇综治信访维稳中心接待室" not in text_of(anonymous.get(PUBLIC))  # not published yet

    publish = reverse("duty:reception_publish", args=[reception.pk])
    response = client.post(publish, {"publish": "1"}, follow=True)
    assert messages_of(response) == ["The reception day is published on the public page."]
    page = anonymous.get(PUBLIC)
    assert page.status_code == 200  # no sign-in
    html = text_of(page)
    assert "李建国" in html and "镇综治信访维稳中心接待室" in html and "09:00–11:30" in html
    assert "土地征收、劳动保障" in html and "2026-03-05" in html

    response = client.post(publish, {"publish": "0"}, follow=True)
    assert messages_of(response) == ["The reception day is withdrawn from the public page."]
    assert "镇综治信访维稳中心接待室" not in text_of(anonymous.get(PUBLIC))
    client.post(publish, {"publish": "1"})

    cancel = reverse("duty:reception_cancel", args=[reception.pk])
    response = client.post(cancel, follow=True)
    assert messages_of(response)[-1] == "The reception day is cancelled."
    # Still on the public page, marked as cancelled, so that nobody comes in vain.
    public = anonymous.get(PUBLIC, headers={"Cookie": f"{settings.LANGUAGE_COOKIE_NAME}=en"})
    row = text_of(public).split(f'data-reception="{reception.pk}"')[1].split("</li>")[0]
    assert "Cancelled" in row and 'class="desk-reception is-cancelled"' in text_of(public)
    # Twice: a clear message, nothing changes.
    response = client.post(cancel, follow=True)
    assert messages_of(response) == ["This reception was already cancelled."]
    response = client.post(publish, {"publish": "0"}, follow=True)
    assert messages_of(response) == ["This reception was cancelled."]
    assert ReceptionDay.objects.get().is_published


def test_a_refused_reception_is_shown_again_with_the_input(world, client):
    login(client, world, "office")
    url = reverse("duty:reception_create")
    response = client.post(url, new_reception(world, start_time="11:00", end_time="10:00"))
    assert response.status_code == 400
    assert "The reception ends before it starts." in text_of(response)
    assert response.context["form"]["place"].value() == "镇综治信访维稳中心接待室"
    response = client.post(url, new_reception(world, on_date="2026-02-20"))
    assert response.status_code == 400 and "The day cannot be in the past." in text_of(response)
    # A leader of another township cannot be chosen; and one who is not a leader is refused.
    response = client.post(url, new_reception(world, leader=str(world.user("mediator").pk)))
    assert response.status_code == 400
    schedule(world)
    response = client.post(url, new_reception(world, start_time="10:00", end_time="12:00"))
    assert response.status_code == 400 and "李建国 already receives the public then." in text_of(response)
    assert ReceptionDay.objects.count() == 1
    # Only the office (and admin) schedule receptions.
    assert login(client, world, "leader").get(url).status_code == 403


def test_the_reception_list_shows_upcoming_first_then_past_with_a_fixed_number_of_queries(
    world, client, clock
):
    later = schedule(world, "2026-03-20")
    soon = schedule(world, "2026-03-05")
    past = schedule(world, "2026-02-26")
    clock.move_to(at("2026-03-01", 9))
    login(client, world, "leader")
    url = reverse("duty:reception_list")
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        response = client.get(url)
    assert [r.pk for r in response.context["page_obj"]] == [soon.pk, later.pk, past.pk]
    assert "New reception day" not in text_of(response)  # the leader does not manage receptions
    clock.move_to(at("2026-02-25", 9))
    for day in range(6, 16):
        schedule(world, f"2026-03-{day:02d}")
    clock.move_to(at("2026-03-01", 9))
    login(client, world, "leader")
    with CaptureQueriesContext(connection) as many:
        response = client.get(url)
    assert len(response.context["page_obj"]) == 13
    assert len(many) == len(few)
    assert login(client, world, "office").get(url).context["can_manage"]


# --- the public page ------------------------------------------------------------------------------


def test_the_public_page_lists_published_upcoming_receptions_by_township_and_needs_no_login(world, client):
    sq_leader = staff(world, "sqld", ("钱进",), Role.LEADER, unit=world.other_township)[0]
    hb = schedule(world, "2026-03-05")
    draft = schedule(world, "2026-03-06", publish=False, place="未发布的地点")
    sq = schedule(
        world,
        "2026-03-05",
        actor=world.user("admin"),
        unit=world.other_township,
        leader=sq_leader,
        place="石桥镇接待室",
    )
    response = client.get(PUBLIC)  # anonymous
    assert response.status_code == 200
    html = text_of(response)
    assert '<html lang="zh-hans">' in html  # Chinese by default
    groups = response.context["groups"]
    assert [(g.unit, [r.pk for r in g.receptions]) for g in groups] == [
        (world.township, [hb.pk]),
        (world.other_township, [sq.pk]),
    ]
    assert "未发布的地点" not in html and draft.pk not in [r.pk for g in groups for r in g.receptions]
    assert "data-print" in html  # printable
    # One township at a time, by its code; an unknown code is a 404.
    only_sq = client.get(PUBLIC, {"unit": "SQ"})
    assert [g.unit for g in only_sq.context["groups"]] == [world.other_township]
    assert "石桥镇接待室" in text_of(only_sq) and "镇综治信访维稳中心接待室" not in text_of(only_sq)
    assert client.get(PUBLIC, {"unit": "NOPE"}).status_code == 404
    # Signed-in staff see the same page.
    assert login(client, world, "reporter").get(PUBLIC).context["groups"] == groups


def test_the_public_page_groups_a_village_reception_under_its_township_and_hides_past_ones(
    world, client, clock
):
    reception = schedule(world, "2026-03-05", unit=world.township)
    ReceptionDay.objects.filter(pk=reception.pk).update(unit=world.village)  # a village's own reception day
    schedule(world, "2026-02-26")
    clock.move_to(at("2026-03-01", 9))
    response = client.get(PUBLIC)
    (group,) = response.context["groups"]
    assert group.unit == world.township and [r.pk for r in group.receptions] == [reception.pk]
    assert "(河东村)" in text_of(response)
    with CaptureQueriesContext(connection) as few:
        client.get(PUBLIC)
    clock.move_to(at("2026-02-25", 9))
    for day in range(6, 12):
        schedule(world, f"2026-03-{day:02d}")
    clock.move_to(at("2026-03-01", 9))
    with CaptureQueriesContext(connection) as many:
        response = client.get(PUBLIC)
    assert sum(len(g.receptions) for g in response.context["groups"]) == 7
    assert len(many) == len(few)


# --- matters registered at a reception ------------------------------------------------------------


def test_a_visit_registered_on_the_day_is_linked_and_one_of_another_day_is_refused(world, client, clock):
    reception = schedule(world, "2026-03-05")
    office = world.user("office")
    clock.move_to(at("2026-03-05", 11))
    visit, _code = register(
        office, world.township, name="王秀英", summary="宅基地纠纷", received_at=at("2026-03-05", 10)
    )
    letter, _code = register(
        office,
        world.township,
        summary="来信反映噪音",
        channel=IntakeChannel.LETTER,
        received_at=at("2026-03-05", 9),
    )
    earlier, _code = register(office, world.township, summary="前几天来访", received_at=at("2026-03-03", 10))
    login(client, world, "office")
    url = reverse("duty:reception_link", args=[reception.pk])

    response = client.post(url, {"number": f" {visit.number.lower()} "}, follow=True)
    assert messages_of(response) == [f"Matter {visit.number} is linked to this reception."]
    assert list(reception.petitions.all()) == [visit]
    html = text_of(response)
    assert visit.number in html and "宅基地纠纷" in html
    assert reverse("petitions:detail", args=[visit.pk]) in html
    assert "王秀英" not in html  # the number and summary only, never the petitioner

    response = client.post(url, {"number": earlier.number})
    assert response.status_code == 400
    assert "The matter was not received on the reception day." in text_of(response)
    assert response.context["link_form"]["number"].value() == earlier.number
    response = client.post(url, {"number": letter.number})
    assert response.status_code == 400
    assert "Only a matter brought in person (a visit) is registered at a reception." in text_of(response)
    response = client.post(url, {"number": "2026-HB-999999"})
    assert response.status_code == 400
    assert "No matter with this number is registered in your units." in text_of(response)
    assert list(reception.petitions.all()) == [visit]

    # The public page says nothing about any resident or matter.
    reception_publish(actor=office, reception=reception)
    public = text_of(Client().get(PUBLIC))
    assert "王秀英" not in public and visit.number not in public and "宅基地纠纷" not in public


def test_linked_matters_a_user_may_not_see_are_counted_not_named(world, client, clock):
    reception = schedule(world, "2026-03-05")
    clock.move_to(at("2026-03-05", 11))
    visit, _code = register(
        world.user("office"), world.township, summary="宅基地纠纷", received_at=at("2026-03-05", 10)
    )
    login(client, world, "office")
    client.post(reverse("duty:reception_link", args=[reception.pk]), {"number": visit.number})
    # A township leader sees the matter; once the matter accuses them, it is counted, not named.
    page = login(client, world, "leader").get(reverse("duty:reception_detail", args=[reception.pk]))
    assert [p.pk for p in page.context["petitions"]] == [visit.pk]
    assert page.context["hidden_count"] == 0 and page.context["link_form"] is None
    Petition.objects.filter(pk=visit.pk).update(accused_user=world.user("leader"))
    page = client.get(reverse("duty:reception_detail", args=[reception.pk]))
    assert page.context["petitions"] == [] and page.context["hidden_count"] == 1
    assert "宅基地纠纷" not in text_of(page)
    assert "1 more matter is linked that you may not see." in text_of(page)


def test_a_matter_of_another_township_or_a_cancelled_reception_is_not_linked(world, clock):
    from zhenwu.core.exceptions import InvalidTransition, ValidationFailed
    from zhenwu.duty.services import reception_cancel, reception_link_petition

    reception = schedule(world, "2026-03-05")
    admin = world.user("admin")
    clock.move_to(at("2026-03-05", 11))
    elsewhere, _code = register(
        admin, world.other_township, summary="石桥镇来访", received_at=at("2026-03-05", 10)
    )
    with pytest.raises(ValidationFailed):
        reception_link_petition(actor=admin, reception=reception, petition=elsewhere)
    here, _code = register(admin, world.township, summary="河坝镇来访", received_at=at("2026-03-05", 10))
    reception_cancel(actor=admin, reception=reception)
    with pytest.raises(InvalidTransition):
        reception_link_petition(actor=admin, reception=reception, petition=here)
    assert not reception.petitions.exists()
