package cert

import (
	"context"
	"database/sql"
)

// KeyAssets lets tests and benchmarks key assets they wrote directly
// (keyAssets), as the first advisory after migration 0034 does.
func KeyAssets(ctx context.Context, tx *sql.Tx) error { return keyAssets(ctx, tx, &keyer{}) }
