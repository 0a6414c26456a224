"""Fixtures every test package may use: the core's services on a real library and database."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from bot.library import shelf
from bot.library.catalogue import Library
from bot.services import Services
from bot.storage.database import Database
from tests import postgres_server
from tests.ao3_site import FakeTime, serve_ao3
from tests.helpers import write_small_library


@pytest.fixture(scope="session")
def postgres_cluster():
    """A throwaway PostgreSQL cluster for the whole run (`tests/postgres_server.py`).

    Without PostgreSQL's server programs its tests skip, saying what to install, except
    where `.ci/run` requires them: there they fail.
    """
    try:
        cluster = postgres_server.start()
    except postgres_server.Unavailable as exc:
        if os.environ.get(postgres_server.REQUIRED):
            pytest.fail(str(exc))
        pytest.skip(str(exc))
    yield cluster
    cluster.stop()


@pytest.fixture(params=["sqlite", "postgresql"])
def backend(request) -> str:
    """Each database test runs on SQLite and on PostgreSQL."""
    return request.param


@pytest.fixture
async def database_target(backend: str, tmp_path: Path, request):
    """Where the test's database is: a SQLite file in `tmp_path`, or a new, empty database
    on the PostgreSQL cluster (dropped afterwards)."""
    if backend == "sqlite":
        yield tmp_path / "bot.sqlite3"
        return
    cluster = request.getfixturevalue("postgres_cluster")
    url = await cluster.create_database()
    yield url
    await cluster.drop_database(url)


@pytest.fixture
async def database(database_target):
    """The test's database, opened as the bot opens it (SQLite or PostgreSQL)."""
    database = await Database.open(database_target)
    yield database
    await database.close()


@pytest.fixture
def db(database):
    """`database`, under the short name the storage tests use."""
    return database


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """A stories folder with the three small original stories (`write_small_library`)."""
    return write_small_library(tmp_path / "stories")


@pytest.fixture
async def databases(database_target):
    """Two processes' handles on one database (for SQLite, on the same file)."""
    first = await Database.open(database_target)
    second = await Database.open(database_target)
    yield first, second
    await first.close()
    await second.close()


@pytest.fixture
async def services(tmp_path: Path, database_target):
    """The services the bot builds at start-up, on a real database and story folder."""
    library = Library.load(write_small_library(tmp_path / "library"))
    database = await Database.open(database_target)
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
