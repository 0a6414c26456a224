-- Reading progress, open reading messages and per-server settings.

CREATE TABLE progress (
    user_id       INTEGER NOT NULL,
    story_id      TEXT    NOT NULL,
    position      INTEGER NOT NULL,          -- plain-text offset of the page last shown
    anchor        TEXT    NOT NULL DEFAULT '', -- text at `position`, to find it again after edits
    furthest      INTEGER NOT NULL,          -- plain-text offset of the end of the furthest page
    length        INTEGER NOT NULL,          -- story length when last read, for percentages
    pages_turned  INTEGER NOT NULL DEFAULT 0,
    words_read    INTEGER NOT NULL DEFAULT 0,
    started_at    REAL    NOT NULL,
    last_read_at  REAL    NOT NULL,
    finished_at   REAL,
    PRIMARY KEY (user_id, story_id)
) WITHOUT ROWID;

CREATE INDEX progress_by_recent ON progress (user_id, last_read_at DESC);

CREATE TABLE readings (
    message_id  INTEGER PRIMARY KEY,
    channel_id  INTEGER NOT NULL,
    guild_id    INTEGER,                     -- NULL in DMs
    user_id     INTEGER NOT NULL,            -- the member who opened it
    story_id    TEXT    NOT NULL,
    position    INTEGER NOT NULL,
    controls    TEXT    NOT NULL,            -- 'reactions', 'buttons' or 'both'
    created_at  REAL    NOT NULL
);

CREATE INDEX readings_by_user ON readings (user_id);

CREATE TABLE guild_settings (
    guild_id       INTEGER PRIMARY KEY,
    paging         TEXT    NOT NULL DEFAULT 'reactions'
                   CHECK (paging IN ('reactions', 'buttons', 'both')),
    club_mode      INTEGER NOT NULL DEFAULT 0,
    age_threshold  TEXT    NOT NULL DEFAULT 'Mature'
                   CHECK (age_threshold IN ('Teen And Up Audiences', 'Mature', 'Explicit', 'off')),
    stats_enabled  INTEGER NOT NULL DEFAULT 1
);
