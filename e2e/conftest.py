"""Fixtures of the browser tests: the running stack, Chromium, and pages that fail on errors.

Run with ``make e2e`` (or ``python -m pytest e2e``). Chromium is the system's
(``CROSSDOCK_CHROMIUM``, default ``/usr/bin/chromium``): Playwright never downloads a browser
here. Each step saves a screenshot under ``var/e2e/``; the processes' logs go to
``var/e2e/logs/``.
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, ConsoleMessage, Page, sync_playwright

from e2e.stack import ROOT, Stack

CHROMIUM = os.environ.get("CROSSDOCK_CHROMIUM", "/usr/bin/chromium")
ARTIFACTS = ROOT / "var" / "e2e"
PASSWORD = "crossdock-demo"  # noqa: S105 - the published demo password (seed_demo)
TIMEOUT_MS = 20_000  # any one wait for a page or an element


# --- steps run in order; after a failure the rest are skipped ----------------------------------


def pytest_runtest_makereport(item, call):
    if call.excinfo is not None and call.when == "call":
        item.session.__dict__.setdefault("e2e_failed", item.name)
        item.e2e_failed = True


def pytest_runtest_setup(item):
    failed = item.session.__dict__.get("e2e_failed")
    if failed:
        pytest.skip(f"an earlier step failed: {failed}")


# --- the application ------------------------------------------------------------------------


@pytest.fixture(scope="session")
def stack() -> Iterator[Stack]:

    if ARTIFACTS.exists():
        shutil.rmtree(ARTIFACTS)
    ARTIFACTS.mkdir(parents=True)
    with tempfile.TemporaryDirectory(prefix="crossdock-e2e-") as workdir:
        app = Stack(workdir=Path(workdir), logdir=ARTIFACTS / "logs")
        app.start()
        print(f"\ne2e: Crossdock on {app.description}")
        try:
            yield app
        finally:
            app.stop()


# --- the browser ----------------------------------------------------------------------------


@dataclass
class Watched:
    """Console errors and uncaught exceptions of every page of a browser context."""

    errors: list[str] = field(default_factory=list)

    def attach(self, page: Page) -> None:
        page.set_default_timeout(TIMEOUT_MS)

        def on_console(message: ConsoleMessage) -> None:
            if message.type == "error":
                self.errors.append(f"console error on {page.url}: {message.text}")

        page.on("console", on_console)
        page.on("pageerror", lambda error: self.errors.append(f"page error on {page.url}: {error}"))

    def assert_clean(self) -> None:
        errors, self.errors[:] = list(self.errors), []
        assert not errors, "the browser reported errors:\n" + "\n".join(errors)


@dataclass
class Actor:
    """One person at the browser: a context of their own (their session) and its page."""

    name: str
    context: BrowserContext
    page: Page
    watched: Watched


class Screenshots:
    def __init__(self, folder: Path):
        self.folder = folder
        self.count = 0

    def __call__(self, page: Page, name: str) -> Path:
        self.count += 1
        slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")
        path = self.folder / f"{self.count:02d}-{slug}.png"
        page.screenshot(path=str(path), full_page=True)
        return path


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"no Chromium at {CHROMIUM}: install Debian's chromium or set CROSSDOCK_CHROMIUM", pytrace=False)
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=["--no-sandbox"])
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture(scope="session")
def shot(stack) -> Screenshots:
    return Screenshots(ARTIFACTS)


@pytest.fixture(scope="session")
def actors(stack: Stack, browser: Browser) -> Iterator[dict[str, Actor]]:
    """The people of the journey, each opened on first use; every page is checked for errors at the end."""

    class People(dict):
        def __missing__(self, name: str) -> Actor:
            context = browser.new_context(base_url=stack.base_url, viewport={"width": 1280, "height": 900})
            watched = Watched()
            context.on("page", watched.attach)
            self[name] = Actor(name=name, context=context, page=context.new_page(), watched=watched)
            return self[name]

    people = People()
    yield people
    problems = []
    for actor in people.values():
        try:
            actor.watched.assert_clean()
        except AssertionError as error:
            problems.append(f"{actor.name}: {error}")
        actor.context.close()
    assert not problems, "\n".join(problems)


@pytest.fixture(autouse=True)
def _no_browser_errors(request):
    """Every step ends with no console error and no uncaught exception on any page."""
    yield
    if "actors" not in request.fixturenames:
        return
    people = request.getfixturevalue("actors")
    if getattr(request.node, "e2e_failed", False):
        shot = request.getfixturevalue("shot")
        for actor in people.values():
            shot(actor.page, f"failed {request.node.name} {actor.name}")
    for actor in people.values():
        actor.watched.assert_clean()
