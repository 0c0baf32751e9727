"""Logout in the SPA, both styles: the real GUI's user-name dropdown (hover; the menu rendered by antd at
the end of <body>) and the plain visible link (switch logout_style=link). Both send GET
/cgi?action=logout&user=U, end the session on the box and go to /login."""
from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from fixtures.procs import BoxProcess


def _login(page: Page, box: BoxProcess, user: str) -> None:
    page.goto(box.url + "/login")
    page.get_by_placeholder("Please enter the username").fill(user)
    page.get_by_placeholder("Please enter the password").fill(box.password(user))
    page.get_by_role("button", name="Login").click()
    expect(page).not_to_have_url(re.compile(r"/login$"))
    assert box.sessions_left() == {user: 1}


def _is_logout(request, user: str) -> bool:
    return request.method == "GET" and "/cgi?" in request.url and "action=logout" in request.url \
        and f"user={user}" in request.url


def test_dropdown_logout_shows_on_hover_only(page: Page, box: BoxProcess):
    _login(page, box, "admin")
    banner = page.locator(".app-header-user-banner")
    expect(banner).to_contain_text("admin")
    logout = page.get_by_role("menuitem", name="Logout")
    expect(logout).to_have_count(0)  # nothing to click before the pointer is over the banner
    expect(page.get_by_role("link", name="Logout")).to_have_count(0)
    banner.hover()
    expect(logout).to_be_visible()
    # rendered at the end of <body>, not inside the header
    expect(page.locator(".app-header").get_by_text("Logout")).to_have_count(0)
    expect(page.locator("body > div .ant-dropdown").get_by_text("Logout")).to_be_visible()
    page.mouse.move(5, 400)  # pointer away: the menu closes
    expect(logout).to_be_hidden()
    banner.hover()
    with page.expect_request(lambda r: _is_logout(r, "admin")) as req:
        logout.click()
    assert req.value.response().json()["status"] == 0
    expect(page).to_have_url(re.compile(r"/login$"))
    box.assert_no_sessions()


def test_link_logout_is_visible(page: Page, box: BoxProcess):
    box.control(logout_style="link")
    _login(page, box, "1001")
    expect(page.locator(".app-header-user-banner")).to_have_count(0)
    link = page.get_by_role("link", name="Logout")
    expect(link).to_be_visible()
    with page.expect_request(lambda r: _is_logout(r, "1001")) as req:
        link.click()
    assert req.value.response().json()["status"] == 0
    expect(page).to_have_url(re.compile(r"/login$"))
    box.assert_no_sessions()
