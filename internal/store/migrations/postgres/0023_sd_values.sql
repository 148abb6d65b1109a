-- sd_values returns every packed value of key k in packed fields f
-- ("|k=v|k=w|…|"), comparing keys without regard to case: a field that
-- holds several values (an array's: tags, related.ip) matches a wildcard
-- or range term when any of them does (sd_field returns only the first).
CREATE FUNCTION sd_values(f text, k text) RETURNS SETOF text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT substr(p, length(k) + 2) FROM unnest(string_to_array(f, '|')) AS p
    WHERE lower(left(p, length(k) + 1)) = lower(k) || '='
$$;
