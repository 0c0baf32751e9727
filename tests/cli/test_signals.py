"""Ctrl-C and SIGTERM: one `ucmauto:` line and exit 130 / 143, within a bounded time, through the
same cancellation path (so the drivers' cleanup runs), whatever the command was doing."""

from __future__ import annotations

import os
import signal
import time

import pytest

from cli_helpers import US, Cli
from ucm_automator.cli.cancel import GRACE_S
from ucm_automator.errors import ExitCode

CODES = {signal.SIGTERM: (ExitCode.TERMINATED, "stopped by SIGTERM"),
         signal.SIGINT: (ExitCode.INTERRUPTED, "interrupted (Ctrl-C)")}


def _stop(proc, sig: signal.Signals) -> tuple[int, str, float]:
    """SIGINT as Ctrl-C sends it: to the whole job (Playwright's driver and the browser too);
    SIGTERM as `kill PID` or a service manager's stop does: to ucmauto."""
    started = time.monotonic()
    if sig == signal.SIGINT:
        os.killpg(proc.pid, sig)
    else:
        proc.send_signal(sig)
    _out, err = proc.communicate(timeout=GRACE_S + 30)
    return proc.returncode, err, time.monotonic() - started


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_signal_while_waiting_for_the_zoho_redirect(tmp_path, sig):
    """No box here: the command waits on its loopback listener for the browser's redirect."""
    cli = Cli(box=type("NoBox", (), {"url": "https://127.0.0.1:1", "fingerprint": ""})(), tmp=tmp_path)
    proc = cli.start("token", "authorize", "--zoho-dc", "us", "--client-id", "1000.DEMOCLIENTUS",
                     "--zoho-accounts-url", "http://127.0.0.1:9", "--redirect-uri", "http://127.0.0.1:0/callback",
                     "--no-browser", UCMAUTO_ZOHO_CLIENT_SECRET="not-used")
    waited = []
    for line in proc.stderr:  # bounded by the command's --listen-timeout (300 s) and the test timeout
        waited.append(line)
        if "waiting up to" in line:
            break
    code, err, took = _stop(proc, sig)
    err = "".join(waited) + err
    assert code == CODES[sig][0], err
    lines = [ln for ln in err.splitlines() if ln.startswith("ucmauto: ")]
    assert len(lines) == 1 and CODES[sig][1] in lines[0], err
    assert took < GRACE_S


MOMENTS = {  # when the signal comes: the box has counted the login, its reply still on the way; or reading
    "login-in-flight": lambda st: st["counters"]["global"]["logins"] >= 1,
    "reading": lambda st: st["counters"]["actions"].get("getCRMSettings", 0) >= 1,
}


@pytest.mark.parametrize("moment", MOMENTS)
@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_signal_during_a_box_run_cancels_it(box, tmp_path, sig, moment):
    cli = Cli(box, tmp_path)
    box.control(latency_ms=1500)  # every reply takes 1.5 s: the signal lands mid-request
    proc = cli.start("status", "1001", "1002", UCMAUTO_ADMIN_PASSWORD=box.password("admin"))
    box.wait_for(MOMENTS[moment], timeout=90, what=moment)
    code, err, took = _stop(proc, sig)
    assert code == CODES[sig][0], err
    lines = [ln for ln in err.splitlines() if ln.startswith("ucmauto: ")]
    assert len(lines) == 1 and CODES[sig][1] in lines[0], err
    assert "Traceback" not in err
    assert took < GRACE_S + 5  # bounded: cancellation, not a hang on a slow box
    cli.assert_no_session_left()  # the driver logged out on the way out (ucm/gui.py, bounded)


def test_enroll_dry_run_interrupted_mentions_no_journal(box, zoho, tmp_path):
    cli = Cli(box, tmp_path)
    box.control(set_admin_crm={"crm_module": "zohov2", "crm_addr": "zoho.com", "number_add": "contacts",
                               "first_search": "contacts"}, apply=True)
    zoho.add_user("us", "user1001@example.com", "User 1001")
    token = zoho.refresh_token(US, "user1001@example.com", "ZohoCRM.users.ALL", dc="us")
    cli.store_token("1001", token, accounts_url=zoho.accounts_url("us"), api_domain=zoho.api_url("us"))
    inv = tmp_path / "users.csv"
    inv.write_text("extension,password_env\n1001,PW1001\n")
    box.control(latency_ms=1500)
    proc = cli.start("enroll", "--file", str(inv), "--dry-run", PW1001=box.password("1001"),
                     UCMAUTO_ZOHO_CLIENT_SECRET=zoho.client_secret(US, "us"))
    box.wait_for(lambda st: st["counters"]["actions"].get("getCRMUserSettings", 0) >= 1 or proc.poll() is not None,
                 timeout=90, what="1001 reading its page")
    assert proc.poll() is None, proc.communicate()
    code, err, _took = _stop(proc, signal.SIGTERM)
    assert code == ExitCode.TERMINATED, err
    line = [ln for ln in err.splitlines() if ln.startswith("ucmauto: ")]
    assert line == ["ucmauto: stopped by SIGTERM; nothing was changed (dry run)"], err
    assert "journal" not in err
    assert box.state()["counters"]["global"]["saves"] == {}
    cli.assert_no_session_left()  # the portal logged out on the way out
