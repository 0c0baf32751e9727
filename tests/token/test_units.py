"""In-process checks of the pieces: the data-centre table, expiry shapes, redirect checks."""

from __future__ import annotations

import pytest

from ucm_automator.errors import BadInput, ExitCode
from ucm_automator.zoho import authflow, dc
from ucm_automator.zoho import errors as E
from ucm_automator.zoho.oauth import expiry_seconds


@pytest.mark.parametrize("given", ["eu", "EU", "zoho.eu", "crm.zoho.eu", "https://accounts.zoho.eu",
                                   "https://accounts.zoho.eu/", "https://www.zohoapis.eu", "accounts.zoho.eu"])
def test_every_way_to_name_a_data_centre(given):
    assert dc.resolve(given).code == "eu"


def test_data_centre_table():
    assert dc.resolve("zohocloud.ca").accounts_url == "https://accounts.zohocloud.ca"
    assert dc.resolve("zoho.com.au").code == "au" and dc.resolve("zoho.com").code == "us"
    assert dc.resolve("https://www.zohoapis.com.cn").code == "cn"
    assert set(dc.CODES) == {"us", "eu", "in", "au", "cn", "jp", "ca", "sa", "uk"}
    over = dc.resolve("us", "http://127.0.0.1:9/accounts/us/")
    assert over.accounts_url == "http://127.0.0.1:9/accounts/us" and over.overridden and over.code == "us"
    with pytest.raises(BadInput, match="us, eu, in"):
        dc.resolve("zoho.mars")
    with pytest.raises(BadInput, match="--zoho-dc"):
        dc.resolve(None)


def test_trusted_accounts_servers():
    assert dc.trusted_accounts_server("https://accounts.zoho.eu") == "https://accounts.zoho.eu"
    assert dc.trusted_accounts_server("https://accounts.zoho.eu/x?y") == "https://accounts.zoho.eu"
    assert dc.trusted_accounts_server("http://accounts.zoho.eu") is None  # not https
    assert dc.trusted_accounts_server("https://accounts.zoho.eu.evil.com") is None
    assert dc.trusted_accounts_server("https://evil.com/https://accounts.zoho.eu") is None
    fake = "http://127.0.0.1:5000/accounts/us"
    assert dc.trusted_accounts_server("http://127.0.0.1:5000/accounts/eu", fake) == "http://127.0.0.1:5000/accounts/eu"
    assert dc.trusted_accounts_server("http://127.0.0.1:5001/accounts/eu", fake) is None


def test_expiry_shapes():
    assert expiry_seconds({"expires_in": 3600}) == 3600
    assert expiry_seconds({"expires_in_sec": 3600, "expires_in": 3600000}) == 3600
    assert expiry_seconds({"expires_in": 3600000}) == 3600  # ms without the marker


def test_redirect_checks():
    eu = dc.resolve("eu")
    code, where = authflow.code_from_redirect(
        {"code": "c0de", "state": "s", "location": "us", "accounts-server": "https://accounts.zoho.com"}, "s", eu, None)
    assert code.get_secret_value() == "c0de" and where.code == "us" and where.accounts_url == "https://accounts.zoho.com"
    with pytest.raises(E.StateMismatch):
        authflow.code_from_redirect({"code": "c0de"}, "s", eu, None)
    with pytest.raises(E.AccessDenied):
        authflow.code_from_redirect({"error": "access_denied"}, "s", eu, None)
    with pytest.raises(E.StateMismatch):  # a forged denial is a forgery first
        authflow.code_from_redirect({"error": "access_denied", "state": "x"}, "s", eu, None)
    with pytest.raises(E.UntrustedServer) as e:
        authflow.code_from_redirect({"code": "c", "state": "s", "accounts-server": "https://evil.example"}, "s", eu, None)
    assert e.value.exit_code == ExitCode.ZOHO_UNTRUSTED_SERVER
    assert authflow.is_loopback("http://127.0.0.1:0/cb") and authflow.is_loopback("http://localhost/cb")
    assert not authflow.is_loopback("https://127.0.0.1/cb") and not authflow.is_loopback("http://example.com/cb")


def test_error_classes_map_to_distinct_exit_codes():
    classes = [E.InvalidClient, E.GrantCodeInvalid, E.InvalidClientSecret, E.RedirectUriMismatch,
               E.Throttled, E.RefreshTokenInvalid, E.AccessDenied, E.StateMismatch, E.UntrustedServer,
               E.Unreachable, E.ZohoTimeout, E.ServerError, E.BadReply, E.ZohoError]
    codes = [c.exit_code for c in classes]
    assert len(set(codes)) == len(codes) and all(c.name.startswith("ZOHO_") for c in codes)
