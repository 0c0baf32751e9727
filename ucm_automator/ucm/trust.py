"""Trusting a UCM's self-signed certificate the way SSH trusts host keys.

Before any browser starts we fetch the box's certificate ourselves (no verification), compare
its SHA-256 fingerprint with the one remembered in known_hosts, and hand the browser the hash
of its public key (SPKI) to pin. First contact: the user accepts the fingerprint at a prompt
or passes `--fingerprint sha256:...`; a changed certificate is refused. This first TCP/TLS
contact is also where unknown hosts, refused connections and timeouts are told apart.
"""

from __future__ import annotations

import base64
import hashlib
import socket
import ssl
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Optional
from urllib.parse import urlsplit

from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from filelock import FileLock, Timeout

from ucm_automator.errors import BadInput
from ucm_automator.files import private_dir, write_atomic
from ucm_automator.ucm.errors import TlsChanged, TlsUntrusted, UcmRefused, UcmTimeout, UcmUnknownHost


@dataclass(frozen=True)
class Certificate:
    host_port: str  # "host:port", the known_hosts key
    fingerprint: str  # "sha256:AA:BB:..." of the DER certificate
    spki_sha256: str  # base64 sha256 of the SubjectPublicKeyInfo: what Chromium pins


@dataclass(frozen=True)
class Trust:
    certificate: Optional[Certificate]
    insecure: bool = False
    newly_trusted: bool = False

    @property
    def spki_pin(self) -> Optional[str]:
        return None if self.insecure or not self.certificate else self.certificate.spki_sha256


def host_port(url: str) -> tuple[str, int]:
    parts = urlsplit(url)
    if parts.scheme != "https" or not parts.hostname:
        raise BadInput(f"UCM address '{url}' must look like https://HOST:8089")
    return parts.hostname, parts.port or 443


def describe(der: bytes, key: str) -> Certificate:
    digest = hashlib.sha256(der).hexdigest().upper()
    fingerprint = "sha256:" + ":".join(digest[i : i + 2] for i in range(0, len(digest), 2))
    spki = x509.load_der_x509_certificate(der).public_key().public_bytes(
        Encoding.DER, PublicFormat.SubjectPublicKeyInfo
    )
    return Certificate(key, fingerprint, base64.b64encode(hashlib.sha256(spki).digest()).decode())


def fetch_certificate(url: str, timeout_s: float) -> Certificate:
    host, port = host_port(url)
    where = f"{host}:{port}"
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE  # we only read the certificate here; trust is decided below
    try:
        with socket.create_connection((host, port), timeout=timeout_s) as raw:
            with ctx.wrap_socket(raw, server_hostname=host) as tls:
                der = tls.getpeercert(binary_form=True)
    except socket.gaierror:
        raise UcmUnknownHost(f"cannot resolve the UCM host '{host}'; check the --ucm address") from None
    except ConnectionRefusedError:
        raise UcmRefused(
            f"{where} refused the connection; is the UCM up and its web GUI on port {port}?"
        ) from None
    except (socket.timeout, TimeoutError):
        raise UcmTimeout(
            f"{where} did not complete a TLS handshake within {timeout_s:g} s; "
            "check the address, port and firewall"
        ) from None
    except (ssl.SSLError, ConnectionResetError) as e:
        raise UcmRefused(f"{where} does not speak HTTPS ({e.__class__.__name__}); check the port") from None
    except OSError as e:
        raise UcmRefused(f"cannot reach {where} ({e.strerror or e}); check the network path") from None
    if not der:
        raise UcmRefused(f"{where} sent no certificate; check the address")
    return describe(der, where)


def normalize_fingerprint(value: str) -> str:
    raw = value.strip()
    if raw.lower().startswith("sha256:"):
        raw = raw[7:]
    hexes = raw.replace(":", "").upper()
    if len(hexes) != 64 or any(c not in "0123456789ABCDEF" for c in hexes):
        raise BadInput("--fingerprint must be sha256: followed by 32 hex byte pairs (as shown on first contact)")
    return "sha256:" + ":".join(hexes[i : i + 2] for i in range(0, 64, 2))


LOCK_TIMEOUT_S = 10.0  # writing one line takes milliseconds: longer means it cannot be had


class KnownHosts:
    """Lines of `host:port sha256:AA:BB:...`; later lines win; '#' starts a comment."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)

    def lookup(self, key: str) -> Optional[str]:
        found = None
        if self.path.exists():
            for line in self.path.read_text(encoding="utf-8").splitlines():
                parts = line.split("#", 1)[0].split()
                if len(parts) >= 2 and parts[0] == key:
                    found = parts[1]
        return found

    def remember(self, key: str, fingerprint: str) -> None:
        try:
            private_dir(self.path.parent)
            with FileLock(str(self.path) + ".lock", timeout=LOCK_TIMEOUT_S):
                old = self.path.read_text(encoding="utf-8").splitlines() if self.path.exists() else []
                keep = [ln for ln in old if ln.split("#", 1)[0].split()[:1] != [key]]
                # atomic: a crash mid-write must not lose every other box's remembered certificate
                write_atomic(self.path, "\n".join(keep + [f"{key} {fingerprint}"]) + "\n")
        except Timeout:
            raise BadInput(f"could not lock {self.path}.lock within {LOCK_TIMEOUT_S:g} s: another ucmauto holds it, "
                           "or its folder is not writable; fix the folder's permissions or pass another "
                           "--known-hosts") from None
        except OSError as e:  # e.g. a parent that is a file, a read-only file system
            raise BadInput(f"cannot write {e.filename or self.path} ({e.strerror}); fix the folder's permissions "
                           "or pass another --known-hosts") from None


Ask = Callable[[str], bool]  # shows a question, returns the user's yes/no


def establish_trust(
    url: str,
    known_hosts: Path,
    *,
    fingerprint: Optional[str] = None,
    insecure: bool = False,
    timeout_s: float = 30.0,
    ask: Optional[Ask] = None,
) -> Trust:
    cert = fetch_certificate(url, timeout_s)
    if insecure:
        return Trust(cert, insecure=True)
    return decide(cert, KnownHosts(known_hosts), fingerprint, ask)


def decide(cert: Certificate, store: KnownHosts, fingerprint: Optional[str], ask: Optional[Ask]) -> Trust:
    """SSH's rules: known and equal → go; known and different → refuse; new → accept if told so."""
    known = store.lookup(cert.host_port)
    given = normalize_fingerprint(fingerprint) if fingerprint else None
    if given and given != cert.fingerprint:
        raise TlsChanged(
            f"the certificate of {cert.host_port} is {cert.fingerprint}, not the --fingerprint given; "
            "someone may be intercepting the connection, or the box has a new certificate"
        )
    if known == cert.fingerprint:
        return Trust(cert)
    if known and not given:
        raise TlsChanged(
            f"the certificate of {cert.host_port} CHANGED: remembered {known}, now {cert.fingerprint}; "
            f"if the box really got a new certificate, run again with --fingerprint {cert.fingerprint} "
            f"(or delete its line in {store.path})"
        )
    question = f"The UCM at {cert.host_port} presents certificate {cert.fingerprint}. Trust it?"
    if given or (ask is not None and ask(question)):
        store.remember(cert.host_port, cert.fingerprint)
        return Trust(cert, newly_trusted=True)
    raise TlsUntrusted(
        f"the certificate of {cert.host_port} is not trusted yet: {cert.fingerprint}; if that is the "
        "box's certificate, run again with --fingerprint <that value> (or answer yes at the prompt)"
    )
