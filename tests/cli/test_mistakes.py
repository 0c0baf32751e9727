"""Every mistake an admin makes on the command line: one `ucmauto:` line naming the fix, the exit
code docs/exit-codes.md gives it, found before any login (the box counts none), and with --json
one error document on stdout."""

from __future__ import annotations

import json

import pytest

from ucm_automator.errors import ExitCode

ADMIN = ("admin-setup", "--server-address", "eu")


# (id, argv ("{tmp}" is the test's folder), env, expected code, words of the line)
MISTAKES: list[tuple[str, tuple[str, ...], dict[str, str], ExitCode, str]] = [
    ("port out of range", ("admin-setup", "--ucm", "https://127.0.0.1:99999", "--server-address", "eu"), {},
     ExitCode.BAD_INPUT, "Port out of range"),
    ("broken IPv6", ("status", "--ucm", "https://[::1"), {}, ExitCode.BAD_INPUT, "Invalid IPv6 URL"),
    ("IPv6 without brackets", ("status", "--ucm", "::1"), {}, ExitCode.BAD_INPUT, "https://[::1]:8089"),
    ("plain http UCM", ("status", "--ucm", "http://127.0.0.1:8089"), {}, ExitCode.BAD_INPUT, "must use https"),
    ("negative timeout", ("status", "--timeout", "-1"), {}, ExitCode.BAD_INPUT, "bad --timeout"),
    ("zero timeout from env", ("status",), {"UCMAUTO_TIMEOUT_S": "0"}, ExitCode.BAD_INPUT, "UCMAUTO_TIMEOUT_S"),
    ("browser missing", ADMIN, {"UCMAUTO_BROWSER": "/nonexistent/chrome"}, ExitCode.NOT_FOUND,
     "UCMAUTO_BROWSER=/nonexistent/chrome does not exist"),
    ("browser not executable", ADMIN, {"UCMAUTO_BROWSER": "{tmp}/not-a-browser"}, ExitCode.BAD_INPUT,
     "is not an executable file"),
    ("inventory missing", ("enroll", "--file", "{tmp}/nope.csv"), {}, ExitCode.NOT_FOUND,
     "inventory file"),
    ("--all's inventory from the environment missing", ("enroll", "--all"), {"UCMAUTO_INVENTORY": "{tmp}/nope.csv"},
     ExitCode.NOT_FOUND, "nope.csv does not exist"),
    ("inventory missing, enroll-user", ("enroll-user", "alice", "--file", "{tmp}/nope.toml"), {},
     ExitCode.NOT_FOUND, "does not exist"),
    ("password file missing", ("enroll-user", "1001", "--zoho-dc", "us", "--client-id", "1000.DEMOCLIENTUS",
                               "--password-file", "{tmp}/nope.pass"),
     {"UCMAUTO_ZOHO_CLIENT_SECRET": "cs"}, ExitCode.NOT_FOUND, "problem(s)"),
    ("admin password file missing", (*ADMIN, "--admin-password-file", "{tmp}/nope.pass"), {},
     ExitCode.NOT_FOUND, "UCM admin password file"),
    ("profile missing", (*ADMIN, "--profile", "nope"), {}, ExitCode.NOT_FOUND, "fix --profile"),
    ("config missing", ("status", "--config", "{tmp}/nope.toml"), {}, ExitCode.NOT_FOUND, "config file"),
    ("enroll-user --no-input without password",
     ("enroll-user", "1001", "--zoho-dc", "us", "--client-id", "1000.DEMOCLIENTUS", "--no-input"),
     {"UCMAUTO_ZOHO_CLIENT_SECRET": "cs"}, ExitCode.SECRET_MISSING, "problem(s)"),
    ("admin-setup --no-input without password", (*ADMIN, "--no-input"), {}, ExitCode.SECRET_MISSING,
     "no UCM admin password"),
    ("status --no-input without password", ("status", "1001", "--no-input"), {}, ExitCode.SECRET_MISSING,
     "no UCM admin password"),
    ("enroll without --file or --all", ("enroll",), {}, ExitCode.USAGE, "exactly one of --all"),
    ("enroll-user has no batch flags", ("enroll-user", "1001", "-j", "2"), {}, ExitCode.USAGE,
     "No such option: -j"),
    ("unknown --get-token", ("enroll-user", "1001", "--get-token", "maybe"), {}, ExitCode.USAGE, "--get-token"),
    ("server address not in the profile, dry run", (*ADMIN[:1], "--server-address", "zoho.xx", "--dry-run"),
     {"UCMAUTO_ADMIN_PASSWORD": "x"}, ExitCode.BAD_INPUT, "not a CRM Server Address this firmware offers"),
    ("Zoho over plain http", ("token", "exchange", "--zoho-dc", "us", "--client-id", "1000.X",
                              "--zoho-accounts-url", "http://192.0.2.1/", "--no-input"), {},
     ExitCode.BAD_INPUT, "plain http to another machine"),
    ("known hosts where no file can be", ("status", "--known-hosts", "/dev/null/known_hosts"),
     {"UCMAUTO_ADMIN_PASSWORD": "x"}, ExitCode.BAD_INPUT, "pass another --known-hosts"),
]


@pytest.mark.parametrize("args, env, code, words", [m[1:] for m in MISTAKES], ids=[m[0] for m in MISTAKES])
def test_mistake_gives_its_line_and_code_before_any_login(cli, args, env, code, words):
    cli.store_token("1001")  # enroll-user finds its token: the password is the only thing missing
    (cli.tmp / "not-a-browser").write_text("#!/bin/sh\n")  # 0644: not executable
    r = cli.run(*(a.replace("{tmp}", str(cli.tmp)) for a in args),
                **{k: v.replace("{tmp}", str(cli.tmp)) for k, v in env.items()})
    assert r.rc == code, r.err
    assert words in r.err and r.line().startswith("ucmauto: "), r.err
    assert "Traceback" not in r.err and "internal error" not in r.err
    assert cli.logins() == 0  # told before any login


def test_a_known_hosts_lock_that_cannot_be_had_ends_with_a_line_not_a_hang(cli):
    r = cli.run("status", "--known-hosts", "/proc/self/known_hosts", UCMAUTO_ADMIN_PASSWORD="x", timeout=60)
    assert r.rc == ExitCode.BAD_INPUT, r.err
    assert "could not lock /proc/self/known_hosts.lock within 10 s" in r.line()
    assert cli.logins() == 0


def test_secret_file_readable_by_others_is_warned_about_once(cli, box):
    pw = cli.tmp / "admin.pass"
    pw.write_text(box.password("admin") + "\n")
    pw.chmod(0o644)
    r = cli.run(*ADMIN, "--dry-run", "--admin-password-file", str(pw))
    assert r.rc == 0, r.err
    warned = [ln for ln in r.err.splitlines() if "can be read by other users" in ln]
    assert len(warned) == 1 and f"chmod 600 {pw}" in warned[0]
    pw.chmod(0o600)
    r = cli.run(*ADMIN, "--dry-run", "--admin-password-file", str(pw))
    assert r.rc == 0 and "can be read by other users" not in r.err


# ---- --json: one document on failure too, for every command -----------------------------------

FAILING = [
    (("admin-setup", "--ucm", "https://127.0.0.1:99999"), ExitCode.BAD_INPUT),
    (("enroll",), ExitCode.USAGE),
    (("enroll-user", "1001", "--no-input", "--zoho-dc", "us", "--client-id", "1000.DEMOCLIENTUS"),
     ExitCode.SECRET_MISSING),
    (("status", "--timeout", "0"), ExitCode.BAD_INPUT),
    (("status", "--bogus"), ExitCode.USAGE),
    (("token", "exchange", "--no-input"), ExitCode.BAD_INPUT),
    (("token", "authorize", "--no-input"), ExitCode.BAD_INPUT),
    (("token", "check", "--name", "nobody"), ExitCode.NOT_FOUND),
    (("token", "revoke", "--name", "nobody", "--yes"), ExitCode.NOT_FOUND),
    (("token", "list", "--zoho-dc", "zz"), ExitCode.BAD_INPUT),
]


@pytest.mark.parametrize("args, code", FAILING, ids=[" ".join(a[:2]) for a, _ in FAILING])
def test_json_on_failure_is_one_error_document(cli, args, code):
    cli.store_token("1001")
    r = cli.run(*args, "--json", UCMAUTO_ZOHO_CLIENT_SECRET="cs")
    assert r.rc == code, r.err
    doc = json.loads(r.out)  # the whole of stdout is one document
    message = r.err[r.err.index("ucmauto: ") + len("ucmauto: "):].rstrip("\n")  # the line (and a problem list)
    assert doc["error"] == {"code": code.name, "exit_code": int(code), "message": message}


def test_json_on_success_has_no_error(cli):
    r = cli.run("token", "list", "--json")
    assert r.rc == 0, r.err
    assert "error" not in r.json() and r.json()["tokens"] == []
