"""`ucmauto fleet plan|apply|status`: many UCMs from one inventory file, K boxes at once in one
browser. Thin: loads and validates the inventory, runs ucm_automator.fleet, prints per-user and
per-box lines (or JSON lines with --json), one summary, and the worst box's exit code.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Optional

import typer

from ucm_automator.cli.options import (BoxConcurrencyOpt, BoxesOpt, ConfigOpt, ContextsOpt, FleetBoxOpt,
                                       FleetJsonOpt, ForceOpt, InventoryOpt, JournalOpt, LoginWaitOpt, OptPath,
                                       StoreOpt, command, on_interrupt, terminal)
from ucm_automator.errors import UcmautoError
from ucm_automator.output import Terminal

if TYPE_CHECKING:
    from ucm_automator.fleet.boxes import FleetBox
    from ucm_automator.fleet.run import FleetOptions

fleet_app = typer.Typer(help="Many UCMs from one inventory: admin setup and enrolment on each, K boxes at once "
                        "in one browser; one summary.", no_args_is_help=True, rich_markup_mode=None)

CheckOpt = Annotated[bool, typer.Option(
    "--check", help="Monitoring plugin: one status line; exit 0 OK, 1 WARNING (drift from the inventory), "
    "2 CRITICAL (a user not Logged In), 3 UNKNOWN (could not read).")]

EXAMPLE_PLAN = "ucmauto fleet plan -i fleet.toml --box acme --box globex"
EXAMPLE_APPLY = """\
ucmauto fleet apply -i fleet.toml --boxes 3 --contexts 6
ucmauto fleet apply -i fleet.toml --json > fleet.jsonl     # JSON lines: per user, per box, summary"""
EXAMPLE_STATUS = """\
ucmauto fleet status -i fleet.toml
ucmauto fleet status -i fleet.toml --check     # Nagios/Icinga: 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN"""


def register(app: typer.Typer) -> None:
    app.add_typer(fleet_app, name="fleet")
    command(fleet_app, "plan", example=EXAMPLE_PLAN,
            help="Read every box and user, show what apply would change; change nothing.")(plan)
    command(fleet_app, "apply", example=EXAMPLE_APPLY,
            help="Admin setup, then enrol every user, on every box; a failed box does not stop the others; "
            "a re-run resumes each box from its journal.")(apply)
    command(fleet_app, "status", example=EXAMPLE_STATUS,
            help="Read-only, as each box's admin: its admin CRM and each user's Login Status, compared with "
            "the inventory.")(status)


def default_inventory() -> Path:
    from ucm_automator.config import app_dir

    return app_dir() / "fleet.toml"  # --inventory reads $UCMAUTO_FLEET (options.InventoryOpt)


def _load(inventory: OptPath, box: Optional[list[str]], config: OptPath, store: OptPath,
          need_tokens: bool) -> list[FleetBox]:
    from ucm_automator.config import load_settings
    from ucm_automator.enroll.inventory import Problems
    from ucm_automator.fleet import inventory as fleet_inventory
    from ucm_automator.fleet.boxes import Context, prepare
    from ucm_automator.zoho.store import TokenStore

    path = Path(inventory) if inventory else default_inventory()
    problems = Problems()
    inv = fleet_inventory.load(path, problems)
    selected = inv.select(box or [])
    base = load_settings(config)
    ctx = Context(config=config, store=TokenStore(store or base.token_store), need_tokens=need_tokens)
    boxes = prepare(inv, selected, ctx, problems)
    problems.raise_if_any(f"the fleet inventory {path}")
    return boxes


def _options(boxes: int, contexts: int, concurrency: Optional[int], dry_run: bool = False, force: bool = False,
             login_wait: float = 60.0, journal_dir: OptPath = None) -> FleetOptions:
    from ucm_automator.fleet.run import FleetOptions

    return FleetOptions(boxes=boxes, contexts=contexts, concurrency=concurrency, dry_run=dry_run, force=force,
                        login_wait_s=login_wait, journal_dir=journal_dir)


class Printer:
    """Per-user and per-box lines as they finish: stderr for humans, JSON lines on stdout."""

    def __init__(self, term: Terminal) -> None:
        self.term = term

    def line(self, obj: dict[str, Any]) -> None:
        from ucm_automator.redact import REDACTOR

        sys.stdout.write(json.dumps(REDACTOR.redact_obj(obj), separators=(",", ":")) + "\n")
        sys.stdout.flush()

    def user(self, box: str, o: Any) -> None:
        from ucm_automator.enroll.report import result_word
        from ucm_automator.fleet.results import user_json

        if self.term.json_mode:
            self.line(user_json(box, o))
            return
        r = o.result
        tail = f": {(r.error or {}).get('message', '')}" if o.status == "failed" else \
            f", {(r.after or {}).get('login_status') or '-'}"
        self.term.info(f"{box} {r.target}: {result_word(o)}{tail}")

    def box(self, r: Any) -> None:
        if self.term.json_mode:
            self.line(r.as_json())
        elif getattr(r, "error", None):
            self.term.error(f"box {r.name}: {r.error['message']}")
        elif hasattr(r, "counts"):
            c = r.counts()
            self.term.info(f"box {r.name}: {r.status}, {c['ok']}/{c['users']} users ok")


def _run(dry_run: bool, inventory: OptPath, box: Optional[list[str]], boxes: int, contexts: int,
         concurrency: Optional[int], json_out: bool, config: OptPath, store: OptPath, journal_dir: OptPath,
         login_wait: float, force: bool) -> None:
    import time

    from ucm_automator.fleet.results import fleet_exit_code, summary_json
    from ucm_automator.fleet.run import apply_fleet

    term = terminal(json_out)
    started = time.monotonic()
    ready = _load(inventory, box, config, store, need_tokens=True)
    opts = _options(boxes, contexts, concurrency, dry_run, force, login_wait, journal_dir)
    printer = Printer(term)
    on_interrupt("nothing was changed (plan)" if dry_run else
                 "boxes and users finished so far are in their journals; run the same command again to resume")
    results = apply_fleet(ready, opts, printer)
    summary = summary_json(results, time.monotonic() - started, dry_run)
    if json_out:
        printer.line(summary)
    else:
        rows = []
        for r in results:
            c = r.counts()
            admin = "FAILED" if r.admin and r.admin.error else "-" if r.admin is None else \
                ("would change" if r.admin.changes else "unchanged") if dry_run else \
                ("changed" if r.admin.changed else "unchanged")
            users = c["would_change"] if dry_run else c["changed"]
            rows.append((r.name, r.url, admin, str(c["users"]), str(c["ok"]), str(c["failed"]), str(users),
                         r.status, str(r.exit_code())))
        term.table(("BOX", "URL", "ADMIN", "USERS", "OK", "FAILED", "WOULD CHANGE" if dry_run else "CHANGED",
                    "STATUS", "EXIT"), rows)
        term.info(f"{summary['boxes']} box(es), {summary['users']} user(s) in {summary['seconds']:g} s: "
                  f"{summary['boxes_failed']} box(es) failed, {summary['boxes_partial']} partly, "
                  f"{summary['users_failed']} user(s) failed")
        for r in results:
            for note in r.notes:
                term.info(f"box {r.name}: {note}")
    raise typer.Exit(fleet_exit_code(results))


def plan(inventory: InventoryOpt = None, box: FleetBoxOpt = None, boxes: BoxesOpt = 2, contexts: ContextsOpt = 4,
         concurrency: BoxConcurrencyOpt = None, json_out: FleetJsonOpt = False, config: ConfigOpt = None,
         store: StoreOpt = None, journal_dir: JournalOpt = None) -> None:
    _run(True, inventory, box, boxes, contexts, concurrency, json_out, config, store, journal_dir, 60.0, False)


def apply(inventory: InventoryOpt = None, box: FleetBoxOpt = None, boxes: BoxesOpt = 2, contexts: ContextsOpt = 4,
          concurrency: BoxConcurrencyOpt = None, json_out: FleetJsonOpt = False, config: ConfigOpt = None,
          store: StoreOpt = None, journal_dir: JournalOpt = None, login_wait: LoginWaitOpt = 60.0,
          force: ForceOpt = False) -> None:
    _run(False, inventory, box, boxes, contexts, concurrency, json_out, config, store, journal_dir, login_wait, force)


def status(inventory: InventoryOpt = None, box: FleetBoxOpt = None, boxes: BoxesOpt = 2, contexts: ContextsOpt = 4,
           concurrency: BoxConcurrencyOpt = None, json_out: FleetJsonOpt = False, config: ConfigOpt = None,
           store: StoreOpt = None, check: CheckOpt = False) -> None:
    from ucm_automator.fleet.status import NAMES, UNKNOWN, fleet_state, nagios_line, read_fleet

    term = terminal(json_out)
    printer = Printer(term)
    try:
        ready = _load(inventory, box, config, store, need_tokens=False)
    except UcmautoError as e:
        if not check:
            raise  # the one `ucmauto:` line and, with --json, the error document (cli/__init__.py)
        from ucm_automator.redact import redact

        line = f"UCMAUTO FLEET UNKNOWN - {redact(e).splitlines()[0]}"
        if json_out:
            printer.line({"type": "summary", "state": NAMES[UNKNOWN], "nagios": line, "error": {
                "code": e.exit_code.name, "exit_code": int(e.exit_code), "message": redact(e)}})
        else:
            term.data(line)
        sys.stderr.write(f"ucmauto: {redact(e)}\n")
        raise typer.Exit(UNKNOWN) from None
    statuses = read_fleet(ready, _options(boxes, contexts, concurrency), printer)
    state = fleet_state(statuses)
    if json_out:
        printer.line({"type": "summary", "state": NAMES[state], "nagios": nagios_line(statuses)})
    elif check:
        term.data(nagios_line(statuses))
    else:
        rows = []
        for b in statuses:
            users = b.report.users if b.report else []
            logged = sum((u.crm or {}).get("login_status") == "login" for u in users)
            rows.append((b.result.name, b.result.url, NAMES[b.state], f"{logged}/{len(users)}",
                         "; ".join(t for _, t in b.problems[:2]) or (b.result.error or {}).get("message", "-")))
        term.table(("BOX", "URL", "STATE", "LOGGED IN", "PROBLEMS"), rows)
        term.info(nagios_line(statuses))
    if check:
        raise typer.Exit(state)
    codes = [b.result.exit_code() for b in statuses if b.result.error]
    raise typer.Exit(codes[0] if codes else (0 if state == 0 else 5))
