-- Quote schedules and the quotes each server has been shown by them.

CREATE TABLE quote_schedules (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    guild_id       INTEGER NOT NULL,
    channel_id     INTEGER NOT NULL,
    time           TEXT    NOT NULL,             -- 'HH:MM' local time
    timezone       TEXT    NOT NULL,             -- IANA name
    every          TEXT    NOT NULL CHECK (every IN ('day', 'hour')),
    story_id       TEXT,                         -- NULL: the whole library
    next_run       REAL    NOT NULL,             -- UTC, seconds since the epoch
    paused_reason  TEXT,                         -- NULL while active
    created_by     INTEGER NOT NULL,
    created_at     REAL    NOT NULL
);

-- The loop asks only for active schedules whose run has come: idle ones cost nothing.
CREATE INDEX quote_schedules_due ON quote_schedules (next_run) WHERE paused_reason IS NULL;
CREATE INDEX quote_schedules_by_guild ON quote_schedules (guild_id);

CREATE TABLE posted_quotes (
    guild_id   INTEGER NOT NULL,
    story_id   TEXT    NOT NULL,
    quote_id   TEXT    NOT NULL,
    posted_at  REAL    NOT NULL,
    PRIMARY KEY (guild_id, story_id, quote_id)
) WITHOUT ROWID;
