"""Control endpoints (/__zoho), persistence with --state-dir, the ready line."""

from __future__ import annotations

import json
import stat
import subprocess
import sys

import pytest
import requests

from fixtures.zohoproc import REPO_ROOT, ZohoFakeError, start_zoho
from zohofake_helpers import ALL_SCOPES, US_ID, US_SECRET


def test_ready_line(zoho_server):
    assert set(zoho_server.ready) == {"ready", "url", "control_key", "pid"}
    assert zoho_server.ready["ready"] == "zohofake"
    assert zoho_server.url.startswith("http://127.0.0.1:")
    assert zoho_server.pid == zoho_server.proc.pid


def test_help():
    out = subprocess.run([sys.executable, "-m", "fixtures.zohofake", "--help"], cwd=REPO_ROOT,
                         capture_output=True, text=True, timeout=20)
    assert out.returncode == 0
    for flag in ("--port", "--host", "--state-dir", "--seed", "--legacy-expiry", "--throttle-status"):
        assert flag in out.stdout


@pytest.mark.parametrize("method,what,body", [
    ("GET", "state", None), ("POST", "settings", {"consent": "accept"}),
    ("POST", "grant", {"dc": "us", "client_id": US_ID, "email": "alice@example.com", "scopes": ALL_SCOPES}),
    ("POST", "clock", {"advance_seconds": 5}), ("POST", "reset", {}),
])
def test_control_needs_key(zoho, method, what, body):
    url = f"{zoho.url}/__zoho/{what}"
    for headers in ({}, {"X-Zoho-Key": "wrong"}):
        r = requests.request(method, url, json=body, headers=headers, timeout=10)
        assert r.status_code == 403
    assert zoho.state()["clock_offset"] == 0
    assert zoho.state()["settings"]["consent"] == "ask"


def test_add_client_and_user_in_another_dc(zoho, api):
    c = zoho.add_client("jp", redirect_uris=["https://app.example/cb"])
    assert c["client_id"].startswith("1000.") and c["client_secret"] and c["dc"] == "jp"
    u = zoho.add_user("jp", "kenji@example.jp", "Kenji Sato", user_id="9000001")
    assert u == {"dc": "jp", "email": "kenji@example.jp", "full_name": "Kenji Sato", "id": "9000001"}
    code = zoho.grant(c["client_id"], "kenji@example.jp", "ZohoCRM.users.READ", dc="jp")
    body = api.exchange(code, dc="jp", client_id=c["client_id"], secret=c["client_secret"]).json()
    assert body["api_domain"] == f"{zoho.url}/apis/jp"
    me = api.current_user(body["access_token"], dc="jp").json()["users"][0]
    assert me["id"] == "9000001" and me["full_name"] == "Kenji Sato"
    # the same client is unknown in us
    code = zoho.grant(c["client_id"], "kenji@example.jp", "ZohoCRM.users.READ", dc="jp")
    assert api.exchange(code, dc="us", client_id=c["client_id"], secret=c["client_secret"]).json() == \
        {"error": "invalid_client"}


def test_per_dc_secret(zoho, api):
    # the same client id registered in two DCs with different secrets (multi-DC off)
    zoho.add_client("in", client_id=US_ID, client_secret="in-secret", redirect_uris=[])
    code = zoho.grant(US_ID, "priya@example.in", "ZohoCRM.users.READ", dc="in")
    assert api.exchange(code, dc="in").json() == {"error": "invalid_client_secret"}
    assert "access_token" in api.exchange(code, dc="in", secret="in-secret").json()


def test_control_validation(zoho):
    with pytest.raises(ZohoFakeError, match="400"):
        zoho.add_client("xx")
    with pytest.raises(ZohoFakeError, match="400"):
        zoho.grant(US_ID, "nobody@example.com", ALL_SCOPES)
    with pytest.raises(ZohoFakeError, match="400"):
        zoho.grant(US_ID, "alice@example.com", "")
    with pytest.raises(ZohoFakeError, match="400"):
        zoho.settings(consent="maybe")
    with pytest.raises(ZohoFakeError, match="400"):
        zoho.settings(no_such_setting=1)
    with pytest.raises(ZohoFakeError, match="400"):
        zoho.settings(throttle_status="200")


def test_state_counts_and_no_secrets_in_call_log(zoho, api):
    tok = api.new_tokens()
    api.refresh(tok["refresh_token"])
    api.refresh(tok["refresh_token"], secret="bad")
    api.current_user(tok["access_token"])
    st = zoho.state()
    (rt,) = [r for r in st["refresh_tokens"] if r["email"] == "alice@example.com"]
    assert rt["refresh_count"] == 1 and rt["status"] == "active" and rt["origin"] == "self_client"
    assert rt["prefix"] == tok["refresh_token"][:9] + "…"
    kinds = [(c["endpoint"], c.get("grant_type"), c["result"]) for c in st["calls"]]
    assert kinds == [("token", "authorization_code", "ok"), ("token", "refresh_token", "ok"),
                     ("token", "refresh_token", "invalid_client_secret"), ("crm", None, "ok")]
    dump = json.dumps(st["calls"])
    for secret in (US_SECRET, "bad", tok["access_token"], tok["refresh_token"]):
        assert secret not in dump
    assert st["counters"]["token.refresh_token"] == 2


def test_reset(zoho, api):
    api.new_tokens()
    zoho.clock(1000)
    zoho.settings(legacy_expiry=True)
    zoho.reset()
    st = zoho.state()
    assert st["refresh_tokens"] == [] and st["calls"] == [] and st["clock_offset"] == 0
    assert st["settings"]["legacy_expiry"] is False


def test_state_dir_persists_tokens(tmp_path, api):
    state_dir = tmp_path / "zoho"
    with start_zoho(state_dir=state_dir) as z:
        code = z.grant(US_ID, "alice@example.com", ALL_SCOPES)
        tok = requests.post(z.token_url("us"), data={"grant_type": "authorization_code", "client_id": US_ID,
                                                     "client_secret": US_SECRET, "code": code}, timeout=10).json()
        z.clock(100)
        z.settings(throttle_status=400)
    f = state_dir / "state.json"
    assert f.exists() and stat.S_IMODE(f.stat().st_mode) == 0o600
    assert [p.name for p in state_dir.iterdir()] == ["state.json"]
    with start_zoho(state_dir=state_dir) as z:
        assert z.state()["clock_offset"] == 100
        assert z.state()["settings"]["throttle_status"] == 400
        # the access token still works (against the new port), and the refresh token too
        r = requests.get(z.api_url("us") + "/crm/v2/users", params={"type": "CurrentUser"},
                         headers={"Authorization": f"Zoho-oauthtoken {tok['access_token']}"}, timeout=10)
        assert r.status_code == 200
        body = requests.post(z.token_url("us"), data={"grant_type": "refresh_token", "client_id": US_ID,
                                                      "client_secret": US_SECRET,
                                                      "refresh_token": tok["refresh_token"]}, timeout=10).json()
        assert body["api_domain"] == f"{z.url}/apis/us"
        assert z.token_info(tok["refresh_token"])["refresh_count"] == 1
        # the used code stays used
        assert requests.post(z.token_url("us"), data={"grant_type": "authorization_code", "client_id": US_ID,
                                                      "client_secret": US_SECRET, "code": code},
                             timeout=10).json() == {"error": "invalid_code"}
