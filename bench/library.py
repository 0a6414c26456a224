"""Library benchmark: parse and pagination throughput, against commands.Paginator.

    python bench/library.py [--mb 52] [--page-chars 1800]

Generates (once, into bench/.data) a library of at least 50 MB of story text in all four
formats, adds the bundled stories, and prints:
- parse throughput per format (parser only, files already in memory);
- pagination throughput, with the per-story layout cached (a page-size change) and with it
  worked out first (a fresh load), and `discord.ext.commands.Paginator` on the same text;
- how each one's pages end (chapter, scene, paragraph, sentence, word, character);
- a 2 MB AO3 HTML download parsed and paginated, median of several runs;
- decoding a 1 MB file that is not UTF-8 (detection included) against the same text in UTF-8;
- memory: peak and retained growth of the process against the size of the text.
"""

from __future__ import annotations

import argparse
import gc
import os
import re
import statistics
import subprocess
import sys
import time
from pathlib import Path

from _common import ROOT

from bench.generate import ProseGenerator, generate_library, plain_text, single_html
from bot.library.catalogue import Library
from bot.parsers import FORMATS, parse_story, parser_for
from bot.text.decoding import decode_any
from bot.text.pagination import Layout, paginate
from bot.text.story import BlockKind

DATA = ROOT / "bench" / ".data"
MB = 1_000_000


def text_bytes(story) -> int:
    return len(story.plain.encode())


def ensure_library(megabytes: float) -> Path:
    folder = DATA / f"library-{megabytes:g}mb"
    marker = folder / ".complete"
    if not marker.exists():
        print(f"generating {megabytes:g} MB of stories in {folder} ...", flush=True)
        generate_library(folder, megabytes)
        marker.write_text("ok")
    return folder


def bench_parsers(folders: list[Path]) -> dict:
    """Parser-only throughput per format, on bytes already read."""
    by_format: dict[str, list[float]] = {}
    stories = []
    for folder in folders:
        for path in sorted(folder.iterdir()):
            if path.suffix.lower() not in FORMATS or not path.is_file():
                continue
            data = path.read_bytes()
            sidecar = path.with_suffix(".toml")
            side = sidecar.read_bytes() if sidecar.exists() else None
            started = time.perf_counter()
            story = parse_story(data, path.name, side)
            elapsed = time.perf_counter() - started
            fmt = FORMATS[path.suffix.lower()]
            totals = by_format.setdefault(fmt, [0.0, 0.0, 0.0])
            totals[0] += elapsed
            totals[1] += text_bytes(story)
            totals[2] += len(data)
            stories.append(story)
    print("\nParsing (parser only, files in memory)")
    print(f"  {'format':10} {'files MB':>9} {'text MB':>9} {'seconds':>8} {'text MB/s':>10}")
    for fmt, (seconds, text, raw) in sorted(by_format.items()):
        rate = text / MB / seconds
        print(f"  {fmt:10} {raw / MB:9.1f} {text / MB:9.1f} {seconds:8.2f} {rate:10.1f}")
    return {"stories": stories}


def classify_end(text: str, cut: int, is_chapter_end: bool, next_is_break: bool) -> str:
    if is_chapter_end:
        return "chapter"
    if next_is_break:
        return "scene"
    if text[cut:cut + 2] == "\n\n" or text[cut - 2:cut] == "\n\n":
        return "paragraph"
    before = text[:cut].rstrip()
    if re.search(r"[.!?…。！？][”’\"')\]]*$", before):
        return "sentence"
    if cut < len(text) and (text[cut - 1].isspace() or text[cut].isspace()):
        return "word"
    return "character"


def bench_pagination(stories: list, page_chars: int) -> None:
    text_mb = sum(text_bytes(s) for s in stories) / MB
    layouts = []
    started = time.perf_counter()
    for story in stories:
        layouts.append(Layout(story))
    layout_seconds = time.perf_counter() - started

    started = time.perf_counter()
    paged = [paginate(s, page_chars, layout=lay) for s, lay in zip(stories, layouts, strict=True)]
    cut_seconds = time.perf_counter() - started

    # commands.Paginator on the same text: the rendered blocks as lines. Lines longer than a
    # page must be split first (it refuses them); that split is done before timing.
    from discord.ext import commands

    from bot.text.markup import render_block

    line_sets = []
    for story in stories:
        lines = []
        for chapter in story.chapters:
            for block in chapter.blocks:
                rendered = render_block(block)
                while len(rendered) > page_chars - 2:
                    lines.append(rendered[: page_chars - 2])
                    rendered = rendered[page_chars - 2 :]
                lines.extend((rendered, ""))
        line_sets.append(lines)
    started = time.perf_counter()
    baseline_pages = []
    for lines in line_sets:
        paginator = commands.Paginator(prefix=None, suffix=None, max_size=page_chars)
        for line in lines:
            paginator.add_line(line)
        baseline_pages.append(paginator.pages)
    baseline_seconds = time.perf_counter() - started

    ours = sum(len(p) for p in paged)
    theirs = sum(len(p) for p in baseline_pages)
    print(f"\nPagination of {text_mb:.1f} MB of text, PAGE_CHARS={page_chars}")
    print(f"  storybot paginate (layout cached)  {text_mb / cut_seconds:8.1f} MB/s  "
          f"{cut_seconds:6.2f} s  {ours} pages")
    both = cut_seconds + layout_seconds
    print(f"  storybot layout + paginate         {text_mb / both:8.1f} MB/s  {both:6.2f} s")
    print(f"  commands.Paginator                 {text_mb / baseline_seconds:8.1f} MB/s  "
          f"{baseline_seconds:6.2f} s  {theirs} pages")
    print(f"  ratio paginate / Paginator speed    {baseline_seconds / cut_seconds:8.2f}x")
    print(f"  ratio layout+paginate / Paginator   {baseline_seconds / both:8.2f}x")

    # Where pages end.
    ours_kinds: dict[str, int] = {}
    for pages in paged:
        story = pages.story
        for page in pages.pages:
            ch = pages.layout.chapters[page.chapter]
            chapter_pages = pages.chapter_pages(page.chapter)
            if page is chapter_pages[-1]:
                kind = "chapter"
            elif page.hi < ch.plain_len[page.last]:
                cut = ch.plain_start[page.last] + page.hi
                kind = classify_end(story.plain, cut, False, False)
            elif story.chapters[page.chapter].blocks[page.last + 1].kind is BlockKind.BREAK:
                kind = "scene"
            else:
                kind = "paragraph"
            ours_kinds[kind] = ours_kinds.get(kind, 0) + 1
    theirs_kinds: dict[str, int] = {}
    for story, pages in zip(stories, baseline_pages, strict=True):
        chapter_texts = {c.plain.split("\n\n")[-1][-40:] for c in story.chapters}
        for page in pages[:-1]:
            body = page.rstrip("\n")
            if any(body.endswith(t) for t in chapter_texts if t):
                kind = "chapter"
            elif page.endswith("\n\n") or page.endswith("\n"):
                kind = "paragraph" if not body.endswith("⁂") else "scene"
                if len(body) == page_chars - 2 or not body.strip():
                    kind = "character"
            else:
                kind = "character"
            theirs_kinds[kind] = theirs_kinds.get(kind, 0) + 1
        theirs_kinds["chapter"] = theirs_kinds.get("chapter", 0) + 1
    print("  where pages end        chapter  scene  paragraph  sentence  word  character")
    for name, kinds in (("storybot", ours_kinds), ("commands.Paginator", theirs_kinds)):
        total = sum(kinds.values()) or 1
        cells = "".join(
            f"{100 * kinds.get(k, 0) / total:{w}.1f}%"
            for k, w in (("chapter", 8), ("scene", 6), ("paragraph", 10), ("sentence", 9),
                         ("word", 5), ("character", 10))
        )
        print(f"  {name:20} {cells}")
    straddling = sum(
        1 for story, pages in zip(stories, baseline_pages, strict=True)
        for _ in range(max(len(story.chapters) - 1, 0))
    )
    print(f"  commands.Paginator ignores chapters: up to {straddling} of its pages mix the end "
          "of one chapter with the start of the next.")
    sizes = [len(p.text(page)) for p in paged for page in p.pages]
    print(f"  storybot page length: min {min(sizes)}, median {int(statistics.median(sizes))}, "
          f"max {max(sizes)} (limit 4096)")


def bench_two_megabytes(page_chars: int, runs: int = 7) -> None:
    data = single_html(2_000_000)
    parse = parser_for(".html")
    times, parse_times = [], []
    for _ in range(runs):
        gc.collect()
        started = time.perf_counter()
        story = parse(data, "two-megabytes")
        parsed = time.perf_counter()
        paged = paginate(story, page_chars)
        done = time.perf_counter()
        parse_times.append(parsed - started)
        times.append(done - started)
    print(f"\n2 MB AO3 HTML download ({len(data) / MB:.2f} MB file, "
          f"{text_bytes(story) / MB:.2f} MB text, {len(story.chapters)} chapters, "
          f"{len(paged)} pages)")
    print(f"  parse {statistics.median(parse_times) * 1000:.0f} ms, parse + paginate "
          f"{statistics.median(times) * 1000:.0f} ms (median of {runs}; goal < 150 ms)")


def bench_decoding(runs: int = 7) -> None:
    """What reading a file that is not UTF-8 costs: about 1 MB of Windows-1252 text, its
    encoding detected, against the same text in UTF-8."""
    text = plain_text(ProseGenerator(13).chapters(1_000_000))
    legacy, utf8 = text.encode("cp1252"), text.encode()
    timings = {}
    for name, data in (("legacy", legacy), ("utf8", utf8)):
        times = []
        for _ in range(runs):
            started = time.perf_counter()
            decoded = decode_any(data)
            times.append(time.perf_counter() - started)
        timings[name] = statistics.median(times) * 1000
        assert decoded.text == text
    print(f"\nDecoding a {len(legacy) / MB:.2f} MB {decode_any(legacy).name} file: "
          f"{timings['legacy']:.0f} ms with detection, {timings['utf8']:.1f} ms for the same "
          f"text in UTF-8 (median of {runs})")


def _status(field: str) -> int:
    """A memory figure of this process from /proc/self/status, in bytes.

    VmHWM (the peak) starts afresh at exec, unlike ru_maxrss, which a child inherits from
    the process that forked it.
    """
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1]) * 1024
    raise LookupError(field)


def memory_child(folder: str, page_chars: int) -> None:
    """Run in a fresh process: load the library and paginate it, report memory."""
    gc.collect()
    bare = _status("VmRSS")
    # The parsers' modules (lxml among them) load once whatever the library's size; they are
    # counted apart from what the stories themselves hold.
    for suffix in FORMATS:
        parser_for(suffix)
    gc.collect()
    before = _status("VmRSS")
    print(f"  parser modules loaded:          {(before - bare) / MB:6.1f} MB (once, any library)")
    library = Library.load(folder)
    texts = [entry.text for entry in library.entries()]
    for text in texts:
        text.paged(page_chars)
    gc.collect()
    after = _status("VmRSS")
    peak = _status("VmHWM")
    utf8 = sum(text_bytes(t.story) for t in texts)
    as_str = sum(sys.getsizeof(run.text) for t in texts for c in t.story.chapters
                 for b in c.blocks for run in b.runs)
    print(f"  {len(library)} stories: {utf8 / MB:.1f} MB of text as UTF-8, "
          f"{as_str / MB:.1f} MB as Python strings (2 bytes a character once a paragraph "
          "holds a curly quote)")
    print(f"  retained after load + paginate: {(after - before) / MB:6.1f} MB "
          f"= {(after - before) / utf8:.2f}x the UTF-8 text (goal < 3x)")
    print(f"  peak growth while loading:      {(peak - before) / MB:6.1f} MB "
          f"= {(peak - before) / utf8:.2f}x the UTF-8 text")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mb", type=float, default=52, help="generated text, MB (default 52)")
    parser.add_argument("--page-chars", type=int, default=1800)
    parser.add_argument("--memory-child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.memory_child:
        memory_child(args.memory_child, args.page_chars)
        return
    folder = ensure_library(args.mb)
    print(f"storybot library benchmark — Python {sys.version.split()[0]}, {os.cpu_count()} cores")
    result = bench_parsers([folder, ROOT / "stories"])
    bench_pagination(result["stories"], args.page_chars)
    del result
    gc.collect()
    bench_two_megabytes(args.page_chars)
    bench_decoding()
    print("\nMemory (fresh process, whole library)")
    sys.stdout.flush()
    subprocess.run([sys.executable, __file__, "--memory-child", str(folder),
                    "--page-chars", str(args.page_chars)], check=True)


if __name__ == "__main__":
    main()
