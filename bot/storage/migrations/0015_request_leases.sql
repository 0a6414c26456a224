-- A request in flight to a site: until when at the latest (its start plus the client's
-- timeout and a margin), so that every process sends one request at a time; cleared when
-- the request ends, and lapsing by itself when a process dies mid-request. NULL: none.

ALTER TABLE request_turns ADD COLUMN busy_until REAL;
