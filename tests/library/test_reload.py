"""What a reload's answer says, from two loads of a folder."""

from __future__ import annotations

from bot.library.catalogue import Library, Problem
from bot.library.reload import (
    NAMED,
    ReloadReport,
    describe_progress,
    describe_reload,
    reload_report,
)
from tests.helpers import prose, write_story


def test_a_report_from_two_loads(tmp_path):
    folder = tmp_path / "stories"
    folder.mkdir()
    write_story(folder, "kept", title="Kept", rating="Teen", chapters=1, paragraphs=2)
    write_story(folder, "edited", title="Edited", rating="Teen", chapters=1, paragraphs=2)
    write_story(folder, "gone", title="Gone", rating="Teen", chapters=1, paragraphs=2)
    before = Library.load(folder)
    (folder / "gone.md").unlink()
    path = folder / "edited.md"
    path.write_text(path.read_text() + "\n\n" + prose(4, 1))
    write_story(folder, "fresh", title="Fresh", rating="Teen", chapters=1, paragraphs=2)
    (folder / "broken.epub").write_bytes(b"not a zip")
    report = reload_report(before, Library.load(folder))
    assert (report.stories, report.added, report.removed, report.updated) == (
        3, ("Fresh",), ("Gone",), ("Edited",))
    assert [problem.file for problem in report.skipped] == ["broken.epub"]


def test_many_changes_are_named_up_to_a_limit_and_fit_a_message():
    titles = tuple(f"Story number {n} " + "x" * 70 for n in range(40))
    skipped = tuple(Problem(f"file-{n}.txt", "the file is empty") for n in range(300))
    text = describe_reload(ReloadReport(40, titles, (), (), skipped))
    assert len(text) <= 1900
    assert f"and {40 - NAMED} more." in text
    assert text.endswith("more.")  # the skipped list is cut with a count


def test_progress_words():
    assert describe_progress(0, 0) == "Reloading the library…"
    assert describe_progress(1200, 3000) == "Reloading the library: 1,200 of 3,000 files read…"
