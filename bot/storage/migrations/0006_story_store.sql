-- The story store: every story file's parsed form, kept so that a restart parses nothing.
--
-- `story_files` has a row per file of the stories folder as it was last read: its stamp
-- (size and modification time of the file and its sidecar, to notice a change without
-- reading it), the hash of its bytes, the parser version that read it, and what came of it:
-- why it was skipped, or its caveats. `story_bodies` holds the parsed story, encoded
-- (`bot.library.codec`), per content hash and parser version, so a file that is copied or
-- moved is not parsed again, and a new parser version reads each file once.

CREATE TABLE story_files (
    path            TEXT    PRIMARY KEY,        -- relative to the folder, '/'-separated
    stamp           TEXT    NOT NULL,
    content_hash    TEXT    NOT NULL,
    parser_version  INTEGER NOT NULL,
    error           TEXT,                       -- why the file was skipped; NULL if read
    warnings        TEXT    NOT NULL DEFAULT '', -- caveats, one per line
    read_at         REAL    NOT NULL
);

CREATE TABLE story_bodies (
    content_hash    TEXT    NOT NULL,
    parser_version  INTEGER NOT NULL,
    body            BLOB    NOT NULL,
    PRIMARY KEY (content_hash, parser_version)
);
