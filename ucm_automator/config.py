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

from pydantic import Field, ValidationError, field_validator
from pydantic_settings import BaseSettings, NoDecode, PydanticBaseSettingsSource, SettingsConfigDict

from ucm_automator.errors import BadInput

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib


def app_dir() -> Path:
    base = os.environ.get("XDG_CONFIG_HOME") or os.path.join(os.path.expanduser("~"), ".config")
    return Path(base) / "ucmauto"


def default_config_path() -> Path:
    return Path(os.environ.get("UCMAUTO_CONFIG") or app_dir() / "config.toml")


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
    artifacts_dir: Path = Field(Path("artifacts"), description="Where failure screenshots go")
    timeout_s: float = Field(30.0, description="Longest wait for one page, reply or element (s)")
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

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        return (init_settings, env_settings, _TomlSource(settings_cls))


_config_file: Optional[Path] = None


class _TomlSource(PydanticBaseSettingsSource):
    def get_field_value(self, field: Any, field_name: str) -> tuple[Any, str, bool]:
        return None, field_name, False

    def __call__(self) -> dict[str, Any]:
        return read_config_file(_config_file)


def read_config_file(path: Optional[Path]) -> dict[str, Any]:
    explicit = path is not None
    path = Path(path) if path else default_config_path()
    if not path.exists():
        if explicit:
            raise BadInput(f"config file {path} does not exist; fix --config or create it")
        return {}
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as e:
        raise BadInput(f"config file {path} is not valid TOML ({e}); fix it") from None
    # keys are the setting names; [sections] only group them for humans and are flattened
    flat: dict[str, Any] = {}
    for key, value in data.items():
        if isinstance(value, dict):
            flat.update(value)
        else:
            flat[key] = value
    return {k.replace("-", "_"): v for k, v in flat.items()}


def load_settings(config: Optional[Path] = None, **flags: Any) -> Settings:
    """Build settings from flags (None = not given), env and the config file."""
    global _config_file
    _config_file = config
    given = {k: v for k, v in flags.items() if v is not None}
    try:
        return Settings(**given)
    except ValidationError as e:
        first = e.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        if first["type"] == "extra_forbidden":
            raise BadInput(f"unknown setting '{where}' in the config file; remove it") from None
        raise BadInput(f"bad setting '{where}': {first['msg']}; fix it") from None
