"""Fixtures every test package may use: the core's services on a real library and database."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.library.catalogue import Library
from bot.services import Services
from bot.storage.database import Database
from tests.helpers import write_small_library


@pytest.fixture
async def services(tmp_path: Path):
    """The services the bot builds at start-up, on a real SQLite file and story folder."""
    library = Library.load(write_small_library(tmp_path / "library"))
    database = await Database.open(tmp_path / "services.sqlite3")
    yield Services(database, library, page_chars=500)
    await database.close()
