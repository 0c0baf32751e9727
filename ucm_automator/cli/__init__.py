"""The `ucmauto` command line: a thin Typer layer over the library.

Commands live one module per group (token, admin, enroll, status); this module builds the app
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

from ucm_automator import __version__
from ucm_automator.errors import ExitCode, UcmautoError
from ucm_automator.redact import install_logging_filter, redact

app = typer.Typer(
    name="ucmauto",
    help="Connect Grandstream UCM IP-PBXs to Zoho CRM v2: get and check Zoho refresh tokens, "
    "enable Zoho CRM on the UCM, enrol users, and prove each is Logged In.",
    no_args_is_help=True,
    add_completion=False,
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
    verbose: bool = typer.Option(False, "--verbose", "-v", help="Log what happens on stderr."),
) -> None:
    logging.basicConfig(
        level=logging.INFO if verbose else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    install_logging_filter()
    from ucm_automator import PLAYWRIGHT_DEBUG_DROPPED

    if PLAYWRIGHT_DEBUG_DROPPED:
        logging.getLogger("ucmauto").warning(
            "DEBUG=%s ignored: Playwright's debug log would show typed passwords; use -v", PLAYWRIGHT_DEBUG_DROPPED)


def _register() -> None:
    # Each command module defines its sub-app; imported here, lazily heavy inside.
    from ucm_automator.cli import token

    app.add_typer(token.token_app, name="token")
    from ucm_automator.cli import admin
    admin.register(app)
    from ucm_automator.cli import enroll; enroll.register(app)  # noqa: E702 - enroll, enroll-user, status
    from ucm_automator.cli import fleet; fleet.register(app)  # noqa: E702 - fleet plan|apply|status


_register()


def main(argv: list[str] | None = None) -> None:
    command = typer.main.get_command(app)
    try:
        rv = command.main(args=argv, prog_name="ucmauto", standalone_mode=False)
    except UcmautoError as e:
        sys.stderr.write(f"ucmauto: {redact(e)}\n")
        sys.exit(int(e.exit_code))
    except typer.Abort:
        sys.stderr.write("ucmauto: interrupted\n")
        sys.exit(int(ExitCode.INTERRUPTED))
    except KeyboardInterrupt:
        sys.stderr.write("ucmauto: interrupted\n")
        sys.exit(int(ExitCode.INTERRUPTED))
    except typer.Exit as e:
        sys.exit(e.exit_code)
    except ClickException as e:
        sys.stderr.write(redact(e.format_message()) + "\n")
        if isinstance(e, UsageError) and e.ctx is not None:
            sys.stderr.write(f"Try '{e.ctx.command_path} --help'.\n")
        sys.exit(e.exit_code)
    except Exception as e:  # noqa: BLE001 - the last line of defence: no secret in a traceback
        if os.environ.get("UCMAUTO_DEBUG"):
            import traceback

            sys.stderr.write(redact("".join(traceback.format_exc())))
        sys.stderr.write(
            f"ucmauto: internal error ({type(e).__name__}: {redact(e)}); "
            "run again with UCMAUTO_DEBUG=1 and report it\n"
        )
        sys.exit(int(ExitCode.INTERNAL))
    sys.exit(rv if isinstance(rv, int) else 0)
