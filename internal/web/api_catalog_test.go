package web_test

import (
	"context"
	"encoding/csv"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/samdrift/samdrift/internal/catalog"
	"github.com/samdrift/samdrift/internal/demo"
	"github.com/samdrift/samdrift/internal/orders"
	"github.com/samdrift/samdrift/internal/store"
	"github.com/samdrift/samdrift/internal/store/storetest"
)

func startWithCatalog(t *testing.T, db *store.DB) *env {
	t.Helper()
	e := start(t, db)
	if _, err := demo.LoadCatalog(context.Background(), catalog.NewStore(db), e.Orgs); err != nil {
		t.Fatal(err)
	}
	return e
}

func TestAPICatalogAndConformance(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := startWithCatalog(t, db)
		spoc := e.token("demo-spoc")
		var cv struct {
			Info    catalog.VersionInfo   `json:"info"`
			Catalog catalog.Catalog       `json:"catalog"`
			Minimum []catalog.Requirement `json:"minimum"`
		}
		if r := e.call("GET", "/api/v1/catalog", spoc, "", &cv); r.StatusCode != 200 || cv.Info.Version != "2026.1" || len(cv.Catalog.Services) < 15 {
			t.Fatalf("GET catalog = %d %+v", r.StatusCode, cv.Info)
		}
		// Publishing needs an administrator and valid YAML.
		src := strings.Replace(string(catalog.StandardYAML()), `version: "2026.1"`, `version: "2027.1"`, 1)
		src = strings.Replace(src, "  - id: storage-object\n", "  - id: storage-archive\n", 1)
		post := func(token, body string) (*http.Response, problem) {
			req, _ := http.NewRequest("POST", e.url+"/api/v1/catalog/versions", strings.NewReader(body))
			req.Header.Set("Authorization", "Bearer "+token)
			req.Header.Set("Content-Type", "application/yaml")
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			var p problem
			b, _ := io.ReadAll(resp.Body)
			_ = jsonUnmarshal(b, &p)
			return resp, p
		}
		if r, _ := post(spoc, src); r.StatusCode != 403 {
			t.Errorf("spoc publishes = %d; want 403", r.StatusCode)
		}
		admin := e.token("demo-admin")
		if r, p := post(admin, "version: \"x\"\ntitle: {da: a, en: b}\nservices: []\nbogus: 1\n"); r.StatusCode != 400 || !strings.Contains(p.Detail, "body:4: unknown key") {
			t.Errorf("publish broken = %d %q; want 400 naming line 4", r.StatusCode, p.Detail)
		}
		if r, _ := post(admin, src); r.StatusCode != 201 {
			t.Fatalf("publish 2027.1 = %d", r.StatusCode)
		}
		var diff struct {
			Summary string           `json:"summary"`
			Changes []catalog.Change `json:"changes"`
		}
		if r := e.call("GET", "/api/v1/catalog/diff?from=2026.1&to=2027.1", spoc, "", &diff); r.StatusCode != 200 || diff.Summary != "1 added, 1 removed" {
			t.Errorf("diff = %d %+v", r.StatusCode, diff)
		}
		if r := e.call("GET", "/api/v1/catalog/versions/2026.1", spoc, "", &cv); r.StatusCode != 200 || cv.Info.Version != "2026.1" {
			t.Errorf("GET old version = %d %s", r.StatusCode, cv.Info.Version)
		}

		// Conformance: Nordjylland and Sjælland fall short in the demo.
		var rep catalog.Report
		if r := e.call("GET", "/api/v1/conformance", spoc, "", &rep); r.StatusCode != 200 {
			t.Fatalf("GET conformance = %d", r.StatusCode)
		}
		short := map[string]bool{}
		for _, u := range rep.Units {
			if !u.MeetsMinimum {
				short[u.UnitSlug] = true
			}
		}
		if !short["enhed-nordjylland"] || !short["enhed-sjaelland"] || len(short) != 2 {
			t.Errorf("units short of the minimum = %v; want Nordjylland and Sjælland", short)
		}
		r := e.call("GET", "/api/v1/conformance?format=csv", spoc, "", nil)
		rows, err := csv.NewReader(r.Body).ReadAll()
		if err != nil || r.Header.Get("Content-Type") != "text/csv; charset=utf-8" || len(rows) != 1+len(rep.Units)*len(rep.Minimum) {
			t.Errorf("CSV = %s, %d rows, %v", r.Header.Get("Content-Type"), len(rows), err)
		}
	})
}

func TestAPIOrdersScoped(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := startWithCatalog(t, db)
		it, desk := e.token("demo-kommune-it"), e.token("demo-servicedesk")
		var o orders.Order
		if r := e.call("POST", "/api/v1/orders", it, `{"service":"storage-file","level":"basis","quantity":5,"requirements":"2 TB til sagsarkiv"}`, &o); r.StatusCode != 201 {
			t.Fatalf("POST orders = %d", r.StatusCode)
		}
		id := strconv.FormatInt(o.ID, 10)
		var pr problem
		if r := e.call("POST", "/api/v1/orders", it, `{"service":"network-wifi","level":"standard","quantity":1}`, &pr); r.StatusCode != 409 || !strings.Contains(pr.Detail, "does not offer") {
			t.Errorf("order not offered = %d %q; want 409 with the reason", r.StatusCode, pr.Detail)
		}
		if r := e.call("POST", "/api/v1/orders", it, `{"service":"storage-file","level":"basis","quantity":1,"municipality":"147"}`, &pr); r.StatusCode != 403 {
			t.Errorf("order for another municipality = %d; want 403", r.StatusCode)
		}
		if r := e.call("POST", "/api/v1/orders", it, `{"service":"storage-file","level":"basis","quantity":1,"unit":"enhed-syddanmark"}`, &pr); r.StatusCode != 403 {
			t.Errorf("order from another unit = %d; want 403", r.StatusCode)
		}
		if r := e.call("POST", "/api/v1/orders/"+id+"/status", it, `{"status":"accepted"}`, &pr); r.StatusCode != 403 {
			t.Errorf("municipality accepts = %d; want 403", r.StatusCode)
		}
		if r := e.call("POST", "/api/v1/orders/"+id+"/status", desk, `{"status":"active"}`, &pr); r.StatusCode != 409 {
			t.Errorf("requested → active = %d; want 409", r.StatusCode)
		}
		if r := e.call("POST", "/api/v1/orders/"+id+"/status", desk, `{"status":"shipped"}`, &pr); r.StatusCode != 400 || pr.Field != "status" {
			t.Errorf("unknown status = %d %+v", r.StatusCode, pr)
		}
		for _, st := range []string{"accepted", "in_delivery", "active"} {
			if r := e.call("POST", "/api/v1/orders/"+id+"/status", desk, `{"status":"`+st+`"}`, &o); r.StatusCode != 200 || string(o.Status) != st {
				t.Fatalf("move to %s = %d %s", st, r.StatusCode, o.Status)
			}
		}
		e.addUser("it-frb", "147", "kommune-it")
		other := e.token("it-frb")
		if r := e.call("GET", "/api/v1/orders/"+id, other, "", nil); r.StatusCode != 404 {
			t.Errorf("another municipality GET order = %d; want 404", r.StatusCode)
		}
		var subs struct {
			Items []orders.Order `json:"items"`
			Total int            `json:"total"`
		}
		e.call("GET", "/api/v1/subscriptions", other, "", &subs)
		if subs.Total != 0 {
			t.Errorf("another municipality sees %d subscriptions", subs.Total)
		}
		e.call("GET", "/api/v1/subscriptions", it, "", &subs)
		if subs.Total != 1 || subs.Items[0].ID != o.ID {
			t.Errorf("own subscriptions = %+v", subs)
		}
		// Withdrawing the offering says how many subscriptions keep running.
		var wd struct {
			ActiveSubscriptions int `json:"active_subscriptions"`
		}
		mgr := e.token("demo-unit-manager")
		if r := e.call("POST", "/api/v1/offerings/"+strconv.FormatInt(o.OfferingID, 10)+"/withdraw", mgr, `{}`, &wd); r.StatusCode != 200 || wd.ActiveSubscriptions != 1 {
			t.Errorf("withdraw = %d, %d active; want 200, 1", r.StatusCode, wd.ActiveSubscriptions)
		}
		// A unit manager offers a level for its own unit only.
		var off catalog.Offering
		if r := e.call("POST", "/api/v1/offerings", mgr, `{"service":"network-wifi","level":"basis","valid_from":"2030-01-01","price_dkk":123.45,"delivery":"sub-supplier","sub_supplier":"Lager ApS","attest":true}`, &off); r.StatusCode != 201 || off.Status != "planned" || off.Price != 123.45 {
			t.Errorf("POST offering = %d %+v", r.StatusCode, off)
		}
		if r := e.call("POST", "/api/v1/offerings", mgr, `{"unit":"enhed-syddanmark","service":"storage-object","level":"basis","valid_from":"2030-01-01","delivery":"in-house","attest":true}`, &pr); r.StatusCode != 403 {
			t.Errorf("offering for another unit = %d; want 403", r.StatusCode)
		}
	})
}
