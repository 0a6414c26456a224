-- What the catalogue needs of each stored story, so that a restart reads no story text:
-- its card (metadata and chapter titles, encoded like a body) and its measures, beside the
-- body; and, per page size, where its pages start (native 64-bit integers).
--
-- Cards and bodies are written together, so every card has its body.

CREATE TABLE story_cards (
    content_hash    TEXT    NOT NULL,
    parser_version  INTEGER NOT NULL,
    card            BLOB    NOT NULL,
    words           INTEGER NOT NULL,
    minutes         REAL    NOT NULL,
    length          INTEGER NOT NULL,   -- characters of plain text
    quotes          INTEGER NOT NULL,   -- the size of its quote pool
    PRIMARY KEY (content_hash, parser_version)
);

CREATE TABLE story_pages (
    content_hash    TEXT    NOT NULL,
    parser_version  INTEGER NOT NULL,
    page_chars      INTEGER NOT NULL,
    starts          BLOB    NOT NULL,
    PRIMARY KEY (content_hash, parser_version, page_chars)
);
