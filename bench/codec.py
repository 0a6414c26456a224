"""Codec benchmark: a parsed story to bytes and back, against parsing its file again.

    python bench/codec.py [--runs 5]

For generated AO3 HTML downloads of 2 MB and of 20 MB, prints the time to parse the file,
to encode the parsed story and to decode it (each the median of --runs), and the encoded
size against the story's plain text in UTF-8. Then, for the 2 MB work, the same at zlib
levels 1 and 6; and the sizes for the bundled stories, whose prose is real rather than drawn
from a small word list, and so compresses less.
"""

from __future__ import annotations

import argparse
import statistics
import time

from _common import ROOT

from bench.generate import single_html
from bot.library import codec
from bot.parsers import FORMATS, parse_story

MB = 1_000_000


def median_ms(action, runs: int) -> float:
    timings = []
    for _ in range(runs):
        started = time.perf_counter()
        result = action()
        timings.append(time.perf_counter() - started)
        # Dropped before the next run, so the collector never walks two copies of a story.
        del result
    return statistics.median(timings) * 1000


def bench_work(size: int, runs: int) -> None:
    data = single_html(size)
    story = parse_story(data, "work.html", None)
    encoded = codec.encode(story)
    assert codec.decode(encoded) == story
    text = len(story.plain.encode())
    blocks = sum(len(chapter.blocks) for chapter in story.chapters)
    parse = median_ms(lambda: parse_story(data, "work.html", None), runs)
    encode = median_ms(lambda: codec.encode(story), runs)
    decode = median_ms(lambda: codec.decode(encoded), runs)
    print(f"\nAO3 work, {len(data) / MB:.1f} MB file, {text / MB:.1f} MB of text, "
          f"{len(story.chapters)} chapters, {blocks} blocks")
    print(f"  parse   {parse:8.1f} ms")
    print(f"  encode  {encode:8.1f} ms")
    print(f"  decode  {decode:8.1f} ms   {parse / decode:5.1f}x faster than parsing")
    print(f"  encoded {len(encoded) / MB:8.2f} MB   {len(encoded) / text:6.1%} of the text")


def bench_levels(size: int, runs: int) -> None:
    story = parse_story(single_html(size), "work.html", None)
    text = len(story.plain.encode())
    chosen = codec.COMPRESSION_LEVEL
    print(f"\nzlib level, {text / MB:.1f} MB of text (the codec uses level {chosen})")
    try:
        for level in (1, 6):
            codec.COMPRESSION_LEVEL = level
            encoded = codec.encode(story)
            encode = median_ms(lambda: codec.encode(story), runs)
            decode = median_ms(lambda: codec.decode(encoded), runs)  # noqa: B023
            print(f"  level {level}  encode {encode:7.1f} ms  decode {decode:6.1f} ms  "
                  f"{len(encoded) / text:6.1%} of the text")
    finally:
        codec.COMPRESSION_LEVEL = chosen


def bench_bundled() -> None:
    text = encoded = 0
    for path in sorted((ROOT / "stories").iterdir()):
        if path.suffix.lower() not in FORMATS:
            continue
        sidecar = path.with_suffix(".toml")
        story = parse_story(path.read_bytes(), path.name,
                            sidecar.read_bytes() if sidecar.exists() else None)
        text += len(story.plain.encode())
        encoded += len(codec.encode(story))
    print(f"\nBundled stories (real prose), {text / 1000:.0f} kB of text")
    print(f"  encoded {encoded / 1000:8.1f} kB   {encoded / text:6.1%} of the text")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="timed runs per figure")
    args = parser.parse_args()
    for size in (2 * MB, 20 * MB):
        bench_work(size, args.runs)
    bench_levels(2 * MB, args.runs)
    bench_bundled()


if __name__ == "__main__":
    main()
