"""Fixture: headless Chromium (Debian's ``chromium``) driven by Playwright, and a radar server.

Playwright cannot download its own browsers here, so it drives ``/usr/bin/chromium``. WebGL2 runs
headless through SwiftShader. Skips when chromium or Playwright is missing, unless the
environment variable CI is set (then it fails: CI installs both).
"""
from __future__ import annotations

import os
import shutil
import socket
from collections.abc import Iterator
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import pytest

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--no-first-run"]
# records what a page did that it must not: requests to other origins, CSP violations, script errors
WATCH_PAGE = """
window.__violations = [];
document.addEventListener('securitypolicyviolation', (e) => window.__violations.push(`${e.violatedDirective} ${e.blockedURI}`));
"""


def _missing(what: str) -> None:
    if os.environ.get("CI"):
        pytest.fail(f"{what} is missing (CI must run scripts/install-system-deps.sh and install the test extras)")
    pytest.skip(f"{what} is missing")


@pytest.fixture(scope="module")
def browser() -> Iterator:
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _missing("playwright (pip install playwright)")
    path = CHROMIUM if os.path.exists(CHROMIUM) else shutil.which("chromium")
    if path is None:
        _missing("chromium (apt-get install chromium)")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=path, args=ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


@dataclass
class PageLog:
    """What a page did: foreign requests (aborted), script errors, console errors."""

    origin: str
    foreign: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    console: list[str] = field(default_factory=list)


def open_page(browser, url: str, viewport=(1280, 800)):
    """A new page at ``url`` whose requests to any other origin are recorded and aborted."""
    origin = "{0.scheme}://{0.netloc}".format(urlsplit(url))
    log = PageLog(origin)
    context = browser.new_context(viewport={"width": viewport[0], "height": viewport[1]})

    def route(r):
        request_origin = "{0.scheme}://{0.netloc}".format(urlsplit(r.request.url))
        if request_origin != origin and not r.request.url.startswith(("data:", "blob:")):
            log.foreign.append(r.request.url)
            r.abort()
        else:
            r.continue_()

    context.route("**/*", route)
    context.add_init_script(WATCH_PAGE)
    page = context.new_page()
    page.on("pageerror", lambda error: log.errors.append(str(error)))
    page.on("console", lambda m: log.console.append(m.text) if m.type == "error" else None)
    page.goto(url)
    return page, log


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]
