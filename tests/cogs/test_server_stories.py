"""/stories add and /stories remove through the real bot: a server's own stories, seen and
read in that server only, kept across restarts, replaced and removed by its admins."""

from __future__ import annotations

from dataclasses import replace

import pytest

from bot.library.shelf import STORED_VERSION
from bot.storage.database import Database
from tests.helpers import (
    answer_embed,
    custom_ids,
    edited_answer,
    listing_lines,
    page_number,
    prose,
    restart,
    stored_progress,
    turn,
)


@pytest.fixture
def bot_database(database_target):
    """This module's behaviour is seen on SQLite and on PostgreSQL."""
    return database_target


MAX_BYTES = 20_000
PHRASE = "The cormorant kept a ledger of every boat that slipped out of the cove."
INSERTED = ("Long before the clock was wound, a gull stole the key from the harbourmaster's "
            "coat and dropped it, years later, on the schoolhouse roof.")


def story_md(title: str, *, rating: str | None = "General Audiences", paragraphs: int = 4,
             seed: int = 1, opening: str = "") -> bytes:
    """A Markdown story with front matter, in original text; `rating=None` leaves it out."""
    front = f"---\ntitle: {title}\nauthor: Wren Halloway\n"
    if rating is not None:
        front += f"rating: {rating}\n"
    first = f"{opening}\n\n" if opening else ""
    body = (f"# Chapter 1\n\n{first}{prose(seed, paragraphs)}\n\n{PHRASE}\n\n"
            f"# Chapter 2\n\n{prose(seed + 1, paragraphs)}\n")
    return (front + "---\n\n" + body).encode()


TIDE = story_md("The Tide Clock")


@pytest.fixture
def config(config):
    """The conftest config, with a small cap on a story file's size."""
    return replace(config, max_story_bytes=MAX_BYTES)


async def upload(member, channel, file_name: str, data: bytes, **options):
    return await member.slash(channel, "stories add", file=(file_name, data), **options)


def callbacks(env, since: int) -> list[int]:
    """The interaction callback types the bot sent since request `since` (4: an answer at
    once; 5: deferred, "thinking" while the file is fetched and read)."""
    return [request.json["type"] for request in env.http_requests[since:]
            if request.path.endswith("/callback") and request.json]


async def allow_stories_command(env, guild, member) -> None:
    """A server showing `/stories` to a member without Manage Server (Discord hides it by
    default): the bot must refuse by itself."""
    command = next(c for c in await env.bot.tree.fetch_commands() if c.name == "stories")
    guild.set_command_permissions(command, {member: True})


async def stored_ids(config) -> list[str]:
    database = await Database.open(config.database)
    try:
        rows = await database.server_stories.catalogue(STORED_VERSION, config.page_chars)
        return [row.story.story_id for row in rows]
    finally:
        await database.close()


# --- 9. adding -------------------------------------------------------------------------------


async def test_an_admin_adds_a_story_seen_and_read_in_that_server_only(
        env, channel, mod, alice, other_channel, carol, config):
    result = await upload(mod, channel, "tide.md", TIDE)
    assert result.ephemeral
    text = edited_answer(result)
    assert text.startswith("Added **The Tide Clock** to this server's library as `tide`: "
                           "2 chapters, ")
    assert "rated General Audiences." in text
    card = result.response.message.embeds[0]
    assert card.title == "The Tide Clock"
    fields = {field.name: field.value for field in card.fields}
    assert fields["This server's"] == "Added from `tide.md`; only members here see it."
    assert await stored_ids(config) == ["tide"]

    listing = await alice.slash(channel, "library")
    assert answer_embed(listing).startswith("**4** stories")
    lines = listing_lines(listing)
    assert lines[0].startswith("`1.` 📌 **The Tide Clock** by Wren Halloway · `tide`")
    assert all("📌" not in line for line in lines[1:])

    opened = await alice.slash(channel, "read", story="tide")
    assert not opened.ephemeral
    page = opened.response.message
    assert page.embeds[0].title == "The Tide Clock"
    assert page_number(page) == 1

    elsewhere = await carol.slash(other_channel, "library")
    assert answer_embed(elsewhere).startswith("**3** stories")
    assert "Tide Clock" not in answer_embed(elsewhere) and "📌" not in answer_embed(elsewhere)
    refused = await carol.slash(other_channel, "read", story="tide")
    assert refused.ephemeral
    assert refused.response.content.startswith("There is no story called “tide”.")
    assert not [m for m in other_channel.history()
                if m.embeds and m.embeds[0].title == "The Tide Clock"]


# --- 10. restart -----------------------------------------------------------------------------


async def test_after_a_restart_the_story_is_listed_and_alice_continues(
        env, channel, mod, alice, config):
    await upload(mod, channel, "tide.md", TIDE)
    opened = await alice.slash(channel, "read", story="tide")
    assert opened.response.message.embeds[0].title == "The Tide Clock"
    message = await turn(alice, channel, 2)
    assert page_number(message) == 3
    reading = message.embeds[0].description

    await restart(env, config)
    listing = await alice.slash(channel, "library")
    assert listing_lines(listing)[0].startswith("`1.` 📌 **The Tide Clock**")
    resumed = await alice.slash(channel, "continue")
    assert not resumed.ephemeral
    shown = resumed.response.message
    assert shown.embeds[0].title == "The Tide Clock"
    assert page_number(shown) == 3
    assert shown.embeds[0].description == reading


# --- 11. replacing ---------------------------------------------------------------------------


async def test_uploading_the_same_file_again_updates_it_and_keeps_readers_places(
        env, channel, mod, alice, config):
    await upload(mod, channel, "tide.md", TIDE)
    await alice.slash(channel, "read", story="tide")
    message = await turn(alice, channel, 2)
    reading = message.embeds[0].description
    before = await stored_progress(config, alice.id, "tide")

    edited = story_md("The Tide Clock", opening=INSERTED)
    result = await upload(mod, channel, "tide.md", edited)
    text = edited_answer(result)
    assert text.startswith("Updated **The Tide Clock** in this server's library as `tide`")
    assert "Readers keep their places." in text
    assert await stored_ids(config) == ["tide"]
    listing = await alice.slash(channel, "library")
    assert answer_embed(listing).startswith("**4** stories")

    resumed = await alice.slash(channel, "continue")
    assert reading[:120] in resumed.response.message.embeds[0].description
    after = await stored_progress(config, alice.id, "tide")
    assert after.anchor == before.anchor and after.position > before.position
    first = await alice.slash(channel, "read", story="tide")
    assert first.response.message.embeds[0].description.startswith(INSERTED)


# --- 12. refusals ----------------------------------------------------------------------------


async def test_a_member_without_manage_server_cannot_add(env, guild, channel, alice, config):
    await allow_stories_command(env, guild, alice)
    result = await upload(alice, channel, "tide.md", TIDE)
    assert result.ephemeral
    assert result.response.content == ("Only members with Manage Server can change this "
                                       "server's library.")
    assert await stored_ids(config) == []


async def test_a_file_the_bot_does_not_read_is_refused_before_it_is_fetched(
        env, channel, mod, config):
    since = len(env.http_requests)
    result = await upload(mod, channel, "scan.pdf", b"%PDF-1.4 a scanned story")
    assert result.ephemeral and callbacks(env, since) == [4]
    assert result.response.content.startswith(
        "I can't add **scan.pdf**: it is not a story file I read. Send an AO3 HTML")
    since = len(env.http_requests)
    big = await upload(mod, channel, "huge.md", story_md("Huge", paragraphs=80))
    assert big.ephemeral and callbacks(env, since) == [4]
    assert big.response.content.startswith("I can't add **huge.md**: it is ")
    assert "over the 20 KB limit for a story." in big.response.content
    assert await stored_ids(config) == []


async def test_a_file_with_no_story_in_it_is_refused_after_reading(env, channel, mod, config):
    since = len(env.http_requests)
    result = await upload(mod, channel, "front.md",
                          b"---\ntitle: Only Front Matter\nrating: General Audiences\n---\n")
    assert result.ephemeral and callbacks(env, since) == [5]
    assert edited_answer(result) == "I can't add **front.md**: the file has no story text."
    assert not result.response.message.embeds
    assert await stored_ids(config) == []


# --- 13. ratings -----------------------------------------------------------------------------


async def test_an_unrated_upload_is_gated_and_a_rating_opens_it(env, channel, mod, alice):
    unrated = await upload(mod, channel, "fog.md", story_md("Fog Bank", rating=None))
    assert "rated Not Rated (no rating found: it is gated like Not Rated" in edited_answer(unrated)
    refused = await alice.slash(channel, "read", story="fog")
    assert refused.ephemeral
    assert refused.response.content.startswith("**Fog Bank** is Not Rated.")
    assert "only in age-restricted channels" in refused.response.content
    assert not [m for m in channel.history() if m.embeds]

    rated = await upload(mod, channel, "harbour.md", story_md("Harbour Lights", rating=None),
                         rating="General Audiences")
    text = edited_answer(rated)
    assert "as `harbour`" in text and "rated General Audiences." in text
    opened = await alice.slash(channel, "read", story="harbour")
    assert not opened.ephemeral
    assert opened.response.message.embeds[0].title == "Harbour Lights"


# --- 14. removing ----------------------------------------------------------------------------


async def test_an_admin_removes_a_story_and_readers_see_it_gone(env, channel, mod, alice,
                                                                config):
    await upload(mod, channel, "tide.md", TIDE)
    await alice.slash(channel, "read", story="tide")
    await turn(alice, channel, 1)

    asked = await mod.slash(channel, "stories remove", story="tide")
    assert asked.ephemeral
    assert asked.response.content.startswith(
        "Remove **The Tide Clock** from this server's library?")
    ids = custom_ids(asked.response.message)
    assert len(ids) == 2 and all(cid.startswith("sb:remove:") for cid in ids)
    (yes,) = [cid for cid in ids if cid.endswith(":yes")]
    await mod.click(asked.response.message, custom_id=yes)
    assert asked.response.content.startswith(
        "Removed **The Tide Clock** from this server's library.")
    assert not asked.response.message.components
    assert await stored_ids(config) == []

    listing = await alice.slash(channel, "library")
    assert answer_embed(listing).startswith("**3** stories")
    assert "Tide Clock" not in answer_embed(listing)
    gone = await alice.slash(channel, "read", story="tide")
    assert gone.ephemeral and gone.response.content.startswith("There is no story called")
    shelf = await alice.slash(channel, "progress")
    assert shelf.ephemeral
    row = answer_embed(shelf)
    assert row.startswith("**tide**\n")
    assert "no longer in the library" in row
    assert await stored_progress(config, alice.id, "tide") is not None  # her place is kept


async def test_cancel_keeps_the_story(env, channel, mod, alice, config):
    # The question is ephemeral: only its asker sees its buttons (the core refuses anyone
    # else's answer; tests/library/test_servers.py).
    await upload(mod, channel, "tide.md", TIDE)
    asked = await mod.slash(channel, "stories remove", story="tide")
    ids = custom_ids(asked.response.message)
    (no,) = [cid for cid in ids if cid.endswith(":no")]
    await mod.click(asked.response.message, custom_id=no)
    assert asked.response.content == "Cancelled; nothing was removed."
    assert await stored_ids(config) == ["tide"]
    opened = await alice.slash(channel, "read", story="tide")
    assert opened.response.message.embeds[0].title == "The Tide Clock"


async def test_a_folder_story_cannot_be_removed_from_a_server(env, guild, channel, mod,
                                                             alice):
    result = await mod.slash(channel, "stories remove", story="lantern")
    assert result.ephemeral
    assert result.response.content.startswith(
        "**The Lantern Keeper** is in the stories folder, not one this server added")
    await allow_stories_command(env, guild, alice)
    refused = await alice.slash(channel, "stories remove", story="lantern")
    assert refused.response.content == ("Only members with Manage Server can change this "
                                        "server's library.")
    opened = await alice.slash(channel, "read", story="lantern")
    assert opened.response.message.embeds[0].title == "The Lantern Keeper"


async def test_remove_autocomplete_offers_this_servers_own_stories(env, channel, mod):
    await upload(mod, channel, "tide.md", TIDE)
    choices = await mod.autocomplete(channel, "stories remove", "story", "ti")
    assert [(c["name"], c["value"]) for c in choices] == [("The Tide Clock (tide.md)", "tide")]
    assert await mod.autocomplete(channel, "stories remove", "story", "lantern") == []
