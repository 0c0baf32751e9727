"""Session slots: how many of our logins a box holds at once, and logging in when it is full.

A UCM refuses logins (-41) once its session limit is reached, and counts a session until it is
logged out or its User Login Timeout (10 min by default) passes. So a login that meets -41 gives
its slot back, the pool shrinks by one, and it waits (backoff with jitter) as long as that
timeout: by then every abandoned session has expired.
"""

from __future__ import annotations

import asyncio
import random
from typing import Any, Callable

from pydantic import SecretStr

from ucm_automator.ucm import errors as E
from ucm_automator.ucm.portal import Portal

# the box's default User Login Timeout plus a minute: every stale session is gone by then
SESSION_WAIT_S = 660.0


class SessionLimit:
    """At most `limit` of our sessions at once; one fewer each time the box says too many."""

    def __init__(self, limit: int) -> None:
        self.limit, self.active = max(1, limit), 0
        self._cond = asyncio.Condition()

    async def acquire(self) -> None:
        async with self._cond:
            await self._cond.wait_for(lambda: self.active < self.limit)
            self.active += 1

    async def release(self) -> None:
        async with self._cond:
            self.active -= 1
            self._cond.notify_all()

    def shrink(self) -> None:
        self.limit = max(1, self.limit - 1)


async def login_in_slot(portal: Portal, user: str, password: SecretStr, limit: SessionLimit, wait_s: float,
                        step: Callable[[str], None]) -> dict[str, Any]:
    """Log in holding a slot (the caller releases it after logging out); wait while the box is full."""
    loop = asyncio.get_running_loop()
    deadline, pause = loop.time() + wait_s, 1.0
    while True:
        await limit.acquire()
        try:
            return await portal.login(user, password)
        except E.TooManySessions as e:
            await limit.release()
            limit.shrink()
            if loop.time() + pause > deadline:
                raise E.TooManySessions(f"{e}; gave up after waiting {wait_s:g} s for a free session") from None
            step("the box has too many sessions; waiting")
            await asyncio.sleep(pause * random.uniform(1.0, 1.5))  # backoff with jitter
            pause = min(pause * 2, 30.0)
        except BaseException:
            await limit.release()
            raise
