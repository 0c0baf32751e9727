"""/oauth/v2/auth driven without a browser: error pages, auto consent, redirect-flow codes."""

from __future__ import annotations

from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
import requests

from zohofake_helpers import ALL_SCOPES, MULTI_ID, MULTI_SECRET, US_ID

CB = "http://127.0.0.1:48123/callback"


def auth(zoho, dc="us", **params):
    q = {"client_id": US_ID, "response_type": "code", "scope": ALL_SCOPES, "redirect_uri": CB,
         "access_type": "offline", **params}
    q = {k: v for k, v in q.items() if v is not None}
    return requests.get(zoho.auth_url(dc) + "?" + urlencode(q), allow_redirects=False, timeout=10)


def redirect_query(r) -> dict:
    assert r.status_code == 302, r.text
    loc = r.headers["Location"]
    assert loc.startswith(CB + "?"), loc
    return {k: v[0] for k, v in parse_qs(urlsplit(loc).query, keep_blank_values=True).items()}


@pytest.mark.parametrize("params,error", [
    ({"client_id": "1000.NOSUCH"}, "invalid_client"),
    ({"client_id": None}, "invalid_client"),
    ({"redirect_uri": "https://evil.example/callback"}, "invalid_redirect_uri"),
    ({"redirect_uri": "http://127.0.0.1:48123/callback/"}, "invalid_redirect_uri"),
    ({"redirect_uri": None}, "invalid_redirect_uri"),
    ({"response_type": "token"}, "invalid_response_type"),
    ({"scope": None}, "invalid_scope"),
    ({"scope": "ZohoCRM.users.ALL ZohoCRM.org.READ"}, "invalid_scope"),
])
def test_auth_errors_are_pages_not_redirects(zoho, params, error):
    zoho.settings(consent="accept")  # even with auto consent, no redirect
    r = auth(zoho, **params)
    assert r.status_code == 200
    assert "Location" not in r.headers
    assert r.headers["Content-Type"].startswith("text/html")
    assert f'data-error="{error}"' in r.text


def test_auth_client_of_other_dc_is_invalid_client(zoho):
    r = auth(zoho, dc="eu")  # 1000.DEMOCLIENTUS lives in us only
    assert r.status_code == 200 and 'data-error="invalid_client"' in r.text


def test_consent_page_lists_scopes_and_users(zoho):
    r = auth(zoho, scope="ZohoCRM.users.READ,ZohoCRM.org.READ")
    assert r.status_code == 200
    assert "ZohoCRM.users.READ" in r.text and "ZohoCRM.org.READ" in r.text
    assert '<select id="user" name="user">' in r.text and "bob@example.com" in r.text
    assert ">Accept</button>" in r.text and ">Reject</button>" in r.text
    assert "erika@example.eu" not in r.text  # only this DC's users for a single-DC client


def test_auto_accept_and_exchange(zoho, api):
    zoho.settings(consent="accept", consent_user="bob@example.com")
    q = redirect_query(auth(zoho, state="s t&a=1"))
    assert q["location"] == "us"
    assert q["accounts-server"] == f"{zoho.url}/accounts/us"
    assert q["state"] == "s t&a=1"
    # accounts-server arrives URL-encoded
    r = auth(zoho, state="x")
    assert "accounts-server=http%3A%2F%2F127.0.0.1" in r.headers["Location"]
    code = q["code"]
    # the exchange must name the same redirect_uri
    r = api.exchange(code)
    assert r.status_code == 200 and r.json() == {"error": "invalid_redirect_uri"}
    assert api.exchange(code, redirect_uri="http://127.0.0.1/callback").json() == {"error": "invalid_redirect_uri"}
    body = api.exchange(code, redirect_uri=CB).json()
    assert "refresh_token" in body and body["api_domain"] == f"{zoho.url}/apis/us"
    assert api.current_user(body["access_token"]).json()["users"][0]["email"] == "bob@example.com"
    assert api.exchange(code, redirect_uri=CB).json() == {"error": "invalid_code"}


def test_auto_reject(zoho):
    zoho.settings(consent="reject")
    q = redirect_query(auth(zoho, state="abc"))
    assert q == {"error": "access_denied", "state": "abc"}
    q = redirect_query(auth(zoho))
    assert q == {"error": "access_denied"}


def test_redirect_code_lives_120_seconds(zoho, api):
    zoho.settings(consent="accept")
    c1 = redirect_query(auth(zoho))["code"]
    c2 = redirect_query(auth(zoho))["code"]
    zoho.clock(115)
    assert "access_token" in api.exchange(c1, redirect_uri=CB).json()
    zoho.clock(10)
    assert api.exchange(c2, redirect_uri=CB).json() == {"error": "invalid_code"}


def test_online_access_gives_no_refresh_token(zoho, api):
    zoho.settings(consent="accept")
    code = redirect_query(auth(zoho, access_type=None))["code"]
    body = api.exchange(code, redirect_uri=CB).json()
    assert "access_token" in body and "refresh_token" not in body


def test_refresh_token_only_on_first_offline_consent(zoho, api):
    zoho.settings(consent="accept", consent_user="carol@example.com")
    first = api.exchange(redirect_query(auth(zoho))["code"], redirect_uri=CB).json()
    assert "refresh_token" in first
    again = api.exchange(redirect_query(auth(zoho))["code"], redirect_uri=CB).json()
    assert "access_token" in again and "refresh_token" not in again
    forced = api.exchange(redirect_query(auth(zoho, prompt="consent"))["code"], redirect_uri=CB).json()
    assert "refresh_token" in forced and forced["refresh_token"] != first["refresh_token"]


def test_grant_code_quota_per_client(zoho):
    zoho.settings(consent="accept")
    for _ in range(10):
        assert "code" in redirect_query(auth(zoho))
    assert redirect_query(auth(zoho, state="q")) == {"error": "access_denied", "state": "q"}
    zoho.clock(601)
    assert "code" in redirect_query(auth(zoho))


def test_multi_dc_client_redirect_names_users_dc(zoho, api):
    zoho.settings(consent="accept", consent_user="erika@example.eu")
    q = redirect_query(auth(zoho, dc="us", client_id=MULTI_ID))
    assert q["location"] == "eu" and q["accounts-server"] == f"{zoho.url}/accounts/eu"
    # exchanging at the server the user started from fails; at accounts-server it works
    r = api.exchange(q["code"], dc="us", client_id=MULTI_ID, secret=MULTI_SECRET, redirect_uri=CB)
    assert r.json() == {"error": "invalid_code"}
    body = api.exchange(q["code"], dc="eu", client_id=MULTI_ID, secret=MULTI_SECRET, redirect_uri=CB).json()
    assert body["api_domain"] == f"{zoho.url}/apis/eu"


def test_consent_form_post_without_browser(zoho, api):
    r = auth(zoho, state="zz")
    txn = r.text.split('name="txn" value="')[1].split('"')[0]
    form_url = zoho.accounts_url("us") + "/oauth/v2/auth/consent"
    r = requests.post(form_url, data={"txn": txn, "user": "dave@example.com", "decision": "accept"},
                      allow_redirects=False, timeout=10)
    q = redirect_query(r)
    assert q["state"] == "zz" and q["location"] == "us"
    # the consent transaction is single use
    r = requests.post(form_url, data={"txn": txn, "user": "dave@example.com", "decision": "accept"},
                      allow_redirects=False, timeout=10)
    assert r.status_code == 200 and 'data-error="session_expired"' in r.text
    body = api.exchange(q["code"], redirect_uri=CB).json()
    assert api.current_user(body["access_token"]).json()["users"][0]["email"] == "dave@example.com"
    assert zoho.token_info(body["refresh_token"])["origin"] == "redirect"
