"""What a box says about itself before anyone logs in, like NAPALM's get_facts: model, firmware
version, country, and the GUI language a fresh browser gets there (spec §2).

The GUI asks the same on every load (`getInfo`, no session needed, and the country → language
map it fetches): one read-only request each, over the same pinned TLS as the browser, before
the browser starts, so the profile for the firmware can be chosen first. A box that does not
answer them just has unknown facts; nothing fails because of it.
"""

from __future__ import annotations

import http.client
import json
import logging
import ssl
from dataclasses import asdict, dataclass
from typing import Any, Optional
from urllib.parse import urlencode

from ucm_automator.ucm.profile import FirmwareProfile
from ucm_automator.ucm.trust import Trust, describe, host_port

log = logging.getLogger(__name__)

DEFAULT_LANGUAGE = "en-US"  # the GUI's fallback for a country it has no language for [C]


@dataclass
class BoxFacts:
    model: Optional[str] = None
    firmware: Optional[str] = None
    country: Optional[str] = None
    language: Optional[str] = None  # what the GUI shows a fresh browser (from the country)

    def as_dict(self, profile: Optional[FirmwareProfile] = None) -> dict[str, Any]:
        out: dict[str, Any] = asdict(self)
        if profile is not None:
            out["profile"] = {"name": profile.name, "source": profile.source, "language": profile.language}
        return out

    def line(self, profile: Optional[FirmwareProfile] = None) -> str:
        unknown = "?"
        text = (f"{self.model or unknown} firmware {self.firmware or unknown}, country {self.country or unknown} "
                f"(GUI language {self.language or unknown})")
        if profile is not None:
            text += f"; profile {profile.name} ({profile.source}, {profile.language})"
        return text


def _get(url: str, trust: Trust, path: str, timeout_s: float, data: Optional[bytes] = None) -> Any:
    """One request over TLS pinned to the trusted certificate; the JSON body, or None."""
    host, port = host_port(url)
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE  # checked below against the certificate trusted for this box
    conn = http.client.HTTPSConnection(host, port, timeout=timeout_s, context=ctx)
    try:
        conn.connect()
        der = conn.sock.getpeercert(binary_form=True) if conn.sock else None
        if not trust.insecure and (not der or not trust.certificate
                                   or describe(der, "").fingerprint != trust.certificate.fingerprint):
            log.warning("%s presented another certificate than the trusted one; its facts are not read", url)
            return None
        headers = {"Content-Type": "application/x-www-form-urlencoded"} if data is not None else {}
        conn.request("POST" if data is not None else "GET", path, body=data, headers=headers)
        reply = conn.getresponse()
        body = reply.read(1 << 20)
        return json.loads(body) if reply.status == 200 else None
    except (OSError, ValueError, http.client.HTTPException) as e:
        log.info("could not read %s from %s: %s", path, url, type(e).__name__)
        return None
    finally:
        conn.close()


def info_to_facts(profile: FirmwareProfile, info: Any, countries: Any) -> BoxFacts:
    """getInfo's response and the country map, as facts (either may be missing)."""
    r = info.get("response") if isinstance(info, dict) and info.get("status") == 0 else None
    r = r if isinstance(r, dict) else {}
    keys = profile.cgi.info_keys
    facts = BoxFacts(*(str(r[keys[k]]) if r.get(keys.get(k, "")) not in (None, "") else None
                       for k in ("model", "firmware", "country")))
    if facts.country:
        entry = countries.get(facts.country.upper()) if isinstance(countries, dict) else None
        lang = entry.get("languages") if isinstance(entry, dict) else None
        facts.language = str(lang) if lang else (DEFAULT_LANGUAGE if isinstance(countries, dict) else None)
    return facts


def read_facts(url: str, trust: Trust, profile: FirmwareProfile, timeout_s: float) -> BoxFacts:
    info = _get(url, trust, profile.cgi.path, timeout_s,
                urlencode({"action": profile.action("get_info")}).encode())
    countries = _get(url, trust, profile.locale.country_map, timeout_s) if info is not None else None
    return info_to_facts(profile, info, countries)
