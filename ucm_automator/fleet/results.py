"""What a fleet run reports: one result per box, the fleet's exit code, JSON-lines objects.

A box's exit code is what the single-box commands would have said: 0, the code of its admin
or connection failure, or the enrolment's (PARTIAL, or the one user's code). The fleet's is the
worst box's: a box that failed as a whole ranks above one where only some users failed, and
among equals the first box in inventory order wins.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Optional

from ucm_automator.enroll.batch import Outcome
from ucm_automator.enroll.report import result_word
from ucm_automator.errors import ExitCode
from ucm_automator.models import TargetResult


@dataclass
class BoxResult:
    name: str
    url: str
    admin: Optional[TargetResult] = None
    users: list[Outcome] = field(default_factory=list)
    error: Optional[dict[str, Any]] = None  # the box as a whole failed (trust, admin login, ...)
    notes: list[str] = field(default_factory=list)
    journal: Optional[str] = None
    seconds: float = 0.0

    def failed_users(self) -> list[Outcome]:
        return [o for o in self.users if o.status == "failed"]

    def exit_code(self) -> int:
        if self.error:
            return int(self.error.get("exit_code", ExitCode.INTERNAL))
        bad = self.failed_users()
        if not bad:
            return int(ExitCode.OK)
        if len(self.users) == 1:
            return int((bad[0].result.error or {}).get("exit_code", ExitCode.INTERNAL))
        return int(ExitCode.PARTIAL)

    @property
    def status(self) -> str:
        return "failed" if self.error else "partial" if self.failed_users() else "done"

    def counts(self) -> dict[str, int]:
        words = [result_word(o) for o in self.users]
        return {"users": len(words), "ok": len(words) - words.count("FAILED"), "failed": words.count("FAILED"),
                "changed": words.count("changed"), "unchanged": words.count("unchanged"),
                "done_earlier": words.count("done earlier"), "would_change": words.count("would change")}

    def as_json(self) -> dict[str, Any]:
        admin = None
        if self.admin is not None:
            a = self.admin
            admin = {"changed": a.changed, "dry_run": a.dry_run, "changes": [c.model_dump() for c in a.changes],
                     "before": a.before, "after": a.after, "error": a.error}
        return {"type": "box", "box": self.name, "url": self.url, "status": self.status,
                "exit_code": self.exit_code(), "admin": admin, "users": self.counts(), "error": self.error,
                "notes": self.notes, "journal": self.journal, "seconds": self.seconds}


def user_json(box: str, o: Outcome) -> dict[str, Any]:
    r = o.result
    return {"type": "user", "box": box, "extension": o.job.entry.extension, "name": o.job.entry.name or None,
            "status": o.status, "result": result_word(o), "changed": r.changed,
            "changes": [c.model_dump() for c in r.changes], "login_status": (r.after or {}).get("login_status"),
            "error": r.error, "notes": o.notes, "seconds": r.seconds}


def rank(code: int, whole_box: bool) -> int:
    if code == ExitCode.OK:
        return 0
    return 2 if whole_box else 1


def fleet_exit_code(results: list[BoxResult]) -> int:
    worst, best_rank = int(ExitCode.OK), 0
    for r in results:
        code = r.exit_code()
        k = rank(code, r.error is not None)
        if k > best_rank:
            worst, best_rank = code, k
    return worst


def summary_json(results: list[BoxResult], seconds: float, dry_run: bool) -> dict[str, Any]:
    users = [r.counts() for r in results]
    return {"type": "summary", "boxes": len(results), "boxes_failed": sum(r.status == "failed" for r in results),
            "boxes_partial": sum(r.status == "partial" for r in results),
            "users": sum(u["users"] for u in users), "users_failed": sum(u["failed"] for u in users),
            "users_changed": sum(u["changed"] for u in users), "dry_run": dry_run,
            "exit_code": fleet_exit_code(results), "seconds": round(seconds, 2)}


def error_of(exc: Exception) -> dict[str, Any]:
    from ucm_automator.errors import UcmautoError
    from ucm_automator.redact import redact

    code = exc.exit_code if isinstance(exc, UcmautoError) else ExitCode.INTERNAL
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return {"code": code.name, "exit_code": int(code), "message": redact(text)}
