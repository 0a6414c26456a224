"""`python -m bot demo`: loopback only, and a real-browser run through SimCord's preview page."""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytest.importorskip("simcord.preview", reason="the demo extra is not installed: "
                                                'pip install -e ".[demo]" (simcord[preview])')

from bot.demo import DemoError, check_loopback

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                 "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost", "::1", "[::1]", "127.0.0.2"])
def test_loopback_hosts_are_accepted(host):
    assert check_loopback(host)


@pytest.mark.parametrize("host", ["0.0.0.0", "::", "192.168.1.10", "8.8.8.8", "example.org", ""])
def test_other_hosts_are_refused(host):
    with pytest.raises(DemoError, match="loopback"):
        check_loopback(host)


def test_demo_command_refuses_a_public_host():
    result = subprocess.run([sys.executable, "-m", "bot", "demo", "--host", "0.0.0.0",
                             "--no-browser"], cwd=ROOT, capture_output=True, text=True,
                            timeout=30, env={**os.environ, "DISCORD_TOKEN": ""})
    assert result.returncode == 2
    assert "loopback" in result.stderr
    assert "http://" not in result.stdout


def _chromium() -> str | None:
    if Path("/usr/bin/chromium").is_file():
        return "/usr/bin/chromium"
    return shutil.which("chromium")


PAGES = [
    "The lighthouse keeper counted the ships at dusk. Marguerite kept the tally in chalk on the "
    "iron door, one stroke for each hull that passed the point before the lamp was lit.",
    "On the second evening a grey schooner anchored below the cliffs without a flag. Nobody "
    "rowed ashore, and the chalk tally stopped at nineteen.",
    "By the third morning the schooner had gone, and a crate of oranges waited on the landing.",
]


def _write_story(directory: Path) -> None:
    body = "\n\n".join(f"# Part {i}\n\n{text}" for i, text in enumerate(PAGES, 1))
    (directory / "the-tally.md").write_text(
        "---\ntitle: The Tally\nauthor: Test Author\nrating: General Audiences\n---\n\n" + body,
        encoding="utf-8")


def test_demo_in_a_real_browser(tmp_path):
    sync_api = pytest.importorskip("playwright.sync_api",
                                   reason="playwright is not installed (the demo extra)")
    chromium = _chromium()
    if chromium is None:
        pytest.skip("no Chromium executable (/usr/bin/chromium or chromium on PATH); "
                    "install Debian's chromium package")
    stories = tmp_path / "stories"
    stories.mkdir()
    _write_story(stories)
    env = {**os.environ, "DATABASE_PATH": str(tmp_path / "demo.sqlite3"),
           "STORIES_DIR": str(stories), "DISCORD_TOKEN": "", "PYTHONUNBUFFERED": "1"}
    env.pop("DISPLAY", None)
    env.pop("WAYLAND_DISPLAY", None)
    started = time.monotonic()
    process = subprocess.Popen([sys.executable, "-m", "bot", "demo", "--no-browser"], cwd=ROOT,
                               env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                               text=True)
    try:
        url = None
        output = []
        while time.monotonic() - started < 30:
            line = process.stdout.readline()
            if not line:
                break
            output.append(line)
            if match := re.search(r"(http://127\.0\.0\.1:\d+/\S*)", line):
                url = match.group(1)
                break
        assert url, "the demo printed no address:\n" + "".join(output)
        with sync_api.sync_playwright() as playwright:
            # A fresh profile in the test's tmp dir; nothing is downloaded.
            browser = playwright.chromium.launch_persistent_context(
                str(tmp_path / "chromium-profile"), executable_path=chromium,
                args=CHROMIUM_ARGS, viewport={"width": 1200, "height": 900})
            try:
                page = browser.new_page()
                page.set_default_timeout(15_000)
                page.goto(url)
                composer = page.locator("#channel-composer-input")
                composer.click()
                composer.type("/read")
                page.locator("[role=option]", has_text="/read").first.wait_for()
                page.keyboard.press("Tab")
                story = page.locator("input.command-option-input[data-option=story]")
                story.wait_for()
                story.type("Tally")
                page.locator("#command-suggestion-listbox [role=option]",
                             has_text="The Tally").first.wait_for()
                page.keyboard.press("Enter")
                page.wait_for_timeout(300)
                page.keyboard.press("Enter")
                messages = page.locator("#channel-message-list")
                messages.get_by_text("The lighthouse keeper counted").first.wait_for()
                reading = messages
                # The ▶ reaction turns to page 2.
                reading.locator("button.reaction-chip", has_text="▶").first.click()
                messages.get_by_text("a grey schooner anchored").first.wait_for()
                assert messages.get_by_text("The lighthouse keeper counted").count() == 0
                # The ▶ button turns to page 3.
                reading.locator("button:not(.reaction-chip)", has_text="▶").first.click()
                messages.get_by_text("a crate of oranges").first.wait_for()
                page.screenshot(path=str(tmp_path / "demo.png"))
                (tmp_path / "dom.html").write_text(messages.inner_html())
            finally:
                browser.close()
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGINT)
        try:
            rest, _ = process.communicate(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            rest, _ = process.communicate()
    assert process.returncode == 0, rest
    assert "stopped" in rest
