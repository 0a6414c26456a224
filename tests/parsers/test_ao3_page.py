"""AO3 work pages saved from the browser: read like the download of the same work."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.parsers import html as html_parser
from bot.text.story import BlockKind, Run, StoryError, Style

FIXTURES = Path(__file__).parent.parent / "fixtures" / "html"
PAGE = (FIXTURES / "ao3_work_page.html").read_bytes()
DOWNLOAD = (FIXTURES / "ao3_work_download.html").read_bytes()


@pytest.fixture(scope="module")
def page():
    return html_parser.parse(PAGE, "The Weir Keeper.html")


def test_saved_page_reads_like_the_download(page):
    download = html_parser.parse(DOWNLOAD, "The_Weir_Keeper.html")
    assert page.meta == download.meta
    assert page.chapters == download.chapters
    assert page.warnings == download.warnings == ()


def test_metadata_from_the_work_header(page):
    meta = page.meta
    assert meta.title == "The Weir Keeper"
    assert meta.author == "fernwhistle"
    assert meta.rating == "Mature"
    assert meta.warnings == ("No Archive Warnings Apply",)
    assert meta.categories == ("Gen",)
    assert meta.fandoms == ("Original Work",)
    assert meta.relationships == ("Maud Ellery & Teodor",)
    assert meta.characters == ("Maud Ellery", "Teodor (Original Work)")
    assert meta.tags == ("Rivers", "Floods, Droughts, and Other Weather")
    assert meta.language == "English"
    assert meta.series == ("Part 2 of Millwater", "Part 5 of River Stories, Collected")
    assert (meta.published, meta.updated, meta.completed) == ("2023-06-01", "2023-07-15", "")
    assert (meta.declared_words, meta.declared_chapters) == (1090, "2/3")
    assert meta.url == "https://archiveofourown.org/works/90000077"
    assert [b.plain for b in meta.summary] == ["Maud keeps the weir. The river keeps her."]
    assert meta.summary[0].runs[1] == Run("her", Style.ITALIC)
    assert [b.plain for b in meta.notes] == ["Written for a prompt about water levels."]
    assert [b.plain for b in meta.end_notes] == ["Chapter three is on its way."]


def test_chapters_titles_notes_and_text(page):
    assert [c.title for c in page.chapters] == ["High Water", "Chapter 2"]
    first, second = (c.blocks for c in page.chapters)
    assert [(b.kind, b.plain) for b in first] == [
        (BlockKind.NOTE, "The spring flood arrives early."),
        (BlockKind.NOTE, "Thank you to my patient beta."),
        (
            BlockKind.PARAGRAPH,
            "The river came up over the third stone in the night, which it had not done "
            "since Maud was a girl.",
        ),
        (
            BlockKind.PARAGRAPH,
            "“Boards,” she said to Teodor, who was already carrying them. “All of them — and "
            "the long ones.”",
        ),
        (BlockKind.BREAK, "⁂"),
        (BlockKind.PARAGRAPH, "By dawn the weir was singing, a low note that Maud felt in her "
         "teeth."),
        (BlockKind.NOTE, "The weir is based on one I walked past as a child."),
    ]
    assert second[-1].plain == "Teodor read it aloud anyway. Ελπίζω να σε βρει καλά, it began."


def test_site_chrome_is_never_story_text(page):
    text = page.plain
    for chrome in (
        "Chapter Text",
        "Archive of Our Own",
        "Log In",
        "Fandoms",
        "Kudos",
        "kudos",
        "Comments",
        "Loved the weir singing",
        "Footer",
        "Work Search",
        "See the end of",
        "Skip header",
        "Actions",
    ):
        assert chrome not in text


ONE_SHOT = """<html><head><title>Pebble - wrenna - Original Work</title></head><body>
<div id="header"><a href="/">Archive of Our Own</a><a href="/users/login">Log In</a></div>
<div id="main">
<ul class="work navigation actions"><li><a href="/works/90000088/share">Share</a></li></ul>
<dl class="work meta group"><dt class="rating tags">Rating:</dt>
<dd class="rating tags"><ul><li><a class="tag" href="/tags/E/works">Explicit</a></li></ul></dd>
<dt class="fandom tags">Fandom:</dt>
<dd class="fandom tags"><ul><li><a class="tag" href="/tags/O/works">Original Work</a></li></ul></dd>
<dt class="stats">Stats:</dt><dd class="stats"><dl class="stats"><dt class="published">Published:
</dt><dd class="published">2024-02-02</dd><dt class="words">Words:</dt><dd class="words">8</dd>
<dt class="chapters">Chapters:</dt><dd class="chapters">1/1</dd></dl></dd></dl>
<div id="workskin"><div class="preface group"><h2 class="title heading">Pebble</h2>
<h3 class="byline heading"><a rel="author" href="/users/wrenna">wrenna</a></h3></div>
<div id="chapters" role="article"><h3 class="landmark heading" id="work">Work Text:</h3>
<div class="userstuff"><p>A pebble is a small stone.</p><p>It waits.</p></div></div></div>
<div id="kudos"><h3 class="landmark heading">Kudos</h3><p>someone left kudos</p></div>
</div></body></html>"""


def test_one_shot_page_has_one_untitled_chapter():
    # A one-shot's page has its text straight in `div#chapters`, with no `div.chapter`.
    story = html_parser.parse(ONE_SHOT.encode(), "pebble.html")
    assert (story.meta.title, story.meta.author, story.meta.rating) == (
        "Pebble",
        "wrenna",
        "Explicit",
    )
    assert story.meta.url == "https://archiveofourown.org/works/90000088"
    assert (story.meta.published, story.meta.declared_words) == ("2024-02-02", 8)
    assert [c.title for c in story.chapters] == [""]
    blocks = story.chapters[0].blocks
    assert [b.plain for b in blocks] == ["A pebble is a small stone.", "It waits."]
    assert story.words == story.meta.declared_words


def test_unknown_rating_on_the_page_is_noted():
    data = PAGE.replace(b">Mature</a>", b">Spicy</a>")
    story = html_parser.parse(data, "weir.html")
    assert story.meta.rating == "Explicit"
    assert story.warnings[0].startswith("AO3 work page: rating 'Spicy' is not one the bot knows")


def test_page_without_chapter_text_is_refused():
    start = PAGE.index(b'<div id="chapters"')
    end = PAGE.index(b'<div class="afterword')
    data = PAGE[:start] + PAGE[end:]
    with pytest.raises(StoryError, match="no story text found"):
        html_parser.parse(data, "weir.html")
