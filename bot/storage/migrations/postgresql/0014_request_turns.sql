-- When the next request to a site may start, shared by every process on the database so
-- that together they keep one polite pace (`AO3_DELAY_S` between starts, Retry-After
-- honoured). Seconds since the epoch: the wall clock is the one processes share.

CREATE TABLE request_turns (
    host     TEXT PRIMARY KEY,
    next_at  DOUBLE PRECISION NOT NULL
);
