-- A Bloom filter of each event block's lower-cased text trigrams, so that
-- a search for a rare value skips the blocks that cannot hold it (see
-- internal/eventstore/grams.go). Kept apart from event_blocks: reading a
-- column stored after the block's data would read the data too. Blocks
-- stored before have no filter and are always read.
CREATE TABLE event_block_grams (
    block_id INTEGER PRIMARY KEY,
    grams    BLOB NOT NULL
);
