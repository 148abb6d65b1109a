package loadgen

import (
	"context"

	"github.com/samdrift/samdrift/internal/errs"
)

func dialRELP(ctx context.Context, o Options) (sender, error) {
	return nil, errs.E(errs.Invalid, "relp: not yet")
}
