"""The `ucmauto` command line: a thin Typer layer over the library.

Commands live one module per group (token, admin, enroll, status, fleet); this module builds the app
and turns every expected error into one redacted line and its exit code.
"""

from __future__ import annotations

import logging
import os
import sys

import typer

try:  # typer>=0.29 vendors Click instead of depending on it
    from typer._click.exceptions import ClickException, UsageError
except ImportError:  # pragma: no cover - older typer
    from click.exceptions import ClickException, UsageError

from ucm_automator import __version__, output
from ucm_automator.cli import cancel
from ucm_automator.cli.options import QuietOpt, VerboseOpt, new_run, quiet_root, set_log_level
from ucm_automator.errors import ExitCode, UcmautoError
from ucm_automator.redact import install_logging_filter, redact

app = typer.Typer(
    name="ucmauto",
    help="Connect Grandstream UCM IP-PBXs to Zoho CRM v2: get and check Zoho refresh tokens, "
    "enable Zoho CRM on the UCM, enrol users, and prove each is Logged In.",
    epilog="\b\nExample:\n  ucmauto admin-setup --ucm https://192.0.2.10:8089 --server-address zoho.eu --dry-run",
    no_args_is_help=True,
    add_completion=True,  # --install-completion / --show-completion (bash, zsh, fish)
    rich_markup_mode=None,  # plain Click help: fast (no rich import) and never cut at 80 columns
    pretty_exceptions_enable=False,  # tracebacks can hold secrets; see main()
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"ucmauto {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Show the version and exit."
    ),
    verbose: VerboseOpt = False,
    quiet: QuietOpt = False,
) -> None:
    logging.basicConfig(format="%(levelname)s %(name)s: %(message)s", stream=sys.stderr)
    set_log_level(verbose, quiet)
    quiet_root(quiet)
    install_logging_filter()
    from ucm_automator import PLAYWRIGHT_DEBUG_DROPPED

    if PLAYWRIGHT_DEBUG_DROPPED:
        logging.getLogger("ucmauto").warning(
            "DEBUG=%s ignored: Playwright's debug log would show typed passwords; use -v", PLAYWRIGHT_DEBUG_DROPPED)


def _register() -> None:
    # Each command module registers its commands; heavy imports happen inside the commands.
    from ucm_automator.cli import admin, enroll, fleet, probe, status, token

    app.add_typer(token.token_app, name="token")
    admin.register(app)
    enroll.register(app)
    status.register(app)
    probe.register(app)
    fleet.register(app)


_register()


def _fail(code: int, message: str, json_wanted: bool, name: str = "") -> None:
    """The one line on stderr and, with --json, the error document on stdout (unless the command
    already printed its own, which then carries the error)."""
    sys.stderr.write(f"ucmauto: {message}\n")
    sys.stderr.flush()
    if json_wanted and not output.json_printed():
        try:
            name = name or ExitCode(code).name
        except ValueError:
            name = name or "ERROR"
        output.Terminal(json_mode=True).json({"error": {"code": name, "exit_code": code, "message": message}})
    sys.exit(code)


def main(argv: list[str] | None = None) -> None:
    args = list(sys.argv[1:] if argv is None else argv)
    json_wanted = "--json" in args
    output.reset()
    new_run()
    restore = cancel.install()
    try:
        _run(args, json_wanted)
    finally:
        if restore is not None:
            restore()


def _run(args: list[str], json_wanted: bool) -> None:
    command = typer.main.get_command(app)
    try:
        rv = command.main(args=args, prog_name="ucmauto", standalone_mode=False)
    except UcmautoError as e:
        _fail(int(e.exit_code), redact(e), json_wanted)
    except typer.Abort:  # Ctrl-C at a question, or "no" to one that must be yes
        _fail(int(cancel.exit_code()), cancel.message("nothing was changed"), json_wanted)
    except KeyboardInterrupt:  # outside a command (Click's own parsing, completion)
        _fail(int(cancel.exit_code()), cancel.message(), json_wanted)
    except typer.Exit as e:
        sys.exit(e.exit_code)
    except ClickException as e:
        hint = f" (see '{e.ctx.command_path} --help')" if isinstance(e, UsageError) and e.ctx is not None else ""
        _fail(e.exit_code, redact(e.format_message()) + hint, json_wanted,
              "USAGE" if e.exit_code == ExitCode.USAGE else "")
    except Exception as e:  # noqa: BLE001 - the last line of defence: no secret in a traceback
        if os.environ.get("UCMAUTO_DEBUG"):
            import traceback

            sys.stderr.write(redact("".join(traceback.format_exc())))
        _fail(int(ExitCode.INTERNAL), f"internal error ({type(e).__name__}: {redact(e)}); "
              "run again with UCMAUTO_DEBUG=1 and report it", json_wanted)
    if rv == ExitCode.INTERRUPTED and not isinstance(rv, bool):  # Typer's own Exit(130) for a KeyboardInterrupt
        _fail(int(cancel.exit_code()), cancel.message(), json_wanted)
    sys.exit(rv if isinstance(rv, int) else 0)
