"""(c) The floor: the same state change as an enrolment, made with direct /cgi requests and no
browser. Per user: challenge + login (md5(challenge + password)), getCRMUserSettings (add or
update?), add/updateCRMUserSettings, applyChanges (unless the save says `need_apply: "no"`), poll
getCRMUserSettings until Login Status is `login`, logout. `--concurrency` users at once (threads), like ucmauto's workers.

    python -m bench.floor USERS_JSON [--concurrency C] [--limit K]

Prints one JSON line: per-user seconds and request counts.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import queue
import sys
import threading
import time

import requests

POLL_S = 0.1  # between status reads while the box logs the user in to Zoho in the background
LOGIN_WAIT_S = 60.0
TIMEOUT_S = 30.0


class Cgi:
    def __init__(self, url: str, cert: str) -> None:
        self.url = url.rstrip("/") + "/cgi"
        self.http = requests.Session()
        self.http.verify = cert
        self.http.trust_env = False
        self.requests = 0

    def __call__(self, action: str, **params: str) -> dict:
        self.requests += 1
        r = self.http.post(self.url, data={"action": action, **params}, timeout=TIMEOUT_S)
        r.raise_for_status()
        reply = r.json()
        if reply.get("status") != 0:
            raise RuntimeError(f"{action}: status {reply.get('status')} {reply.get('response')}")
        return reply.get("response") or {}


def enrol_one(url: str, cert: str, user: dict) -> dict:
    started = time.monotonic()
    ext = user["extension"]
    cgi = Cgi(url, cert)
    challenge = cgi("challenge", user=ext)["challenge"]
    cgi("login", user=ext, token=hashlib.md5((challenge + user["password"]).encode()).hexdigest())
    have = cgi("getCRMUserSettings", extension=ext).get("extension") or {}
    saved = cgi("updateCRMUserSettings" if have else "addCRMUserSettings", extension=ext, enable_crm="yes",
                client_id=user["client_id"], client_secret=user["client_secret"], refresh_token=user["refresh_token"])
    if saved.get("need_apply") != "no":  # a box whose save logs the user in needs (and allows) no Apply
        cgi("applyChanges", settings="")
    deadline = time.monotonic() + LOGIN_WAIT_S
    while True:
        status = (cgi("getCRMUserSettings", extension=ext).get("extension") or {}).get("login_status")
        if status == "login":
            break
        if time.monotonic() > deadline:
            raise RuntimeError(f"{ext} not Logged In after {LOGIN_WAIT_S:g} s (status {status!r})")
        time.sleep(POLL_S)
    cgi("logout", user=ext)
    return {"extension": ext, "seconds": round(time.monotonic() - started, 3), "requests": cgi.requests}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench.floor", description=__doc__.split("\n\n")[0])
    ap.add_argument("users_json")
    ap.add_argument("--concurrency", "-j", type=int, default=1)
    ap.add_argument("--limit", type=int, default=None, help="only the first K users")
    args = ap.parse_args(argv)
    spec = json.loads(open(args.users_json, encoding="utf-8").read())
    users = spec["users"][: args.limit] if args.limit else spec["users"]
    todo: queue.Queue = queue.Queue()
    for u in users:
        todo.put(u)
    done: list[dict] = []
    errors: list[str] = []
    lock = threading.Lock()

    def worker() -> None:
        while True:
            try:
                user = todo.get_nowait()
            except queue.Empty:
                return
            try:
                result = enrol_one(spec["url"], spec["cert"], user)
                with lock:
                    done.append(result)
            except Exception as e:  # noqa: BLE001 - recorded per user
                with lock:
                    errors.append(f"{user['extension']}: {type(e).__name__}: {e}")

    started = time.monotonic()
    threads = [threading.Thread(target=worker) for _ in range(max(1, min(args.concurrency, len(users))))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    print(json.dumps({"users": done, "seconds": round(time.monotonic() - started, 3), "concurrency": len(threads),
                      "error": "; ".join(errors[:5]) or None}))
    return 0 if not errors else 1


if __name__ == "__main__":
    sys.exit(main())
