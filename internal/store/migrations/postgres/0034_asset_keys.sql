-- The candidate keys of every asset (package cert: the lower-case names
-- an advisory's product may know it by), so that matching one advisory
-- looks its products' keys up instead of reading every asset. Assets not
-- yet keyed (those from before this table, or written by other means)
-- have keyed = FALSE; matching keys them before it looks anything up.
-- Setting keyed = FALSE everywhere rebuilds the keys after their rules
-- change.
CREATE TABLE asset_keys (
    key      TEXT NOT NULL,
    asset_id BIGINT NOT NULL REFERENCES assets (id) ON DELETE CASCADE,
    PRIMARY KEY (key, asset_id)
);
CREATE INDEX asset_keys_asset ON asset_keys (asset_id);
ALTER TABLE assets ADD COLUMN keyed BOOLEAN NOT NULL DEFAULT FALSE;
CREATE INDEX assets_unkeyed ON assets (id) WHERE NOT keyed;
