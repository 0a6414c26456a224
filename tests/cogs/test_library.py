"""/library, /story and /search, driven as a member over SimCord."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from tests.helpers import page_number, prose, restart, write_story


@pytest.fixture
def bot_database(database_target):
    """This module's behaviour is seen on SQLite and on PostgreSQL."""
    return database_target


PHRASE = "silver kettle sang its one cracked note"
SECRET = "velvet midnight orchard"


def write_markdown(folder: Path, name: str, front: str, body: str) -> None:
    (folder / f"{name}.md").write_text(f"---\n{front.strip()}\n---\n\n{body}", encoding="utf-8")


@pytest.fixture
def stories_dir(stories_dir: Path) -> Path:
    """The three conftest stories plus enough more for two listing pages (11 in all)."""
    for n in range(1, 7):
        write_story(stories_dir, f"shelf-{n}", title=f"Shelf Story {n}", rating="General",
                    chapters=1, paragraphs=1, author="Filler")
    write_markdown(stories_dir, "tide-tables", """
title: Tide Tables
author: Marguerite Ölander
rating: Teen And Up Audiences
warnings: [Major Character Death, Graphic Depictions Of Violence]
fandoms: [Harbour Tales]
relationships: [Mara/Tobin]
characters: [Mara, Tobin, The Ferrywoman]
tags: [Slow Burn, Found Family]
url: https://archiveofourown.org/works/4242
summary: |
  Two keepers, one *lamp*.

  The second paragraph of the summary.
""", "# The Almanac\n\n" + prose(7, 3) + "\n\n# High Water\n\n" + prose(8, 4)
        + f"\n\nThen the {PHRASE} above the orchard, and nobody moved.\n\n" + prose(9, 2))
    write_markdown(stories_dir, "crimson-hours", """
title: Crimson Hours
author: Ines Rook
rating: Explicit
fandoms: [Harbour Tales]
summary: A secret summary for grown-ups only.
""", f"They met in the {SECRET}, where the lamps were never lit.\n\n" + prose(3, 2))
    return stories_dir


def buttons(message) -> list[dict]:
    """The buttons of a message (a SimCord response) as Discord's JSON."""
    return [c for row in message.components for c in row["components"]]


def button(message, custom_id_end: str) -> dict:
    (found,) = [b for b in buttons(message) if b["custom_id"].endswith(custom_id_end)]
    return found


def description(result) -> str:
    return result.response.embeds[0].description or ""


def fields(embed) -> dict[str, str]:
    return {f.name: f.value for f in embed.fields}


# --- /library --------------------------------------------------------------------------------


async def test_library_lists_the_shelf_with_gated_marks(env, channel, alice):
    result = await alice.slash(channel, "library")
    assert not result.ephemeral
    text = description(result)
    assert text.startswith("**11** stories")
    lines = text.split("\n\n")[1:]
    assert len(lines) == 8
    assert lines[0].startswith("`1.` **A Short One** by Pip · `short`")
    assert lines[1].startswith("`2.` 🔞 **Crimson Hours**")
    assert lines[2].startswith("`3.` 🔞 **Night Watch** by Ines Rook")
    assert "🔞" not in lines[0] + lines[3]
    assert "Mature · 228 words · 1 chapter · not started" in lines[2]
    assert "secret summary" not in text  # a listing never shows summaries
    footer = result.response.embeds[0].footer.text
    assert footer.startswith("Page 1/2 · sorted by title · progress shown for alice")
    assert button(result.response, ":prev")["disabled"]
    assert not button(result.response, ":next").get("disabled")


async def test_library_pages_with_buttons(env, channel, alice):
    result = await alice.slash(channel, "library")
    message = result.response.message
    await alice.click(message, custom_id=button(result.response, ":next")["custom_id"])
    page2 = result.response  # the same message, as it is now
    text = page2.embeds[0].description
    assert "`9.` **Shelf Story 6**" in text
    assert "`11.` **Tide Tables** by Marguerite Ölander" in text
    assert "A Short One" not in text
    assert page2.embeds[0].footer.text.startswith("Page 2/2")
    assert button(page2, ":next")["disabled"] and not button(page2, ":prev").get("disabled")
    await alice.click(message, custom_id=button(page2, ":prev")["custom_id"])
    assert result.response.embeds[0].footer.text.startswith("Page 1/2")


async def test_another_member_cannot_page_a_listing(env, channel, alice, bob):
    result = await alice.slash(channel, "library")
    click = await bob.click(result.response.message,
                            custom_id=button(result.response, ":next")["custom_id"])
    assert click.ephemeral
    assert "This list belongs to" in click.response.content
    assert "/library" in click.response.content
    assert result.response.embeds[0].footer.text.startswith("Page 1/2")


async def test_listing_buttons_go_after_a_quiet_while(env, channel, alice):
    result = await alice.slash(channel, "library")
    assert buttons(result.response)
    await env.advance_time(601)
    assert buttons(result.response) == []
    assert result.response.embeds[0].footer.text.startswith("Page 1/2")


async def test_old_listing_buttons_answer_after_a_restart(env, channel, alice, config):
    result = await alice.slash(channel, "library")
    next_id = button(result.response, ":next")["custom_id"]
    await restart(env, config)
    click = await alice.click(result.response.message, custom_id=next_id)
    assert [m.content for m in click.followups] == [
        "This list has expired — run `/library` again."
    ]
    assert click.followups[0].ephemeral
    assert buttons(result.response) == []  # the dead buttons are taken away
    assert result.response.embeds[0].footer.text.startswith("Page 1/2")


async def test_one_page_listing_has_no_buttons(env, channel, alice):
    result = await alice.slash(channel, "library", fandom="harbour")
    assert description(result).startswith("**2** stories matching fandom “harbour”")
    assert "Crimson Hours" in description(result) and "Tide Tables" in description(result)
    assert result.response.components == []


@pytest.mark.parametrize(("options", "titles"), [
    ({"search": "lantern"}, ["The Lantern Keeper"]),
    ({"search": "ROOK"}, ["Crimson Hours", "Night Watch"]),
    ({"search": "olander"}, ["Tide Tables"]),
    ({"rating": "Mature"}, ["Night Watch"]),
    ({"tag": "slow"}, ["Tide Tables"]),
    ({"tag": "ferrywoman"}, ["Tide Tables"]),
    ({"fandom": "original", "search": "shelf story 2"}, ["Shelf Story 2"]),
])
async def test_library_filters(env, channel, alice, options, titles):
    result = await alice.slash(channel, "library", **options)
    text = description(result)
    listed = [line.split("**")[1] for line in text.split("\n\n")[1:]]
    assert listed == titles


async def test_library_with_nothing_matching_says_so(env, channel, alice):
    result = await alice.slash(channel, "library", search="dragons", rating="Explicit")
    assert result.ephemeral
    content = result.response.content
    assert "No stories match search “dragons” · rating Explicit" in content
    assert "dropping a filter" in content


async def test_library_shows_the_members_own_progress(env, channel, alice, bob):
    read = await alice.slash(channel, "read", story="lantern", private=True)
    await alice.click(read.response.message, custom_id=next(
        b["custom_id"] for b in buttons(read.response) if ":next:" in b["custom_id"]))
    stored = await env.bot.database.progress.get(alice.id, "lantern")
    share = stored.furthest / stored.length
    result = await alice.slash(channel, "library", search="lantern")
    assert f"3 chapters · ▰▱▱▱▱▱▱ {int(share * 100)}%" in description(result)
    others = await bob.slash(channel, "library", search="lantern")
    assert "3 chapters · not started" in description(others)


async def test_fandom_and_tag_autocomplete(env, channel, alice):
    fandoms = await alice.autocomplete(channel, "library", "fandom", "harb")
    assert [c["value"] for c in fandoms] == ["Harbour Tales"]
    tags = await alice.autocomplete(channel, "library", "tag", "")
    assert {"Slow Burn", "Mara/Tobin", "Tobin"} <= {c["value"] for c in tags}


# --- /story ----------------------------------------------------------------------------------


async def test_story_card(env, channel, alice):
    result = await alice.slash(channel, "story", story="tide-tables")
    assert not result.ephemeral
    embed = result.response.embeds[0]
    assert embed.title == "Tide Tables"
    assert embed.url == "https://archiveofourown.org/works/4242"
    assert embed.author.name == "by Marguerite Ölander"
    assert embed.description == "Two keepers, one _lamp_.\n\nThe second paragraph of the summary."
    got = fields(embed)
    assert got["Rating"] == "Teen And Up Audiences"
    assert got["Archive warnings"] == ("||Major Character Death||, "
                                       "||Graphic Depictions Of Violence||")
    assert got["Fandoms"] == "Harbour Tales"
    assert got["Relationships"] == "Mara/Tobin"
    assert got["Characters"] == "Mara, Tobin, The Ferrywoman"
    assert got["Tags"] == "Slow Burn, Found Family"
    assert got["Chapters"] == "2"
    assert got["Chapter titles"] == "1. The Almanac\n2. High Water"
    assert got["Words"] == f"{env.bot.library.entry('tide-tables').words:,}"
    assert got["Source"] == "https://archiveofourown.org/works/4242"
    assert got["Progress — alice"] == "Not started yet — `/read tide-tables` opens it."
    assert len(embed) < 6000


async def test_gated_story_card_withholds_the_summary_in_a_channel(env, channel, alice):
    result = await alice.slash(channel, "story", story="crimson-hours")
    embed = result.response.embeds[0]
    assert "secret summary" not in embed.description
    assert "Rated Explicit" in embed.description and "age-restricted" in embed.description
    assert fields(embed)["Rating"] == "Explicit 🔞"
    assert all("secret" not in value for value in fields(embed).values())


async def test_gated_story_card_shows_the_summary_in_a_dm(env, alice):
    result = await alice.user.slash("story", story="crimson-hours")
    embed = result.response.embeds[0]
    assert embed.description == "A secret summary for grown-ups only."
    assert fields(embed)["Rating"] == "Explicit 🔞"


async def test_story_card_shows_progress_after_reading(env, channel, alice):
    read = await alice.slash(channel, "read", story="lantern", chapter=2, private=True)
    opened_page = page_number(read.response.message)
    result = await alice.slash(channel, "story", story="The Lantern Keeper")
    progress = fields(result.response.embeds[0])["Progress — alice"]
    stored = await env.bot.database.progress.get(alice.id, "lantern")
    share = int(stored.furthest / stored.length * 100)
    paged = await env.bot.library.paged("lantern", 500)
    assert progress.endswith(f"{share}% · saved at page {opened_page}/{len(paged.pages)}")
    assert opened_page == paged.page_at(stored.position).number


async def test_story_card_finds_the_saved_place_in_an_edited_story(env, channel, alice, config,
                                                                  stories_dir):
    await alice.slash(channel, "read", story="lantern")
    message = channel.last_message
    for _ in range(4):
        await alice.react(message, "▶️")
    assert page_number(channel.last_message) == 5
    path = stories_dir / "lantern.md"
    foreword = "A foreword the author added later, long enough to shift every offset. " * 20
    path.write_text(path.read_text().replace("# Chapter 1 Title\n\n",
                                             f"# Chapter 1 Title\n\n{foreword}\n\n", 1))
    await restart(env, config)
    card = await alice.slash(channel, "story", story="lantern")
    reopened = await alice.slash(channel, "continue", story="lantern")
    page = page_number(reopened.response.message)
    assert page > 5  # the foreword pushed the reader's words further in
    assert f"saved at page {page}/" in fields(card.response.embeds[0])["Progress — alice"]


async def test_story_card_marks_a_finished_story(env, channel, alice):
    await alice.slash(channel, "read", story="short", private=True)  # one page: finished
    result = await alice.slash(channel, "story", story="short")
    assert "✓ Finished · saved at page 1/1" in fields(result.response.embeds[0])["Progress — alice"]


async def test_story_unknown_answers_privately(env, channel, alice):
    result = await alice.slash(channel, "story", story="lanturn keeper")
    assert result.ephemeral
    assert result.response.content.startswith("There is no story called “lanturn keeper”")


# --- /search ---------------------------------------------------------------------------------


async def test_search_finds_a_phrase_and_its_button_opens_that_page(env, channel, alice, bob):
    result = await alice.slash(channel, "search", text="Silver kettle SANG")
    assert not result.ephemeral
    text = description(result)
    assert text.startswith("Passages matching “Silver kettle SANG”:")
    assert "`1.` **Tide Tables** · Chapter 2 · page" in text
    assert "**silver kettle sang**" in text
    (hit,) = buttons(result.response)
    assert hit["label"].startswith("1. Tide Tables · p. ")
    # Anyone may open a hit; it opens privately for them and saves their place.
    opened = await bob.click(result.response.message, label=hit["label"])
    assert opened.ephemeral
    page_text = opened.response.embeds[0].description
    assert PHRASE in page_text
    assert f"page {hit['label'].rsplit('p. ', 1)[1]}/" in opened.response.embeds[0].footer.text
    stored = await env.bot.database.progress.get(bob.id, "tide-tables")
    paged = await env.bot.library.paged("tide-tables", 500)
    assert stored.position == paged.page_at(stored.position).start
    assert PHRASE in paged.text(paged.page_at(stored.position))
    assert page_number(opened.response.message) > paged.chapter_first_page[1] + 1


async def test_search_hit_buttons_work_after_a_restart(env, channel, alice, config):
    result = await alice.slash(channel, "search", text=PHRASE)
    (hit,) = buttons(result.response)
    await restart(env, config)
    opened = await alice.click(result.response.message, custom_id=hit["custom_id"])
    assert PHRASE in opened.response.embeds[0].description


async def test_search_within_one_story(env, channel, alice):
    result = await alice.slash(channel, "search", text="lamplighter", story="lantern")
    text = description(result)
    assert "in **The Lantern Keeper**:" in text.split("\n")[0]
    assert text.count("**The Lantern Keeper**") == 6  # the header and five hits
    assert len(buttons(result.response)) == 5


async def test_search_unknown_story(env, channel, alice):
    result = await alice.slash(channel, "search", text="kettle", story="no such story")
    assert result.ephemeral
    assert result.response.content.startswith("There is no story called “no such story”")


async def test_search_without_hits(env, channel, alice):
    result = await alice.slash(channel, "search", text="dragon AND (wyvern*)")
    assert result.ephemeral
    assert result.response.content == "No passages match “dragon AND (wyvern\\*)”."
    nothing = await alice.slash(channel, "search", text="?!")
    assert nothing.response.content == "Search needs at least one letter or number."


async def test_gated_hits_are_hidden_in_an_ordinary_channel(env, channel, alice):
    result = await alice.slash(channel, "search", text=SECRET)
    assert result.ephemeral
    content = result.response.content
    assert content.startswith(f"No passages match “{SECRET}”.")
    assert "age-restricted channels or in a DM" in content
    # The common prose is in the gated stories too; none of their hits show here.
    common = await alice.slash(channel, "search", text="lamplighter")
    assert "Night Watch" not in description(common)
    assert "Crimson Hours" not in description(common)
    scoped = await alice.slash(channel, "search", text=SECRET, story="crimson-hours")
    assert scoped.ephemeral and "age-restricted" in scoped.response.content


async def test_gated_hits_show_in_a_dm(env, alice):
    result = await alice.user.slash("search", text=SECRET)
    assert "**Crimson Hours**" in description(result)
    (hit,) = buttons(result.response)
    opened = await alice.user.click(result.response.message, custom_id=hit["custom_id"])
    assert SECRET in opened.response.embeds[0].description


async def test_hit_buttons_check_gating_again_when_clicked(env, guild, channel, alice):
    await env.bot.database.settings.update(guild.id, age_threshold="off")
    result = await alice.slash(channel, "search", text=SECRET)
    (hit,) = buttons(result.response)
    await env.bot.database.settings.update(guild.id, age_threshold="Mature")
    refused = await alice.click(result.response.message, custom_id=hit["custom_id"])
    assert refused.ephemeral
    assert "open only in age-restricted channels" in refused.response.content
    assert await env.bot.database.progress.get(alice.id, "crimson-hours") is None


async def test_story_autocomplete_on_search_and_story(env, channel, alice):
    choices = await alice.autocomplete(channel, "search", "story", "lant", text="x")
    assert [c["value"] for c in choices] == ["lantern"]
    choices = await alice.autocomplete(channel, "story", "story", "tide")
    assert [c["value"] for c in choices] == ["tide-tables"]


async def reload_with_index(env) -> None:
    """Reload the library and wait for the search index, rebuilt in a worker thread."""
    catalogue = env.bot.services.catalogue
    before = catalogue.index
    await env.bot.reload_library()
    for _ in range(200):
        if catalogue.index is not before:
            return
        await asyncio.sleep(0.01)


async def test_search_index_follows_a_library_reload(env, channel, alice, stories_dir):
    write_markdown(stories_dir, "late-arrival", "title: Late Arrival\nrating: General Audiences",
                   "A brass weathervane creaked on the roof.")
    await reload_with_index(env)
    result = await alice.slash(channel, "search", text="brass weathervane")
    assert "**Late Arrival**" in description(result)


async def test_search_finds_words_inside_unspaced_text_and_opens_their_page(
        env, channel, alice, stories_dir):
    landing = "他们在港口等了三天，直到那艘灰色的帆船终于靠岸。"
    body = "\n\n".join(["# 第一章", prose(3, 4), landing])
    write_markdown(stories_dir, "grey-sail", "title: 灰色的帆\nrating: General Audiences", body)
    await reload_with_index(env)
    result = await alice.slash(channel, "search", text="灰色的帆船")
    assert "**灰色的帆船**" in description(result)
    (hit,) = buttons(result.response)
    opened = await alice.click(result.response.message, label=hit["label"])
    assert "灰色的帆船" in opened.response.embeds[0].description
