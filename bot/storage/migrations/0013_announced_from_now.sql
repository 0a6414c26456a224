-- Works linked before announcements existed start with what they have as announced, so the
-- first check announces only chapters posted after it.

UPDATE server_stories SET announced_chapters = chapters_posted
    WHERE work_id IS NOT NULL AND announced_chapters IS NULL;
