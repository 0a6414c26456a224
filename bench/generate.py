"""Generate a large library of synthetic stories in every format, for the benchmarks.

The prose is nonsense assembled from a small word list, with the features that make real
stories expensive: curly quotes, em dashes, italics, dialogue, scene breaks, long and short
paragraphs, several chapters. The same seed always gives the same library.
"""

from __future__ import annotations

import html
import random
import zipfile
from pathlib import Path

WORDS = (
    "the", "a", "and", "of", "to", "in", "was", "her", "his", "that", "it", "with", "for",
    "on", "as", "had", "at", "by", "from", "but", "not", "lantern", "harbour", "quiet",
    "window", "river", "ledger", "winter", "orchard", "bell", "letter", "silver", "road",
    "morning", "evening", "candle", "frost", "kettle", "doorway", "shadow", "thread",
    "paper", "ink", "stone", "field", "remembered", "whispered", "carried", "folded",
    "waited", "listened", "turned", "opened", "closed", "wondered", "slowly", "almost",
    "never", "always", "again", "perhaps", "somewhere", "nothing", "everything", "together",
    "small", "old", "bright", "narrow", "heavy", "patient", "careful", "sudden", "distant",
    "familiar",
)
NAMES = ("Mara", "Tobin", "Isolde", "Pell", "Ruth", "Anselm", "Dov", "Wynn")


class ProseGenerator:
    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)

    def sentence(self) -> tuple[str, bool]:
        """A sentence and whether it is dialogue."""
        rng = self.rng
        words = [rng.choice(WORDS) for _ in range(rng.randint(5, 22))]
        if rng.random() < 0.15:
            words.insert(rng.randint(1, len(words) - 1), "—")
        text = " ".join(words)
        text = text[0].upper() + text[1:]
        if rng.random() < 0.3:
            return f"“{text}{rng.choice(['.', '?', '…', '!'])}” {rng.choice(NAMES)} said.", True
        return text + rng.choice([".", ".", ".", "?", "…"]), False

    def paragraph(self) -> list[tuple[str, bool]]:
        """A paragraph as (text, italic) runs."""
        runs = []
        for _ in range(self.rng.choice([1, 2, 3, 4, 6, 9])):
            text, _ = self.sentence()
            italic = self.rng.random() < 0.08
            runs.append((text, italic))
            runs.append((" ", False))
        runs.pop()
        return runs

    def chapters(self, target_chars: int) -> list[list[list[tuple[str, bool]] | None]]:
        """Chapters of paragraphs (None marks a scene break) totalling about target_chars."""
        count = max(1, min(30, target_chars // 40_000))
        per_chapter = target_chars // count
        chapters = []
        for _ in range(count):
            blocks: list[list[tuple[str, bool]] | None] = []
            size = 0
            while size < per_chapter:
                if blocks and blocks[-1] is not None and self.rng.random() < 0.03:
                    blocks.append(None)
                    continue
                para = self.paragraph()
                blocks.append(para)
                size += sum(len(t) for t, _ in para) + 2
            chapters.append(blocks)
        return chapters


def _html_paragraph(runs: list[tuple[str, bool]]) -> str:
    inner = "".join(
        f"<em><span>{html.escape(t, quote=False)}</span></em>" if italic
        else f"<span>{html.escape(t, quote=False)}</span>"
        for t, italic in runs
    )
    return f"<p>\n  {inner}\n</p>"


def _html_chapter_body(blocks) -> str:
    return "".join(
        "<p> </p><hr/><p> </p>" if block is None else _html_paragraph(block) for block in blocks
    )


def ao3_html(title: str, chapters) -> str:
    """An AO3 "Download -> HTML" shaped document."""
    parts = [
        '<!DOCTYPE html><html><head><meta charset="utf-8"/>',
        f"<title>{html.escape(title)}</title></head><body>",
        '<div id="preface"><div class="meta"><dl class="tags">',
        "<dt>Rating:</dt><dd><a>Teen And Up Audiences</a></dd>",
        "<dt>Fandom:</dt><dd><a>Original Work</a></dd>",
        "<dt>Language:</dt><dd>English</dd>",
        f"<dt>Stats:</dt><dd>Published: 2024-01-01 Chapters: {len(chapters)}/{len(chapters)}</dd>",
        f'</dl><h1>{html.escape(title)}</h1><div class="byline">by <a rel="author">bench</a>'
        '</div></div></div><div id="chapters" class="userstuff">',
    ]
    for number, blocks in enumerate(chapters, start=1):
        parts.append(
            f'<div class="meta group"><h2 class="heading">Chapter {number}</h2></div>'
            f'<div class="userstuff">{_html_chapter_body(blocks)}</div>'
        )
    parts.append("</div></body></html>")
    return "".join(parts)


def markdown(title: str, chapters) -> str:
    lines = ["---", f"title: {title}", "author: bench", "rating: General Audiences", "---", ""]
    for number, blocks in enumerate(chapters, start=1):
        lines += [f"# Chapter {number}", ""]
        for block in blocks:
            if block is None:
                lines += ["* * *", ""]
            else:
                lines += ["".join(f"*{t}*" if i else t for t, i in block), ""]
    return "\n".join(lines)


def plain_text(chapters) -> str:
    paragraphs = []
    for blocks in chapters:
        for block in blocks:
            paragraphs.append("* * *" if block is None else "".join(t for t, _ in block))
    return "\n\n".join(paragraphs) + "\n"


def epub(title: str, chapters) -> bytes:
    """A minimal EPUB 3: container, OPF with a spine, one XHTML file per chapter."""
    import io

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("mimetype", "application/epub+zip", compress_type=zipfile.ZIP_STORED)
        archive.writestr(
            "META-INF/container.xml",
            '<?xml version="1.0"?><container version="1.0" '
            'xmlns="urn:oasis:names:tc:opendocument:xmlns:container"><rootfiles>'
            '<rootfile full-path="OEBPS/content.opf" '
            'media-type="application/oebps-package+xml"/></rootfiles></container>',
        )
        items, refs = [], []
        for number, blocks in enumerate(chapters, start=1):
            name = f"chapter{number}.xhtml"
            items.append(f'<item id="c{number}" href="{name}" '
                         'media-type="application/xhtml+xml"/>')
            refs.append(f'<itemref idref="c{number}"/>')
            archive.writestr(
                f"OEBPS/{name}",
                '<?xml version="1.0" encoding="utf-8"?><html xmlns="http://www.w3.org/1999/xhtml">'
                f"<head><title>Chapter {number}</title></head><body><h2>Chapter {number}</h2>"
                f"{_html_chapter_body(blocks)}</body></html>",
            )
        archive.writestr(
            "OEBPS/content.opf",
            '<?xml version="1.0"?><package xmlns="http://www.idpf.org/2007/opf" version="3.0" '
            'unique-identifier="id"><metadata xmlns:dc="http://purl.org/dc/elements/1.1/">'
            f'<dc:title>{html.escape(title)}</dc:title><dc:creator>bench</dc:creator>'
            '<dc:language>en</dc:language><dc:identifier id="id">bench</dc:identifier>'
            f'</metadata><manifest>{"".join(items)}</manifest>'
            f'<spine>{"".join(refs)}</spine></package>',
        )
    return buffer.getvalue()


def generate_library(folder: Path, total_mb: float = 52, seed: int = 7) -> dict[str, int]:
    """Write stories in all four formats until about `total_mb` of text; bytes per format."""
    folder.mkdir(parents=True, exist_ok=True)
    gen = ProseGenerator(seed)
    sizes = {"html": 0, "epub": 0, "txt": 0, "md": 0}
    per_format = int(total_mb * 1_000_000 / len(sizes))
    number = 0
    while min(sizes.values()) < per_format:
        for fmt in sizes:
            if sizes[fmt] >= per_format:
                continue
            number += 1
            chars = gen.rng.choice([30_000, 120_000, 400_000, 900_000, 1_600_000])
            chapters = gen.chapters(chars)
            title = f"Bench Story {number}"
            path = folder / f"bench-{number:04d}.{fmt}"
            if fmt == "html":
                path.write_text(ao3_html(title, chapters), encoding="utf-8")
            elif fmt == "md":
                path.write_text(markdown(title, chapters), encoding="utf-8")
            elif fmt == "txt":
                path.write_text(plain_text(chapters), encoding="utf-8")
            else:
                path.write_bytes(epub(title, chapters))
            sizes[fmt] += len(plain_text(chapters).encode())
    return sizes


def single_html(target_bytes: int, seed: int = 11) -> bytes:
    """One AO3 HTML download of about `target_bytes`."""
    gen = ProseGenerator(seed)
    chapters = gen.chapters(int(target_bytes * 0.8))
    data = ao3_html("Two Megabytes", chapters).encode()
    while len(data) < target_bytes:
        chapters.append(gen.chapters(40_000)[0])
        data = ao3_html("Two Megabytes", chapters).encode()
    return data
