"""Demo start-up benchmark: from `python -m bot demo` to a page a person can type in.

    python bench/demo.py [--runs 5]

Starts the demo on the bundled stories with a temporary database, as a newcomer would, and
prints, over the runs:
- command to address printed (Python start-up, library load, the bot's start-up settled);
- the demo's own "Ready in" figure (the part inside the process);
- with playwright and Chromium installed: address to the front page loaded, and to `#reading`
  shown with its composer ready, in headless Chromium.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                 "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]


def _chromium() -> str | None:
    if Path("/usr/bin/chromium").is_file():
        return "/usr/bin/chromium"
    return shutil.which("chromium")


def one_run(browser_type, chromium: str | None, profile: Path) -> dict[str, float]:
    env = {**os.environ, "DISCORD_TOKEN": "", "PYTHONUNBUFFERED": "1"}
    for name in ("DISPLAY", "WAYLAND_DISPLAY", "DATABASE_PATH", "STORIES_DIR"):
        env.pop(name, None)
    started = time.perf_counter()
    process = subprocess.Popen([sys.executable, "-m", "bot", "demo", "--no-browser"], cwd=ROOT,
                               env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                               text=True)
    figures: dict[str, float] = {}
    try:
        url = None
        while url is None or "inside" not in figures:
            line = process.stdout.readline()
            if not line:
                raise RuntimeError("the demo stopped before it was ready")
            if match := re.search(r"(http://127\.0\.0\.1:\d+/\S*)", line):
                url = match.group(1)
                figures["address"] = time.perf_counter() - started
            if match := re.search(r"Ready in ([\d.]+) s", line):
                figures["inside"] = float(match.group(1))
        if browser_type is not None and chromium is not None:
            context = browser_type.launch_persistent_context(
                str(profile), executable_path=chromium, args=CHROMIUM_ARGS,
                viewport={"width": 1200, "height": 900})
            try:
                page = context.new_page()
                opened = time.perf_counter()
                page.goto(url)
                page.get_by_role("button", name="#reading").wait_for()
                figures["front"] = time.perf_counter() - opened
                page.get_by_role("button", name="#reading").click()
                page.locator("#channel-composer-input").wait_for()
                figures["reading"] = time.perf_counter() - opened
            finally:
                context.close()
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.communicate(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.communicate()
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        sync_playwright = None
    chromium = _chromium()
    runs: list[dict[str, float]] = []
    with tempfile.TemporaryDirectory() as scratch:
        if sync_playwright is not None and chromium is not None:
            with sync_playwright() as playwright:
                for index in range(args.runs):
                    runs.append(one_run(playwright.chromium, chromium,
                                        Path(scratch) / f"profile-{index}"))
        else:
            print("(no playwright or Chromium: browser figures skipped)")
            for index in range(args.runs):
                runs.append(one_run(None, None, Path(scratch) / f"profile-{index}"))
    labels = {
        "address": "command to address printed",
        "inside": "inside the demo (its 'Ready in')",
        "front": "address to front page loaded",
        "reading": "address to #reading ready to type",
    }
    print(f"python -m bot demo, bundled stories, {args.runs} runs (seconds: median, min, max)")
    for key, label in labels.items():
        values = [run[key] for run in runs if key in run]
        if values:
            print(f"  {label:<36} {statistics.median(values):6.2f} {min(values):6.2f} "
                  f"{max(values):6.2f}")


if __name__ == "__main__":
    main()
