"""Zoho failures, one class per exit code, so scripts can tell a wrong data centre from a dead
code from a throttle. Messages never hold codes, secrets or tokens: callers build them from
names (data centre, client id, URL) only.
"""

from __future__ import annotations

from ucm_automator.errors import ExitCode, UcmautoError


class ZohoError(UcmautoError):
    """Any other error body from Zoho (its `error` value is shown)."""

    exit_code = ExitCode.ZOHO_ERROR


class InvalidClient(ZohoError):
    exit_code = ExitCode.ZOHO_INVALID_CLIENT


class GrantCodeInvalid(ZohoError):
    """`invalid_code` on a grant-code exchange: expired, used, or from another DC."""

    exit_code = ExitCode.ZOHO_INVALID_CODE


class InvalidClientSecret(ZohoError):
    exit_code = ExitCode.ZOHO_INVALID_SECRET


class RedirectUriMismatch(ZohoError):
    exit_code = ExitCode.ZOHO_INVALID_REDIRECT


class Throttled(ZohoError):
    exit_code = ExitCode.ZOHO_THROTTLED


class RefreshTokenInvalid(ZohoError):
    """`invalid_code` on a refresh: the token was revoked or evicted (20 per user)."""

    exit_code = ExitCode.ZOHO_REFRESH_INVALID


class AccessDenied(ZohoError):
    exit_code = ExitCode.ZOHO_ACCESS_DENIED


class StateMismatch(ZohoError):
    exit_code = ExitCode.ZOHO_STATE_MISMATCH


class UntrustedServer(ZohoError):
    exit_code = ExitCode.ZOHO_UNTRUSTED_SERVER


class Unreachable(ZohoError):
    """DNS failure or refused connection."""

    exit_code = ExitCode.ZOHO_UNREACHABLE


class ZohoTimeout(ZohoError):
    """Zoho (or the browser redirect) did not answer in time."""

    exit_code = ExitCode.ZOHO_TIMEOUT


class ServerError(ZohoError):
    exit_code = ExitCode.ZOHO_SERVER_ERROR


class BadReply(ZohoError):
    """Not JSON, or JSON of an unexpected shape."""

    exit_code = ExitCode.ZOHO_BAD_REPLY


class ScopeMismatch(ZohoError):
    """CRM answered OAUTH_SCOPE_MISMATCH: the token works, but may not call this endpoint.

    Not fatal for the UCM's use; callers catch it and report the granted scopes.
    """


class AccessTokenRejected(ZohoError):
    """CRM answered INVALID_TOKEN: the access token is expired or revoked."""
