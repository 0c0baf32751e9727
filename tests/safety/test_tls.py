"""TLS: a box whose certificate changed is refused before anything is sent to it; --insecure
proceeds and warns exactly once per run.

The box is trusted (known_hosts), stopped, its certificate files deleted, and restarted on the
same port and state dir: it makes a new key and certificate, as a re-installed UCM would (or a
machine in the middle would present).
"""

from __future__ import annotations

import socket

import pytest

from fixtures.procs import start_box
from safety_helpers import Env

INSECURE_WARNING = "warning: --insecure"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def changed(zoho_server, canary_seed, tmp_path):
    """(env on the restarted box, the old fingerprint)."""
    zoho_server.reset()
    state_dir, port = tmp_path / "box-state", _free_port()
    flags = {"seed": str(canary_seed[0]), "zoho_url": zoho_server.url, "crm_login_delay_ms": 30,
             "state_dir": state_dir, "port": port}
    with start_box(**flags) as first:
        old = first.fingerprint
    (state_dir / "cert.pem").unlink()
    (state_dir / "key.pem").unlink()
    with start_box(**flags) as box:
        assert box.fingerprint != old and box.url.endswith(f":{port}")
        e = Env(box, zoho_server, tmp_path / "run", canary_seed[1])
        e.app.mkdir(parents=True, mode=0o700)
        (e.app / "known_hosts").write_text(f"127.0.0.1:{port} {old}\n")  # trusted before the change
        e.admin_crm()
        e.zoho_users(["1001", "1002"])
        e.token("1001")
        e.token("1002")
        yield e, old


def test_changed_certificate_is_refused_then_insecure_warns_once(changed):
    e, old = changed
    new = e.box.fingerprint
    no_pin = {"UCMAUTO_FINGERPRINT": None}  # trust comes from known_hosts only
    inv = str(e.inventory(["1001", "1002"]))
    known = (e.app / "known_hosts").read_text()
    before = e.state()["counters"]

    runs = {
        "admin-setup": e.run("admin-setup", "--server-address", "zoho.com",
                             UCMAUTO_ADMIN_PASSWORD=e.password("admin"), **no_pin),
        "enroll-user": e.run("enroll-user", "1001", UCMAUTO_USER_PASSWORD=e.password("1001"), **no_pin),
        "enroll": e.run("enroll", "--file", inv, **no_pin),
        "status": e.run("status", "--file", inv, UCMAUTO_ADMIN_PASSWORD=e.password("admin"), **no_pin),
    }
    for name, r in runs.items():
        assert r.rc == 14, (name, r.err)  # TLS_CHANGED
        line = r.err.strip().splitlines()[-1]
        assert line.startswith("ucmauto:") and "CHANGED" in line and old in line and new in line, (name, line)
    st = e.state()
    assert st["counters"] == before  # nothing reached the box: no login, no failed login, no save
    assert st["counters"]["global"]["logins"] == 0 and st["counters"]["global"]["failed_logins"] == 0
    assert (e.app / "known_hosts").read_text() == known  # the old trust is kept, not overwritten

    # --insecure: proceeds, and says so once per run (not per user, not per page)
    r = e.run("admin-setup", "--server-address", "zoho.com", "--insecure",
              UCMAUTO_ADMIN_PASSWORD=e.password("admin"), **no_pin)
    assert r.rc == 0, r.err
    assert r.err.count(INSECURE_WARNING) == 1, r.err
    r = e.run("enroll", "--file", inv, "--insecure", "-j", "2", **no_pin)
    assert r.rc == 0, r.err
    assert r.err.count(INSECURE_WARNING) == 1, r.err
    assert all(e.state()["users"][x]["login_status"] == "login" for x in ("1001", "1002"))
    assert (e.app / "known_hosts").read_text() == known  # --insecure trusts nothing new either
