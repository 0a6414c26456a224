"""The story cache: bounded by what its entries weigh, least recently used out first."""

from __future__ import annotations

import gc
import tracemalloc

from hypothesis import given
from hypothesis import strategies as st

from bot.library.cache import CostCache, story_cost
from bot.parsers import parse_story
from tests.helpers import prose


def test_least_recently_used_go_first():
    cache = CostCache(10, cost=len)
    cache.put("a", "xxxx")
    cache.put("b", "xxxx")
    assert cache.get("a") == "xxxx"  # a is now the most recent
    cache.put("c", "xxxx")
    assert "b" not in cache and "a" in cache and "c" in cache
    assert cache.total == 8


def test_peeking_leaves_the_order_as_it_was():
    cache = CostCache(10, cost=len)
    cache.put("a", "xxxx")
    cache.put("b", "xxxx")
    assert cache.peek("a") == "xxxx" and cache.peek("missing") is None
    cache.put("c", "xxxx")
    assert "a" not in cache and "b" in cache  # a stayed the least recently used


def test_an_entry_bigger_than_the_bound_is_returned_but_not_kept():
    cache = CostCache(10, cost=len)
    cache.put("a", "xxx")
    assert cache.put("huge", "x" * 11) == "x" * 11
    assert "huge" not in cache and "a" in cache


def test_replacing_an_entry_counts_it_once():
    cache = CostCache(10, cost=len)
    cache.put("a", "xxxx")
    cache.put("a", "xxxxxx")
    assert cache.total == 6 and len(cache) == 1
    cache.discard("a")
    assert cache.total == 0


@given(st.integers(min_value=0, max_value=60),
       st.lists(st.tuples(st.sampled_from("abcdefgh"), st.integers(min_value=0, max_value=30),
                          st.booleans()), max_size=60))
def test_the_total_never_passes_the_bound(limit, operations):
    cache = CostCache(limit, cost=len)
    for key, size, read in operations:
        if read:
            cache.get(key)
        else:
            cache.put(key, "x" * size)
        assert cache.total <= limit
        assert cache.total == sum(len(cache.get(k) or "") for k in "abcdefgh" if k in cache)


def test_a_storys_cost_is_near_what_it_takes_in_memory():
    text = "---\ntitle: Weighed\n---\n\n" + "\n\n".join(
        f"# Chapter {n}\n\n{prose(n, 40)}\n\nSome *styled* words here." for n in range(1, 6))
    parse_story(text.encode(), "weighed.md", None)  # caches the parser fills once
    gc.collect()
    tracemalloc.start()
    story = parse_story(text.encode(), "weighed.md", None)
    gc.collect()
    held, _peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    estimate = story_cost(story)
    assert estimate >= len(story.plain)
    assert held / 1.5 <= estimate <= held * 1.5
