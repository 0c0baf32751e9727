"""Token endpoint of the fake Zoho: grants, errors (all HTTP 200), limits, revoke."""

from __future__ import annotations

import json
import re

import requests

from zohofake_helpers import ALL_SCOPES, EU_ID, EU_SECRET, MULTI_ID, MULTI_SECRET, TOKEN_CT, US_ID, US_SECRET

TOKEN_RE = re.compile(r"^1000\.[0-9a-f]{32}\.[0-9a-f]{32}$")
THROTTLE = {
    "error_description": "You have made too many requests continuously. Please try again after some time.",
    "error": "Access Denied",
    "status": "failure",
}


def assert_error(r, error):
    assert r.status_code == 200, r.text
    assert r.headers["Content-Type"] == TOKEN_CT
    assert r.json() == {"error": error}


def test_self_client_exchange_success(zoho, api):
    code = zoho.grant(US_ID, "alice@example.com", ALL_SCOPES)
    assert TOKEN_RE.match(code)
    r = api.exchange(code)
    assert r.status_code == 200
    assert r.headers["Content-Type"] == TOKEN_CT
    assert r.headers["Server"] == "ZGS"
    body = r.json()
    assert set(body) == {"access_token", "refresh_token", "scope", "api_domain", "token_type", "expires_in"}
    assert TOKEN_RE.match(body["access_token"]) and TOKEN_RE.match(body["refresh_token"])
    assert body["api_domain"] == f"{zoho.url}/apis/us"
    assert body["token_type"] == "Bearer"
    assert body["expires_in"] == 3600
    assert body["scope"] == "ZohoCRM.modules.ALL ZohoCRM.settings.ALL ZohoCRM.users.ALL"
    # the call log records which parameters came in the body, and no secret
    st = zoho.state()
    call = [c for c in st["calls"] if c["endpoint"] == "token"][-1]
    assert call["result"] == "ok" and call["grant_type"] == "authorization_code"
    assert "client_secret" in call["body_keys"] and call["query_keys"] == []
    dump = json.dumps(st["calls"])
    for secret in (US_SECRET, code, body["access_token"], body["refresh_token"]):
        assert secret not in dump


def test_code_single_use(zoho, api):
    code = zoho.grant(US_ID, "alice@example.com", ALL_SCOPES)
    assert "access_token" in api.exchange(code).json()
    assert_error(api.exchange(code), "invalid_code")


def test_code_expiry_follows_fake_clock(zoho, api):
    early = zoho.grant(US_ID, "alice@example.com", ALL_SCOPES, ttl_seconds=180)
    late = zoho.grant(US_ID, "alice@example.com", ALL_SCOPES, ttl_seconds=180)
    zoho.clock(170)
    assert "access_token" in api.exchange(early).json()
    zoho.clock(15)
    assert_error(api.exchange(late), "invalid_code")


def test_unknown_code_and_missing_code(zoho, api):
    assert_error(api.exchange("1000." + "0" * 32 + "." + "0" * 32), "invalid_code")
    assert_error(api.token(grant_type="authorization_code", client_id=US_ID, client_secret=US_SECRET), "invalid_code")


def test_wrong_dc_is_invalid_client(zoho, api):
    code = zoho.grant(US_ID, "alice@example.com", ALL_SCOPES, dc="us")
    assert_error(api.exchange(code, dc="eu"), "invalid_client")
    # the code survives the wrong-DC attempt and works at the right DC
    assert "refresh_token" in api.exchange(code, dc="us").json()
    # and the EU client's code is no good at the US accounts server either
    eu_code = zoho.grant(EU_ID, "alice@example.com", ALL_SCOPES, dc="eu")
    assert_error(api.exchange(eu_code, dc="us", client_id=EU_ID, secret=EU_SECRET), "invalid_client")
    body = api.exchange(eu_code, dc="eu", client_id=EU_ID, secret=EU_SECRET).json()
    assert body["api_domain"] == f"{zoho.url}/apis/eu"


def test_multi_dc_client_code_of_other_dc_is_invalid_code(zoho, api):
    code = zoho.grant(MULTI_ID, "alice@example.com", ALL_SCOPES, dc="eu")
    assert_error(api.exchange(code, dc="us", client_id=MULTI_ID, secret=MULTI_SECRET), "invalid_code")
    body = api.exchange(code, dc="eu", client_id=MULTI_ID, secret=MULTI_SECRET).json()
    assert body["api_domain"].endswith("/apis/eu")
    # its refresh token lives in EU only
    assert_error(api.refresh(body["refresh_token"], dc="us", client_id=MULTI_ID, secret=MULTI_SECRET), "invalid_code")
    assert "access_token" in api.refresh(body["refresh_token"], dc="eu", client_id=MULTI_ID, secret=MULTI_SECRET).json()


def test_client_errors(zoho, api):
    code = zoho.grant(US_ID, "alice@example.com", ALL_SCOPES)
    assert_error(api.exchange(code, client_id="1000.NOSUCHCLIENT"), "invalid_client")
    assert_error(api.exchange(code, secret="wrong"), "invalid_client_secret")
    assert_error(api.token(grant_type="authorization_code", client_id=US_ID, code=code), "invalid_client_secret")
    # none of that used the code up
    assert "access_token" in api.exchange(code).json()


def test_self_client_redirect_uri_optional_but_checked(zoho, api):
    code = zoho.grant(US_ID, "alice@example.com", ALL_SCOPES)
    assert_error(api.exchange(code, redirect_uri="https://evil.example/cb"), "invalid_redirect_uri")
    assert_error(api.exchange(code, redirect_uri="http://127.0.0.1/callback/"), "invalid_redirect_uri")
    assert "access_token" in api.exchange(code, redirect_uri="https://www.grandstream.com/oauth2callback").json()
    # a loopback URI registered without a port accepts any port (RFC 8252)
    code2 = zoho.grant(US_ID, "alice@example.com", ALL_SCOPES)
    assert "access_token" in api.exchange(code2, redirect_uri="http://127.0.0.1:53177/callback").json()
    code3 = zoho.grant(US_ID, "alice@example.com", ALL_SCOPES)
    zoho.settings(loopback_any_port=False)
    assert_error(api.exchange(code3, redirect_uri="http://127.0.0.1:53177/callback"), "invalid_redirect_uri")


def test_unsupported_grant_type(zoho, api):
    assert_error(api.token(client_id=US_ID, client_secret=US_SECRET), "unsupported_grant_type")
    assert_error(api.token(grant_type="password", client_id=US_ID, client_secret=US_SECRET), "unsupported_grant_type")


def test_get_on_token_url_is_refused(zoho, api):
    r = requests.get(zoho.token_url("us"), timeout=10)
    assert r.status_code == 405


def test_query_string_params_and_merge(zoho, api):
    code = zoho.grant(US_ID, "alice@example.com", ALL_SCOPES)
    # SDK2 style: everything in the query string, no form body
    r = api.s.post(zoho.token_url("us"), params={"grant_type": "authorization_code", "client_id": US_ID,
                                                  "client_secret": US_SECRET, "code": code}, timeout=10)
    rt = r.json()["refresh_token"]
    # merged: part in the query, part in the body
    r = api.token(_query={"grant_type": "refresh_token", "refresh_token": rt}, client_id=US_ID, client_secret=US_SECRET)
    assert "access_token" in r.json()
    # the body wins over the query string
    r = api.token(_query={"client_secret": "wrong"}, grant_type="refresh_token", client_id=US_ID,
                  client_secret=US_SECRET, refresh_token=rt)
    assert "access_token" in r.json()
    calls = [c for c in zoho.state()["calls"] if c["endpoint"] == "token"]
    assert calls[0]["query_keys"] == ["client_id", "client_secret", "code", "grant_type"]
    assert calls[0]["body_keys"] == []


def test_multipart_form_body(zoho, api):
    code = zoho.grant(US_ID, "alice@example.com", ALL_SCOPES)
    fields = {"grant_type": "authorization_code", "client_id": US_ID, "client_secret": US_SECRET, "code": code}
    r = api.s.post(zoho.token_url("us"), files={k: (None, v) for k, v in fields.items()}, timeout=10)
    assert "refresh_token" in r.json(), r.text


def test_refresh_grant(zoho, api):
    tok = api.new_tokens()
    r = api.refresh(tok["refresh_token"])
    assert r.status_code == 200 and r.headers["Content-Type"] == TOKEN_CT
    body = r.json()
    assert set(body) == {"access_token", "scope", "api_domain", "token_type", "expires_in"}
    assert body["access_token"] != tok["access_token"]
    assert body["expires_in"] == 3600 and body["token_type"] == "Bearer"
    # both access tokens stay valid: a refresh issues a new one, it does not replace the old
    assert api.current_user(tok["access_token"]).status_code == 200
    assert api.current_user(body["access_token"]).status_code == 200
    info = zoho.token_info(tok["refresh_token"])
    assert info["refresh_count"] == 1 and info["status"] == "active" and info["active_access_tokens"] == 2
    # wrong client or secret on refresh
    assert_error(api.refresh(tok["refresh_token"], secret="nope"), "invalid_client_secret")
    assert_error(api.refresh(tok["refresh_token"], client_id=EU_ID, secret=EU_SECRET), "invalid_client")
    assert_error(api.refresh("1000." + "1" * 32 + "." + "2" * 32), "invalid_code")


def test_legacy_expiry_setting(zoho, api):
    zoho.settings(legacy_expiry=True)
    tok = api.new_tokens()
    assert tok["expires_in_sec"] == 3600 and tok["expires_in"] == 3600000
    body = api.refresh(tok["refresh_token"]).json()
    assert body["expires_in_sec"] == 3600 and body["expires_in"] == 3600000
    assert "refresh_token" not in body


def test_legacy_expiry_flag():
    from fixtures.zohoproc import start_zoho

    with start_zoho(legacy_expiry=True, throttle_status=400) as z:
        code = z.grant(US_ID, "bob@example.com", "ZohoCRM.users.READ")
        body = requests.post(z.token_url("us"), data={"grant_type": "authorization_code", "client_id": US_ID,
                                                      "client_secret": US_SECRET, "code": code}, timeout=10).json()
        assert body["expires_in_sec"] == 3600 and body["expires_in"] == 3600000
        assert z.state()["settings"]["throttle_status"] == 400


def test_throttle_after_ten_refreshes(zoho, api):
    rt = zoho.refresh_token(US_ID, "alice@example.com", ALL_SCOPES)
    for _ in range(10):
        assert "access_token" in api.refresh(rt).json()
    r = api.refresh(rt)  # the 11th
    assert r.status_code == 200
    assert r.headers["Content-Type"] == TOKEN_CT
    assert r.json() == THROTTLE
    # retrying inside the window keeps failing (and does not reset anything)
    zoho.clock(300)
    assert api.refresh(rt).json() == THROTTLE
    info = zoho.token_info(rt)
    assert info["refresh_count"] == 10 and info["refresh_attempts"] == 12 and info["throttled"] == 2
    # another refresh token of the same user is not throttled
    rt2 = zoho.refresh_token(US_ID, "alice@example.com", ALL_SCOPES)
    assert "access_token" in api.refresh(rt2).json()
    # 600 s after the last attempt the window is clean again
    zoho.clock(600)
    assert "access_token" in api.refresh(rt).json()


def test_throttle_status_400(zoho, api):
    zoho.settings(throttle_status=400)
    rt = zoho.refresh_token(US_ID, "alice@example.com", ALL_SCOPES)
    for _ in range(10):
        api.refresh(rt)
    r = api.refresh(rt)
    assert r.status_code == 400 and r.json() == THROTTLE


def test_sliding_window_without_denied_counting(zoho, api):
    zoho.settings(throttle_count_denied=False)
    rt = zoho.refresh_token(US_ID, "alice@example.com", ALL_SCOPES)
    for _ in range(5):
        api.refresh(rt)
    zoho.clock(300)
    for _ in range(5):
        api.refresh(rt)
    assert api.refresh(rt).json() == THROTTLE
    zoho.clock(301)  # the first five slide out
    for _ in range(5):
        assert "access_token" in api.refresh(rt).json()
    assert api.refresh(rt).json() == THROTTLE


def test_sixteenth_access_token_evicts_oldest(zoho, api):
    tok = api.new_tokens()
    ats = [tok["access_token"]]
    for _ in range(10):
        ats.append(api.refresh(tok["refresh_token"]).json()["access_token"])
    zoho.clock(601)
    for _ in range(5):
        ats.append(api.refresh(tok["refresh_token"]).json()["access_token"])
    assert len(ats) == 16
    assert api.current_user(ats[0]).json()["code"] == "INVALID_TOKEN"
    assert all(api.current_user(a).status_code == 200 for a in ats[1:])
    assert zoho.token_info(tok["refresh_token"])["active_access_tokens"] == 15


def test_twenty_first_refresh_token_evicts_oldest(zoho, api):
    first = api.new_tokens(email="bob@example.com")
    rts = [first["refresh_token"]]
    for _ in range(18):
        rts.append(zoho.refresh_token(US_ID, "bob@example.com", ALL_SCOPES))
    # other users and other clients do not count toward bob's 20
    zoho.refresh_token(US_ID, "alice@example.com", ALL_SCOPES)
    rts.append(api.new_tokens(email="bob@example.com")["refresh_token"])  # the 20th
    assert "access_token" in api.refresh(rts[0]).json()
    assert all(i["status"] == "active" for i in zoho.state()["refresh_tokens"] if i["email"] == "bob@example.com")
    twenty_first = api.new_tokens(email="bob@example.com")  # silently deletes the oldest
    assert_error(api.refresh(rts[0]), "invalid_code")
    assert api.current_user(first["access_token"]).json()["code"] == "INVALID_TOKEN"
    assert "access_token" in api.refresh(rts[1]).json()
    assert "access_token" in api.refresh(twenty_first["refresh_token"]).json()
    assert zoho.token_info(rts[0])["status"] == "evicted"
    bob = [i for i in zoho.state()["refresh_tokens"] if i["email"] == "bob@example.com"]
    assert sum(i["status"] == "active" for i in bob) == 20


def test_revoke(zoho, api):
    tok = api.new_tokens()
    at2 = api.refresh(tok["refresh_token"]).json()["access_token"]
    r = api.revoke(tok["refresh_token"])
    assert r.status_code == 200 and r.json() == {"status": "success"}
    assert_error(api.refresh(tok["refresh_token"]), "invalid_code")
    for at in (tok["access_token"], at2):
        assert api.current_user(at).json()["code"] == "INVALID_TOKEN"
    assert zoho.token_info(tok["refresh_token"])["status"] == "revoked"
    # a second revoke of the same token, and an unknown token: 400
    r = api.revoke(tok["refresh_token"])
    assert r.status_code == 400 and r.json() == {"status": "failure", "error": "invalid_token"}
    r = api.revoke("1000.nosuchtoken", in_query=True)
    assert r.status_code == 400 and r.json() == {"status": "failure", "error": "invalid_token"}


def test_revoke_in_query_and_access_token(zoho, api):
    tok = api.new_tokens()
    r = api.revoke(tok["access_token"], in_query=True)
    assert r.status_code == 200 and r.json() == {"status": "success"}
    assert api.current_user(tok["access_token"]).json()["code"] == "INVALID_TOKEN"
    # the refresh token is untouched
    at = api.refresh(tok["refresh_token"]).json()["access_token"]
    assert api.current_user(at).status_code == 200
    # revoke at another DC does not find it
    assert api.revoke(tok["refresh_token"], dc="eu").status_code == 400
    assert api.revoke(tok["refresh_token"], dc="us", in_query=True).json() == {"status": "success"}


def test_serverinfo(zoho, api):
    r = requests.get(zoho.accounts_url("us") + "/oauth/serverinfo", timeout=10)
    body = r.json()
    assert body["result"] == "success"
    assert body["locations"]["eu"] == f"{zoho.url}/accounts/eu"
    assert set(body["locations"]) == {"us", "eu", "in", "au", "jp", "ca", "sa", "uk"}


def test_concurrent_refreshes_are_counted_exactly(zoho, api):
    from concurrent.futures import ThreadPoolExecutor

    rt = zoho.refresh_token(US_ID, "alice@example.com", ALL_SCOPES)

    def one(_):
        with requests.Session() as s:
            return s.post(zoho.token_url("us"), data={"grant_type": "refresh_token", "client_id": US_ID,
                                                      "client_secret": US_SECRET, "refresh_token": rt},
                          timeout=10).json()

    with ThreadPoolExecutor(8) as ex:
        results = list(ex.map(one, range(16)))
    assert sum("access_token" in r for r in results) == 10
    assert sum(r == THROTTLE for r in results) == 6
    info = zoho.token_info(rt)
    assert info["refresh_count"] == 10 and info["refresh_attempts"] == 16
