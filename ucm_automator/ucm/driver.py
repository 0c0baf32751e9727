"""UcmDriver: the contract every command uses, and the only code that clicks Save or Apply.

    async with UcmDriver(session, user="admin", password=secret) as ucm:    # open + log in
        plan = await ucm.plan_admin(want)       # read the page, compute the changes
        await ucm.apply_admin(plan)             # fill, Save, Apply Changes (each confirmed by /cgi)
        after = await ucm.verify_admin(plan.want)   # reload and read back
                                                # close: log out (artifacts on failure)

Getters read the reply the page itself received (getCRMSettings) and check it against what the
form shows; keys go in and out, the profile turns them into the texts on screen.
"""

from __future__ import annotations

from typing import Awaitable, Callable, Optional
from urllib.parse import urlsplit

from playwright.async_api import Page
from playwright.async_api import TimeoutError as PlaywrightTimeout
from pydantic import SecretStr

from ucm_automator.errors import BadInput
from ucm_automator.models import AdminCrm
from ucm_automator.plan import AdminPlan, AdminWant, diff_admin, resolve_admin
from ucm_automator.ucm import errors as E
from ucm_automator.ucm.cgi import CgiReply, error_for, reply_to
from ucm_automator.ucm.gui import Gui
from ucm_automator.ucm.pages.admin_crm import AdminCrmPage
from ucm_automator.ucm.pages.widgets import wait_until
from ucm_automator.ucm.press import press_save
from ucm_automator.ucm.retry import Retry
from ucm_automator.ucm.session import BrowserSession

Hook = Callable[[str], Awaitable[None]]  # called with a step name: a seam for tests and progress


class UcmDriver:
    def __init__(
        self,
        session: BrowserSession,
        *,
        user: str,
        password: SecretStr,
        name: str = "admin",
        retries: int = 3,
        backoff_s: float = 15.0,
        hook: Optional[Hook] = None,
    ) -> None:
        self.session, self.profile = session, session.profile
        self.user, self._password, self.name = user, password, name
        self.retry, self.hook = Retry(retries, backoff_s), hook
        self.timeout_ms = session.timeout_ms
        self.host = session.options.base_url
        self.artifacts: list = []
        self.wrote = False  # a Save or Apply Changes the box accepted
        self.gui = Gui(session, retry=self.retry)
        self.page: Page  # set by open()

    # ---- open / close ------------------------------------------------------------------------

    async def __aenter__(self) -> "UcmDriver":
        try:
            await self.gui.open()
            self.page, self.watcher, self.shell = self.gui.page, self.gui.watcher, self.gui.shell
            self.admin_crm = AdminCrmPage(self.page, self.profile, self.shell, self.timeout_ms)
            await self._login()
        except BaseException as exc:
            await self._close(exc)
            raise
        return self

    async def __aexit__(self, exc_type, exc, tb) -> None:
        await self._close(exc)

    async def _close(self, exc: Optional[BaseException]) -> None:
        """Keep artifacts of a failure, then end the session (on a cancel too: gui.close is bounded)."""
        failed = isinstance(exc, Exception)
        if failed and not isinstance(exc, BadInput) and self.gui.ctx is not None:
            self.artifacts += await self.session.save_failure(self.page, self.name, str(exc))
        self.artifacts += await self.gui.close(self.name, failed)
        if isinstance(exc, E.UcmError):
            exc.artifacts = list(self.artifacts)

    async def _login(self) -> None:
        user = await self.gui.login(self.user, self._password)
        if str(user.get("is_first_login", "")).lower() == "yes" or await self._wizard_after_login():
            raise E.SetupWizard(
                f"{self.host} wants its first-login setup wizard finished; complete it once in a "
                "browser as the super admin, then run again"
            )

    async def _wizard_after_login(self) -> bool:
        try:  # the GUI leaves the login page once it has stored the session
            await self.page.wait_for_url(lambda u: urlsplit(u).path != self.profile.routes.login,
                                         timeout=self.timeout_ms)
        except PlaywrightTimeout:
            pass  # gui.login waited for the same: it has already raised
        return await self.shell.in_wizard()

    async def _step(self, name: str) -> None:
        if self.hook is not None:
            await self.hook(name)

    # ---- admin CRM: read ---------------------------------------------------------------------

    def _admin_from_reply(self, reply: CgiReply) -> AdminCrm:
        if not reply.ok:
            raise error_for(self.profile, reply, "reading the CRM page")
        keys = self.profile.cgi.admin_crm_keys
        s = reply.response.get(keys["reply"])
        if not isinstance(s, dict):
            raise E.PageNotFound(f"the CRM page's reply has no '{keys['reply']}'; fix cgi.admin_crm_keys")
        return AdminCrm(
            crm_module=str(s.get(keys["crm_module"]) or self.profile.admin_crm.disabled_module),
            server_address=str(s.get(keys["server_address"]) or ""),
            lookups=[str(s[k]) for k in keys["lookups"] if s.get(k)],
            add_unknown=str(s.get(keys["add_unknown"]) or ""),
        )

    async def get_admin_crm(self) -> AdminCrm:
        self.watcher.last.pop(self.profile.action("check_info"), None)  # only a fresh one counts
        crm = self._admin_from_reply(await self.admin_crm.open())
        texts = self.profile.admin_crm
        expected = texts.modules.get(crm.crm_module)
        blank = ("", texts.modules.get(texts.disabled_module))
        # the form fills in from the reply a moment after it arrives: wait for it (bounded), so
        # nothing is operated on a form that is about to be reset
        filled = (lambda s: s == expected) if expected else (lambda s: s not in blank)
        shown = await wait_until(self.admin_crm.shown_module, filled, self.timeout_ms / 1000)
        if expected is not None and shown != expected:
            raise E.OptionNotFound(
                f"'{self.profile.admin_crm.labels.crm_system}' shows '{shown}' where the profile says "
                f"'{expected}' for {crm.crm_module} (fix admin_crm.modules in the firmware profile)"
            )
        return crm

    async def _apply_pending(self) -> bool:
        action = self.profile.action("check_info")
        await self.watcher.settle(action, self.timeout_ms / 1000)
        info = self.watcher.last.get(action)
        if info is not None and info.ok and "need_apply" in info.response:
            return str(info.response["need_apply"]).lower() == "yes"
        return await self.shell.apply_pending()

    async def plan_admin(self, want: AdminWant) -> AdminPlan:
        before = await self.get_admin_crm()
        target = resolve_admin(want, before, self.profile)
        return AdminPlan(before=before, want=target, changes=diff_admin(before, target),
                         apply_pending=await self._apply_pending())

    # ---- admin CRM: write (the only Save and Apply in the tool) --------------------------------

    async def apply_admin(self, plan: AdminPlan) -> None:
        """Save (when values change) and Apply Changes; one more login if the session expires."""
        for attempt in (1, 2):
            try:
                if plan.needs_save:
                    await self._save_admin(plan.want)
                if plan.needs_save or plan.apply_pending:
                    await self._apply()
                return
            except E.SessionExpired as exc:
                if attempt == 2:
                    raise E.SessionExpired(
                        f"the session on {self.host} expired again after logging in once more ({exc}); "
                        "check the box's User Login Timeout and that no one else logs this user out"
                    ) from None
                await self._login()
                plan = await self.plan_admin(AdminWant(**plan.want.model_dump(exclude={"crm_module"})))
                if plan.empty:
                    return

    def _texts(self, want: AdminCrm) -> tuple[str, str, list[str], str]:
        t = self.profile.admin_crm
        return (t.modules[want.crm_module], t.servers.get(want.server_address, want.server_address),
                [t.lookups[k] for k in want.lookups], t.unknown_number[want.add_unknown])

    async def _save_admin(self, want: AdminCrm) -> None:
        async def fill_and_save() -> CgiReply:
            await self.admin_crm.fill(*self._texts(want))
            await self._step("before_save")
            await self.admin_crm.check_valid()
            return await self._press_save()

        async def landed() -> bool:  # a proxy can lose the reply of a Save the box did
            return await self.get_admin_crm() == want

        await self._confirmed(fill_and_save, "saving the CRM page", "nothing was saved", landed)

    async def _press_save(self) -> CgiReply:
        page = self.admin_crm
        return await press_save(
            self.page, page.save_button, actions=(self.profile.action("update_admin_crm"),),
            cgi_path=self.profile.cgi.path, invalid=page.invalid, refusal=page.form_errors,
            where="the CRM form", timeout_ms=self.timeout_ms)

    async def _apply(self) -> None:
        await self._step("before_apply")
        try:
            await self.shell.apply_button.wait_for(state="visible", timeout=self.timeout_ms)
        except PlaywrightTimeout:
            if self.shell.at_login():
                raise E.SessionExpired("the box sent the browser back to the login page") from None
            apply = self.profile.buttons.apply
            raise E.PageNotFound(f"no '{apply}' button in the header after saving") from None
        action = self.profile.action("apply")
        reply = await self._confirmed(
            lambda: reply_to(self.page, self.profile, action, self.shell.apply_button.click, self.timeout_ms),
            "applying changes",
            "the new settings are saved but not running: run again when the box allows it",
        )
        if str(reply.response.get("settings", "0")) != "0":
            got = reply.response.get("settings")
            raise E.ApplyRefused(f"the box answered Apply Changes with settings={got}; it did not apply")

    async def _confirmed(self, act: Callable[[], Awaitable[CgiReply]], doing: str, state: str,
                         landed: Optional[Callable[[], Awaitable[bool]]] = None) -> CgiReply:
        """Run a click whose /cgi reply must be 0; retry what the box did not process.
        `landed`: after an HTTP error, whether the change is there anyway (then no second try)."""
        async def attempt() -> CgiReply:
            reply = await act()
            if not reply.ok:
                raise error_for(self.profile, reply, doing)
            return reply

        async def arrived(err: E.UcmError) -> Optional[CgiReply]:
            if landed is not None and isinstance(err, E.UcmHttpError) and await landed():
                return CgiReply(doing, None)
            return None

        lost = "a Save may have reached the box without its reply: run again (it reads before saving)"
        try:
            reply = await self.retry.run(attempt, doing=doing, landed=arrived, state=state)
        except E.UcmHttpError as exc:
            raise type(exc)(str(exc).replace(state, lost) if landed is not None else str(exc)) from None
        self.wrote = True
        return reply

    # ---- admin CRM: verify -------------------------------------------------------------------

    async def verify_admin(self, want: AdminCrm) -> AdminCrm:
        """Reload the page; prove the box and the form hold `want`."""
        await self._step("before_verify")
        after = await self.get_admin_crm()
        shown = await self.admin_crm.shown_values()
        texts = dict(zip(("crm_module", "server_address", "lookups", "add_unknown"), self._texts(want)))
        wrong = [f for f in texts if getattr(after, f) != getattr(want, f) or shown[f] != texts[f]]
        if wrong:
            raise E.VerifyFailed(
                "after Apply Changes the CRM page shows "
                + "; ".join(f"{f}={shown[f]!r} (box: {getattr(after, f)!r}, wanted {getattr(want, f)!r})"
                            for f in wrong)
            )
        if await self._apply_pending():
            raise E.VerifyFailed("the box still reports changes waiting for Apply Changes")
        return after
