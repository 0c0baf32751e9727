"""The SPA as a person meets it: log in as admin and as an extension user, click through menus.

Uses pytest-playwright's `page` (browser and TLS settings come from tests/conftest.py).
"""
from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from fixtures.procs import BoxProcess


def _login(page: Page, box: BoxProcess, user: str) -> None:
    page.goto(box.url + "/")
    expect(page).to_have_url(re.compile(r"/login$"))
    expect(page).to_have_title("UCM6302 Configuration | Login")
    page.get_by_placeholder("Please enter the username").fill(user)
    page.get_by_placeholder("Please enter the password").fill(box.password(user))
    with page.expect_response(lambda r: "/cgi" in r.url and "action=login" in (r.request.post_data or "")) as resp:
        page.get_by_role("button", name="Login").click()
    assert resp.value.json()["status"] == 0


def test_admin_logs_in_and_opens_crm_from_the_menu(page: Page, box: BoxProcess):
    _login(page, box, "admin")
    expect(page).to_have_url(re.compile(r"/system-status/dashboard$"))
    page.get_by_role("menuitem", name="Value-added Features").click()
    page.get_by_role("menuitem", name="CRM", exact=True).click()
    expect(page).to_have_url(re.compile(r"/value-added-features/crm$"))
    expect(page.get_by_text("CRM System", exact=True)).to_be_visible()
    # antd Select: a custom combobox whose options render in a dropdown at the end of <body>
    page.locator(".ant-form-item", has_text="CRM System").get_by_role("combobox").click(force=True)
    # antd's visible options carry their text as a title (its role=option nodes are a hidden a11y list)
    dropdown = page.locator(".ant-select-dropdown:visible")
    expect(dropdown.get_by_title("Zoho CRM (v2 API)", exact=True)).to_have_count(1)
    expect(dropdown.get_by_title("Zoho CRM", exact=True)).to_have_count(1)
    page.keyboard.press("Escape")
    page.locator(".app-header-user-banner").hover()  # Logout is in the user-name dropdown
    page.get_by_role("menuitem", name="Logout").click()
    expect(page).to_have_url(re.compile(r"/login$"))
    box.assert_no_sessions()


def test_user_logs_in_and_sees_crm_user_settings(page: Page, box: BoxProcess):
    box.control(set_admin_crm={"crm_module": "zohov2", "crm_addr": "zoho.eu", "number_add": "contacts",
                               "first_search": "contacts", "second_search": "", "third_search": ""}, apply=True)
    _login(page, box, "1001")
    expect(page).to_have_url(re.compile(r"/user-basic-information/userInformation$"))
    page.get_by_role("menuitem", name="Value-added Features").click()
    page.get_by_role("menuitem", name="CRM User Settings").click()
    for label in ("Enable CRM", "Client ID", "Client Secret", "Refresh Token", "Login Status"):
        expect(page.get_by_text(label, exact=True)).to_be_visible()
    expect(page.get_by_label("Client ID")).to_be_disabled()
    page.get_by_label("Enable CRM").check()
    expect(page.get_by_label("Client ID")).to_be_enabled()
    # a user never sees the admin pages
    page.goto(box.url + "/value-added-features/crm")
    expect(page).to_have_url(re.compile(r"/user-basic-information/userInformation$"))


def test_user_page_copes_with_every_no_record_shape(page: Page, box: BoxProcess):
    box.control(set_admin_crm={"crm_module": "zohov2", "crm_addr": "zoho.eu", "number_add": "contacts",
                               "first_search": "contacts", "second_search": "", "third_search": ""}, apply=True)
    _login(page, box, "1001")
    for shape in ("empty_dict", "missing", "empty_list"):
        box.control(no_record_shape=shape, set_user_crm={"1001": None}, apply=True)
        with page.expect_response(lambda r: "getCRMUserSettings" in (r.request.post_data or "")) as got:
            page.goto(box.url + "/user-value-added-features/userCrmUserSettings")
        assert got.value.json()["response"].get("extension", "missing") == \
            {"empty_dict": {}, "missing": "missing", "empty_list": []}[shape]
        expect(page.locator(".ant-spin-spinning")).to_have_count(0)  # both reads shown: the form is filled
        expect(page.get_by_label("Enable CRM")).not_to_be_checked()
        page.get_by_label("Enable CRM").check()
        for label, value in (("Client ID", "1000.ID"), ("Client Secret", "sec"), ("Refresh Token", "1000.rt")):
            page.get_by_label(label).fill(value)
        # the page reads the record again after its save: wait for that too, so that the next round's
        # wait cannot catch it
        with page.expect_response(lambda r: "getCRMUserSettings" in (r.request.post_data or "")):
            with page.expect_response(lambda r: "CRMUserSettings" in (r.request.post_data or "")
                                      and "enable_crm" in (r.request.post_data or "")) as saved:
                page.get_by_role("button", name="Save").click()
        assert "action=addCRMUserSettings" in saved.value.request.post_data, shape  # empty = no record yet
        assert saved.value.json()["status"] == 0
        assert box.state()["users"]["1001"]["crm"]["saved"]["client_id"] == "1000.ID"
