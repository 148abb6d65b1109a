-- SQLite adds per-block gram filters in this step (see the SQLite file);
-- PostgreSQL keeps one row per event and searches with its indexes.
-- Nothing changes here.
SELECT 1;
