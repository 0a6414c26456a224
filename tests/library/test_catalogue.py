"""The library loads every good story and reports each bad file once, with its reason."""

import codecs
import logging
import os
import zipfile

import pytest

from bot.library.catalogue import Library, story_id
from bot.text.markup import to_plain
from tests.helpers import held

GOOD_TEXT = "The kettle sang on the stove.\n\nShe poured two cups and waited for the knock.\n"


def write(path, data: bytes | str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data.encode() if isinstance(data, str) else data)


CAP = 11 * 1024 * 1024  # the 10 MB paragraph fits, too-big.txt does not


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    """A library folder holding good stories beside every kind of bad file."""
    tmp_path = tmp_path_factory.mktemp("corpus")
    root = tmp_path / "stories"
    outside = tmp_path / "outside.txt"
    write(outside, GOOD_TEXT)
    good = {
        "plain.txt": GOOD_TEXT,
        "utf16.txt": codecs.BOM_UTF16_LE + "Ünïcode with a BOM — “quoted”.\n".encode("utf-16-le"),
        "crlf.txt": "Line one of the first paragraph.\r\n\r\nSecond paragraph.\r\n",
        "huge-paragraph.txt": ("word " * 2_100_000).strip() + ".\n",
        "no-spaces.txt": "x" * 60_000 + "\n",
        "invisible.txt": "Zero\u200bwidth and a bell\x07 and\x1b escape, kept\u00a0tidy.\n",
        "notes.md": "---\ntitle: Good Notes\nauthor: Ann\n---\n# One\n\nFirst *chapter*.\n",
        "latin1.txt": "Café au lait, naïve façade.\n".encode("latin-1"),
        "notes.txt": "The same work as notes.md, as plain text.\n",
    }
    bad = {
        "empty.txt": b"",
        "binary.txt": b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)),
        "truncated.html": '<html><head><title>Cut</title></head><body><div id="preface">'
        '<dl class="tags"><dt>Rating:</dt><dd>Mature',
        "no-chapters.html": '<html><body><div id="preface"><div class="meta"><h1>Only Preface'
        '</h1><div class="byline">by Someone</div></div></div></body></html>',
        "bad-front.md": "---\ntitle: [never closed\n---\n# One\n\nText.\n",
        "not-a-zip.epub": b"PK\x03\x04 this is not really a zip archive",
        "too-big.txt": "Big. " * (CAP // 5 + 1000),
        "plain_.txt": "Same id as plain.txt, in the same format.\n",
        "sidecar.txt": "A story whose sidecar is broken.\n",
        "sidecar.toml": 'title = "never closed\n',
    }
    for name, data in {**good, **bad}.items():
        write(root / name, data)
    (root / "folder.txt").mkdir()
    os.symlink(outside, root / "escape.txt")
    (root / ".hidden.txt").write_text("Hidden files are not stories.\n")
    return root


EXPECTED_ERRORS = {
    "empty.txt": "empty",
    "binary.txt": "binary",
    "truncated.html": "no story text",
    "no-chapters.html": "no story text",
    "bad-front.md": "front matter",
    "not-a-zip.epub": "not a ZIP archive",
    "too-big.txt": "over the 11 MB limit",
    "plain_.txt": "already used by plain.txt",
    "sidecar.txt": "sidecar.toml",
    "folder.txt": "folder",
    "escape.txt": "outside the stories folder",
}


def test_good_files_load_and_every_bad_file_is_reported_once(corpus, caplog):
    with caplog.at_level(logging.WARNING, logger="bot.library.catalogue"):
        library = Library.load(corpus, max_bytes=CAP)
    assert sorted(s.id for s in library) == [
        "crlf", "huge-paragraph", "invisible", "latin1", "no-spaces", "notes", "notes-txt",
        "plain", "utf16",
    ]
    errors = {p.file: p.error for p in library.errors}
    assert sorted(errors) == sorted(EXPECTED_ERRORS)
    for file, reason in EXPECTED_ERRORS.items():
        assert reason in errors[file], (file, errors[file])
    # One log line per skipped file, naming it.
    skipped = [r.getMessage() for r in caplog.records if r.getMessage().startswith("Skipped")]
    assert len(skipped) == len(EXPECTED_ERRORS)
    for file in EXPECTED_ERRORS:
        assert sum(f"Skipped {file}:" in line for line in skipped) == 1


def test_good_files_keep_their_text(corpus):
    library = Library.load(corpus, max_bytes=CAP)
    assert "\r" not in held(library, "crlf").story.plain
    assert held(library, "utf16").story.plain == "Ünïcode with a BOM — “quoted”."
    assert held(library, "latin1").story.plain == "Café au lait, naïve façade."
    invisible = held(library, "invisible").story.plain
    assert "\x07" not in invisible and "\x1b" not in invisible
    assert "\u200b" in invisible and "\u00a0" in invisible
    for sid in ("huge-paragraph", "no-spaces"):
        paged = held(library, sid).paged(1800)
        text = "".join(to_plain(paged.text(p)) for p in paged.pages)
        assert text.replace(" ", "") == held(library, sid).story.plain.replace(" ", "")
        assert all(len(paged.text(p)) <= 4096 for p in paged.pages)


def test_missing_folder_is_reported_not_raised(tmp_path):
    library = Library.load(tmp_path / "nowhere")
    assert len(library) == 0
    assert "does not exist" in library.errors[0].error


def test_a_parser_crash_is_contained(tmp_path, monkeypatch):
    write(tmp_path / "fine.txt", GOOD_TEXT)
    write(tmp_path / "crash.md", "# One\n\nText.\n")

    def explode(data, name):
        raise RuntimeError("parser bug")

    import bot.parsers.markdown

    monkeypatch.setattr(bot.parsers.markdown, "parse", explode)
    library = Library.load(tmp_path)
    assert [s.id for s in library] == ["fine"]
    assert library.errors[0].file == "crash.md"


def test_duplicate_ids_are_decided_by_path_order_not_by_chance(tmp_path):
    write(tmp_path / "a" / "tale.txt", "From folder a.\n")
    write(tmp_path / "b" / "tale.txt", "From folder b.\n")
    for _ in range(3):
        library = Library.load(tmp_path)
        assert held(library, "tale").story.plain == "From folder a."
        assert library.errors[0].file == "b/tale.txt"


def test_one_work_in_two_formats_loads_both_with_the_format_in_the_second_id(tmp_path):
    write(tmp_path / "tale.txt", "The text export.\n")
    write(tmp_path / "tale.md", "The Markdown copy.\n")
    write(tmp_path / "tale-md.md", "A story whose own name takes the second id.\n")
    library = Library.load(tmp_path)
    assert held(library, "tale").story.plain == "The Markdown copy."  # `tale.md` sorts first
    assert held(library, "tale-md").story.plain == "A story whose own name takes the second id."
    # `tale.txt` would become `tale-txt`.
    assert held(library, "tale-txt").story.plain == "The text export."
    assert [(w.file, w.error) for w in library.warnings] == [
        ("tale.txt", "story id 'tale' is taken by tale.md, so this one is 'tale-txt'"),
    ]


@pytest.mark.parametrize(
    ("stem", "expected"),
    [
        ("The Winter Ledger", "the-winter-ledger"),
        ("Crème_Brûlée--2", "creme-brulee-2"),
        ("  spaced  out  ", "spaced-out"),
        ("a" * 80, "a" * 48),
    ],
)
def test_story_ids_are_short_slugs(stem, expected):
    assert story_id(stem) == expected


def test_story_id_of_a_name_with_no_latin_letters_is_stable():
    first = story_id("夜の図書館")
    assert first == story_id("夜の図書館")
    assert first.startswith("story-") and first != story_id("朝の図書館")


def test_suggest_finds_close_ids_and_titles(corpus):
    library = Library.load(corpus, max_bytes=CAP)
    assert library.suggest("plane")[0] == "plain"
    assert "notes" in library.suggest("good note")


def test_paged_is_cut_once_per_page_size(corpus):
    library = Library.load(corpus, max_bytes=CAP)
    assert held(library, "plain").paged(900) is held(library, "plain").paged(900)
    assert held(library, "plain").paged(900) is not held(library, "plain").paged(1800)


def test_epub_that_is_a_real_zip_without_a_book_is_reported(tmp_path):
    with zipfile.ZipFile(tmp_path / "empty.epub", "w") as archive:
        archive.writestr("mimetype", "application/epub+zip")
    library = Library.load(tmp_path)
    assert library.errors[0].file == "empty.epub"


def test_a_long_load_reports_how_far_it_is(tmp_path, monkeypatch, caplog):
    import bot.library.catalogue

    for n in range(4):
        write(tmp_path / f"tale-{n}.txt", GOOD_TEXT)
    monkeypatch.setattr(bot.library.catalogue, "PROGRESS_SECONDS", 0.0)
    calls = []
    Library.load(tmp_path, progress=lambda done, total: calls.append((done, total)))
    assert calls == [(0, 4), (1, 4), (2, 4), (3, 4)]
    with caplog.at_level(logging.INFO, logger="bot.library.catalogue"):
        Library.load(tmp_path)
    lines = [r.getMessage() for r in caplog.records if "of 4 files" in r.getMessage()]
    assert lines[-1] == f"Loading stories from {tmp_path}: 3 of 4 files"
