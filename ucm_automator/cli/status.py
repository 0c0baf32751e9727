"""`ucmauto status`: read-only — the admin CRM settings and each listed user's CRM User Settings
and Login Status, as a table, --json, or a monitoring verdict (--check). Nothing is saved.

By default only the admin password is needed: the admin reads every listed extension's record.
--no-admin reads each user's own portal with the users' passwords instead.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Optional

import typer

from ucm_automator.cli.enroll import default_inventory, single_entry
from ucm_automator.cli.options import (browser_check, AdminPwOpt, AdminUserOpt, AllOpt, ArtifactsOpt, ConcurrencyOpt, ConfigOpt,
                                       FileOpt, FingerprintOpt, InsecureOpt, JsonOpt, KnownHostsOpt, NoInputOpt,
                                       PasswordFileOpt, ProfileOpt, TimeoutOpt, UcmOpt, asker, command, settings,
                                       terminal)
from ucm_automator.errors import Usage, UcmautoError
from ucm_automator.output import Terminal

# The modules below are imported where they are used: `ucmauto --help` must not pay for Playwright,
# pydantic, requests and filelock. Command signatures use only the types above (Typer reads them).
if TYPE_CHECKING:
    from ucm_automator.enroll.inventory import Entry
    from ucm_automator.enroll.status import StatusReport
    from ucm_automator.ucm.profile import FirmwareProfile

EXAMPLE = """\
ucmauto status --all --ucm https://192.0.2.10:8089
ucmauto status 1001 1002 --check     # Nagios/Icinga: 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN"""

CheckOpt = Annotated[bool, typer.Option(
    "--check", help="Monitoring plugin: print one status line and exit 0 OK, 1 WARNING (a user without CRM or "
    "not yet logged in), 2 CRITICAL (admin CRM not Zoho v2, or a user Logged Out), 3 UNKNOWN (could not read).")]
NoAdminOpt = Annotated[bool, typer.Option(
    "--no-admin", help="Do not log in as the admin; each user reads their own page (needs the users' passwords).")]


def register(app: typer.Typer) -> None:
    command(app, "status", example=EXAMPLE,
            help="Read-only: the admin CRM settings and, for each listed user, CRM enabled and Login Status. "
            "Needs only the admin password.")(status)


def status(
    who: Annotated[Optional[list[str]], typer.Argument(metavar="[USER]...", help="Users to show: inventory names or "
                                                       "extensions.")] = None,
    all_users: AllOpt = False,
    file: FileOpt = None,
    check: CheckOpt = False,
    no_admin: NoAdminOpt = False,
    password_file: PasswordFileOpt = None,
    ucm: UcmOpt = None, config: ConfigOpt = None, profile: ProfileOpt = None, fingerprint: FingerprintOpt = None,
    insecure: InsecureOpt = False, known_hosts: KnownHostsOpt = None, artifacts_dir: ArtifactsOpt = None,
    timeout: TimeoutOpt = None, json_out: JsonOpt = False, no_input: NoInputOpt = False,
    concurrency: ConcurrencyOpt = None, admin_user: AdminUserOpt = None, admin_password_file: AdminPwOpt = None,
) -> None:
    """Show what the box holds; change nothing."""
    term = terminal(json_out)
    try:
        s = settings(config, ucm=ucm, profile=profile, fingerprint=fingerprint, insecure=insecure,
                     known_hosts=known_hosts, artifacts_dir=artifacts_dir, timeout_s=timeout, admin_user=admin_user)
        report, prof = _read(s, term, who or [], all_users, file, no_admin, password_file, no_input, concurrency,
                             admin_password_file)
    except UcmautoError as e:
        if not check:
            raise
        _verdict(term, 3, f"UCMAUTO UNKNOWN - {e}", {"error": _doc(e)})
        sys.stderr.write(f"ucmauto: {e}\n")
        raise typer.Exit(3) from None
    if check:
        from ucm_automator.enroll.status import check as verdict

        code, line = verdict(report, prof)
        _verdict(term, code, line, as_json(report))
        raise typer.Exit(code)
    show(term, report, prof)
    raise typer.Exit(report.exit_code())


def _read(s, term: Terminal, who: list[str], all_users: bool, file: Optional[Path], no_admin: bool,  # noqa: ANN001
          password_file: Optional[Path], no_input: bool, concurrency: Optional[int],
          admin_password_file: Optional[Path]) -> tuple[StatusReport, FirmwareProfile]:
    from ucm_automator.cli.admin import admin_password
    from ucm_automator.cli.prompts import hidden_prompt
    from ucm_automator.enroll.batch import default_concurrency
    from ucm_automator.enroll.credentials import Sources, user_password
    from ucm_automator.enroll.inventory import Problems
    from ucm_automator.enroll.status import read_status
    from ucm_automator.runner import box_profile, trust_box, ucm_url
    from ucm_automator.ucm.profile import load_profile
    from ucm_automator.zoho.store import TokenStore

    url, prof = ucm_url(s), load_profile(s.profile)
    browser_check()
    interactive = term.interactive and not no_input
    entries = _entries(who, all_users, file)
    passwords, admin = {}, None
    if no_admin:
        if not entries:
            raise Usage("--no-admin reads the users' own pages: name users, or give --all or --file")
        problems = Problems()
        src = Sources(s, TokenStore(s.token_store), password_file=password_file, single=len(entries) == 1,
                      ask=hidden_prompt(interactive))
        for e in entries:
            try:
                passwords[e.extension] = user_password(e, src)
            except UcmautoError as err:
                problems.add(e.where, str(err), err.exit_code)
        problems.raise_if_any("the users to show")
    else:
        admin = (s.admin_user, admin_password(s, admin_password_file, interactive))
    trust = trust_box(s, url, term, asker(interactive))
    prof, facts = box_profile(s, url, trust, term, prof)  # the box's facts, and the profile for its firmware
    report = read_status(s, url, prof, trust, entries, passwords, admin, concurrency or default_concurrency())
    report.facts = facts.as_dict(prof)
    return report, prof


def _entries(who: list[str], all_users: bool, file: Optional[Path]) -> list[Entry]:
    from ucm_automator.enroll import inventory
    from ucm_automator.enroll.inventory import Problems

    if all_users and file:
        raise Usage("give --all or --file, not both")
    path = Path(file) if file else default_inventory()
    if all_users or (file and not who):
        problems = Problems()
        found = inventory.load(path, problems)
        problems.raise_if_any(str(path))
        return found
    return [single_entry(w, path, explicit=file is not None) for w in who]


def _doc(e: UcmautoError) -> dict:
    from ucm_automator.redact import redact

    return {"code": e.exit_code.name, "exit_code": int(e.exit_code), "message": redact(e)}


def _verdict(term: Terminal, code: int, line: str, doc: dict) -> None:
    from ucm_automator.enroll.status import NAGIOS

    if term.json_mode:
        term.json({**doc, "check": {"state": NAGIOS[code], "exit_code": code, "line": line}})
    else:
        term.data(line)


def as_json(r: StatusReport) -> dict:
    return {"ucm": r.ucm, **r.facts, "admin_crm": r.admin_crm, "admin_crm_source": r.admin_source or None,
            "admin_error": r.admin_error,
            "users": [{"extension": u.entry.extension, "name": u.entry.name or None, "crm": u.crm,
                       "login_status": (u.crm or {}).get("login_status"), "error": u.error} for u in r.users]}


def show(term: Terminal, r: StatusReport, profile: FirmwareProfile) -> None:
    if term.json_mode:
        term.json(as_json(r))
        return
    if r.facts:  # model, firmware, country, language (the box's), profile (name, source, language)
        p = r.facts.get("profile") or {}
        term.data(f"box: {r.facts.get('model') or '?'} firmware {r.facts.get('firmware') or '?'}, GUI language "
                  f"{r.facts.get('language') or '?'}; profile {p.get('name')} ({p.get('language')})")
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
