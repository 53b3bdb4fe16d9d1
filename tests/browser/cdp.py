"""A small Chrome DevTools Protocol client over ``--remote-debugging-pipe``, for the tests.

Why not Selenium or Playwright: this needs no Python package and no driver binary, only
Debian's ``chromium``; the browser's own protocol reports every network request of the page
(``Network.requestWillBeSent``), console messages and uncaught exceptions, and JavaScript
dialogs (``Page.javascriptDialogOpening``, which is how an injected ``alert(1)`` would show),
which is exactly what the map tests check. Chromium reads commands on file descriptor 3 and
writes replies and events on 4, one JSON message each, ended by a NUL byte.
"""

from __future__ import annotations

import base64
import contextlib
import fcntl
import json
import os
import shutil
import subprocess
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-default-apps",
    "--disable-extensions",
    "--mute-audio",
    "--hide-scrollbars",
    "--window-size=1400,900",
)
"""Command-line flags: headless, no background traffic, a fixed window size."""

LOCAL_SCHEMES = ("file:", "data:", "blob:", "about:")
"""Request URLs that do not leave the machine."""


def find_chromium() -> str | None:
    """Path of a Chromium or Chrome binary: $GVCGRAPH_CHROMIUM, else the first on PATH."""
    env = os.environ.get("GVCGRAPH_CHROMIUM")
    if env:
        return env if Path(env).exists() else None
    for name in ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable"):
        path = shutil.which(name)
        if path:
            return path
    return None


def _high(fd: int) -> int:
    new = fcntl.fcntl(fd, fcntl.F_DUPFD_CLOEXEC, 10)
    os.close(fd)
    return new


def _bash() -> str:
    return shutil.which("bash") or "/bin/bash"


class CDPError(RuntimeError):
    """The browser answered a command with an error, or did not answer in time."""


class Browser:
    """A headless Chromium driven over a pipe. Use as a context manager."""

    def __init__(self, executable: str, user_data_dir: Path, timeout: float = 30.0):
        self.timeout = timeout
        to_chrome_r, self._to_chrome = os.pipe()
        self._from_chrome, from_chrome_w = os.pipe()
        # move the child's ends above 9, so that they cannot collide with 3 and 4 below
        to_chrome_r, from_chrome_w = _high(to_chrome_r), _high(from_chrome_w)
        args = [
            executable,
            *FLAGS,
            f"--user-data-dir={user_data_dir}",
            "--remote-debugging-pipe",
            "about:blank",
        ]
        # bash (dash cannot name descriptors above 9) puts the two pipe ends on descriptors 3
        # and 4, where Chromium expects them
        script = (
            f'exec "$0" "$@" 3<&{to_chrome_r} 4>&{from_chrome_w} '
            f"{to_chrome_r}<&- {from_chrome_w}>&-"
        )
        self.proc = subprocess.Popen(
            [_bash(), "-c", script, *args],
            pass_fds=(to_chrome_r, from_chrome_w),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        os.close(to_chrome_r)
        os.close(from_chrome_w)
        self._next_id = 0
        self._lock = threading.Lock()
        self._cond = threading.Condition()
        self._replies: dict[int, dict[str, Any]] = {}
        self.events: list[dict[str, Any]] = []
        self._listeners: list[Callable[[dict[str, Any]], None]] = []
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    # ------------------------------------------------------------------ transport
    def _read(self) -> None:
        buf = b""
        while True:
            try:
                chunk = os.read(self._from_chrome, 1 << 16)
            except OSError:
                break
            if not chunk:
                break
            buf += chunk
            while b"\0" in buf:
                raw, buf = buf.split(b"\0", 1)
                msg = json.loads(raw.decode("utf-8"))
                with self._cond:
                    if "id" in msg:
                        self._replies[msg["id"]] = msg
                    else:
                        self.events.append(msg)
                        for listener in list(self._listeners):
                            listener(msg)
                    self._cond.notify_all()
        with self._cond:
            self._cond.notify_all()

    def send(
        self,
        method: str,
        params: dict[str, Any] | None = None,
        session: str | None = None,
        timeout: float | None = None,
    ) -> dict[str, Any]:
        """Send one command and wait for its result."""
        with self._lock:
            self._next_id += 1
            ident = self._next_id
        msg: dict[str, Any] = {"id": ident, "method": method, "params": params or {}}
        if session:
            msg["sessionId"] = session
        os.write(self._to_chrome, json.dumps(msg).encode("utf-8") + b"\0")
        deadline = time.monotonic() + (timeout or self.timeout)
        with self._cond:
            while ident not in self._replies:
                left = deadline - time.monotonic()
                if left <= 0 or self.proc.poll() is not None:
                    raise CDPError(f"no reply to {method} (browser exit code {self.proc.poll()})")
                self._cond.wait(min(left, 0.5))
            reply = self._replies.pop(ident)
        if "error" in reply:
            raise CDPError(f"{method}: {reply['error']}")
        return reply.get("result", {})

    def wait_event(
        self,
        predicate: Callable[[dict[str, Any]], bool],
        timeout: float | None = None,
        start: int = 0,
    ) -> dict[str, Any]:
        """Wait for an event (from index ``start`` of :attr:`events`) matching ``predicate``."""
        deadline = time.monotonic() + (timeout or self.timeout)
        with self._cond:
            while True:
                for ev in self.events[start:]:
                    if predicate(ev):
                        return ev
                left = deadline - time.monotonic()
                if left <= 0:
                    raise CDPError("timed out waiting for a browser event")
                self._cond.wait(min(left, 0.5))

    def new_page(self) -> Page:
        """Open a new tab and attach to it."""
        target = self.send("Target.createTarget", {"url": "about:blank"})["targetId"]
        session = self.send("Target.attachToTarget", {"targetId": target, "flatten": True})[
            "sessionId"
        ]
        return Page(self, session, target)

    def close(self) -> None:
        """Close the browser (politely, then by force)."""
        with contextlib.suppress(CDPError, OSError):
            self.send("Browser.close", timeout=5)
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        for fd in (self._to_chrome, self._from_chrome):
            with contextlib.suppress(OSError):
                os.close(fd)

    def __enter__(self) -> Browser:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class Page:
    """One tab: navigation, script evaluation, clicks, screenshots, and what it did."""

    def __init__(self, browser: Browser, session: str, target: str = ""):
        self.browser = browser
        self.session = session
        self.target = target
        self.requests: list[str] = []
        self.errors: list[str] = []
        self.dialogs: list[str] = []
        browser._listeners.append(self._on_event)
        for domain in ("Page", "Runtime", "Network", "Log"):
            self.send(f"{domain}.enable")
        self.send(
            "Emulation.setDeviceMetricsOverride",
            {"width": 1400, "height": 900, "deviceScaleFactor": 1, "mobile": False},
        )

    def send(self, method: str, params: dict[str, Any] | None = None) -> dict[str, Any]:
        """A command to this tab."""
        return self.browser.send(method, params, session=self.session)

    def _on_event(self, msg: dict[str, Any]) -> None:
        if msg.get("sessionId") != self.session:
            return
        method, params = msg.get("method"), msg.get("params", {})
        if method == "Network.requestWillBeSent":
            self.requests.append(params["request"]["url"])
        elif method == "Runtime.exceptionThrown":
            details = params.get("exceptionDetails", {})
            text = details.get("exception", {}).get("description") or details.get("text")
            self.errors.append(f"exception: {text}")
        elif method == "Runtime.consoleAPICalled" and params.get("type") in ("error", "assert"):
            args = [a.get("value", a.get("description", "")) for a in params.get("args", [])]
            self.errors.append("console: " + " ".join(str(a) for a in args))
        elif method == "Log.entryAdded" and params.get("entry", {}).get("level") == "error":
            entry = params["entry"]
            self.errors.append(
                f"log ({entry.get('source')}): {entry.get('text')} {entry.get('url', '')}"
            )
        elif method == "Page.javascriptDialogOpening":
            self.dialogs.append(f"{params.get('type')}: {params.get('message')}")
            # answer from another thread: this one is the reader
            threading.Thread(target=self._dismiss, daemon=True).start()

    def _dismiss(self) -> None:
        with contextlib.suppress(CDPError):
            self.send("Page.handleJavaScriptDialog", {"accept": False})

    def goto(self, url: str, timeout: float = 30.0) -> None:
        """Navigate and wait for the load event."""
        start = len(self.browser.events)
        self.send("Page.navigate", {"url": url})
        self.browser.wait_event(
            lambda ev: (
                ev.get("sessionId") == self.session and ev.get("method") == "Page.loadEventFired"
            ),
            timeout=timeout,
            start=start,
        )

    def eval(self, expression: str) -> Any:
        """Evaluate JavaScript in the page and return its value (JSON-serialisable)."""
        result = self.send(
            "Runtime.evaluate",
            {"expression": expression, "returnByValue": True, "awaitPromise": True},
        )
        if "exceptionDetails" in result:
            raise CDPError(f"script failed: {result['exceptionDetails']}")
        return result.get("result", {}).get("value")

    def wait_for(self, expression: str, timeout: float = 30.0) -> Any:
        """Poll a JavaScript expression until it is truthy; return its value."""
        deadline = time.monotonic() + timeout
        while True:
            value = self.eval(expression)
            if value:
                return value
            if time.monotonic() > deadline:
                raise CDPError(f"timed out waiting for {expression}")
            time.sleep(0.1)

    def click(self, x: float, y: float) -> None:
        """A left click at page coordinates (CSS pixels)."""
        for kind in ("mouseMoved", "mousePressed", "mouseReleased"):
            self.send(
                "Input.dispatchMouseEvent",
                {"type": kind, "x": x, "y": y, "button": "left", "clickCount": 1},
            )

    def screenshot(self, path: Path, full_page: bool = False) -> Path:
        """Save a PNG screenshot of the viewport (or of the whole page)."""
        params: dict[str, Any] = {"format": "png"}
        if full_page:
            size = self.send("Page.getLayoutMetrics")["cssContentSize"]
            params.update(
                captureBeyondViewport=True,
                clip={"x": 0, "y": 0, "width": size["width"], "height": size["height"], "scale": 1},
            )
        data = self.send("Page.captureScreenshot", params)["data"]
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(base64.b64decode(data))
        return path

    def remote_requests(self) -> list[str]:
        """Requests to anything other than local files and inline data."""
        return [u for u in self.requests if not u.startswith(LOCAL_SCHEMES)]
