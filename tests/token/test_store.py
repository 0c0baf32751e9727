"""The token store: 0600, atomic writes, one refresh for racing processes, the shared access
token cache, revoke, list without secrets, and the optional keyring."""

from __future__ import annotations

import json
import stat
import subprocess
import sys
import textwrap

import requests
from token_helpers import FULL, ROOT, US, rt_state, seed

from ucm_automator.errors import ExitCode


def test_file_and_dir_permissions(cli):
    r, _ = cli.exchange()
    assert r.rc == 0, r.err
    assert stat.S_IMODE(cli.store.stat().st_mode) == 0o600
    assert stat.S_IMODE(cli.store.parent.stat().st_mode) & 0o077 == 0
    leftovers = [p.name for p in cli.store.parent.iterdir() if p.name.endswith(".tmp")]
    assert leftovers == []


_CRASH = textwrap.dedent("""
    import os, signal, sys, time
    from pydantic import SecretStr
    from ucm_automator.zoho.store import TokenRecord, TokenStore
    how, path = sys.argv[1], sys.argv[2]
    def crash(src, dst):
        if how == "kill":
            os.kill(os.getpid(), signal.SIGKILL)  # dies between write+fsync and rename
        raise OSError(28, "No space left on device")
    os.replace = crash
    rec = TokenRecord(dc="us", client_id="1000.X", user="new@example.com", accounts_url="https://accounts.zoho.com",
                      api_domain="https://www.zohoapis.com", created_at=time.time())
    TokenStore(path).save(rec, SecretStr("1000.newtoken.never.stored"))
""")


def test_crash_mid_write_leaves_the_old_file_whole(cli):
    seed(cli, name="old")
    before = cli.store.read_bytes()
    for how, want_rc in (("raise", 1), ("kill", -9)):
        run = subprocess.run([sys.executable, "-c", _CRASH, how, str(cli.store)], cwd=ROOT,
                             capture_output=True, text=True, timeout=30)
        assert run.returncode == want_rc, run.stderr
        assert cli.store.read_bytes() == before  # whole, parseable, unchanged
        assert [t["name"] for t in json.loads(before)["tokens"]] == ["old"]
    # the raise cleaned its temp file; the kill left one, private, that the store ignores
    temps = [p for p in cli.store.parent.iterdir() if p.name.endswith(".tmp")]
    assert len(temps) == 1 and stat.S_IMODE(temps[0].stat().st_mode) == 0o600
    r = cli.run("list", "--json")
    assert r.rc == 0 and [t["name"] for t in json.loads(r.out)["tokens"]] == ["old"]


def test_two_processes_refreshing_one_token_make_one_refresh(cli, stubs):
    """Both find no cached access token and go for the lock; the accounts server (a proxy in
    front of the fake) holds the first refresh until both are there, so the second really
    waits on the lock, re-reads, and reuses the first one's token."""
    rt = seed(cli, name="shared")
    proxy = stubs("proxy", target=cli.zoho.url)
    args = ("check", "--name", "shared", "--zoho-accounts-url", proxy.url + "/accounts/us", "--json")
    procs = [cli.start(*args, secret=cli.secret()) for _ in range(2)]
    for p in procs:
        p.wait_for_line("none usable cached, taking the store lock", timeout=20)
    proxy.release.set()
    results = [p.finish(timeout=40) for p in procs]
    assert [r.rc for r in results] == [0, 0], [r.err for r in results]
    assert rt_state(cli.zoho, rt)["refresh_count"] == 1
    assert [c["grant_type"] for c in cli.zoho.state()["calls"] if c["endpoint"] == "token"] == ["refresh_token"]
    docs = [json.loads(r.out) for r in results]
    assert sorted(d["refreshed"] for d in docs) == [False, True]
    assert any("another process refreshed it meanwhile" in r.err for r in results)


def test_check_reuses_the_cached_access_token_then_refreshes_once_when_rejected(cli):
    r, _ = cli.exchange("alice@example.com", FULL, "--name", "1001")
    rt = cli.stored()[0]["refresh_token"]
    for _ in range(3):  # never refresh per call
        r = cli.run("check", "--name", "1001", secret=cli.secret())
        assert r.rc == 0 and "reused from the cache" in r.out and "Alice Archer" in r.out
    assert rt_state(cli.zoho, rt)["refresh_count"] == 0
    cli.zoho.clock(3700)  # Zoho's hour passed: CRM now rejects the cached token
    r = cli.run("check", "--name", "1001", "--json", secret=cli.secret())
    assert r.rc == 0, r.err
    assert json.loads(r.out)["refreshed"] is True and json.loads(r.out)["user"] == "alice@example.com"
    assert rt_state(cli.zoho, rt)["refresh_count"] == 1
    r.assert_no(rt, cli.secret(), *(t["access_token"] for t in cli.stored()))


def test_check_asks_for_the_client_secret_only_when_it_must_refresh(cli):
    r, _ = cli.exchange("alice@example.com", FULL, "--name", "1001")
    r = cli.run("check", "--name", "1001", "--no-input")  # no secret anywhere: the cache suffices
    assert r.rc == 0 and "reused from the cache" in r.out, r.err
    cli.zoho.clock(3700)  # the cached access token expired: a refresh needs the secret
    r = cli.run("check", "--name", "1001", "--no-input")
    assert r.rc == ExitCode.SECRET_MISSING and "client secret" in r.last_err.lower(), r.err
    assert rt_state(cli.zoho, cli.stored()[0]["refresh_token"])["refresh_count"] == 0


def test_check_selects_exactly_one(cli):
    seed(cli, "alice@example.com", name="1001")
    seed(cli, "bob@example.com", name="1002")
    r = cli.run("check", secret=cli.secret())
    assert r.rc == ExitCode.BAD_INPUT and "2 stored tokens match" in r.last_err
    r = cli.run("check", "--user", "bob@example.com", secret=cli.secret())
    assert r.rc == 0 and "Bob Baker" in r.out
    r = cli.run("check", "--name", "9999", secret=cli.secret())
    assert r.rc == ExitCode.NOT_FOUND


def test_revoke(cli):
    rt = seed(cli, name="1001")
    r = cli.run("revoke", "--name", "1001", "--no-input")
    assert r.rc == ExitCode.BAD_INPUT and "--yes" in r.last_err
    r = cli.run("revoke", "--name", "1001", "--yes", "--json")
    assert r.rc == 0, r.err
    assert json.loads(r.out)["revoked"] is True
    assert rt_state(cli.zoho, rt)["status"] == "revoked"
    assert cli.stored() == []
    r.assert_no(rt)
    # a token Zoho no longer knows is removed with a warning
    rt2 = seed(cli, name="1002")
    requests.post(cli.zoho.revoke_url("us"), data={"token": rt2})
    r = cli.run("revoke", "--name", "1002", "--yes")
    assert r.rc == 0 and "did not know" in r.err and cli.stored() == []


def test_list_shows_no_secrets(cli):
    r, code = cli.exchange("alice@example.com", FULL, "--name", "1001")
    rt = seed(cli, "bob@example.com", name="1002")
    secrets = [rt, code, cli.secret(), *(t.get("access_token") for t in cli.stored())]
    r = cli.run("list")
    assert r.rc == 0 and "alice@example.com" in r.out and "bob@example.com" in r.out
    r.assert_no(*secrets)
    r = cli.run("list", "--json", "--user", "bob@example.com")
    (tok,) = json.loads(r.out)["tokens"]
    assert tok["name"] == "1002" and "refresh_token" not in tok and "access_token" not in tok
    r.assert_no(*secrets)


def test_keyring_storage(cli, tmp_path):
    kr = {"PYTHON_KEYRING_BACKEND": "kr_backend.FileKeyring", "PYTHONPATH": str(ROOT / "tests" / "token"),
          "KR_BACKEND_FILE": str(tmp_path / "keyring.json")}
    code = cli.zoho.grant(US, "alice@example.com", FULL)
    r = cli.run("exchange", *cli.dc_args(), "--keyring", "--name", "k", input=code, secret=cli.secret(), env=kr)
    assert r.rc == 0, r.err
    (rec,) = cli.stored()
    assert rec["storage"] == "keyring" and rec["refresh_token"] is None
    held = json.loads((tmp_path / "keyring.json").read_text())
    assert list(held) == ["ucmauto-zoho|us/1000.DEMOCLIENTUS/alice@example.com/k"]
    cli.zoho.clock(3700)
    r = cli.run("check", "--name", "k", secret=cli.secret(), env=kr)
    assert r.rc == 0 and "Alice Archer" in r.out, r.err
    r = cli.run("revoke", "--name", "k", "--yes", env=kr)
    assert r.rc == 0 and json.loads((tmp_path / "keyring.json").read_text()) == {}
    # no usable keyring: refused before the code is spent
    code = cli.zoho.grant(US, "alice@example.com", FULL)
    r = cli.run("exchange", *cli.dc_args(), "--keyring", input=code, secret=cli.secret(),
                env={"PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring"})
    assert r.rc == ExitCode.BAD_INPUT and "no usable OS keyring" in r.last_err
    assert not any(c["used"] for c in cli.zoho.state()["codes"] if code.startswith(c["prefix"]))
