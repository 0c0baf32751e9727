"""`ucmauto token exchange` (the Self Client path) against the fake Zoho, and every answer of
the token endpoint with its exit code and one-line message."""

from __future__ import annotations

import json
import stat
import time

from token_helpers import EU, FULL, GRANDSTREAM, US

from ucm_automator.errors import ExitCode


def _secrets(cli):
    recs = cli.stored()
    return [v for r in recs for v in (r.get("refresh_token"), r.get("access_token")) if v]


def test_exchange_verifies_saves_and_tells_who(cli):
    r, code = cli.exchange("alice@example.com", FULL, "--name", "1001")
    assert r.rc == 0, r.err
    assert "Alice Archer <alice@example.com>" in r.out
    assert "data centre:  us" in r.out
    assert "evicted" in r.err and "20 refresh tokens" in r.err  # the eviction warning
    (rec,) = cli.stored()
    assert (rec["dc"], rec["client_id"], rec["user"], rec["name"]) == ("us", US, "alice@example.com", "1001")
    assert rec["refresh_token"] and rec["access_token"]
    assert 3500 < rec["access_expires_at"] - time.time() <= 3600
    assert stat.S_IMODE(cli.store.stat().st_mode) == 0o600
    r.assert_no(code, cli.secret(), *_secrets(cli))
    # exactly one exchange and one CurrentUser reached Zoho; the code was not refreshed after
    st = cli.zoho.state()
    assert [c["grant_type"] for c in st["calls"] if c["endpoint"] == "token"] == ["authorization_code"]


def test_exchange_json_has_no_secrets_and_show_secret_prints_only_the_token(cli):
    r, code = cli.exchange("bob@example.com", FULL, "--json")
    assert r.rc == 0, r.err
    doc = json.loads(r.out)
    assert doc["user"] == "bob@example.com" and doc["user_verified"] and not doc["scope_mismatch"]
    assert doc["dc"] == "us" and "refresh_token" not in doc
    r.assert_no(code, cli.secret(), *_secrets(cli))

    r, code = cli.exchange("carol@example.com", FULL, "--show-secret")
    assert r.rc == 0, r.err
    carol = next(t for t in cli.stored() if t["user"] == "carol@example.com")
    assert r.out == carol["refresh_token"] + "\n"  # stdout holds the token alone: `> file` works
    assert "--show-secret" in r.err and "Carol Chen" in r.err
    assert carol["access_token"] not in r.out + r.err and code not in r.out + r.err

    r, _ = cli.exchange("dave@example.com", FULL, "--show-secret", "--json")
    dave = next(t for t in cli.stored() if t["user"] == "dave@example.com")
    assert json.loads(r.out)["refresh_token"] == dave["refresh_token"]


def test_scope_mismatch_is_still_saved_with_granted_scopes(cli):
    """Grandstream's guide scopes cannot call CurrentUser, yet the token is good for the UCM."""
    r, _ = cli.exchange("alice@example.com", GRANDSTREAM, "--json")
    assert r.rc == 0, r.err
    assert "OAUTH_SCOPE_MISMATCH" in r.err and "stays Logged Out with it (add ZohoCRM.users.READ)" in r.err
    assert GRANDSTREAM in r.err
    doc = json.loads(r.out)
    assert doc["scope_mismatch"] and doc["user"] is None and doc["scopes"] == GRANDSTREAM
    (rec,) = cli.stored()
    assert rec["user"] == "unknown" and rec["refresh_token"]


def test_legacy_expires_in_sec_shape(cli):
    cli.zoho.settings(legacy_expiry=True)  # expires_in_sec 3600 + expires_in 3600000 (ms)
    r, _ = cli.exchange()
    assert r.rc == 0, r.err
    (rec,) = cli.stored()
    assert 3500 < rec["access_expires_at"] - time.time() <= 3600


def test_eu_data_centre_by_zoho_domain(cli):
    code = cli.zoho.grant(EU, "erika@example.eu", FULL, dc="eu")
    r = cli.run("exchange", "--zoho-dc", "zoho.eu", "--zoho-accounts-url", cli.zoho.accounts_url("eu"),
                "--client-id", EU, input=code, secret=cli.secret(EU, "eu"))
    assert r.rc == 0, r.err
    assert "Erika Mustermann" in r.out and cli.stored()[0]["dc"] == "eu"


def test_wrong_data_centre_names_the_dc_tried(cli):
    code = cli.zoho.grant(US, "alice@example.com", FULL, dc="us")
    r = cli.run("exchange", *cli.dc_args("eu", US), input=code, secret=cli.secret())
    assert r.rc == ExitCode.ZOHO_INVALID_CLIENT
    assert r.last_err.startswith("ucmauto: ") and "data centre 'eu'" in r.last_err
    assert "--zoho-dc" in r.last_err and US in r.last_err
    r.assert_no(code, cli.secret())
    assert not cli.store.exists()


def test_unknown_data_centre_is_bad_input(cli):
    r = cli.run("exchange", "--zoho-dc", "mars", "--client-id", US, input="x", secret="s3cret")
    assert r.rc == ExitCode.BAD_INPUT and "us, eu, in, au, cn, jp, ca, sa, uk" in r.last_err


def test_expired_and_reused_codes(cli):
    code = cli.zoho.grant(US, "alice@example.com", FULL, ttl_seconds=180)
    cli.zoho.clock(181)
    r = cli.run("exchange", *cli.dc_args(), input=code, secret=cli.secret())
    assert r.rc == ExitCode.ZOHO_INVALID_CODE
    assert "expired, already used" in r.last_err and "Generate Code" in r.last_err
    r.assert_no(code)

    r, code = cli.exchange()
    assert r.rc == 0
    r = cli.run("exchange", *cli.dc_args(), input=code, secret=cli.secret())
    assert r.rc == ExitCode.ZOHO_INVALID_CODE and len(cli.stored()) == 1


def test_wrong_client_secret(cli):
    code = cli.zoho.grant(US, "alice@example.com", FULL)
    wrong = "not-the-secret-0000000000"
    r = cli.run("exchange", *cli.dc_args(), input=code, secret=wrong)
    assert r.rc == ExitCode.ZOHO_INVALID_SECRET
    assert "client secret is wrong" in r.last_err
    r.assert_no(wrong, code, cli.secret())


def test_client_secret_from_file_and_missing(cli, tmp_path):
    f = tmp_path / "secret.txt"
    f.write_text(cli.secret() + "\n")
    code = cli.zoho.grant(US, "alice@example.com", FULL)
    r = cli.run("exchange", *cli.dc_args(), "--client-secret-file", str(f), input=code)
    assert r.rc == 0, r.err
    r = cli.run("exchange", *cli.dc_args(), "--no-input", input="code")
    assert r.rc == ExitCode.SECRET_MISSING and "--client-secret-file" in r.last_err


def test_redirect_uri_must_match(cli):
    code = cli.zoho.grant(US, "alice@example.com", FULL)
    r = cli.run("exchange", *cli.dc_args(), "--redirect-uri", "https://example.com/cb/",
                input=code, secret=cli.secret())
    assert r.rc == ExitCode.ZOHO_INVALID_REDIRECT
    assert "'https://example.com/cb/'" in r.last_err and "exactly" in r.last_err


def test_empty_grant_code(cli):
    r = cli.run("exchange", *cli.dc_args(), input="\n", secret=cli.secret())
    assert r.rc == ExitCode.SECRET_MISSING and "grant code" in r.last_err


def test_secrets_never_come_from_argv(cli):
    for flag in ("--code", "--grant-code", "--client-secret", "--refresh-token"):
        r = cli.run("exchange", *cli.dc_args(), flag, "x", input="", secret=cli.secret())
        assert r.rc == ExitCode.USAGE and "No such option" in r.err


def test_codes_and_secrets_travel_in_form_bodies(cli):
    r, _ = cli.exchange()
    (call,) = [c for c in cli.zoho.state()["calls"] if c["endpoint"] == "token"]
    assert call["query_keys"] == [] and {"code", "client_secret"} <= set(call["body_keys"])
    assert call["content_type"] == "application/x-www-form-urlencoded"


def test_store_path_flag_and_env(cli, tmp_path):
    mine = tmp_path / "elsewhere" / "t.json"
    r, _ = cli.exchange("alice@example.com", FULL, "--store", str(mine))
    assert r.rc == 0 and stat.S_IMODE(mine.stat().st_mode) == 0o600 and not cli.store.exists()
    r = cli.run("list", "--json", env={"UCMAUTO_TOKEN_STORE": str(mine)})
    assert json.loads(r.out)["store"] == str(mine) and len(json.loads(r.out)["tokens"]) == 1


def test_hidden_prompt_on_a_terminal(cli):
    """On a TTY the grant code is read with echo off: it never shows on the terminal."""
    import os
    import select
    import subprocess
    import sys

    from token_helpers import ROOT

    code = cli.zoho.grant(US, "alice@example.com", FULL)
    master, slave = os.openpty()
    proc = subprocess.Popen([sys.executable, "-m", "ucm_automator", "token", "exchange", *cli.dc_args()],
                            stdin=slave, stdout=subprocess.PIPE, stderr=slave, cwd=ROOT,
                            env=cli.env(cli.secret()), start_new_session=True)
    os.close(slave)
    seen = b""
    deadline = time.monotonic() + 15
    while b"grant code (hidden" not in seen and time.monotonic() < deadline:
        if select.select([master], [], [], 0.5)[0]:
            seen += os.read(master, 4096)
    assert b"Generate Code" in seen  # the hint says where to make the code
    os.write(master, code.encode() + b"\n")
    out, _ = proc.communicate(timeout=30)
    while select.select([master], [], [], 0.2)[0]:
        try:
            chunk = os.read(master, 4096)
        except OSError:
            break
        if not chunk:
            break
        seen += chunk
    os.close(master)
    assert proc.returncode == 0, seen.decode(errors="replace")
    assert b"Alice Archer" in out and code.encode() not in seen + out


def test_unwritable_store_is_refused_before_the_code_is_spent(cli, tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory")  # binds even for root, unlike permissions
    code = cli.zoho.grant(US, "alice@example.com", FULL)
    r = cli.run("exchange", *cli.dc_args(), "--store", str(blocker / "t.json"), input=code, secret=cli.secret())
    assert r.rc == ExitCode.BAD_INPUT and "cannot write the token store" in r.last_err
    assert [c for c in cli.zoho.state()["calls"] if c["endpoint"] == "token"] == []
