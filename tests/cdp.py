"""A small Chrome DevTools Protocol client: Debian's Chromium driven over its websocket.

Just what a test needs to use a page as a person does: open it at a phone's size, read it,
click (real mouse events at the element's place, so it works with JavaScript off), type,
reload, go back, and take a screenshot. Each `Tab` lives in a browser context of its own: its
own cookies, like a second device. It uses aiohttp's websocket client (already a
dependency), nothing else.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import itertools
import json
import re
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp

LISTENING = re.compile(r"DevTools listening on (ws://\S+)")
STEP_SECONDS = 20.0  # one action and the page it leads to; far above a real wait


class Chromium:
    """A headless Chromium process and one websocket to it."""

    def __init__(self, process: asyncio.subprocess.Process, http: aiohttp.ClientSession) -> None:
        self.process, self.http = process, http
        self._ids = itertools.count(1)
        self._waiting: dict[int, asyncio.Future[dict[str, Any]]] = {}
        self._events: dict[str, asyncio.Queue[dict[str, Any]]] = {}
        self.ws: aiohttp.ClientWebSocketResponse | None = None
        self._reader: asyncio.Task[None] | None = None
        self._stderr: asyncio.Task[None] | None = None

    @classmethod
    @contextlib.asynccontextmanager
    async def launched(
        cls, executable: str, profile: Path, languages: str = "nl-NL,nl"
    ) -> AsyncIterator[Chromium]:
        process = await asyncio.create_subprocess_exec(
            executable,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--hide-scrollbars",
            "--remote-debugging-port=0",
            "--remote-debugging-address=127.0.0.1",
            f"--user-data-dir={profile}",
            f"--accept-lang={languages}",
            "about:blank",
            stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.PIPE,
        )
        http = aiohttp.ClientSession()
        browser = cls(process, http)
        try:
            await browser._connect()
            yield browser
        finally:
            for task in (browser._reader, browser._stderr):
                if task:
                    task.cancel()
            await http.close()
            process.kill()
            await process.wait()

    async def _connect(self) -> None:
        assert self.process.stderr is not None
        async with asyncio.timeout(STEP_SECONDS):
            while True:
                line = (await self.process.stderr.readline()).decode(errors="replace")
                if not line:
                    raise RuntimeError("Chromium ended before it listened")
                if found := LISTENING.search(line):
                    break
        self.ws = await self.http.ws_connect(found[1], max_msg_size=0)
        self._reader = asyncio.create_task(self._read())
        self._stderr = asyncio.create_task(self._drain_stderr())  # a full pipe would block it

    async def _drain_stderr(self) -> None:
        assert self.process.stderr is not None
        while await self.process.stderr.readline():
            pass

    async def _read(self) -> None:
        assert self.ws is not None
        async for frame in self.ws:
            message = json.loads(frame.data)
            if "id" in message and message["id"] in self._waiting:
                future = self._waiting.pop(message["id"])
                if "error" in message:
                    future.set_exception(RuntimeError(f"{message['error']}"))
                else:
                    future.set_result(message.get("result", {}))
            elif "method" in message:
                self.events(message.get("sessionId", "")).put_nowait(message)

    def events(self, session: str) -> asyncio.Queue[dict[str, Any]]:
        return self._events.setdefault(session, asyncio.Queue())

    async def call(self, method: str, session: str | None = None, **params: Any) -> dict[str, Any]:
        assert self.ws is not None
        number = next(self._ids)
        future: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self._waiting[number] = future
        message: dict[str, Any] = {"id": number, "method": method, "params": params}
        if session:
            message["sessionId"] = session
        await self.ws.send_str(json.dumps(message))
        async with asyncio.timeout(STEP_SECONDS):
            return await future

    async def tab(self, width: int, height: int, *, javascript: bool = True) -> Tab:
        """A page in a fresh browser context, sized like a phone."""
        context = (await self.call("Target.createBrowserContext"))["browserContextId"]
        target = await self.call("Target.createTarget", url="about:blank", browserContextId=context)
        session = (
            await self.call("Target.attachToTarget", targetId=target["targetId"], flatten=True)
        )["sessionId"]
        tab = Tab(self, session)
        await tab.call("Page.enable")
        await tab.call(
            "Emulation.setDeviceMetricsOverride",
            width=width,
            height=height,
            deviceScaleFactor=2,
            mobile=True,
        )
        if not javascript:
            await tab.call("Emulation.setScriptExecutionDisabled", value=True)
        return tab


class Tab:
    """One page: go, read, click, type, and take its picture."""

    def __init__(self, browser: Chromium, session: str) -> None:
        self.browser, self.session = browser, session

    async def call(self, method: str, **params: Any) -> dict[str, Any]:
        return await self.browser.call(method, self.session, **params)

    def _forget_events(self) -> None:
        queue = self.browser.events(self.session)
        while not queue.empty():
            queue.get_nowait()

    async def _loaded(self) -> None:
        queue = self.browser.events(self.session)
        async with asyncio.timeout(STEP_SECONDS):
            while (await queue.get())["method"] != "Page.loadEventFired":
                pass

    async def goto(self, url: str) -> None:
        self._forget_events()
        await self.call("Page.navigate", url=url)
        await self._loaded()

    async def reload(self) -> None:
        """The browser's reload button: the page asked for again as it was loaded."""
        self._forget_events()
        await self.call("Page.reload")
        await self._loaded()

    async def back(self) -> None:
        """The browser's back button."""
        history = await self.call("Page.getNavigationHistory")
        entry = history["entries"][history["currentIndex"] - 1]
        self._forget_events()
        await self.call("Page.navigateToHistoryEntry", entryId=entry["id"])
        await self._loaded()

    async def url(self) -> str:
        """The address the page shows (after any redirect)."""
        history = await self.call("Page.getNavigationHistory")
        return str(history["entries"][history["currentIndex"]]["url"])

    async def evaluate(self, expression: str) -> Any:
        """Runs a script in the page (the tab needs JavaScript) and returns its value."""
        result = await self.call(
            "Runtime.evaluate", expression=expression, awaitPromise=True, returnByValue=True
        )
        if "exceptionDetails" in result:
            raise RuntimeError(str(result["exceptionDetails"]))
        return result["result"].get("value")

    async def html(self) -> str:
        root = (await self.call("DOM.getDocument", depth=0))["root"]["nodeId"]
        return str((await self.call("DOM.getOuterHTML", nodeId=root))["outerHTML"])

    async def _node(self, selector: str) -> int:
        root = (await self.call("DOM.getDocument", depth=0))["root"]["nodeId"]
        node = int((await self.call("DOM.querySelector", nodeId=root, selector=selector))["nodeId"])
        if not node:
            raise LookupError(f"nothing on the page matches {selector}")
        return node

    async def _centre(self, selector: str) -> tuple[float, float]:
        node = await self._node(selector)
        await self.call("DOM.scrollIntoViewIfNeeded", nodeId=node)
        quad = (await self.call("DOM.getContentQuads", nodeId=node))["quads"][0]
        return sum(quad[0::2]) / 4, sum(quad[1::2]) / 4

    async def click(self, selector: str, *, times: int = 1) -> None:
        """Clicks like a mouse (`times` = 2: a double click) and waits for the next page."""
        x, y = await self._centre(selector)
        self._forget_events()
        for count in range(1, times + 1):
            for kind in ("mousePressed", "mouseReleased"):
                await self.call(
                    "Input.dispatchMouseEvent",
                    type=kind,
                    x=x,
                    y=y,
                    button="left",
                    clickCount=count,
                )
        await self._loaded()

    async def type(self, selector: str, words: str) -> None:
        await self.call("DOM.focus", nodeId=await self._node(selector))
        await self.call("Input.insertText", text=words)

    async def screenshot(self, path: Path, *, whole_page: bool = False) -> None:
        params: dict[str, Any] = {"format": "png"}
        if whole_page:
            size = (await self.call("Page.getLayoutMetrics"))["cssContentSize"]
            params["captureBeyondViewport"] = True
            params["clip"] = {
                "x": 0,
                "y": 0,
                "width": size["width"],
                "height": size["height"],
                "scale": 1,
            }
        shot = await self.call("Page.captureScreenshot", **params)
        path.write_bytes(base64.b64decode(shot["data"]))
