-- PostgreSQL gains sd_values here; the SQLite store filters in Go.
SELECT 1;
