"""`ucmauto token …`: get, check, revoke and list Zoho CRM refresh tokens.

Thin: gathers settings and secrets, calls ucm_automator.zoho, prints. Secrets come from files,
env, keyring, hidden prompts or stdin — never from argv.
"""

from __future__ import annotations

import logging
import sys
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Callable, Optional, Union

import typer

from ucm_automator.cli import token_output as out
from ucm_automator.cli.options import (AccountsOpt, BoxOpt, ClientFilterOpt, ClientIdOpt, ConfigOpt, DcFilterOpt,
                                       DcOpt, JsonOpt, NameOpt, NoInputOpt, RedirectOpt, ScopesOpt, SecretFileOpt,
                                       StoreOpt, UserOpt, command, terminal)
from ucm_automator.errors import BadInput
from ucm_automator.zoho import dc as dcs

# The modules below are imported where they are used: `ucmauto --help` must not pay for pydantic,
# requests, filelock and cryptography. Command signatures use only the types above (Typer reads them).
if TYPE_CHECKING:
    from pydantic import SecretStr

    from ucm_automator.config import Settings
    from ucm_automator.zoho.oauth import ZohoOAuth
    from ucm_automator.zoho.store import TokenRef, TokenStore
    from ucm_automator.zoho.tokens import Outcome

log = logging.getLogger(__name__)
token_app = typer.Typer(help="Get, check, revoke and list Zoho CRM refresh tokens.", no_args_is_help=True,
                        rich_markup_mode=None)

KeyringOpt = Annotated[bool, typer.Option("--keyring", help="Keep the refresh token in the OS keyring, not the "
                                          "store file.")]
ShowOpt = Annotated[bool, typer.Option("--show-secret", help="Print the refresh token on stdout (it grants CRM "
                                       "access).")]
BrowserOpt = Annotated[bool, typer.Option("--no-browser", help="Only print the URL; do not open a browser.")]
ListenOpt = Annotated[float, typer.Option("--listen-timeout", min=1, help="Seconds to wait for the browser's "
                                          "redirect (300).")]
YesOpt = Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation.")]


def _named(name: Optional[str], box: Optional[str]) -> str:
    """A box's token is named BOX/EXTENSION (ucm_automator.fleet.boxes.token_name)."""
    if box is None:
        return name or ""
    if not name or "/" in box:
        raise BadInput("--box needs --name (the extension) and a box name without '/'")
    return f"{box}/{name}"


def _settings(config: Optional[Path], **flags: object) -> Settings:
    from ucm_automator.config import load_settings

    return load_settings(config, **flags)


def _store(settings: Settings, store: Optional[Path]) -> TokenStore:
    from ucm_automator.zoho.store import TokenStore

    return TokenStore(store or settings.token_store)


def exchange_and_save(*args: Any, **kwargs: Any) -> Outcome:
    """zoho.tokens.exchange_and_save, imported on first use; kept as a name of this module because
    tests replace it here."""
    from ucm_automator.zoho.tokens import exchange_and_save as exchange

    return exchange(*args, **kwargs)


def _client_id(settings: Settings) -> str:
    if not settings.zoho_client_id:
        raise BadInput("give the Zoho client id with --client-id or UCMAUTO_ZOHO_CLIENT_ID")
    return settings.zoho_client_id


def _client_secret(client_id: str, file: Optional[Path], no_input: bool) -> SecretStr:
    from ucm_automator.cli.prompts import hidden_prompt
    from ucm_automator.secrets import resolve_secret

    got = resolve_secret(
        "Zoho client secret",
        file=file,
        env="UCMAUTO_ZOHO_CLIENT_SECRET",
        keyring_service="ucmauto-zoho-client",
        keyring_user=client_id,
        prompt="Zoho client secret (hidden)",
        ask=hidden_prompt(not no_input),
        hint="--client-secret-file",
    )
    log.info("Zoho client secret: from %s", got.source)
    return got.value


def _oauth(dc: dcs.DataCentre, client_id: str, client_secret: Union[SecretStr, Callable[[], SecretStr], None],
           s: Settings) -> ZohoOAuth:
    from ucm_automator.zoho.oauth import ZohoOAuth

    t = s.timeout_s  # lets tests and slow links shorten or keep the (5, 20) s defaults
    return ZohoOAuth(dc, client_id, client_secret, timeout=(min(5.0, t), min(20.0, t)))


def _check_keyring(wanted: bool) -> None:
    """Before the exchange: a refresh token with nowhere to go would be lost (and use a slot)."""
    if wanted:
        from ucm_automator.zoho import keyring_slot

        keyring_slot.require()


def _ref(s: Settings, user: Optional[str], name: Optional[str]) -> TokenRef:
    from ucm_automator.zoho.store import TokenRef

    code = dcs.resolve(s.zoho_dc).code if s.zoho_dc else None  # unknown: BadInput naming them
    return TokenRef(dc=code, client_id=s.zoho_client_id, user=user, name=name)


@command(token_app, "exchange", help="Self Client path: exchange a grant code (hidden prompt or stdin) for a "
         "refresh token, store it and show whose it is.",
         example="ucmauto token exchange --zoho-dc eu --client-id 1000.ABC --name 1001 < code.txt\n"
         "ucmauto token exchange --zoho-dc eu --client-id 1000.ABC --box acme --name 1001 < code.txt")
def exchange(
    zoho_dc: DcOpt = None, zoho_accounts_url: AccountsOpt = None, client_id: ClientIdOpt = None,
    client_secret_file: SecretFileOpt = None, redirect_uri: RedirectOpt = None, scopes: ScopesOpt = None,
    name: NameOpt = None, store: StoreOpt = None, config: ConfigOpt = None, json_out: JsonOpt = False,
    no_input: NoInputOpt = False, keyring: KeyringOpt = False, show_secret: ShowOpt = False, box: BoxOpt = None,
) -> None:
    name = _named(name, box)
    term = terminal(json_out)
    s = _settings(config, zoho_dc=zoho_dc, zoho_accounts_url=zoho_accounts_url, zoho_client_id=client_id,
                  zoho_redirect_uri=redirect_uri, zoho_scopes=scopes)
    dc = dcs.resolve(s.zoho_dc, s.zoho_accounts_url)
    cid = _client_id(s)
    _check_keyring(keyring)
    oauth = _oauth(dc, cid, _client_secret(cid, client_secret_file, no_input), s)
    if sys.stdin.isatty():
        term.info(out.self_client_hint(dc, s.zoho_scopes))
    from ucm_automator.cli import prompts

    code = prompts.grant_code_reader(no_input)()
    outcome = exchange_and_save(oauth, code, _store(s, store), redirect_uri=s.zoho_redirect_uri,
                                name=name or "", use_keyring=keyring)
    out.report(term, "exchange", outcome, _store(s, store), show_secret)


@command(token_app, "authorize", help="Authorization path: consent in a browser, catch the redirect on a "
         "loopback port (or paste it), exchange the code.",
         example="ucmauto token authorize --zoho-dc eu --client-id 1000.ABC --redirect-uri http://127.0.0.1:0/callback\n"
         "ucmauto token authorize --zoho-dc eu --client-id 1000.ABC --box acme --name 1001 --no-browser")
def authorize(
    zoho_dc: DcOpt = None, zoho_accounts_url: AccountsOpt = None, client_id: ClientIdOpt = None,
    client_secret_file: SecretFileOpt = None, redirect_uri: RedirectOpt = None, scopes: ScopesOpt = None,
    name: NameOpt = None, store: StoreOpt = None, config: ConfigOpt = None, json_out: JsonOpt = False,
    no_input: NoInputOpt = False, keyring: KeyringOpt = False, show_secret: ShowOpt = False,
    no_browser: BrowserOpt = False, listen_timeout: ListenOpt = 300.0, box: BoxOpt = None,
) -> None:
    from ucm_automator.zoho import authflow

    name = _named(name, box)
    term = terminal(json_out)
    s = _settings(config, zoho_dc=zoho_dc, zoho_accounts_url=zoho_accounts_url, zoho_client_id=client_id,
                  zoho_redirect_uri=redirect_uri, zoho_scopes=scopes)
    dc = dcs.resolve(s.zoho_dc, s.zoho_accounts_url)
    cid = _client_id(s)
    _check_keyring(keyring)
    if not s.zoho_redirect_uri:
        raise BadInput("give the client's registered redirect URI with --redirect-uri, e.g. "
                       "http://127.0.0.1:0/callback (any loopback port) to catch it here")
    client_secret = _client_secret(cid, client_secret_file, no_input)  # before the code: it lives ~2 min
    state = authflow.new_state()
    if authflow.is_loopback(s.zoho_redirect_uri):
        with authflow.LoopbackListener(s.zoho_redirect_uri) as listener:
            used = listener.redirect_uri
            out.show_auth_url(term, authflow.auth_url(dc, cid, s.zoho_scopes, used, state), no_browser)
            term.info(f"waiting up to {listen_timeout:g} s for the redirect to {used} ...")
            params = listener.wait(listen_timeout)
    else:
        used = s.zoho_redirect_uri
        out.show_auth_url(term, authflow.auth_url(dc, cid, s.zoho_scopes, used, state), no_browser)
        from ucm_automator.cli import prompts

        params = authflow.params_from_redirect(prompts.redirect_reader(no_input)())
    code, where = authflow.code_from_redirect(params, state, dc, s.zoho_accounts_url)
    oauth = _oauth(where, cid, client_secret, s)
    outcome = exchange_and_save(
        oauth, code, _store(s, store), redirect_uri=used, name=name or "", use_keyring=keyring,
        how_to_retry="run `ucmauto token authorize` again and finish within 2 minutes",
    )
    out.report(term, "authorize", outcome, _store(s, store), show_secret)


@command(token_app, "check", help="Prove a stored token alive (cached access token or one refresh) and show its "
         "Zoho user. The client secret is asked only when a refresh is needed.",
         example="ucmauto token check --name 1001 --client-secret-file zoho.secret")
def check(
    name: NameOpt = None, user: UserOpt = None, zoho_dc: DcOpt = None, zoho_accounts_url: AccountsOpt = None,
    client_id: ClientIdOpt = None, client_secret_file: SecretFileOpt = None, store: StoreOpt = None,
    config: ConfigOpt = None, json_out: JsonOpt = False, no_input: NoInputOpt = False, show_secret: ShowOpt = False,
) -> None:
    from ucm_automator.zoho.store import TokenRef
    from ucm_automator.zoho.tokens import check as check_token

    term = terminal(json_out)
    s = _settings(config, zoho_dc=zoho_dc, zoho_accounts_url=zoho_accounts_url, zoho_client_id=client_id)
    ts = _store(s, store)
    rec = ts.find(_ref(s, user, name))
    oauth = _oauth(_dc_of(rec.dc, rec.accounts_url, s), rec.client_id,
                   lambda: _client_secret(rec.client_id, client_secret_file, no_input), s)
    out.report(term, "check", check_token(ts, TokenRef(*rec.key), oauth), ts, show_secret)


@command(token_app, "revoke", help="Revoke a stored refresh token at Zoho and remove it from the store.",
         example="ucmauto token revoke --name 1001 --yes")
def revoke(
    name: NameOpt = None, user: UserOpt = None, zoho_dc: DcOpt = None, zoho_accounts_url: AccountsOpt = None,
    client_id: ClientIdOpt = None, store: StoreOpt = None, config: ConfigOpt = None, json_out: JsonOpt = False,
    no_input: NoInputOpt = False, yes: YesOpt = False,
) -> None:
    term = terminal(json_out)
    s = _settings(config, zoho_dc=zoho_dc, zoho_accounts_url=zoho_accounts_url, zoho_client_id=client_id)
    ts = _store(s, store)
    rec = ts.find(_ref(s, user, name))
    if not yes:
        if no_input or not term.interactive:
            raise BadInput(f"revoking {rec.label} stops any UCM using it; pass --yes to confirm")
        typer.confirm(f"Revoke {rec.label}? Any UCM using it stops working", abort=True, err=True)
    oauth = _oauth(_dc_of(rec.dc, rec.accounts_url, s), rec.client_id, None, s)
    known = oauth.revoke(ts.refresh_token_of(rec))
    ts.remove(rec)
    out.report_revoke(term, rec, known, ts)


@command(token_app, "list", help="Show the stored tokens (no secrets). Filters come from these flags only, "
         "not env.", example="ucmauto token list --zoho-dc eu --json")
def list_tokens(
    name: NameOpt = None, user: UserOpt = None, zoho_dc: DcFilterOpt = None, client_id: ClientFilterOpt = None,
    store: StoreOpt = None, config: ConfigOpt = None, json_out: JsonOpt = False,
) -> None:
    from ucm_automator.zoho.store import TokenRef

    term = terminal(json_out)
    s = _settings(config)
    ts = _store(s, store)
    code = dcs.resolve(zoho_dc).code if zoho_dc else None
    ref = TokenRef(dc=code, client_id=client_id, user=user, name=name)
    out.report_list(term, [r for r in ts.records() if ref.matches(r)], ts)


def _dc_of(code: str, accounts_url: str, s: Settings) -> dcs.DataCentre:
    """The stored token's data centre, at the server it was exchanged at unless overridden."""
    known = dcs.by_code(code) or dcs.DataCentre(code, accounts_url, "", "")
    url = (s.zoho_accounts_url or accounts_url).rstrip("/")
    return replace(known, accounts_url=url, overridden=url != known.accounts_url)
