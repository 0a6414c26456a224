from pathlib import Path

import pytest

from bot.config import Config, ConfigError

TOKEN = "MTIzNDU2Nzg5MDEyMzQ1Njc4OQ.GaBcDe.abcdefghijklmnopqrstuvwxyz0123456789AB"


def test_defaults_from_a_token_alone():
    config = Config.from_env({"DISCORD_TOKEN": TOKEN})
    assert config.stories_dir == Path("stories")
    assert config.database_path == Path("storybot.sqlite3")
    assert config.dev_guild_id is None
    assert config.page_chars == 1800
    assert config.log_level == "INFO"
    assert config.proxy is None


def test_every_value_is_read():
    config = Config.from_env({
        "DISCORD_TOKEN": TOKEN,
        "STORIES_DIR": "library",
        "DATABASE_PATH": "data/bot.db",
        "DEV_GUILD_ID": "123456789012345678",
        "PAGE_CHARS": "2400",
        "LOG_LEVEL": "debug",
        "MAX_STORY_MB": "5",
        "DISCORD_PROXY": "http://proxy.example:3128",
        "STORY_CACHE_MB": "32",
        "AO3_LINKS": "0",
        "AO3_URL": "http://127.0.0.1:8080/",
        "AO3_DELAY_S": "7.5",
        "AO3_CHECK_HOURS": "6",
    })
    assert config.stories_dir == Path("library")
    assert config.database_path == Path("data/bot.db")
    assert config.dev_guild_id == 123456789012345678
    assert config.page_chars == 2400
    assert config.log_level == "DEBUG"
    assert config.max_story_bytes == 5 * 1024 * 1024
    assert config.proxy == "http://proxy.example:3128"
    assert config.story_cache_bytes == 32 * 1024 * 1024
    assert (config.ao3_links, config.ao3_url, config.ao3_delay_s, config.ao3_check_hours) == (
        False, "http://127.0.0.1:8080", 7.5, 6.0)


def test_ao3_links_are_on_by_default_and_gentle():
    config = Config.from_env({}, require_token=False)
    assert config.ao3_links and config.ao3_url == "https://archiveofourown.org"
    assert config.ao3_delay_s == 5.0 and config.ao3_check_hours == 12.0


def test_the_token_never_appears_in_repr():
    config = Config.from_env({"DISCORD_TOKEN": TOKEN})
    assert TOKEN not in repr(config)
    assert TOKEN not in str(config)


def test_missing_token_says_what_to_set():
    with pytest.raises(ConfigError) as caught:
        Config.from_env({})
    assert "DISCORD_TOKEN is not set" in str(caught.value)
    assert ".env" in str(caught.value)
    assert "python -m bot demo" in str(caught.value)


def test_tools_do_not_need_a_token():
    assert Config.from_env({}, require_token=False).token == ""


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("DISCORD_TOKEN", "not a token", "does not look like a bot token"),
        ("DEV_GUILD_ID", "my-server", "DEV_GUILD_ID must be a server id"),
        ("PAGE_CHARS", "100", "PAGE_CHARS must be a whole number from 500 to 4000"),
        ("PAGE_CHARS", "lots", "PAGE_CHARS must be a whole number"),
        ("PAGE_CHARS", "²²²²", "PAGE_CHARS must be a whole number"),
        ("DEV_GUILD_ID", "①" * 18, "DEV_GUILD_ID must be a server id"),
        ("WATCH_STORIES", "sometimes", "WATCH_STORIES must be 1 or 0"),
        ("LOG_LEVEL", "LOUD", "LOG_LEVEL must be one of"),
        ("MAX_STORY_MB", "-3", "MAX_STORY_MB must be megabytes"),
        ("STORY_CACHE_MB", "0.5", "STORY_CACHE_MB must be megabytes"),
        ("AO3_LINKS", "sometimes", "AO3_LINKS must be 1 or 0"),
        ("AO3_URL", "archiveofourown.org", "AO3_URL must be a web address"),
        ("AO3_DELAY_S", "0.1", "AO3_DELAY_S must be seconds"),
        ("AO3_DELAY_S", "soon", "AO3_DELAY_S must be seconds"),
        ("AO3_CHECK_HOURS", "0", "AO3_CHECK_HOURS must be hours"),
        ("STORY_CACHE_MB", "nan", "STORY_CACHE_MB must be megabytes"),
        ("STORY_CACHE_MB", "lots", "STORY_CACHE_MB must be megabytes"),
        ("DISCORD_PROXY", "proxy.example:3128", "DISCORD_PROXY must be an HTTP proxy's address"),
        ("DISCORD_PROXY", "socks5://proxy.example:1080", "DISCORD_PROXY must be an HTTP"),
        ("DISCORD_PROXY", "http://proxy.example:port", "DISCORD_PROXY must be an HTTP"),
    ],
)
def test_malformed_values_name_the_variable(name, value, message):
    env = {"DISCORD_TOKEN": TOKEN, name: value}
    with pytest.raises(ConfigError) as caught:
        Config.from_env(env)
    assert message in str(caught.value)
    if name == "DISCORD_TOKEN":
        assert value not in str(caught.value)


def test_proxy_credentials_never_appear_in_repr_or_messages():
    secret = "http://reader:s3cret@proxy.example:3128"
    assert "s3cret" not in repr(Config.from_env({"DISCORD_TOKEN": TOKEN,
                                                 "DISCORD_PROXY": secret}))
    with pytest.raises(ConfigError) as caught:
        Config.from_env({"DISCORD_TOKEN": TOKEN, "DISCORD_PROXY": "ftp://reader:s3cret@x"})
    assert "s3cret" not in str(caught.value)


def test_all_problems_are_reported_together():
    with pytest.raises(ConfigError) as caught:
        Config.from_env({"PAGE_CHARS": "9", "DEV_GUILD_ID": "x"})
    assert len(caught.value.problems) == 3


def test_database_path_that_is_a_folder_is_refused(tmp_path):
    with pytest.raises(ConfigError, match="DATABASE_PATH points to a folder"):
        Config.from_env({"DISCORD_TOKEN": TOKEN, "DATABASE_PATH": str(tmp_path)})


def test_config_is_frozen():
    config = Config.from_env({"DISCORD_TOKEN": TOKEN})
    with pytest.raises(AttributeError):
        config.page_chars = 900  # type: ignore[misc]


@pytest.mark.parametrize(("raw", "expected"), [
    ("", False), ("0", False), ("off", False), ("No", False), ("1", True), ("true", True),
    (" ON ", True), ("yes", True),
])
def test_watch_stories_is_an_on_off_switch(raw, expected):
    config = Config.from_env({"WATCH_STORIES": raw}, require_token=False)
    assert config.watch_stories is expected
