package cli

import (
	"context"
	"fmt"
	"io"
	"log/slog"

	"github.com/samdrift/samdrift/internal/app"
)

// loadDemo loads whatever of the demo data is missing into a (serve
// --demo) and prints the demo users' passwords to out the first time.
func loadDemo(ctx context.Context, a *app.App, log *slog.Logger, out io.Writer) error {
	made, err := a.LoadDemo(ctx, log)
	if len(made) > 0 {
		fmt.Fprintln(out, "Demo users (passwords are shown only now; admin, cert and soc-analyst set up two-step verification at first login):")
		for _, m := range made {
			fmt.Fprintf(out, "  %-20s %-14s %-36s %s\n", m.Username, m.Role, m.Org, m.Password)
		}
	}
	return err
}
