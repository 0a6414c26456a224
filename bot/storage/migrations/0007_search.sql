-- The search index: every paragraph and heading of the library, kept so that a restart
-- indexes nothing and a reload re-indexes only the stories that changed.
--
-- `search_passages` finds words (unicode61, diacritics folded). `search_unspaced` holds the
-- passages written in scripts without spaces (Chinese, Japanese, Thai…) a second time, by
-- trigrams, so a piece of a sentence is found as a substring. Both keep a passage's story,
-- chapter and plain offset beside its text.
--
-- `search_stories` says which version of each story is indexed (`signature`, a hash of its
-- passages) and where: a story's passages have the rowids from `place * 2^24` on, in their
-- order in the story, and places follow the library's order. So ordering by rowid is story
-- order, and a story's passages are one rowid range.
--
-- A story is (re)written with one statement, `INSERT INTO search_updates`, whose trigger
-- replaces its passages (given as a JSON array of [text, chapter, offset, unspaced]), and
-- removed by deleting its `search_stories` row. One statement is atomic on its own: other
-- statements sent on the shared connection meanwhile never land inside a half-written story.

CREATE TABLE search_stories (
    story_id   TEXT    PRIMARY KEY,
    signature  TEXT    NOT NULL,
    place      INTEGER NOT NULL UNIQUE
);

CREATE VIRTUAL TABLE search_passages USING fts5(
    text, story UNINDEXED, chapter UNINDEXED, offset UNINDEXED,
    tokenize = 'unicode61 remove_diacritics 2'
);

CREATE VIRTUAL TABLE search_unspaced USING fts5(
    text, story UNINDEXED, chapter UNINDEXED, offset UNINDEXED,
    tokenize = 'trigram'
);

CREATE TRIGGER search_stories_delete AFTER DELETE ON search_stories
BEGIN
    DELETE FROM search_passages
    WHERE rowid BETWEEN OLD.place * 16777216 AND OLD.place * 16777216 + 16777215;
    DELETE FROM search_unspaced
    WHERE rowid BETWEEN OLD.place * 16777216 AND OLD.place * 16777216 + 16777215;
END;

CREATE VIEW search_updates (story_id, signature, place, passages) AS
    SELECT NULL, NULL, NULL, NULL;

CREATE TRIGGER search_updates_insert INSTEAD OF INSERT ON search_updates
BEGIN
    -- The story's old passages go, and those of a story whose place it takes (one that is
    -- itself being moved or removed).
    DELETE FROM search_stories WHERE story_id = NEW.story_id OR place = NEW.place;
    INSERT INTO search_stories (story_id, signature, place)
    VALUES (NEW.story_id, NEW.signature, NEW.place);
    INSERT INTO search_passages (rowid, text, story, chapter, offset)
    SELECT NEW.place * 16777216 + key, json_extract(value, '$[0]'), NEW.story_id,
           json_extract(value, '$[1]'), json_extract(value, '$[2]')
    FROM json_each(NEW.passages);
    INSERT INTO search_unspaced (rowid, text, story, chapter, offset)
    SELECT NEW.place * 16777216 + key, json_extract(value, '$[0]'), NEW.story_id,
           json_extract(value, '$[1]'), json_extract(value, '$[2]')
    FROM json_each(NEW.passages)
    WHERE json_extract(value, '$[3]');
END;
