"""Hostile files cost the library bounded time and memory: each is skipped with its reason."""

from __future__ import annotations

import logging
import os

import pytest

from bot.library.catalogue import Library
from bot.text.markup import to_plain
from tests.helpers import held

TEXT = "The kettle sang on the stove.\n\nShe poured two cups and waited for the knock.\n"


def write(path, data: bytes | str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data.encode() if isinstance(data, str) else data)


def errors(library: Library) -> dict[str, str]:
    return {problem.file: problem.error for problem in library.errors}


# -- sidecars follow the folder's rules ----------------------------------------------------------


def test_a_sidecar_linking_outside_the_folder_is_not_read(tmp_path):
    root = tmp_path / "stories"
    write(root / "tale.txt", TEXT)
    write(tmp_path / "private.toml", 'title = "Read from outside the folder"\n')
    os.symlink(tmp_path / "private.toml", root / "tale.toml")
    library = Library.load(root)
    assert len(library) == 0
    assert errors(library) == {"tale.txt": "sidecar tale.toml: it links outside the stories folder"}


def test_a_sidecar_linking_inside_the_folder_is_read(tmp_path):
    root = tmp_path / "stories"
    write(root / "tale.txt", TEXT)
    write(root / "shared" / "meta.toml", 'title = "Linked Metadata"\n')
    os.symlink(root / "shared" / "meta.toml", root / "tale.toml")
    library = Library.load(root)
    assert library.get("tale").title == "Linked Metadata"


def test_a_sidecar_over_the_size_limit_is_not_read(tmp_path):
    root = tmp_path / "stories"
    write(root / "tale.txt", TEXT)
    write(root / "tale.toml", "# padding\n" * 10_240 + 'title = "X"\n')
    library = Library.load(root)
    assert len(library) == 0
    assert errors(library) == {
        "tale.txt": "sidecar tale.toml: it is 100.0 KB, over the 64 KB limit"
    }


def test_a_sidecar_that_is_a_folder_is_refused(tmp_path):
    root = tmp_path / "stories"
    write(root / "tale.txt", TEXT)
    (root / "tale.toml").mkdir()
    library = Library.load(root)
    assert errors(library) == {"tale.txt": "sidecar tale.toml: it is a folder, not a file"}


# -- links to folders ------------------------------------------------------------------------------


def test_a_subfolder_linking_outside_the_folder_is_reported(tmp_path, caplog):
    root = tmp_path / "stories"
    write(root / "tale.txt", TEXT)
    write(tmp_path / "elsewhere" / "private.txt", TEXT)
    os.symlink(tmp_path / "elsewhere", root / "more")
    with caplog.at_level(logging.WARNING, logger="bot.library.catalogue"):
        library = Library.load(root)
    assert [story.id for story in library] == ["tale"]
    assert errors(library) == {"more": "it links outside the stories folder"}
    assert "Skipped more: it links outside the stories folder" in caplog.messages


def test_a_subfolder_linking_inside_the_folder_is_not_read_twice(tmp_path):
    root = tmp_path / "stories"
    write(root / "real" / "tale.txt", TEXT)
    os.symlink(root / "real", root / "alias")
    library = Library.load(root)
    assert [story.id for story in library] == ["tale"]
    assert library.errors == []


# -- every load has a time budget ------------------------------------------------------------------


def test_a_file_past_the_time_budget_is_skipped_with_its_reason(tmp_path):
    write(tmp_path / "tale.txt", TEXT)
    write(tmp_path / "notes.md", "# One\n\nText.\n")
    library = Library.load(tmp_path, parse_budget=0)
    assert len(library) == 0
    assert errors(library) == {
        "notes.md": "took longer than 0 s to read",
        "tale.txt": "took longer than 0 s to read",
    }


def test_the_load_log_line_names_the_slowest_file(tmp_path, caplog):
    write(tmp_path / "short.txt", "Short.\n")
    write(tmp_path / "long.txt", TEXT * 2_000)
    with caplog.at_level(logging.INFO, logger="bot.library.catalogue"):
        Library.load(tmp_path)
    [line] = [message for message in caplog.messages if message.startswith("Loaded 2 stories")]
    assert "slowest long.txt" in line


def test_hostile_files_are_skipped_and_the_rest_loads(tmp_path):
    write(tmp_path / "tale.txt", TEXT)
    write(tmp_path / "laughs.md", "---\na: &a [x, x]\nb: [*a, *a]\n---\nText.\n")
    write(tmp_path / "paragraphs.html", "<p>a</p>" * 1_000_001)
    library = Library.load(tmp_path)
    assert [story.id for story in library] == ["tale"]
    assert errors(library) == {
        "laughs.md": "front matter uses YAML aliases (*name), which stories cannot use; "
        "write each value out",
        "paragraphs.html": "too many HTML elements (over 1,000,000)",
    }


# -- pages ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("mark", [".", "!", "…"])
def test_a_story_of_nothing_but_sentence_ends_pages_like_any_other(tmp_path, mark):
    # Every sentence-end mark of a run was the start of a search through the rest of it.
    write(tmp_path / "marks.txt", mark * 2_000_000)
    library = Library.load(tmp_path)
    paged = held(library, "marks").paged(1800)
    text = "".join(to_plain(paged.text(page)) for page in paged.pages)
    assert text == mark * 2_000_000
    assert all(len(paged.text(page)) <= 4096 for page in paged.pages)


def test_a_long_paragraph_of_many_styled_runs_pages_like_any_other(tmp_path):
    # Every page joined and searched the paragraph's runs from the first one.
    write(tmp_path / "bold.txt", "*word* and " * 100_000)
    library = Library.load(tmp_path)
    paged = held(library, "bold").paged(1800)
    text = "".join(to_plain(paged.text(page)) for page in paged.pages)
    assert text.replace(" ", "") == held(library, "bold").story.plain.replace(" ", "")
    assert all(len(paged.text(page)) <= 4096 for page in paged.pages)
