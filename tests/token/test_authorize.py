"""`ucmauto token authorize` (the authorization path): a headless browser on the fake consent
page, the loopback listener, the pasted redirect, and every way a redirect is refused."""

from __future__ import annotations

import json
from urllib.parse import parse_qs, urlsplit

import requests
from token_helpers import FULL, US

from ucm_automator.errors import ExitCode

LOOPBACK = "http://127.0.0.1:0/callback"  # registered without a port: any loopback port (RFC 8252)


def _start(cli, *extra: str, redirect: str = LOOPBACK, client_id: str = US, timeout: str = "20"):
    run = cli.start("authorize", *cli.dc_args("us", client_id), "--redirect-uri", redirect, "--scopes", FULL,
                    "--no-browser", "--listen-timeout", timeout, *extra, secret=cli.secret(client_id))
    url = run.wait_for_line("/oauth/v2/auth?")
    return run, url, {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}


def _token_calls(zoho) -> list:
    return [c for c in zoho.state()["calls"] if c["endpoint"] == "token"]


def test_browser_accepts_and_the_listener_catches_the_redirect(cli, browser):
    run, url, q = _start(cli, "--name", "1002", "--json")
    assert q["access_type"] == "offline" and q["prompt"] == "consent" and q["response_type"] == "code"
    assert len(q["state"]) >= 20 and q["scope"] == FULL and q["client_id"] == US
    port = urlsplit(q["redirect_uri"]).port
    assert q["redirect_uri"] == f"http://127.0.0.1:{port}/callback" and port  # the real port
    page = browser.new_page()
    try:
        page.goto(url)
        page.select_option("select#user", "bob@example.com")
        page.click("button#accept")
        page.wait_for_selector("text=ucmauto got the code")
    finally:
        page.close()
    r = run.finish()
    assert r.rc == 0, r.err
    doc = json.loads(r.out)
    assert (doc["user"], doc["user_name"], doc["dc"], doc["name"]) == ("bob@example.com", "Bob Baker", "us", "1002")
    (rec,) = cli.stored()
    assert rec["accounts_url"] == cli.zoho.accounts_url("us")
    (call,) = _token_calls(cli.zoho)
    assert call["grant_type"] == "authorization_code" and call["result"] == "ok"
    r.assert_no(rec["refresh_token"], rec["access_token"], cli.secret())


def test_browser_rejects(cli, browser):
    run, url, _ = _start(cli)
    page = browser.new_page()
    try:
        page.goto(url)
        page.click("button#reject")
        page.wait_for_selector("text=access_denied")
    finally:
        page.close()
    r = run.finish()
    assert r.rc == ExitCode.ZOHO_ACCESS_DENIED and "access_denied" in r.last_err
    assert _token_calls(cli.zoho) == [] and not cli.store.exists()


def test_state_mismatch_is_refused(cli):
    run, _, q = _start(cli)
    code = cli.zoho.grant(US, "alice@example.com", FULL)  # a real code, a forged redirect
    requests.get(q["redirect_uri"], params={"code": code, "state": "forged", "location": "us"}, timeout=10)
    r = run.finish()
    assert r.rc == ExitCode.ZOHO_STATE_MISMATCH and "state" in r.last_err
    assert _token_calls(cli.zoho) == []
    r.assert_no(code)


def test_untrusted_accounts_server_is_refused(cli, stubs):
    evil = stubs("html")  # would receive the client secret if we trusted it
    run, _, q = _start(cli)
    requests.get(q["redirect_uri"], params={"code": "1000.abc.def", "state": q["state"], "location": "us",
                                            "accounts-server": evil.url + "/accounts/us"}, timeout=10)
    r = run.finish()
    assert r.rc == ExitCode.ZOHO_UNTRUSTED_SERVER and evil.url in r.last_err
    assert "not a known Zoho accounts host" in r.last_err
    assert _token_calls(cli.zoho) == []


def test_listen_timeout(cli):
    run, _, _ = _start(cli, timeout="1")
    r = run.finish()
    assert r.rc == ExitCode.ZOHO_TIMEOUT and "no redirect from the browser within 1 s" in r.last_err


def test_pasted_redirect_and_multi_dc_exchange_at_the_named_server(cli):
    """A non-loopback redirect URI: the user pastes the URL the browser ended on. The multi-DC
    client is registered in us; an EU user consents, so the code is exchanged in eu."""
    cli.zoho.settings(consent="accept", consent_user="erika@example.eu")
    run, url, q = _start(cli, redirect="https://www.grandstream.com/oauth2callback", client_id="1000.DEMOMULTIDC")
    landed = requests.get(url, allow_redirects=False, timeout=10).headers["Location"]
    assert landed.startswith("https://www.grandstream.com/oauth2callback?code=")
    run.send(landed + "\n")
    r = run.finish()
    assert r.rc == 0, r.err
    assert "Erika Mustermann" in r.out
    (rec,) = cli.stored()
    assert rec["dc"] == "eu" and rec["accounts_url"] == cli.zoho.accounts_url("eu")
    (call,) = _token_calls(cli.zoho)
    assert call["dc"] == "eu"
    r.assert_no(parse_qs(urlsplit(landed).query)["code"][0])


def test_redirect_uri_is_required(cli):
    r = cli.run("authorize", *cli.dc_args(), "--no-browser", secret=cli.secret())
    assert r.rc == ExitCode.BAD_INPUT and "--redirect-uri" in r.last_err
