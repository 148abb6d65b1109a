package cert_test

import (
	"context"
	"database/sql"
	"fmt"
	"hash/fnv"
	"math/rand/v2"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/samdrift/samdrift/internal/access"
	"github.com/samdrift/samdrift/internal/cert"
	"github.com/samdrift/samdrift/internal/cert/match"
	"github.com/samdrift/samdrift/internal/demo/demotest"
	"github.com/samdrift/samdrift/internal/store"
	"github.com/samdrift/samdrift/internal/store/storetest"
)

// The targets (one core): 1,000 advisories matched against
// 500,000 assets in under 10 s, and one new advisory in under 100 ms.
//
//	GOMAXPROCS=1 go test ./internal/cert/ -run '^$' -bench 'MatchAdvisories|RematchOneAdvisory' -benchtime 3x -timeout 60m -v
//
// SAMDRIFT_BENCH_ASSETS shrinks the inventory for a quick run;
// SAMDRIFT_TEST_POSTGRES adds PostgreSQL.

const (
	benchProducts   = 5_000 // distinct vendor/product pairs in the inventory
	benchAdvisories = 1_000
	benchSeedTx     = 50_000 // assets per seeding transaction
)

func benchAssets(b *testing.B) int {
	if s := os.Getenv("SAMDRIFT_BENCH_ASSETS"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n <= 0 {
			b.Fatalf("SAMDRIFT_BENCH_ASSETS=%q: want a positive number", s)
		}
		return n
	}
	return 500_000
}

func benchEach(b *testing.B, fn func(b *testing.B, db *store.DB)) {
	b.Run("sqlite", func(b *testing.B) { fn(b, storetest.SQLite(b)) })
	b.Run("postgres", func(b *testing.B) {
		if os.Getenv("SAMDRIFT_TEST_POSTGRES") == "" {
			b.Skip("set SAMDRIFT_TEST_POSTGRES to run on PostgreSQL")
		}
		fn(b, storetest.Postgres(b))
	})
}

// benchProduct is one piece of software in the synthetic inventory. Its
// kind says how inventories and advisories name it: by vendor and
// product only, with a CPE, or as a package (purl).
type benchProduct struct {
	kind            string // name, cpe, purl
	vendor, product string
	cpeVendor       string // vendor_12
	cpeProduct      string // product_60_server
	purlType        string // npm, pypi, generic
	purlName        string // product-60
}

func benchCatalogue() []benchProduct {
	ps := make([]benchProduct, benchProducts)
	types := []string{"npm", "pypi", "maven", "generic"}
	for i := range ps {
		v := i / 5 // 1,000 vendors of 5 products each
		p := benchProduct{vendor: fmt.Sprintf("Vendor %d", v), product: fmt.Sprintf("Product %d Server", i)}
		if i%10 == 3 { // some products carry their vendor's name
			p.product = p.vendor + " " + p.product
		}
		switch i % 5 {
		case 1, 2:
			p.kind = "cpe"
			p.cpeVendor, p.cpeProduct = fmt.Sprintf("vendor_%d", v), fmt.Sprintf("product_%d_server", i)
		case 4:
			p.kind, p.purlType, p.purlName = "purl", types[i%len(types)], fmt.Sprintf("product-%d", i)
			p.vendor, p.product = "", p.purlName
			if p.purlType == "maven" || p.purlType == "generic" {
				p.vendor = fmt.Sprintf("vendor%d", v)
			}
		default:
			p.kind = "name"
		}
		ps[i] = p
	}
	return ps
}

func (p benchProduct) purl(version string) string {
	s := "pkg:" + p.purlType + "/"
	if p.vendor != "" {
		s += p.vendor + "/"
	}
	s += p.purlName
	if version != "" {
		s += "@" + version
	}
	return s
}

// seedAssets stores n assets across the demo's municipalities, their
// products drawn from a Zipf distribution over the catalogue (a few
// products everywhere, a long tail of rare ones), written as the asset
// import writes them.
func seedAssets(b *testing.B, db *store.DB, ps []benchProduct, n int) {
	ctx := context.Background()
	var orgs []int64
	rows, err := db.Reader().QueryContext(ctx, `SELECT id FROM organizations WHERE kind = 'municipality' ORDER BY id`)
	if err != nil {
		b.Fatal(err)
	}
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			b.Fatal(err)
		}
		orgs = append(orgs, id)
	}
	rows.Close()
	if len(orgs) == 0 {
		b.Fatal("no municipalities in the demo data")
	}
	r := rand.New(rand.NewPCG(1, 2))
	zipf := rand.NewZipf(r, 1.1, 10, benchProducts-1)
	now := store.Now()
	started := time.Now()
	const perInsert = 50 // rows a statement: SQLite binds many parameters slowly
	for done := 0; done < n; {
		err := db.Write(ctx, func(tx *sql.Tx) error {
			for end := min(done+benchSeedTx, n); done < end; {
				var a store.Args
				var vals []string
				for ; done < end && len(vals) < perInsert; done++ {
					p := ps[zipf.Uint64()]
					version := fmt.Sprintf("%d.%d.%d", 1+r.IntN(5), r.IntN(20), r.IntN(30))
					vendor, product, cpe, purl := p.vendor, p.product, "", ""
					switch {
					case p.kind == "cpe" && r.IntN(5) != 0:
						cpe = match.MustParseCPE("cpe:2.3:a:" + p.cpeVendor + ":" + p.cpeProduct + ":" + version + ":*:*:*:*:*:*:*").String()
					case p.kind == "purl":
						u, err := match.ParsePURL(p.purl(version))
						if err != nil {
							return err
						}
						purl = u.String()
					}
					vals = append(vals, "("+a.Add(orgs[r.IntN(len(orgs))])+", "+a.Add(vendor)+", "+a.Add(product)+", "+a.Add(version)+", "+a.Add(cpe)+", "+
						a.Add(purl)+", "+a.Add(fmt.Sprintf("host%d", done))+", 'bench', 'bench', "+a.Add(now)+", "+a.Add(now)+")")
				}
				if _, err := tx.ExecContext(ctx, `INSERT INTO assets (org_id, vendor, product, version, cpe, purl, location, source, created_by, created_at, updated_at) VALUES `+
					strings.Join(vals, ", "), a.Values()...); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
		b.Logf("%s: seeded %d/%d assets (%v)", db.Dialect(), done, n, time.Since(started).Round(time.Millisecond))
	}
	started = time.Now()
	if err := db.Write(ctx, func(tx *sql.Tx) error { return cert.KeyAssets(ctx, tx) }); err != nil {
		b.Fatal(err)
	}
	b.Logf("%s: keyed %d assets in %v (once, as after migration 0034)", db.Dialect(), n, time.Since(started).Round(time.Millisecond))
	if db.Dialect() == store.Postgres {
		// Keying rewrote every row; autovacuum would tidy up soon after.
		started = time.Now()
		if _, err := db.Reader().ExecContext(ctx, `VACUUM ANALYZE assets`); err != nil {
			b.Fatal(err)
		}
		b.Logf("postgres: vacuumed in %v", time.Since(started).Round(time.Millisecond))
	}
}

// benchAdvisoryProduct is what an advisory says of p: its name, CPE
// pattern or purl, with a range that takes in part of the versions seeded.
func benchAdvisoryProduct(r *rand.Rand, p benchProduct) cert.Product {
	major := 1 + r.IntN(5)
	rng := fmt.Sprintf(">=%d.0.0|<%d.%d.0", major, major, 1+r.IntN(19))
	switch p.kind {
	case "cpe":
		return cert.Product{CPE: "cpe:2.3:a:" + p.cpeVendor + ":" + p.cpeProduct + ":*:*:*:*:*:*:*:*", Versions: "vers:generic/" + rng}
	case "purl":
		scheme := "generic"
		if p.purlType == "npm" {
			scheme = "npm"
		}
		return cert.Product{PURL: p.purl(""), Versions: "vers:" + scheme + "/" + rng}
	}
	return cert.Product{Vendor: p.vendor, Product: p.product, Versions: "vers:generic/" + rng}
}

// makeAdvisories writes count advisories: most about a product drawn
// from the whole catalogue, one in twenty about one of the hundred most
// common, a fifth naming two or three products.
func makeAdvisories(r *rand.Rand, ps []benchProduct, ref string, count int) []cert.Imported {
	out := make([]cert.Imported, count)
	for i := range out {
		n := 1
		if r.IntN(5) == 0 {
			n = 2 + r.IntN(2)
		}
		var prods []cert.Product
		for range n {
			k := r.IntN(len(ps))
			if r.IntN(20) == 0 {
				k = r.IntN(100)
			}
			prods = append(prods, benchAdvisoryProduct(r, ps[k]))
		}
		out[i] = cert.Imported{NewAdvisory: cert.NewAdvisory{Ref: fmt.Sprintf("%s-%04d", ref, i), Title: "Benchmark advisory " + strconv.Itoa(i),
			Severity: "high", TLP: "amber", Products: prods}, Source: "csaf", Origin: "bench"}
	}
	return out
}

// vulnDigest sums what matching recorded (advisory ref, asset, reason),
// so runs before and after a change to matching can be compared.
func vulnDigest(b *testing.B, db *store.DB) (int, uint64) {
	rows, err := db.Reader().QueryContext(context.Background(), `SELECT adv.ref, v.asset_id, v.org_id, v.matched_by FROM vulnerabilities v JOIN advisories adv ON adv.id = v.advisory_id`)
	if err != nil {
		b.Fatal(err)
	}
	defer rows.Close()
	var n int
	var sum uint64
	for rows.Next() {
		var ref, why string
		var asset, org int64
		if err := rows.Scan(&ref, &asset, &org, &why); err != nil {
			b.Fatal(err)
		}
		h := fnv.New64a()
		fmt.Fprintf(h, "%s|%d|%d|%s", ref, asset, org, why)
		sum += h.Sum64()
		n++
	}
	return n, sum
}

func vulnCount(b *testing.B, db *store.DB) int {
	var n int
	if err := db.Reader().QueryRowContext(context.Background(), `SELECT COUNT(*) FROM vulnerabilities`).Scan(&n); err != nil {
		b.Fatal(err)
	}
	return n
}

// BenchmarkMatchAdvisories stores and matches 1,000 advisories (names
// with version ranges, CPE patterns, purls) in one transaction, as a CSAF
// import does, against SAMDRIFT_BENCH_ASSETS (default 500,000) assets.
func BenchmarkMatchAdvisories(b *testing.B) {
	benchEach(b, func(b *testing.B, db *store.DB) {
		ctx := context.Background()
		demotest.New(b, db, false)
		ps := benchCatalogue()
		seedAssets(b, db, ps, benchAssets(b))
		svc := cert.New(db)
		sc := access.System("bench")
		r := rand.New(rand.NewPCG(3, 4))
		b.Run(fmt.Sprintf("advisories=%d", benchAdvisories), func(b *testing.B) {
			round := 0
			var cpu time.Duration
			for b.Loop() {
				b.StopTimer()
				ins := makeAdvisories(r, ps, fmt.Sprintf("BENCH-%d", round), benchAdvisories)
				round++
				c0, _ := cpuTime()
				b.StartTimer()
				if err := db.Write(ctx, func(tx *sql.Tx) error {
					for i, in := range ins {
						if _, _, err := svc.StoreImported(ctx, tx, sc, fmt.Sprintf("advisory %d: ", i), in); err != nil {
							return err
						}
					}
					return nil
				}); err != nil {
					b.Fatal(err)
				}
				b.StopTimer()
				c1, _ := cpuTime()
				cpu += c1 - c0
				b.Logf("%s: round %d: %v", db.Dialect(), round, (c1 - c0).Round(time.Millisecond))
				b.StartTimer()
			}
			perOp := b.Elapsed().Seconds() / float64(b.N)
			b.ReportMetric(benchAdvisories/perOp, "advisories/s")
			b.ReportMetric(perOp, "s/op")
			if _, ok := cpuTime(); ok {
				b.ReportMetric(cpu.Seconds()/float64(b.N), "cpu-s/op") // of this process: SQLite's work, not PostgreSQL's
			}
			b.StopTimer()
			n, sum := vulnDigest(b, db)
			b.ReportMetric(float64(n)/float64(b.N), "vulns/op")
			b.Logf("%s: %d vulnerabilities after %d round(s), digest %016x", db.Dialect(), n, b.N, sum)
		})
	})
}

// BenchmarkRematchOneAdvisory publishes one new advisory (cert.Service.Publish:
// store, match, notify) with SAMDRIFT_BENCH_ASSETS assets in the database:
// one for a product of middling spread of each kind, and one for the
// inventory's most common product.
func BenchmarkRematchOneAdvisory(b *testing.B) {
	benchEach(b, func(b *testing.B, db *store.DB) {
		ctx := context.Background()
		env := demotest.New(b, db, false)
		ps := benchCatalogue()
		seedAssets(b, db, ps, benchAssets(b))
		svc := cert.New(db)
		sc := env.Scope(b, "demo-cert")
		pick := func(kind string) benchProduct { // about the 500th most common
			for _, p := range ps[500:] {
				if p.kind == kind {
					return p
				}
			}
			b.Fatalf("no %s product", kind)
			return benchProduct{}
		}
		for _, c := range []struct {
			name string
			p    benchProduct
		}{{"name", pick("name")}, {"cpe", pick("cpe")}, {"purl", pick("purl")}, {"most-common", ps[0]}} {
			b.Run(c.name, func(b *testing.B) {
				r := rand.New(rand.NewPCG(5, 6))
				before := vulnCount(b, db)
				c0, _ := cpuTime()
				for b.Loop() {
					if _, err := svc.Publish(ctx, sc, cert.NewAdvisory{Title: "Benchmark advisory", Severity: "high", TLP: "amber",
						Products: []cert.Product{benchAdvisoryProduct(r, c.p)}}); err != nil {
						b.Fatal(err)
					}
				}
				b.ReportMetric(b.Elapsed().Seconds()*1000/float64(b.N), "ms/op")
				if c1, ok := cpuTime(); ok {
					b.ReportMetric((c1-c0).Seconds()*1000/float64(b.N), "cpu-ms/op")
				}
				b.StopTimer()
				after := vulnCount(b, db)
				b.ReportMetric(float64(after-before)/float64(b.N), "vulns/op")
			})
		}
	})
}

// TestMatchingPathsAgree checks that the ways an advisory meets an asset
// record the same vulnerabilities: advisories published one per
// transaction, many in one transaction, assets imported after the
// advisories (matchAssets), and assets whose keys the first advisory
// has to store (as after migration 0034). It adds assets that the earlier
// candidate query (LOWER(product) = key, purl LIKE '%/key@%') missed.
func TestMatchingPathsAgree(t *testing.T) {
	ps := benchCatalogue()[:200]
	r := rand.New(rand.NewPCG(7, 8))
	var assets [][]string // vendor, product, version, cpe, purl
	for range 3000 {
		p := ps[r.IntN(len(ps))]
		version := fmt.Sprintf("%d.%d.%d", 1+r.IntN(5), r.IntN(20), r.IntN(30))
		a := []string{p.vendor, p.product, version, "", ""}
		switch {
		case p.kind == "cpe" && r.IntN(5) != 0:
			a[3] = "cpe:2.3:a:" + p.cpeVendor + ":" + p.cpeProduct + ":" + version + ":*:*:*:*:*:*:*"
		case p.kind == "purl":
			a[4] = p.purl(version)
		}
		assets = append(assets, a)
	}
	assets = append(assets,
		[]string{"Microsoft", "Microsoft Exchange Server", "15.2.1118.39", "", ""},             // the vendor's name in the product
		[]string{"Microsoft", "Exchange  Server", "15.2.1118.39", "", ""},                      // two spaces
		[]string{"", "lodash", "", "", "pkg:npm/lodash"},                                       // a purl without a version
		[]string{"KMD", "ØKONOMISYSTEM", "3.1", "", ""},                                        // SQLite's LOWER leaves Ø
		[]string{"Microsoft Corporation", "Microsoft Exchange Server", "15.2.1118.39", "", ""}) // a longer vendor name
	ins := makeAdvisories(r, ps, "AGREE", 60)
	ins = append(ins, cert.Imported{NewAdvisory: cert.NewAdvisory{Ref: "AGREE-EXTRA", Title: "Extra advisory", Severity: "high", TLP: "amber",
		Products: []cert.Product{{Vendor: "Microsoft", Product: "Exchange Server", Versions: "vers:generic/<15.2.1118.40"}, {PURL: "pkg:npm/lodash", Versions: "vers:npm/<4.17.21"},
			{Vendor: "KMD", Product: "Økonomisystem"}}}, Source: "csaf", Origin: "bench"})

	type vuln struct {
		ref    string
		asset  int64
		reason string
	}
	run := func(t *testing.T, db *store.DB, how string) map[vuln]bool {
		ctx := context.Background()
		demotest.New(t, db, false)
		svc := cert.New(db)
		sc := access.System("test")
		importAssets := func() {
			var b strings.Builder
			b.WriteString("vendor,product,version,cpe,purl\n")
			for _, a := range assets {
				for i, f := range a {
					if i > 0 {
						b.WriteByte(',')
					}
					b.WriteString(`"` + f + `"`)
				}
				b.WriteByte('\n')
			}
			if _, err := svc.ImportCSV(ctx, sc, "101", strings.NewReader(b.String())); err != nil {
				t.Fatal(err)
			}
		}
		storeAll := func(ins []cert.Imported) {
			if err := db.Write(ctx, func(tx *sql.Tx) error {
				for _, in := range ins {
					if _, _, err := svc.StoreImported(ctx, tx, sc, in.Ref+": ", in); err != nil {
						return err
					}
				}
				return nil
			}); err != nil {
				t.Fatal(err)
			}
		}
		switch how {
		case "one per transaction":
			importAssets()
			for _, in := range ins {
				storeAll([]cert.Imported{in})
			}
		case "one transaction":
			importAssets()
			storeAll(ins)
		case "assets after":
			storeAll(ins)
			importAssets()
		case "keys rebuilt":
			// As after migration 0034: assets without keys, keyed by the
			// first advisory that needs them.
			importAssets()
			if err := db.Write(ctx, func(tx *sql.Tx) error {
				if _, err := tx.ExecContext(ctx, `DELETE FROM asset_keys`); err != nil {
					return err
				}
				_, err := tx.ExecContext(ctx, `UPDATE assets SET keyed = FALSE`)
				return err
			}); err != nil {
				t.Fatal(err)
			}
			storeAll(ins[:1])
			var unkeyed, keys int
			if err := db.Reader().QueryRowContext(ctx, `SELECT (SELECT COUNT(*) FROM assets WHERE NOT keyed), (SELECT COUNT(*) FROM asset_keys)`).Scan(&unkeyed, &keys); err != nil {
				t.Fatal(err)
			}
			if unkeyed != 0 || keys < len(assets) {
				t.Fatalf("keys rebuilt: %d assets still unkeyed, %d keys for %d assets", unkeyed, keys, len(assets))
			}
			for _, in := range ins[1:] {
				storeAll([]cert.Imported{in})
			}
		}
		rows, err := db.Reader().QueryContext(ctx, `SELECT adv.ref, v.asset_id, v.matched_by FROM vulnerabilities v JOIN advisories adv ON adv.id = v.advisory_id`)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		got := map[vuln]bool{}
		for rows.Next() {
			var v vuln
			if err := rows.Scan(&v.ref, &v.asset, &v.reason); err != nil {
				t.Fatal(err)
			}
			got[v] = true
		}
		return got
	}
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		want := run(t, db, "one per transaction")
		n := int64(len(assets))
		for _, v := range []vuln{{"AGREE-EXTRA", n - 4, match.ReasonNameRange}, {"AGREE-EXTRA", n - 3, match.ReasonNameRange},
			{"AGREE-EXTRA", n - 2, match.ReasonPURLVersionUnknown}, {"AGREE-EXTRA", n - 1, match.ReasonName}, {"AGREE-EXTRA", n, match.ReasonNameRange}} {
			if !want[v] {
				t.Errorf("advisories one per transaction: no vulnerability %+v", v)
			}
		}
		if len(want) < 50 {
			t.Fatalf("only %d vulnerabilities; the fixture should give more", len(want))
		}
		var other *store.DB
		for _, how := range []string{"one transaction", "assets after", "keys rebuilt"} {
			if db.Dialect() == store.SQLite {
				other = storetest.SQLite(t)
			} else {
				other = storetest.Postgres(t)
			}
			got := run(t, other, how)
			for v := range want {
				if !got[v] {
					t.Errorf("%s: missing %+v", how, v)
				}
			}
			for v := range got {
				if !want[v] {
					t.Errorf("%s: extra %+v", how, v)
				}
			}
		}
	})
}
