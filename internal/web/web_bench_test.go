package web_test

import (
	"io"
	"net/http"
	"testing"

	"github.com/samdrift/samdrift/internal/store"
	"github.com/samdrift/samdrift/internal/store/storetest"
)

// BenchmarkAPIListMunicipalities measures GET
// /api/v1/organizations?kind=municipality&limit=200 end to end over HTTP on
// 127.0.0.1: token authentication, the query and JSON encoding.
func BenchmarkAPIListMunicipalities(b *testing.B) {
	for name, open := range map[string]func(testing.TB) *store.DB{"sqlite": storetest.SQLite, "postgres": storetest.Postgres} {
		b.Run(name, func(b *testing.B) {
			e := start(b, open(b))
			token := e.token("demo-spoc")
			client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 16}}
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					req, _ := http.NewRequest("GET", e.url+"/api/v1/organizations?kind=municipality&limit=200", nil)
					req.Header.Set("Authorization", "Bearer "+token)
					resp, err := client.Do(req)
					if err != nil {
						b.Fatal(err)
					}
					_, _ = io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
					if resp.StatusCode != 200 {
						b.Fatalf("status %d", resp.StatusCode)
					}
				}
			})
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "req/s")
		})
	}
}

// BenchmarkOverview measures GET /api/v1/me/overview (a start page's
// figures) end to end over HTTP on the whole demo, per role: the SPOC's
// few ticket counts, the service desk's queue, the SOC's alerts, cases and
// 103 organisations' coverage, and governance's picture of every unit.
func BenchmarkOverview(b *testing.B) {
	for name, open := range map[string]func(testing.TB) *store.DB{"sqlite": storetest.SQLite, "postgres": storetest.Postgres} {
		b.Run(name, func(b *testing.B) {
			denv, hs := demoServerOn(b, open(b))
			e := &env{Env: denv, t: b, url: hs.URL}
			for _, role := range []string{"spoc", "servicedesk", "soc-analyst", "governance"} {
				token := e.token("demo-" + role)
				b.Run(role, func(b *testing.B) {
					for b.Loop() {
						req, _ := http.NewRequest("GET", e.url+"/api/v1/me/overview", nil)
						req.Header.Set("Authorization", "Bearer "+token)
						resp, err := http.DefaultClient.Do(req)
						if err != nil {
							b.Fatal(err)
						}
						_, _ = io.Copy(io.Discard, resp.Body)
						resp.Body.Close()
						if resp.StatusCode != 200 {
							b.Fatalf("status %d", resp.StatusCode)
						}
					}
					b.ReportMetric(float64(b.Elapsed().Milliseconds())/float64(b.N), "ms/page")
				})
			}
		})
	}
}
