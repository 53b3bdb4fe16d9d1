"""Headless Chromium for the browser tests; they skip when no Chromium is installed.

Install on Debian: ``apt-get install -y chromium`` (no driver, no Python package needed: the
tests speak the DevTools protocol over a pipe, see :mod:`tests.browser.cdp`). Point
``GVCGRAPH_CHROMIUM`` at another binary to use it instead.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.browser.cdp import Browser, CDPError, Page, find_chromium

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
"""Screenshots kept for people to look at (git-ignored)."""


@pytest.fixture(scope="session")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Browser]:
    exe = find_chromium()
    if exe is None:
        pytest.skip("no chromium installed (apt-get install -y chromium)")
    with Browser(exe, tmp_path_factory.mktemp("chromium-profile")) as b:
        yield b


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    p = browser.new_page()
    yield p
    with contextlib.suppress(CDPError):  # the tab may be gone already
        browser.send("Target.closeTarget", {"targetId": p.target})


@pytest.fixture(scope="session")
def artifacts() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS
