"""What goes wrong between ucmauto and Zoho: the throttle (never retried), dead refresh tokens,
and transport failures (non-JSON, 5xx, timeouts, DNS, refused connections) — each with its
own exit code and a one-line message."""

from __future__ import annotations

import time

import pytest
import requests
from token_helpers import US, rt_state, seed

from ucm_automator.errors import ExitCode


def _refresh_directly(zoho, rt: str) -> dict:
    r = requests.post(zoho.token_url("us"), data={"grant_type": "refresh_token", "client_id": US,
                                                  "client_secret": zoho.client_secret(US), "refresh_token": rt})
    return r.json()


@pytest.mark.parametrize("status", [200, 400])
def test_throttle_is_reported_and_never_retried(cli, status):
    cli.zoho.settings(throttle_status=status, throttle_limit=1)
    rt = seed(cli)
    assert "access_token" in _refresh_directly(cli.zoho, rt)  # fills the window (1 per 10 min)
    before = rt_state(cli.zoho, rt)["refresh_attempts"]
    r = cli.run("check", "--zoho-accounts-url", cli.zoho.accounts_url("us"), secret=cli.secret())
    assert r.rc == ExitCode.ZOHO_THROTTLED
    assert "wait about 10 minutes without retrying" in r.last_err
    assert rt_state(cli.zoho, rt)["refresh_attempts"] == before + 1  # one attempt, no loop
    r.assert_no(rt, cli.secret())


def test_revoked_refresh_token(cli):
    rt = seed(cli, name="1001")
    assert requests.post(cli.zoho.revoke_url("us"), data={"token": rt}).json()["status"] == "success"
    r = cli.run("check", "--name", "1001", secret=cli.secret())
    assert r.rc == ExitCode.ZOHO_REFRESH_INVALID
    assert "revoked, or evicted" in r.last_err and "ucmauto token exchange" in r.last_err
    r.assert_no(rt)


def test_evicted_refresh_token_after_20_more(cli):
    """The 21st refresh token of a user silently deletes the oldest, maybe the UCM's."""
    rt = seed(cli, name="on-the-ucm")
    for _ in range(20):
        cli.zoho.refresh_token(US, "alice@example.com", "ZohoCRM.users.ALL")
    assert rt_state(cli.zoho, rt)["status"] == "evicted"
    r = cli.run("check", "--name", "on-the-ucm", secret=cli.secret())
    assert r.rc == ExitCode.ZOHO_REFRESH_INVALID


def _exchange_at(cli, url: str, extra_env=None):
    return cli.run("exchange", "--zoho-dc", "us", "--zoho-accounts-url", url, "--client-id", US,
                   input="1000.fakecode0000000000", secret=cli.secret(), env=extra_env)


def test_non_json_reply(cli, stubs):
    r = _exchange_at(cli, stubs("html").url)
    assert r.rc == ExitCode.ZOHO_BAD_REPLY and "text/html, not JSON" in r.last_err


def test_server_error(cli, stubs):
    r = _exchange_at(cli, stubs("500").url)
    assert r.rc == ExitCode.ZOHO_SERVER_ERROR and "HTTP 500" in r.last_err


def test_timeout(cli, stubs):
    t0 = time.monotonic()
    r = _exchange_at(cli, stubs("hang").url, {"UCMAUTO_TIMEOUT_S": "1"})
    assert r.rc == ExitCode.ZOHO_TIMEOUT and "did not answer within 1 s" in r.last_err
    assert time.monotonic() - t0 < 10


def test_dns_failure(cli):
    r = _exchange_at(cli, "https://accounts.zoho.invalid")
    assert r.rc == ExitCode.ZOHO_UNREACHABLE and "does not resolve (DNS)" in r.last_err


def test_connection_refused(cli, stubs):
    s = stubs("html")
    url = s.url
    s.close()
    r = _exchange_at(cli, url)
    assert r.rc == ExitCode.ZOHO_UNREACHABLE and "connection failed" in r.last_err


def test_every_failure_is_one_line(cli, stubs):
    for url in (stubs("html").url, stubs("500").url, "https://accounts.zoho.invalid"):
        r = _exchange_at(cli, url)
        assert [ln for ln in r.err.splitlines() if ln.startswith("ucmauto:")] == [r.last_err]
        assert "Traceback" not in r.err
