"""`ucmauto admin-setup`: enable Zoho CRM (v2 API) on a UCM through its admin web GUI.

Thin: gathers settings (flags > env > config file) and the admin password (file, env, keyring,
hidden prompt — never a flag value), runs `runner.admin_setup`, prints the result.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Optional

import typer

from ucm_automator.output import Terminal

if TYPE_CHECKING:
    from ucm_automator.models import TargetResult

log = logging.getLogger(__name__)

def _opt(flag: str, help: str, *short: str) -> typer.models.OptionInfo:
    return typer.Option(flag, *short, help=help)


Str = Optional[str]
UcmOpt = Annotated[Str, _opt("--ucm", "UCM web GUI, e.g. https://192.0.2.10:8089. Env UCMAUTO_UCM.")]
UserOpt = Annotated[Str, _opt("--admin-user", "UCM super admin (default admin). Env UCMAUTO_ADMIN_USER.")]
PassFileOpt = Annotated[Optional[Path], _opt(
    "--admin-password-file",
    "File holding the admin password (else env UCMAUTO_ADMIN_PASSWORD, keyring, or a hidden prompt).")]
ServerOpt = Annotated[Str, _opt("--server-address", "Zoho domain or data-centre code: zoho.eu, eu, zoho.com, us.")]
LookupsOpt = Annotated[Str, _opt("--lookups", "Contact Lookups in order, e.g. contacts,leads,accounts.")]
UnknownOpt = Annotated[Str, _opt("--add-unknown", "Add Unknown Number to contacts, leads or accounts (one of --lookups).")]
ConfigOpt = Annotated[Optional[Path], _opt("--config", "TOML config file (flags > env > file).")]
ProfileOpt = Annotated[Str, _opt("--profile", "Firmware profile: a bundled name or a TOML file merged over the default.")]
FingerprintOpt = Annotated[Str, _opt("--fingerprint", "Trust this certificate (sha256:AA:BB:...) and remember it.")]
InsecureOpt = Annotated[bool, _opt("--insecure", "Do not check the certificate at all (warns; lab boxes only).")]
KnownHostsOpt = Annotated[Optional[Path], _opt("--known-hosts", "File of trusted UCM certificates.")]
ArtifactsOpt = Annotated[Optional[Path], _opt("--artifacts-dir", "Where failure screenshots go (default ./artifacts).")]
TimeoutOpt = Annotated[Optional[float], _opt("--timeout", "Longest wait for a page, reply or element, s (30).")]
DryRunOpt = Annotated[bool, _opt("--dry-run", "Show what would change; change nothing.", "-n")]
JsonOpt = Annotated[bool, _opt("--json", "Print before, changes, after and changed as JSON on stdout.")]
TraceOpt = Annotated[bool, _opt("--trace", "Keep a Playwright trace in the artifacts folder (it holds passwords!).")]
NoInputOpt = Annotated[bool, _opt("--no-input", "Never prompt; fail naming what is missing.")]


def register(app: typer.Typer) -> None:
    app.command("admin-setup", help="Enable Zoho CRM (v2 API) on a UCM: CRM System, server, lookups; "
                "Save, Apply Changes, read back. Idempotent; --dry-run shows the changes only.")(admin_setup)


def admin_setup(
    ucm: UcmOpt = None,
    admin_user: UserOpt = None,
    admin_password_file: PassFileOpt = None,
    server_address: ServerOpt = None,
    lookups: LookupsOpt = None,
    add_unknown: UnknownOpt = None,
    config: ConfigOpt = None,
    profile: ProfileOpt = None,
    fingerprint: FingerprintOpt = None,
    insecure: InsecureOpt = False,
    known_hosts: KnownHostsOpt = None,
    artifacts_dir: ArtifactsOpt = None,
    timeout: TimeoutOpt = None,
    dry_run: DryRunOpt = False,
    json_out: JsonOpt = False,
    trace: TraceOpt = False,
    no_input: NoInputOpt = False,
) -> None:
    # imported here: `ucmauto --help` must not pay for Playwright (runner) and pydantic (config)
    from ucm_automator.config import load_settings
    from ucm_automator.runner import run_admin_setup
    from ucm_automator.secrets import resolve_secret

    term = Terminal(json_mode=json_out)
    settings = load_settings(
        config, ucm=ucm, admin_user=admin_user, server_address=server_address, lookups=lookups,
        add_unknown=add_unknown, profile=profile, fingerprint=fingerprint, insecure=insecure or None,
        known_hosts=known_hosts, artifacts_dir=artifacts_dir, timeout_s=timeout,
    )
    interactive = term.interactive and not no_input
    password = resolve_secret(
        "UCM admin password",
        file=admin_password_file,
        env="UCMAUTO_ADMIN_PASSWORD",
        keyring_service="ucmauto-ucm",
        keyring_user=f"{settings.admin_user}@{settings.ucm}",
        prompt=f"Password of UCM user '{settings.admin_user}' (hidden)",
        interactive=interactive,
        hint="--admin-password-file",
    )
    log.info("UCM admin password: from %s", password.source)

    def ask(question: str) -> bool:
        return interactive and typer.confirm(question, default=False, err=True)

    result, error = run_admin_setup(settings, password.value, term=term, dry_run=dry_run, trace=trace, ask=ask)
    if json_out:
        term.json(result.model_dump(mode="json"))
    elif error is None:
        show(term, result)
    for path in result.artifacts:
        term.info(f"artifact: {path}")
    if error is not None:
        raise error


def show(term: Terminal, r: TargetResult) -> None:
    from ucm_automator.models import _show

    if r.dry_run and r.changes:
        term.data(f"{r.target}: would change (dry run, nothing was changed)")
    elif r.changes:
        term.data(f"{r.target}: changed (saved and applied, read back)")
    else:
        term.data(f"{r.target}: unchanged (the box already holds this)")
    for change in r.changes:
        term.data(f"  {change.line()}")
    if r.after:
        term.table(["field", "value"], [[k, _show(v)] for k, v in r.after.items()])
