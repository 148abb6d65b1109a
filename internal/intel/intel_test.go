package intel_test

import (
	"context"
	"io"
	"log/slog"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/samdrift/samdrift/internal/access"
	"github.com/samdrift/samdrift/internal/cert"
	"github.com/samdrift/samdrift/internal/demo"
	"github.com/samdrift/samdrift/internal/demo/demotest"
	"github.com/samdrift/samdrift/internal/detect"
	"github.com/samdrift/samdrift/internal/indicator"
	"github.com/samdrift/samdrift/internal/intel"
	"github.com/samdrift/samdrift/internal/store"
	"github.com/samdrift/samdrift/internal/store/storetest"
)

// system reads everything, whatever its TLP: tests check what was stored
// through it and what each user may see through the users' own scopes.
var system = access.System("test")

// newService returns the exchange over db with a quiet log and an
// environment of its own (getenv).
func newService(db *store.DB, getenv func(string) string) *intel.Service {
	if getenv == nil {
		getenv = func(string) string { return "" }
	}
	return intel.New(db, cert.New(db), slog.New(slog.NewTextHandler(io.Discard, nil)), getenv)
}

// world is the demo organisations and users plus those the TLP rules
// need: a CISO in municipality B (Roskilde, 265, served by the Sjælland
// unit) and a manager of the Sjælland unit, which does not serve
// København (101, municipality A; served by the Hovedstaden unit).
type world struct {
	*demotest.Env
	orgA, orgB int64
}

func newWorld(t *testing.T, db *store.DB) *world {
	t.Helper()
	env := demotest.New(t, db, false)
	env.AddUser(t, "ciso-265", "265", access.RoleCISO)
	env.AddUser(t, "unit-sjaelland", demo.UnitSlug("Region Sjælland"), access.RoleUnitManager)
	return &world{Env: env, orgA: env.Org(t, "101").ID, orgB: env.Org(t, "265").ID}
}

// freshDB returns another empty database of db's dialect, for round trips.
func freshDB(t *testing.T, db *store.DB) *store.DB {
	t.Helper()
	if db.Dialect() == store.Postgres {
		return storetest.Postgres(t)
	}
	return storetest.SQLite(t)
}

// count returns the rows of table.
func count(t *testing.T, db *store.DB, table string) int {
	t.Helper()
	var n int
	if err := db.Reader().QueryRowContext(context.Background(), `SELECT COUNT(*) FROM `+table).Scan(&n); err != nil {
		t.Fatalf("count %s: %v", table, err)
	}
	return n
}

// counts returns the rows of the tables an import writes.
func counts(t *testing.T, db *store.DB) map[string]int {
	t.Helper()
	out := map[string]int{}
	for _, tb := range []string{"indicators", "intel_reports", "advisories", "advisory_products"} {
		out[tb] = count(t, db, tb)
	}
	return out
}

// allIndicators returns every stored indicator, by type and value.
func allIndicators(t *testing.T, db *store.DB) []indicator.Indicator {
	t.Helper()
	var out []indicator.Indicator
	d := detect.New(db, slog.New(slog.NewTextHandler(io.Discard, nil)))
	for off := 0; ; off += 1000 {
		page, _, err := d.Indicators(context.Background(), system, detect.IndicatorFilter{Limit: 1000, Offset: off})
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, page...)
		if len(page) < 1000 {
			break
		}
	}
	slices.SortFunc(out, func(a, b indicator.Indicator) int {
		return strings.Compare(a.Type+" "+a.Value, b.Type+" "+b.Value)
	})
	return out
}

// allReports returns every stored report, by title.
func allReports(t *testing.T, svc *intel.Service) []intel.Report {
	t.Helper()
	rs, _, err := svc.Reports(context.Background(), system, intel.ReportFilter{Limit: 500})
	if err != nil {
		t.Fatal(err)
	}
	slices.SortFunc(rs, func(a, b intel.Report) int { return strings.Compare(a.Title, b.Title) })
	return rs
}

// allAdvisories returns every stored advisory with its products, by ref.
func allAdvisories(t *testing.T, c *cert.Service) []cert.Advisory {
	t.Helper()
	ctx := context.Background()
	list, _, err := c.Advisories(ctx, system, cert.AdvisoryFilter{Limit: 500})
	if err != nil {
		t.Fatal(err)
	}
	out := make([]cert.Advisory, 0, len(list))
	for _, a := range list {
		full, err := c.Advisory(ctx, system, a.ID)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, full)
	}
	slices.SortFunc(out, func(a, b cert.Advisory) int { return strings.Compare(a.Ref, b.Ref) })
	return out
}

func readTestdata(t *testing.T, name string) []byte {
	t.Helper()
	data, err := os.ReadFile("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return data
}
