"""Typed errors and the exit codes they map to.

Every failure the tool can name has its own class and its own exit code, so scripts can tell a
wrong password from a ban from a wrong Zoho data centre without parsing text. The message of each
error is one line that says what happened and what to do; the CLI prints it as it is (redacted).
"""

from __future__ import annotations

from enum import IntEnum


class ExitCode(IntEnum):
    OK = 0
    INTERNAL = 1  # a bug: please report it
    USAGE = 2  # bad flags (Click's own code)
    BAD_INPUT = 3  # invalid config, inventory, CSV or option value
    SECRET_MISSING = 4  # a secret is needed and there is no way to ask for it
    PARTIAL = 5  # some targets succeeded, some failed
    NOT_FOUND = 6  # a named user, token or file does not exist

    UCM_UNKNOWN_HOST = 10
    UCM_REFUSED = 11
    UCM_TIMEOUT = 12
    TLS_UNTRUSTED = 13  # certificate not yet trusted (first contact, not accepted)
    TLS_CHANGED = 14  # certificate differs from the remembered one
    UCM_HTTP_ERROR = 15  # the box answered HTTP errors (e.g. 502) past the retry budget

    LOGIN_WRONG_PASSWORD = 20
    LOGIN_BANNED = 21
    LOGIN_FORBIDDEN = 22
    LOGIN_UNKNOWN_USER = 23
    TOO_MANY_SESSIONS = 24
    SETUP_WIZARD = 25
    CAPTCHA = 26
    SESSION_EXPIRED = 27

    PAGE_NOT_FOUND = 30
    OPTION_NOT_FOUND = 31
    SAVE_REJECTED = 32
    APPLY_REFUSED = 33
    RATE_LIMITED = 34
    VERIFY_FAILED = 35
    CRM_LOGGED_OUT = 36
    NO_PERMISSION = 37

    ZOHO_INVALID_CLIENT = 40
    ZOHO_INVALID_CODE = 41
    ZOHO_INVALID_SECRET = 42
    ZOHO_INVALID_REDIRECT = 43
    ZOHO_THROTTLED = 44
    ZOHO_REFRESH_INVALID = 45
    ZOHO_ACCESS_DENIED = 46
    ZOHO_STATE_MISMATCH = 47
    ZOHO_UNTRUSTED_SERVER = 48
    ZOHO_UNREACHABLE = 49
    ZOHO_TIMEOUT = 50
    ZOHO_SERVER_ERROR = 51
    ZOHO_BAD_REPLY = 52
    ZOHO_ERROR = 53  # any other error body from Zoho

    INTERRUPTED = 130


class UcmautoError(Exception):
    """Base of every error the tool expects. `str()` is the one line shown to the user."""

    exit_code: ExitCode = ExitCode.INTERNAL

    def __init__(self, message: str, *, exit_code: ExitCode | None = None):
        super().__init__(message)
        if exit_code is not None:
            self.exit_code = exit_code


class BadInput(UcmautoError):
    exit_code = ExitCode.BAD_INPUT


class SecretMissing(UcmautoError):
    exit_code = ExitCode.SECRET_MISSING


class NotFound(UcmautoError):
    exit_code = ExitCode.NOT_FOUND


class Interrupted(UcmautoError):
    exit_code = ExitCode.INTERRUPTED
