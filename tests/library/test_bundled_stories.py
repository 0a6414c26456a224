"""Every story shipped in stories/ loads cleanly and reads well."""

from pathlib import Path

import pytest

from bot.library.catalogue import Library
from bot.text.markup import to_plain
from tests.helpers import held

STORIES = Path(__file__).resolve().parents[2] / "stories"


@pytest.fixture(scope="module")
def library():
    return Library.load(STORIES)


def test_every_bundled_story_loads_without_error_or_warning(library):
    assert library.errors == []
    assert library.warnings == []
    assert len(library) >= 3


def test_bundled_library_has_one_story_per_text_format(library):
    suffixes = {Path(library.entry(s.id).file).suffix for s in library}
    assert {".md", ".txt", ".html"} <= suffixes
    assert any((STORIES / f"{Path(library.entry(s.id).file).stem}.toml").exists()
               for s in library if library.entry(s.id).file.endswith(".txt"))


def test_one_bundled_story_is_rated_mature_and_every_one_carries_a_rating(library):
    ratings = {s.id: s.meta.rating for s in library}
    assert "Mature" in ratings.values()
    # Servers gate Not Rated stories like Mature: a bundled story always says what it is.
    assert "Not Rated" not in ratings.values(), ratings


def test_bundled_stories_have_full_metadata_and_several_pages(library):
    for story in library:
        assert story.title and story.meta.author, story.id
        assert story.meta.summary, story.id
        paged = held(library, story.id).paged()
        assert len(paged) >= 3, story.id
        for page in paged.pages:
            text = paged.text(page)
            assert 0 < len(text) <= 4096
            assert to_plain(text).strip()
