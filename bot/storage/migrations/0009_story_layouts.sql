-- Each stored story's rendered block lengths (native 64-bit integers, chapter after
-- chapter), kept with its card: measuring every block is most of the cost of opening a
-- story's text, and the lengths only change with the story. NULL: worked out on opening.

ALTER TABLE story_cards ADD COLUMN layout BLOB;
