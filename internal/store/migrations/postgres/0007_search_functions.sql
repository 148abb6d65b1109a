-- Functions the event query language compiles to on PostgreSQL (the
-- SQLite store filters decoded events in Go instead).
-- sd_field returns the packed value of key k in packed fields f ("|k=v|…|"),
-- comparing keys without regard to case; NULL when the key is absent.
CREATE FUNCTION sd_field(f text, k text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE WHEN p > 0 THEN split_part(substr(f, p + length(k) + 2), '|', 1) END
    FROM (SELECT strpos(lower(f), '|' || lower(k) || '=') AS p) s
$$;
-- sd_num reads a number, or NULL when the text is not one.
CREATE FUNCTION sd_num(t text) RETURNS double precision
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE WHEN t ~ '^\s*[-+]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][-+]?[0-9]+)?\s*$' THEN t::double precision END
$$;
