"""A parsed story as bytes for the database, and back.

The library keeps each story's parsed form in the database, keyed by the source file's
content hash, so a restart parses nothing and a story's text is read only when a member
opens it. Rows may be read by other processes and by other versions of the bot, so the
format is plain data that decoding only ever reads: never pickle, never code.

An encoded story is a 9-byte header and a zlib stream:

    b"STRY"  version (1 byte, CODEC_VERSION)  payload length (4 bytes, u32 little-endian)
    zlib(payload)

and the payload lays a story out in columns rather than as one record per block, so that
decoding reads a few flat tables and cuts every run's text out of one stretch of UTF-8:

    skeleton length   u32
    skeleton          UTF-8 JSON: metadata, chapter titles and block counts, warnings
    kinds             1 byte per block, an index into `KINDS`
    run counts        u32 per block: how many runs it has (a scene break has none)
    styles            1 byte per run, its `Style` flags
    run lengths       u32 per run, in bytes of UTF-8
    text              UTF-8: every run's text, one after another, without separators

All u32 are little-endian. Blocks come in the order summary, notes, end notes, then each
chapter's; the skeleton says how many each one has:

    {"meta": {"title": "…", "tags": ["…"], "declared_words": 1200 or null, …,
              "summary": 1, "notes": 0, "end_notes": 2},
     "chapters": [["Chapter 1", 212], …],
     "warnings": ["…"]}

A story's `id` and `source` belong to the library, not to the story's content, and are
not encoded. Text may hold lone surrogates (left by a decoder's error handler): they are
carried through unchanged (UTF-8 "surrogatepass").
"""

from __future__ import annotations

import json
import sys
import zlib
from array import array
from pathlib import Path

from bot.text.story import Block, BlockKind, Chapter, Metadata, Run, Story, Style

#: Changes whenever the format does; the store re-encodes a row written by another version.
CODEC_VERSION = 1

MAGIC = b"STRY"

#: Level 1: level 6 stores a fifth less and decodes as fast, but encodes four to six times
#: slower, as long again as parsing the file; on a first start of a big library that is the
#: difference between stories being readable or not, and disk is the cheaper of the two.
COMPRESSION_LEVEL = 1

#: Block kinds by their code in the kinds table; codes never change meaning within a version.
KINDS = (BlockKind.PARAGRAPH, BlockKind.BREAK, BlockKind.HEADING, BlockKind.NOTE)
_KIND_CODES = {kind: code for code, kind in enumerate(KINDS)}
_STYLES = tuple(Style(flags) for flags in range(16))

_HEADER = len(MAGIC) + 1 + 4
_TEXT_FIELDS = ("title", "author", "rating", "language", "url", "published", "updated",
                "completed", "declared_chapters")
_LIST_FIELDS = ("warnings", "categories", "fandoms", "relationships", "characters", "tags",
                "series")
_BLOCK_FIELDS = ("summary", "notes", "end_notes")
_META_KEYS = {*_TEXT_FIELDS, *_LIST_FIELDS, *_BLOCK_FIELDS, "declared_words"}
_U32 = "I" if array("I").itemsize == 4 else "L"
_SWAP = sys.byteorder == "big"


class CodecError(ValueError):
    """Bytes that are not a story encoded by this version of the codec."""


def encode(story: Story) -> bytes:
    """The story as bytes for `decode`; `story.id` and `story.source` are left out."""
    meta = story.meta
    sequences = [*(getattr(meta, name) for name in _BLOCK_FIELDS),
                 *(chapter.blocks for chapter in story.chapters)]
    kinds = bytearray()
    counts: list[int] = []
    styles = bytearray()
    texts: list[bytes] = []
    for blocks in sequences:
        for block in blocks:
            kinds.append(_KIND_CODES[block.kind])
            text = block.unstyled
            if text is not None:
                counts.append(1)
                styles.append(0)
                texts.append(_utf8(text))
                continue
            runs = block.runs
            counts.append(len(runs))
            for run in runs:
                styles.append(run.style)
                texts.append(_utf8(run.text))
    skeleton = {
        "meta": {
            **{name: getattr(meta, name) for name in _TEXT_FIELDS},
            **{name: list(getattr(meta, name)) for name in _LIST_FIELDS},
            **{name: len(getattr(meta, name)) for name in _BLOCK_FIELDS},
            "declared_words": meta.declared_words,
        },
        "chapters": [[chapter.title, len(chapter.blocks)] for chapter in story.chapters],
        "warnings": list(story.warnings),
    }
    head = _utf8(json.dumps(skeleton, ensure_ascii=False, separators=(",", ":")))
    payload = b"".join((len(head).to_bytes(4, "little"), head, kinds, _u32(counts), styles,
                        _u32(list(map(len, texts))), *texts))
    return b"".join((MAGIC, bytes((CODEC_VERSION,)), len(payload).to_bytes(4, "little"),
                     zlib.compress(payload, COMPRESSION_LEVEL)))


def decode(data: bytes, *, id: str = "", source: Path | None = None) -> Story:
    """The story `encode` made these bytes from, given the library's `id` and `source`.

    Raises `CodecError` for anything else: bytes from another format or codec version,
    truncated or damaged data, or a payload whose parts do not fit together.
    """
    payload = _inflate(data)
    size = len(payload)
    if size < 4:
        raise CodecError("corrupt story: no skeleton")
    end = 4 + int.from_bytes(payload[:4], "little")
    if end > size:
        raise CodecError("corrupt story: skeleton runs past the end")
    try:
        skeleton = json.loads(str(payload[4:end], "utf-8", "surrogatepass"))
    except (ValueError, RecursionError) as error:
        raise CodecError(f"corrupt story: unreadable skeleton ({error})") from None
    fields, sequences, titles, warnings = _read_skeleton(skeleton)

    view = memoryview(payload)
    block_count = sum(sequences)
    kinds = bytes(view[end:end + block_count])
    counts = _read_u32(view, end + block_count, block_count)
    run_start = end + 5 * block_count
    run_count = sum(counts)
    styles = bytes(view[run_start:run_start + run_count])
    lengths = _read_u32(view, run_start + run_count, run_count)
    text_start = run_start + 5 * run_count
    if len(kinds) < block_count or len(styles) < run_count or text_start > size:
        raise CodecError("corrupt story: block tables run past the end")
    if max(kinds, default=0) >= len(KINDS) or max(styles, default=0) >= len(_STYLES):
        raise CodecError("corrupt story: unknown block kind or style")
    if text_start + sum(lengths) != size:
        raise CodecError("corrupt story: run lengths do not add up to the text")
    del view
    # Run by run rather than all at once: a story's whole text as one str would briefly
    # take up to four times its UTF-8 size on top of the runs cut from it.
    texts = []
    start = text_start
    try:
        for length in lengths:
            texts.append(payload[start:start + length].decode("utf-8", "surrogatepass"))
            start += length
    except UnicodeDecodeError as error:
        raise CodecError(f"corrupt story: text is not UTF-8 ({error})") from None
    del payload
    blocks = _blocks(kinds, counts, styles, texts)

    parts = []
    start = 0
    for count in sequences:
        parts.append(tuple(blocks[start:start + count]))
        start += count
    blocks_of = len(_BLOCK_FIELDS)
    meta = Metadata(**fields, **dict(zip(_BLOCK_FIELDS, parts[:blocks_of], strict=True)))
    chapters = tuple(map(Chapter, titles, parts[blocks_of:]))
    return Story(meta, chapters, id=id, source=source, warnings=warnings)


def _blocks(kinds: bytes, counts: array, styles: bytes, texts: list[str]) -> list[Block]:
    """Blocks built through `Block`, so a single unstyled run is kept as a plain string."""
    flags = list(map(_STYLES.__getitem__, styles))
    blocks = []
    append = blocks.append
    run = 0
    for kind, count in zip(map(KINDS.__getitem__, kinds), counts, strict=True):
        if count == 1:
            append(Block(kind, (Run(texts[run], flags[run]),)))
        else:
            append(Block(kind, tuple(map(Run, texts[run:run + count], flags[run:run + count]))))
        run += count
    return blocks


def _inflate(data: bytes) -> bytes:
    """The payload, after checking the header and that the zlib stream is whole."""
    if len(data) < _HEADER or data[:len(MAGIC)] != MAGIC:
        raise CodecError("not an encoded story: the STRY header is missing")
    version = data[len(MAGIC)]
    if version != CODEC_VERSION:
        raise CodecError(f"story encoded by codec version {version}; "
                         f"this is version {CODEC_VERSION}")
    size = int.from_bytes(data[len(MAGIC) + 1:_HEADER], "little")
    inflater = zlib.decompressobj()
    try:
        # One byte more than announced, so that a longer payload shows itself without
        # inflating all of it.
        payload = inflater.decompress(memoryview(data)[_HEADER:], size + 1)
    except zlib.error as error:
        raise CodecError(f"corrupt story: {error}") from None
    if len(payload) != size or not inflater.eof or inflater.unused_data:
        raise CodecError("corrupt story: truncated, or not the length its header says")
    return payload


def _read_skeleton(skeleton: object) -> tuple[dict, list[int], list[str], tuple[str, ...]]:
    """Metadata fields, block counts per sequence, chapter titles and warnings, checked."""
    if not isinstance(skeleton, dict) or skeleton.keys() != {"meta", "chapters", "warnings"}:
        raise CodecError("corrupt story: the skeleton is not the expected object")
    meta, chapters, warnings = skeleton["meta"], skeleton["chapters"], skeleton["warnings"]
    if not isinstance(meta, dict) or meta.keys() != _META_KEYS:
        raise CodecError("corrupt story: metadata fields are not the expected ones")
    fields: dict[str, object] = {}
    for name in _TEXT_FIELDS:
        fields[name] = _check(meta[name], isinstance(meta[name], str), name)
    for name in _LIST_FIELDS:
        fields[name] = tuple(_check(meta[name], _is_strings(meta[name]), name))
    words = meta["declared_words"]
    fields["declared_words"] = _check(words, words is None or type(words) is int,
                                      "declared_words")
    sequences = [_check(meta[name], _is_count(meta[name]), name) for name in _BLOCK_FIELDS]
    if not isinstance(chapters, list) or not all(
        isinstance(chapter, list) and len(chapter) == 2 and isinstance(chapter[0], str)
        and _is_count(chapter[1]) for chapter in chapters
    ):
        raise CodecError("corrupt story: chapters are not [title, block count] pairs")
    sequences += [count for _, count in chapters]
    titles = [title for title, _ in chapters]
    return fields, sequences, titles, tuple(_check(warnings, _is_strings(warnings), "warnings"))


def _check(value, ok: bool, name: str):
    if not ok:
        raise CodecError(f"corrupt story: {name} has the wrong type")
    return value


def _is_strings(value: object) -> bool:
    return isinstance(value, list) and all(isinstance(item, str) for item in value)


def _is_count(value: object) -> bool:
    return type(value) is int and value >= 0


def _utf8(text: str) -> bytes:
    return text.encode("utf-8", "surrogatepass")


def _u32(values: list[int]) -> bytes:
    table = array(_U32, values)
    if _SWAP:
        table.byteswap()
    return table.tobytes()


def _read_u32(view: memoryview, start: int, count: int) -> array:
    table = array(_U32)
    chunk = view[start:start + 4 * count]
    if len(chunk) != 4 * count:
        raise CodecError("corrupt story: block tables run past the end")
    table.frombytes(chunk)
    if _SWAP:
        table.byteswap()
    return table
