"""Every option of the command line, defined once, and the wrapper every command goes through.

Options that mirror a setting declare its `UCMAUTO_*` variable (`envvar=`), so Click reads it
and `--help` shows it; the precedence stays flags > env > config file > default. `command()`
registers a command with an example in its help and `-v`/`-q`, and turns Ctrl-C / SIGTERM into
one `Interrupted` error (cli/cancel.py).
"""

from __future__ import annotations

import contextvars
import functools
import inspect
import logging
import typing
from pathlib import Path
from typing import Annotated, Any, Callable, Optional

import typer

from ucm_automator.output import Terminal

Str = Optional[str]
OptPath = Optional[Path]


def _opt(*names: str, help: str, env: Optional[str] = None, **kw: Any) -> Any:
    return typer.Option(*names, help=help, envvar=env, show_envvar=bool(env), show_default=False, **kw)


# ---- the UCM and how to reach it ---------------------------------------------------------------
UcmOpt = Annotated[Str, _opt("--ucm", help="UCM web GUI, e.g. https://192.0.2.10:8089.", env="UCMAUTO_UCM")]
AdminUserOpt = Annotated[Str, _opt("--admin-user", help="UCM super admin user name (default admin).",
                                   env="UCMAUTO_ADMIN_USER")]
AdminPwOpt = Annotated[OptPath, _opt(
    "--admin-password-file", env="UCMAUTO_ADMIN_PASSWORD_FILE",
    help="File holding the admin password (else $UCMAUTO_ADMIN_PASSWORD, the keyring, or a hidden prompt).")]
ConfigOpt = Annotated[OptPath, _opt("--config", help="TOML config file (flags > env > file).", env="UCMAUTO_CONFIG")]
ProfileOpt = Annotated[Str, _opt("--profile", help="Firmware profile: a bundled name or a TOML file.",
                                 env="UCMAUTO_PROFILE")]
FingerprintOpt = Annotated[Str, _opt("--fingerprint", help="Trust this certificate (sha256:AA:BB:...) and "
                                     "remember it.", env="UCMAUTO_FINGERPRINT")]
InsecureOpt = Annotated[bool, _opt("--insecure", help="Do not check the certificate at all (warns; lab boxes only).",
                                   env="UCMAUTO_INSECURE")]
KnownHostsOpt = Annotated[OptPath, _opt("--known-hosts", help="File of trusted UCM certificates.",
                                        env="UCMAUTO_KNOWN_HOSTS")]
ArtifactsOpt = Annotated[OptPath, _opt("--artifacts-dir", help="Where failure screenshots go (default: "
                                       "artifacts/ in the state dir).", env="UCMAUTO_ARTIFACTS_DIR")]
TimeoutOpt = Annotated[Optional[float], _opt("--timeout", help="Longest wait for one page, reply or element, "
                                             "in seconds (30).", env="UCMAUTO_TIMEOUT_S")]
NoInputOpt = Annotated[bool, _opt("--no-input", help="Never prompt; fail naming what is missing.")]
JsonOpt = Annotated[bool, _opt("--json", help="Print one JSON document on stdout, on failure too "
                               "(keys: docs/json.md).")]
DryRunOpt = Annotated[bool, _opt("--dry-run", "-n", help="Show what would change; change nothing.")]

# ---- admin-setup -------------------------------------------------------------------------------
ServerOpt = Annotated[Str, _opt("--server-address", help="Zoho domain or data-centre code: zoho.eu, eu, "
                                "zoho.com, us.", env="UCMAUTO_SERVER_ADDRESS")]
LookupsOpt = Annotated[Str, _opt("--lookups", help="Contact Lookups in order, e.g. contacts,leads,accounts.",
                                 env="UCMAUTO_LOOKUPS")]
UnknownOpt = Annotated[Str, _opt("--add-unknown", help="Add Unknown Number to contacts, leads or accounts "
                                 "(one of --lookups).", env="UCMAUTO_ADD_UNKNOWN")]
TraceOpt = Annotated[bool, _opt("--trace", help="Keep a Playwright trace in the artifacts folder "
                                "(it holds passwords!).")]

# ---- users -------------------------------------------------------------------------------------
# not envvar=: $UCMAUTO_INVENTORY is the default inventory (--all, names), not a given --file
FileOpt = Annotated[OptPath, _opt("--file", "-f", help="Inventory: TOML ([[users]] tables) or CSV (default "
                                  "$UCMAUTO_INVENTORY, else users.toml in the config dir).")]
AllOpt = Annotated[bool, _opt("--all", help="Every user of the default inventory.")]
PasswordFileOpt = Annotated[OptPath, _opt(
    "--password-file", env="UCMAUTO_USER_PASSWORD_FILE",
    help="File holding the user's password (else $UCMAUTO_USER_PASSWORD, the inventory's source, or a prompt).")]
ConcurrencyOpt = Annotated[Optional[int], _opt("--concurrency", "-j", min=1, max=16, help="Users at once "
                                               "(default one per CPU, at most 4).")]
LoginWaitOpt = Annotated[float, _opt("--login-wait", min=1, help="Longest wait for Login Status to read "
                                     "Logged In after Apply, in seconds (60).")]
ForceOpt = Annotated[bool, _opt("--force", help="Save even when the box masks secrets and cannot show they "
                                "are the same.")]
BatchOpt = Annotated[Str, _opt("--batch", help="Journal name (default: from the UCM and the users, so a "
                               "re-run resumes).")]
RestartOpt = Annotated[bool, _opt("--restart", help="Ignore the journal of an unfinished run; check every "
                                  "user again.")]
JournalOpt = Annotated[OptPath, _opt("--journal-dir", help="Where journals go (default: journal/ in the "
                                     "config dir).")]

# ---- Zoho --------------------------------------------------------------------------------------
DcOpt = Annotated[Str, _opt("--zoho-dc", help="Zoho data centre: us, eu, in, au, cn, jp, ca, sa, uk, or a "
                            "domain (zoho.eu).", env="UCMAUTO_ZOHO_DC")]
AccountsOpt = Annotated[Str, _opt("--zoho-accounts-url", help="Override the Zoho accounts server (https; "
                                  "http only to loopback).", env="UCMAUTO_ZOHO_ACCOUNTS_URL")]
ClientIdOpt = Annotated[Str, _opt("--client-id", help="Zoho API console client id.", env="UCMAUTO_ZOHO_CLIENT_ID")]
SecretFileOpt = Annotated[OptPath, _opt(
    "--client-secret-file", env="UCMAUTO_ZOHO_CLIENT_SECRET_FILE",
    help="File holding the Zoho client secret (else $UCMAUTO_ZOHO_CLIENT_SECRET, the keyring, or a prompt).")]
RedirectOpt = Annotated[Str, _opt("--redirect-uri", help="Redirect URI registered for the Zoho client.",
                                  env="UCMAUTO_ZOHO_REDIRECT_URI")]
ScopesOpt = Annotated[Str, _opt("--scopes", help="Scopes, comma-separated.", env="UCMAUTO_ZOHO_SCOPES")]
StoreOpt = Annotated[OptPath, _opt("--store", help="Token store file.", env="UCMAUTO_TOKEN_STORE")]
NameOpt = Annotated[Str, _opt("--name", help="Label of the token, e.g. the UCM extension it is for.")]
# not envvar=: a box in the environment would silently rename every token exchanged there
BoxOpt = Annotated[Str, _opt("--box", metavar="<name>", help="Fleet box the token is for: stored as BOX/NAME, so the same "
                             "extension on two boxes never clashes (docs/fleet.md).")]
UserOpt = Annotated[Str, _opt("--user", help="Zoho user (e-mail) of the stored token.")]
# `token list` filters come from its flags only: a UCMAUTO_ZOHO_DC in the environment must not hide tokens
DcFilterOpt = Annotated[Str, _opt("--zoho-dc", help="Only tokens of this Zoho data centre.")]
ClientFilterOpt = Annotated[Str, _opt("--client-id", help="Only tokens of this Zoho client id.")]

# ---- fleet -------------------------------------------------------------------------------------
InventoryOpt = Annotated[OptPath, _opt("--inventory", "-i", env="UCMAUTO_FLEET", help="Fleet inventory (TOML; "
                                       "default fleet.toml in the config dir).")]
FleetBoxOpt = Annotated[Optional[list[str]], _opt("--box", metavar="<name>", help="Only this box (repeatable; default every box).")]
BoxesOpt = Annotated[int, _opt("--boxes", "-k", min=1, max=32, help="Boxes at once, one browser for all (2).")]
ContextsOpt = Annotated[int, _opt("--contexts", min=1, max=32, help="Browser contexts across the running boxes; "
                                  "each box gets contexts/boxes users at once, at least 1 (4).")]
BoxConcurrencyOpt = Annotated[Optional[int], _opt("--concurrency", "-j", min=1, max=16, help="Users at once per "
                                                  "box (overrides --contexts).")]
FleetJsonOpt = Annotated[bool, _opt("--json", help="JSON lines on stdout: one object per user and per box, then "
                                    "a summary; on failure an error document (docs/json.md).")]

VerboseOpt = Annotated[bool, _opt("--verbose", "-v", help="Log what happens on stderr.")]
QuietOpt = Annotated[bool, _opt("--quiet", "-q", help="Only errors and the result; no progress or notes.")]

# this run's -q and interrupt hint: set by the root callback and the command wrapper, read by
# terminal() and cancel.as_error (a ContextVar: in-process callers such as tests get a fresh one)
_RUN: contextvars.ContextVar[dict[str, Any]] = contextvars.ContextVar("ucmauto_run")


def new_run() -> None:
    _RUN.set({})


def _state() -> dict[str, Any]:
    try:
        return _RUN.get()
    except LookupError:
        new_run()
        return _RUN.get()


def set_log_level(verbose: bool, quiet: bool) -> None:
    logging.getLogger().setLevel(logging.INFO if verbose else logging.ERROR if quiet else logging.WARNING)


def terminal(json_mode: bool = False) -> Terminal:
    """The command's terminal: -q (here or before the command) silences notes and progress."""
    return Terminal(quiet=bool(_state().get("quiet")), json_mode=json_mode)


def on_interrupt(hint: str) -> None:
    """What the interrupt line adds for this run (e.g. that a batch resumes from its journal)."""
    _state()["on_interrupt"] = hint


def interrupt_hint() -> str:
    return str(_state().get("on_interrupt") or "")


def quiet_root(quiet: bool) -> None:
    if quiet:
        _state()["quiet"] = True


def command(app: typer.Typer, name: str, *, help: str, example: str) -> Callable[[Callable[..., Any]], Any]:
    """Register `func` as `name` with an example in its help and `-v`/`-q` of its own."""

    def register(func: Callable[..., Any]) -> Callable[..., Any]:
        hints = typing.get_type_hints(func, include_extras=True)  # the command module's names
        sig = inspect.signature(func)
        params = [p.replace(annotation=hints.get(p.name, p.annotation)) for p in sig.parameters.values()]
        extra = [inspect.Parameter(n, inspect.Parameter.KEYWORD_ONLY, default=False, annotation=a)
                 for n, a in (("verbose", VerboseOpt), ("quiet", QuietOpt))]

        @functools.wraps(func)
        def run(*args: Any, verbose: bool = False, quiet: bool = False, **kwargs: Any) -> Any:
            from ucm_automator.cli import cancel

            if verbose or quiet:
                set_log_level(verbose, quiet)
            quiet_root(quiet)
            with cancel.as_error(interrupt_hint):
                return func(*args, **kwargs)

        run.__signature__ = sig.replace(parameters=[*params, *extra])  # type: ignore[attr-defined]
        run.__annotations__ = {**hints, **{p.name: p.annotation for p in extra}}
        lines = "\n".join(f"  {e}" for e in example.strip().splitlines())
        app.command(name, help=help, epilog=f"\b\nExample:\n{lines}")(run)
        return run

    return register


def settings(config: OptPath, **flags: Any) -> Any:
    """Settings from flags (None or False = not given), env and the config file."""
    from ucm_automator.config import load_settings

    return load_settings(config, **{k: v for k, v in flags.items() if v is not None and v is not False})


def asker(interactive: bool) -> Callable[[str], bool]:
    """A yes/no question on the terminal; without one, every answer is no."""
    return lambda question: interactive and typer.confirm(question, default=False, err=True)


def browser_check() -> None:
    """$UCMAUTO_BROWSER names an executable (before any login; imported here to keep --help light)."""
    from ucm_automator.browser import check_env

    check_env()
