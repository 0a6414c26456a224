"""Fixtures every test package may use: the core's services on a real library and database."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.library import shelf
from bot.library.catalogue import Library
from bot.services import Services
from bot.storage.database import Database
from tests.ao3_site import FakeTime, serve_ao3
from tests.helpers import write_small_library


@pytest.fixture
async def services(tmp_path: Path):
    """The services the bot builds at start-up, on a real SQLite file and story folder."""
    library = Library.load(write_small_library(tmp_path / "library"))
    database = await Database.open(tmp_path / "services.sqlite3")
    yield Services(database, library, page_chars=500)
    await database.close()


@pytest.fixture
def parses(monkeypatch) -> list[str]:
    """The files parsed from now on, by path relative to the stories folder."""
    calls: list[str] = []
    real = shelf.read_story

    def counting(root: Path, path: Path, *args):
        calls.append(path.relative_to(root).as_posix())
        return real(root, path, *args)

    monkeypatch.setattr(shelf, "read_story", counting)
    return calls


@pytest.fixture
def fake_time() -> FakeTime:
    """The clock and sleep the AO3 client is given in tests: waits take no real time."""
    return FakeTime()


@pytest.fixture
async def ao3(fake_time):
    """A stand-in for AO3 on localhost (`tests/ao3_site.py`), on the fake clock."""
    async with serve_ao3(fake_time) as site:
        yield site
