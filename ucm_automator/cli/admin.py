"""`ucmauto admin-setup`: enable Zoho CRM (v2 API) on a UCM through its admin web GUI.

Thin: gathers settings (flags > env > config file) and the admin password (file, env, keyring,
hidden prompt — never a flag value), runs `runner.admin_setup`, prints the result.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

import typer

from ucm_automator.cli.options import (browser_check, AdminPwOpt, AdminUserOpt, ArtifactsOpt, ConfigOpt, DryRunOpt, FingerprintOpt,
                                       InsecureOpt, JsonOpt, KnownHostsOpt, LookupsOpt, NoInputOpt, ProfileOpt,
                                       ServerOpt, TimeoutOpt, TraceOpt, UcmOpt, UnknownOpt, asker, command, settings,
                                       terminal)
from ucm_automator.output import Terminal

if TYPE_CHECKING:
    from ucm_automator.config import Settings
    from ucm_automator.models import TargetResult

log = logging.getLogger(__name__)

EXAMPLE = """\
UCMAUTO_ADMIN_PASSWORD_FILE=/etc/ucmauto/admin.pass \\
  ucmauto admin-setup --ucm https://192.0.2.10:8089 --server-address zoho.eu --lookups contacts,leads --dry-run"""


def register(app: typer.Typer) -> None:
    command(app, "admin-setup", example=EXAMPLE,
            help="Enable Zoho CRM (v2 API) on a UCM: CRM System, server, lookups; Save, Apply Changes, read "
            "back. Idempotent; --dry-run shows the changes only.")(admin_setup)


def admin_setup(
    ucm: UcmOpt = None,
    admin_user: AdminUserOpt = None,
    admin_password_file: AdminPwOpt = None,
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
    from ucm_automator.runner import admin_want, run_admin_setup, ucm_url
    from ucm_automator.ucm.profile import load_profile

    term = terminal(json_out)
    s = settings(config, ucm=ucm, admin_user=admin_user, server_address=server_address, lookups=lookups,
                 add_unknown=add_unknown, profile=profile, fingerprint=fingerprint, insecure=insecure,
                 known_hosts=known_hosts, artifacts_dir=artifacts_dir, timeout_s=timeout)
    ucm_url(s)
    browser_check()
    admin_want(s, load_profile(s.profile))  # the request is checked before any password or contact
    interactive = term.interactive and not no_input
    password = admin_password(s, admin_password_file, interactive)
    result, error = run_admin_setup(s, password, term=term, dry_run=dry_run, trace=trace, ask=asker(interactive))
    if json_out:
        term.json(result.model_dump(mode="json"))
    elif error is None:
        show(term, result)
    for path in result.artifacts:
        term.info(f"artifact: {path}")
    if error is not None:
        raise error


def admin_password(s: Settings, file: object, interactive: bool, why: str = ""):  # -> SecretStr
    """The UCM admin password: file, $UCMAUTO_ADMIN_PASSWORD, keyring, or a hidden prompt."""
    from ucm_automator.cli.prompts import hidden_prompt
    from ucm_automator.secrets import resolve_secret

    got = resolve_secret("UCM admin password", file=file, env="UCMAUTO_ADMIN_PASSWORD",  # type: ignore[arg-type]
                         keyring_service="ucmauto-ucm", keyring_user=f"{s.admin_user}@{s.ucm}",
                         prompt=f"Password of UCM user '{s.admin_user}' (hidden{why})",
                         ask=hidden_prompt(interactive), hint="--admin-password-file")
    log.info("UCM admin password: from %s", got.source)
    return got.value


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
