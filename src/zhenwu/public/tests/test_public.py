"""The public pages: online submission with CAPTCHA and rate limit, tracking, rating, review requests."""

import base64
import datetime
import re
from unittest import mock

import time_machine
from django.contrib.sessions.backends.db import SessionStore
from django.core import signing
from django.db import connection
from django.http import HttpResponse
from django.http.response import HttpResponseBase
from django.test import Client, RequestFactory, override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation
from django.utils.html import escape

from zhenwu.core.models import AuditEvent
from zhenwu.petitions import services as s
from zhenwu.petitions.choices import DocumentKind, IntakeChannel, Satisfaction, Status
from zhenwu.petitions.documents import petition_document_generate
from zhenwu.petitions.models import Petition, Petitioner, PetitionEvent
from zhenwu.petitions.tests.factories import ID_A, ID_B, register
from zhenwu.public import captcha, ratelimit
from zhenwu.public.views import SESSION_PETITIONS
from zhenwu.testing.world import World

SUBMITTER = {
    "name": "刘桂芳",
    "id_number": ID_B,
    "phone": "13912345678",
    "address": "河坝镇南街7号",
    "summary": "村口道路塌陷无人维修",
    "content": "村口道路塌陷半年，多次反映无人处理，老人孩子出行危险。",
}
OPINION = {
    "request": "要求支付拖欠工资",
    "facts": "经核实，拖欠属实",
    "decision": "责令限期支付",
    "basis": "《保障农民工工资支付条例》",
}


def zh(text: object) -> str:
    """``text`` (a msgid or a lazy label) as the pages show it: zh-hans is the default language."""
    with translation.override("zh-hans"):
        return translation.gettext(text) if isinstance(text, str) else str(text)


def body(response: HttpResponseBase) -> str:
    assert isinstance(response, HttpResponse)
    return response.content.decode()


def submit_data(client: Client, world: World, **overrides: object) -> dict[str, object]:
    """Open the form (which sets a CAPTCHA) and return a complete submission with the right answer."""
    assert client.get(reverse("public:submit")).status_code == 200
    answer = client.session[captcha.SESSION_KEY]["answer"]
    return {**SUBMITTER, "unit": world.township.pk, "captcha": answer, **overrides}


def track(client: Client, number: str, code: str) -> HttpResponseBase:
    return client.post(reverse("public:track"), {"number": number, "code": code})


def handled(world: World) -> tuple[Petition, str]:
    """A matter registered at the office, accepted, assigned, objected to internally and extended."""
    office, leader, reporter = world.user("office"), world.user("leader"), world.user("reporter")
    petition, code = register(office, world.township, accused_unit=world.village2)
    s.petition_accept(actor=office, petition=petition, note="内部备注：先电话核实")
    s.petition_assign(
        actor=office, petition=petition, handling_unit=world.village, lead_official=leader, note="交办说明"
    )
    s.petition_start_handling(actor=reporter, petition=petition)
    s.petition_object(actor=reporter, petition=petition, reason="内部意见：不归本村")
    s.petition_extend(actor=leader, petition=petition, days=10, reason="需要调取工资台账")
    petition.refresh_from_db()
    return petition, code


def answered(world: World) -> tuple[Petition, str]:
    petition, code = handled(world)
    s.petition_answer(actor=world.user("reporter"), petition=petition, **OPINION)
    petition.refresh_from_db()
    return petition, code


def tracked(world: World, petition: Petition, code: str) -> Client:
    client = Client()
    response = track(client, petition.number, code)
    assert response.status_code == 302
    assert response["Location"] == reverse("public:matter", args=[petition.pk])
    return client


# --- submission --------------------------------------------------------------------------------


def test_submit_with_the_right_captcha_registers_online_and_shows_the_code_once(
    world: World, client: Client
) -> None:
    page = client.post(reverse("public:submit"), submit_data(client, world))
    assert page.status_code == 200
    assert "no-store" in page["Cache-Control"]
    petition = Petition.objects.get()
    code = page.context["code"]
    assert petition.number in body(page) and code in body(page)
    assert petition.due_on is not None and f"{petition.due_on:%Y-%m-%d}" in body(page)
    assert petition.query_code_matches(code)
    assert (petition.channel, petition.registered_by, petition.unit) == (
        IntakeChannel.ONLINE,
        None,
        world.township,
    )
    person = Petitioner.objects.get()
    assert (person.name, person.id_number, person.phone) == ("刘桂芳", ID_B, "13912345678")
    assert PetitionEvent.objects.get(petition=petition).actor is None
    assert AuditEvent.objects.get(object_type="petitions.petition").actor is None
    # The submitter can follow the matter from this browser; the code itself is not shown again.
    assert client.session[SESSION_PETITIONS] == [petition.pk]
    progress = client.get(reverse("public:matter", args=[petition.pk]))
    assert progress.status_code == 200 and petition.number in body(progress)
    assert code not in body(progress)


def test_wrong_captcha_is_an_error_and_nothing_is_saved(world: World, client: Client) -> None:
    data = submit_data(client, world)
    data["captcha"] = int(data["captcha"]) + 1  # type: ignore[call-overload]
    page = client.post(reverse("public:submit"), data)
    assert page.status_code == 200
    assert page.context["captcha_form"].errors["captcha"]
    assert not Petition.objects.exists() and not Petitioner.objects.exists()
    # What the resident wrote stays; the answer field is empty for the new sum.
    assert "村口道路塌陷无人维修" in body(page)
    assert re.search(r'<input type="number" name="captcha"(?![^>]*value=)[^>]*>', body(page))


def test_expired_captcha_is_refused(world: World, client: Client) -> None:
    data = submit_data(client, world)
    with time_machine.travel(datetime.timedelta(seconds=captcha.TTL_SECONDS + 5)):
        page = client.post(reverse("public:submit"), data)
    assert page.context["captcha_form"].errors["captcha"]
    assert not Petition.objects.exists()


def test_captcha_answer_is_used_once_and_expires(db: None) -> None:
    session = SessionStore()
    captcha.captcha_new(session)
    answer = session[captcha.SESSION_KEY]["answer"]
    assert captcha.captcha_check(session, answer)
    assert not captcha.captcha_check(session, answer)
    captcha.captcha_new(session)
    answer = session[captcha.SESSION_KEY]["answer"]
    assert not captcha.captcha_check(session, answer + 1)
    assert not captcha.captcha_check(session, answer)  # a wrong try used it up
    captcha.captcha_new(session)
    answer = session[captcha.SESSION_KEY]["answer"]
    with time_machine.travel(datetime.timedelta(seconds=captcha.TTL_SECONDS + 1)):
        assert not captcha.captcha_check(session, answer)


def test_captcha_image_is_an_svg_that_does_not_spell_the_question(db: None) -> None:
    session = SessionStore()
    uri = captcha.captcha_new(session)
    assert uri.startswith("data:image/svg+xml;base64,")
    svg = base64.b64decode(uri.split(",", 1)[1]).decode()
    assert svg.startswith("<svg") and svg.endswith("</svg>") and "<path" in svg
    assert "<text" not in svg and "=?" not in svg
    challenge = captcha.new_challenge()
    assert 1 <= challenge.answer <= 29 and eval(challenge.question) == challenge.answer  # noqa: S307


def test_bad_id_number_and_a_village_are_refused(world: World, client: Client) -> None:
    page = client.post(
        reverse("public:submit"),
        submit_data(client, world, id_number="110105194912310021", unit=world.village.pk, phone="12345"),
    )
    errors = page.context["form"].errors
    assert {"id_number", "unit", "phone"} <= set(errors)
    assert not Petition.objects.exists() and not Petitioner.objects.exists()


def test_only_active_townships_are_offered(world: World, client: Client) -> None:
    page = client.get(reverse("public:submit"))
    offered = set(page.context["form"].fields["unit"].queryset)
    assert offered == {world.township, world.other_township}


def test_submissions_over_the_limit_get_429(world: World, client: Client) -> None:
    for _ in range(ratelimit.SUBMIT.count):
        assert client.post(reverse("public:submit"), submit_data(client, world)).status_code == 200
    page = client.post(reverse("public:submit"), submit_data(client, world))
    assert page.status_code == 429
    assert page["Retry-After"] == str(ratelimit.SUBMIT.window_seconds)
    assert zh("Too many requests") in body(page)
    assert Petition.objects.count() == ratelimit.SUBMIT.count
    # Another address is not affected.
    other = client.post(reverse("public:submit"), submit_data(client, world), REMOTE_ADDR="10.0.0.9")
    assert other.status_code == 200 and Petition.objects.count() == ratelimit.SUBMIT.count + 1


def test_tracking_attempts_over_the_limit_get_429(world: World, client: Client) -> None:
    for _ in range(ratelimit.TRACK.count):
        assert track(client, "2026-HB-000001", "AAAAAAAA").status_code == 200
    assert track(client, "2026-HB-000001", "AAAAAAAA").status_code == 429
    with time_machine.travel(datetime.timedelta(seconds=ratelimit.TRACK.window_seconds + 1)):
        assert track(client, "2026-HB-000001", "AAAAAAAA").status_code == 200


def test_hit_counts_a_fixed_window(db: None) -> None:
    assert ratelimit.hit("k", 2, 60) and ratelimit.hit("k", 2, 60)
    assert not ratelimit.hit("k", 2, 60)
    assert ratelimit.hit("other", 2, 60)
    with time_machine.travel(datetime.timedelta(seconds=61)):
        assert ratelimit.hit("k", 2, 60)


def test_forwarded_for_is_trusted_only_from_the_configured_proxy() -> None:
    request = RequestFactory().get("/", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="1.1.1.1, 203.0.113.7")
    assert ratelimit.client_ip(request) == "127.0.0.1"
    with override_settings(ZHENWU_TRUSTED_PROXY=["127.0.0.1"]):
        assert ratelimit.client_ip(request) == "203.0.113.7"
    with override_settings(ZHENWU_TRUSTED_PROXY="10.0.0.1"):
        assert ratelimit.client_ip(request) == "127.0.0.1"


# --- tracking ----------------------------------------------------------------------------------


def test_track_shows_the_public_facts_and_nothing_else(world: World) -> None:
    petition, code = handled(world)
    client = tracked(world, petition, code.lower())
    assert client.session[SESSION_PETITIONS] == [petition.pk]
    page = body(client.get(reverse("public:matter", args=[petition.pk])))
    assert petition.number in page
    assert zh(Status.HANDLING.label) in page
    assert petition.due_on is not None and f"{petition.due_on:%Y-%m-%d}" in page
    assert zh("Handling deadline extended") in page and "需要调取工资台账" in page
    assert "河东村" in page  # the handling unit
    hidden = [
        "张小明",  # the petitioner's name, ID number, phone and address
        ID_A,
        "13812345678",
        "河坝镇河东村3组",
        "王小红",  # staff: office, leader (lead official), handler
        "李建国",
        "张明",
        "内部备注",  # internal notes and a transition note
        "内部意见",
        "交办说明",
        "河西村",  # the accused unit
        "拖欠工资问题",  # the summary is not repeated on the page
    ]
    assert [text for text in hidden if text in page] == []
    assert code not in page
    # The session opens this matter only, not another one.
    other, _ = register(world.user("office"), world.township, id_number=ID_B, name="李四")
    elsewhere = client.get(reverse("public:matter", args=[other.pk]))
    assert elsewhere.status_code == 302 and elsewhere["Location"] == reverse("public:track")


def test_wrong_code_and_unknown_number_get_the_same_answer(world: World) -> None:
    petition, _code = register(world.user("office"), world.township)
    unknown = "2026-HB-999999"
    client = Client()
    client.get(reverse("public:track"))
    hashes = mock.patch.object(Petition, "hash_query_code", wraps=Petition.hash_query_code)
    with hashes as hashed, CaptureQueriesContext(connection) as wrong_queries:
        wrong = track(client, petition.number, "AAAAAAAA")
    assert hashed.call_count == 1
    with hashes as hashed, CaptureQueriesContext(connection) as missing_queries:
        missing = track(client, unknown, "AAAAAAAA")
    assert hashed.call_count == 1
    assert wrong.status_code == missing.status_code == 200
    assert len(wrong_queries) == len(missing_queries)

    def normalized(response: HttpResponseBase, number: str) -> str:
        text = re.sub(
            r'(name="csrfmiddlewaretoken" value=|name="csrf-token" content=)"[^"]*"', r"\1", body(response)
        )
        return text.replace(number, "NUMBER")

    assert normalized(wrong, petition.number) == normalized(missing, unknown)
    assert zh(
        "No matter matches this number and query code. Check both and try again, "
        "or ask the office that registered your matter."
    ) in body(wrong)
    assert SESSION_PETITIONS not in client.session
    page = client.get(reverse("public:matter", args=[petition.pk]))
    assert page.status_code == 302 and page["Location"] == reverse("public:track")


# --- rating and review -------------------------------------------------------------------------


def test_rating_through_the_page(world: World) -> None:
    petition, code = answered(world)
    stranger = Client()
    refused = stranger.post(reverse("public:rate", args=[petition.pk]), {"satisfaction": "satisfied"})
    assert refused.status_code == 302 and refused["Location"] == reverse("public:track")
    client = tracked(world, petition, code)
    page = body(client.get(reverse("public:matter", args=[petition.pk])))
    assert OPINION["facts"] in page and OPINION["basis"] in page
    assert f'action="{reverse("public:rate", args=[petition.pk])}"' in page
    done = client.post(
        reverse("public:rate", args=[petition.pk]),
        {"satisfaction": Satisfaction.BASICALLY, "comment": "基本解决"},
    )
    assert done.status_code == 302
    petition.refresh_from_db()
    assert (petition.status, petition.satisfaction, petition.satisfaction_comment) == (
        Status.RATED,
        Satisfaction.BASICALLY,
        "基本解决",
    )
    after = body(client.get(reverse("public:matter", args=[petition.pk])))
    assert f'action="{reverse("public:rate", args=[petition.pk])}"' not in after
    assert zh(Satisfaction.BASICALLY.label) in after
    again = client.post(reverse("public:rate", args=[petition.pk]), {"satisfaction": Satisfaction.SATISFIED})
    assert again.status_code == 200
    assert again.context["rate_form"].non_field_errors()
    petition.refresh_from_db()
    assert petition.satisfaction == Satisfaction.BASICALLY


def test_review_and_re_review_through_the_page(world: World) -> None:
    petition, code = answered(world)
    client = tracked(world, petition, code)
    review_url = reverse("public:review", args=[petition.pk])
    assert f'action="{review_url}"' in body(client.get(reverse("public:matter", args=[petition.pk])))
    empty = client.post(review_url, {"reason": "  "})
    assert empty.status_code == 200 and empty.context["review_form"].errors["reason"]
    assert client.post(review_url, {"reason": "对处理意见不服"}).status_code == 302
    petition.refresh_from_db()
    assert petition.status == Status.UNDER_REVIEW
    assert f'action="{review_url}"' not in body(client.get(reverse("public:matter", args=[petition.pk])))
    s.petition_decide_review(actor=world.user("office"), petition=petition, opinion="维持原处理意见")
    page = body(client.get(reverse("public:matter", args=[petition.pk])))
    assert "维持原处理意见" in page and zh("Request a re-review") in page
    assert client.post(review_url, {"reason": "仍然不服"}).status_code == 302
    petition.refresh_from_db()
    assert petition.status == Status.UNDER_RE_REVIEW


def test_review_after_the_window_is_refused_with_the_message(world: World) -> None:
    petition, code = answered(world)
    with time_machine.travel(datetime.timedelta(days=45)):
        client = tracked(world, petition, code)
        review_url = reverse("public:review", args=[petition.pk])
        assert f'action="{review_url}"' not in body(client.get(reverse("public:matter", args=[petition.pk])))
        page = client.post(review_url, {"reason": "不服"})
    assert page.status_code == 200
    errors = page.context["review_form"].non_field_errors()
    assert errors and "30" in errors[0] and escape(errors[0]) in body(page)
    petition.refresh_from_db()
    assert petition.status == Status.ANSWERED


# --- documents ---------------------------------------------------------------------------------


def test_document_link_works_only_with_a_valid_unexpired_token(world: World) -> None:
    petition, code = handled(world)
    document = petition_document_generate(
        actor=world.user("office"), petition=petition, kind=DocumentKind.ACCEPTANCE
    )
    other, _ = register(world.user("office"), world.township, id_number=ID_B, name="李四")
    client = tracked(world, petition, code)
    page = body(client.get(reverse("public:matter", args=[petition.pk])))
    match = re.search(r'href="(/public/documents/[^"]+/)"', page)
    assert match is not None
    url = match.group(1)
    # The link is the capability: it works without the session, for an hour.
    response = Client().get(url)
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")
    assert b"".join(response.streaming_content)[:2] == b"PK"  # type: ignore[attr-defined]
    token = url.removeprefix("/public/documents/").removesuffix("/")
    assert Client().get(reverse("public:document", args=[token[:-2] + "xx"])).status_code == 404
    forged = signing.dumps({"p": other.pk, "d": document.pk}, salt="not-the-salt")
    assert Client().get(reverse("public:document", args=[forged])).status_code == 404
    mismatched = signing.dumps({"p": other.pk, "d": document.pk}, salt="zhenwu.public.document")
    assert Client().get(reverse("public:document", args=[mismatched])).status_code == 404
    with time_machine.travel(datetime.timedelta(seconds=3601)):
        assert Client().get(url).status_code == 404


# --- every page --------------------------------------------------------------------------------


def assert_clean_page(response: HttpResponseBase, status: int = 200) -> None:
    """Renders for an anonymous visitor under the CSP: no inline script, handler or style attribute."""
    assert response.status_code == status
    assert "script-src 'self'" in response["Content-Security-Policy"]
    text = body(response)
    assert all("src=" in tag for tag in re.findall(r"<script\b[^>]*>", text)), "inline script"
    assert not re.search(r"\son[a-z]+\s*=", text), "inline event handler"
    assert not re.search(r"\sstyle\s*=", text), "style attribute"
    assert "javascript:" not in text
    assert reverse("logout") not in text  # no user menu for anonymous visitors


def test_every_public_page_renders_for_an_anonymous_visitor(world: World, client: Client) -> None:
    petition, code = answered(world)
    petition_document_generate(actor=world.user("reporter"), petition=petition, kind=DocumentKind.OPINION)
    assert_clean_page(client.get(reverse("public:index")))
    assert "河坝镇" in body(client.get(reverse("public:index")))
    assert_clean_page(client.get(reverse("public:submit")))
    assert_clean_page(client.post(reverse("public:submit"), {}))
    assert_clean_page(client.post(reverse("public:submit"), submit_data(client, world)))
    assert_clean_page(client.get(reverse("public:track")))
    assert_clean_page(track(client, petition.number, "AAAAAAAA"))
    track(client, petition.number, code)
    assert_clean_page(client.get(reverse("public:matter", args=[petition.pk])))
    assert_clean_page(client.post(reverse("public:review", args=[petition.pk]), {"reason": ""}))
    for _ in range(ratelimit.TRACK.count):
        track(client, petition.number, "AAAAAAAA")
    assert_clean_page(track(client, petition.number, "AAAAAAAA"), status=429)


def test_forget_clears_the_session(world: World) -> None:
    petition, code = register(world.user("office"), world.township)
    client = tracked(world, petition, code)
    assert client.post(reverse("public:forget")).status_code == 302
    page = client.get(reverse("public:matter", args=[petition.pk]))
    assert page.status_code == 302 and page["Location"] == reverse("public:track")
