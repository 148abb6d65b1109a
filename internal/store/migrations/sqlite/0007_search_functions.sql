-- The event query language's functions sd_field and sd_num are registered
-- in Go by the eventstore package (PostgreSQL defines them in SQL); this
-- step only keeps the two dialects' versions paired.
SELECT 1;
