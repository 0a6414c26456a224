"""Two bot processes, shards 0 and 1 of 2, on one PostgreSQL database.

Each runs the real bot against a SimCord of its own (`tests/shard_child.py`), with a
server on its shard; both read the same stories folder. What one process stores, the other
reads: a member's place, the library after a reload. A scheduled quote is posted once in
all, by the process holding its server's shard. A process killed mid-turn loses no turn it
acknowledged, and the other goes on serving.
"""

from __future__ import annotations

import asyncio
import json
import os
import select
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.helpers import write_small_library, write_story

ROOT = Path(__file__).resolve().parent.parent
#: How long a process may take to answer one command (start-up included).
PATIENCE = 60.0


class Process:
    """A bot process, driven one JSON command per line."""

    def __init__(self, url: str, stories: Path, shard: int, log: Path) -> None:
        self.log = log
        self._errors = log.open("w")
        self.child = subprocess.Popen(
            [sys.executable, "-m", "tests.shard_child", url, str(stories), str(shard)],
            cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self._errors,
            env={**os.environ, "PYTHONPATH": str(ROOT)},
        )
        self._buffer = b""
        self.ready = self.answer()
        assert self.ready.get("ready"), self.ready

    def answer(self, patience: float = PATIENCE) -> dict:
        deadline = time.monotonic() + patience
        out = self.child.stdout.fileno()
        while b"\n" not in self._buffer:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([out], [], [], left)[0]:
                raise AssertionError(f"the process said nothing for {patience} s:\n"
                                     + self.log.read_text()[-3000:])
            chunk = os.read(out, 65536)
            if not chunk:
                raise AssertionError("the process ended:\n" + self.log.read_text()[-3000:])
            self._buffer += chunk
        line, _, self._buffer = self._buffer.partition(b"\n")
        return json.loads(line)

    def send(self, **command: object) -> None:
        self.child.stdin.write(json.dumps(command).encode() + b"\n")
        self.child.stdin.flush()

    def ask(self, **command: object) -> dict:
        self.send(**command)
        return self.answer()

    def kill(self) -> None:
        self.child.send_signal(signal.SIGKILL)
        self.child.wait()

    def stop(self) -> None:
        if self.child.poll() is None:
            self.child.stdin.close()
            try:
                self.child.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.kill()
        self.child.stdout.close()
        self._errors.close()


@pytest.fixture
def shared(postgres_cluster, tmp_path):
    """One database, one stories folder; the processes are started by each test."""
    url = asyncio.run(postgres_cluster.create_database())
    stories = write_small_library(tmp_path / "stories")
    started: list[Process] = []

    def start(shard: int) -> Process:
        process = Process(url, stories, shard, tmp_path / f"shard-{shard}.log")
        started.append(process)
        return process

    yield start, stories
    for process in started:
        process.stop()
    asyncio.run(postgres_cluster.drop_database(url))


def test_each_process_runs_its_own_shard(shared):
    start, _ = shared
    first, second = start(0), start(1)
    assert (first.ready["guild"] >> 22) % 2 == 0
    assert (second.ready["guild"] >> 22) % 2 == 1
    # The same member in both: what one stores about alice, the other reads.
    assert first.ready["alice"] == second.ready["alice"]


def test_a_place_saved_through_one_process_is_read_through_the_other(shared):
    start, _ = shared
    first, second = start(0), start(1)
    assert first.ask(do="read", story="lantern")["title"] == "The Lantern Keeper"
    first.send(do="turn", times=3)
    assert [first.answer()["page"] for _ in range(3)] == [2, 3, 4]
    reopened = second.ask(do="continue")
    assert reopened == {"page": 4, "title": "The Lantern Keeper"}


def test_a_schedule_due_in_each_shards_server_is_posted_once_in_all(shared):
    start, _ = shared
    first, second = start(0), start(1)
    for process in (first, second):
        assert "Schedule #" in process.ask(do="schedule", time="00:30")["text"]
    # An hour passes for the first process: it posts its own server's quote, and leaves the
    # other server's schedule (whose channel it cannot see) alone.
    assert first.ask(do="advance", seconds=3600)["posts"] == 1
    assert second.ask(do="schedules") == {"paused": [None]}
    assert second.ask(do="advance", seconds=3600)["posts"] == 1
    assert first.ask(do="advance", seconds=60)["posts"] == 1
    assert first.ask(do="schedules") == {"paused": [None]}


def test_a_story_added_through_one_process_is_readable_through_the_other(shared):
    start, stories = shared
    first, second = start(0), start(1)
    write_story(stories, "late", title="A Late Arrival", rating="General Audiences",
                chapters=1, paragraphs=3)
    assert "A Late Arrival" in first.ask(do="reload")["text"]
    deadline = time.monotonic() + 30
    while not second.ask(do="has", story="late")["found"]:
        assert time.monotonic() < deadline, "the other process never heard of the reload"
        time.sleep(0.1)
    assert second.ask(do="read", story="late")["title"] == "A Late Arrival"


def test_a_process_killed_mid_turn_loses_no_acknowledged_turn(shared):
    start, stories = shared
    write_story(stories, "long", title="The Long Road", rating="General Audiences",
                chapters=12, paragraphs=40)
    first, second = start(0), start(1)
    assert first.ask(do="read", story="long")["title"] == "The Long Road"
    first.send(do="turn", times=5000)
    acknowledged = 0
    while acknowledged < 25:
        acknowledged = first.answer()["page"]
    first.kill()
    assert first.child.returncode == -signal.SIGKILL
    # The last acknowledged page was saved; a turn under way when the signal came may
    # have been saved too.
    reopened = second.ask(do="continue")
    assert reopened["title"] == "The Long Road"
    assert reopened["page"] in (acknowledged, acknowledged + 1)
    # The other process keeps serving.
    assert second.ask(do="turn", times=1)["page"] == reopened["page"] + 1
