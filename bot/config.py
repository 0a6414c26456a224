"""Configuration from the environment, checked in one place.

`Config.from_env` turns a mapping (the process environment, with `.env` loaded at start-up)
into a frozen `Config`, or raises `ConfigError` listing every missing or malformed value with
what to set. The token, and the proxy address (which may hold a password), are kept out of
`repr` so they cannot reach a log by accident.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from bot.text.numbers import whole_number
from bot.text.pagination import DEFAULT_PAGE_CHARS, MAX_PAGE_CHARS, MIN_PAGE_CHARS

DEFAULT_MAX_STORY_MB = 20
DEFAULT_STORY_CACHE_MB = 64
_TOKEN_SHAPE = re.compile(r"^[A-Za-z0-9_\-]{20,}\.[A-Za-z0-9_\-]{4,}\.[A-Za-z0-9_\-]{20,}$")
_LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")


class ConfigError(Exception):
    """One or more settings are missing or malformed; `problems` says which and what to set."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


@dataclass(frozen=True, slots=True)
class Config:
    token: str = field(repr=False)
    stories_dir: Path = Path("stories")
    database_path: Path = Path("storybot.sqlite3")
    # A PostgreSQL server (`postgresql://…`) instead of the SQLite file; may hold a password.
    database_url: str | None = field(default=None, repr=False)
    shard_count: int | None = None  # None: as many as Discord recommends
    shard_ids: tuple[int, ...] | None = None  # this process's shards; None: all of them
    dev_guild_id: int | None = None
    page_chars: int = DEFAULT_PAGE_CHARS
    log_level: str = "INFO"
    max_story_bytes: int = DEFAULT_MAX_STORY_MB * 1024 * 1024
    proxy: str | None = field(default=None, repr=False)
    watch_stories: bool = False  # reload by itself when the stories folder changes
    story_cache_bytes: int = DEFAULT_STORY_CACHE_MB * 1024 * 1024  # open texts kept
    ao3_links: bool = True  # /stories add link: fetches works from AO3
    ao3_url: str = "https://archiveofourown.org"
    ao3_delay_s: float = 5.0  # at least this long between two requests to AO3
    ao3_check_hours: float = 12.0  # how often works in progress are checked for chapters

    @classmethod
    def from_env(cls, env: Mapping[str, str], *, require_token: bool = True) -> Config:
        """Build the configuration from environment-style strings.

        `require_token=False` is for the command-line tools that never connect to Discord.
        """
        problems: list[str] = []

        def get(name: str) -> str:
            return (env.get(name) or "").strip()

        token = get("DISCORD_TOKEN")
        if not token and require_token:
            problems.append(
                "DISCORD_TOKEN is not set. Copy .env.example to .env and set DISCORD_TOKEN to "
                "your bot's token (Discord Developer Portal -> your application -> Bot -> "
                "Reset Token). To try the bot without Discord first, run: python -m bot demo "
                "(after pip install -e \".[demo]\")."
            )
        elif token and not _TOKEN_SHAPE.match(token):
            problems.append(
                "DISCORD_TOKEN does not look like a bot token (three dot-separated parts, no "
                "spaces or quotes). Copy it again from the Developer Portal's Bot page."
            )

        dev_guild_id = None
        if raw := get("DEV_GUILD_ID"):
            number = whole_number(raw, signed=False, max_digits=21)
            if number is not None and 15 <= len(raw.strip()) <= 21:
                dev_guild_id = number
            else:
                problems.append(
                    f"DEV_GUILD_ID must be a server id (a number of 17-20 digits), got {raw!r}. "
                    "Enable Developer Mode in Discord, right-click the server, Copy Server ID; "
                    "or leave it empty."
                )

        page_chars = DEFAULT_PAGE_CHARS
        if raw := get("PAGE_CHARS"):
            number = whole_number(raw, signed=False)
            if number is not None and MIN_PAGE_CHARS <= number <= MAX_PAGE_CHARS:
                page_chars = number
            else:
                problems.append(
                    f"PAGE_CHARS must be a whole number from {MIN_PAGE_CHARS} to "
                    f"{MAX_PAGE_CHARS}, got {raw!r}."
                )

        log_level = get("LOG_LEVEL").upper() or "INFO"
        if log_level not in _LOG_LEVELS:
            levels = ", ".join(_LOG_LEVELS)
            problems.append(f"LOG_LEVEL must be one of {levels}, got {log_level!r}.")
            log_level = "INFO"

        max_mb = DEFAULT_MAX_STORY_MB
        if raw := get("MAX_STORY_MB"):
            try:
                max_mb = float(raw)
                if not 0 < max_mb <= 1024:
                    raise ValueError
            except ValueError:
                problems.append(f"MAX_STORY_MB must be megabytes, above 0 up to 1024; got {raw!r}.")

        proxy = get("DISCORD_PROXY") or None
        if proxy and not _is_proxy_address(proxy):
            problems.append(
                "DISCORD_PROXY must be an HTTP proxy's address such as "
                "http://proxy.example:3128 (or http://user:password@proxy.example:3128); "
                "leave it empty to connect directly."
            )

        watch_stories = _switch(get("WATCH_STORIES"))
        if watch_stories is None:
            problems.append("WATCH_STORIES must be 1 or 0 (on or off); "
                            f"got {get('WATCH_STORIES')!r}.")
            watch_stories = False

        cache_mb = DEFAULT_STORY_CACHE_MB
        if raw := get("STORY_CACHE_MB"):
            try:
                cache_mb = float(raw)
                if not 1 <= cache_mb <= 65536:
                    raise ValueError
            except ValueError:
                problems.append("STORY_CACHE_MB must be megabytes of memory for open stories, "
                                f"from 1 up to 65536; got {raw!r}.")
                cache_mb = DEFAULT_STORY_CACHE_MB

        ao3_links = _switch(get("AO3_LINKS") or "1")
        if ao3_links is None:
            problems.append(f"AO3_LINKS must be 1 or 0 (on or off); got {get('AO3_LINKS')!r}.")
            ao3_links = True
        ao3_url = (get("AO3_URL") or "https://archiveofourown.org").rstrip("/")
        if not _is_web_address(ao3_url):
            problems.append(f"AO3_URL must be a web address such as "
                            f"https://archiveofourown.org; got {ao3_url!r}.")
        ao3_delay = _number(get("AO3_DELAY_S"), 5.0, 1.0, 3600.0)
        if ao3_delay is None:
            problems.append("AO3_DELAY_S must be seconds between two requests to AO3, from 1 "
                            f"up to 3600; got {get('AO3_DELAY_S')!r}.")
        check_hours = _number(get("AO3_CHECK_HOURS"), 12.0, 1.0, 24.0 * 30)
        if check_hours is None:
            problems.append("AO3_CHECK_HOURS must be hours between two checks of a work in "
                            f"progress, from 1 up to 720; got {get('AO3_CHECK_HOURS')!r}.")

        stories_dir = Path(get("STORIES_DIR") or "stories")
        database_path = Path(get("DATABASE_PATH") or "storybot.sqlite3")
        if database_path.is_dir():
            problems.append(
                f"DATABASE_PATH points to a folder ({database_path}); give a file name such as "
                "storybot.sqlite3."
            )

        database_url = get("DATABASE_URL") or None
        if database_url and not _is_postgres_address(database_url):
            problems.append(
                "DATABASE_URL must be a PostgreSQL server's address such as "
                "postgresql://storybot:password@localhost:5432/storybot; leave it empty to use "
                "the SQLite file DATABASE_PATH."
            )
        shard_count, shard_ids = _shards(get("SHARD_COUNT"), get("SHARD_IDS"), problems)

        if problems:
            raise ConfigError(problems)
        return cls(
            token=token,
            stories_dir=stories_dir,
            database_path=database_path,
            database_url=database_url,
            shard_count=shard_count,
            shard_ids=shard_ids,
            dev_guild_id=dev_guild_id,
            page_chars=page_chars,
            log_level=log_level,
            max_story_bytes=int(max_mb * 1024 * 1024),
            proxy=proxy,
            watch_stories=watch_stories,
            story_cache_bytes=int(cache_mb * 1024 * 1024),
            ao3_links=ao3_links,
            ao3_url=ao3_url,
            ao3_delay_s=ao3_delay or 5.0,
            ao3_check_hours=check_hours or 12.0,
        )

    @property
    def database(self) -> Path | str:
        """What `Database.open` is given: the PostgreSQL URL when set, else the SQLite file."""
        return self.database_url or self.database_path

    @property
    def log_level_number(self) -> int:
        return logging.getLevelName(self.log_level)


def _is_postgres_address(value: str) -> bool:
    """A `postgresql://` (or `postgres://`) URL with a host, or a socket folder given as
    `?host=/path`."""
    try:
        parts = urlsplit(value)
        parts.port  # noqa: B018 - raises ValueError when the port is not a number in range
    except ValueError:
        return False
    return (parts.scheme in ("postgresql", "postgres")
            and (bool(parts.hostname) or "host=" in parts.query))


def _shards(count_raw: str, ids_raw: str,
            problems: list[str]) -> tuple[int | None, tuple[int, ...] | None]:
    """SHARD_COUNT and SHARD_IDS: how many shards the bot has, and which this process runs
    (`0,1`, or a range `0-3`)."""
    count = None
    if count_raw:
        count = whole_number(count_raw, signed=False)
        if count is None or not 1 <= count <= 100_000:
            problems.append(f"SHARD_COUNT must be the number of shards, from 1; got "
                            f"{count_raw!r}. Leave it empty for Discord's recommendation.")
            return None, None
    if not ids_raw:
        return count, None
    if count is None:
        problems.append("SHARD_IDS needs SHARD_COUNT: every process must agree on how many "
                        "shards there are.")
        return None, None
    ids: list[int] = []
    for part in ids_raw.split(","):
        first, _, last = part.strip().partition("-")
        low = whole_number(first, signed=False)
        high = whole_number(last, signed=False) if last else low
        if low is None or high is None or not low <= high < count:
            problems.append(f"SHARD_IDS must be shard numbers from 0 to {count - 1}, such as "
                            f"0,1 or 0-3; got {ids_raw!r}.")
            return None, None
        ids.extend(range(low, high + 1))
    return count, tuple(sorted(set(ids)))


def _is_proxy_address(value: str) -> bool:
    """An `http://` or `https://` URL with a host and, if given, a port from 1 to 65535."""
    try:
        parts = urlsplit(value)
        port = parts.port  # raises ValueError when the port is not a number in range
    except ValueError:
        return False
    return parts.scheme in ("http", "https") and bool(parts.hostname) and port != 0


def _number(raw: str, default: float, low: float, high: float) -> float | None:
    """A number from `low` to `high`; `default` when empty, None when not one of those."""
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        return None
    return value if low <= value <= high else None


def _is_web_address(value: str) -> bool:
    parts = urlsplit(value)
    return parts.scheme in ("http", "https") and bool(parts.hostname)


def _switch(raw: str) -> bool | None:
    """An on/off setting: `1`, `true`, `yes`, `on` or `0`, `false`, `no`, `off` (or empty)."""
    value = raw.casefold()
    if value in ("1", "true", "yes", "on"):
        return True
    if value in ("", "0", "false", "no", "off"):
        return False
    return None
