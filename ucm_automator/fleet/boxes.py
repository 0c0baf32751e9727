"""From the fleet inventory to boxes ready to run: settings, the admin password, the users.

Everything is checked here, for every selected box, before any box is contacted: the box's
settings and admin CRM wishes (against its firmware profile), the admin password source, the
users inventory (its own file:line), each user's password and client secret, and that a stored
Zoho token exists for each user. Token names are namespaced by box ("acme/1001"), so the same
extension on two boxes never shares a token: `ucmauto token exchange --box acme --name 1001`.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Optional

from pydantic import SecretStr

from ucm_automator.config import Settings, load_settings
from ucm_automator.enroll import inventory as users_inventory
from ucm_automator.enroll.credentials import Sources, resolve
from ucm_automator.enroll.inventory import Entry, Problems
from ucm_automator.errors import UcmautoError
from ucm_automator.fleet.inventory import Inventory, Located
from ucm_automator.redact import secret
from ucm_automator.runner import admin_want
from ucm_automator.secrets import env_secret, keyring_get, read_secret_file
from ucm_automator.ucm.profile import FirmwareProfile, load_profile
from ucm_automator.ucm.trust import normalize_fingerprint
from ucm_automator.zoho.store import TokenStore


def token_name(box: str, extension: str) -> str:
    """The store name of a box's user token: `token exchange --box BOX --name EXT` writes it."""
    return f"{box}/{extension}"


@dataclass
class FleetBox:
    name: str
    where: str
    settings: Settings
    profile: FirmwareProfile
    admin_password: SecretStr
    entries: list[Entry]
    users_file: Optional[Path]
    sources: Sources  # the users' secret sources, client secrets already gathered

    @property
    def url(self) -> str:
        return self.settings.ucm or ""


@dataclass
class Context:
    """What every box shares: the config file, the token store, secrets gathered once."""

    config: Optional[Path] = None
    store: Optional[TokenStore] = None
    need_tokens: bool = True  # False for status: it reads as each box's admin (no user password or token)


def prepare(inv: Inventory, selected: list[Located], ctx: Context, problems: Problems) -> list[FleetBox]:
    ready = []
    for loc in selected:
        before = len(problems.items)
        box = _one(loc, ctx, problems)
        if box is not None and len(problems.items) == before:
            ready.append(box)
    return ready


def _one(loc: Located, ctx: Context, problems: Problems) -> Optional[FleetBox]:
    b = loc.spec
    flags = dict(ucm=b.url, profile=b.profile, server_address=b.server_address, lookups=b.lookups,
                 add_unknown=b.add_unknown, admin_user=b.admin_user, zoho_dc=b.zoho_dc, zoho_client_id=b.client_id,
                 insecure=b.insecure or None, fingerprint="")  # "" beats $UCMAUTO_FINGERPRINT: it is one box's
    try:
        if b.fingerprint:
            flags["fingerprint"] = normalize_fingerprint(b.fingerprint)
    except UcmautoError as e:
        problems.add(loc.at("fingerprint"), f"box {b.name}: {e}")
    try:
        settings = load_settings(ctx.config, **flags)
        profile = load_profile(settings.profile)
    except UcmautoError as e:
        problems.add(loc.at("profile"), f"box {b.name}: {e}")
        return None
    try:
        admin_want(settings, profile)
    except UcmautoError as e:
        text = str(e)
        key = "add_unknown" if "add-unknown" in text else "lookups" if "lookup" in text.lower() else "server_address"
        for flag in ("lookups", "add-unknown", "server-address"):
            text = text.replace(f"--{flag}", flag.replace("-", "_"))  # the inventory's key, not the flag
        problems.add(loc.at(key), f"box {b.name}: {text}")
    password = _admin_password(loc, problems)
    entries = _users(loc, problems)
    store = ctx.store or TokenStore(settings.token_store)
    sources = Sources(settings, store, client_secret_file=b.client_secret_file)
    if ctx.need_tokens:
        first = len(problems.items)
        resolve(entries, _with_secret_env(sources, b.client_secret_env), problems)
        for i in range(first, len(problems.items)):
            where, text = problems.items[i]
            if text.startswith("no stored Zoho token matches") and f"name {b.name}/" in text:
                ext = text.split(f"name {b.name}/", 1)[1].split(")", 1)[0]
                problems.items[i] = (where, f"box {b.name}: {text.split(';')[0]}; get it with `ucmauto token "
                                            f"exchange --box {b.name} --name {ext}`")
    if password is None:
        return None
    return FleetBox(b.name, loc.where, settings, profile, password, entries, b.users, sources)


def _admin_password(loc: Located, problems: Problems) -> Optional[SecretStr]:
    b = loc.spec
    given = [k for k in ("admin_password_file", "admin_password_env", "admin_password_keyring") if getattr(b, k)]
    if len(given) != 1:
        problems.add(loc.at(given[1] if given else "name"),
                     f"box {b.name}: give exactly one of admin_password_file, admin_password_env, "
                     "admin_password_keyring (never the password itself)")
        return None
    what = f"admin password of box {b.name}"
    try:
        if b.admin_password_file:
            return read_secret_file(b.admin_password_file, what)
        if b.admin_password_env:
            value = env_secret(b.admin_password_env)
            if not value:
                raise UcmautoError(f"the {what} is to come from ${b.admin_password_env}, which is not set")
            return secret(value)
        value = keyring_get(b.admin_password_keyring or "", f"{b.admin_user}@{b.url}")
        if not value:
            raise UcmautoError(f"the OS keyring has no {what} (service {b.admin_password_keyring}, "
                               f"user {b.admin_user}@{b.url})")
        return secret(value)
    except UcmautoError as e:
        problems.add(loc.at(given[0]), str(e))
        return None


def _users(loc: Located, problems: Problems) -> list[Entry]:
    b = loc.spec
    if not b.users:
        return []  # admin setup only
    try:
        entries = users_inventory.load(b.users, problems)
    except UcmautoError as e:
        problems.add(loc.at("users"), f"box {b.name}: {e}")
        return []
    return [e if e.token_name or e.zoho_user else e.model_copy(update={"token_name": token_name(b.name, e.extension)})
            for e in entries]


def _with_secret_env(src: Sources, env: Optional[str]) -> Sources:
    """A box-level client_secret_env serves every user of the box that names no source of its own."""
    if env:
        value = env_secret(env)
        if value and src.settings.zoho_client_id:
            src._client_secrets[src.settings.zoho_client_id] = secret(value)
    return src
