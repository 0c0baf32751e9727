"""The consent page in headless Chromium: Accept, Reject, and a bad redirect_uri."""

from __future__ import annotations

from urllib.parse import parse_qs, urlencode, urlsplit

import pytest

from zohofake_helpers import US_ID

CHROMIUM = "/usr/bin/chromium-headless-shell"


@pytest.fixture
def zbrowser(browser):
    # pytest-playwright's session browser: a second sync Playwright cannot start beside it
    return browser


@pytest.fixture
def zpage(zbrowser):
    ctx = zbrowser.new_context()
    pg = ctx.new_page()
    pg.set_default_timeout(10_000)
    yield pg
    ctx.close()


def auth_url(zoho, redirect_uri, **extra):
    q = {"scope": "ZohoCRM.users.ALL,ZohoCRM.modules.ALL", "client_id": US_ID, "response_type": "code",
         "access_type": "offline", "redirect_uri": redirect_uri, **extra}
    return zoho.auth_url("us") + "?" + urlencode(q)


def test_accept_in_browser(zoho, api, zpage, listener):
    zpage.goto(auth_url(zoho, listener.callback, state="st-42", prompt="consent"))
    assert zpage.locator("#scopes li").all_inner_texts() == ["ZohoCRM.users.ALL", "ZohoCRM.modules.ALL"]
    assert "1000.DEMOCLIENTUS" in zpage.inner_text("#client-id")
    zpage.select_option("#user", "bob@example.com")
    zpage.get_by_role("button", name="Accept").click()
    hit = listener.wait(10)
    zpage.wait_for_url(listener.callback + "?*")
    q = {k: v[0] for k, v in parse_qs(urlsplit(hit).query).items()}
    assert urlsplit(hit).path == "/callback"
    assert q["location"] == "us" and q["accounts-server"] == f"{zoho.url}/accounts/us" and q["state"] == "st-42"
    body = api.exchange(q["code"], redirect_uri=listener.callback).json()
    assert "refresh_token" in body, body
    me = api.current_user(body["access_token"]).json()["users"][0]
    assert me["email"] == "bob@example.com"


def test_reject_in_browser(zoho, zpage, listener):
    zpage.goto(auth_url(zoho, listener.callback, state="nope"))
    zpage.get_by_role("button", name="Reject").click()
    hit = listener.wait(10)
    assert {k: v[0] for k, v in parse_qs(urlsplit(hit).query).items()} == {"error": "access_denied", "state": "nope"}
    assert not [c for c in zoho.state()["codes"]]


def test_bad_redirect_uri_shows_error_page(zoho, zpage, listener):
    bad = f"http://127.0.0.1:{listener.port}/elsewhere"
    resp = zpage.goto(auth_url(zoho, bad))
    assert resp is not None and resp.status == 200
    assert resp.request.redirected_from is None
    assert zpage.url.startswith(zoho.auth_url("us"))
    assert zpage.locator("#oauth-error").get_attribute("data-error") == "invalid_redirect_uri"
    assert "Invalid Redirect Uri" in zpage.inner_text("h1")
    assert zpage.locator("#accept").count() == 0
    assert listener.hits == []
