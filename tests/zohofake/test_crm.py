"""The CRM slice of the fake Zoho: CurrentUser, org, and the 401 bodies."""

from __future__ import annotations

import pytest

from fixtures.zohofake.model import scope_covers
from zohofake_helpers import ALL_SCOPES, EU_ID, EU_SECRET

AUTH_FAILURE = {"code": "AUTHENTICATION_FAILURE", "details": {}, "message": "Authentication failed", "status": "error"}
INVALID_TOKEN = {"code": "INVALID_TOKEN", "details": {}, "message": "invalid oauth token", "status": "error"}
SCOPE_MISMATCH = {"code": "OAUTH_SCOPE_MISMATCH", "details": {}, "message": "invalid oauth scope to access this URL",
                  "status": "error"}


@pytest.mark.parametrize("version", ["v2", "v2.1", "v3", "v8"])
def test_current_user_success(zoho, api, version):
    tok = api.new_tokens(email="bob@example.com")
    r = api.current_user(tok["access_token"], version=version)
    assert r.status_code == 200, r.text
    assert r.headers["Content-Type"].startswith("application/json")
    body = r.json()
    assert body["info"] == {"per_page": 200, "count": 1, "page": 1, "more_records": False}
    (u,) = body["users"]
    assert u["email"] == "bob@example.com" and u["full_name"] == "Bob Baker"
    assert u["first_name"] == "Bob" and u["last_name"] == "Baker"
    assert u["id"] == "4150868000000225021" and u["status"] == "active"
    assert set(u["role"]) == {"name", "id"} and set(u["profile"]) == {"name", "id"}


def test_authentication_failure(zoho, api):
    tok = api.new_tokens()
    for header in (None, f"Bearer {tok['access_token']}", "Zoho-oauthtoken ", tok["access_token"]):
        r = api.crm("/crm/v2/users", header=header, type="CurrentUser") if header is not None \
            else api.crm("/crm/v2/users", type="CurrentUser")
        assert r.status_code == 401, header
        assert r.json() == AUTH_FAILURE


def test_invalid_token(zoho, api):
    r = api.current_user("1000.ffffffffffffffffffffffffffffffff.ffffffffffffffffffffffffffffffff")
    assert r.status_code == 401 and r.json() == INVALID_TOKEN
    tok = api.new_tokens()
    zoho.clock(3599)
    assert api.current_user(tok["access_token"]).status_code == 200
    zoho.clock(2)
    r = api.current_user(tok["access_token"])
    assert r.status_code == 401 and r.json() == INVALID_TOKEN
    # refresh once, retry once: works again
    at = api.refresh(tok["refresh_token"]).json()["access_token"]
    assert api.current_user(at).status_code == 200


def test_token_of_another_dc(zoho, api):
    tok = api.new_tokens(email="alice@example.com", dc="eu", client_id=EU_ID, secret=EU_SECRET)
    assert tok["api_domain"].endswith("/apis/eu")
    assert api.current_user(tok["access_token"], dc="eu").json()["users"][0]["id"] == "20061000000187011"
    r = api.current_user(tok["access_token"], dc="us")
    assert r.status_code == 401 and r.json() == INVALID_TOKEN


def test_scope_mismatch(zoho, api):
    # the scopes of Grandstream's guide: fine for the UCM, but no users scope
    tok = api.new_tokens(scopes="ZohoCRM.modules.leads.ALL,ZohoCRM.modules.deals.ALL,ZohoCRM.settings.ALL")
    r = api.current_user(tok["access_token"])
    assert r.status_code == 401 and r.json() == SCOPE_MISMATCH
    for scopes in ("ZohoCRM.users.CREATE", "ZohoCRM.org.ALL"):
        tok = api.new_tokens(scopes=scopes)
        assert api.current_user(tok["access_token"]).json() == SCOPE_MISMATCH, scopes
    for scopes in ("ZohoCRM.users.READ", "ZohoCRM.users.ALL", "zohocrm.users.all"):
        tok = api.new_tokens(scopes=scopes)
        assert api.current_user(tok["access_token"]).status_code == 200, scopes


def test_org(zoho, api):
    tok = api.new_tokens(scopes="ZohoCRM.org.READ")
    r = api.crm("/crm/v2/org", tok["access_token"])
    assert r.status_code == 200
    assert r.json() == {"org": [{"id": "700123456", "company_name": "Example Inc.", "domain_name": "org700123456"}]}
    tok = api.new_tokens(scopes=ALL_SCOPES)
    r = api.crm("/crm/v2/org", tok["access_token"])
    assert r.status_code == 401 and r.json() == SCOPE_MISMATCH


def test_unknown_crm_path(zoho, api):
    tok = api.new_tokens()
    for path in ("/crm/v2/Leads", "/crm/v9/users", "/crm/v2/users/123", "/nothing"):
        r = api.crm(path, tok["access_token"])
        assert r.status_code == 404, path
        assert r.json()["code"] == "INVALID_URL_PATTERN" and r.json()["status"] == "error"


def test_all_users(zoho, api):
    tok = api.new_tokens()
    body = api.crm("/crm/v2/users", tok["access_token"], type="AllUsers").json()
    assert body["info"]["count"] == 4
    assert {u["email"] for u in body["users"]} >= {"alice@example.com", "bob@example.com"}


def test_scope_covers_rules():
    assert scope_covers("ZohoCRM.users.ALL", "ZohoCRM.users.READ")
    assert scope_covers("ZohoCRM.users.READ", "ZohoCRM.users.READ")
    assert scope_covers("ZohoCRM.modules.ALL", "ZohoCRM.modules.leads.READ")
    assert scope_covers("ZohoCRM.modules.WRITE", "ZohoCRM.modules.CREATE")
    assert not scope_covers("ZohoCRM.modules.leads.ALL", "ZohoCRM.modules.READ")
    assert not scope_covers("ZohoCRM.settings.ALL", "ZohoCRM.users.READ")
    assert not scope_covers("ZohoCRM.users.CREATE", "ZohoCRM.users.READ")
    assert not scope_covers("ZohoCRM.ALL", "ZohoCRM.users.READ")
