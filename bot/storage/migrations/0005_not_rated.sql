-- Not Rated stories are gated like Mature by default, as AO3 gates them; a server may show
-- them in ordinary channels instead. Existing servers start with the safe default.

ALTER TABLE guild_settings ADD COLUMN not_rated_open INTEGER NOT NULL DEFAULT 0;
