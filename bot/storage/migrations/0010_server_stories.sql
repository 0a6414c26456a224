-- Stories a server added from Discord (an uploaded file), visible only in that server. The
-- parsed story lives in the story store (`story_bodies`, `story_cards`, `story_pages`) under
-- its content hash like a folder file's; this row says which server has it, under which id
-- (unique across the whole bot, so members' progress names one story), who added it and
-- from what, with the uploaded bytes, so a new parser version can read it again.

CREATE TABLE server_stories (
    story_id        TEXT    PRIMARY KEY,
    guild_id        INTEGER NOT NULL,
    file_name       TEXT    NOT NULL,   -- as uploaded: its extension chose the parser
    content_hash    TEXT    NOT NULL,
    parser_version  INTEGER NOT NULL,
    rating          TEXT,               -- the rating given when it was added; NULL: the file's
    warnings        TEXT    NOT NULL DEFAULT '',  -- caveats from reading it, one per line
    added_by        INTEGER NOT NULL,
    added_at        REAL    NOT NULL,
    updated_at      REAL    NOT NULL,
    source          BLOB    NOT NULL    -- the file as uploaded
);

CREATE INDEX server_stories_by_guild ON server_stories (guild_id);
