-- How often each value of a few columns (host, app, product, format,
-- sender, severity) occurs in each event block, so that a count by one of
-- them takes a block wholly inside its time range from here without
-- decompressing it (see internal/eventstore/summaries.go). Blocks stored
-- before have none and are decoded.
CREATE TABLE event_block_counts (
    block_id INTEGER PRIMARY KEY,
    counts   BLOB NOT NULL
);
