"""`ucmauto probe`: read-only look at a box's GUI for a firmware profile and a bug report.

Logs in as the admin (and, if given, one user), opens the CRM pages in the box's own language,
saves nothing, logs out; writes a draft profile (profile.toml) and a redacted report
(report.json, masked screenshots) into --out. docs/probe.md says what to send.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from ucm_automator.cli.options import (AdminPwOpt, AdminUserOpt, ConfigOpt, FingerprintOpt, InsecureOpt, JsonOpt,
                                       KnownHostsOpt, NoInputOpt, PasswordFileOpt, ProfileOpt, TimeoutOpt, UcmOpt,
                                       asker, browser_check, command, settings, terminal)

EXAMPLE = """\
ucmauto probe --ucm https://192.0.2.10:8089 --out ucmauto-probe
ucmauto probe --ucm https://192.0.2.10:8089 --user 1001 --password-file 1001.pass"""

OutOpt = Annotated[Path, typer.Option("--out", help="Folder for profile.toml, report.json and the masked "
                                      "screenshots (default ./ucmauto-probe).")]
ProbeUserOpt = Annotated[Optional[str], typer.Option("--user", help="Also look at this extension's CRM User "
                                                     "Settings (its password: --password-file, "
                                                     "$UCMAUTO_USER_PASSWORD or a hidden prompt).")]


def register(app: typer.Typer) -> None:
    command(app, "probe", example=EXAMPLE,
            help="Read-only: look at the box's GUI in its own language and write a draft firmware profile and a "
            "redacted report for a bug report. Saves nothing.")(probe)


def probe(
    ucm: UcmOpt = None, out: OutOpt = Path("ucmauto-probe"), user: ProbeUserOpt = None,
    password_file: PasswordFileOpt = None, admin_user: AdminUserOpt = None, admin_password_file: AdminPwOpt = None,
    profile: ProfileOpt = None, config: ConfigOpt = None, fingerprint: FingerprintOpt = None,
    insecure: InsecureOpt = False, known_hosts: KnownHostsOpt = None, timeout: TimeoutOpt = None,
    json_out: JsonOpt = False, no_input: NoInputOpt = False,
) -> None:
    """Write a draft profile and a redacted report; change nothing on the box."""
    from ucm_automator.cli.admin import admin_password
    from ucm_automator.cli.prompts import hidden_prompt
    from ucm_automator.runner import run_probe
    from ucm_automator.secrets import resolve_secret

    term = terminal(json_out)
    s = settings(config, ucm=ucm, profile=profile, fingerprint=fingerprint, insecure=insecure,
                 known_hosts=known_hosts, timeout_s=timeout, admin_user=admin_user)
    browser_check()
    interactive = term.interactive and not no_input
    admin_pw = admin_password(s, admin_password_file, interactive)
    who = None
    if user:
        who = (user, resolve_secret(f"password of extension {user}", file=password_file, env="UCMAUTO_USER_PASSWORD",
                                    prompt=f"Password of extension {user} (hidden)", ask=hidden_prompt(interactive),
                                    hint="--password-file").value)
    draft, report, missing = run_probe(s, admin_pw, who, out, term, asker(interactive))
    if term.json_mode:
        term.json({"profile": str(draft), "report": str(report), "not_seen": missing})
        return
    term.data(f"draft profile: {draft} (use it with --profile {draft})")
    term.data(f"report:        {report} (+ masked screenshots in {out}); see docs/probe.md before sending")
    for m in missing:
        term.warn(f"not seen, left to the default: {m}")
