"""The `storybot` / `python -m bot` command line.

`python -m bot` runs the bot; `check` validates a library; `preview` prints pages as the
embed would show them; `sync` registers the slash commands globally.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from bot.config import Config, ConfigError
from bot.library.catalogue import Library
from bot.reading.footer import footer
from bot.text.pagination import PagedStory
from bot.text.ratings import NOT_RATED


def _environment() -> dict[str, str]:
    """The process environment over `.env` (read here, at start-up, and nowhere else)."""
    from dotenv import dotenv_values

    values = {k: v for k, v in dotenv_values(".env").items() if v is not None}
    values.update(os.environ)
    return values


def _tool_config() -> Config:
    return Config.from_env(_environment(), require_token=False)


def _load(directory: str | None, config: Config) -> Library:
    return Library.load(Path(directory) if directory else config.stories_dir,
                        max_bytes=config.max_story_bytes, progress=_progress)


def _paged(library: Library, story_id: str, page_chars: int) -> PagedStory:
    text = library.entry(story_id).text
    assert text is not None, "Library.load holds every text"
    return text.paged(page_chars)


def _progress(done: int, total: int) -> None:
    """How far a long load is, on stderr so that `--json` output stays one object."""
    print(f"Reading stories: {done:,} of {total:,} files…", file=sys.stderr, flush=True)


def cmd_check(args: argparse.Namespace) -> int:
    config = _tool_config()
    library = _load(args.dir, config)
    page_chars = args.page_chars or config.page_chars
    stories = []
    for story in library:
        entry = library.entry(story.id)
        paged = _paged(library, story.id, page_chars)
        stories.append({
            "id": story.id,
            "title": story.title,
            "author": story.meta.author,
            "rating": story.meta.rating,
            "warnings": list(story.meta.warnings),
            "fandoms": list(story.meta.fandoms),
            "language": story.meta.language,
            "words": entry.words,
            "chapters": [
                {"title": chapter.title, "pages": len(paged.chapter_pages(i))}
                for i, chapter in enumerate(story.chapters)
            ],
            "pages": len(paged),
            "file": entry.file,
        })
    errors = [{"file": p.file, "error": p.error} for p in library.errors]
    if args.json:
        print(json.dumps({"stories": stories, "errors": errors}, ensure_ascii=False, indent=2))
    else:
        _print_check_table(stories, errors, [(p.file, p.error) for p in library.warnings])
    return 1 if errors else 0


def _print_check_table(stories: list[dict], errors: list[dict],
                       warnings: list[tuple[str, str]]) -> None:
    rows = [("ID", "TITLE", "AUTHOR", "RATING", "WORDS", "CH", "PAGES", "FILE")]
    for s in stories:
        rows.append((s["id"], _clip(s["title"], 36), _clip(s["author"], 20), s["rating"],
                     f"{s['words']:,}", str(len(s["chapters"])), str(s["pages"]), s["file"]))
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    numeric = {4, 5, 6}
    for row in rows:
        cells = [c.rjust(w) if i in numeric else c.ljust(w)
                 for i, (c, w) in enumerate(zip(row, widths, strict=True))]
        print("  ".join(cells).rstrip())
    print(f"\n{len(stories)} stories loaded, {len(errors)} skipped.")
    for file, caveat in warnings:
        print(f"  note  {file}: {caveat}")
    for error in errors:
        print(f"  skipped  {error['file']}: {error['error']}")
    unrated = [s["file"] for s in stories if s["rating"] == NOT_RATED]
    if unrated:
        print(f"\n{len(unrated)} {'story has' if len(unrated) == 1 else 'stories have'} no "
              "rating: servers gate them like Mature unless they choose to show Not Rated "
              "stories (/settings not_rated). Give each one of General Audiences, Teen And Up "
              "Audiences, Mature or Explicit:")
        for file in unrated:
            print(f"  unrated  {file}: {how_to_rate(file)}")


def how_to_rate(file: str) -> str:
    """How an admin gives the story in `file` (a library-relative path) a rating."""
    path = Path(file)
    sidecar = f'`rating = "…"` in {path.with_suffix(".toml").as_posix()}'
    if path.suffix.lower() in (".md", ".markdown"):
        return f"`rating: …` in its front matter, or {sidecar}"
    return sidecar


def _clip(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def cmd_preview(args: argparse.Namespace) -> int:
    config = _tool_config()
    target = Path(args.story)
    if args.dir is None and target.suffix and target.is_file():
        library = _load(str(target.parent), config)
        from bot.library.catalogue import story_id
        wanted = story_id(target.stem)
    else:
        library = _load(args.dir, config)
        wanted = args.story
    if wanted not in library:
        hints = library.suggest(wanted)
        hint = f" Did you mean: {', '.join(hints)}?" if hints else ""
        reason = next((p.error for p in library.errors if Path(p.file).stem == wanted), None)
        why = f" It was skipped: {reason}." if reason else ""
        print(f"No story with id {wanted!r} in {library.root}.{why}{hint}", file=sys.stderr)
        return 1
    paged = _paged(library, wanted, args.page_chars or config.page_chars)
    minutes = library.entry(wanted).minutes
    story = paged.story
    if args.all:
        pages = paged.pages
    else:
        number = args.page or 1
        if not 1 <= number <= len(paged):
            print(f"{story.title} has pages 1-{len(paged)}; there is no page {number}.",
                  file=sys.stderr)
            return 1
        pages = [paged.pages[number - 1]]
    if args.json:
        print(json.dumps({
            "id": story.id,
            "pages": [
                {
                    "number": page.number,
                    "chapter": page.chapter + 1,
                    "chapter_title": story.chapters[page.chapter].title,
                    "text": paged.text(page),
                    "footer": footer(paged, page, minutes),
                }
                for page in pages
            ],
        }, ensure_ascii=False, indent=2))
        return 0
    byline = f" — by {story.meta.author}" if story.meta.author else ""
    for page in pages:
        print(f"╭─ {story.title}{byline} [{story.meta.rating}]")
        print(paged.text(page) or "(This chapter has no text.)")
        print(f"╰─ {footer(paged, page, minutes)}\n")
    return 0


def cmd_run(args: argparse.Namespace) -> int:
    try:
        config = Config.from_env(_environment())
    except ConfigError as exc:
        print("storybot cannot start:", file=sys.stderr)
        for problem in exc.problems:
            print(f"  - {problem}", file=sys.stderr)
        return 2
    from bot.app import run

    return run(config, sync_globally=args.command == "sync")


def cmd_demo(args: argparse.Namespace) -> int:
    from bot.demo import main as demo_main

    return demo_main(_environment(), host=args.host, port=args.port,
                     open_browser=not args.no_browser)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="storybot", description="A reading-room Discord bot.")
    sub = parser.add_subparsers(dest="command")
    check = sub.add_parser("check", help="validate a story library")
    check.add_argument("dir", nargs="?", help="stories folder (default: STORIES_DIR or stories)")
    check.add_argument("--json", action="store_true", help="print one JSON object")
    check.add_argument("--page-chars", type=_page_chars, help="page size to count pages with")
    check.set_defaults(func=cmd_check)
    preview = sub.add_parser("preview", help="print a story's pages as the embed shows them")
    preview.add_argument("story", help="story id, or a story file's path")
    preview.add_argument("--dir", help="stories folder (default: STORIES_DIR or stories)")
    which = preview.add_mutually_exclusive_group()
    which.add_argument("--page", type=int, help="page number (default 1)")
    which.add_argument("--all", action="store_true", help="every page")
    preview.add_argument("--json", action="store_true", help="print one JSON object")
    preview.add_argument("--page-chars", type=_page_chars, help="page size (500-4000)")
    preview.set_defaults(func=cmd_preview)
    sync = sub.add_parser("sync", help="register the slash commands globally, then run")
    sync.set_defaults(func=cmd_run)
    demo = sub.add_parser("demo", help="try the bot in a local browser page, no Discord needed")
    demo.add_argument("--host", default="127.0.0.1", help="loopback address only (default)")
    demo.add_argument("--port", type=int, help="port for the page (default: any free one)")
    demo.add_argument("--no-browser", action="store_true", help="do not open a browser")
    demo.set_defaults(func=cmd_demo)
    parser.set_defaults(func=cmd_run)
    return parser


def _page_chars(value: str) -> int:
    from bot.text.numbers import whole_number
    from bot.text.pagination import MAX_PAGE_CHARS, MIN_PAGE_CHARS

    number = whole_number(value, signed=False)
    if number is None or not MIN_PAGE_CHARS <= number <= MAX_PAGE_CHARS:
        raise argparse.ArgumentTypeError(f"must be {MIN_PAGE_CHARS}-{MAX_PAGE_CHARS}")
    return number


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.func is not cmd_run:
        # The tools report problems themselves; log lines would only repeat them.
        logging.basicConfig(level=logging.ERROR, format="%(levelname)s %(name)s: %(message)s")
    try:
        return args.func(args)
    except ConfigError as exc:
        for problem in exc.problems:
            print(problem, file=sys.stderr)
        return 2
    except BrokenPipeError:  # `python -m bot preview --all | head`
        return 0
