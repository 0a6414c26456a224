"""`compose.yaml` (which no test can run: it needs a Docker engine) is checked for what the
bot needs of it: every bot process's settings are valid, and together they hold every shard
once, on one database."""

from __future__ import annotations

from pathlib import Path

import yaml

from bot.config import Config

ROOT = Path(__file__).resolve().parent.parent


def bot_services() -> dict[str, dict]:
    services = yaml.safe_load((ROOT / "compose.yaml").read_text())["services"]
    return {name: spec for name, spec in services.items() if spec.get("build") == "."}


def test_the_bot_processes_hold_every_shard_once_on_one_database():
    configs = [Config.from_env({"DISCORD_TOKEN": "", **spec["environment"]},
                               require_token=False)
               for spec in bot_services().values()]
    assert len(configs) == 2
    assert {c.database_url for c in configs} == {configs[0].database_url}
    assert configs[0].database_url.startswith("postgresql://")
    (count,) = {c.shard_count for c in configs}
    held = sorted(shard for c in configs for shard in c.shard_ids)
    assert held == list(range(count))


def test_the_database_the_processes_use_is_the_one_compose_starts():
    compose = yaml.safe_load((ROOT / "compose.yaml").read_text())
    postgres = compose["services"]["postgres"]["environment"]
    for spec in bot_services().values():
        url = spec["environment"]["DATABASE_URL"]
        assert url == (f"postgresql://{postgres['POSTGRES_USER']}:"
                       f"{postgres['POSTGRES_PASSWORD']}@postgres:5432/{postgres['POSTGRES_DB']}")
        assert spec["depends_on"]["postgres"]["condition"] == "service_healthy"
