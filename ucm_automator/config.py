"""Settings: one model, three sources. Flags beat environment (`UCMAUTO_*`), which beats the
TOML config file (`--config`, `$UCMAUTO_CONFIG`, or `~/.config/ucmauto/config.toml`), which
beats the defaults. Secrets are never settings: see `secrets.py`. docs/configuration.md is
generated from this model.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Annotated, Any, Optional
from urllib.parse import urlsplit

from platformdirs import PlatformDirs
from pydantic import Field, ValidationError, field_validator
from pydantic_settings import (BaseSettings, NoDecode, PydanticBaseSettingsSource, SettingsConfigDict,
                               TomlConfigSettingsSource)

from ucm_automator.errors import BadInput, NotFound
from ucm_automator.zoho.dc import check_accounts_url

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

DIRS = PlatformDirs("ucmauto", appauthor=False)


def app_dir() -> Path:
    """Config, token store, known hosts, inventory and journals (~/.config/ucmauto on Linux)."""
    return Path(DIRS.user_config_dir)


def state_dir() -> Path:
    """What runs leave behind: failure screenshots and traces (~/.local/state/ucmauto)."""
    return Path(DIRS.user_state_dir)


def cache_dir() -> Path:
    return Path(DIRS.user_cache_dir)


def default_config_path() -> Path:
    return Path(os.environ.get("UCMAUTO_CONFIG") or app_dir() / "config.toml")


def normalise_ucm(value: str) -> str:
    """`192.0.2.10`, `host:8089`, `[2001:db8::1]` or `https://host:8089/` -> `https://HOST:PORT`;
    a ValueError names what is wrong (checked before any contact)."""
    url = value.strip().rstrip("/")
    if not url:
        raise ValueError("--ucm is empty; give https://HOST:8089")
    if "://" not in url:
        if url.count(":") > 1 and not url.startswith("["):
            raise ValueError(f"'{value}' looks like an IPv6 address: put it in brackets, e.g. https://[{url}]:8089")
        bare = url.rsplit("]", 1)[-1]  # the part after an IPv6 literal
        url = f"https://{url}" if ":" in bare else f"https://{url}:8089"
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as e:
        raise ValueError(f"'{value}' is not a valid address ({e}); give https://HOST:8089 "
                         "(IPv6 in brackets: https://[2001:db8::1]:8089)") from None
    if parts.scheme != "https":
        raise ValueError(f"'{value}' must use https (the UCM web GUI is HTTPS): https://HOST:8089")
    if not parts.hostname:
        raise ValueError(f"'{value}' names no host; give https://HOST:8089")
    if port == 0:
        raise ValueError(f"'{value}': port 0 is not a port; the UCM's HTTPS port is 8089 by default")
    if parts.path.strip("/") or parts.query:
        raise ValueError(f"'{value}': give only https://HOST:PORT, without a path")
    return url


class Settings(BaseSettings):
    """Everything ucmauto can be told, except secrets."""

    model_config = SettingsConfigDict(env_prefix="UCMAUTO_", extra="forbid", validate_default=False)

    # UCM
    ucm: Optional[str] = Field(None, description="UCM web GUI URL, e.g. https://192.0.2.10:8089")
    admin_user: str = Field("admin", description="UCM super admin user name")
    profile: Optional[str] = Field(
        None, description="Firmware profile: a bundled name or a TOML file (labels, menus, texts)"
    )
    known_hosts: Optional[Path] = Field(
        None, description="File of trusted UCM certificate fingerprints (default in the app dir)"
    )
    artifacts_dir: Optional[Path] = Field(
        None, description="Where failure screenshots and traces go (default: artifacts/ in the state dir)"
    )
    timeout_s: float = Field(30.0, gt=0, le=3600, description="Longest wait for one page, reply or element (s)")
    fingerprint: Optional[str] = Field(
        None, description="Expected UCM certificate fingerprint (sha256:AA:BB:...), trusted and remembered"
    )
    insecure: bool = Field(False, description="Skip certificate checks (warns; for lab boxes only)")
    rate_limit_retries: int = Field(3, ge=0, le=10, description="Retries of a rate-limited Save/Apply")
    rate_limit_backoff_s: float = Field(
        15.0, ge=0, description="First wait after a rate-limit reply (s); doubles per retry, max 60"
    )
    # admin-setup: what the admin CRM page should hold
    server_address: Optional[str] = Field(
        None, description="Zoho domain or data-centre code for the CRM Server Address (zoho.eu, eu)"
    )
    lookups: Annotated[Optional[list[str]], NoDecode] = Field(
        None, description="Contact Lookups in order: contacts,leads,accounts"
    )
    add_unknown: Optional[str] = Field(None, description="Add Unknown Number to: contacts, leads or accounts")
    # Zoho
    zoho_dc: Optional[str] = Field(
        None, description="Zoho data centre: us, eu, in, au, cn, jp, ca, sa, uk, a domain or URL"
    )
    zoho_accounts_url: Optional[str] = Field(
        None, description="Override the Zoho accounts server URL (tests, proxies)"
    )
    zoho_client_id: Optional[str] = Field(None, description="Zoho API console client id")
    zoho_redirect_uri: Optional[str] = Field(
        None, description="Redirect URI registered for the Zoho client"
    )
    zoho_scopes: str = Field(
        "ZohoCRM.modules.ALL,ZohoCRM.settings.ALL,ZohoCRM.users.ALL",
        description="Scopes to request, comma-separated",
    )
    token_store: Optional[Path] = Field(
        None, description="Refresh-token store file (default in the app dir)"
    )

    @field_validator("lookups", mode="before")
    @classmethod
    def _comma_list(cls, value: Any) -> Any:
        # flags and env give "contacts,leads"; the TOML file may give a list
        if isinstance(value, str):
            return [v.strip() for v in value.split(",") if v.strip()]
        return value

    @field_validator("ucm")
    @classmethod
    def _ucm(cls, value: Optional[str]) -> Optional[str]:
        return normalise_ucm(value) if value is not None else None

    @field_validator("zoho_accounts_url")
    @classmethod
    def _accounts_url(cls, value: Optional[str]) -> Optional[str]:
        try:
            return check_accounts_url(value) if value else value
        except BadInput as e:
            raise ValueError(str(e)) from None

    def model_post_init(self, context: Any) -> None:
        if self.artifacts_dir is None:
            self.artifacts_dir = state_dir() / "artifacts"

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        return (init_settings, env_settings, _TomlFile(settings_cls))


class _TomlFile(TomlConfigSettingsSource):
    """pydantic-settings' TOML source; `[sections]` only group keys for humans (flattened), and
    a broken file is one line naming it."""

    def _read_file(self, file_path: Path) -> dict[str, Any]:  # type: ignore[override]
        try:
            data = tomllib.loads(Path(file_path).read_text(encoding="utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as e:
            raise BadInput(f"config file {file_path} is not valid TOML ({e}); fix it") from None
        except OSError as e:
            raise BadInput(f"cannot read the config file {file_path} ({e.strerror}); fix its permissions") from None
        flat: dict[str, Any] = {}
        for key, value in data.items():
            flat.update(value if isinstance(value, dict) else {key: value})
        return {k.replace("-", "_"): v for k, v in flat.items()}


def load_settings(config: Optional[Path] = None, **flags: Any) -> Settings:
    """Build settings from flags (None = not given), env and the config file."""
    path = Path(config) if config else default_config_path()
    if config is not None and not path.is_file():
        raise NotFound(f"config file {path} does not exist; fix --config or create it")

    class FromFile(Settings):  # the file of this run, without a module-wide global
        model_config = SettingsConfigDict(toml_file=path)

    given = {k: v for k, v in flags.items() if v is not None}
    try:
        return FromFile(**given)
    except ValidationError as e:
        first = e.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        if first["type"] == "extra_forbidden":
            raise BadInput(f"unknown setting '{where}' in the config file; remove it") from None
        msg = str(first["msg"]).removeprefix("Value error, ")
        msg = msg if first["type"] == "value_error" else f"{msg[:1].lower()}{msg[1:]}; fix it"
        raise BadInput(f"bad {FLAGS.get(where, '--' + where.replace('_', '-'))} (setting {where}, env "
                       f"UCMAUTO_{where.upper()}): {msg}") from None


# settings whose flag is not the setting's name with dashes
FLAGS = {"timeout_s": "--timeout", "zoho_client_id": "--client-id", "token_store": "--store"}
