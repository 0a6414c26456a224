"""A bot starting up on a changed stories folder, for the crash test of the story store.

    python -m tests.shelf_child DATABASE STORIES PAGE_CHARS

Prints `ready` once the database is open, then `parsing PATH` as each file's parse begins
(each parse made a little slower, so the test can kill the child in the middle of the
start), and `done N` if it ever finishes.
"""

from __future__ import annotations

import asyncio
import sys
import time
from pathlib import Path

from bot.library import shelf
from bot.library.catalogue import DEFAULT_MAX_BYTES
from bot.storage.database import Database

PARSE_DELAY_S = 0.02


def announce_parses() -> None:
    real = shelf.read_story

    def announced(root: Path, path: Path, *args):
        print(f"parsing {path.relative_to(root).as_posix()}", flush=True)
        time.sleep(PARSE_DELAY_S)
        return real(root, path, *args)

    shelf.read_story = announced


async def main(database_path: str, root: str, page_chars: str) -> None:
    database = await Database.open(database_path)
    announce_parses()
    print("ready", flush=True)
    library = await shelf.open_library(
        Path(root), database.stories, shelf.StoredTexts(database.stories),
        page_chars=int(page_chars), max_bytes=DEFAULT_MAX_BYTES)
    print(f"done {len(library)}", flush=True)
    await database.close()


if __name__ == "__main__":
    asyncio.run(main(*sys.argv[1:4]))
