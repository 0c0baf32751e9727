"""The admin-setup use case: settings and secrets in, one TargetResult out.

validate the request (no contact yet) → trust the certificate → browser → log in → plan →
(dry run stops here) → Save + Apply Changes → read back. Every expected failure ends up in
`TargetResult.error` with its exit code; the box is only written by `UcmDriver.apply_admin`.
"""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import Callable, Optional

from playwright.async_api import Error as PlaywrightError
from playwright.async_api import TimeoutError as PlaywrightTimeout
from pydantic import SecretStr

from ucm_automator.config import Settings, app_dir
from ucm_automator.errors import BadInput, UcmautoError
from ucm_automator.models import Change, TargetResult
from ucm_automator.output import Terminal
from ucm_automator.plan import AdminWant, check_add_unknown, parse_lookups, server_domain
from ucm_automator.redact import redact
from ucm_automator.ucm.driver import Hook, UcmDriver
from ucm_automator.ucm.errors import PageNotFound, UcmError
from ucm_automator.ucm.facts import BoxFacts, read_facts
from ucm_automator.ucm.profile import FirmwareProfile, load_profile
from ucm_automator.ucm.profile_pick import pick_profile
from ucm_automator.ucm.session import BrowserSession, SessionOptions
from ucm_automator.ucm.trust import Trust, establish_trust, host_port


def ucm_url(settings: Settings) -> str:
    if not settings.ucm:
        raise BadInput("no UCM given; pass --ucm https://HOST:8089 or set UCMAUTO_UCM")
    url = settings.ucm.strip().rstrip("/")
    if "://" not in url:
        url = f"https://{url}:8089" if ":" not in url else f"https://{url}"
    host_port(url)  # validates the shape
    return url


def admin_want(settings: Settings, profile: FirmwareProfile) -> AdminWant:
    want = AdminWant(
        server_address=server_domain(settings.server_address, profile) if settings.server_address else None,
        lookups=parse_lookups(settings.lookups, profile) if settings.lookups else None,
        add_unknown=check_add_unknown(settings.add_unknown, profile) if settings.add_unknown else None,
    )
    if want.lookups and want.add_unknown and want.add_unknown not in want.lookups:
        raise BadInput(f"--add-unknown {want.add_unknown} must be one of the contact lookups "
                       f"({', '.join(want.lookups)}), as the box requires")
    return want


def known_hosts_path(settings: Settings) -> Path:
    return Path(settings.known_hosts) if settings.known_hosts else app_dir() / "known_hosts"


def trust_box(settings: Settings, url: str, term: Terminal, ask: Optional[Callable[[str], bool]]) -> Trust:
    trust = establish_trust(
        url, known_hosts_path(settings), fingerprint=settings.fingerprint, insecure=settings.insecure,
        timeout_s=settings.timeout_s, ask=ask,
    )
    if trust.insecure:
        term.warn(f"--insecure: not checking the certificate of {url}; anyone on the path can read the password")
    elif trust.newly_trusted and trust.certificate:
        term.info(f"trusted {trust.certificate.host_port} {trust.certificate.fingerprint} "
                  f"(remembered in {known_hosts_path(settings)})")
    return trust


def box_profile(settings: Settings, url: str, trust: Trust, term: Terminal,
                first: Optional[FirmwareProfile] = None) -> tuple[FirmwareProfile, BoxFacts]:
    """The box's facts (read-only, before the browser) and the profile for them: --profile when
    given, else the bundled one that claims the firmware (warned about when none does)."""
    facts = read_facts(url, trust, first or load_profile(settings.profile), settings.timeout_s)
    profile = pick_profile(settings.profile, facts, term.warn)
    term.info(f"{url}: {facts.line(profile)}")
    return profile, facts


async def admin_setup(
    settings: Settings,
    password: SecretStr,
    *,
    term: Terminal,
    dry_run: bool = False,
    trace: bool = False,
    ask: Optional[Callable[[str], bool]] = None,
    hook: Optional[Hook] = None,
    make_session: Callable[[SessionOptions, FirmwareProfile], BrowserSession] = BrowserSession,
) -> tuple[TargetResult, Optional[UcmautoError]]:
    """`make_session`: a fleet passes one that opens contexts in its shared browser."""
    started = time.monotonic()
    result = TargetResult(target="admin", dry_run=dry_run)
    try:
        profile = load_profile(settings.profile)
        want = admin_want(settings, profile)
        url = ucm_url(settings)
        result.target = f"admin@{url}"
        trust = trust_box(settings, url, term, ask)
        profile, _ = box_profile(settings, url, trust, term, profile)
        if trace:
            term.warn(f"tracing: the trace in {settings.artifacts_dir} holds typed passwords and cookies; "
                      "keep it private")
        options = SessionOptions(url, trust, settings.timeout_s, Path(settings.artifacts_dir), trace)
        async with make_session(options, profile) as session:
            driver = UcmDriver(session, user=settings.admin_user, password=password, hook=hook,
                               retries=settings.rate_limit_retries, backoff_s=settings.rate_limit_backoff_s)
            try:
                async with driver as ucm:
                    plan = await ucm.plan_admin(want)
                    result.before = plan.before.as_dict()
                    result.changes = list(plan.changes)
                    if plan.apply_pending:
                        result.changes.append(Change(field="apply_changes", before="pending", after="applied"))
                    if dry_run or plan.empty:
                        result.after = plan.before.as_dict()
                    else:
                        await ucm.apply_admin(plan)
                        result.after = (await ucm.verify_admin(plan.want)).as_dict()
            finally:
                result.changed = driver.wrote
                result.artifacts = [str(p) for p in driver.artifacts]
        return result, None
    except PlaywrightError as exc:
        error = unexpected(exc, result)
        result.error = {"code": error.exit_code.name, "exit_code": int(error.exit_code), "message": redact(error)}
        return result, error
    except UcmautoError as exc:
        result.error = {"code": exc.exit_code.name, "exit_code": int(exc.exit_code), "message": redact(exc)}
        return result, exc
    finally:
        result.seconds = round(time.monotonic() - started, 2)


def unexpected(exc: PlaywrightError, result: TargetResult) -> UcmError:
    """A browser error no page object expected: name it in one line, keep the artifacts."""
    first = (exc.message or str(exc)).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    if isinstance(exc, PlaywrightTimeout):
        err: UcmError = PageNotFound(f"the GUI did not show what was expected in time ({first})")
    else:
        err = UcmError(f"browser error: {first}")
    err.artifacts = [Path(p) for p in result.artifacts]
    return err


def run_admin_setup(settings: Settings, password: SecretStr, **kw) -> tuple[TargetResult, Optional[UcmautoError]]:
    return asyncio.run(admin_setup(settings, password, **kw))


def run_probe(settings: Settings, admin_password: SecretStr, user: Optional[tuple[str, SecretStr]], out: Path,
              term: Terminal, ask: Optional[Callable[[str], bool]] = None) -> tuple[Path, Path, list[str]]:
    """`ucmauto probe`: read-only look at the box in its own language; the draft and the report."""
    from ucm_automator.files import private_dir
    from ucm_automator.ucm.probe import Probe
    from ucm_automator.ucm.probe_draft import write_outputs

    url = ucm_url(settings)
    trust = trust_box(settings, url, term, ask)
    base, facts = box_profile(settings, url, trust, term)
    private_dir(out)
    options = SessionOptions(url, trust, settings.timeout_s, Path(settings.artifacts_dir))

    async def look():  # noqa: ANN202
        async with BrowserSession(options, base) as session:
            return await Probe(session, out).run((settings.admin_user, admin_password), user)

    seen = asyncio.run(look())
    return write_outputs(out, seen, facts, base)
