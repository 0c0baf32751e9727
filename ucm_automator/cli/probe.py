"""`ucmauto probe`: read-only look at a box's GUI for a firmware profile and a bug report.

Logs in as the admin (and, if given, one user), opens the CRM pages in the box's own language,
saves nothing, logs out; writes a draft profile (profile.toml) and a redacted report
(report.json, masked screenshots) into --out. docs/probe.md says what to send.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from ucm_automator.output import Terminal


def register(app: typer.Typer) -> None:
    app.command("probe", help="Read-only: look at the box's GUI in its own language and write a draft firmware "
                "profile and a redacted report (for a bug report). Saves nothing.")(probe)


def probe(
    ucm: Annotated[Optional[str], typer.Option("--ucm", help="UCM web GUI, e.g. https://192.0.2.10:8089. Env UCMAUTO_UCM.")] = None,
    out: Annotated[Path, typer.Option("--out", help="Folder for profile.toml, report.json and the masked screenshots.")] = Path("ucmauto-probe"),
    user: Annotated[Optional[str], typer.Option("--user", help="Also look at this extension's CRM User Settings.")] = None,
    password_file: Annotated[Optional[Path], typer.Option("--password-file", help="File holding --user's password (else env UCMAUTO_USER_PASSWORD or a hidden prompt).")] = None,
    admin_user: Annotated[Optional[str], typer.Option("--admin-user", help="UCM super admin (default admin).")] = None,
    admin_password_file: Annotated[Optional[Path], typer.Option("--admin-password-file", help="File holding the admin password (else env UCMAUTO_ADMIN_PASSWORD, keyring, or a hidden prompt).")] = None,
    profile: Annotated[Optional[str], typer.Option("--profile", help="Profile to start from (routes, /cgi facts); default: picked by firmware.")] = None,
    config: Annotated[Optional[Path], typer.Option("--config", help="TOML config file (flags > env > file).")] = None,
    fingerprint: Annotated[Optional[str], typer.Option("--fingerprint", help="Trust this certificate (sha256:AA:BB:...) and remember it.")] = None,
    insecure: Annotated[bool, typer.Option("--insecure", help="Do not check the certificate at all (lab boxes only).")] = False,
    known_hosts: Annotated[Optional[Path], typer.Option("--known-hosts", help="File of trusted UCM certificates.")] = None,
    timeout: Annotated[Optional[float], typer.Option("--timeout", help="Longest wait for a page, reply or element, s (30).")] = None,
    no_input: Annotated[bool, typer.Option("--no-input", help="Never prompt; fail naming what is missing.")] = False,
) -> None:
    """Write a draft profile and a redacted report; change nothing on the box."""
    from ucm_automator.config import load_settings
    from ucm_automator.runner import run_probe
    from ucm_automator.secrets import resolve_secret

    term = Terminal(json_mode=False)
    flags = dict(ucm=ucm, profile=profile, fingerprint=fingerprint, insecure=insecure, known_hosts=known_hosts,
                 timeout_s=timeout, admin_user=admin_user)
    s = load_settings(config, **{k: v for k, v in flags.items() if v not in (None, False)})
    interactive = term.interactive and not no_input
    admin_pw = resolve_secret(
        "UCM admin password", file=admin_password_file, env="UCMAUTO_ADMIN_PASSWORD", keyring_service="ucmauto-ucm",
        keyring_user=f"{s.admin_user}@{s.ucm}", prompt=f"Password of UCM user '{s.admin_user}' (hidden)",
        interactive=interactive, hint="--admin-password-file").value
    who = None
    if user:
        who = (user, resolve_secret(f"password of extension {user}", file=password_file, env="UCMAUTO_USER_PASSWORD",
                                    prompt=f"Password of extension {user} (hidden)", interactive=interactive,
                                    hint="--password-file").value)
    ask = (lambda q: interactive and typer.confirm(q, default=False, err=True))
    draft, report, missing = run_probe(s, admin_pw, who, out, term, ask)
    term.data(f"draft profile: {draft} (use it with --profile {draft})")
    term.data(f"report:        {report} (+ masked screenshots in {out}); see docs/probe.md before sending")
    for m in missing:
        term.warn(f"not seen, left to the default: {m}")
