"""`ucmauto enroll-user NAME|EXT` and `ucmauto enroll --all | --file users.csv`: enrol UCM users
in Zoho CRM and prove each is Logged In.

Thin: gathers settings (flags > env > config file), builds the inventory entries and the secret
sources, runs `enroll.run.enrol`, prints progress and the summary. Secrets never come from flags.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Optional

import typer

from ucm_automator.cli.options import (browser_check, AccountsOpt, AdminPwOpt, AdminUserOpt, AllOpt, ArtifactsOpt, BatchOpt,
                                       ClientIdOpt, ConcurrencyOpt, ConfigOpt, DcOpt, DryRunOpt, FileOpt,
                                       FingerprintOpt, ForceOpt, InsecureOpt, JournalOpt, JsonOpt, KnownHostsOpt,
                                       LoginWaitOpt, NoInputOpt, OptPath, PasswordFileOpt, ProfileOpt, RedirectOpt,
                                       RestartOpt, SecretFileOpt, StoreOpt, Str, TimeoutOpt, UcmOpt, asker, command,
                                       on_interrupt, settings, terminal)
from ucm_automator.errors import NotFound, Usage

# The modules below are imported where they are used: `ucmauto --help` must not pay for Playwright,
# pydantic, requests and filelock. Command signatures use only the types above (Typer reads them).
if TYPE_CHECKING:
    from ucm_automator.config import Settings
    from ucm_automator.enroll.inventory import Entry, Problems

EXAMPLE_ONE = """\
ucmauto enroll-user alice --ucm https://192.0.2.10:8089 --password-file alice.pass
ucmauto enroll-user 1001 --zoho-dc eu --client-id 1000.ABC --get-token code"""
EXAMPLE_MANY = """\
ucmauto enroll --file users.csv --ucm https://192.0.2.10:8089 -j 2
ucmauto enroll --all --dry-run --json > plan.json"""


def register(app: typer.Typer) -> None:
    command(app, "enroll-user", example=EXAMPLE_ONE,
            help="Enrol one UCM user (name from the inventory, or an extension) in Zoho CRM and prove Login "
            "Status reads Logged In.")(enroll_user)
    command(app, "enroll", example=EXAMPLE_MANY,
            help="Enrol many UCM users from an inventory, several at once; resumable after a crash.")(enroll_many)


@dataclass
class Common:
    """What enroll and enroll-user share, as given on the command line."""

    ucm: Str = None
    config: OptPath = None
    profile: Str = None
    fingerprint: Str = None
    insecure: bool = False
    known_hosts: OptPath = None
    artifacts_dir: OptPath = None
    timeout: Optional[float] = None
    dry_run: bool = False
    json_out: bool = False
    no_input: bool = False
    login_wait: float = 60.0
    force: bool = False
    store: OptPath = None
    zoho_dc: Str = None
    zoho_accounts_url: Str = None
    client_id: Str = None
    client_secret_file: OptPath = None
    admin_user: Str = None
    admin_password_file: OptPath = None
    redirect_uri: Str = None

    def settings(self) -> Settings:
        return settings(self.config, ucm=self.ucm, profile=self.profile, fingerprint=self.fingerprint,
                        insecure=self.insecure, known_hosts=self.known_hosts, artifacts_dir=self.artifacts_dir,
                        timeout_s=self.timeout, zoho_dc=self.zoho_dc, zoho_accounts_url=self.zoho_accounts_url,
                        zoho_client_id=self.client_id, token_store=self.store, admin_user=self.admin_user,
                        zoho_redirect_uri=self.redirect_uri)


def default_inventory() -> Path:
    from ucm_automator.config import app_dir

    return Path(os.environ.get("UCMAUTO_INVENTORY") or app_dir() / "users.toml")


def enroll_user(
    who: Annotated[str, typer.Argument(help="Inventory name (alice) or extension number (1001).")],
    file: FileOpt = None,
    password_file: PasswordFileOpt = None,
    zoho_user: Annotated[Str, typer.Option("--zoho-user", help="Zoho user (e-mail) of the stored token.")] = None,
    token_name: Annotated[Str, typer.Option("--token-name", help="Name of the stored token (default: the "
                                            "extension).")] = None,
    get_token: Annotated[str, typer.Option("--get-token", help="When no token is stored: 'code' (grant code at "
                                           "a hidden prompt or on stdin), 'authorize' (consent in a browser) or "
                                           "'never'.")] = "code",
    redirect_uri: RedirectOpt = None,
    ucm: UcmOpt = None, config: ConfigOpt = None, profile: ProfileOpt = None, fingerprint: FingerprintOpt = None,
    insecure: InsecureOpt = False, known_hosts: KnownHostsOpt = None, artifacts_dir: ArtifactsOpt = None,
    timeout: TimeoutOpt = None, dry_run: DryRunOpt = False, json_out: JsonOpt = False, no_input: NoInputOpt = False,
    login_wait: LoginWaitOpt = 60.0, force: ForceOpt = False, store: StoreOpt = None,
    zoho_dc: DcOpt = None, zoho_accounts_url: AccountsOpt = None, client_id: ClientIdOpt = None,
    client_secret_file: SecretFileOpt = None, admin_user: AdminUserOpt = None, admin_password_file: AdminPwOpt = None,
) -> None:
    """Enrol one user."""
    c = Common(ucm, config, profile, fingerprint, insecure, known_hosts, artifacts_dir, timeout, dry_run, json_out,
               no_input, login_wait, force, store, zoho_dc, zoho_accounts_url, client_id, client_secret_file,
               admin_user, admin_password_file, redirect_uri)
    if get_token not in ("code", "authorize", "never"):
        raise Usage("--get-token must be code, authorize or never")
    s = c.settings()  # a bad --ucm or --timeout is named before the inventory is read
    path = Path(file) if file else default_inventory()
    entry = single_entry(who, path, explicit=file is not None)
    overrides = {k: v for k, v in (("zoho_user", zoho_user), ("token_name", token_name)) if v}
    entry = entry.model_copy(update=overrides)
    _run(c, s, [entry], f"the request for {who}", single=True, password_file=password_file, get_token=get_token)


def enroll_many(
    all_users: AllOpt = False,
    file: FileOpt = None,
    concurrency: ConcurrencyOpt = None, batch: BatchOpt = None, restart: RestartOpt = False,
    journal_dir: JournalOpt = None,
    ucm: UcmOpt = None, config: ConfigOpt = None, profile: ProfileOpt = None, fingerprint: FingerprintOpt = None,
    insecure: InsecureOpt = False, known_hosts: KnownHostsOpt = None, artifacts_dir: ArtifactsOpt = None,
    timeout: TimeoutOpt = None, dry_run: DryRunOpt = False, json_out: JsonOpt = False, no_input: NoInputOpt = False,
    login_wait: LoginWaitOpt = 60.0, force: ForceOpt = False, store: StoreOpt = None,
    zoho_dc: DcOpt = None, zoho_accounts_url: AccountsOpt = None, client_id: ClientIdOpt = None,
    client_secret_file: SecretFileOpt = None, admin_user: AdminUserOpt = None, admin_password_file: AdminPwOpt = None,
) -> None:
    """Enrol every user of an inventory."""
    from ucm_automator.enroll import inventory
    from ucm_automator.enroll.inventory import Problems

    c = Common(ucm, config, profile, fingerprint, insecure, known_hosts, artifacts_dir, timeout, dry_run, json_out,
               no_input, login_wait, force, store, zoho_dc, zoho_accounts_url, client_id, client_secret_file,
               admin_user, admin_password_file)
    if all_users == (file is not None):
        raise Usage("give exactly one of --all (the default inventory) or --file users.csv")
    s = c.settings()
    path = Path(file) if file else default_inventory()
    problems = Problems()  # reported with the secret and token problems, all at once
    entries = inventory.load(path, problems)
    if not entries and not problems.items:
        raise NotFound(f"the inventory {path} lists no users; add [[users]] tables or CSV rows")
    _run(c, s, entries, str(path), single=False, problems=problems, concurrency=concurrency, batch=batch,
         restart=restart, journal_dir=journal_dir)


def single_entry(who: str, path: Path, explicit: bool) -> Entry:
    from ucm_automator.enroll import inventory
    from ucm_automator.enroll.inventory import Entry, Problems

    entries: list[Entry] = []
    if explicit or path.is_file():
        problems = Problems()
        entries = inventory.load(path, problems)
        problems.raise_if_any(str(path))
    found = inventory.find(entries, who)
    if found is not None:
        return found
    if who.isdigit():
        return Entry(where="command line", extension=who)  # validates the extension
    raise NotFound(f"no user named '{who}' in {path if entries or explicit else 'the inventory'}; "
                   "give an extension number or add the user to the inventory (--file)")


def _run(c: Common, s: Settings, entries: list[Entry], what: str, *, single: bool, password_file: OptPath = None,
         get_token: str = "never", problems: Optional[Problems] = None, concurrency: Optional[int] = None,
         batch: Str = None, restart: bool = False, journal_dir: OptPath = None) -> None:
    from ucm_automator.cli import prompts
    from ucm_automator.cli.admin import admin_password
    from ucm_automator.enroll.batch import BatchOptions, default_concurrency
    from ucm_automator.enroll.credentials import Sources
    from ucm_automator.enroll.ondemand import obtainer
    from ucm_automator.enroll.report import ProgressView, show
    from ucm_automator.enroll.run import enrol
    from ucm_automator.ucm.portal import PortalOptions
    from ucm_automator.ucm.profile import load_profile
    from ucm_automator.zoho.store import TokenStore

    term = terminal(c.json_out)
    texts = load_profile(s.profile).user_crm.status  # a bad --profile is named before any secret is asked
    browser_check()
    interactive = term.interactive and not c.no_input
    store = TokenStore(s.token_store)
    obtain = None if get_token == "never" else obtainer(
        s, store, term, flow=get_token, redirect_uri=c.redirect_uri,
        read_code=prompts.grant_code_reader(c.no_input, fallback="run `ucmauto token exchange --name <extension>` "
                                            "first"),
        read_redirect=prompts.redirect_reader(c.no_input))
    sources = Sources(s, store, client_secret_file=c.client_secret_file, password_file=password_file,
                      single=single, ask=prompts.hidden_prompt(interactive), obtain=obtain)
    portal = PortalOptions(retries=max(3, s.rate_limit_retries), rate_limit_wait_s=s.rate_limit_backoff_s)
    opts = BatchOptions(concurrency=concurrency or default_concurrency(), login_wait_s=c.login_wait,
                        dry_run=c.dry_run, force=c.force, admin_user=s.admin_user, portal=portal,
                        admin_password=lambda: admin_password(s, c.admin_password_file, interactive,
                                                              "; to Apply Changes"))
    on_interrupt("nothing was changed (dry run)" if c.dry_run else
                 "users finished so far are in the journal; run the same command again to resume")
    progress = ProgressView(term, len(entries), texts)
    try:
        report = enrol(s, entries, sources, opts, term, progress, what=what, problems=problems, batch=batch,
                       journal_dir=journal_dir, restart=restart, ask=asker(interactive))
    finally:
        progress.close()
    show(term, report, texts)
    raise typer.Exit(report.exit_code())
