"""The web shell: sign-in and out, languages, the per-role dashboard, error pages, CSP hygiene."""

import re
from pathlib import Path

import pytest
from django import forms
from django.contrib.auth.forms import PasswordChangeForm
from django.contrib.staticfiles import finders
from django.core.paginator import Paginator
from django.db import connection
from django.template import Context, Template
from django.template.loader import render_to_string
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from zhenwu.core import dashboard
from zhenwu.core.audit import audit_record
from zhenwu.core.choices import AuditAction, OutboxStatus, Role, UnitKind
from zhenwu.core.dashboard import Panel, panels_for, register_panel
from zhenwu.core.models import OutboxMessage, Unit, User

PASSWORD = "correct-horse-battery"
SRC = Path(__file__).resolve().parents[2]  # src/zhenwu

ALL_PANELS = {
    "my_unit",
    "duty_now",
    "petitions_due",
    "reports_due",
    "disputes",
    "hazards_open",
    "notices_pending",
    "units_people",
    "notifications",
    "audit_recent",
}

EXPECTED_PANELS = {
    Role.ADMIN: ALL_PANELS,
    Role.OFFICE: ALL_PANELS - {"audit_recent"},
    Role.LEADER: ALL_PANELS - {"audit_recent", "notifications"},
    Role.REPORTER: {"my_unit", "duty_now", "reports_due", "hazards_open", "notices_pending", "petitions_due"},
    Role.MEDIATOR: {"my_unit", "duty_now", "disputes", "notices_pending", "petitions_due"},
    Role.OVERSIGHT: {
        "my_unit",
        "duty_now",
        "petitions_due",
        "disputes",
        "hazards_open",
        "units_people",
        "audit_recent",
    },
}


def make_unit(kind: str, name: str, code: str, parent: Unit | None = None) -> Unit:
    unit = Unit.objects.create(kind=kind, name=name, code=code, parent=parent)
    unit.path = (parent.path if parent else "") + f"{unit.pk:010d}"
    unit.depth = parent.depth + 1 if parent else 0
    unit.save()
    return unit


def make_user(username: str, role: str, unit: Unit | None, full_name: str = "") -> User:
    return User.objects.create_user(
        username, password=PASSWORD, full_name=full_name or username, unit=unit, role=role
    )


@pytest.fixture
def tree(db):
    county = make_unit(UnitKind.COUNTY, "青山县", "QS")
    township = make_unit(UnitKind.TOWNSHIP, "红石镇", "QS-HS", county)
    other = make_unit(UnitKind.TOWNSHIP, "白沙镇", "QS-BS", county)
    village = make_unit(UnitKind.VILLAGE, "东坡村", "QS-HS-01", township)
    other_village = make_unit(UnitKind.VILLAGE, "西岭村", "QS-BS-01", other)
    return {
        "county": county,
        "township": township,
        "other": other,
        "village": village,
        "other_village": other_village,
    }


@pytest.fixture
def users(tree):
    return {
        Role.ADMIN: make_user("admin", Role.ADMIN, tree["county"], "管理员"),
        Role.OFFICE: make_user("office", Role.OFFICE, tree["township"], "李秀英"),
        Role.LEADER: make_user("leader", Role.LEADER, tree["township"], "张建国"),
        Role.REPORTER: make_user("reporter", Role.REPORTER, tree["village"], "王小明"),
        Role.MEDIATOR: make_user("mediator", Role.MEDIATOR, tree["township"], "赵调解"),
        Role.OVERSIGHT: make_user("oversight", Role.OVERSIGHT, tree["township"], "陈纪检"),
    }


@pytest.fixture
def panel_registry():
    """Restore the dashboard registry after a test that registers panels."""
    saved = dict(dashboard._PANELS)
    yield
    dashboard._PANELS.clear()
    dashboard._PANELS.update(saved)


def panel_keys(html: str) -> list[str]:
    return re.findall(r'data-panel="([a-z_]+)"', html)


# --- Sign-in, sign-out, languages ------------------------------------------------------------


def test_anonymous_home_redirects_to_login(client, db):
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('login')}?next=/"


def test_login_page_is_chinese_by_default(client, db):
    response = client.get(reverse("login"))
    html = response.content.decode()
    assert response.status_code == 200
    assert '<html lang="zh-hans">' in html
    assert "登录" in html  # Django's own zh_Hans catalog: "Log in"
    assert "用户名" in html
    assert "autofocus" in html  # the username field


def test_pages_stay_chinese_whatever_the_browser_sends(client, db):
    """A PC's Accept-Language is not the reader's choice: pages use zh-hans until one picks English."""
    html = client.get(reverse("login"), HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9").content.decode()
    assert '<html lang="zh-hans">' in html
    assert "登录" in html
    api = client.get("/api/me", HTTP_ACCEPT_LANGUAGE="en").json()
    assert api["message"] == "Sign in or send a valid API token."


def test_set_language_switches_to_english_and_back(client, db):
    login_url = reverse("login")
    response = client.post(reverse("set_language"), {"language": "en", "next": login_url})
    assert response.status_code == 302
    assert response["Location"] == login_url
    html = client.get(login_url).content.decode()
    assert '<html lang="en">' in html
    assert "Log in" in html
    assert 'value="zh-hans"' in html  # the switch back, named in its own language
    assert "简体中文" in html
    client.post(reverse("set_language"), {"language": "zh-hans", "next": login_url})
    assert "登录" in client.get(login_url).content.decode()


def test_login_with_good_credentials(client, users):
    response = client.post(reverse("login"), {"username": "leader", "password": PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == reverse("core:home")
    html = client.get(reverse("core:home")).content.decode()
    assert "张建国" in html
    assert "红石镇" in html  # the user's unit in the header


def test_login_with_bad_credentials_shows_a_clear_error(client, users):
    response = client.post(reverse("login"), {"username": "leader", "password": "wrong-password"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "请输入一个正确的" in html  # Django's zh_Hans invalid-login message
    assert 'role="alert"' in html
    assert "_auth_user_id" not in client.session


def test_logout_is_a_post(client, users):
    client.force_login(users[Role.LEADER])
    assert client.get(reverse("logout")).status_code == 405
    html = client.get(reverse("core:home")).content.decode()
    assert f'action="{reverse("logout")}"' in html
    response = client.post(reverse("logout"))
    assert response.status_code == 302
    assert response["Location"] == reverse("login")
    assert client.get(reverse("core:home")).status_code == 302


def test_header_shows_user_unit_role_and_navigation(client, users):
    client.force_login(users[Role.OVERSIGHT])
    response = client.get(reverse("core:home"))
    html = response.content.decode()
    assert "陈纪检" in html
    with translation.override("zh-hans"):
        assert str(Role.OVERSIGHT.label) in html
    items = response.context["nav_items"]
    assert items, "the home entry at least"
    for item in items:
        assert f'href="{item.url}"' in html
    assert 'aria-current="page"' in html
    assert "data-nav-toggle" in html
    assert 'name="csrf-token"' in html


# --- Dashboard ------------------------------------------------------------------------------


@pytest.mark.parametrize("role", list(EXPECTED_PANELS))
def test_each_role_gets_its_panels_and_no_others(client, users, role):
    client.force_login(users[role])
    response = client.get(reverse("core:home"))
    assert response.status_code == 200
    keys = panel_keys(response.content.decode())
    assert len(keys) == len(set(keys))
    assert set(keys) == EXPECTED_PANELS[role]


def test_reporter_does_not_get_the_audit_panel(client, users):
    audit_record(actor=None, action=AuditAction.CREATE, object_repr="OUT-OF-REACH", unit=None)
    client.force_login(users[Role.REPORTER])
    html = client.get(reverse("core:home")).content.decode()
    assert 'data-panel="audit_recent"' not in html
    assert "OUT-OF-REACH" not in html


def test_real_panels_come_before_placeholders(users):
    for user in users.values():
        placeholder_flags = [panel.placeholder for panel, _ in panels_for(user)]
        assert placeholder_flags == sorted(placeholder_flags), user.role


@pytest.mark.usefixtures("panel_registry")
def test_role_layout_orders_domain_panels_once_they_replace_placeholders(users):
    def real(key):
        return Panel(key, key, "core/panels/placeholder.html", None, lambda user: {"description": key})

    register_panel(real("reports_due"), replace=True)
    register_panel(real("petitions_due"), replace=True)
    register_panel(real("duty_now"), replace=True)
    reporter = [panel.key for panel, _ in panels_for(users[Role.REPORTER])]
    assert reporter[:2] == ["reports_due", "my_unit"]
    leader = [panel.key for panel, _ in panels_for(users[Role.LEADER])]
    assert leader[:2] == ["petitions_due", "duty_now"]


@pytest.mark.usefixtures("panel_registry")
def test_register_panel_refuses_a_duplicate_key_unless_replacing():
    with pytest.raises(ValueError, match="my_unit"):
        register_panel(Panel("my_unit", "x", "core/panels/my_unit.html"))


@pytest.mark.usefixtures("panel_registry")
def test_placeholders_say_not_yet_available_without_numbers(client, users):
    # Every area has its app now: a placeholder of an area still to come, as an app would find it.
    roles = frozenset({Role.LEADER, Role.OFFICE})
    register_panel(
        Panel(
            "area_to_come",
            "Area to come",
            "core/panels/placeholder.html",
            roles,
            dashboard._placeholder("Data of an area that is not built yet.", roles),
            placeholder=True,
        )
    )
    client.force_login(users[Role.LEADER])
    html = client.get(reverse("core:home")).content.decode()
    section = re.search(r'data-panel="area_to_come">(.*?)</section>', html, re.S)
    assert section is not None
    assert "panel-placeholder" in html
    assert "badge-muted" in section.group(1)
    assert not re.search(r"\d", re.sub(r"<[^>]+>", "", section.group(1)))  # no made-up numbers


def test_my_unit_panel_shows_the_parent_chain_and_counts(client, users, tree):
    make_unit(UnitKind.VILLAGE, "南湾村", "QS-HS-02", tree["township"])
    data = next(ctx for panel, ctx in panels_for(users[Role.LEADER]) if panel.key == "my_unit")
    assert data["unit"] == tree["township"]
    assert data["ancestors"] == ["青山县"]
    assert data["sub_units"] == 2  # 东坡村, 南湾村; not 白沙镇's village
    assert data["staff"] == 5  # everyone in 红石镇's subtree, not the county administrator
    client.force_login(users[Role.REPORTER])
    html = client.get(reverse("core:home")).content.decode()
    assert "青山县 › 红石镇" in html


def test_units_people_panel_counts_only_the_scope(users):
    def data_for(user):
        return next(ctx for panel, ctx in panels_for(user) if panel.key == "units_people")

    leader = data_for(users[Role.LEADER])
    assert leader["units_total"] == 2  # 红石镇 and 东坡村
    assert dict(leader["units_by_kind"]) == {UnitKind.TOWNSHIP.label: 1, UnitKind.VILLAGE.label: 1}
    assert leader["people_total"] == 5
    admin = data_for(users[Role.ADMIN])
    assert admin["units_total"] == 5
    assert admin["people_total"] == 6


def test_notifications_panel_counts_outbox_by_status(client, users, tree):
    for index, status in enumerate(
        [
            OutboxStatus.PENDING,
            OutboxStatus.PENDING,
            OutboxStatus.DEAD,
            OutboxStatus.SENT,
            OutboxStatus.RETRYING,
        ]
    ):
        OutboxMessage.objects.create(
            event_key=f"event-{index}",
            channel="email",
            recipient="a@example.org",
            body="x",
            status=status,
            unit=tree["village"],
        )
    # Another township's trouble is not this office's to count.
    OutboxMessage.objects.create(
        event_key="other",
        channel="email",
        recipient="a@example.org",
        body="x",
        status="dead",
        unit=tree["other"],
    )
    data = next(ctx for panel, ctx in panels_for(users[Role.OFFICE]) if panel.key == "notifications")
    counts = {status: count for status, _, count in data["counts"]}
    assert counts == {"pending": 2, "retrying": 1, "dead": 1}
    client.force_login(users[Role.OFFICE])
    html = client.get(reverse("core:home")).content.decode()
    assert "badge-danger" in html  # a message that failed for good stands out


def test_audit_panel_shows_only_events_in_scope(client, users, tree):
    audit_record(actor=None, action=AuditAction.UPDATE, object_repr="EVT-VILLAGE", unit=tree["village"])
    audit_record(actor=None, action=AuditAction.UPDATE, object_repr="EVT-OTHER-TOWN", unit=tree["other"])
    audit_record(actor=None, action=AuditAction.UPDATE, object_repr="EVT-NO-UNIT", unit=None)
    client.force_login(users[Role.OVERSIGHT])
    html = client.get(reverse("core:home")).content.decode()
    assert "EVT-VILLAGE" in html
    assert "EVT-OTHER-TOWN" not in html
    assert "EVT-NO-UNIT" not in html  # events without a unit: administrators only
    client.force_login(users[Role.ADMIN])
    html = client.get(reverse("core:home")).content.decode()
    assert {"EVT-VILLAGE", "EVT-OTHER-TOWN", "EVT-NO-UNIT"} <= set(re.findall(r"EVT-[A-Z-]+", html))


def test_audit_panel_is_limited_to_the_latest_events(users, tree):
    for index in range(dashboard.RECENT_AUDIT_EVENTS + 5):
        audit_record(actor=None, action=AuditAction.UPDATE, object_repr=f"E{index}", unit=tree["village"])
    data = next(ctx for panel, ctx in panels_for(users[Role.ADMIN]) if panel.key == "audit_recent")
    assert len(data["events"]) == dashboard.RECENT_AUDIT_EVENTS
    assert data["events"][0].object_repr == f"E{dashboard.RECENT_AUDIT_EVENTS + 4}"


def _home_queries(client):
    client.get(reverse("core:home"))  # warm caches (content types, translations)
    with CaptureQueriesContext(connection) as captured:
        assert client.get(reverse("core:home")).status_code == 200
    return len(captured)


@pytest.mark.parametrize("role", [Role.ADMIN, Role.OVERSIGHT, Role.REPORTER])
def test_home_query_count_does_not_grow_with_units(client, users, tree, role):
    client.force_login(users[role])
    few = _home_queries(client)
    for index in range(27):
        parent = tree["village"] if role == Role.REPORTER else tree["township"]
        unit = make_unit(UnitKind.VILLAGE, f"村{index}", f"QS-HS-X{index}", parent)
        make_user(f"cadre{index}", Role.REPORTER, unit)
        audit_record(actor=None, action=AuditAction.UPDATE, object_repr=f"u{index}", unit=unit)
        OutboxMessage.objects.create(event_key=f"e{index}", channel="sms", recipient="13800000000", body="x")
    assert Unit.objects.count() >= 30
    assert _home_queries(client) == few


def test_home_for_a_superuser_without_a_unit(client, db):
    user = User.objects.create_superuser("root", password=PASSWORD, full_name="根")
    client.force_login(user)
    response = client.get(reverse("core:home"))
    assert response.status_code == 200
    assert set(panel_keys(response.content.decode())) == ALL_PANELS


# --- Security headers and template hygiene --------------------------------------------------


def test_csp_header_forbids_inline_script(client, users):
    for response in (client.get(reverse("login")), client.get("/")):
        assert "script-src 'self'" in response["Content-Security-Policy"]
    client.force_login(users[Role.OFFICE])
    csp = client.get(reverse("core:home"))["Content-Security-Policy"]
    assert "script-src 'self'" in csp
    assert "unsafe-inline" not in csp


def _templates():
    paths = sorted(SRC.rglob("templates/**/*.html"))
    assert paths
    return paths


_SCRIPT_TAG = re.compile(r"<script\b[^>]*>", re.I)
_INLINE_HANDLER = re.compile(r"\s(on[a-z]+|hx-on[:\w-]*)\s*=", re.I)
_STYLE_ATTR = re.compile(r"\sstyle\s*=", re.I)
_EXTERNAL = re.compile(
    r"""<(?:script|link|img|iframe|source|audio|video|embed|object)\b[^>]*?(?:src|href|data)\s*=\s*["'](?:https?:)?//""",
    re.I,
)


def test_no_template_breaks_the_csp_or_loads_external_assets():
    """Guards every template, including future ones: CSP forbids inline script and style."""
    problems = []
    for path in _templates():
        text = path.read_text(encoding="utf-8")
        name = path.relative_to(SRC)
        problems += [f"{name}: inline {tag}" for tag in _SCRIPT_TAG.findall(text) if "src=" not in tag]
        problems += [f"{name}: inline handler {m.group(1)}=" for m in _INLINE_HANDLER.finditer(text)]
        problems += [f"{name}: style= attribute" for _ in _STYLE_ATTR.finditer(text)]
        problems += [f"{name}: <style> element" for _ in re.finditer(r"<style\b", text, re.I)]
        problems += [f"{name}: external asset {m.group(0)}" for m in _EXTERNAL.finditer(text)]
    assert problems == []


def test_own_static_files_load_nothing_from_outside():
    for path in [*SRC.glob("static/css/*.css"), *SRC.glob("static/js/*.js")]:
        text = path.read_text(encoding="utf-8")
        assert not re.search(r"@import|url\(\s*[\"']?(?:https?:)?//|https?://", text), path.name


def test_static_files_referenced_by_templates_exist():
    referenced = set()
    for path in _templates():
        referenced |= set(re.findall(r"""{%\s*static\s+["']([^"']+)["']""", path.read_text(encoding="utf-8")))
    assert {"css/app.css", "js/app.js", "img/favicon.svg", "vendor/htmx/htmx.min.js"} <= referenced
    missing = sorted(name for name in referenced if finders.find(name) is None)
    assert missing == []


# --- Error pages ----------------------------------------------------------------------------


def test_404_page(client, users):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert "页面没有找到" in response.content.decode()
    client.force_login(users[Role.LEADER])
    html = client.get("/no-such-page/").content.decode()
    assert "张建国" in html  # the normal shell around it


@pytest.mark.parametrize("name", ["400.html", "500.html"])
def test_bare_error_pages_render_without_request_or_database(name):
    html = render_to_string(name)  # no db fixture: any query would raise
    assert "<h1>" in html
    assert "css/app.css" in html


def test_403_page_shows_the_refusal(rf, users):
    request = rf.get("/")
    request.user = users[Role.REPORTER]
    html = render_to_string("403.html", {"exception": "仅限本单位"}, request=request)
    assert "仅限本单位" in html


# --- Shared includes ------------------------------------------------------------------------


class SampleForm(forms.Form):
    name = forms.CharField(label="Name", help_text="Your full name.")
    agree = forms.BooleanField(label="Agree", required=False)
    token = forms.CharField(widget=forms.HiddenInput, required=False)

    def clean(self):
        raise forms.ValidationError("Whole-form problem.")


def test_form_include_renders_labels_help_and_errors():
    form = SampleForm(data={"name": ""})
    html = render_to_string("includes/form.html", {"form": form})
    assert '<label for="id_name">Name<span class="required" aria-hidden="true">*</span></label>' in html
    assert 'id="id_name_helptext"' in html
    assert 'aria-invalid="true"' in html
    assert 'class="errorlist" id="id_name_error"' in html
    assert "Whole-form problem." in html
    assert 'type="hidden" name="token"' in html
    assert 'class="field field-check"' in html


def test_password_change_templates_render(rf, users):
    request = rf.get("/accounts/password_change/")
    request.user = users[Role.REPORTER]
    html = render_to_string(
        "registration/password_change_form.html", {"form": PasswordChangeForm(request.user)}, request=request
    )
    assert 'name="old_password"' in html
    assert "修改我的密码" in html
    assert "你的密码已修改" in render_to_string("registration/password_change_done.html", request=request)
    assert reverse("login") in render_to_string("registration/logged_out.html", request=request)


def test_pagination_keeps_the_filters(rf):
    request = rf.get("/list/", {"status": "open", "q": "水", "page": "3"})
    page = Paginator(list(range(200)), 10).page(3)
    html = render_to_string("includes/pagination.html", {"page_obj": page, "request": request})
    assert 'aria-current="page">3<' in html
    assert "status=open" in html
    assert "page=4" in html and "page=2" in html and "page=20" in html
    assert "…" in html  # elided range
    assert "page=3&amp;page" not in html


def test_url_replace_tag(rf):
    request = rf.get("/list/", {"status": "open", "page": "2"})
    template = Template(
        "{% load zhenwu %}{% url_replace request page=5 %}|{% url_replace request page=None %}"
    )
    first, second = template.render(Context({"request": request})).split("|")
    assert first == "?status=open&amp;page=5"
    assert second == "?status=open"


def test_messages_include(client, users):
    from django.contrib.messages import constants
    from django.contrib.messages.storage.base import Message

    html = render_to_string(
        "includes/messages.html",
        {"messages": [Message(constants.SUCCESS, "Saved."), Message(constants.ERROR, "Failed.")]},
    )
    assert 'class="message message-success" role="status">Saved.' in html
    assert 'class="message message-error" role="alert">Failed.' in html
