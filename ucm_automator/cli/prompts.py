"""What the command line reads from the person at the terminal, or from stdin in a script.

The one place that calls getpass: library code below cli/ gets these as callables.
"""

from __future__ import annotations

import getpass
import sys
from typing import Callable, Optional

from pydantic import SecretStr

from ucm_automator.errors import SecretMissing
from ucm_automator.redact import secret


def hidden(prompt: str) -> str:
    return getpass.getpass(f"{prompt}: ")


def hidden_prompt(interactive: bool) -> Optional[Callable[[str], str]]:
    """What secrets.resolve_secret may ask with: a hidden prompt, or nothing (--no-input, no terminal)."""
    return hidden if interactive else None


def _read(prompt: str, no_input: bool, missing: str, piped_hint: str) -> str:
    if sys.stdin.isatty():
        if no_input:
            raise SecretMissing(f"--no-input is set: {piped_hint}")
        value = hidden(prompt)
    else:
        value = sys.stdin.readline()
    value = value.strip()
    if not value:
        raise SecretMissing(missing)
    return value


def grant_code_reader(no_input: bool, *, fallback: str = "") -> Callable[[], SecretStr]:
    """The Zoho grant code: a hidden prompt on a terminal, else one line of stdin. `fallback`
    names another way (enroll-user: `ucmauto token exchange` first)."""
    tail = f", or {fallback}" if fallback else ""

    def read() -> SecretStr:
        return secret(_read("Zoho grant code (hidden; exchanged at once)", no_input,
                            f"no grant code given; type it at the prompt or pipe it on stdin{tail}",
                            f"pipe the grant code on stdin{tail}"))

    return read


def redirect_reader(no_input: bool) -> Callable[[], str]:
    """The URL the browser was sent to (hidden: it holds a code)."""

    def read() -> str:
        return _read("Paste the whole URL the browser was sent to (hidden)", no_input,
                     "no redirect URL given; paste the URL the browser was sent to",
                     "pipe the redirect URL on stdin instead")

    return read
