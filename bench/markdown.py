"""Markdown parser benchmark: throughput on story-like text and time on hostile inputs.

    python bench/markdown.py [--mb 8] [--only NAME]

Prints the parse rate of `bot.parsers.markdown.parse` on generated stories (one line per
paragraph as `bench/generate.py` writes them, and the same text hard-wrapped at 72 columns
with raw HTML and footnotes mixed in, as static-site novels are), then the time each
pathological input takes: inputs whose naive parsing is quadratic, which must stay close to
linear whatever their size.
"""

from __future__ import annotations

import argparse
import contextlib
import multiprocessing
import sys
import textwrap
import time
from collections.abc import Callable

import _common  # noqa: F401 - puts the project on the import path

from bench.generate import ProseGenerator, markdown
from bot.parsers.markdown import parse
from bot.text.story import StoryError

MB = 1_000_000


def generated(megabytes: float) -> str:
    gen = ProseGenerator(5)
    parts = []
    size = 0
    number = 0
    while size < megabytes * MB:
        number += 1
        text = markdown(f"Bench {number}", gen.chapters(400_000))
        parts.append(text if number == 1 else text.split("---\n", 2)[2])
        size += len(text.encode())
    return "\n".join(parts)


def wrapped(megabytes: float) -> str:
    """Hard-wrapped paragraphs, with an HTML block, inline HTML and a footnote now and then."""
    out = []
    for index, paragraph in enumerate(generated(megabytes).split("\n\n")):
        if paragraph.startswith(("#", "---", "title:")) or "\n" in paragraph:
            out.append(paragraph)
            continue
        if index % 40 == 7:
            paragraph += f"[^n{index}]\n\n[^n{index}]: A note on <em>this</em> line."
        elif index % 40 == 21:
            paragraph = f'<div class="aside">\n<p>{paragraph}</p>\n</div>'
        elif index % 10 == 3:
            paragraph = paragraph.replace(" ", " <strong>", 1) + "</strong>"
        out.append(paragraph if paragraph.startswith("<") else textwrap.fill(paragraph, 72))
    return "\n\n".join(out)


PATHOLOGICAL: dict[str, Callable[[], str]] = {
    # One quote nested a million and a half deep.
    "nested quotes, one line (3.5 MB)": lambda: "> " * 1_750_000 + "deep\n",
    # Many lines, each nested a little deeper than the last.
    "nested quotes, 2,000 lines (4 MB)": lambda: "".join("> " * k + "x\n" for k in range(1, 2_000)),
    # Backtick runs of every length, none closing another.
    "backtick runs 1..2,500 (3 MB)": lambda: "".join("`" * k + "a" for k in range(1, 2_500)),
    "one run of a million backticks": lambda: "`" * 1_000_000 + "\n",
    "a million double-backtick spans (4 MB)": lambda: "``a " * 1_000_000,
    "unclosed *a (10 MB)": lambda: "*a " * 3_400_000,
    "unclosed **a _b (10 MB)": lambda: "**a _b " * 1_450_000,
    "unclosed [link ( (6 MB)": lambda: "[a](b " * 1_000_000,
    "unclosed <tag (6 MB)": lambda: '<a x="' * 1_000_000,
    "unclosed footnote refs [^ (6 MB)": lambda: "[^a " * 1_500_000,
    "open html comments (6 MB)": lambda: "<!-- a " * 900_000,
    "nested <em> (3 MB)": lambda: "<em>a " * 500_000,
    "attribute braces { (6 MB)": lambda: "a {#b " * 1_000_000,
    "fence lines ::: (4 MB)": lambda: "::: a\n" * 700_000,
}


def timed(text: str) -> float:
    data = text.encode()
    started = time.perf_counter()
    with contextlib.suppress(StoryError):  # "no story text" is an answer too
        parse(data, "bench.md")
    return time.perf_counter() - started


def _child(label: str, queue: multiprocessing.Queue) -> None:
    queue.put(timed(PATHOLOGICAL[label]()))


def timed_case(label: str, limit: float) -> float | None:
    """Seconds one pathological input takes, in a child process; None past `limit`."""
    queue: multiprocessing.Queue = multiprocessing.Queue()
    child = multiprocessing.Process(target=_child, args=(label, queue))
    child.start()
    child.join(limit)
    if child.is_alive():
        child.terminate()
        child.join()
        return None
    return queue.get(timeout=5)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mb", type=float, default=8, help="generated text, MB (default 8)")
    parser.add_argument("--only", help="run only the cases whose name contains this")
    parser.add_argument("--limit", type=float, default=60, help="seconds per hostile input")
    args = parser.parse_args()
    print(f"storybot Markdown benchmark — Python {sys.version.split()[0]}")
    if not args.only:
        for label, text in (
            ("one line per paragraph", generated(args.mb)),
            ("wrapped, HTML, footnotes", wrapped(args.mb)),
        ):
            size = len(text.encode())
            best = min(timed(text) for _ in range(3))
            print(f"  {label:34} {size / MB:6.1f} MB {best:7.2f} s {size / MB / best:7.1f} MB/s")
    print("Pathological inputs (seconds; must grow linearly with size)")
    for label, make in PATHOLOGICAL.items():
        if args.only and args.only not in label:
            continue
        size = len(make().encode())
        seconds = timed_case(label, args.limit)
        shown = f"{seconds:7.2f} s" if seconds is not None else f"> {args.limit:g} s"
        print(f"  {label:40} {size / MB:5.1f} MB {shown}", flush=True)


if __name__ == "__main__":
    main()
