"""`ucmauto status`: read-only — the admin CRM settings and each listed user's CRM User Settings
and Login Status, as a table or --json. Nothing is saved or applied.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Optional

import typer

from ucm_automator.cli.enroll import (ArtifactsOpt, ConcurrencyOpt, ConfigOpt, FileOpt, FingerprintOpt, InsecureOpt,
                                      JsonOpt, KnownHostsOpt, NoInputOpt, ProfileOpt, TimeoutOpt, UcmOpt,
                                      AdminPwOpt, AdminUserOpt, default_inventory, settings_for, single_entry)
from ucm_automator.errors import BadInput, SecretMissing, UcmautoError
from ucm_automator.output import Terminal

# The modules below are imported where they are used: `ucmauto --help` must not pay for Playwright,
# pydantic, requests and filelock. Command signatures use only the types above (Typer reads them).
if TYPE_CHECKING:
    from ucm_automator.enroll.inventory import Entry
    from ucm_automator.enroll.status import StatusReport
    from ucm_automator.ucm.profile import FirmwareProfile


def register(app: typer.Typer) -> None:
    app.command("status", help="Read-only: the admin CRM settings and each listed user's CRM settings and "
                "Login Status.")(status)


def status(
    who: Annotated[Optional[list[str]], typer.Argument(help="Users to show: inventory names or extensions.")] = None,
    all_users: Annotated[bool, typer.Option("--all", help="Every user of the default inventory.")] = False,
    file: FileOpt = None,
    password_file: Annotated[Optional[Path], typer.Option("--password-file", help="User password file (one user).")] = None,
    no_admin: Annotated[bool, typer.Option("--no-admin", help="Do not log in as the admin; take the admin CRM from the users' pages.")] = False,
    ucm: UcmOpt = None, config: ConfigOpt = None, profile: ProfileOpt = None, fingerprint: FingerprintOpt = None,
    insecure: InsecureOpt = False, known_hosts: KnownHostsOpt = None, artifacts_dir: ArtifactsOpt = None,
    timeout: TimeoutOpt = None, json_out: JsonOpt = False, no_input: NoInputOpt = False,
    concurrency: ConcurrencyOpt = None, admin_user: AdminUserOpt = None, admin_password_file: AdminPwOpt = None,
) -> None:
    """Show what the box holds; change nothing."""
    from ucm_automator.enroll.batch import default_concurrency
    from ucm_automator.enroll.credentials import Sources, user_password
    from ucm_automator.enroll.inventory import Problems
    from ucm_automator.enroll.status import read_status
    from ucm_automator.runner import box_profile, trust_box, ucm_url
    from ucm_automator.secrets import resolve_secret
    from ucm_automator.ucm.profile import load_profile
    from ucm_automator.zoho.store import TokenStore

    term = Terminal(json_mode=json_out)
    s = settings_for(config, ucm=ucm, profile=profile, fingerprint=fingerprint, insecure=insecure,
                     known_hosts=known_hosts, artifacts_dir=artifacts_dir, timeout_s=timeout, admin_user=admin_user)
    url, prof = ucm_url(s), load_profile(s.profile)
    interactive = term.interactive and not no_input
    entries = _entries(who or [], all_users, file)
    problems = Problems()
    src = Sources(s, TokenStore(s.token_store), password_file=password_file, single=len(entries) == 1,
                  interactive=interactive)
    users = []
    for e in entries:
        try:
            users.append((e, user_password(e, src)))
        except UcmautoError as err:
            problems.add(e.where, str(err))
    problems.raise_if_any("the users to show")
    admin = None
    if not no_admin:
        try:
            admin = (s.admin_user, resolve_secret(
                "UCM admin password", file=admin_password_file, env="UCMAUTO_ADMIN_PASSWORD", keyring_service="ucmauto-ucm",
                keyring_user=f"{s.admin_user}@{s.ucm}", prompt=f"Password of UCM user '{s.admin_user}' (hidden)",
                interactive=interactive, hint="--admin-password-file").value)
        except SecretMissing:
            if not entries:
                raise
            term.info("no admin password: showing the admin CRM as the users' pages load it")
    trust = trust_box(s, url, term, lambda q: interactive and typer.confirm(q, default=False, err=True))
    prof, facts = box_profile(s, url, trust, term, prof)
    report = read_status(s, url, prof, trust, users, admin, concurrency or default_concurrency())
    show(term, report, prof, facts.as_dict(prof))
    raise typer.Exit(report.exit_code())


def _entries(who: list[str], all_users: bool, file: Optional[Path]) -> list[Entry]:
    from ucm_automator.enroll import inventory
    from ucm_automator.enroll.inventory import Problems

    if all_users and file:
        raise BadInput("give --all or --file, not both")
    path = Path(file) if file else default_inventory()
    if all_users or (file and not who):
        problems = Problems()
        found = inventory.load(path, problems)
        problems.raise_if_any(str(path))
        return found
    return [single_entry(w, path, explicit=file is not None) for w in who]


def show(term: Terminal, r: StatusReport, profile: FirmwareProfile, facts: Optional[dict] = None) -> None:
    facts = facts or {}  # model, firmware, country, language (the box's), profile (name, source, language)
    if term.json_mode:
        term.json({"ucm": r.ucm, **facts, "admin_crm": r.admin_crm, "admin_crm_source": r.admin_source or None,
                   "admin_error": r.admin_error,
                   "users": [{"extension": u.entry.extension, "name": u.entry.name or None, "crm": u.crm,
                              "login_status": (u.crm or {}).get("login_status"), "error": u.error} for u in r.users]})
        return
    if facts:
        p = facts.get("profile") or {}
        term.data(f"box: {facts.get('model') or '?'} firmware {facts.get('firmware') or '?'}, GUI language "
                  f"{facts.get('language') or '?'}; profile {p.get('name')} ({p.get('language')})")
    a = r.admin_crm or {}
    module = profile.admin_crm.modules.get(a.get("crm_module", ""), a.get("crm_module") or "Disabled")
    if r.admin_crm is not None:
        tail = "".join(f"; {k.replace('_', ' ')} {v if not isinstance(v, list) else ','.join(v)}"
                       for k, v in a.items() if k not in ("crm_module",) and v)
        term.data(f"admin CRM ({r.admin_source}): {module}{tail}")
    if r.admin_error:
        term.error(f"admin CRM: {r.admin_error['message']}")
    texts = profile.user_crm.status
    rows = []
    for u in r.users:
        c = u.crm or {}
        rows.append((u.entry.extension, u.entry.name or "-", "error" if u.error else "yes" if c.get("enable_crm") else "no",
                     c.get("client_id") or "-", c.get("refresh_token") or "-",
                     texts.get(c.get("login_status") or "", c.get("login_status") or "-")))
    if rows:
        term.table(("EXT", "NAME", "ENABLED", "CLIENT ID", "REFRESH TOKEN", "LOGIN STATUS"), rows)
    for u in r.users:
        if u.error:
            term.error(f"{u.entry.label}: {u.error['message']}")
