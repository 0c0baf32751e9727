"""The one retry policy of the UCM layer: what is retried, how often, and how long to wait.

Only what the box did not process is tried again: a rate limit (-45/-46/-57) or an HTTP error
(a proxy, a restart). A refusal is final. After an HTTP error on a write, the reply may have been
lost after the box did the work, so `landed` looks before the next try (never a second Save for
one change).
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Awaitable, Callable, Optional, TypeVar

from ucm_automator.ucm import errors as E

T = TypeVar("T")


def retryable(err: E.UcmError) -> bool:
    """What the box did not process: a rate limit, or an HTTP error (a proxy, a restart)."""
    return isinstance(err, (E.RateLimited, E.UcmHttpError))


@dataclass(frozen=True)
class Retry:
    retries: int = 3  # tries after the first
    rate_limit_s: float = 15.0  # first wait after a rate limit, doubling (at most 60 s)

    def pause(self, err: Optional[E.UcmError], attempt: int) -> float:
        """Backoff before try `attempt + 1`; an HTTP error waits only briefly (0.25 s, doubling, ≤ 8 s)."""
        if isinstance(err, E.RateLimited):
            return min(60.0, self.rate_limit_s * 2 ** attempt)
        return min(8.0, 0.25 * 2 ** attempt)

    async def run(
        self,
        act: Callable[[], Awaitable[T]],
        *,
        doing: str,
        tries: Optional[int] = None,
        also: Callable[[E.UcmError], bool] = lambda err: False,
        landed: Optional[Callable[[E.UcmError], Awaitable[Optional[T]]]] = None,
        state: str = "",
    ) -> T:
        """`act` until it returns; it raises a UcmError for a failed try. `also`: what else may be
        tried again once seen (e.g. a stale add). `landed(err)`: after a failed try, the result
        if the work got done anyway (else None). `state`: what is true when giving up."""
        tries = tries or self.retries + 1
        for attempt in range(tries):
            try:
                return await act()
            except E.UcmError as err:
                again = retryable(err) or also(err)
                if not again or attempt == tries - 1:
                    if again and tries > 1:
                        err = type(err)(f"{err}; gave up after {tries} tries while {doing}"
                                        + (f"; {state}" if state else ""), exit_code=err.exit_code)
                    elif state:
                        err = type(err)(f"{err}; {state}", exit_code=err.exit_code)
                    raise err from None
                await asyncio.sleep(self.pause(err, attempt))
                if landed is not None:
                    done = await landed(err)
                    if done is not None:
                        return done
        raise E.UcmError(f"no try made while {doing}")  # tries >= 1: not reached
