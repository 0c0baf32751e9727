"""Help an admin can use: every command shows an example and the environment variables of its
options (declared, so never cut), accepts -q and -v, and shell completion installs for bash and
zsh into a fresh HOME and then completes."""

from __future__ import annotations

import contextlib
import io
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import typer

from ucm_automator import reference
from ucm_automator.cli import app, main

COMMANDS = [path.split()[1:] for path, cmd in reference._commands(typer.main.get_command(app), "ucmauto")
            if not getattr(cmd, "commands", None)]
BIN = Path(sys.executable).parent


def _help(args: list[str]) -> str:
    out = io.StringIO()
    with contextlib.redirect_stdout(out), pytest.raises(SystemExit) as done:
        main([*args, "--help"])
    assert done.value.code == 0
    return " ".join(out.getvalue().split())  # Click wraps at the terminal width: compare words


@pytest.mark.parametrize("args", COMMANDS, ids=[" ".join(c) for c in COMMANDS])
def test_help_shows_an_example_and_every_env_var(args):
    text = _help(args)
    assert "Example:" in text, text
    assert re.search(r"\bucmauto " + re.escape(" ".join(args)) + r" ", text.split("Example:", 1)[1]), text
    cmd = typer.main.get_command(app)
    for name in args:
        cmd = cmd.commands[name]
    envvars = [p.envvar for p in cmd.params if getattr(p, "envvar", None)]
    assert envvars, "every command reads at least its config file from the environment"
    for var in envvars:
        assert f"[env var: {var}]" in text, var
    assert "-q, --quiet" in text and "-v, --verbose" in text


def test_enroll_user_help_has_no_batch_flags():
    text = _help(["enroll-user"])
    for flag in ("--concurrency", "--batch", "--restart", "--journal-dir", "--all"):
        assert flag not in text


@pytest.mark.parametrize("flag", ["-q", "-v"])
def test_quiet_and_verbose_after_the_command(tmp_path, flag):
    env = {**os.environ, "HOME": str(tmp_path), "XDG_CONFIG_HOME": str(tmp_path / "config")}
    r = subprocess.run([sys.executable, "-m", "ucm_automator", "token", "list", flag], env=env,
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    assert ("no tokens stored" in r.stderr) == (flag == "-v")  # -q drops the note


def _completion_env(home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("UCMAUTO_") and not k.startswith("_UCMAUTO")}
    return {**env, "HOME": str(home), "PATH": f"{BIN}:{env.get('PATH', '')}"}


def test_completion_installs_for_bash_and_completes(tmp_path):
    env = _completion_env(tmp_path)
    # a real bash as the parent: Typer detects the shell it is asked from
    r = subprocess.run(["bash", "-c", "ucmauto --install-completion; true"], env=env, capture_output=True,
                       text=True, timeout=60)
    assert "bash completion installed" in r.stdout + r.stderr, r.stderr
    script = tmp_path / ".bash_completions" / "ucmauto.sh"
    assert script.is_file() and f"source '{script}'" in (tmp_path / ".bashrc").read_text()
    # what pressing Tab does: the installed function asks ucmauto for the candidates
    tab = subprocess.run(["bash", "-c", f"source '{script}'; COMP_WORDS=(ucmauto adm); COMP_CWORD=1; "
                          "_ucmauto_completion ucmauto; printf '%s\\n' \"${COMPREPLY[@]}\""],
                         env=env, capture_output=True, text=True, timeout=60)
    assert tab.stdout.split() == ["admin-setup"], tab.stderr
    opts = subprocess.run(["bash", "-c", f"source '{script}'; COMP_WORDS=(ucmauto status --ch); COMP_CWORD=2; "
                           "_ucmauto_completion ucmauto; printf '%s\\n' \"${COMPREPLY[@]}\""],
                          env=env, capture_output=True, text=True, timeout=60)
    assert opts.stdout.split() == ["--check"], opts.stderr


def test_completion_installs_for_zsh(tmp_path):
    env = _completion_env(tmp_path)
    # the parent process calls itself zsh (no zsh here): what Typer's shell detection reads
    r = subprocess.run(["zsh", "-c", "ucmauto --install-completion; true"], executable="/bin/bash", env=env,
                       capture_output=True, text=True, timeout=60)
    assert "zsh completion installed" in r.stdout + r.stderr, r.stdout + r.stderr
    func = tmp_path / ".zfunc" / "_ucmauto"
    assert func.read_text().startswith("#compdef ucmauto")
    assert "fpath+=~/.zfunc" in (tmp_path / ".zshrc").read_text()
    # the installed function runs this: the candidates for `ucmauto tok`
    ask = subprocess.run(["ucmauto"], env={**env, "_UCMAUTO_COMPLETE": "complete_zsh",
                                           "_TYPER_COMPLETE_ARGS": "ucmauto tok"},
                         capture_output=True, text=True, timeout=60)
    assert '"token"' in ask.stdout and "admin-setup" not in ask.stdout, ask.stdout


def test_json_keys_are_documented():
    from ucm_automator.cli.status import as_json as status_json
    from ucm_automator.enroll.report import as_json as enroll_json
    from ucm_automator.enroll.run import Report
    from ucm_automator.enroll.status import StatusReport

    doc = (Path(__file__).resolve().parents[2] / "docs" / "json.md").read_text()
    keys = [*status_json(StatusReport("https://x:8089")), *enroll_json(Report("u", "b", None, False, [])),
            "check", "state", "exit_code", "code", "message", "error"]
    assert [k for k in keys if f"`{k}`" not in doc] == []
