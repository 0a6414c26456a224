"""Server stories benchmark: adding a 2 MB work by upload, and a check pass over followed works.

    python bench/server_stories.py [--works 1000] [--runs 5]

Prints:
- adding a generated 2 MB AO3 HTML download to a server, as `/stories add file:` does it:
  parsing and storing (`StoriesService.add_file`), then bringing the search index to it
  (the background pass), median of `--runs` uploads of changed bytes;
- a scheduled check pass over `--works` followed works in progress: deciding which are due
  (one query) and, per work, what the check decides when AO3 reports no new chapter, with
  AO3 answered in process (no network, no waiting), so the figure is the bot's own cost; the
  requests themselves go out one at a time `AO3_DELAY_S` apart, which is what a pass costs
  in time, and is printed beside it.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from pathlib import Path

import _common  # noqa: F401 - puts the project on the import path

from bench.generate import single_html
from bot.ao3.client import DEFAULT_DELAY_S
from bot.ao3.pages import WorkStatus
from bot.library.admin import AddedAnswer
from bot.library.servers import Linked
from bot.library.shelf import StoredTexts, open_library
from bot.services import Services
from bot.storage.database import Database

GUILD = 1
ADMIN = 7


class QuietAo3:
    """Answers `work_status` at once with an unchanged work: the bot's side of a check."""

    base_url = "https://archiveofourown.org"

    def __init__(self, chapters: int) -> None:
        self.chapters = chapters
        self.requests = 0

    async def work_status(self, work_id: int, progress=None) -> WorkStatus:
        self.requests += 1
        return WorkStatus(self.chapters, None, False, f"Work {work_id}")

    async def close(self) -> None:
        return None


async def start(folder: Path, database: Database, ao3=None) -> Services:
    texts = StoredTexts(database.stories)
    library = await open_library(folder, database.stories, texts, page_chars=1800,
                                 max_bytes=64 * 1024 * 1024)
    services = Services(database, library, page_chars=1800, texts=texts,
                        max_bytes=64 * 1024 * 1024, ao3=ao3)
    await services.start()
    await services.catalogue.rebuilt()
    return services


async def bench_upload(root: Path, runs: int) -> None:
    data = single_html(2_000_000)
    database = await Database.open(root / "upload.sqlite3")
    services = await start(root / "empty", database)
    adds, indexes = [], []
    for run in range(runs):
        changed = data.replace(b"</body>", f"<p>Run {run}.</p></body>".encode())
        started = time.perf_counter()
        answer = await services.stories.add_file(GUILD, ADMIN, f"work-{run}.html", changed)
        added = time.perf_counter()
        await services.catalogue.rebuilt()
        indexed = time.perf_counter()
        assert isinstance(answer, AddedAnswer), answer
        adds.append(added - started)
        indexes.append(indexed - added)
    await services.shutdown()
    await database.close()
    print(f"add a 2 MB AO3 download ({len(data) / 1e6:.2f} MB) by upload: parse and store "
          f"{statistics.median(adds) * 1000:.0f} ms, search index "
          f"{statistics.median(indexes) * 1000:.0f} ms (medians of {runs})")


async def bench_checks(root: Path, works: int) -> None:
    database = await Database.open(root / "checks.sqlite3")
    ao3 = QuietAo3(chapters=3)
    services = await start(root / "empty", database, ao3=ao3)
    story = ("---\ntitle: Followed\nrating: General Audiences\n---\n\n"
             "# One\n\nThe first chapter.\n\n# Two\n\nThe second.\n\n# Three\n\nThe third.")
    started = time.perf_counter()
    for number in range(works):
        text = story.replace("Followed", f"Followed {number}")
        answer = await services.stories.add_file(
            GUILD, ADMIN, f"work-{number}.md", text.encode(),
            linked=Linked(10_000 + number, 3, False), now=0.0)
        assert isinstance(answer, AddedAnswer), answer
        await database.follows.follow(100 + number, answer.story_id, GUILD, now=0.0)
    setup = time.perf_counter() - started
    await services.catalogue.rebuilt()
    now = services.updates.interval + 1.0
    started = time.perf_counter()
    due = await services.updates.due(now)
    decided = time.perf_counter() - started
    started = time.perf_counter()
    for story_id in due:
        await services.updates.check(story_id, now=now)
    passed = time.perf_counter() - started
    again = await services.updates.due(now)
    await services.shutdown()
    await database.close()
    print(f"{works} followed works in progress (set up in {setup:.1f} s):")
    print(f"  which are due: {decided * 1000:.1f} ms for {len(due)} due")
    print(f"  the pass, AO3 answered in process: {passed:.2f} s, "
          f"{passed / max(len(due), 1) * 1000:.2f} ms a work, {ao3.requests} requests; "
          f"{len(again)} still due after it")
    print(f"  the same pass against AO3 takes at least {len(due) * DEFAULT_DELAY_S / 60:.0f} "
          f"min of requests {DEFAULT_DELAY_S:.0f} s apart (one request a work when nothing "
          "changed)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--works", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        (root / "empty").mkdir()
        asyncio.run(bench_upload(root, args.runs))
        asyncio.run(bench_checks(root, args.works))


if __name__ == "__main__":
    main()
