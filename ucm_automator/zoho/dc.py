"""Zoho data centres: one table mapping a code, the Zoho domain the UCM shows as its
"CRM Server Address", the accounts server and the CRM api_domain (spec, "Data centres").

A client and its grant codes live in one data centre; exchanging at another one answers
`invalid_client`, the most common user error — so the data centre is always explicit.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Optional
from urllib.parse import urlsplit

from ucm_automator.errors import BadInput


@dataclass(frozen=True)
class DataCentre:
    code: str
    accounts_url: str
    api_domain: str
    domain: str  # the Zoho domain, as the UCM's "CRM Server Address" shows it
    overridden: bool = False  # accounts_url came from --zoho-accounts-url


DATA_CENTRES: tuple[DataCentre, ...] = (
    DataCentre("us", "https://accounts.zoho.com", "https://www.zohoapis.com", "zoho.com"),
    DataCentre("eu", "https://accounts.zoho.eu", "https://www.zohoapis.eu", "zoho.eu"),
    DataCentre("in", "https://accounts.zoho.in", "https://www.zohoapis.in", "zoho.in"),
    DataCentre("au", "https://accounts.zoho.com.au", "https://www.zohoapis.com.au", "zoho.com.au"),
    DataCentre("cn", "https://accounts.zoho.com.cn", "https://www.zohoapis.com.cn", "zoho.com.cn"),
    DataCentre("jp", "https://accounts.zoho.jp", "https://www.zohoapis.jp", "zoho.jp"),
    DataCentre("ca", "https://accounts.zohocloud.ca", "https://www.zohoapis.ca", "zohocloud.ca"),
    DataCentre("sa", "https://accounts.zoho.sa", "https://www.zohoapis.sa", "zoho.sa"),
    DataCentre("uk", "https://accounts.zoho.uk", "https://www.zohoapis.uk", "zoho.uk"),
)
CODES = tuple(dc.code for dc in DATA_CENTRES)


def _host(value: str) -> str:
    text = value.strip().lower()
    if "://" in text:
        text = urlsplit(text).hostname or ""
    return text.split("/")[0].rstrip(".")


def by_code(code: str) -> Optional[DataCentre]:
    return next((dc for dc in DATA_CENTRES if dc.code == code), None)


def lookup(value: str) -> Optional[DataCentre]:
    """The data centre named by a code, a domain (`zoho.eu`, `crm.zoho.eu`), an accounts URL
    or an api_domain; None when nothing matches."""
    text = value.strip().lower()
    found = by_code(text)
    if found:
        return found
    host = _host(text)
    for dc in DATA_CENTRES:
        hosts = {dc.domain, _host(dc.accounts_url), _host(dc.api_domain)}
        if host in hosts or any(host == f"{p}.{dc.domain}" for p in ("www", "crm", "api-console")):
            return dc
    return None


def resolve(value: Optional[str], accounts_url: Optional[str] = None) -> DataCentre:
    """The data centre to talk to. `accounts_url` (the override) replaces its accounts server."""
    if not value:
        known = lookup(accounts_url) if accounts_url else None
        if known is None:
            raise BadInput(
                f"name the Zoho data centre with --zoho-dc or UCMAUTO_ZOHO_DC "
                f"(one of {', '.join(CODES)}, or a domain such as zoho.eu)"
            )
        return known
    dc = lookup(value)
    if dc is None:
        raise BadInput(
            f"unknown Zoho data centre '{value}'; use one of {', '.join(CODES)}, "
            "a Zoho domain such as zoho.eu, or an accounts URL such as https://accounts.zoho.eu"
        )
    if accounts_url:
        dc = replace(dc, accounts_url=check_accounts_url(accounts_url), overridden=True)
    return dc


LOOPBACK = ("127.0.0.1", "localhost", "::1")


def check_accounts_url(url: str) -> str:
    """An accounts-server override: https, or plain http only to this machine (tests, a local
    proxy), since the client secret and the tokens travel in the body."""
    try:
        parts = urlsplit(url.strip())
        parts.port  # noqa: B018 - raises on a port out of range
    except ValueError as e:
        raise BadInput(f"--zoho-accounts-url '{url}' is not a valid URL ({e}); give one such as "
                       "https://accounts.zoho.eu") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise BadInput(f"--zoho-accounts-url '{url}' is not an http(s) URL; give one such as https://accounts.zoho.eu")
    if parts.scheme == "http" and parts.hostname.lower() not in LOOPBACK and not parts.hostname.startswith("127."):
        raise BadInput(f"--zoho-accounts-url '{url}' is plain http to another machine: the client secret would "
                       "cross the network in clear; use https (http only for 127.0.0.1, localhost, ::1)")
    return url.strip().rstrip("/")


def _origin(url: str) -> tuple[str, str, int]:
    parts = urlsplit(url)
    port = parts.port or (443 if parts.scheme == "https" else 80)
    return parts.scheme.lower(), (parts.hostname or "").lower(), port


def trusted_accounts_server(url: str, override: Optional[str] = None) -> Optional[str]:
    """`url` normalised when it is a known Zoho accounts server, else None.

    Known: an accounts server of the table (https only), or the same origin as the
    --zoho-accounts-url override (one server that serves several data centres, like the fake).
    """
    try:
        origin = _origin(url)
    except ValueError:
        return None
    for dc in DATA_CENTRES:
        if origin == _origin(dc.accounts_url):
            return dc.accounts_url
    if override and origin == _origin(override):
        return url.rstrip("/")
    return None
