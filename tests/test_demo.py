"""`python -m bot demo`: loopback only, its front page, and a real-browser run through it."""

from __future__ import annotations

import os
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
import urllib.error
import urllib.request
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


def _start_demo(tmp_path: Path) -> tuple[subprocess.Popen, str, list[str]]:
    """Start `python -m bot demo` on a story of the test's own; return it with its address."""
    stories = tmp_path / "stories"
    stories.mkdir(exist_ok=True)
    _write_story(stories)
    env = {**os.environ, "DATABASE_PATH": str(tmp_path / "demo.sqlite3"),
           "STORIES_DIR": str(stories), "DISCORD_TOKEN": "", "PYTHONUNBUFFERED": "1"}
    env.pop("DISPLAY", None)
    env.pop("WAYLAND_DISPLAY", None)
    process = subprocess.Popen([sys.executable, "-m", "bot", "demo", "--no-browser"], cwd=ROOT,
                               env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                               text=True)
    output: list[str] = []
    started = time.monotonic()
    while time.monotonic() - started < 30:
        line = process.stdout.readline()
        if not line:
            break
        output.append(line)
        if match := re.search(r"(http://127\.0\.0\.1:\d+/\S*)", line):
            return process, match.group(1), output
    _stop(process)
    raise AssertionError("the demo printed no address:\n" + "".join(output))


def _stop(process: subprocess.Popen, signum: int = signal.SIGINT) -> str:
    if process.poll() is None:
        process.send_signal(signum)
    try:
        rest, _ = process.communicate(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        rest, _ = process.communicate()
    return rest


@pytest.fixture
def demo(tmp_path):
    process, url, _ = _start_demo(tmp_path)
    yield url
    _stop(process)


def _request(url: str, *, method: str = "GET", headers: dict[str, str] | None = None):
    request = urllib.request.Request(url, method=method, headers=headers or {},
                                     data=b"" if method == "POST" else None)

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    opener = urllib.request.build_opener(NoRedirect)
    try:
        with opener.open(request, timeout=10) as response:
            return response.status, dict(response.headers), response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read().decode()


def test_front_page_lists_both_channels(demo):
    status, headers, body = _request(demo)
    assert status == 200
    assert "#reading" in body and "#quotes" in body
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["Referrer-Policy"] == "no-referrer"


def test_choosing_a_channel_redirects_to_its_preview_page(demo):
    origin = demo.split("/", 3)[:3]
    status, headers, _ = _request(demo + "quotes", method="POST",
                                  headers={"Origin": "/".join(origin)})
    assert status == 303
    assert re.fullmatch(r"http://127\.0\.0\.1:\d+/#\S+", headers["Location"])
    assert headers["Location"] != demo


def test_front_page_refuses_strangers(demo):
    scheme, _, host, token, _ = demo.split("/")
    port = host.rsplit(":", 1)[1]
    wrong_token = f"{scheme}//{host}/{'x' * len(token)}/"
    assert _request(wrong_token)[0] == 404
    assert _request(demo + "nowhere", method="POST")[0] == 404
    # A page from another site may not switch channels, and another host name (DNS
    # rebinding) gets nothing.
    assert _request(demo + "reading", method="POST",
                    headers={"Origin": "http://evil.example"})[0] == 403
    assert _request(demo, headers={"Host": f"evil.example:{port}"})[0] == 421


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_demo_stops_cleanly(tmp_path, signum):
    process, _, _ = _start_demo(tmp_path)
    rest = _stop(process, signum)
    assert process.returncode == 0, rest
    assert "storybot demo stopped." in rest
    assert "Traceback" not in rest


def _slash(page, name: str, **options: str) -> None:
    """Run a slash command through the page's composer, as a person types it."""
    composer = page.locator("#channel-composer-input")
    composer.click()
    composer.type("/" + name)
    page.locator("[role=option]", has_text="/" + name).first.wait_for()
    page.keyboard.press("Tab" if options else "Enter")
    for key, value in options.items():
        field = page.locator(f"input.command-option-input[data-option={key}]")
        field.wait_for()
        field.type(value)
        page.locator("#command-suggestion-listbox [role=option]", has_text="The Tally") \
            .first.wait_for()
        page.keyboard.press("Enter")
    page.wait_for_timeout(300)
    page.keyboard.press("Escape")  # close the list of optional options
    page.keyboard.press("Enter")


def test_demo_in_a_real_browser(tmp_path):
    sync_api = pytest.importorskip("playwright.sync_api",
                                   reason="playwright is not installed (the demo extra)")
    chromium = _chromium()
    if chromium is None:
        pytest.skip("no Chromium executable (/usr/bin/chromium or chromium on PATH); "
                    "install Debian's chromium package")
    process, url, _ = _start_demo(tmp_path)
    try:
        with sync_api.sync_playwright() as playwright:
            # A fresh profile in the test's tmp dir; nothing is downloaded.
            browser = playwright.chromium.launch_persistent_context(
                str(tmp_path / "chromium-profile"), executable_path=chromium,
                args=CHROMIUM_ARGS, viewport={"width": 1200, "height": 900})
            try:
                page = browser.new_page()
                page.set_default_timeout(15_000)
                page.goto(url)
                page.get_by_role("button", name="#reading").click()
                messages = page.locator("#channel-message-list")
                _slash(page, "read", story="Tally")
                messages.get_by_text(PAGES[0][:30]).first.wait_for()
                # The ▶ reaction turns to page 2.
                messages.locator("button.reaction-chip", has_text="▶").first.click()
                messages.get_by_text(PAGES[1][:30]).first.wait_for()
                assert messages.get_by_text(PAGES[0][:30]).count() == 0
                # The ▶ button turns to page 3.
                messages.locator("button:not(.reaction-chip)", has_text="▶").first.click()
                messages.get_by_text(PAGES[2][:30]).first.wait_for()
                page.screenshot(path=str(tmp_path / "demo.png"))
                # The page-number button opens the go-to-page form.
                messages.locator("button.component-button", has_text="3/3").first.click()
                form = page.locator("form.modal-dialog")
                form.locator("input[name=page]").fill("1")
                form.locator("button[type=submit]").click()
                messages.get_by_text(PAGES[0][:30]).first.wait_for()
                # The chapter select jumps to chapter 2.
                messages.locator("button.select-trigger").first.click()
                page.locator("[role=option]", has_text="2. Part 2").first.click()
                messages.get_by_text(PAGES[1][:30]).first.wait_for()
                # /continue opens a second message at the same place.
                _slash(page, "continue")
                page.wait_for_function(
                    "text => [...document.querySelectorAll('#channel-message-list "
                    ".embed-description')].filter(e => e.textContent.includes(text)).length"
                    " === 2", arg=PAGES[1][:30])
                _slash(page, "bookmark add")
                messages.get_by_text("Bookmarked page 2 of").first.wait_for()
                _slash(page, "progress")
                messages.get_by_text("Your shelf").first.wait_for()
                _slash(page, "quote")
                messages.locator("button", has_text="Read from here").first.wait_for()
                _slash(page, "library")
                messages.get_by_text("The library").first.wait_for()
                page.screenshot(path=str(tmp_path / "reading.png"))
                # Back on the front page, #quotes shows the schedule's first post.
                page.go_back()
                page.get_by_role("button", name="#quotes").click()
                page.locator("#channel-message-list button",
                             has_text="Read from here").first.wait_for(timeout=30_000)
                assert page.locator("#channel-message-list").get_by_text(
                    "The Tally, by Test Author").count() == 1
                page.screenshot(path=str(tmp_path / "quotes.png"))
                # Ending the page's session leaves the server running: the front page opens
                # #reading again, with what was posted there.
                page.locator("details.session-menu summary").click()
                page.locator("#close").click()
                page.goto(url)
                page.get_by_role("button", name="#reading").click()
                page.locator("#channel-message-list").get_by_text("The library").first.wait_for()
            finally:
                browser.close()
    finally:
        rest = _stop(process)
    assert process.returncode == 0, rest
    # What the page showed is what the database holds.
    with sqlite3.connect(tmp_path / "demo.sqlite3") as db:
        assert db.execute("SELECT count(*) FROM progress").fetchone()[0] == 1
        assert db.execute("SELECT count(*) FROM bookmarks").fetchone()[0] == 1
        assert db.execute("SELECT count(*) FROM posted_quotes").fetchone()[0] >= 1


def _run_demo(*args: str, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "bot", "demo", "--no-browser", *args], cwd=ROOT,
                          capture_output=True, text=True, timeout=30,
                          env={**os.environ, "DISCORD_TOKEN": "", **env})


def test_a_port_in_use_is_refused_with_a_reason(tmp_path):
    import socket

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = _run_demo("--port", str(port), DATABASE_PATH=str(tmp_path / "db.sqlite3"))
    assert result.returncode == 2
    assert f"cannot listen on 127.0.0.1 port {port}" in result.stderr
    assert "Traceback" not in result.stderr


def test_bad_settings_are_listed_not_raised(tmp_path):
    result = _run_demo(PAGE_CHARS="lots", DATABASE_PATH=str(tmp_path / "db.sqlite3"))
    assert result.returncode == 2
    assert "storybot demo cannot start" in result.stderr
    assert "PAGE_CHARS" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_database_it_cannot_use_is_refused_with_a_reason(tmp_path):
    database = tmp_path / "db.sqlite3"
    database.write_text("a shopping list, not a database\n")
    result = _run_demo(DATABASE_PATH=str(database))
    assert result.returncode == 2
    assert "is not a SQLite database" in result.stderr
    assert "Traceback" not in result.stderr
    assert database.read_text() == "a shopping list, not a database\n"
