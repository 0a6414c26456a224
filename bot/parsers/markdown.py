"""Markdown stories with optional YAML front matter.

**Front matter** is a YAML mapping between a `---` line at the very top of the file and the
next `---` (or `...`) line; its keys are those of `metadata_from_mapping`.

**Chapters.** The shallowest heading level the file uses is the chapter level, and deeper
headings become heading blocks inside their chapter. One exception makes the usual book
layout work: when the shallowest level is used exactly once, by the first heading of the file,
with no text before it, that heading is the book's title (`# Title` over `## Chapter`
headings). It names the story unless the front matter does; it stands alone only as long as
the front matter gives no other title, since `# Chapter One` over a one-chapter story with a
titled front matter is a chapter title. Text before the first chapter heading is an untitled
chapter.

**Blocks.** Paragraphs are separated by blank lines; their lines join with a space, and a line
ending in two spaces or a backslash, or one starting a list item, starts a new line. A line
of `---`, `***`, `___`, `* * *`, `~~~` or any other scene-break ornament is a scene break,
even straight under a paragraph line (setext `---` headings are not supported: in a story
that line is a break far more often than a heading). `> ` quotes become ordinary paragraphs,
fenced code blocks (```) literal paragraphs, and indentation is ignored rather than read as
code, since stories indent paragraphs. Inline markup is `inline_markdown`'s.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterator, Sequence
from typing import NamedTuple

import yaml

from bot.parsers.common import (
    file_stem,
    finish_chapters,
    inline_markdown,
    is_break_line,
    markdown_runs,
    metadata_from_mapping,
    title_from_filename,
)
from bot.story import SCENE_BREAK_BLOCK, Block, BlockKind, Run, Story, StoryError
from bot.textio import clean, decode

_ATX = re.compile(r" {0,3}(#{1,6})(?:[ \t]+(.*?))??(?:[ \t]+#+)?[ \t]*")
_THEMATIC = re.compile(r" {0,3}(?:(?:\*[ \t]*){3,}|(?:-[ \t]*){3,}|(?:_[ \t]*){3,})")
_FENCE = re.compile(r" {0,3}(`{3,})[^`]*")
_QUOTE = re.compile(r" {0,3}> ?")


class _Item(NamedTuple):
    """One block-level element of the file."""

    kind: str  # "heading", "paragraph", "code" or "break"
    text: str = ""  # a heading's Markdown or a code block's literal text
    lines: tuple[str, ...] = ()  # a paragraph's source lines
    level: int = 0  # a heading's level


def parse(data: bytes, name: str) -> Story:
    """Parse a `.md` story.

    Raises `StoryError` for undecodable or empty files and for bad front matter.
    """
    lines = clean(decode(data)).split("\n")
    mapping, body = _front_matter(lines)
    warnings: list[str] = []
    meta = metadata_from_mapping(
        mapping, fallback_title="", where="front matter", warnings=warnings
    )
    items = list(_items(lines[body:]))

    title_at = _title_heading(items, meta.title)
    if title_at is not None:
        heading = _plain(items[title_at].text)
        if not meta.title:
            meta = dataclasses.replace(meta, title=heading)
        elif not _same(meta.title, heading):
            warnings.append(
                f"the title heading {heading!r} differs from the front matter title; "
                "the front matter title is used"
            )
    if not meta.title:
        stem = file_stem(name, (".md", ".markdown"))
        meta = dataclasses.replace(meta, title=title_from_filename(stem))

    levels = [item.level for item in items if item.kind == "heading"]
    if title_at is not None:
        levels.remove(items[title_at].level)
    chapter_level = min(levels, default=0)

    drafts: list[tuple[str, list[Block]]] = [("", [])]
    for index, item in enumerate(items):
        if index == title_at:
            continue
        if item.kind == "heading" and item.level == chapter_level:
            drafts.append((_plain(item.text), []))
            continue
        block = _block(item)
        if block is not None:
            drafts[-1][1].append(block)
    chapters = finish_chapters(drafts, warnings)
    return Story(meta=meta, chapters=chapters, warnings=tuple(warnings))


def _front_matter(lines: Sequence[str]) -> tuple[dict, int]:
    """The front matter mapping and the index of the first line after it."""
    if not lines or lines[0].rstrip() != "---":
        return {}, 0
    end = next((i for i in range(1, len(lines)) if lines[i].rstrip() in ("---", "...")), None)
    if end is None:
        raise StoryError("front matter: the opening '---' line has no closing '---' line")
    try:
        mapping = yaml.safe_load("\n".join(lines[1:end]))
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f" at line {mark.line + 2}" if mark else ""  # + 2: 1-based, after the `---`
        problem = exc.problem or exc.context or "malformed YAML"
        raise StoryError(f"front matter: invalid YAML{where}: {problem}") from None
    except (yaml.YAMLError, RecursionError) as exc:
        raise StoryError(f"front matter: invalid YAML: {exc}") from None
    if mapping is None:
        return {}, end + 1
    if not isinstance(mapping, dict):
        found = "a list" if isinstance(mapping, list) else f"{str(mapping)[:40]!r}"
        raise StoryError(f"front matter: expected 'key: value' lines, found {found}")
    return mapping, end + 1


def _items(lines: Sequence[str]) -> Iterator[_Item]:
    """The block-level elements of the Markdown body, in order."""
    paragraph: list[str] = []
    depth = 0  # blockquote depth of the paragraph being collected

    def flush() -> Iterator[_Item]:
        if paragraph:
            yield _Item("paragraph", lines=tuple(paragraph))
            paragraph.clear()

    i, n = 0, len(lines)
    while i < n:
        raw = lines[i]
        i += 1
        fence = _FENCE.fullmatch(raw)
        if fence:
            yield from flush()
            close = re.compile(f" {{0,3}}`{{{len(fence[1])},}}[ \t]*")
            code: list[str] = []
            while i < n and not close.fullmatch(lines[i]):
                code.append(lines[i].rstrip())
                i += 1
            i += 1
            yield _Item("code", "\n".join(code).strip("\n"))
            continue
        line, level = raw, 0
        while quote := _QUOTE.match(line):
            line, level = line[quote.end() :], level + 1
        stripped = line.strip(" \t")
        if not stripped:
            yield from flush()
            continue
        if level != depth:
            yield from flush()
            depth = level
        if is_break_line(stripped) or _THEMATIC.fullmatch(line):
            yield from flush()
            yield _Item("break")
            continue
        heading = _ATX.fullmatch(line) if level == 0 else None
        if heading:
            yield from flush()
            yield _Item("heading", heading[2] or "", level=len(heading[1]))
            continue
        paragraph.append(line)
    yield from flush()


def _title_heading(items: Sequence[_Item], front_title: str | None) -> int | None:
    """The index of the book-title heading, if the file has one (see the module docstring)."""
    headings = [i for i, item in enumerate(items) if item.kind == "heading"]
    if not headings:
        return None
    first = headings[0]
    top = min(items[i].level for i in headings)
    if items[first].level != top or sum(items[i].level == top for i in headings) != 1:
        return None
    if any(item.kind in ("paragraph", "code") for item in items[:first]):
        return None
    if len(headings) > 1 or not front_title:
        return first
    return first if _same(front_title, _plain(items[first].text)) else None


def _block(item: _Item) -> Block | None:
    if item.kind == "break":
        return SCENE_BREAK_BLOCK
    if item.kind == "code":
        return Block(BlockKind.PARAGRAPH, (Run(item.text),)) if item.text.strip() else None
    if item.kind == "heading":
        runs = inline_markdown(item.text)
        return Block(BlockKind.HEADING, runs) if runs else None
    runs = markdown_runs(item.lines)
    return Block(BlockKind.PARAGRAPH, runs) if runs else None


def _plain(markdown: str) -> str:
    return "".join(run.text for run in inline_markdown(markdown)).strip()


def _same(a: str, b: str) -> bool:
    return " ".join(a.casefold().split()) == " ".join(b.casefold().split())
