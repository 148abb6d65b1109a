package compliance_test

import (
	"context"
	"database/sql"
	"fmt"
	"math/rand/v2"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/samdrift/samdrift/internal/access"
	"github.com/samdrift/samdrift/internal/compliance"
	"github.com/samdrift/samdrift/internal/demo/demotest"
	"github.com/samdrift/samdrift/internal/store"
	"github.com/samdrift/samdrift/internal/store/storetest"
)

// The targets: the heatmap over 103 organisations × 4 frameworks
// under 500 ms, and importing a 1,000-requirement library under 2 s.
//
//	SAMDRIFT_TEST_POSTGRES=… go test ./internal/compliance/ -run '^$' -bench 'Heatmap|Import1000' -benchtime 10x

func benchEach(b *testing.B, fn func(b *testing.B, db *store.DB)) {
	b.Run("sqlite", func(b *testing.B) { fn(b, storetest.SQLite(b)) })
	b.Run("postgres", func(b *testing.B) {
		if os.Getenv("SAMDRIFT_TEST_POSTGRES") == "" {
			b.Skip("set SAMDRIFT_TEST_POSTGRES to run on PostgreSQL")
		}
		fn(b, storetest.Postgres(b))
	})
}

// BenchmarkHeatmap answers about two thirds of every framework's
// requirements for every municipality and unit, then reads governance's
// heatmap.
func BenchmarkHeatmap(b *testing.B) {
	benchEach(b, func(b *testing.B, db *store.DB) {
		ctx := context.Background()
		env := demotest.New(b, db, false)
		svc := compliance.New(db)
		if _, err := svc.InstallBuiltin(ctx); err != nil {
			b.Fatal(err)
		}
		r := rand.New(rand.NewPCG(1, 2))
		statuses := []string{"met", "met", "partial", "not_met", "not_applicable"}
		now := time.Now().UTC()
		answers := 0
		err := db.Write(ctx, func(tx *sql.Tx) error {
			if _, err := tx.ExecContext(ctx, `INSERT INTO assessments (org_id, framework_id, created_by, created_at, updated_at)
				SELECT o.id, f.id, 'bench', $1, $1 FROM organizations o, frameworks f WHERE o.kind IN ('municipality', 'unit')`, now); err != nil {
				return err
			}
			rows, err := tx.QueryContext(ctx, `SELECT a.id, r.id FROM assessments a JOIN requirements r ON r.framework_id = a.framework_id WHERE r.assessable`)
			if err != nil {
				return err
			}
			var pairs [][2]int64
			for rows.Next() {
				var p [2]int64
				if err := rows.Scan(&p[0], &p[1]); err != nil {
					rows.Close()
					return err
				}
				pairs = append(pairs, p)
			}
			rows.Close()
			for len(pairs) > 0 {
				n := min(len(pairs), 100)
				var a store.Args
				var vals []string
				at := a.Add(now)
				for _, p := range pairs[:n] {
					if r.IntN(3) == 0 {
						continue
					}
					st := statuses[r.IntN(len(statuses))]
					vals = append(vals, "("+a.Add(p[0])+", "+a.Add(p[1])+", "+a.Add(st)+", 'bench', 'bench', "+at+")")
				}
				pairs = pairs[n:]
				if len(vals) == 0 {
					continue
				}
				answers += len(vals)
				if _, err := tx.ExecContext(ctx, `INSERT INTO assessment_answers (assessment_id, requirement_id, status, reason, updated_by, updated_at) VALUES `+strings.Join(vals, ", "), a.Values()...); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
		gov := env.Scope(b, "demo-governance")
		var rows int
		for b.Loop() {
			h, err := svc.Heatmap(ctx, gov, "da")
			if err != nil {
				b.Fatal(err)
			}
			rows = len(h.Rows)
		}
		b.ReportMetric(b.Elapsed().Seconds()*1000/float64(b.N), "ms/op")
		b.ReportMetric(float64(rows), "organisations")
		b.ReportMetric(float64(answers), "answers")
	})
}

// benchLibrary writes a library of n assessable requirements under n/20
// sections, as CISO Assistant writes them.
func benchLibrary(id string, n int) []byte {
	var w strings.Builder
	fmt.Fprintf(&w, "urn: urn:bench:risk:library:%s\nlocale: en\nref_id: %s\nname: Bench %s\nversion: 1\nprovider: bench\nobjects:\n  framework:\n    urn: urn:bench:risk:framework:%s\n    ref_id: %s\n    name: Bench\n    requirement_nodes:\n", id, id, id, id, id)
	for s := 0; s < n/20; s++ {
		fmt.Fprintf(&w, "    - urn: urn:bench:risk:req_node:%s:s%d\n      assessable: false\n      depth: 1\n      ref_id: S%d\n      name: Section %d\n", id, s, s, s)
		for i := 0; i < 20; i++ {
			fmt.Fprintf(&w, "    - urn: urn:bench:risk:req_node:%s:s%d.%d\n      assessable: true\n      depth: 2\n      parent_urn: urn:bench:risk:req_node:%s:s%d\n      ref_id: S%d.%d\n      name: Requirement %d.%d\n      description: What an auditor would look for in requirement %d.%d.\n      translations:\n        da:\n          name: Krav %d.%d\n",
				id, s, i, id, s, s, i, s, i, s, i, s, i)
		}
	}
	return []byte(w.String())
}

// BenchmarkImport1000 imports a new 1,000-requirement library each round.
func BenchmarkImport1000(b *testing.B) {
	benchEach(b, func(b *testing.B, db *store.DB) {
		ctx := context.Background()
		demotest.New(b, db, false)
		svc := compliance.New(db)
		sc := access.System("bench")
		i := 0
		for b.Loop() {
			b.StopTimer()
			data := benchLibrary(fmt.Sprintf("bench%d", i), 1000)
			i++
			b.StartTimer()
			res, err := svc.ImportLibraries(ctx, sc, []string{"bench.yaml"}, [][]byte{data})
			if err != nil || res[0].Requirements != 1000 {
				b.Fatalf("ImportLibraries = %+v, %v", res, err)
			}
		}
		b.ReportMetric(b.Elapsed().Seconds()*1000/float64(b.N), "ms/op")
		b.ReportMetric(1000*float64(b.N)/b.Elapsed().Seconds(), "requirements/s")
	})
}
