"""Process-level behaviour: persistence across restarts, certificate reuse, TLS handshake in the worker
thread, clean SIGTERM, fault injection and latency, firmware profiles."""
from __future__ import annotations

import json
import socket
import ssl
import time

from fixtures.procs import start_box

ADMIN = "admin"
ZOHO_CRM = {"crm_module": "zohov2", "crm_addr": "zoho.com", "number_add": "contacts",
            "first_search": "contacts", "second_search": "", "third_search": ""}
CREDS = {"client_id": "1000.ABC", "client_secret": "s3cret", "refresh_token": "1000.rt.xyz"}


def test_persistence_across_restart(tmp_path):
    state_dir = tmp_path / "box"
    with start_box(state_dir=state_dir, login_max_num=2, login_ban_seconds=0) as b1:
        fp, spki = b1.fingerprint, b1.spki_sha256
        a = b1.client()
        assert a.login(ADMIN, b1.password(ADMIN))["status"] == 0
        assert a.cgi("updateCRMSettings", **ZOHO_CRM)["status"] == 0
        assert a.cgi("applyChanges", settings="")["status"] == 0
        assert a.cgi("addCRMUserSettings", extension="1002", enable_crm="yes", **CREDS)["status"] == 0
        # ban 1009 for ever
        for _ in range(2):
            c = b1.client()
            ch = c.cgi("challenge", user="1009")["response"]["challenge"]
            assert c.cgi("login", user="1009", token=ch.zfill(32))["status"] in (-37, -70)
        assert b1.state()["bans"]["1009"]["permanent"] is True
        assert b1.stop() == 0  # SIGTERM: clean exit
    raw = json.loads((state_dir / "state.json").read_text())
    assert raw["admin_crm"]["applied"] == ZOHO_CRM
    assert not list(state_dir.glob(".state.*.tmp"))
    with start_box(state_dir=state_dir) as b2:
        assert (b2.fingerprint, b2.spki_sha256) == (fp, spki)  # the certificate is reused
        st = b2.state()
        assert st["admin_crm"]["saved"] == ZOHO_CRM and st["admin_crm"]["applied"] == ZOHO_CRM
        assert st["users"]["1002"]["crm"]["saved"]["client_id"] == "1000.ABC"
        assert st["users"]["1002"]["crm"]["applied"] is None
        assert st["need_apply"] is True
        assert st["bans"]["1009"]["permanent"] is True
        assert st["counters"]["users"][ADMIN]["logins"] == 1
        a = b2.client()
        assert a.cgi("ping")["status"] == -6  # sessions do not survive a restart
        assert a.login(ADMIN, b2.password(ADMIN))["status"] == 0
        assert a.cgi("getCRMUserSettings", extension="1002")["response"]["extension"]["refresh_token"] == "1000.rt.xyz"
        assert b2.client().login("1009", b2.password("1009"))["status"] == -70


def test_certificate_and_slow_handshake(box):
    cert = ssl.DER_cert_to_PEM_cert(ssl.PEM_cert_to_DER_cert(box.cert_path.read_text()))
    assert "BEGIN CERTIFICATE" in cert
    from cryptography import x509
    c = x509.load_pem_x509_certificate(box.cert_path.read_bytes())
    assert c.subject.get_attributes_for_oid(x509.NameOID.COMMON_NAME)[0].value == "UCM6302"
    san = c.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert "localhost" in san.get_values_for_type(x509.DNSName)
    assert [str(i) for i in san.get_values_for_type(x509.IPAddress)] == ["127.0.0.1"]
    # silent clients that never start the handshake do not block other clients
    host, port = box.url.split("//")[1].split(":")
    idle = [socket.create_connection((host, int(port)), timeout=5) for _ in range(3)]
    try:
        t0 = time.monotonic()
        assert box.client().cgi("challenge", user=ADMIN)["status"] == 0
        assert time.monotonic() - t0 < 2
    finally:
        for s in idle:
            s.close()


def test_fault_shares_and_determinism(box, admin):
    box.control(fault_rate_limit=0.3, fault_seed=1234)
    n = 200
    codes = [admin.cgi("updateCRMSettings", crm_module="")["status"] for _ in range(n)]
    limited = codes.count(-45)
    assert set(codes) <= {0, -45}
    assert 0.18 * n <= limited <= 0.42 * n
    st = box.state()
    assert st["counters"]["faults"]["rate_limit"] == limited
    assert st["counters"]["global"]["saves"]["updateCRMSettings"] == n - limited
    # reads are never rate-limited
    assert all(admin.cgi("getCRMSettings")["status"] == 0 for _ in range(20))
    # the same seed gives the same sequence
    box.control(fault_seed=1234)
    again = [admin.cgi("updateCRMSettings", crm_module="")["status"] for _ in range(n)]
    assert again == codes
    box.control(fault_rate_limit=0.0, fault_502=0.25, fault_seed=99)
    statuses = [admin.raw("ping").status_code for _ in range(n)]
    bad = statuses.count(502)
    assert set(statuses) <= {200, 502}
    assert 0.13 * n <= bad <= 0.37 * n
    r = None
    while r is None or r.status_code != 502:
        r = admin.raw("challenge", user=ADMIN)  # 502 hits any /cgi request, login ones too
    assert "text/html" in r.headers["Content-Type"] and "502 Bad Gateway" in r.text
    assert box.state()["counters"]["faults"]["http_502"] == bad + 1


def test_fault_flags_deterministic(tmp_path):
    runs = []
    for i in range(2):
        with start_box(state_dir=tmp_path / f"b{i}", fault_502=0.5, fault_seed=42) as b:
            c = b.client()
            runs.append([c.raw("challenge", user=ADMIN).status_code for _ in range(40)])
    assert runs[0] == runs[1] and 502 in runs[0] and 200 in runs[0]


def test_latency(box, admin):
    box.control(latency_ms=150)
    t0 = time.monotonic()
    assert admin.cgi("ping")["status"] == 0
    assert time.monotonic() - t0 >= 0.15
    box.control(latency_ms=0)
    t0 = time.monotonic()
    admin.cgi("ping")
    assert time.monotonic() - t0 < 0.15


def test_other_features_firmware(tmp_path):
    with start_box(state_dir=tmp_path / "of", firmware="other-features") as b:
        prof = b.client().http.get(f"{b.url}/locale/en-US.json", timeout=10).json()
        assert prof["name"] == "other-features" and prof["model"] == "UCM6304"
        assert prof["routes"]["admin_crm"] == "/other-features/crm"
        assert prof["routes"]["user_crm"] == "/user-value-added-features/userCrmUserSettings"
        labels = [m["label"] for m in prof["menus"]["admin"]]
        assert "Other Features" in labels and "Value-added Features" not in labels
        assert prof["texts"]["crm.title"] == "CRM" and "extends" not in prof and "menu_renames" not in prof
        a = b.client()
        priv = a.login(ADMIN, b.password(ADMIN))["response"]["user"]["html_privilege"]
        assert priv["/other-features/crm"] == 1 and "/value-added-features/crm" not in priv
        assert b.state()["firmware"] == "other-features"


def test_bad_firmware_exits(tmp_path):
    import pytest
    from fixtures.procs import FixtureStartError
    with pytest.raises(FixtureStartError, match="unknown firmware"):
        start_box(state_dir=tmp_path / "x", firmware="no-such-profile", ready_timeout=15)
