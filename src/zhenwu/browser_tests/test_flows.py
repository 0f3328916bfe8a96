"""Issue 9: the main paths, as people take them, in real Chromium against the real server.

One module, one instance (``conftest.site``: gunicorn as ``make run`` starts it with production
settings, so two-factor sign-in and the forced password change are on, plus the task worker; the
scheduler is left out, no flow waits for it), one headless Chromium. Each test opens a browser
context per person (own cookies), clicks, types and reads what the pages show, then checks what
the database holds (read-only). Staff pages are read in English (the language cookie) so that
roles and labels are stable; the resident's pages are left in the default zh-hans and are driven
by field names and data attributes only.

Runs once, in the SQLite pass of ``make test``: the live instance is SQLite-only (as
``core/tests/test_concurrency.py``), and what the browser sees does not depend on the database.

Sign-in: the seed (``zhenwu.testing.browser_seed``) makes the accounts with a known password and
no forced change, and enrols the two-factor accounts with a known authenticator key, so most tests
sign in as a returning user (password, then the app's code). ``test_keyboard_only_first_login``
is a first login from scratch, by keyboard alone: password, authenticator enrolment from the secret
shown on the page, the backup codes, the forced password change.

The online form's CAPTCHA is a sum drawn as distorted strokes for a person's eyes; the test reads
its answer from the page's session on the server (``Ui.captcha_answer``, a hook of these tests
only), the one thing it does not read from the page.

Every page of every test is watched: a console error (a CSP violation is one), an uncaught script
error or a 5xx fails the test, listing them. Each test saves a full-page screenshot of its last
page at its end under ``var/test-artifacts/browser/<test name>.png``; a failing test keeps its
screenshot (taken where it stopped, path printed in the report), a passing one removes it.
"""

import base64
import re
import zipfile
from pathlib import Path

import docx
import pytest
from playwright.sync_api import Page, expect

from zhenwu.browser_tests.conftest import Ui
from zhenwu.testing.markers import sqlite_pass_only

pytestmark = [
    pytest.mark.browser,
    sqlite_pass_only,
]

NUMBER = re.compile(r"^\d{4}-HB-\d{6}$")


def open_menu(page: Page, label: str) -> None:
    """The main menu entry ``label``; on a phone the menu opens with its button first."""
    menu = page.get_by_role("navigation", name="Main menu")
    if not menu.is_visible():
        page.get_by_role("button", name="Menu").tap()
    menu.get_by_role("link", name=label).click()


def test_resident_submits_tracks_reads_the_reply_and_rates(ui: Ui) -> None:
    page = ui.new_page(language="")  # a resident reads the default Chinese pages
    page.goto("/public/")
    page.locator("a[href='/public/submit/']").first.click()
    page.locator("#id_name").fill("李秀英")
    page.locator("#id_phone").fill("13812345678")
    page.locator("#id_address").fill("河坝镇河东村三组")
    township = ui.query("SELECT id FROM core_unit WHERE code = 'HB'")[0][0]
    expect(page.locator("#id_unit")).to_have_value(str(township))  # the only township: chosen already
    page.locator("#id_summary").fill("村道路灯损坏三个月无人维修")
    page.locator("#id_content").fill("河东村三组至村委会的村道路灯已坏三个月，夜间行走不便，请求尽快维修。")
    expect(page.locator("img.captcha")).to_be_visible()
    page.locator("#id_captcha").fill(str(ui.captcha_answer(page)))
    page.locator("main form button[type=submit]").click()

    number = page.locator("[data-number]").inner_text()
    code = page.locator("[data-code]").inner_text()
    assert NUMBER.match(number), number
    assert re.fullmatch(r"[A-Z0-9]{8}", code), code
    progress = page.locator(".form-actions a.btn-primary").get_attribute("href") or ""
    petition_id = int(re.findall(r"/public/matters/(\d+)/", progress)[0])

    # The office accepts and assigns it, the handling office answers in writing (their API tools).
    ui.api("office_token", f"/petitions/{petition_id}/accept", {"note": ""})
    ui.api("office_token", f"/petitions/{petition_id}/assign", {"handling_unit_id": ui.seed["handling_unit"]})
    ui.api("handler_token", f"/petitions/{petition_id}/start", {})
    decision = "已安排镇农业农村办于本月15日前更换村道路灯8盏。"
    ui.api(
        "handler_token",
        f"/petitions/{petition_id}/answer",
        {
            "request": "维修河东村三组村道路灯。",
            "facts": "经现场核实，该路段路灯8盏损坏属实。",
            "decision": decision,
            "basis": "《河坝镇村级公共设施管护办法》第六条。",
        },
    )

    # Later, on another computer: the number and the query code find the matter.
    page = ui.new_page(language="")
    page.goto("/public/")
    page.locator("a[href='/public/track/']").first.click()
    page.locator("#id_number").fill(number)
    page.locator("#id_code").fill(code.lower())  # typed as it comes: the form takes either case
    page.locator("main form button[type=submit]").click()
    expect(page).to_have_url(re.compile(rf"/public/matters/{petition_id}/$"))
    expect(page.locator("h1")).to_contain_text(number)
    opinion = page.locator("section[aria-labelledby=opinion-h]")
    expect(opinion).to_contain_text(decision)
    expect(opinion).to_contain_text("路灯8盏损坏属实")

    rating = page.locator("#rate")
    rating.locator("input[name=satisfaction][value=satisfied]").check()
    rating.locator("textarea[name=comment]").fill("维修及时，满意。")
    rating.locator("button[type=submit]").click()
    expect(page.locator(".messages .message-success")).to_be_visible()
    expect(page.locator("#rate")).to_have_count(0)  # rated once: the form is gone
    stored = ui.query(
        "SELECT status, satisfaction, satisfaction_comment FROM petitions_petition WHERE id = ?", petition_id
    )
    assert stored == [("rated", "satisfied", "维修及时，满意。")]


def test_office_registers_a_visit_and_the_handling_office_issues_the_opinion(ui: Ui, tmp_path: Path) -> None:
    office = ui.new_page()
    ui.log_in(office, "hb_office", key=ui.seed["office_key"])
    open_menu(office, "Petitions")
    office.get_by_role("link", name="Register a matter").click()
    office.locator("#id_channel").select_option("visit")
    office.locator("#id_summary").fill("承包地被邻村占用")
    office.locator("#id_content").fill("来访人称其位于河东村二组的承包地约两亩被邻村村民占用种植，协商未果。")
    office.locator("#id_place").fill("镇信访接待室")
    office.locator("#id_petitioners-0-name").fill("赵大山")
    office.locator("#id_petitioners-0-phone").fill("13987654321")
    office.locator("#id_petitioners-0-address").fill("河坝镇河东村二组")
    office.get_by_role("button", name="Register", exact=True).click()

    expect(office.locator("[data-query-code]")).to_be_visible()
    number = office.locator("h1").inner_text().split()[0]
    assert NUMBER.match(number), number
    petition_id = int(re.findall(r"/petitions/(\d+)/", office.url)[0])

    accept = office.locator("details[data-action=accept]")
    accept.locator("summary").click()
    accept.get_by_role("button", name="Accept").click()
    expect(office.locator(".messages")).to_contain_text("The matter is accepted.")
    assign = office.locator("details[data-action=assign]")
    assign.locator("summary").click()
    assign.get_by_label("Handling unit code").fill("HB-NY")
    assign.get_by_role("button", name="Assign").click()
    expect(office.locator(".messages")).to_contain_text("The matter is assigned.")
    expect(office.locator("main")).to_contain_text("河坝镇农业农村办")

    handler = ui.new_page()
    ui.log_in(handler, "hb_nongban")
    open_menu(handler, "Petitions")
    handler.get_by_role("link", name=number).click()
    handler.get_by_role("button", name="Start handling").click()
    expect(handler.locator(".messages")).to_contain_text("Handling started.")
    answer = handler.locator("details[data-action=answer]")
    answer.locator("summary").click()
    answer.get_by_label("Request").fill("请求镇政府协调归还被占承包地。")
    answer.get_by_label("Facts found").fill("经村委会核实，赵大山承包地约两亩确被邻村村民占用。")
    answer.get_by_label("Decision").fill("由河东村村委会于30日内协调占用人退还土地。")
    answer.get_by_label("Legal basis").fill("《中华人民共和国农村土地承包法》第五十七条。")
    answer.get_by_role("button", name="Issue the handling opinion").click()
    expect(handler.locator(".messages")).to_contain_text("The handling opinion is issued.")
    handler.get_by_role("button", name="Generate: Handling opinion").click()
    expect(handler.locator(".messages")).to_contain_text("The document is generated.")

    with handler.expect_download() as download_info:
        handler.get_by_role("link", name="Handling opinion", exact=True).click()
    download = download_info.value
    assert download.failure() is None
    assert download.suggested_filename == f"{number}-信访事项处理意见书.docx"
    saved = tmp_path / download.suggested_filename
    download.save_as(saved)
    assert saved.stat().st_size > 0
    assert zipfile.is_zipfile(saved)
    text = "\n".join(paragraph.text for paragraph in docx.Document(str(saved)).paragraphs)
    assert "信访事项处理意见书" in text
    assert number in text
    assert "30日内协调占用人退还土地" in text
    assert ui.query("SELECT status, handling_unit_id FROM petitions_petition WHERE id = ?", petition_id) == [
        ("answered", ui.seed["handling_unit"])
    ]


def test_village_reporter_on_a_phone_reports_and_sends_a_zero_report(ui: Ui) -> None:
    page = ui.new_page(phone=True)
    ui.log_in(page, "hd_reporter")
    open_menu(page, "Reports")
    safety, fire = ui.seed["slots"]["safety"], ui.seed["slots"]["fire"]

    page.locator(f"li[data-slot='{safety}']").get_by_role("link", name="Fill in").tap()
    page.get_by_label("检查次数").fill("3")
    page.get_by_label("情况说明").fill("检查了村小学和两家农家乐，未发现隐患。")
    page.get_by_role("button", name="Submit the report").tap()
    expect(page.locator(".messages")).to_contain_text("The report is submitted.")
    expect(page.locator("#history article[data-revision='1']")).to_contain_text("检查了村小学")

    page.get_by_role("navigation", name="Breadcrumb").get_by_role("link", name="Reports").tap()
    card = page.locator(f"li[data-slot='{fire}']")
    card.get_by_role("button", name="Nothing to report").tap()
    expect(page.locator(".messages")).to_contain_text("Zero report submitted")
    expect(page.locator(f"li[data-slot='{fire}']")).to_contain_text("Submitted")
    expect(page.locator(f"li[data-slot='{safety}']")).to_contain_text("Submitted")

    stored = dict(
        ui.query(
            "SELECT slot_id, is_zero FROM reports_reportsubmission WHERE is_current AND slot_id IN (?, ?)",
            safety,
            fire,
        )
    )
    assert stored == {safety: 0, fire: 1}


def test_duty_officer_signs_on_logs_and_hands_over(ui: Ui) -> None:
    page = ui.new_page()
    ui.log_in(page, "hb_duty", key=ui.seed["duty_key"])
    open_menu(page, "Duty")
    shift = ui.seed["shift"]
    mine = page.locator(f"li[data-my-shift='{shift}']")
    expect(mine).to_contain_text("On duty now")
    mine.get_by_role("button", name="Sign on").click()
    expect(page.locator(".messages")).to_contain_text("Signed on at")
    expect(page.locator("#sign-on")).to_contain_text("Signed on")

    log = page.locator("#log-form")
    log.get_by_label("What happened").fill("河东村村民来电反映停水，已通知镇供水站派人检修。")
    log.get_by_label(re.compile("^Open item")).check()
    log.get_by_role("button", name="Add to the log").click()
    expect(page.locator(".messages")).to_contain_text("The entry is added to the duty log.")
    expect(page.locator("#open")).to_contain_text("已通知镇供水站")

    handover = page.locator("#handover")
    handover.get_by_label("Handover notes").fill("停水一事供水站正在检修，下一班请跟进回访。")
    handover.get_by_role("button", name="Hand over").click()
    expect(page.locator(".messages")).to_contain_text("1 open item carried to the next shift")
    expect(page.locator("#handover")).to_contain_text("下一班请跟进回访")
    rows = ui.query(
        "SELECT h.summary, (SELECT count(*) FROM duty_handover_carried c WHERE c.handover_id = h.id) "
        "FROM duty_handover h WHERE h.shift_id = ?",
        shift,
    )
    assert rows == [("停水一事供水站正在检修，下一班请跟进回访。", 1)]
    assert ui.query("SELECT count(*) FROM duty_signon WHERE shift_id = ?", shift) == [(1,)]


def tab_to(page: Page, selector: str, *, limit: int = 40) -> None:
    """Press Tab until the element matching ``selector`` has the focus (as a keyboard user does)."""
    for _ in range(limit):
        if page.evaluate(
            "s => document.activeElement !== null && document.activeElement.matches(s)", selector
        ):
            return
        page.keyboard.press("Tab")
    raise AssertionError(f"{selector} never got the focus after {limit} Tab presses")


def test_keyboard_only_first_login(ui: Ui) -> None:
    """No mouse: password, two-factor enrolment, backup codes and the forced password change."""
    page = ui.new_page()
    page.goto("/accounts/login/")
    expect(page.locator("#id_username")).to_be_focused()  # the login form starts where the typing does
    page.keyboard.type("hb_newleader")
    page.keyboard.press("Tab")
    expect(page.locator("#id_password")).to_be_focused()
    page.keyboard.type(ui.seed["password"])
    page.keyboard.press("Enter")

    # The role needs two-factor sign-in and there is no authenticator yet: enrol one.
    expect(page).to_have_url(re.compile(r"/accounts/otp/setup/"))
    secret = page.locator("[data-otp-secret]").inner_text().replace(" ", "")
    key_hex = base64.b32decode(secret).hex()
    tab_to(page, "#id_code")
    page.keyboard.type(ui.code(key_hex))
    page.keyboard.press("Enter")

    expect(page.locator("[data-backup-code]")).to_have_count(10)
    tab_to(page, "main a.btn-primary")
    page.keyboard.press("Enter")

    # The password was set by someone else: choose one's own before anything else.
    expect(page).to_have_url(re.compile(r"/accounts/password/"))
    expect(page.locator("#id_old_password")).to_be_focused()
    chosen = "Zhou-xin-Keyboard-2026"
    page.keyboard.type(ui.seed["password"])
    page.keyboard.press("Tab")
    expect(page.locator("#id_new_password1")).to_be_focused()
    page.keyboard.type(chosen)
    tab_to(page, "#id_new_password2")
    page.keyboard.type(chosen)
    page.keyboard.press("Enter")

    expect(page).to_have_url(re.compile(r"/accounts/password/done/"))
    tab_to(page, "main a.btn-primary")
    page.keyboard.press("Enter")
    expect(page).to_have_url(f"{ui.live.url}/")
    expect(page.locator(".account-who")).to_contain_text("周新")
    assert ui.query(
        "SELECT u.must_change_password, (SELECT count(*) FROM otp_totp_totpdevice d "
        "WHERE d.user_id = u.id AND d.confirmed) FROM core_user u WHERE u.username = 'hb_newleader'"
    ) == [(0, 1)]
