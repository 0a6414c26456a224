"""`python -m bot check` and `preview`: the JSON contracts and the readable output."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot.cli import main

ROOT = Path(__file__).resolve().parent.parent

STORY_MD = """---
title: The Orchard Clock
author: Wren Aldous
rating: Teen
warnings: [No Archive Warnings Apply]
fandoms: [Original Work]
language: English
---
# Windfall

{body}

# Frost

{body}
"""
PARAGRAPH = "The clock in the orchard kept *its own* time, and nobody argued with it. " * 6


@pytest.fixture
def library_dir(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # no stray .env
    for name in ("STORIES_DIR", "PAGE_CHARS", "DISCORD_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    folder = tmp_path / "lib"
    folder.mkdir()
    body = "\n\n".join([PARAGRAPH.strip()] * 8)
    (folder / "orchard-clock.md").write_text(STORY_MD.format(body=body))
    (folder / "short.txt").write_text("A single line of plain prose.\n")
    return folder


def test_check_json_matches_the_contract(library_dir, capsys):
    assert main(["check", str(library_dir), "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["errors"] == []
    # The shelf is ordered by title: "Short" (from the file name) before "The Orchard Clock".
    assert [s["id"] for s in report["stories"]] == ["short", "orchard-clock"]
    story = next(s for s in report["stories"] if s["id"] == "orchard-clock")
    assert set(story) == {"id", "title", "author", "rating", "warnings", "fandoms", "language",
                          "words", "chapters", "pages", "file"}
    assert story["title"] == "The Orchard Clock"
    assert story["author"] == "Wren Aldous"
    assert story["rating"] == "Teen And Up Audiences"
    assert story["warnings"] == ["No Archive Warnings Apply"]
    assert story["fandoms"] == ["Original Work"]
    assert story["language"] == "English"
    assert [c["title"] for c in story["chapters"]] == ["Windfall", "Frost"]
    assert story["pages"] == sum(c["pages"] for c in story["chapters"]) >= 4
    assert story["words"] == 2 * 8 * len(PARAGRAPH.split())
    assert story["file"] == "orchard-clock.md"


def test_check_exits_1_and_lists_errors(library_dir, capsys):
    (library_dir / "broken.md").write_text("---\ntitle: [oops\n---\ntext\n")
    assert main(["check", str(library_dir), "--json"]) == 1
    report = json.loads(capsys.readouterr().out)
    assert report["errors"] == [{"file": "broken.md", "error": report["errors"][0]["error"]}]
    assert "front matter" in report["errors"][0]["error"]
    assert len(report["stories"]) == 2


def test_check_table_is_readable(library_dir, capsys):
    (library_dir / "empty.txt").write_text("")
    assert main(["check", str(library_dir)]) == 1
    out = capsys.readouterr().out
    assert "ID" in out.splitlines()[0] and "PAGES" in out.splitlines()[0]
    assert "The Orchard Clock" in out
    assert "2 stories loaded, 1 skipped." in out
    assert "skipped  empty.txt: the file is empty" in out


def test_check_uses_stories_dir_from_the_environment(library_dir, capsys, monkeypatch):
    monkeypatch.setenv("STORIES_DIR", str(library_dir))
    assert main(["check", "--json"]) == 0
    assert len(json.loads(capsys.readouterr().out)["stories"]) == 2


def test_preview_all_json_matches_the_contract(library_dir, capsys):
    assert main(["preview", "orchard-clock", "--dir", str(library_dir), "--all", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["id"] == "orchard-clock"
    pages = report["pages"]
    assert [p["number"] for p in pages] == list(range(1, len(pages) + 1))
    assert {p["chapter"] for p in pages} == {1, 2}
    assert pages[0]["chapter_title"] == "Windfall"
    assert pages[-1]["chapter_title"] == "Frost"
    for page in pages:
        assert set(page) == {"number", "chapter", "chapter_title", "text", "footer"}
        assert 0 < len(page["text"]) <= 4096
        assert f"page {page['number']}/{len(pages)}" in page["footer"]
    assert "_its own_" in pages[0]["text"]
    assert pages[-1]["footer"].endswith("100% · the end")


def test_preview_one_page_prints_the_embed(library_dir, capsys):
    assert main(["preview", "orchard-clock", "--dir", str(library_dir), "--page", "2"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("╭─ The Orchard Clock — by Wren Aldous [Teen And Up Audiences]")
    assert "page 2/" in out.splitlines()[-1] or "page 2/" in out


def test_preview_a_file_path(library_dir, capsys):
    assert main(["preview", str(library_dir / "short.txt"), "--json", "--all"]) == 0
    assert json.loads(capsys.readouterr().out)["pages"][0]["text"] == (
        "A single line of plain prose."
    )


def test_preview_unknown_story_suggests_close_ids(library_dir, capsys):
    assert main(["preview", "orchard", "--dir", str(library_dir)]) == 1
    err = capsys.readouterr().err
    assert "No story with id 'orchard'" in err
    assert "orchard-clock" in err


def test_preview_page_out_of_range(library_dir, capsys):
    assert main(["preview", "short", "--dir", str(library_dir), "--page", "9"]) == 1
    assert "has pages 1-1; there is no page 9" in capsys.readouterr().err


def test_preview_page_size_changes_the_cut(library_dir, capsys):
    main(["preview", "orchard-clock", "--dir", str(library_dir), "--all", "--json",
          "--page-chars", "500"])
    small = len(json.loads(capsys.readouterr().out)["pages"])
    main(["preview", "orchard-clock", "--dir", str(library_dir), "--all", "--json",
          "--page-chars", "4000"])
    large = len(json.loads(capsys.readouterr().out)["pages"])
    assert small > large >= 2


def test_running_without_a_token_explains_and_exits_nonzero(tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "DISCORD_TOKEN"}
    env["PYTHONPATH"] = str(ROOT)
    result = subprocess.run(
        [sys.executable, "-m", "bot"], cwd=tmp_path, env=env, capture_output=True, text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert "DISCORD_TOKEN is not set" in result.stderr
    assert "Traceback" not in result.stderr


def test_check_lists_unrated_stories_with_how_to_rate_them_and_names_odd_ratings(
        library_dir, capsys):
    (library_dir / "spicy.md").write_text("---\ntitle: Spicy\nrating: Spicy\n---\n\nText.\n")
    assert main(["check", str(library_dir)]) == 0
    out = capsys.readouterr().out
    # `short.txt` has no rating at all; `orchard-clock.md` is rated.
    assert "1 story has no rating: servers gate them like Mature" in out
    assert 'unrated  short.txt: `rating = "…"` in short.toml' in out
    assert "unrated  orchard-clock.md" not in out
    assert ("note  spicy.md: front matter: rating 'Spicy' is not one the bot knows, so it is "
            "treated as Explicit") in out
    assert main(["check", str(library_dir), "--json"]) == 0
    ratings = {s["id"]: s["rating"] for s in json.loads(capsys.readouterr().out)["stories"]}
    assert ratings == {"short": "Not Rated", "orchard-clock": "Teen And Up Audiences",
                       "spicy": "Explicit"}
