"""`ucmauto --help` starts fast: the CLI imports Playwright, requests and the runner only inside
the commands that use them. Checked on the modules loaded, not on timings."""

from __future__ import annotations

import json
import subprocess
import sys

HEAVY = ("playwright", "requests", "ucm_automator.runner")

SCRIPT = """
import contextlib, io, json, sys
import typer
from ucm_automator.cli import app, main

loaded = {}
typer.main.get_command(app)  # Typer reads every command's signature here
loaded["import"] = sorted(m for m in %(heavy)r if m in sys.modules)
for argv in (["--help"], ["token", "--help"], ["token", "exchange", "--help"], ["admin-setup", "--help"],
             ["enroll", "--help"], ["enroll-user", "--help"], ["status", "--help"]):
    with contextlib.redirect_stdout(io.StringIO()), contextlib.suppress(SystemExit):
        main(argv)
    loaded[" ".join(argv)] = sorted(m for m in %(heavy)r if m in sys.modules)
print(json.dumps(loaded))
"""


def test_cli_import_and_help_do_not_load_heavy_modules():
    run = subprocess.run([sys.executable, "-c", SCRIPT % {"heavy": HEAVY}], capture_output=True, text=True, check=False,
                         timeout=60)
    assert run.returncode == 0, run.stderr
    loaded = json.loads(run.stdout)
    assert loaded == {k: [] for k in loaded}, loaded
    assert len(loaded) == 8
