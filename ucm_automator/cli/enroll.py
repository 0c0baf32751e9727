"""`ucmauto enroll-user NAME|EXT` and `ucmauto enroll --all | --file users.csv`: enrol UCM users
in Zoho CRM and prove each is Logged In.

Thin: gathers settings (flags > env > config file), builds the inventory entries and the secret
sources, runs `enroll.run.enrol`, prints progress and the summary. Secrets never come from flags.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Optional

import typer

from ucm_automator.errors import BadInput, NotFound
from ucm_automator.output import Terminal

# The modules below are imported where they are used: `ucmauto --help` must not pay for Playwright,
# pydantic, requests and filelock. Command signatures use only the types above (Typer reads them).
if TYPE_CHECKING:
    from ucm_automator.config import Settings
    from ucm_automator.enroll.inventory import Entry, Problems

Str = Optional[str]
OptPath = Optional[Path]
UcmOpt = Annotated[Str, typer.Option("--ucm", help="UCM web GUI, e.g. https://192.0.2.10:8089. Env UCMAUTO_UCM.")]
ConfigOpt = Annotated[OptPath, typer.Option("--config", help="TOML config file (flags > env > file).")]
ProfileOpt = Annotated[Str, typer.Option("--profile", help="Firmware profile: a bundled name or a TOML file.")]
FingerprintOpt = Annotated[Str, typer.Option("--fingerprint", help="Trust this certificate (sha256:AA:BB:...) and remember it.")]
InsecureOpt = Annotated[bool, typer.Option("--insecure", help="Do not check the certificate at all (lab boxes only).")]
KnownHostsOpt = Annotated[OptPath, typer.Option("--known-hosts", help="File of trusted UCM certificates.")]
ArtifactsOpt = Annotated[OptPath, typer.Option("--artifacts-dir", help="Where failure screenshots go (default ./artifacts).")]
TimeoutOpt = Annotated[Optional[float], typer.Option("--timeout", help="Longest wait for one page, reply or element (s).")]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print one JSON document on stdout: per user before, changes, after, status.")]
NoInputOpt = Annotated[bool, typer.Option("--no-input", help="Never prompt; fail naming what is missing.")]
ConcurrencyOpt = Annotated[Optional[int], typer.Option("--concurrency", "-j", min=1, max=16, help="Users at once (default one per CPU, at most 4); fewer when the box says too many are logged in.")]
FileOpt = Annotated[OptPath, typer.Option("--file", "-f", help="Inventory: TOML (users tables) or CSV (default $UCMAUTO_INVENTORY or users.toml in the app dir).")]
DryRunOpt = Annotated[bool, typer.Option("--dry-run", "-n", help="Plan only: read each user, change nothing.")]
LoginWaitOpt = Annotated[float, typer.Option("--login-wait", min=1, help="Longest wait for Login Status to read Logged In after Apply (s).")]
ForceOpt = Annotated[bool, typer.Option("--force", help="Save even when the box masks secrets and cannot show they are the same.")]
BatchOpt = Annotated[Str, typer.Option("--batch", help="Journal name (default: from the UCM and the users, so a re-run resumes).")]
RestartOpt = Annotated[bool, typer.Option("--restart", help="Ignore the journal of an unfinished run; check every user again.")]
JournalOpt = Annotated[OptPath, typer.Option("--journal-dir", help="Where journals go (default: journal/ in the app dir).")]
StoreOpt = Annotated[OptPath, typer.Option("--store", help="Token store file. Env UCMAUTO_TOKEN_STORE.")]
DcOpt = Annotated[Str, typer.Option("--zoho-dc", help="Zoho data centre of the tokens. Env UCMAUTO_ZOHO_DC.")]
AccountsOpt = Annotated[Str, typer.Option("--zoho-accounts-url", help="Override the Zoho accounts server (tests, proxies).")]
ClientIdOpt = Annotated[Str, typer.Option("--client-id", help="Zoho client id. Env UCMAUTO_ZOHO_CLIENT_ID.")]
SecretFileOpt = Annotated[OptPath, typer.Option("--client-secret-file", help="File holding the Zoho client secret (else env UCMAUTO_ZOHO_CLIENT_SECRET, keyring, or a prompt).")]
AdminUserOpt = Annotated[Str, typer.Option("--admin-user", help="UCM admin who applies changes where users cannot. Env UCMAUTO_ADMIN_USER.")]
AdminPwOpt = Annotated[OptPath, typer.Option("--admin-password-file", help="File holding that admin's password (else env UCMAUTO_ADMIN_PASSWORD, keyring, prompt).")]


def register(app: typer.Typer) -> None:
    app.command("enroll-user", help="Enrol one UCM user (name from the inventory, or an extension) in Zoho CRM "
                "and prove Login Status reads Logged In.")(enroll_user)
    app.command("enroll", help="Enrol many UCM users from an inventory, several at once; resumable.")(enroll_many)
    from ucm_automator.cli import status

    status.register(app)


COMMON = ("ucm", "config", "profile", "fingerprint", "insecure", "known_hosts", "artifacts_dir", "timeout", "dry_run",
          "json_out", "no_input", "concurrency", "login_wait", "force", "batch", "restart", "journal_dir", "store",
          "zoho_dc", "zoho_accounts_url", "client_id", "client_secret_file", "admin_user", "admin_password_file")


def _common(given: dict) -> dict:
    return {k: given[k] for k in COMMON}


def default_inventory() -> Path:
    from ucm_automator.config import app_dir

    return Path(os.environ.get("UCMAUTO_INVENTORY") or app_dir() / "users.toml")


def settings_for(config: OptPath, **flags: object) -> Settings:
    from ucm_automator.config import load_settings

    return load_settings(config, **{k: v for k, v in flags.items() if v not in (None, False)})


def enroll_user(
    who: Annotated[str, typer.Argument(help="Inventory name (alice) or extension number (1001).")],
    file: FileOpt = None,
    password_file: Annotated[OptPath, typer.Option("--password-file", help="File holding the user password (else env UCMAUTO_USER_PASSWORD, the inventory's source, or a hidden prompt).")] = None,
    zoho_user: Annotated[Str, typer.Option("--zoho-user", help="Zoho user (e-mail) of the stored token.")] = None,
    token_name: Annotated[Str, typer.Option("--token-name", help="Name of the stored token (default: the extension).")] = None,
    get_token: Annotated[str, typer.Option("--get-token", help="When no token is stored: 'code' (grant code at a hidden prompt or on stdin), 'authorize' (consent in a browser) or 'never'.")] = "code",
    redirect_uri: Annotated[Str, typer.Option("--redirect-uri", help="Redirect URI for --get-token authorize.")] = None,
    ucm: UcmOpt = None, config: ConfigOpt = None, profile: ProfileOpt = None, fingerprint: FingerprintOpt = None,
    insecure: InsecureOpt = False, known_hosts: KnownHostsOpt = None, artifacts_dir: ArtifactsOpt = None,
    timeout: TimeoutOpt = None, dry_run: DryRunOpt = False, json_out: JsonOpt = False, no_input: NoInputOpt = False,
    concurrency: ConcurrencyOpt = None, login_wait: LoginWaitOpt = 60.0, force: ForceOpt = False,
    batch: BatchOpt = None, restart: RestartOpt = False, journal_dir: JournalOpt = None, store: StoreOpt = None,
    zoho_dc: DcOpt = None, zoho_accounts_url: AccountsOpt = None, client_id: ClientIdOpt = None,
    client_secret_file: SecretFileOpt = None, admin_user: AdminUserOpt = None, admin_password_file: AdminPwOpt = None,
) -> None:
    """Enrol one user."""
    common = _common(locals())
    if get_token not in ("code", "authorize", "never"):
        raise BadInput("--get-token must be code, authorize or never")
    path = Path(file) if file else default_inventory()
    entry = single_entry(who, path, explicit=file is not None)
    overrides = {k: v for k, v in (("zoho_user", zoho_user), ("token_name", token_name)) if v}
    entry = entry.model_copy(update=overrides)
    _run(common, [entry], f"the request for {who}", single=True, password_file=password_file,
         get_token=get_token, redirect_uri=redirect_uri)


def enroll_many(
    all_users: Annotated[bool, typer.Option("--all", help="Every user of the default inventory.")] = False,
    file: FileOpt = None,
    ucm: UcmOpt = None, config: ConfigOpt = None, profile: ProfileOpt = None, fingerprint: FingerprintOpt = None,
    insecure: InsecureOpt = False, known_hosts: KnownHostsOpt = None, artifacts_dir: ArtifactsOpt = None,
    timeout: TimeoutOpt = None, dry_run: DryRunOpt = False, json_out: JsonOpt = False, no_input: NoInputOpt = False,
    concurrency: ConcurrencyOpt = None, login_wait: LoginWaitOpt = 60.0, force: ForceOpt = False,
    batch: BatchOpt = None, restart: RestartOpt = False, journal_dir: JournalOpt = None, store: StoreOpt = None,
    zoho_dc: DcOpt = None, zoho_accounts_url: AccountsOpt = None, client_id: ClientIdOpt = None,
    client_secret_file: SecretFileOpt = None, admin_user: AdminUserOpt = None, admin_password_file: AdminPwOpt = None,
) -> None:
    """Enrol every user of an inventory."""
    from ucm_automator.enroll import inventory
    from ucm_automator.enroll.inventory import Problems

    common = _common(locals())
    if all_users == (file is not None):
        raise BadInput("give exactly one of --all (the default inventory) or --file users.csv")
    path = Path(file) if file else default_inventory()
    problems = Problems()  # reported with the secret and token problems, all at once
    entries = inventory.load(path, problems)
    if not entries and not problems.items:
        raise BadInput(f"the inventory {path} lists no users")
    _run(common, entries, str(path), single=False, problems=problems)


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


def _run(common: dict, entries: list[Entry], what: str, *, single: bool, password_file: OptPath = None,
         get_token: str = "never", redirect_uri: Str = None, problems: Optional[Problems] = None) -> None:
    from ucm_automator.enroll.batch import BatchOptions, default_concurrency
    from ucm_automator.enroll.credentials import Sources
    from ucm_automator.enroll.ondemand import obtainer
    from ucm_automator.enroll.report import ProgressView, show
    from ucm_automator.enroll.run import enrol
    from ucm_automator.secrets import resolve_secret
    from ucm_automator.ucm.portal import PortalOptions
    from ucm_automator.ucm.profile import load_profile
    from ucm_automator.zoho.store import TokenStore

    c = dict(common)
    term = Terminal(json_mode=bool(c["json_out"]))
    s = settings_for(c["config"], ucm=c["ucm"], profile=c["profile"], fingerprint=c["fingerprint"],
                     insecure=c["insecure"], known_hosts=c["known_hosts"], artifacts_dir=c["artifacts_dir"],
                     timeout_s=c["timeout"], zoho_dc=c["zoho_dc"], zoho_accounts_url=c["zoho_accounts_url"],
                     zoho_client_id=c["client_id"], token_store=c["store"], admin_user=c["admin_user"],
                     zoho_redirect_uri=redirect_uri)
    interactive = term.interactive and not c["no_input"]
    store = TokenStore(s.token_store)
    obtain = None if get_token == "never" else obtainer(s, store, term, flow=get_token, no_input=bool(c["no_input"]),
                                                         redirect_uri=redirect_uri)
    sources = Sources(s, store, client_secret_file=c["client_secret_file"], password_file=password_file,
                      single=single, interactive=interactive, obtain=obtain)

    def admin_password():
        return resolve_secret("UCM admin password", file=c["admin_password_file"], env="UCMAUTO_ADMIN_PASSWORD",
                              keyring_service="ucmauto-ucm", keyring_user=f"{s.admin_user}@{s.ucm}",
                              prompt=f"Password of UCM user '{s.admin_user}' (hidden; to Apply Changes)",
                              interactive=interactive, hint="--admin-password-file").value

    portal = PortalOptions(retries=max(3, s.rate_limit_retries), rate_limit_wait_s=s.rate_limit_backoff_s)
    opts = BatchOptions(concurrency=c["concurrency"] or default_concurrency(), login_wait_s=c["login_wait"],
                        dry_run=bool(c["dry_run"]), force=bool(c["force"]), admin_user=s.admin_user,
                        admin_password=admin_password, portal=portal)
    texts = load_profile(s.profile).user_crm.status
    progress = ProgressView(term, len(entries), texts)
    try:
        report = enrol(s, entries, sources, opts, term, progress, what=what, problems=problems, batch=c["batch"],
                       journal_dir=c["journal_dir"], restart=bool(c["restart"]),
                       ask=lambda q: interactive and typer.confirm(q, default=False, err=True))
    except KeyboardInterrupt:
        progress.close()
        term.error("interrupted: users finished so far are in the journal; run the same command again to resume")
        raise
    progress.close()
    show(term, report, texts)
    raise typer.Exit(report.exit_code())
