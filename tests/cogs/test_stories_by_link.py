"""/stories add link: and /stories update through the real bot, fetching from the AO3
stand-in (`tests/ao3_site.py`) on localhost.

The config points the bot at the stand-in (`ao3_url`), so a bot made again after a restart
fetches from it too. Once a bot is up, its `Ao3Client` is swapped for one on the stand-in's
fake clock, so the five seconds between requests cost no real time.
"""

from __future__ import annotations

import itertools
from dataclasses import replace

import pytest

from bot.ao3.client import Ao3Client
from tests.ao3_site import Wip, gone
from tests.helpers import (
    answer_embed,
    edited_answer,
    listing_lines,
    page_number,
    restart,
    stored_progress,
    turn,
)

DELAY = 5.0
SALT = "salt-roads-slowly"  # work 222's story id, from its download's file name
WIP_LINK = "https://archiveofourown.org/works/222"
FETCHING = "Fetching from AO3…"
MANAGERS_ONLY = "Only members with Manage Server can change this server's library."


@pytest.fixture
def config(config, ao3):
    """The conftest config, with AO3 at the stand-in."""
    return replace(config, ao3_url=ao3.base)


@pytest.fixture
async def fetcher(env, ao3, fake_time):
    """Puts the running bot's AO3 client on the fake clock; call it again after a restart.
    Closes every client at the end (SimCord does not close the bots it detaches)."""
    clients: list[Ao3Client] = []

    async def on_fake_time() -> Ao3Client:
        stories = env.bot.services.stories
        assert stories.ao3 is not None and stories.ao3.base_url == ao3.base
        clients.append(stories.ao3)
        stories.ao3 = Ao3Client(ao3.base, delay=DELAY, clock=fake_time.clock,
                                sleep=fake_time.sleep, timeout=5.0)
        clients.append(stories.ao3)
        return stories.ao3

    await on_fake_time()
    yield on_fake_time
    if env.bot.services.stories.ao3 is not None:
        clients.append(env.bot.services.stories.ao3)
    for client in clients:
        await client.close()


@pytest.fixture
def wip(ao3) -> Wip:
    """Work 222, in progress, rated for everyone, several pages a chapter."""
    return Wip(ao3, rating="General Audiences", paragraphs=8)


def first_answers(env, since: int) -> list[dict]:
    """The interaction callbacks the bot sent since request `since`, as sent."""
    return [request.json for request in env.http_requests[since:]
            if request.path.endswith("/callback") and request.json]


def edits(env, since: int) -> list[str]:
    """The texts the bot edited its answers to since request `since`, in order."""
    return [request.json["content"] for request in env.http_requests[since:]
            if request.method == "PATCH" and request.path.endswith("/messages/@original")
            and request.json and "content" in request.json]


async def allow_stories_command(env, guild, member) -> None:
    """A server showing `/stories` to a member without Manage Server (Discord hides it by
    default): the bot must refuse by itself."""
    command = next(c for c in await env.bot.tree.fetch_commands() if c.name == "stories")
    guild.set_command_permissions(command, {member: True})


async def add_link(env, member, channel, link: str, *, fetches: bool = True):
    """`/stories add link:`, checked to answer at once, privately: with "Fetching…" when
    it goes to AO3, with the refusal itself when it does not (`fetches=False`)."""
    since = len(env.http_requests)
    result = await member.slash(channel, "stories add", link=link)
    assert result.ephemeral
    (first,) = first_answers(env, since)
    assert first["type"] == 4  # a message at once, not a deferral
    assert (first["data"]["content"] == FETCHING) == fetches
    assert first["data"]["flags"] & 64  # ephemeral
    return result


# --- 7. adding by link -------------------------------------------------------------------------


async def test_an_admin_adds_a_work_by_link_seen_and_read_in_that_server_only(
        env, fetcher, ao3, wip, channel, mod, alice, other_channel, carol):
    since = len(env.http_requests)
    result = await add_link(env, mod, channel, WIP_LINK)
    text = edited_answer(result)
    assert text.startswith(f"Added **Salt Roads, Slowly** to this server's library as "
                           f"`{SALT}`: 1 chapter, ")
    assert text.endswith("\nFrom AO3: a work in progress (1/? chapters).")
    assert edits(env, since) == [
        "Downloading “Salt Roads, Slowly” (1/? chapters) from AO3…", text]
    card = result.response.message.embeds[0]
    assert card.title == "Salt Roads, Slowly"
    fields = {field.name: field.value for field in card.fields}
    assert fields["This server's"] == ("Added from `Salt Roads Slowly.html`; only members "
                                       "here see it.")
    assert ao3.paths() == ["/works/222", "/works/222/chapters/333",
                           "/downloads/222/Salt%20Roads%20Slowly.html"]
    assert [b - a for a, b in itertools.pairwise(ao3.starts())] == [DELAY] * 2

    listing = await alice.slash(channel, "library")
    assert answer_embed(listing).startswith("**4** stories")
    lines = listing_lines(listing)
    assert lines[0].startswith(f"`1.` 📌 **Salt Roads, Slowly** · `{SALT}`\nGeneral · ")
    assert all("📌" not in line for line in lines[1:])

    opened = await alice.slash(channel, "read", story=SALT)
    assert not opened.ephemeral
    page = opened.response.message
    assert page.embeds[0].title == "Salt Roads, Slowly"
    assert page_number(page) == 1
    assert "Carts and bells, part 1." in page.embeds[0].description

    elsewhere = await carol.slash(other_channel, "library")
    assert answer_embed(elsewhere).startswith("**3** stories")
    assert "Salt Roads" not in answer_embed(elsewhere)
    refused = await carol.slash(other_channel, "read", story=SALT)
    assert refused.ephemeral
    assert refused.response.content.startswith(f"There is no story called “{SALT}”.")


# --- 8. restart ------------------------------------------------------------------------------


async def test_after_a_restart_the_work_is_there_and_still_fetched_from_the_stand_in(
        env, fetcher, ao3, wip, channel, mod, alice, config):
    await add_link(env, mod, channel, "222")
    await alice.slash(channel, "read", story=SALT)
    message = await turn(alice, channel, 2)
    assert page_number(message) == 3
    reading = message.embeds[0].description

    await restart(env, config)
    assert env.bot.services.stories.ao3.base_url == ao3.base  # from the config, not AO3
    listing = await alice.slash(channel, "library")
    assert listing_lines(listing)[0].startswith("`1.` 📌 **Salt Roads, Slowly**")
    resumed = await alice.slash(channel, "continue")
    shown = resumed.response.message
    assert shown.embeds[0].title == "Salt Roads, Slowly"
    assert page_number(shown) == 3
    assert shown.embeds[0].description == reading

    # The new bot knows the story came from work 222.
    await fetcher()
    seen = len(ao3.seen)
    checked = await mod.slash(channel, "stories update", story=SALT)
    assert edited_answer(checked) == "**Salt Roads, Slowly** is as it was: 1 chapter."
    assert ao3.paths()[seen:] == ["/works/222", "/works/222/chapters/333",
                                  "/downloads/222/Salt%20Roads%20Slowly.html"]


# --- 9. update -------------------------------------------------------------------------------


async def test_update_fetches_a_new_chapter_and_alice_keeps_her_passage(
        env, fetcher, ao3, wip, channel, mod, alice, config):
    await add_link(env, mod, channel, WIP_LINK)
    await alice.slash(channel, "read", story=SALT)
    message = await turn(alice, channel, 2)
    reading = message.embeds[0].description
    total_before = message.embeds[0].footer.text
    before = await stored_progress(config, alice.id, SALT)

    wip.chapters = 2
    since = len(env.http_requests)
    result = await mod.slash(channel, "stories update", story=SALT)
    assert result.ephemeral
    (first,) = first_answers(env, since)
    assert first["type"] == 4 and first["data"]["content"] == FETCHING
    text = edited_answer(result)
    assert text.startswith(f"Updated **Salt Roads, Slowly** in this server's library as "
                           f"`{SALT}`: 2 chapters, ")
    assert text.endswith("\nFrom AO3: 1 new chapter since it was last fetched.")
    assert result.response.message.embeds[0].title == "Salt Roads, Slowly"

    resumed = await alice.slash(channel, "continue")
    shown = resumed.response.message
    assert page_number(shown) == 3
    assert shown.embeds[0].description == reading
    assert shown.embeds[0].footer.text != total_before  # more pages now
    after = await stored_progress(config, alice.id, SALT)
    assert (after.position, after.anchor) == (before.position, before.anchor)
    chapter_two = await alice.slash(channel, "read", story=SALT, chapter=2)
    assert "Carts and bells, part 2." in chapter_two.response.message.embeds[0].description

    unchanged = await mod.slash(channel, "stories update", story=SALT)
    assert edited_answer(unchanged) == "**Salt Roads, Slowly** is as it was: 2 chapters."


async def test_a_work_deleted_on_ao3_keeps_its_last_copy(env, fetcher, ao3, wip, channel,
                                                         mod, alice):
    await add_link(env, mod, channel, WIP_LINK)
    ao3.on("/works/222", gone())
    result = await mod.slash(channel, "stories update", story=SALT)
    assert edited_answer(result) == ("AO3 no longer has **Salt Roads, Slowly** (it may have been "
                              "deleted); I keep the last copy here.")
    assert not result.response.message.embeds
    opened = await alice.slash(channel, "read", story=SALT)
    assert opened.response.message.embeds[0].title == "Salt Roads, Slowly"


# --- 10. refusals ----------------------------------------------------------------------------


async def test_a_deleted_work_gets_ao3s_answer(env, fetcher, ao3, channel, mod, alice):
    result = await add_link(env, mod, channel, "https://archiveofourown.org/works/404")
    assert edited_answer(result) == "AO3 says work 404 does not exist (it may have been deleted)."
    assert not result.response.message.embeds
    assert ao3.paths() == ["/works/404"]
    listing = await alice.slash(channel, "library")
    assert answer_embed(listing).startswith("**3** stories")


async def test_a_link_that_is_not_ao3s_is_refused_without_fetching(env, fetcher, ao3, channel,
                                                                   mod):
    result = await add_link(env, mod, channel, "https://example.com/works/222", fetches=False)
    assert edited_answer(result) == ("That is not an AO3 link (example.com). I can only add works "
                              "from archiveofourown.org.")
    assert ao3.seen == []


@pytest.mark.parametrize("options", [
    {"link": WIP_LINK, "file": ("salt.md", b"# Chapter 1\n\nCarts and bells.\n")},
    {},
])
async def test_a_file_and_a_link_together_or_neither_are_refused(env, fetcher, ao3, channel,
                                                                  mod, options):
    since = len(env.http_requests)
    result = await mod.slash(channel, "stories add", **options)
    assert result.ephemeral
    assert [callback["type"] for callback in first_answers(env, since)] == [4]
    assert result.response.content == ("Give me either `file:` (an uploaded story) or "
                                       "`link:` (an AO3 work), one at a time.")
    assert ao3.seen == []


async def test_a_member_without_manage_server_cannot_add_or_update(env, fetcher, ao3, wip,
                                                                   guild, channel, mod,
                                                                   alice):
    await add_link(env, mod, channel, WIP_LINK)
    seen = len(ao3.seen)
    await allow_stories_command(env, guild, alice)
    added = await alice.slash(channel, "stories add", link="https://archiveofourown.org/works/101")
    assert added.ephemeral and added.response.content == MANAGERS_ONLY
    updated = await alice.slash(channel, "stories update", story=SALT)
    assert updated.ephemeral and updated.response.content == MANAGERS_ONLY
    assert len(ao3.seen) == seen


# --- 11. turned off --------------------------------------------------------------------------


async def test_links_turned_off_say_so(env, ao3, channel, mod, config):
    await restart(env, replace(config, ao3_links=False))
    assert env.bot.services.stories.ao3 is None
    result = await add_link(env, mod, channel, WIP_LINK, fetches=False)
    assert edited_answer(result) == ("Adding stories by link is turned off on this bot; upload the "
                              "work's download with `file:` instead.")
    assert ao3.seen == []

