-- Bookmarks, reading stats per server, and stats opt-outs.
--
-- Progress rows have no server: a member's place in a story is theirs wherever they read.
-- Stats are per server, so reading activity is recorded per (server, member, story) in
-- `guild_reads`, filled by triggers: opening a public reading message in a server counts as
-- starting the story there, and every page turn made on such a message adds its words and
-- a finish to that server. Private (ephemeral) readings have no message row and count in no
-- server. Two running totals kept by triggers on `guild_reads` make `/stats` a few indexed
-- reads however many members a server has.
--
-- Opting out is per member, for every server: an opted-out member's activity is not
-- recorded at all, and opting out deletes what was recorded (see `set_stats_optout`).

CREATE TABLE bookmarks (
    id          INTEGER PRIMARY KEY,
    user_id     INTEGER NOT NULL,
    story_id    TEXT    NOT NULL,
    position    INTEGER NOT NULL,          -- plain-text offset: survives a page-size change
    anchor      TEXT    NOT NULL DEFAULT '', -- text at `position`, to find it after edits
    note        TEXT    NOT NULL DEFAULT '',
    created_at  REAL    NOT NULL
);

CREATE INDEX bookmarks_by_user ON bookmarks (user_id, created_at DESC);

CREATE TABLE stats_optouts (
    user_id     INTEGER PRIMARY KEY,
    created_at  REAL    NOT NULL
);

CREATE TABLE guild_reads (
    guild_id      INTEGER NOT NULL,
    user_id       INTEGER NOT NULL,
    story_id      TEXT    NOT NULL,
    words_read    INTEGER NOT NULL DEFAULT 0,
    pages_turned  INTEGER NOT NULL DEFAULT 0,
    finished      INTEGER NOT NULL DEFAULT 0,
    last_read_at  REAL    NOT NULL,
    PRIMARY KEY (guild_id, user_id, story_id)
) WITHOUT ROWID;

CREATE INDEX guild_reads_by_user ON guild_reads (user_id);

CREATE TABLE guild_member_totals (
    guild_id          INTEGER NOT NULL,
    user_id           INTEGER NOT NULL,
    words_read        INTEGER NOT NULL DEFAULT 0,
    stories_started   INTEGER NOT NULL DEFAULT 0,
    stories_finished  INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (guild_id, user_id)
) WITHOUT ROWID;

CREATE INDEX guild_member_totals_by_words
    ON guild_member_totals (guild_id, words_read DESC, stories_finished DESC);
CREATE INDEX guild_member_totals_by_user ON guild_member_totals (user_id);

CREATE TABLE guild_story_totals (
    guild_id    INTEGER NOT NULL,
    story_id    TEXT    NOT NULL,
    readers     INTEGER NOT NULL DEFAULT 0,
    finished    INTEGER NOT NULL DEFAULT 0,
    words_read  INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (guild_id, story_id)
) WITHOUT ROWID;

CREATE INDEX guild_story_totals_by_readers
    ON guild_story_totals (guild_id, readers DESC, finished DESC);

-- Opening a public reading message in a server: the member started the story there. The
-- page was saved just before the message existed; when that save was the member's first
-- finish (a one-page story, `/read page:` to the end), the finish belongs here too.
CREATE TRIGGER guild_reads_opened AFTER INSERT ON readings
WHEN NEW.guild_id IS NOT NULL
     AND NOT EXISTS (SELECT 1 FROM stats_optouts WHERE user_id = NEW.user_id)
BEGIN
    INSERT INTO guild_reads (guild_id, user_id, story_id, finished, last_read_at)
    SELECT NEW.guild_id, NEW.user_id, NEW.story_id,
           COALESCE((SELECT p.finished_at = p.last_read_at FROM progress AS p
                     WHERE p.user_id = NEW.user_id AND p.story_id = NEW.story_id), 0),
           NEW.created_at
    WHERE true
    ON CONFLICT (guild_id, user_id, story_id) DO UPDATE SET
        finished = MAX(finished, excluded.finished);
END;

-- A page shown on a reading message: its words and a finish count in that message's server.
-- Runs beside `page_turns_insert` (0002), which saves the progress itself.
CREATE TRIGGER page_turns_guild INSTEAD OF INSERT ON page_turns
WHEN NEW.message_id IS NOT NULL
     AND NOT EXISTS (SELECT 1 FROM stats_optouts WHERE user_id = NEW.user_id)
BEGIN
    INSERT INTO guild_reads (guild_id, user_id, story_id, words_read, pages_turned, finished,
                             last_read_at)
    SELECT r.guild_id, NEW.user_id, NEW.story_id, NEW.words, NEW.turned,
           NEW.finished_at IS NOT NULL, NEW.now
    FROM readings AS r WHERE r.message_id = NEW.message_id AND r.guild_id IS NOT NULL
    ON CONFLICT (guild_id, user_id, story_id) DO UPDATE SET
        words_read = words_read + excluded.words_read,
        pages_turned = pages_turned + excluded.pages_turned,
        finished = MAX(finished, excluded.finished),
        last_read_at = excluded.last_read_at;
END;

CREATE TRIGGER guild_reads_insert AFTER INSERT ON guild_reads
BEGIN
    INSERT INTO guild_member_totals (guild_id, user_id, words_read, stories_started,
                                     stories_finished)
    VALUES (NEW.guild_id, NEW.user_id, NEW.words_read, 1, NEW.finished)
    ON CONFLICT (guild_id, user_id) DO UPDATE SET
        words_read = words_read + excluded.words_read,
        stories_started = stories_started + 1,
        stories_finished = stories_finished + excluded.stories_finished;
    INSERT INTO guild_story_totals (guild_id, story_id, readers, finished, words_read)
    VALUES (NEW.guild_id, NEW.story_id, 1, NEW.finished, NEW.words_read)
    ON CONFLICT (guild_id, story_id) DO UPDATE SET
        readers = readers + 1,
        finished = finished + excluded.finished,
        words_read = words_read + excluded.words_read;
END;

CREATE TRIGGER guild_reads_update AFTER UPDATE ON guild_reads
BEGIN
    UPDATE guild_member_totals SET
        words_read = words_read + NEW.words_read - OLD.words_read,
        stories_finished = stories_finished + NEW.finished - OLD.finished
    WHERE guild_id = NEW.guild_id AND user_id = NEW.user_id;
    UPDATE guild_story_totals SET
        words_read = words_read + NEW.words_read - OLD.words_read,
        finished = finished + NEW.finished - OLD.finished
    WHERE guild_id = NEW.guild_id AND story_id = NEW.story_id;
END;

CREATE TRIGGER guild_reads_delete AFTER DELETE ON guild_reads
BEGIN
    UPDATE guild_member_totals SET
        words_read = words_read - OLD.words_read,
        stories_started = stories_started - 1,
        stories_finished = stories_finished - OLD.finished
    WHERE guild_id = OLD.guild_id AND user_id = OLD.user_id;
    UPDATE guild_story_totals SET
        readers = readers - 1,
        words_read = words_read - OLD.words_read,
        finished = finished - OLD.finished
    WHERE guild_id = OLD.guild_id AND story_id = OLD.story_id;
END;
