"""Planning a load against the story store: what to keep, read again or forget."""

from __future__ import annotations

import os

from hypothesis import given
from hypothesis import strategies as st

from bot.library.scan import content_hash, plan, stamp
from bot.storage.stories import StoredFile


def stored(path: str, stamp_text: str, version: int = 1) -> StoredFile:
    return StoredFile(path, stamp_text, "hash", version, None, "", 0.0)


def test_unchanged_changed_new_and_removed_files():
    found = {"a.md": "1:1", "b.md": "2:5", "c.md": "3:1"}
    known = {"a.md": stored("a.md", "1:1"), "b.md": stored("b.md", "2:2"),
             "gone.md": stored("gone.md", "9:9")}
    result = plan(found, known, parser_version=1)
    assert result.unchanged == ["a.md"]
    assert result.to_read == ["b.md", "c.md"]
    assert result.removed == ["gone.md"]


def test_a_new_parser_version_reads_every_file_once():
    found = {"a.md": "1:1", "b.md": "2:2"}
    known = {"a.md": stored("a.md", "1:1", 1), "b.md": stored("b.md", "2:2", 2)}
    result = plan(found, known, parser_version=2)
    assert (result.unchanged, result.to_read) == (["b.md"], ["a.md"])


@given(st.dictionaries(st.text(min_size=1, max_size=5), st.text(max_size=5), max_size=8),
       st.dictionaries(st.text(min_size=1, max_size=5), st.text(max_size=5), max_size=8))
def test_every_file_lands_in_exactly_one_place(found, before):
    known = {path: stored(path, text) for path, text in before.items()}
    result = plan(found, known, parser_version=1)
    assert sorted(result.unchanged + result.to_read) == sorted(found)
    assert set(result.removed) == set(before) - set(found)
    assert all(found[path] == before[path] for path in result.unchanged)


def test_a_stamp_changes_with_the_file_and_with_its_sidecar(tmp_path):
    story = tmp_path / "tale.md"
    story.write_text("one")
    first = stamp(story)
    os.utime(story, ns=(1, 2_000_000_000))
    touched = stamp(story)
    assert touched != first
    (tmp_path / "tale.toml").write_text('rating = "Mature"\n')
    with_sidecar = stamp(story)
    assert with_sidecar.startswith(touched + ";")
    (tmp_path / "tale.toml").write_text('rating = "Explicit"\n')
    assert stamp(story) != with_sidecar


def test_the_hash_tells_a_sidecar_from_bytes_in_the_file():
    assert content_hash(b"story", None) != content_hash(b"story", b"")
    assert content_hash(b"ab", b"c") != content_hash(b"a", b"bc")
    assert content_hash(b"story", b"x") == content_hash(b"story", b"x")
