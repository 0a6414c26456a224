-- A page turn as one statement: insert into `page_turns` and the trigger saves the progress
-- and moves the reading message together. One statement is atomic on its own, and one
-- round trip to the database thread instead of four.

CREATE VIEW page_turns (user_id, story_id, position, anchor, furthest, length, turned,
                        words, now, finished_at, message_id) AS
    SELECT NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL;

CREATE TRIGGER page_turns_insert INSTEAD OF INSERT ON page_turns
BEGIN
    INSERT INTO progress (user_id, story_id, position, anchor, furthest, length, pages_turned,
                          words_read, started_at, last_read_at, finished_at)
    VALUES (NEW.user_id, NEW.story_id, NEW.position, NEW.anchor, NEW.furthest, NEW.length,
            NEW.turned, NEW.words, NEW.now, NEW.now, NEW.finished_at)
    ON CONFLICT (user_id, story_id) DO UPDATE SET
        position = excluded.position,
        anchor = excluded.anchor,
        furthest = MAX(furthest, excluded.furthest),
        length = excluded.length,
        pages_turned = pages_turned + excluded.pages_turned,
        words_read = words_read + excluded.words_read,
        last_read_at = excluded.last_read_at,
        finished_at = COALESCE(finished_at, excluded.finished_at);
    UPDATE readings SET position = NEW.position
    WHERE NEW.message_id IS NOT NULL AND message_id = NEW.message_id;
END;
