"""The story codec gives back the story it was given, and refuses anything else with CodecError."""

from __future__ import annotations

import dataclasses
import json
import zlib
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.library.codec import CODEC_VERSION, MAGIC, CodecError, decode, encode
from bot.parsers import FORMATS, parse_story
from bot.text.story import (
    Block,
    BlockKind,
    Chapter,
    Metadata,
    Run,
    Story,
    Style,
    paragraph,
)
from tests.strategies import prose_stories, stories

ROOT = Path(__file__).resolve().parents[2]
HEADER = len(MAGIC) + 5

# Astral characters, combining marks, joiners, controls, byte-order and line separators,
# and lone surrogates, which a decoder's "surrogateescape" leaves in text.
TRICKY = ["\U0001f469\u200d\U0001f467", "e\u0301\u0308", "\x00", "\x1b", "\x7f", "\u0085",
          "\ufeff", "\u2028", "\ud800", "\udc80", "\udfff", "\ud83d", "\ude00", '"\\', "\n\r"]
any_text = st.lists(st.characters(exclude_categories=()) | st.sampled_from(TRICKY),
                   max_size=12).map("".join)
filled_text = any_text.filter(bool)
any_style = st.sampled_from([Style(flags) for flags in range(16)])
any_runs = st.lists(st.builds(Run, any_text, any_style), max_size=4).map(tuple)
# Every kind with any runs, including none and a single empty one: the codec keeps the model's
# shapes, not only the ones parsers make today.
any_blocks = st.builds(Block, st.sampled_from(list(BlockKind)), any_runs)
block_tuples = st.lists(any_blocks, min_size=1, max_size=3).map(tuple)
text_tuples = st.lists(filled_text, min_size=1, max_size=3).map(tuple)

full_metadata = st.builds(
    Metadata,
    title=filled_text,
    author=filled_text,
    rating=filled_text,
    warnings=text_tuples,
    categories=text_tuples,
    fandoms=text_tuples,
    relationships=text_tuples,
    characters=text_tuples,
    tags=text_tuples,
    language=filled_text,
    series=text_tuples,
    url=filled_text,
    published=filled_text,
    updated=filled_text,
    completed=filled_text,
    declared_words=st.integers(min_value=0, max_value=10**30),
    declared_chapters=filled_text,
    summary=block_tuples,
    notes=block_tuples,
    end_notes=block_tuples,
)

unicode_stories = st.builds(
    Story,
    meta=full_metadata,
    chapters=st.lists(
        st.builds(Chapter, any_text, st.lists(any_blocks, max_size=6).map(tuple)), max_size=4
    ).map(tuple),
    warnings=st.lists(any_text, max_size=3).map(tuple),
)

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | any_text,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(any_text, inner, max_size=4),
    max_leaves=12,
)


def decodes_or_refuses(data: bytes) -> Story | None:
    """The decoded story, or None when decode refused with CodecError; anything else fails."""
    try:
        story = decode(data)
    except CodecError:
        return None
    assert isinstance(story, Story)
    return story


def payload_of(encoded: bytes) -> bytes:
    return zlib.decompress(encoded[HEADER:])


def wrapped(payload: bytes) -> bytes:
    """A well-formed envelope around any payload, so decoding gets past zlib."""
    header = MAGIC + bytes((CODEC_VERSION,)) + len(payload).to_bytes(4, "little")
    return header + zlib.compress(payload)


def with_skeleton(encoded: bytes, skeleton: object) -> bytes:
    """A valid encoding with its skeleton swapped for another JSON value."""
    payload = payload_of(encoded)
    end = 4 + int.from_bytes(payload[:4], "little")
    head = json.dumps(skeleton).encode()
    return wrapped(len(head).to_bytes(4, "little") + head + payload[end:])


SAMPLE = Story(
    Metadata("Sample", author="Ann", tags=("one", "two"), declared_words=12,
             summary=(paragraph("A summary."),)),
    (Chapter("One", (paragraph("Plain text."), paragraph(Run("Styled", Style.ITALIC), " text."),
                     Block(BlockKind.BREAK), Block(BlockKind.HEADING, (Run("Part two"),)))),),
    warnings=("a warning",),
)


# --- round trips ---------------------------------------------------------------------------


@settings(max_examples=60, deadline=None)
@given(stories)
def test_round_trip_of_generated_stories(story):
    assert decode(encode(story)) == story


@settings(max_examples=50, deadline=None)
@given(prose_stories)
def test_round_trip_of_prose_stories(story):
    assert decode(encode(story)) == story


@settings(max_examples=60, deadline=None)
@given(unicode_stories)
def test_round_trip_of_any_unicode_every_field_and_any_block_shape(story):
    decoded = decode(encode(story))
    assert decoded == story
    # Lone surrogates stay lone: a high and a low one side by side are not merged into one.
    assert [len(c.title) for c in decoded.chapters] == [len(c.title) for c in story.chapters]


@settings(max_examples=50, deadline=None)
@given(full_metadata)
def test_full_metadata_strategy_sets_every_field(meta):
    # A field added to Metadata fails here until the strategy fills it, and then the round
    # trip above fails until the codec encodes it (and CODEC_VERSION is bumped).
    for field in dataclasses.fields(Metadata):
        if field.default is not dataclasses.MISSING:
            assert getattr(meta, field.name) != field.default, field.name


def test_lone_surrogates_are_carried_not_refused():
    story = dataclasses.replace(
        SAMPLE, meta=Metadata("\udc80 title"),
        chapters=(Chapter("\ud83d", (paragraph("\ud83d\ude00 and \udcff"),)),),
    )
    decoded = decode(encode(story))
    assert decoded == story
    assert decoded.chapters[0].blocks[0].unstyled == "\ud83d\ude00 and \udcff"


STORY_FILES = sorted(
    path
    for folder in (ROOT / "stories", ROOT / "tests" / "fixtures")
    for path in folder.rglob("*")
    if path.suffix.lower() in FORMATS
)


@pytest.mark.parametrize("path", STORY_FILES, ids=lambda path: path.name)
def test_round_trip_of_parsed_stories(path):
    sidecar = path.with_suffix(".toml")
    story = parse_story(path.read_bytes(), path.name,
                        sidecar.read_bytes() if sidecar.exists() else None)
    assert decode(encode(story)) == story


@settings(max_examples=50, deadline=None)
@given(stories)
def test_encoding_is_stable(story):
    encoded = encode(story)
    assert encode(decode(encoded)) == encoded


def test_id_and_source_are_not_encoded_and_decode_sets_them():
    placed = dataclasses.replace(SAMPLE, id="sample-1", source=Path("/stories/sample.html"))
    assert encode(placed) == encode(SAMPLE)
    assert decode(encode(SAMPLE)) == SAMPLE
    assert decode(encode(placed), id="sample-1", source=Path("/stories/sample.html")) == placed


@settings(max_examples=50, deadline=None)
@given(prose_stories)
def test_single_unstyled_runs_decode_as_plain_strings(story):
    decoded = decode(encode(story))
    pairs = [
        (before, after)
        for old, new in zip(story.chapters, decoded.chapters, strict=True)
        for before, after in zip(old.blocks, new.blocks, strict=True)
    ]
    for before, after in pairs:
        runs = before.runs
        alone = len(runs) == 1 and runs[0].style is Style.NONE
        assert (after.unstyled is not None) == alone


def test_a_plain_paragraph_decodes_to_its_text():
    blocks = decode(encode(SAMPLE)).chapters[0].blocks
    assert blocks[0].unstyled == "Plain text."
    assert blocks[1].unstyled is None
    assert blocks[3].unstyled == "Part two"


def test_header_carries_magic_and_version():
    assert encode(SAMPLE)[:HEADER - 4] == MAGIC + bytes((CODEC_VERSION,))


# --- refusals --------------------------------------------------------------------------------


@pytest.mark.parametrize("data", [
    b"", b"STRY", b"\x80\x04\x95pickle", b'{"meta": {}}', b"\x89PNG\r\n\x1a\n" + b"\0" * 20,
    zlib.compress(b"not a story"),
])
def test_foreign_bytes_are_not_an_encoded_story(data):
    with pytest.raises(CodecError, match="not an encoded story"):
        decode(data)


def test_another_version_is_refused_by_name():
    encoded = encode(SAMPLE)
    other = encoded[:len(MAGIC)] + bytes((CODEC_VERSION + 1,)) + encoded[len(MAGIC) + 1:]
    with pytest.raises(CodecError, match=f"version {CODEC_VERSION + 1}"):
        decode(other)


def test_codec_error_is_a_value_error():
    assert issubclass(CodecError, ValueError)


@settings(max_examples=50, deadline=None)
@given(st.binary(max_size=200))
def test_random_bytes_are_refused(data):
    with pytest.raises(CodecError):
        decode(data)


@settings(max_examples=50, deadline=None)
@given(st.binary(max_size=200))
def test_random_bytes_after_a_valid_header_are_refused(data):
    with pytest.raises(CodecError):
        decode(MAGIC + bytes((CODEC_VERSION,)) + data)


@settings(max_examples=50, deadline=None)
@given(unicode_stories, st.data())
def test_every_truncation_is_refused(story, data):
    encoded = encode(story)
    cut = data.draw(st.integers(min_value=0, max_value=len(encoded) - 1))
    with pytest.raises(CodecError):
        decode(encoded[:cut])


def test_each_truncation_of_a_small_story_is_refused():
    encoded = encode(SAMPLE)
    for cut in range(len(encoded)):
        with pytest.raises(CodecError):
            decode(encoded[:cut])


def test_trailing_bytes_are_refused():
    with pytest.raises(CodecError):
        decode(encode(SAMPLE) + b"\0")


@settings(max_examples=60, deadline=None)
@given(stories, st.data())
def test_a_flipped_byte_is_refused_or_changes_nothing(story, data):
    encoded = bytearray(encode(story))
    at = data.draw(st.integers(min_value=0, max_value=len(encoded) - 1))
    encoded[at] ^= data.draw(st.integers(min_value=1, max_value=255))
    # zlib's checksum catches damage to the text; the one change that can get through is
    # to the padding bits deflate leaves unused in its last byte, which change nothing.
    decoded = decodes_or_refuses(bytes(encoded))
    assert decoded is None or decoded == story


@settings(max_examples=50, deadline=None)
@given(unicode_stories, st.data())
def test_a_damaged_payload_is_refused_or_read_as_some_story(story, data):
    payload = bytearray(payload_of(encode(story)))
    at = data.draw(st.integers(min_value=0, max_value=len(payload) - 1))
    payload[at] ^= data.draw(st.integers(min_value=1, max_value=255))
    cut = data.draw(st.integers(min_value=0, max_value=len(payload)))
    decodes_or_refuses(wrapped(bytes(payload)))
    decodes_or_refuses(wrapped(bytes(payload[:cut])))


@settings(max_examples=50, deadline=None)
@given(st.binary(max_size=300))
def test_any_payload_in_a_valid_envelope_is_refused_or_read(payload):
    decodes_or_refuses(wrapped(payload))


@settings(max_examples=50, deadline=None)
@given(json_values)
def test_a_skeleton_of_the_wrong_shape_is_refused(skeleton):
    with pytest.raises(CodecError):
        decode(with_skeleton(encode(SAMPLE), skeleton))


@settings(max_examples=50, deadline=None)
@given(st.sampled_from(["meta", "chapters", "warnings"]), json_values, st.data())
def test_a_skeleton_with_any_value_swapped_is_refused_or_read(key, value, data):
    skeleton = json.loads(_sample_skeleton())
    if key == "meta":
        field = data.draw(st.sampled_from(sorted(skeleton["meta"])))
        skeleton["meta"][field] = value
    else:
        skeleton[key] = value
    decodes_or_refuses(with_skeleton(encode(SAMPLE), skeleton))


def _sample_skeleton() -> str:
    payload = payload_of(encode(SAMPLE))
    return payload[4:4 + int.from_bytes(payload[:4], "little")].decode()


@pytest.mark.parametrize("head", [b"{not json", b"[" * 100_000, b"\xff\xfe", b""])
def test_an_unreadable_skeleton_is_refused(head):
    payload = payload_of(encode(SAMPLE))
    end = 4 + int.from_bytes(payload[:4], "little")
    with pytest.raises(CodecError, match="corrupt story"):
        decode(wrapped(len(head).to_bytes(4, "little") + head + payload[end:]))


def test_a_skeleton_longer_than_the_payload_is_refused():
    payload = payload_of(encode(SAMPLE))
    with pytest.raises(CodecError, match="skeleton runs past the end"):
        decode(wrapped((len(payload) * 2).to_bytes(4, "little") + payload[4:]))


def _ends_in_a_bad_byte(payload: bytes) -> bytes:
    return payload[:-1] + b"\xff"


@pytest.mark.parametrize(("damage", "message"), [
    (_ends_in_a_bad_byte, "text is not UTF-8"),
    (lambda payload: payload + b"x", "run lengths do not add up to the text"),
    (lambda payload: payload[:-1], "run lengths do not add up to the text"),
    (lambda payload: payload[:4 + int.from_bytes(payload[:4], "little") + 3],
     "block tables run past the end"),
    (lambda payload: payload[:2], "no skeleton"),
])
def test_damage_to_the_tables_or_text_is_named(damage, message):
    with pytest.raises(CodecError, match=message):
        decode(wrapped(damage(payload_of(encode(SAMPLE)))))


def test_an_unknown_block_kind_or_style_is_refused():
    payload = bytearray(payload_of(encode(SAMPLE)))
    end = 4 + int.from_bytes(payload[:4], "little")
    payload[end] = 200  # the summary paragraph's kind
    with pytest.raises(CodecError, match="unknown block kind or style"):
        decode(wrapped(bytes(payload)))


def test_a_header_that_announces_another_length_is_refused():
    encoded = bytearray(encode(SAMPLE))
    encoded[len(MAGIC) + 1] ^= 1
    with pytest.raises(CodecError, match="not the length its header says"):
        decode(bytes(encoded))
