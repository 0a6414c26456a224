-- Following works in progress: members who asked to hear of new chapters by DM, the
-- channel where a server announces them, and how many chapters of each linked work were
-- last announced (claimed before the post goes out, so no chapter is announced twice).

CREATE TABLE follows (
    user_id     INTEGER NOT NULL,
    story_id    TEXT    NOT NULL,
    guild_id    INTEGER NOT NULL,   -- the server whose story it is
    since       REAL    NOT NULL,
    PRIMARY KEY (user_id, story_id)
);

CREATE INDEX follows_by_story ON follows (story_id);

ALTER TABLE guild_settings ADD COLUMN announce_channel_id INTEGER;
ALTER TABLE server_stories ADD COLUMN announced_chapters INTEGER;
