"""No secret leaks: canary secrets through every command, then every output path is scanned.

The secrets: the box's admin and user passwords (a seed of canaries), a wrong password, the
Zoho client secret (a canary registered at the fake), the grant codes, refresh tokens and the
access tokens the fake issued (read from the token store as each run leaves it). The paths:
stdout, stderr (with -v, UCMAUTO_DEBUG=1 and Playwright's DEBUG=pw:api log), --json, every
file under the run's home and artifacts folder (journal, known_hosts, artifact notes), and the
argv of ucmauto and of every child (Playwright's driver, Chromium) sampled while it runs.
"""

from __future__ import annotations

import asyncio
import threading
import json
import logging
import subprocess
import sys
import textwrap
from io import StringIO
from pathlib import Path

import pytest

from safety_helpers import CLIENT, MARK, ROOT, canary, mode

ACC = ("--zoho-dc", "us", "--client-id", CLIENT)
WANT = ("--server-address", "zoho.com", "--lookups", "contacts,leads", "--add-unknown", "leads")


def test_every_command_leaks_nothing(env):
    e = env
    users = ["1001", "1002", "1003", "1004", "1005", "1006"]
    e.zoho_users(users)
    acc = (*ACC, "--zoho-accounts-url", e.zoho.accounts_url("us"))
    secret_file = e.secret_file("zoho.secret", e.client_secret)
    admin_file = e.secret_file("admin.pass", e.password("admin"))
    admin_env = {"UCMAUTO_ADMIN_PASSWORD": e.password("admin")}

    # token exchange (grant code on stdin; secret from a file, then from the env), check, list
    r = e.run("-v", "token", "exchange", *acc, "--client-secret-file", str(secret_file), "--name", "1001",
              stdin=e.grant("1001") + "\n", UCMAUTO_ZOHO_CLIENT_SECRET=None, sample_argv=True)
    assert r.rc == 0, r.err
    r = e.run("token", "exchange", *acc, "--name", "1002", "--json", stdin=e.grant("1002") + "\n")
    assert r.rc == 0, r.err
    assert r.json()
    for ext in users[2:]:
        e.token(ext)
    assert e.run("-v", "token", "check", "--name", "1001", *acc).rc == 0
    assert e.run("token", "check", "--name", "1002", "--json", *acc).rc == 0
    assert e.run("-v", "token", "list").rc == 0
    assert e.run("token", "list", "--json").rc == 0

    # admin-setup: dry run (password from a file), then -v --json with Playwright's own debug log
    # asked for (DEBUG=pw:api: it would print every typed value)
    r = e.run("admin-setup", *WANT, "--dry-run", "--admin-password-file", str(admin_file))
    assert r.rc == 0 and "would change" in r.out, r.err
    r = e.run("-v", "admin-setup", *WANT, "--json", DEBUG="pw:api", sample_argv=True, **admin_env)
    assert r.rc == 0 and r.json()["changed"] is True, r.err
    assert "DEBUG=pw:api ignored" in r.err

    # enrol one, then three at once (argv of the whole process tree sampled, a slowed box)
    r = e.run("-v", "enroll-user", "1001", UCMAUTO_USER_PASSWORD=e.password("1001"), DEBUG="pw:*", sample_argv=True)
    assert r.rc == 0, r.err
    inv = e.inventory(["1002", "1003", "1004"])
    stale = {"enable_crm": "yes", "client_id": CLIENT, "client_secret": canary("oldsecret"),
             "refresh_token": canary("oldtoken")}  # what the box held before: read back, replaced
    e.secrets.update({"old secret on the box": stale["client_secret"], "old token on the box": stale["refresh_token"]})
    e.box.control(set_user_crm={"1003": stale}, apply=True)
    e.box.control(latency_ms=60)
    r = e.run("-v", "enroll", "--file", str(inv), "--json", "-j", "2", sample_argv=True)
    e.box.control(latency_ms=0)
    assert r.rc == 0, r.err
    assert all(u["status"] == "ok" for u in r.json()["users"])

    # status: a table (admin page read with the admin password) and JSON
    two = e.inventory(["1001", "1002"], name="two.csv")
    r = e.run("status", "--file", str(two), **admin_env)
    assert r.rc == 0 and "Logged In" in r.out, r.err
    r = e.run("-v", "status", "--file", str(two), "--json", "--no-admin")
    assert r.rc == 0 and all(u["crm"]["refresh_token"] == "(set)" for u in r.json()["users"]), r.err

    # failing runs that write artifacts
    bad_profile = e.inputs / "labels.toml"
    bad_profile.write_text('[admin_crm.labels]\ncrm_system = "CRM Type Of Another Firmware"\n')
    r = e.run("-v", "admin-setup", *WANT, "--profile", str(bad_profile), "--json", "--timeout", "3", **admin_env)
    assert r.rc == 30, r.err  # PAGE_NOT_FOUND
    assert r.json()["artifacts"]
    wrong = canary("wrongpw")
    e.secrets["wrong password 1005"] = wrong
    r = e.run("-v", "enroll-user", "1005", "--password-file", str(e.secret_file("1005.wrong", wrong)))
    assert r.rc == 20, r.err  # LOGIN_WRONG_PASSWORD
    e.box.control(zoho_url="http://127.0.0.1:9")  # the box cannot reach Zoho: stays Logged Out
    r = e.run("-v", "enroll-user", "1006", "--login-wait", "2", "--json", UCMAUTO_USER_PASSWORD=e.password("1006"))
    e.box.control(zoho_url=e.zoho.url)
    assert r.rc == 36, r.err  # CRM_LOGGED_OUT, after the secrets were typed into the page
    assert r.json()["users"][0]["artifacts"]

    # the secrets really went where they belong (so the scans below scan something)
    st = e.state()
    for ext in ("1001", "1002", "1003", "1004", "1006"):
        assert st["users"][ext]["crm"]["saved"]["client_secret"] == e.client_secret
        assert st["users"][ext]["crm"]["saved"]["refresh_token"] in e.tokens.values()
    assert any("INFO ucm_automator" in r.err for r in e.results)  # -v did log (and was scanned)
    assert any(what.startswith("access_token") for what in e.tokens)  # the fake's access tokens are looked for

    print("\n".join(f"{r.seconds:6.2f}s {' '.join(r.argv[3:])[:90]}" for r in e.results))
    # ---- zero hits ----
    hits = e.scan_outputs()
    assert hits == [], "\n".join(hits)
    found, scanned = e.scan_files()
    assert found == []
    names = {p.name for p in scanned}
    assert {"tokens.json", "known_hosts"} <= names
    assert len([p for p in scanned if p.suffix == ".jsonl"]) >= 2  # journals of both enrolments
    notes = [p for p in scanned if p.suffix == ".txt"]
    assert len(notes) >= 3 and len([p for p in scanned if p.suffix == ".png"]) >= 3  # admin, 1005, 1006
    assert e.scan_argv() == []
    assert any("chrom" in c and "--ignore-certificate-errors-spki-list" in c for c in e.argv_seen), \
        "the sampler never saw the browser"
    assert any("ucm_automator" in c for c in e.argv_seen)
    # secrets given by environment variable are taken out before Playwright's driver and the
    # browser start (they copy the environment; /proc/PID/environ is readable)
    assert e.scan_child_env() == []
    assert any("PW_LANG_NAME" in env for env in e.child_env_seen), "the sampler never saw the driver's environment"

    # the token store is the one place a token lives: 0600 file, 0600 lock, private folder
    assert e.store_path.read_text().count(e.tokens["refresh token 1003"]) == 1
    assert mode(e.store_path) == 0o600
    assert mode(e.store_path.with_name("tokens.json.lock")) & 0o077 == 0
    assert mode(e.app) & 0o077 == 0
    for f in e.journal_dir.glob("*.jsonl"):
        assert mode(f) == 0o600
    for p in scanned:
        if e.artifacts in p.parents:
            assert mode(p) == 0o600
    assert mode(e.artifacts) == 0o700


def test_app_dir_is_private_whichever_command_makes_it(env):
    """admin-setup first (it writes known_hosts), then a token: the folder holding the store is
    not readable by others, however it came to exist."""
    e = env
    r = e.run("admin-setup", "--dry-run", *WANT, UCMAUTO_ADMIN_PASSWORD=e.password("admin"))
    assert r.rc == 0, r.err
    assert (e.app / "known_hosts").exists()
    e.zoho_users(["1001"])
    r = e.run("token", "exchange", *ACC, "--zoho-accounts-url", e.zoho.accounts_url("us"), "--name", "1001",
              stdin=e.grant("1001") + "\n")
    assert r.rc == 0, r.err
    assert mode(e.app) & 0o077 == 0
    assert mode(e.store_path) == 0o600


def test_log_records_with_tracebacks_are_redacted():
    """A library logging an exception (asyncio's "exception was never retrieved", say) prints the
    exception text and traceback: they pass the redactor too, not only the message."""
    from ucm_automator.redact import install_logging_filter, secret

    value = canary("logged")
    secret(value)
    logger = logging.getLogger("safety.leaks")
    logger.propagate = False
    buf = StringIO()
    logger.addHandler(logging.StreamHandler(buf))
    install_logging_filter(logger)
    child = logging.getLogger("safety.leaks.child")  # records of children pass the handler's filter
    try:
        try:
            raise KeyError(value)
        except KeyError as inner:
            raise RuntimeError(f"refresh failed for {value}") from inner
    except RuntimeError:
        child.error("failed with %s", value, exc_info=True, stack_info=True)
    text = buf.getvalue()
    assert "Traceback" in text and "RuntimeError" in text and "KeyError" in text
    assert MARK not in text


def test_internal_error_with_debug_traceback_is_redacted(tmp_path):
    """An unexpected exception carrying secrets (message and chained cause) reaches the CLI
    boundary: one redacted line, and with UCMAUTO_DEBUG=1 a redacted traceback."""
    code, client_secret = canary("code"), canary("secret")
    script = textwrap.dedent(f"""
        import sys
        import ucm_automator.cli.token as t
        from ucm_automator.cli import main

        def boom(*a, **kw):
            try:
                raise KeyError({client_secret!r})
            except KeyError as e:
                raise ValueError("Zoho said something odd about code " + {code!r}) from e

        t.exchange_and_save = boom
        main(["-v", "token", "exchange", "--zoho-dc", "us", "--client-id", "1000.X", "--name", "x"])
    """)
    env = {k: v for k, v in __import__("os").environ.items() if not k.startswith("UCMAUTO_")}
    env.update(XDG_CONFIG_HOME=str(tmp_path), UCMAUTO_DEBUG="1", UCMAUTO_ZOHO_CLIENT_SECRET=client_secret)
    p = subprocess.run([sys.executable, "-c", script], input=code + "\n", capture_output=True, text=True,
                       cwd=ROOT, env=env, timeout=60)
    assert p.returncode == 1, p.stderr  # INTERNAL
    assert "Traceback" in p.stderr and "internal error (ValueError" in p.stderr
    assert MARK not in p.stdout + p.stderr


@pytest.mark.parametrize("profile", [None, "es-ES"])
def test_failure_screenshot_masks_every_secret_field(env, monkeypatch, profile):
    """The screenshot of a failure is taken with a mask over every input holding a secret: the
    login page's password (typed) and the CRM page's Client Secret and Refresh Token (filled).
    Proven on the real pages: every such input is matched by one of the mask locators given to
    page.screenshot (no OCR needed), and each secret field's mask finds its input. With the
    Spanish profile the GUI is in Spanish: the masks follow the labels the page objects use."""
    from playwright.async_api import Page
    from pydantic import SecretStr

    from ucm_automator.redact import secret
    from ucm_automator.ucm.pages.login import LoginPage
    from ucm_automator.ucm.portal import Portal, PortalFacts, PortalOptions
    from ucm_automator.ucm.profile import load_profile
    from ucm_automator.ucm.pages.widgets import form_row
    from ucm_automator.ucm.session import BrowserSession, SessionOptions
    from ucm_automator.ucm.trust import Trust, fetch_certificate

    e = env
    e.admin_crm()
    crm = {"enable_crm": "yes", "client_id": CLIENT, "client_secret": canary("shotsecret"),
           "refresh_token": canary("shottoken")}
    e.box.control(set_user_crm={"1001": crm}, apply=True)
    for v in (crm["client_secret"], crm["refresh_token"]):
        secret(v)
    masks_given: list = []
    original = Page.screenshot

    async def recording(self, *args, **kw):
        masks_given.append(list(kw.get("mask") or []))
        return await original(self, *args, **kw)

    monkeypatch.setattr(Page, "screenshot", recording)

    async def unmasked_secret_inputs(page, masks) -> tuple[int, list[str]]:
        for m in masks:
            await m.evaluate_all("els => els.forEach(el => el.setAttribute('data-masked', '1'))")
        found = await page.evaluate("""mark => [...document.querySelectorAll('input, textarea')]
            .filter(el => el.type === 'password' || (el.value || '').includes(mark))
            .map(el => [el.getAttribute('data-masked') === '1', el.type + ' ' + (el.name || el.id)])""", MARK)
        return len(found), [name for masked, name in found if not masked]

    async def main() -> None:
        cert = fetch_certificate(e.box.url, 10)
        options = SessionOptions(e.box.url, Trust(cert), 15, e.artifacts)
        async with BrowserSession(options, load_profile(profile)) as session:
            portal = Portal(session, PortalFacts(), PortalOptions())
            await portal.start()
            form = LoginPage(portal.page, session.profile, session.timeout_ms)
            await form.open()
            await form.password.fill(canary("typedpw"))
            written = await session.save_failure(portal.page, "1001", "login page")
            n, unmasked = await unmasked_secret_inputs(portal.page, masks_given[-1])
            assert n >= 1 and unmasked == [], unmasked
            assert {p.suffix for p in written} == {".txt", ".png"}

            await portal.login("1001", SecretStr(e.password("1001")))
            await portal.read("1001")
            await session.save_failure(portal.page, "1001", "crm page")
            n, unmasked = await unmasked_secret_inputs(portal.page, masks_given[-1])
            assert n >= 2 and unmasked == [], unmasked  # Client Secret and Refresh Token at least
            labels = session.profile.user_crm.labels
            assert await portal.page.locator("label").filter(has_text=labels["client_secret"]).count() == 1
            for key in ("client_secret", "refresh_token"):  # each secret field's mask finds its input
                mask = form_row(portal.page, labels[key]).locator("input, textarea")
                assert await mask.count() == 1 and MARK in await mask.input_value(), key
            await portal.close()

    run_in_own_thread(main)  # pytest-playwright's sync API may own this thread's event loop
    for note in e.artifacts.glob("*.txt"):
        assert MARK not in note.read_text()
    assert all(mode(p) == 0o600 for p in e.artifacts.iterdir())


def test_journal_holds_no_secret_even_in_error_messages(env):
    """A user whose token Zoho refuses fails in the pre-check; the message journalled for it is
    redacted (it passes the redactor on the way in) and names no token."""
    e = env
    e.admin_crm()
    # a refresh token given by file that Zoho does not know: the check fails before the UCM
    bogus = canary("bogustoken")
    e.secrets["bogus refresh token"] = bogus
    inv = e.inputs / "given.csv"
    inv.write_text("extension,password_file,zoho_dc,client_id,refresh_token_file\n"
                   f"1001,{e.secret_file('1001.pass', e.password('1001'))},us,{CLIENT},"
                   f"{e.secret_file('1001.token', bogus)}\n")
    r = e.run("enroll", "--file", str(inv), "--json",
              UCMAUTO_ZOHO_ACCOUNTS_URL=e.zoho.accounts_url("us"))
    assert r.rc == 45, r.err  # ZOHO_REFRESH_INVALID, UCM untouched
    events = e.journal_events()
    assert any(ev["event"] == "done" and ev["ok"] is False for ev in events)
    assert e.scan_outputs() == [] and e.scan_files()[0] == []
    assert json.dumps(events).count(MARK) == 0
    assert e.state()["counters"]["users"].get("1001", {}).get("logins", 0) == 0


def run_in_own_thread(coro_fn) -> None:
    """asyncio.run() in a fresh thread (no running loop there), re-raising what it raised."""
    box: dict = {}

    def target() -> None:
        try:
            asyncio.run(coro_fn())
        except BaseException as exc:  # noqa: BLE001 - handed back to the test's thread
            box["exc"] = exc

    t = threading.Thread(target=target)
    t.start()
    t.join()
    if "exc" in box:
        raise box["exc"]


def test_translated_profile_and_probe_leak_nothing(env):
    """Under the Spanish profile (the GUI in Spanish): a success, and a failure after the secrets
    were typed (screenshot and note written); then the probe's draft profile and redacted report.
    No secret in any output or file; no session left."""
    e = env
    e.admin_crm()
    e.zoho_users(["1001", "1002"])
    for ext in ("1001", "1002"):
        e.token(ext)
    r = e.run("-v", "enroll-user", "1001", "--profile", "es", UCMAUTO_USER_PASSWORD=e.password("1001"))
    assert r.rc == 0, r.err
    e.box.control(zoho_url="http://127.0.0.1:9")  # the box cannot reach Zoho: stays Desconectado
    r = e.run("-v", "enroll-user", "1002", "--profile", "es", "--login-wait", "2", "--json",
              UCMAUTO_USER_PASSWORD=e.password("1002"))
    e.box.control(zoho_url=e.zoho.url)
    assert r.rc == 36 and r.json()["users"][0]["artifacts"], r.err  # CRM_LOGGED_OUT, secrets typed
    out = e.tmp / "probe"
    r = e.run("-v", "probe", "--user", "1001", "--out", str(out), UCMAUTO_ADMIN_PASSWORD=e.password("admin"),
              UCMAUTO_USER_PASSWORD=e.password("1001"))
    assert r.rc == 0, r.err
    assert e.state()["users"]["1001"]["crm"]["saved"]["client_secret"] == e.client_secret  # there to leak
    hits = e.scan_outputs()
    assert hits == [], "\n".join(hits)
    found, scanned = e.scan_files()
    assert found == []
    names = {p.name for p in scanned}
    assert {"report.json", "profile.toml", "admin_crm.png", "user_crm.png"} <= names
    assert len([p for p in scanned if p.suffix == ".png" and "failure" in p.name]) >= 1
    assert all(mode(p) == 0o600 for p in out.iterdir())
    e.box.assert_no_sessions()
