"""The pure parts: request checks, plan, profile merge, known_hosts (no box, no browser)."""

from __future__ import annotations

import pytest

from ucm_automator.errors import BadInput
from ucm_automator.models import AdminCrm
from ucm_automator.plan import AdminWant, diff_admin, parse_lookups, resolve_admin, server_domain
from ucm_automator.ucm.errors import TlsChanged, TlsUntrusted
from ucm_automator.ucm.profile import load_profile
from ucm_automator.ucm.trust import Certificate, KnownHosts, decide, normalize_fingerprint

P = load_profile()


@pytest.mark.parametrize("given, domain", [
    ("eu", "zoho.eu"), ("zoho.eu", "zoho.eu"), ("https://accounts.zoho.com.au/", "zoho.com.au"),
    ("US", "zoho.com"),
])
def test_server_address_forms(given, domain):
    assert server_domain(given, P) == domain


def test_a_zoho_domain_the_firmware_does_not_offer_is_bad_input():
    with pytest.raises(BadInput, match="not a CRM Server Address this firmware offers"):
        server_domain("zoho.sa", P)


def test_lookups_keep_order_and_refuse_duplicates():
    assert parse_lookups("Leads, accounts", P) == ["leads", "accounts"]
    with pytest.raises(BadInput, match="twice"):
        parse_lookups("leads,leads", P)


def test_resolve_keeps_what_was_not_asked():
    before = AdminCrm(crm_module="zohov2", server_address="zoho.in", lookups=["accounts"], add_unknown="accounts")
    want = resolve_admin(AdminWant(lookups=["leads", "accounts"]), before, P)
    assert want == AdminCrm(crm_module="zohov2", server_address="zoho.in", lookups=["leads", "accounts"],
                            add_unknown="accounts")
    assert [c.field for c in diff_admin(before, want)] == ["lookups"]
    assert diff_admin(want, want) == []


def test_resolve_needs_a_server_when_the_box_has_none():
    with pytest.raises(BadInput, match="--server-address is required"):
        resolve_admin(AdminWant(), AdminCrm(crm_module="salesforce"), P)


def test_user_profile_merges_over_the_default(tmp_path):
    f = tmp_path / "fw.toml"
    f.write_text('[menus]\nadmin_crm = [["Extras", "CRM"]]\n[admin_crm.labels]\ncrm_system = "CRM Type"\n')
    p = load_profile(str(f))
    assert p.menus.admin_crm == [["Extras", "CRM"]]  # lists replace
    assert p.admin_crm.labels.crm_system == "CRM Type" and p.admin_crm.labels.lookups == "Contact Lookups"
    bad = tmp_path / "bad.toml"
    bad.write_text('[admin_crm.labels]\ncrm_systme = "x"\n')
    with pytest.raises(BadInput, match="crm_systme"):
        load_profile(str(bad))


def test_fingerprint_forms_and_known_hosts(tmp_path):
    hexes = "ab" * 32
    assert normalize_fingerprint(hexes) == "sha256:" + ":".join(["AB"] * 32)
    with pytest.raises(BadInput):
        normalize_fingerprint("sha256:1234")
    kh = KnownHosts(tmp_path / "kh")
    kh.remember("box:8089", "sha256:01")
    kh.remember("other:8089", "sha256:02")
    kh.remember("box:8089", "sha256:03")
    assert kh.lookup("box:8089") == "sha256:03" and kh.lookup("other:8089") == "sha256:02"
    assert len(kh.path.read_text().splitlines()) == 2


def test_trust_decisions(tmp_path):
    cert = Certificate("box:8089", "sha256:" + ":".join(["AA"] * 32), "spki")
    store = KnownHosts(tmp_path / "kh")
    with pytest.raises(TlsUntrusted):
        decide(cert, store, None, ask=lambda q: False)
    assert not store.path.exists()
    assert decide(cert, store, None, ask=lambda q: "AA:AA" in q).newly_trusted  # the prompt shows it
    assert decide(cert, store, None, ask=None).spki_pin == "spki"
    store.path.write_text("box:8089 sha256:" + ":".join(["BB"] * 32) + "\n")
    with pytest.raises(TlsChanged, match="CHANGED"):
        decide(cert, store, None, ask=lambda q: True)  # a prompt never overrides a changed key
    accepted = decide(cert, store, cert.fingerprint, ask=None)  # the user names the new one
    assert accepted.newly_trusted and store.lookup("box:8089") == cert.fingerprint
