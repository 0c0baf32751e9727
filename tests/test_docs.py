"""The docs cannot drift from the code: generated references are current, and every command,
option and error message is documented."""

from __future__ import annotations

from pathlib import Path

import typer

from ucm_automator import reference
from ucm_automator.cli import app
from ucm_automator.errors import ExitCode

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"


def test_generated_references_are_current():
    stale = [n for n, render in reference.GENERATED.items() if (DOCS / n).read_text() != render()]
    assert not stale, f"regenerate with: python -m ucm_automator.reference docs/  (stale: {stale})"


def test_every_command_and_option_is_in_the_command_reference():
    cli = (DOCS / "cli.md").read_text()
    for path, cmd in reference._commands(typer.main.get_command(app), "ucmauto"):
        assert f"## `{path}`" in cli
        for p in cmd.params:
            for opt in p.opts if p.param_type_name == "option" else []:
                assert f"`{opt}`" in cli, f"{path} {opt}"


def test_every_top_level_command_is_in_the_readme():
    readme = (ROOT / "README.md").read_text()
    for name in typer.main.get_command(app).commands:
        assert f"ucmauto {name}" in readme, name


def test_every_error_message_and_exit_code_is_in_troubleshooting():
    text = (DOCS / "troubleshooting.md").read_text()
    messages = reference.error_messages()
    assert len(messages) > 50  # the scan finds the package's errors, not nothing
    for code, _cls, message, where in messages:
        assert reference._cell(message) in text, f"{where}: {message}"
    for code in ExitCode:
        assert f"`{code.name}`" in text and f"`{code.name}`" in (DOCS / "exit-codes.md").read_text()
