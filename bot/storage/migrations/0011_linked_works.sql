-- Server stories added by an AO3 link: the work they follow, how many chapters AO3 had
-- posted at the last fetch, whether the work is complete (then it is no longer checked),
-- when it was last checked, and whether AO3 has since deleted it (the last copy is kept).
-- An upload has none of these.

ALTER TABLE server_stories ADD COLUMN work_id INTEGER;
ALTER TABLE server_stories ADD COLUMN chapters_posted INTEGER;
ALTER TABLE server_stories ADD COLUMN complete INTEGER NOT NULL DEFAULT 0;
ALTER TABLE server_stories ADD COLUMN checked_at REAL;
ALTER TABLE server_stories ADD COLUMN gone INTEGER NOT NULL DEFAULT 0;

CREATE INDEX server_stories_by_work ON server_stories (guild_id, work_id);
