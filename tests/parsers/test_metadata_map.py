"""Metadata from front matter and `NAME.toml` sidecars, for stories of every format."""

from pathlib import Path

import pytest

from bot.library.catalogue import Library
from bot.parsers import parse_story
from bot.parsers.metadata_map import metadata_fields, sidecar_fields
from bot.text.story import StoryError

AO3 = Path(__file__).resolve().parent.parent / "fixtures" / "ao3" / "oneshot.html"
MARKDOWN = b"---\ntitle: Tidewater\nrating: Explicit\ntags: [Boats]\n---\n\nThe tide came in.\n"


def test_only_the_keys_given_are_fields():
    warnings: list[str] = []
    fields = metadata_fields({"Rating": "NC-17", "title": "", "tag": "Rain, Boats",
                              "colour": "blue"}, where="x.toml", warnings=warnings)
    assert fields == {"rating": "Explicit", "tags": ("Rain", "Boats")}
    assert warnings == ["x.toml: unknown key 'colour' ignored"]


def test_a_summary_of_html_paragraphs_is_several_paragraphs():
    fields = metadata_fields({"summary": "<p>The tide came in.</p><p>Nobody *left*.</p>"},
                             where="front matter")
    assert [block.plain for block in fields["summary"]] == ["The tide came in.", "Nobody left."]


def test_a_sidecar_rates_an_ao3_download_and_keeps_the_rest_of_its_metadata():
    plain = parse_story(AO3.read_bytes(), "oneshot.html")
    rated = parse_story(AO3.read_bytes(), "oneshot.html", b'rating = "Explicit"\n')
    assert plain.meta.rating != "Explicit" and rated.meta.rating == "Explicit"
    assert (rated.title, rated.meta.author, rated.meta.fandoms) == (
        plain.title, plain.meta.author, plain.meta.fandoms)
    assert rated.chapters == plain.chapters


def test_a_sidecar_wins_over_front_matter():
    story = parse_story(MARKDOWN, "tide.md", b'title = "Low Water"\nrating = "Teen"\n')
    assert (story.title, story.meta.rating, story.meta.tags) == (
        "Low Water", "Teen And Up Audiences", ("Boats",))


def test_an_odd_rating_in_a_sidecar_is_noted_with_the_sidecar_named():
    story = parse_story(MARKDOWN, "tide.md", b'rating = "spicy"\n')
    assert story.meta.rating == "Explicit"
    assert any(w.startswith("tide.toml: rating 'spicy' is not one the bot knows")
               for w in story.warnings)


@pytest.mark.parametrize(("data", "reason"), [
    (b"rating = \n", r"^tide\.toml: .*line 1"),
    (b"tags = 5\n", r"^tide\.toml: 'tags' should be"),
    (b'title = "caf\xe9"\n', r"^tide\.toml: not UTF-8"),
])
def test_a_broken_sidecar_is_an_error_naming_it(data, reason):
    with pytest.raises(StoryError, match=reason):
        parse_story(MARKDOWN, "tide.md", data)
    with pytest.raises(StoryError, match=reason):
        sidecar_fields(data, where="tide.toml", warnings=[])


def test_the_library_reads_the_sidecar_beside_a_file_of_any_format(tmp_path):
    (tmp_path / "oneshot.html").write_bytes(AO3.read_bytes())
    (tmp_path / "oneshot.toml").write_text('rating = "Mature"\ntags = ["Rain"]\n')
    (tmp_path / "tide.md").write_bytes(MARKDOWN)
    library = Library.load(tmp_path)
    assert library.get("oneshot").meta.rating == "Mature"
    assert library.get("oneshot").meta.tags == ("Rain",)
    assert library.get("tide").meta.rating == "Explicit"
    assert library.errors == []
