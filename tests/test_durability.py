"""A reader's place survives the process being killed at any moment."""

from __future__ import annotations

import asyncio
import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from bot.storage.database import Database
from bot.storage.progress import PageMessage
from tests.durability_child import MESSAGE, STORY, USER

ROOT = Path(__file__).resolve().parent.parent
KILLS = 50


def start_child(database: Path) -> tuple[subprocess.Popen, int]:
    child = subprocess.Popen(
        [sys.executable, "-m", "tests.durability_child", str(database)],
        cwd=ROOT, stdout=subprocess.PIPE, text=True, bufsize=1,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    ready = child.stdout.readline().split()
    assert ready[0] == "ready", ready
    return child, int(ready[1])


def stored(database: Path) -> tuple[int, int, int, str]:
    with sqlite3.connect(database) as raw:
        assert raw.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        turned, position = raw.execute(
            "SELECT pages_turned, position FROM progress WHERE user_id = ? AND story_id = ?",
            (USER, STORY),
        ).fetchone() or (0, 0)
        (reading,) = raw.execute(
            "SELECT position FROM readings WHERE message_id = ?", (MESSAGE,)
        ).fetchone()
        anchor = raw.execute(
            "SELECT anchor FROM progress WHERE user_id = ? AND story_id = ?", (USER, STORY)
        ).fetchone()
    return turned, position, reading, anchor[0] if anchor else ""


def test_acknowledged_turns_survive_sigkill(tmp_path):
    database = tmp_path / "durable.sqlite3"

    async def prepare() -> None:
        db = await Database.open(database)
        await db.messages.save(PageMessage(MESSAGE, 1, 2, USER, STORY, 0, "reactions"))
        await db.close()

    asyncio.run(prepare())
    rng = random.Random(1234)
    acknowledged = 0
    for _ in range(KILLS):
        child, resumed_from = start_child(database)
        # The child resumes from what is stored: nothing acknowledged was lost.
        assert resumed_from >= acknowledged
        wanted = rng.randint(1, 120)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            line = child.stdout.readline()
            if not line:
                break
            acknowledged = int(line.split()[1])
            if acknowledged - resumed_from >= wanted:
                break
        # Sometimes kill between two acknowledgements, sometimes mid-write.
        if rng.random() < 0.5:
            time.sleep(rng.random() * 0.004)
        child.send_signal(signal.SIGKILL)
        child.wait()
        child.stdout.close()
        turned, position, reading, anchor = stored(database)
        assert turned >= acknowledged
        # No turn lost or counted twice: the place is the one of the last turn counted.
        assert position == turned * 100
        # The reading message and the progress moved together, even when killed mid-turn.
        assert reading == position
        assert anchor == f"turn {turned}"
    assert acknowledged >= KILLS
