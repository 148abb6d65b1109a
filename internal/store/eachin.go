package store

import (
	"context"
	"database/sql"
	"strings"
)

// inBatch is how many ids one IN list of EachIn holds: well under both
// dialects' parameter limits.
const inBatch = 500

// EachIn runs query + "(ids…)" + tail over ids, inBatch at a time, and
// hands every row to fn. query ends in "IN "; its own arguments, if any,
// must not be placeholders (the ids take $1…).
func EachIn[T any](ctx context.Context, q Querier, query string, ids []T, tail string, fn func(*sql.Rows) error) error {
	for rest := ids; len(rest) > 0; {
		n := min(len(rest), inBatch)
		var a Args
		ps := make([]string, n)
		for i, id := range rest[:n] {
			ps[i] = a.Add(id)
		}
		rest = rest[n:]
		rows, err := q.QueryContext(ctx, query+`(`+strings.Join(ps, ", ")+`)`+tail, a.Values()...)
		if err != nil {
			return err
		}
		for rows.Next() {
			if err := fn(rows); err != nil {
				rows.Close()
				return err
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
	}
	return nil
}
