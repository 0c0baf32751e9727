"""Typed errors of the UCM layer, one class per failure a PBX admin can tell apart.

Each maps to its own exit code (see `ucm_automator.errors.ExitCode`); the message is the one line
the user sees. Artifact paths (failure screenshots) are attached by the driver on the way out.
"""

from __future__ import annotations

from pathlib import Path

from ucm_automator.errors import ExitCode, UcmautoError


class UcmError(UcmautoError):
    exit_code = ExitCode.INTERNAL

    def __init__(self, message: str, *, exit_code: ExitCode | None = None):
        super().__init__(message, exit_code=exit_code)
        self.artifacts: list[Path] = []


# reaching the box
class UcmUnknownHost(UcmError):
    exit_code = ExitCode.UCM_UNKNOWN_HOST


class UcmRefused(UcmError):
    exit_code = ExitCode.UCM_REFUSED


class UcmTimeout(UcmError):
    exit_code = ExitCode.UCM_TIMEOUT


class UcmHttpError(UcmError):
    exit_code = ExitCode.UCM_HTTP_ERROR


class TlsUntrusted(UcmError):
    exit_code = ExitCode.TLS_UNTRUSTED


class TlsChanged(UcmError):
    exit_code = ExitCode.TLS_CHANGED


# logging in (never retried: a retry can lock the account)
class LoginWrongPassword(UcmError):
    exit_code = ExitCode.LOGIN_WRONG_PASSWORD


class LoginBanned(UcmError):
    exit_code = ExitCode.LOGIN_BANNED


class LoginReplyLost(UcmError):
    """The login's reply was lost (HTTP error): the box may have counted a failed attempt."""

    exit_code = ExitCode.UCM_HTTP_ERROR


class LoginUnknownUser(UcmError):
    exit_code = ExitCode.LOGIN_UNKNOWN_USER


class TooManySessions(UcmError):
    exit_code = ExitCode.TOO_MANY_SESSIONS


class SetupWizard(UcmError):
    exit_code = ExitCode.SETUP_WIZARD


class Captcha(UcmError):
    exit_code = ExitCode.CAPTCHA


class SessionExpired(UcmError):
    exit_code = ExitCode.SESSION_EXPIRED


class GuiLanguage(UcmError):
    """The GUI is in another language than the profile's texts, and setting it did not take."""

    exit_code = ExitCode.GUI_LANGUAGE


# the GUI and its replies
class LogoutNotShown(UcmError):
    exit_code = ExitCode.PAGE_NOT_FOUND



class PageNotFound(UcmError):
    exit_code = ExitCode.PAGE_NOT_FOUND


class OptionNotFound(UcmError):
    exit_code = ExitCode.OPTION_NOT_FOUND


class SaveRejected(UcmError):
    exit_code = ExitCode.SAVE_REJECTED


class ApplyRefused(UcmError):
    exit_code = ExitCode.APPLY_REFUSED


class RateLimited(UcmError):
    exit_code = ExitCode.RATE_LIMITED


class VerifyFailed(UcmError):
    exit_code = ExitCode.VERIFY_FAILED


class NoPermission(UcmError):
    exit_code = ExitCode.NO_PERMISSION
