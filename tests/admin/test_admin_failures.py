"""Every bad input and bad state: one clear line, its own exit code, the box left unchanged."""

from __future__ import annotations

import socket
import stat

import pytest

from admin_helpers import ADMIN, WANT, counters, crm
from ucm_automator.errors import ExitCode

EMPTY = {"crm_module": "", "crm_addr": "", "number_add": "", "first_search": "", "second_search": "",
         "third_search": ""}


def unchanged(box) -> dict:
    state = box.state()
    assert crm(state, "saved") == EMPTY and crm(state, "applied") == EMPTY
    assert counters(state)["global"]["saves"] == {} and counters(state)["global"]["applies"] == 0
    return state


def one_line(err: str) -> str:
    lines = [ln for ln in err.splitlines() if ln.startswith("ucmauto: ")]
    assert len(lines) == 1, err
    return lines[0]


# ---- logging in ------------------------------------------------------------------------------

def test_wrong_password_says_attempts_left_and_tries_once(admin, box, monkeypatch):
    monkeypatch.setenv("UCMAUTO_ADMIN_PASSWORD", "not-the-password")
    run = admin(*WANT)
    assert run.code == ExitCode.LOGIN_WRONG_PASSWORD
    line = one_line(run.err)
    assert "wrong password for 'admin'" in line and "4 more attempt(s)" in line and "not retrying" in line
    assert "not-the-password" not in run.err
    state = unchanged(box)
    assert counters(state)["global"]["failed_logins"] == 1 and counters(state)["global"]["logins"] == 0


def _fail_login(box, times: int) -> None:
    client = box.client()
    for _ in range(times):
        client.login(ADMIN, "wrong-on-purpose")


def test_temporary_ban(admin, box):
    box.control(login_max_num=2, login_ban_seconds=300)
    _fail_login(box, 2)
    run = admin(*WANT)
    assert run.code == ExitCode.LOGIN_BANNED
    assert "temporarily banned" in one_line(run.err) and "try again in" in run.err
    assert counters(unchanged(box))["global"]["logins"] == 0


def test_permanent_ban(admin, box):
    box.control(login_max_num=1, login_ban_seconds=0)
    _fail_login(box, 1)
    run = admin(*WANT)
    assert run.code == ExitCode.LOGIN_BANNED
    assert "until an administrator lifts the ban" in one_line(run.err)
    unchanged(box)


def test_first_login_wizard(admin, box):
    box.control(first_login=True)
    run = admin(*WANT)
    assert run.code == ExitCode.SETUP_WIZARD
    assert "setup wizard" in one_line(run.err)
    unchanged(box)


def test_captcha_is_detected_before_submitting(admin, box):
    box.control(captcha=True)
    run = admin(*WANT)
    assert run.code == ExitCode.CAPTCHA
    assert "CAPTCHA" in one_line(run.err)
    state = unchanged(box)
    assert counters(state)["global"]["logins"] == 0 and counters(state)["global"]["failed_logins"] == 0


# ---- reaching the box ------------------------------------------------------------------------

def test_unknown_host(admin):
    run = admin(*WANT, ucm="https://nonexistent.invalid:8089", trust=False)
    assert run.code == ExitCode.UCM_UNKNOWN_HOST
    assert "nonexistent.invalid" in one_line(run.err)


def test_refused_connection(admin):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # closed again at once: nothing listens there
    run = admin(*WANT, ucm=f"https://127.0.0.1:{port}", trust=False)
    assert run.code == ExitCode.UCM_REFUSED
    assert "refused" in one_line(run.err)


def test_timeout_when_tls_never_answers(admin):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen(4)  # accepts TCP, never speaks TLS
        run = admin(*WANT, ucm=f"https://127.0.0.1:{s.getsockname()[1]}", timeout=1.5, trust=False)
    assert run.code == ExitCode.UCM_TIMEOUT
    assert "TLS handshake" in one_line(run.err)


def test_changed_certificate_is_refused(admin, box):
    host = box.url.split("://", 1)[1]
    other = "sha256:" + ":".join(["AB"] * 32)
    admin.known_hosts.write_text(f"{host} {other}\n")
    run = admin(*WANT)
    assert run.code == ExitCode.TLS_CHANGED
    line = one_line(run.err)
    assert "CHANGED" in line and other in line and box.fingerprint in line
    assert admin.known_hosts.read_text() == f"{host} {other}\n"
    assert counters(unchanged(box))["global"]["logins"] == 0


def test_wrong_fingerprint_flag_is_refused(admin, box):
    run = admin(*WANT, "--fingerprint", "sha256:" + ":".join(["01"] * 32), trust=False)
    assert run.code == ExitCode.TLS_CHANGED
    assert not admin.known_hosts.exists()


def test_untrusted_first_contact_without_a_terminal(admin, box):
    run = admin(*WANT, trust=False)
    assert run.code == ExitCode.TLS_UNTRUSTED
    assert box.fingerprint in one_line(run.err) and "--fingerprint" in run.err


# ---- bad input -------------------------------------------------------------------------------

@pytest.mark.parametrize("args, words", [
    (["--lookups", "contacts,deals"], "unknown table(s) deals"),
    (["--server-address", "eu", "--lookups", "leads", "--add-unknown", "accounts"], "must be one of the contact lookups"),
    (["--server-address", "not a domain"], "neither a Zoho domain"),
    (["--lookups", "leads"], "--server-address is required"),
])
def test_bad_input_touches_nothing(admin, box, args, words):
    run = admin(*args)
    assert run.code == ExitCode.BAD_INPUT
    assert words in one_line(run.err)
    unchanged(box)


# ---- the GUI not as the profile says ---------------------------------------------------------

def test_wrong_label_in_profile(admin, box, tmp_path):
    profile = tmp_path / "fw.toml"
    profile.write_text('[admin_crm.labels]\nserver_address = "CRM Server URL"\n')
    run = admin(*WANT, "--profile", str(profile), timeout=3)
    assert run.code == ExitCode.PAGE_NOT_FOUND
    line = one_line(run.err)
    assert "'CRM Server URL'" in line and "labels seen:" in line and "CRM Server Address" in line
    unchanged(box)


def test_wrong_option_text_in_profile_lists_options_and_keeps_artifacts(admin, box, tmp_path):
    profile = tmp_path / "fw.toml"
    profile.write_text('[admin_crm.modules]\nzohov2 = "Zoho CRM v2"\n')
    run = admin(*WANT, "--profile", str(profile))
    assert run.code == ExitCode.OPTION_NOT_FOUND
    line = one_line(run.err)
    assert "no option 'Zoho CRM v2' in 'CRM System'" in line
    assert "Zoho CRM (v2 API)" in line and "Salesforce" in line
    unchanged(box)
    files = sorted(admin.artifacts.iterdir())
    assert [p.suffix for p in files] == [".png", ".txt"]
    for p in files:
        assert stat.S_IMODE(p.stat().st_mode) == 0o600
        assert f"artifact: {p}" in run.err
    assert box.password(ADMIN) not in files[1].read_text()
    assert "url: " + box.url in files[1].read_text()


def test_wrong_password_screenshot_masks_the_password(admin, box, monkeypatch):
    monkeypatch.setenv("UCMAUTO_ADMIN_PASSWORD", "SecretTyped123")
    run = admin(*WANT)
    assert run.code == ExitCode.LOGIN_WRONG_PASSWORD
    png = [p for p in admin.artifacts.iterdir() if p.suffix == ".png"]
    txt = [p for p in admin.artifacts.iterdir() if p.suffix == ".txt"]
    assert png and png[0].stat().st_size > 1000
    assert "SecretTyped123" not in txt[0].read_text() and "SecretTyped123" not in run.err


def test_wrong_menu_in_profile_names_menus_seen(admin, box, tmp_path):
    profile = tmp_path / "fw.toml"
    profile.write_text('[routes]\nadmin_crm = []\n[menus]\nadmin_crm = [["Extra Features", "CRM"]]\n')
    run = admin(*WANT, "--profile", str(profile), timeout=3)
    assert run.code == ExitCode.PAGE_NOT_FOUND
    line = one_line(run.err)
    assert "Extra Features > CRM" in line and "Value-added Features" in line
    unchanged(box)


def test_browser_accepts_only_the_pinned_key(box):
    """The browser itself refuses any other certificate than the one trusted (no race window)."""
    import asyncio

    from playwright.async_api import Error as PlaywrightError

    from ucm_automator.ucm.profile import load_profile
    from ucm_automator.ucm.session import BrowserSession, SessionOptions
    from ucm_automator.ucm.trust import Trust, fetch_certificate

    cert = fetch_certificate(box.url, 5)
    assert cert.fingerprint == box.fingerprint and cert.spki_sha256 == box.spki_sha256

    async def reach(trust: Trust) -> bool:
        async with BrowserSession(SessionOptions(box.url, trust, 5.0), load_profile()) as session:
            ctx = await session.new_context()
            try:
                page = await ctx.new_page()
                return (await page.goto("/login")).ok
            except PlaywrightError:
                return False
            finally:
                await ctx.close()

    other = Trust(type(cert)(cert.host_port, cert.fingerprint, "A" * 43 + "="))
    assert asyncio.run(reach(Trust(cert))) is True
    assert asyncio.run(reach(other)) is False


def test_an_admin_without_the_right_gets_no_permission(admin, box, monkeypatch):
    monkeypatch.setenv("UCMAUTO_ADMIN_PASSWORD", box.password("manager"))
    run = admin(*WANT, "--admin-user", "manager")
    assert run.code == ExitCode.NO_PERMISSION, run.err
    assert "no permission" in one_line(run.err) and "nothing was saved" in run.err
    unchanged(box)
