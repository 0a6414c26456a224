"""A reader that turns pages as fast as it can, for the crash-durability test.

    python -m tests.durability_child DATABASE

Each turn is saved through the real database layer; only after `record_page` returns does
the child print `ack N`, so every acknowledged turn must survive the child being killed.
"""

from __future__ import annotations

import asyncio
import sys

from bot.storage.database import Database

USER, STORY, MESSAGE = 7, "endless", 4242


async def main(path: str) -> None:
    database = await Database.open(path)
    progress = await database.progress.get(USER, STORY)
    turn = progress.pages_turned if progress else 0
    print(f"ready {turn}", flush=True)
    while True:
        turn += 1
        await database.progress.record_page(
            USER, STORY, position=turn * 100, anchor=f"turn {turn}", page_end=turn * 100 + 99,
            length=10**9, words=10, message_id=MESSAGE,
        )
        print(f"ack {turn}", flush=True)


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1]))
