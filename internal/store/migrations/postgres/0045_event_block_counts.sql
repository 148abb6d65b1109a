-- SQLite adds per-block column counts in this step (see the SQLite file);
-- PostgreSQL keeps one row per event and counts with GROUP BY.
-- Nothing changes here.
SELECT 1;
