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
    LOGIN_UNKNOWN_USER = 23
    TOO_MANY_SESSIONS = 24
    SETUP_WIZARD = 25
    CAPTCHA = 26
    SESSION_EXPIRED = 27
    GUI_LANGUAGE = 29  # the GUI shows another language than the profile's and could not be switched

    PAGE_NOT_FOUND = 30
    OPTION_NOT_FOUND = 31
    SAVE_REJECTED = 32
    APPLY_REFUSED = 33
    RATE_LIMITED = 34
    VERIFY_FAILED = 35
    CRM_LOGGED_OUT = 36
    NO_PERMISSION = 37
    ADMIN_CRM_NOT_READY = 38  # the admin CRM page is not Zoho v2: run admin-setup first
    DC_MISMATCH = 39  # the admin's CRM Server Address and the token are in different data centres

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

    INTERRUPTED = 130  # Ctrl-C (SIGINT)
    TERMINATED = 143  # SIGTERM (a service manager, `kill`)


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
    """Ctrl-C or SIGTERM reached the command (cli/cancel.py); cleanup has run."""

    exit_code = ExitCode.INTERRUPTED


class Usage(UcmautoError):
    """Flags that do not fit together, found by the command itself (Click finds the rest)."""

    exit_code = ExitCode.USAGE


# What each exit code means and what to do: the source of docs/exit-codes.md and of the
# per-code sections of docs/troubleshooting.md (tests fail when a code has no entry).
EXIT_CODE_HELP: dict[ExitCode, tuple[str, str]] = {
    ExitCode.OK: ("success: everything asked is in place (changed or already so)", "nothing"),
    ExitCode.INTERNAL: ("an error ucmauto did not expect (a bug)", "run again with UCMAUTO_DEBUG=1 and report the redacted traceback"),
    ExitCode.USAGE: ("a flag or argument is wrong", "see the command's --help"),
    ExitCode.BAD_INPUT: ("a setting, config file, inventory, CSV or option value is invalid", "fix the value the message names; nothing was changed"),
    ExitCode.SECRET_MISSING: ("a password, client secret or code is needed and cannot be asked for", "give it by file, environment variable, keyring, or run on a terminal to be prompted"),
    ExitCode.PARTIAL: ("some users succeeded and some failed", "read the summary table or --json; a re-run redoes only what failed"),
    ExitCode.NOT_FOUND: ("a named user, token, file or profile does not exist", "check the name against the inventory or `ucmauto token list`"),
    ExitCode.UCM_UNKNOWN_HOST: ("the UCM host name does not resolve", "check --ucm and DNS"),
    ExitCode.UCM_REFUSED: ("nothing listens at the UCM address and port", "check --ucm (HTTPS port, 8089 by default) and that the web server is up"),
    ExitCode.UCM_TIMEOUT: ("the UCM did not answer in time", "check the network path, or raise --timeout for a slow box"),
    ExitCode.TLS_UNTRUSTED: ("the UCM's certificate is not trusted yet (first contact, no terminal to ask)", "compare the printed fingerprint with the box and pass --fingerprint sha256:..."),
    ExitCode.TLS_CHANGED: ("the UCM's certificate differs from the remembered one", "if the box really has a new certificate, run once with --fingerprint <new>; otherwise suspect interception"),
    ExitCode.UCM_HTTP_ERROR: ("the UCM (or a proxy before it) kept answering HTTP errors", "check the box's health; the run is safe to repeat"),
    ExitCode.LOGIN_WRONG_PASSWORD: ("the UCM refused the user name or password", "fix the password; ucmauto never retries (the box locks accounts out)"),
    ExitCode.LOGIN_BANNED: ("the UCM bans this login for a while after failed attempts", "wait the time the message names, or unban it in Maintenance → Login Settings"),
    ExitCode.LOGIN_UNKNOWN_USER: ("the UCM has no such user", "check the admin user name or the extension"),
    ExitCode.TOO_MANY_SESSIONS: ("the UCM says too many users are logged in", "retry later or lower --concurrency; close other GUI sessions"),
    ExitCode.SETUP_WIZARD: ("the UCM wants its first-login setup wizard done", "log in once in a browser and finish the wizard"),
    ExitCode.CAPTCHA: ("the login page shows a CAPTCHA", "log in once by hand or whitelist this host's IP on the UCM; ucmauto does not solve CAPTCHAs"),
    ExitCode.SESSION_EXPIRED: ("the UCM session expired again after one more login", "raise User Login Timeout on the box, or retry"),
    ExitCode.GUI_LANGUAGE: ("the GUI shows another language than the firmware profile's, and would not switch", "run with a profile written in the language the message names (--profile, docs/firmware-profiles.md), or draft one with `ucmauto probe`"),
    ExitCode.PAGE_NOT_FOUND: ("a page, menu or label is not where the firmware profile says", "write a firmware profile with the texts your box shows (docs/firmware-profiles.md)"),
    ExitCode.OPTION_NOT_FOUND: ("an option is not in a list on the page", "check the value asked for, or the option texts in the firmware profile"),
    ExitCode.SAVE_REJECTED: ("the UCM refused the Save", "the message carries the box's reason; fix the value"),
    ExitCode.APPLY_REFUSED: ("the UCM refused Apply Changes (e.g. a conference is in progress)", "run again later: the saved change is applied then"),
    ExitCode.RATE_LIMITED: ("the UCM kept answering 'operating too frequently'", "wait a minute and run again; lower --concurrency"),
    ExitCode.VERIFY_FAILED: ("after saving, the page does not show what was asked", "look at the screenshot under artifacts/; the box may rewrite values"),
    ExitCode.CRM_LOGGED_OUT: ("the user's Login Status stayed Logged Out", "the message names the likely causes: data centre, revoked token, box cannot reach Zoho, admin setup not applied"),
    ExitCode.NO_PERMISSION: ("the UCM user lacks the privilege for this page or action", "use the super admin, or the user's own extension"),
    ExitCode.ADMIN_CRM_NOT_READY: ("the box's CRM System is not Zoho CRM (v2 API), so no user can log in", "run `ucmauto admin-setup` first; nothing was saved for the user"),
    ExitCode.DC_MISMATCH: ("the admin's CRM Server Address is another Zoho data centre than the user's token", "get a token in the box's data centre, or fix --server-address with admin-setup"),
    ExitCode.ZOHO_INVALID_CLIENT: ("Zoho does not know the client id in that data centre", "use the data centre where the client was created (--zoho-dc), and check the client id"),
    ExitCode.ZOHO_INVALID_CODE: ("the grant code expired or was already used", "generate a new code (Self Client → Generate Code) and exchange it within its minutes"),
    ExitCode.ZOHO_INVALID_SECRET: ("Zoho rejected the client secret", "copy the secret again from the API console"),
    ExitCode.ZOHO_INVALID_REDIRECT: ("the redirect URI differs from the registered one", "use exactly the URI registered for the client"),
    ExitCode.ZOHO_THROTTLED: ("Zoho throttles this token (more than 10 refreshes in 10 minutes)", "wait 10 minutes without retrying; retries prolong it"),
    ExitCode.ZOHO_REFRESH_INVALID: ("the refresh token was revoked or evicted (Zoho keeps 20 per user)", "get a new one with `ucmauto token exchange`"),
    ExitCode.ZOHO_ACCESS_DENIED: ("the Zoho user rejected the consent page", "run `ucmauto token authorize` again and click Accept"),
    ExitCode.ZOHO_STATE_MISMATCH: ("the redirect's state does not match the request", "start the authorization again; do not reuse old redirect URLs"),
    ExitCode.ZOHO_UNTRUSTED_SERVER: ("the redirect names an accounts server that is not Zoho's", "do not continue; start again from the printed URL"),
    ExitCode.ZOHO_UNREACHABLE: ("Zoho's host does not resolve or refuses connections", "check DNS, proxy and firewall towards accounts.zoho.*"),
    ExitCode.ZOHO_TIMEOUT: ("Zoho did not answer in time (or no redirect arrived)", "retry later; check the network"),
    ExitCode.ZOHO_SERVER_ERROR: ("Zoho answered a server error", "retry later"),
    ExitCode.ZOHO_BAD_REPLY: ("Zoho's answer was not the JSON expected", "check --zoho-accounts-url and any proxy in between"),
    ExitCode.ZOHO_ERROR: ("Zoho answered another error", "the message quotes Zoho's error code"),
    ExitCode.INTERRUPTED: ("interrupted by Ctrl-C (SIGINT); open sessions were ended first", "run the same command again: batches resume from their journal"),
    ExitCode.TERMINATED: ("stopped by SIGTERM; open sessions were ended first (at most 20 s)", "run the same command again: batches resume from their journal"),
}
