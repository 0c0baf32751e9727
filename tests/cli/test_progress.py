"""The live batch view: on a terminal, rich's progress on stderr (the batch's bar, each user at
work with its step), gone when the run ends; without a terminal, one plain line per user."""

from __future__ import annotations

import os
import pty
import select
import subprocess
import time

from cli_helpers import US, Cli

EXTS = ("1001", "1002")


def _arrange(box, zoho, cli) -> None:
    box.control(set_admin_crm={"crm_module": "zohov2", "crm_addr": "zoho.com", "number_add": "contacts",
                               "first_search": "contacts"}, apply=True)
    for ext in EXTS:
        email = f"user{ext}@example.com"
        zoho.add_user("us", email, f"User {ext}")
        token = zoho.refresh_token(US, email, "ZohoCRM.users.ALL", dc="us")
        cli.store_token(ext, token, accounts_url=zoho.accounts_url("us"), api_domain=zoho.api_url("us"))
    rows = "".join(f"{ext},PW{ext}\n" for ext in EXTS)
    (cli.tmp / "users.csv").write_text("extension,password_env\n" + rows)


def _env(box, zoho) -> dict[str, str]:
    return {**{f"PW{e}": box.password(e) for e in EXTS}, "UCMAUTO_ZOHO_CLIENT_SECRET": zoho.client_secret(US, "us")}


def test_live_view_on_a_terminal(box, zoho, tmp_path):
    cli = Cli(box, tmp_path)
    _arrange(box, zoho, cli)
    master, slave = pty.openpty()  # stderr is a terminal; stdout stays a pipe (the table)
    run = subprocess.Popen(cli.argv("enroll", "--file", str(tmp_path / "users.csv"), "--dry-run"), cwd=tmp_path,
                           env={**cli.env(**_env(box, zoho)), "COLUMNS": "120", "TERM": "xterm"},
                           stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=slave, text=True)
    os.close(slave)
    seen = b""
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        ready, _, _ = select.select([master], [], [], 1.0)
        if ready:
            try:
                chunk = os.read(master, 65536)
            except OSError:  # the terminal closed: the run is over
                break
            if not chunk:
                break
            seen += chunk
        elif run.poll() is not None:
            break
    out, _ = run.communicate(timeout=60)
    os.close(master)
    text = seen.decode(errors="replace")
    assert run.returncode == 0, text
    assert "users" in text and "/2" in text and "━" in text  # rich's bar and count
    assert any(f"{ext}:" in text for ext in EXTS)  # a user's current step
    assert "\x1b[?25l" in text and "\x1b[?25h" in text  # the live view hid the cursor and gave it back
    assert all(ext in out for ext in EXTS) and "would change" in out  # the summary table on stdout
    cli.assert_no_session_left()


def test_plain_lines_without_a_terminal(box, zoho, tmp_path):
    cli = Cli(box, tmp_path)
    _arrange(box, zoho, cli)
    r = cli.run("enroll", "--file", str(tmp_path / "users.csv"), "--dry-run", **_env(box, zoho))
    assert r.rc == 0, r.err
    assert "\x1b[" not in r.err  # no terminal: no control sequences
    for ext in EXTS:
        assert any(ln.startswith(ext) and "would change" in ln for ln in r.err.splitlines()), r.err
    cli.assert_no_session_left()
