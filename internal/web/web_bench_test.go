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
