package web_test

import (
	"encoding/csv"
	"net/http"
	"strings"
	"testing"

	"github.com/samdrift/samdrift/internal/access"
	"github.com/samdrift/samdrift/internal/store"
	"github.com/samdrift/samdrift/internal/store/storetest"
)

// readCSV fetches path as b's user and parses the export, checking the
// download headers and the byte-order mark.
func readCSV(t *testing.T, b *browser, path string) [][]string {
	t.Helper()
	resp, body := b.get(path)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s = %d; want 200", path, resp.StatusCode)
	}
	if ct := resp.Header.Get("Content-Type"); ct != "text/csv; charset=utf-8" {
		t.Errorf("GET %s: Content-Type = %q", path, ct)
	}
	name := strings.TrimPrefix(strings.SplitN(path, "?", 2)[0], "/")
	name = strings.TrimSuffix(name, ".csv")
	if cd := resp.Header.Get("Content-Disposition"); !strings.HasPrefix(cd, `attachment; filename="`+name+"-") || !strings.HasSuffix(cd, `.csv"`) ||
		len(cd) != len(`attachment; filename="`+name+`-2006-01-02.csv"`) {
		t.Errorf("GET %s: Content-Disposition = %q", path, cd)
	}
	if !strings.HasPrefix(body, "\ufeff") {
		t.Errorf("GET %s: no byte-order mark", path)
	}
	rows, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(body, "\ufeff"))).ReadAll()
	if err != nil || len(rows) == 0 {
		t.Fatalf("GET %s: %d rows, %v", path, len(rows), err)
	}
	return rows
}

func TestCSVExports(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := startWithCatalog(t, db)
		kk := e.Org(t, "101")
		e.must("POST", "/api/v1/orders", e.token("demo-kommune-it"), `{"service":"storage-file","level":"basis","quantity":5}`, nil)
		e.detected(t, kk.ID, "web01")
		e.must("POST", "/api/v1/cases", e.token("demo-ciso"), `{"org":"101","title":"=HYPERLINK(\"http://x\")","severity":"low"}`, nil)
		e.must("POST", "/api/v1/advisories", e.token("demo-cert"), `{"title":"=cmd|' /C calc'!A0","severity":"high","tlp":"clear","products":[{"vendor":"Example Org","product":"Example Gateway"}]}`, nil)
		e.addUser("aarhus-spoc", "751", access.RoleSPOC)
		e.addUser("aarhus-ciso", "751", access.RoleCISO)

		lists := []struct {
			path, api, first string
			users            []string // the first of København, the others of Aarhus
		}{
			{"/orders.csv", "/api/v1/orders", "Nr.", []string{"demo-kommune-it", "aarhus-spoc"}},
			{"/users.csv", "/api/v1/users", "Nr.", []string{"demo-spoc", "aarhus-spoc"}},
			{"/audit.csv?action=user.", "/api/v1/audit?action=user.", "Løbenr.", []string{"demo-ciso", "aarhus-ciso"}},
			{"/cases.csv", "/api/v1/cases?status=open", "Nr.", []string{"demo-ciso", "aarhus-ciso"}},
			{"/vulnerabilities.csv", "/api/v1/vulnerabilities", "Nr.", []string{"demo-ciso", "aarhus-ciso"}},
			{"/advisories.csv", "/api/v1/advisories", "Nr.", []string{"demo-ciso"}},
			{"/alerts.csv?status=new", "/api/v1/alerts?status=new", "Nr.", []string{"demo-ciso", "aarhus-ciso"}},
			{"/organizations.csv?kind=municipality", "/api/v1/organizations?kind=municipality", "Nr.", []string{"demo-spoc"}},
		}
		for _, l := range lists {
			for i, user := range l.users {
				b := newBrowser(t, e.url)
				b.login(user, e.Passwords[user])
				rows := readCSV(t, b, l.path)
				if rows[0][0] != l.first {
					t.Errorf("%s as %s: header = %q; want it to start with %q", l.path, user, rows[0], l.first)
				}
				for _, h := range rows[0] {
					if strings.Contains(h, ".") && !strings.HasSuffix(h, ".") {
						t.Errorf("%s: heading %q is an untranslated key", l.path, h)
					}
				}
				var page struct{ Total int }
				e.must("GET", l.api, e.token(user), "", &page)
				if len(rows)-1 != page.Total {
					t.Errorf("%s as %s: %d rows; want %d as the list shows", l.path, user, len(rows)-1, page.Total)
				}
				if i == 0 && page.Total == 0 && l.path != "/vulnerabilities.csv" {
					t.Errorf("%s as %s: no rows to check", l.path, user)
				}
				if i > 0 {
					for _, row := range rows[1:] {
						if strings.Contains(strings.Join(row, ","), kk.Name) {
							t.Errorf("%s as %s: a row of %s: %q", l.path, user, kk.Name, row)
						}
					}
				}
				if _, page := b.get(strings.Replace(l.path, ".csv", "", 1)); !strings.Contains(page, `href="`+strings.ReplaceAll(l.path, "&", "&amp;")+`"`) {
					t.Errorf("%s: the page has no link to its CSV export", l.path)
				}
			}
		}

		b := newBrowser(t, e.url)
		b.login("demo-ciso", e.Passwords["demo-ciso"])
		for path, want := range map[string]string{"/cases.csv": `'=HYPERLINK("http://x")`, "/advisories.csv": `'=cmd|' /C calc'!A0`} {
			rows := readCSV(t, b, path)
			found := false
			for _, row := range rows[1:] {
				for _, cell := range row {
					if strings.HasPrefix(cell, "=") {
						t.Errorf("%s: cell %q is not defused", path, cell)
					}
					found = found || cell == want
				}
			}
			if !found {
				t.Errorf("%s: no cell %q in %q", path, want, rows)
			}
		}
		b.get("/lang/en?next=/")
		if rows := readCSV(t, b, "/cases.csv"); rows[0][0] != "No." || rows[0][1] != "Title" && rows[0][1] == "Titel" {
			t.Errorf("English header = %q", rows[0])
		}
	})
}
