"""A reader's place survives the process being killed at any moment, on SQLite and on
PostgreSQL."""

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

import pytest

from bot.storage.database import Database
from bot.storage.progress import PageMessage
from tests.durability_child import MESSAGE, STORY, USER

ROOT = Path(__file__).resolve().parent.parent
KILLS = 50


def start_child(database: Path | str) -> tuple[subprocess.Popen, int]:
    child = subprocess.Popen(
        [sys.executable, "-m", "tests.durability_child", str(database)],
        cwd=ROOT, stdout=subprocess.PIPE, text=True, bufsize=1,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    ready = child.stdout.readline().split()
    assert ready[0] == "ready", ready
    return child, int(ready[1])


def stored(database: Path | str) -> tuple[int, int, int, str]:
    """(pages turned, position, the reading message's position, anchor) as stored."""
    if isinstance(database, Path):
        with sqlite3.connect(database) as raw:
            assert raw.execute("PRAGMA integrity_check").fetchone()[0] == "ok"

    async def read() -> tuple[int, int, int, str]:
        db = await Database.open(database)
        try:
            progress = await db.progress.get(USER, STORY)
            reading = await db.messages.get(MESSAGE)
        finally:
            await db.close()
        if progress is None:
            return 0, 0, reading.position, ""
        return progress.pages_turned, progress.position, reading.position, progress.anchor

    return asyncio.run(read())


@pytest.fixture
def durable_target(backend, tmp_path, request):
    """The database the children write: a SQLite file, or a database on the PostgreSQL
    cluster (whose server is not the process killed)."""
    if backend == "sqlite":
        yield tmp_path / "durable.sqlite3"
        return
    cluster = request.getfixturevalue("postgres_cluster")
    url = asyncio.run(cluster.create_database())
    yield url
    asyncio.run(cluster.drop_database(url))


def test_acknowledged_turns_survive_sigkill(durable_target):
    database = durable_target

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
