"""`python -m bot` when the database or the network is not what it should be.

Each case runs the real entry point in a subprocess on a temporary database and stories
folder. `DISCORD_PROXY` points at a closed local port, so nothing here needs the internet:
a bot that got past its start-up checks would only retry, and the test would time out.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import discord
import pytest
from aiohttp import web

from bot.app import serve
from bot.backoff import Backoff
from bot.config import Config
from bot.storage.database import Database, migrations

ROOT = Path(__file__).resolve().parent.parent
TOKEN = "MTIzNDU2Nzg5MDEyMzQ1Njc4OQ.GaBcDe.abcdefghijklmnopqrstuvwxyz0123456789AB"
KNOWN = migrations()[-1][0]

#: Runs `python -m bot` without CAP_DAC_OVERRIDE, so that root, as CI runs, meets file
#: permissions as any other user does (capget and capset are glibc's wrappers).
WITHOUT_OVERRIDE = """
import ctypes, runpy
libc = ctypes.CDLL(None, use_errno=True)
class Header(ctypes.Structure):
    _fields_ = [("version", ctypes.c_uint32), ("pid", ctypes.c_int)]
class Sets(ctypes.Structure):
    _fields_ = [("effective", ctypes.c_uint32), ("permitted", ctypes.c_uint32),
                ("inheritable", ctypes.c_uint32)]
header, sets = Header(0x20080522, 0), (Sets * 2)()
if libc.capget(ctypes.byref(header), sets) != 0:
    raise OSError(ctypes.get_errno(), "capget failed")
for name in ("effective", "permitted", "inheritable"):
    setattr(sets[0], name, getattr(sets[0], name) & ~(1 << 1))
if libc.capset(ctypes.byref(header), sets) != 0:
    raise OSError(ctypes.get_errno(), "capset failed")
runpy.run_module("bot", run_name="__main__", alter_sys=True)
"""


def closed_port() -> int:
    """A local port nothing listens on: connections to it are refused at once."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def environment(tmp_path: Path, database: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("DISCORD_", "DATABASE_", "STORIES_", "DEV_GUILD"))}
    stories = tmp_path / "stories"
    stories.mkdir(exist_ok=True)
    env.update(PYTHONPATH=str(ROOT), DISCORD_TOKEN=TOKEN, DATABASE_PATH=str(database),
               STORIES_DIR=str(stories), DISCORD_PROXY=f"http://127.0.0.1:{closed_port()}")
    return env


def start(tmp_path: Path, database: Path, *, as_user: bool = False):
    """Run the bot to its end; `as_user` holds root, too, to the files' permissions."""
    code = ["-c", WITHOUT_OVERRIDE] if as_user and os.geteuid() == 0 else ["-m", "bot"]
    return subprocess.run([sys.executable, *code], cwd=tmp_path,
                          env=environment(tmp_path, database), capture_output=True,
                          text=True, timeout=60)


def snapshot(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in folder.iterdir() if p.is_file()}


async def leave_a_database(path: Path) -> None:
    """A database as storybot leaves it, with one reader's place in it."""
    database = await Database.open(path)
    await database.progress.record_page(7, "lantern", position=0, anchor="", page_end=900,
                                        length=9000)
    await database.close()


def make_database(path: Path, *, version: int) -> None:
    with sqlite3.connect(path) as raw:
        raw.execute("CREATE TABLE progress (user_id INTEGER, story_id TEXT)")
        raw.execute("INSERT INTO progress VALUES (7, 'lantern')")
        raw.execute(f"PRAGMA user_version = {version}")
    raw.close()


@pytest.mark.parametrize("content", [os.urandom(8192), b"progress: chapter 3, page 12\n" * 40],
                         ids=["random-bytes", "text"])
def test_a_file_that_is_not_a_database_stops_with_one_message(tmp_path, content):
    folder = tmp_path / "data"
    folder.mkdir()
    database = folder / "storybot.sqlite3"
    database.write_bytes(content)
    result = start(tmp_path, database)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert f"{database} is not a SQLite database (or is damaged)" in result.stderr
    assert "DATABASE_PATH" in result.stderr
    assert snapshot(folder) == {"storybot.sqlite3": content}


@pytest.mark.parametrize("locked", ["file", "folder", "folder-without-the-file"])
def test_a_database_the_bot_cannot_write_is_refused_at_start(tmp_path, locked):
    folder = tmp_path / "data"
    folder.mkdir()
    database = folder / "storybot.sqlite3"
    if locked != "folder-without-the-file":
        asyncio.run(leave_a_database(database))  # in WAL mode and migrated: only writes fail
    before = snapshot(folder).get(database.name)
    target = database if locked == "file" else folder
    mode = target.stat().st_mode & 0o777
    target.chmod(0o444 if locked == "file" else 0o555)
    try:
        result = start(tmp_path, database, as_user=True)
    finally:
        target.chmod(mode)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert f"make {database} and its folder writable by the bot's user" in result.stderr
    assert snapshot(folder).get(database.name) == before


def test_a_database_from_a_newer_storybot_is_refused_and_left_alone(tmp_path):
    folder = tmp_path / "data"
    folder.mkdir()
    database = folder / "storybot.sqlite3"
    make_database(database, version=KNOWN + 4)
    before = snapshot(folder)
    result = start(tmp_path, database)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert (f"{database} was written by a newer storybot (schema {KNOWN + 4}; this one "
            f"knows {KNOWN}): upgrade storybot, or point DATABASE_PATH at another file"
            ) in result.stderr
    assert snapshot(folder) == before


def test_a_database_path_inside_a_file_is_refused(tmp_path):
    (tmp_path / "notes").write_text("not a folder\n")
    result = start(tmp_path, tmp_path / "notes" / "storybot.sqlite3")
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert f"{tmp_path / 'notes'} is a file, not a folder" in result.stderr
    assert (tmp_path / "notes").read_text() == "not a folder\n"


class Lines:
    """A process's stderr, read line by line in the background."""

    def __init__(self, stream) -> None:
        self.lines: list[str] = []
        self._thread = threading.Thread(target=self._read, args=(stream,), daemon=True)
        self._thread.start()

    def _read(self, stream) -> None:
        for line in stream:
            self.lines.append(line)

    def wait_for(self, text: str, timeout: float = 60) -> None:
        """Until a line holds `text`; fails when the stream ends or `timeout` passes first."""
        deadline = time.monotonic() + timeout
        while True:
            reading = self._thread.is_alive()
            if any(text in line for line in self.lines):
                return
            if not reading or time.monotonic() > deadline:
                raise AssertionError(f"no line with {text!r} in:\n{''.join(self.lines)}")
            time.sleep(0.05)

    def text(self) -> str:
        self._thread.join(timeout=30)
        return "".join(self.lines)


@pytest.mark.parametrize(("stop", "status", "attempts"),
                         [(signal.SIGINT, 130, 2), (signal.SIGTERM, 0, 1)],
                         ids=["sigint", "sigterm"])
def test_unreachable_discord_is_retried_until_stopped(tmp_path, stop, status, attempts):
    env = environment(tmp_path, tmp_path / "storybot.sqlite3")
    process = subprocess.Popen([sys.executable, "-m", "bot"], cwd=tmp_path, env=env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        err = Lines(process.stderr)
        for attempt in range(1, attempts + 1):
            err.wait_for(f"Could not reach Discord (attempt {attempt})")
        process.send_signal(stop)
        assert process.wait(timeout=30) == status
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    stderr = err.text()
    assert "Traceback" not in stderr
    tries = [line for line in stderr.splitlines() if "Could not reach Discord" in line]
    assert len(tries) == attempts
    assert "Cannot connect to host" in tries[0]
    waits = [int(re.search(r"next try in (\d+) s", line).group(1)) for line in tries]
    assert waits[0] in (4, 5)
    assert waits == sorted(set(waits))


@pytest.fixture
async def fake_discord(monkeypatch):
    """A local Discord that answers `GET /users/@me` with the statuses in `answers`."""
    answers: list[int] = []
    seen: list[str] = []

    async def me(request: web.Request) -> web.Response:
        seen.append(request.path)
        status = answers.pop(0) if answers else 401
        return web.json_response({"message": "no", "code": 0}, status=status)

    app = web.Application()
    app.router.add_get("/api/v10/users/@me", me)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]
    monkeypatch.setattr(discord.http.Route, "BASE", f"http://127.0.0.1:{port}/api/v10")
    yield answers, seen
    await runner.cleanup()


async def test_a_refused_token_is_not_retried(tmp_path, fake_discord, capsys):
    answers, seen = fake_discord
    answers.append(401)
    config = Config(token=TOKEN, stories_dir=tmp_path, database_path=tmp_path / "db.sqlite3")
    assert await serve(config, backoff=Backoff(first=0.01, jitter=0)) == 2
    assert seen == ["/api/v10/users/@me"]
    assert "Discord refused DISCORD_TOKEN" in capsys.readouterr().err


async def test_discord_being_down_is_retried_then_a_refusal_stops(tmp_path, fake_discord,
                                                                  caplog):
    answers, seen = fake_discord
    answers.extend([503, 503, 401])
    config = Config(token=TOKEN, stories_dir=tmp_path, database_path=tmp_path / "db.sqlite3")
    assert await serve(config, backoff=Backoff(first=0.01, jitter=0)) == 2
    assert len(seen) == 3
    tries = [r.getMessage() for r in caplog.records
             if "Could not reach Discord" in r.getMessage()]
    assert len(tries) == 2
    assert "503" in tries[0]


async def test_a_proxy_password_never_reaches_the_log(tmp_path, caplog):
    async def refuse(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readuntil(b"\r\n\r\n")
        writer.write(b"HTTP/1.1 407 Proxy Authentication Required\r\ncontent-length: 0\r\n\r\n")
        await writer.drain()
        writer.close()

    proxy = await asyncio.start_server(refuse, "127.0.0.1", 0)
    port = proxy.sockets[0].getsockname()[1]
    config = Config(token=TOKEN, stories_dir=tmp_path, database_path=tmp_path / "db.sqlite3",
                    proxy=f"http://reader:s3cr%40t@127.0.0.1:{port}")
    running = asyncio.create_task(serve(config, backoff=Backoff(first=0.01, jitter=0)))
    try:
        while len([r for r in caplog.records if "Could not reach" in r.getMessage()]) < 2:
            assert not running.done(), running
            await asyncio.sleep(0.01)
    finally:
        running.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await running
        proxy.close()
        await proxy.wait_closed()
    tries = [r.getMessage() for r in caplog.records if "Could not reach" in r.getMessage()]
    assert "407" in tries[0]
    assert not any("s3cr" in line for line in caplog.text.splitlines())
