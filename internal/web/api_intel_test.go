package web_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/samdrift/samdrift/internal/access"
	"github.com/samdrift/samdrift/internal/intel/misp"
	"github.com/samdrift/samdrift/internal/store"
	"github.com/samdrift/samdrift/internal/store/storetest"
)

// taxiiGet is a TAXII 2.1 client request (net/http, as a partner's client
// would send it); auth is "Bearer <token>" or "Basic user:token".
func taxiiGet(t *testing.T, url, auth string, out any) (*http.Response, []byte) {
	t.Helper()
	req, _ := http.NewRequest("GET", url, nil)
	req.Header.Set("Accept", "application/taxii+json;version=2.1")
	if scheme, cred, ok := strings.Cut(auth, " "); ok {
		if scheme == "Basic" {
			u, p, _ := strings.Cut(cred, ":")
			req.SetBasicAuth(u, p)
		} else {
			req.Header.Set("Authorization", auth)
		}
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	if ct := resp.Header.Get("Content-Type"); ct != "application/taxii+json;version=2.1" {
		t.Errorf("GET %s: Content-Type %q; want the TAXII 2.1 media type", url, ct)
	}
	if out != nil && resp.StatusCode == 200 {
		if err := json.Unmarshal(data, out); err != nil {
			t.Fatalf("GET %s: %v in %s", url, err, data)
		}
	}
	return resp, data
}

type taxiiEnvelope struct {
	More    bool   `json:"more"`
	Next    string `json:"next"`
	Objects []struct {
		ID                string   `json:"id"`
		Type              string   `json:"type"`
		Pattern           string   `json:"pattern"`
		ObjectMarkingRefs []string `json:"object_marking_refs"`
	} `json:"objects"`
}

func TestTAXIIServer(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := start(t, db)
		certTok := e.token("demo-cert")
		e.addUser("ciso-kbh", "101", access.RoleCISO)
		e.addUser("ciso-ros", "265", access.RoleCISO)
		kbh, ros := e.token("ciso-kbh"), e.token("ciso-ros")
		// One report per TLP, København's, each with one indicator.
		values := map[string]string{"clear": "198.51.100.1", "green": "198.51.100.2", "amber": "198.51.100.3", "amber+strict": "198.51.100.4", "red": "198.51.100.5"}
		for tlp, v := range values {
			e.must("POST", "/api/v1/intel/reports", certTok, `{"title":"Kampagne `+tlp+`","tlp":"`+tlp+`","org":"101","indicators":[{"value":"`+v+`"}]}`, nil)
		}
		var disc struct {
			Default  string   `json:"default"`
			APIRoots []string `json:"api_roots"`
		}
		if r, _ := taxiiGet(t, e.url+"/taxii2/", "Bearer "+kbh, &disc); r.StatusCode != 200 || disc.Default != "/taxii2/api/" {
			t.Fatalf("discovery = %d %+v", r.StatusCode, disc)
		}
		if r, body := taxiiGet(t, e.url+"/taxii2/", "", nil); r.StatusCode != 401 || !strings.Contains(string(body), `"http_status":"401"`) {
			t.Errorf("discovery without credentials = %d %s; want a TAXII 401", r.StatusCode, body)
		}
		if r, _ := taxiiGet(t, e.url+"/taxii2/", "Basic ciso-kbh:"+kbh, nil); r.StatusCode != 200 {
			t.Errorf("Basic with the user name and a token = %d; want 200", r.StatusCode)
		}
		if r, _ := taxiiGet(t, e.url+"/taxii2/", "Basic ciso-ros:"+kbh, nil); r.StatusCode != 401 {
			t.Errorf("Basic with another user's name = %d; want 401", r.StatusCode)
		}
		var cols struct {
			Collections []struct {
				ID      string `json:"id"`
				Alias   string `json:"alias"`
				CanRead bool   `json:"can_read"`
			} `json:"collections"`
		}
		taxiiGet(t, e.url+disc.APIRoots[0]+"collections/", "Bearer "+kbh, &cols)
		ids := map[string]string{}
		for _, c := range cols.Collections {
			ids[c.Alias] = c.ID
			if want := c.Alias != "tlp-red"; c.CanRead != want {
				t.Errorf("collection %s can_read = %v for a CISO; want %v", c.Alias, c.CanRead, want)
			}
		}
		if len(ids) != 5 {
			t.Fatalf("collections = %+v; want one per TLP label", cols)
		}
		// Who sees what, per collection.
		for _, c := range []struct {
			who, alias string
			tok        string
			want       int // indicators
			status     int
		}{
			{"København", "tlp-clear", kbh, 1, 200}, {"Roskilde", "tlp-clear", ros, 1, 200},
			{"København", "tlp-green", kbh, 1, 200}, {"Roskilde", "tlp-green", ros, 1, 200},
			{"København", "tlp-amber", kbh, 1, 200}, {"Roskilde", "tlp-amber", ros, 0, 200},
			{"København", "tlp-amber-strict", kbh, 1, 200}, {"Roskilde", "tlp-amber-strict", ros, 0, 200},
			{"København", "tlp-red", kbh, 0, 403}, {"the CERT", "tlp-red", certTok, 1, 200},
		} {
			var env taxiiEnvelope
			r, body := taxiiGet(t, e.url+"/taxii2/api/collections/"+ids[c.alias]+"/objects/?match[type]=indicator", "Bearer "+c.tok, &env)
			if r.StatusCode != c.status {
				t.Errorf("%s reading %s = %d %s; want %d", c.who, c.alias, r.StatusCode, body, c.status)
				continue
			}
			if len(env.Objects) != c.want {
				t.Errorf("%s reads %d indicators in %s; want %d", c.who, len(env.Objects), c.alias, c.want)
			}
			for _, o := range env.Objects {
				if len(o.ObjectMarkingRefs) != 1 || !strings.HasPrefix(o.ObjectMarkingRefs[0], "marking-definition--") || !strings.Contains(o.Pattern, "198.51.100.") {
					t.Errorf("%s in %s: object %+v lacks its TLP marking or pattern", c.who, c.alias, o)
				}
			}
		}
		// Paging: the green collection holds a report and an indicator.
		var p1, p2 taxiiEnvelope
		r, _ := taxiiGet(t, e.url+"/taxii2/api/collections/"+ids["tlp-green"]+"/objects/?limit=1", "Bearer "+kbh, &p1)
		if !p1.More || p1.Next == "" || len(p1.Objects) != 1 || r.Header.Get("X-TAXII-Date-Added-Last") == "" {
			t.Fatalf("first page = %+v (headers %v); want one object and more", p1, r.Header)
		}
		taxiiGet(t, e.url+"/taxii2/api/collections/"+ids["tlp-green"]+"/objects/?limit=1&next="+p1.Next, "Bearer "+kbh, &p2)
		if p2.More || len(p2.Objects) != 1 || p2.Objects[0].ID == p1.Objects[0].ID {
			t.Errorf("second page = %+v after %+v; want the other object and no more", p2, p1)
		}
		var man struct {
			Objects []struct {
				ID        string `json:"id"`
				DateAdded string `json:"date_added"`
			} `json:"objects"`
		}
		taxiiGet(t, e.url+"/taxii2/api/collections/"+ids["tlp-green"]+"/manifest/", "Bearer "+kbh, &man)
		if len(man.Objects) != 2 || man.Objects[0].DateAdded == "" {
			t.Errorf("manifest = %+v; want two records", man)
		}
		one := p1.Objects[0].ID
		var single taxiiEnvelope
		if r, _ := taxiiGet(t, e.url+"/taxii2/api/collections/tlp-green/objects/"+one+"/", "Bearer "+kbh, &single); r.StatusCode != 200 || len(single.Objects) != 1 {
			t.Errorf("GET object %s = %d %+v", one, r.StatusCode, single)
		}
		if r, _ := taxiiGet(t, e.url+"/taxii2/api/collections/tlp-amber/objects/indicator--00000000-0000-4000-8000-000000000000/", "Bearer "+kbh, nil); r.StatusCode != 404 {
			t.Errorf("an unknown object = %d; want 404", r.StatusCode)
		}
		// A municipality may not post objects; the CERT may, and what it
		// posts to the AMBER collection stays AMBER.
		bundle := `{"type":"bundle","id":"bundle--5d0092c5-5f74-4287-9642-33f4c354e56d","objects":[{"type":"indicator","spec_version":"2.1",
			"id":"indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f","created":"2026-11-01T10:00:00.000Z","modified":"2026-11-01T10:00:00.000Z",
			"pattern":"[domain-name:value = 'evil.example']","pattern_type":"stix","valid_from":"2026-11-01T10:00:00Z",
			"object_marking_refs":["marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb"]}]}`
		post := func(tok string) (int, string) {
			req, _ := http.NewRequest("POST", e.url+"/taxii2/api/collections/tlp-amber/objects/", strings.NewReader(bundle))
			req.Header.Set("Content-Type", "application/taxii+json;version=2.1")
			req.Header.Set("Authorization", "Bearer "+tok)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			b, _ := io.ReadAll(resp.Body)
			return resp.StatusCode, string(b)
		}
		if code, body := post(kbh); code != 403 {
			t.Errorf("a CISO posting objects = %d %s; want 403", code, body)
		}
		code, body := post(certTok)
		var st struct {
			ID           string `json:"id"`
			SuccessCount int    `json:"success_count"`
		}
		if err := json.Unmarshal([]byte(body), &st); code != 202 || err != nil || st.SuccessCount != 1 {
			t.Fatalf("the CERT posting objects = %d %s", code, body)
		}
		var inds struct {
			Items []struct {
				Value string `json:"value"`
				TLP   string `json:"tlp"`
			} `json:"items"`
		}
		e.must("GET", "/api/v1/indicators?type=domain", certTok, "", &inds)
		if len(inds.Items) != 1 || inds.Items[0].TLP != "amber" {
			t.Errorf("the posted GREEN indicator = %+v; want it AMBER, as the collection it came to", inds.Items)
		}
		if r, _ := taxiiGet(t, e.url+"/taxii2/api/status/"+st.ID+"/", "Bearer "+certTok, nil); r.StatusCode != 200 {
			t.Errorf("status for its poster = %d", r.StatusCode)
		}
		if r, _ := taxiiGet(t, e.url+"/taxii2/api/status/"+st.ID+"/", "Bearer "+kbh, nil); r.StatusCode != 404 {
			t.Errorf("another user's status = %d; want 404", r.StatusCode)
		}
	})
}

func TestIntelFormats(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := start(t, db)
		certTok, ciso := e.token("demo-cert"), e.token("demo-ciso")
		// CSAF: a document with a version range, matched against assets.
		doc, err := os.ReadFile("../cert/csaf/testdata/tree.json")
		if err != nil {
			t.Fatal(err)
		}
		e.must("POST", "/api/v1/assets", ciso, `{"org":"101","vendor":"Example Org","product":"Example Gateway","version":"2.4.57"}`, nil)
		e.must("POST", "/api/v1/assets", ciso, `{"org":"101","vendor":"Example Org","product":"Example Gateway","version":"2.4.58"}`, nil)
		var res struct {
			Added           int `json:"added"`
			Vulnerabilities int `json:"vulnerabilities"`
			Notified        int `json:"organisations_notified"`
		}
		if r := e.call("POST", "/api/v1/advisories/import?format=csaf&name=tree.json", ciso, string(doc), nil); r.StatusCode != 403 {
			t.Errorf("a CISO importing CSAF = %d; want 403", r.StatusCode)
		}
		e.must("POST", "/api/v1/advisories/import?format=csaf&name=tree.json", certTok, string(doc), &res)
		if res.Added != 1 || res.Vulnerabilities != 1 || res.Notified != 1 {
			t.Errorf("CSAF import = %+v; want one advisory matching the gateway before 2.4.58 only, telling København", res)
		}
		// Governance's exposure: the one open vulnerability, under
		// København's unit, this week; none for Roskilde.
		var ex struct {
			Weeks  []string `json:"weeks"`
			Series []struct {
				UnitName string `json:"unit_name"`
				Open     []int  `json:"open"`
			} `json:"series"`
		}
		e.must("GET", "/api/v1/vulnerabilities/exposure?weeks=4", e.token("demo-governance"), "", &ex)
		if len(ex.Weeks) != 4 || len(ex.Series) != 1 || ex.Series[0].Open[3] != 1 || ex.Series[0].Open[0] != 0 || !strings.Contains(ex.Series[0].UnitName, "Hovedstaden") {
			t.Errorf("exposure = %+v; want one unit (Hovedstaden) with one open vulnerability this week and none three weeks ago", ex)
		}
		e.addUser("ciso-ros", "265", access.RoleCISO)
		e.must("GET", "/api/v1/vulnerabilities/exposure", e.token("ciso-ros"), "", &ex)
		if len(ex.Series) != 0 {
			t.Errorf("Roskilde's exposure = %+v; want none of København's", ex.Series)
		}
		bad, _ := os.ReadFile("../cert/csaf/testdata/invalid_dangling.json")
		var pr problem
		if r := e.call("POST", "/api/v1/advisories/import?format=csaf&name=dangling.json", certTok, string(bad), &pr); r.StatusCode != 400 || !strings.Contains(pr.Detail+pr.Field, "dangling.json") {
			t.Errorf("an invalid CSAF document = %d %+v; want 400 naming the file", r.StatusCode, pr)
		}
		// CSAF export: CLEAR is WHITE; AMBER+STRICT cannot be written.
		var adv struct {
			ID int64 `json:"id"`
		}
		e.must("POST", "/api/v1/advisories", certTok, `{"title":"Gateway","severity":"high","tlp":"clear","products":[{"vendor":"Example Org","product":"Example Gateway","versions":"vers:generic/<2.4.58"}]}`, &adv)
		resp, data := e.send("GET", "/api/v1/advisories/"+itoa64(adv.ID)+"/csaf", certTok, "", nil)
		if resp.StatusCode != 200 || !strings.Contains(string(data), `"WHITE"`) {
			t.Errorf("CSAF export of a CLEAR advisory = %d %.300s; want TLP WHITE", resp.StatusCode, data)
		}
		e.must("POST", "/api/v1/advisories", certTok, `{"title":"Gateway strict","severity":"high","tlp":"amber+strict","products":[{"vendor":"Example Org","product":"Example Gateway"}]}`, &adv)
		if r := e.call("GET", "/api/v1/advisories/"+itoa64(adv.ID)+"/csaf", certTok, "", &pr); r.StatusCode != 400 || !strings.Contains(strings.ToLower(pr.Detail), "amber+strict") {
			t.Errorf("CSAF export of AMBER+STRICT = %d %+v; want 400 saying why", r.StatusCode, pr)
		}
		// STIX in: indicators, an unmatchable pattern reported, a report.
		bundle := `{"type":"bundle","id":"bundle--6d0092c5-5f74-4287-9642-33f4c354e56d","objects":[
			{"type":"identity","spec_version":"2.1","id":"identity--b0d4a6f1-8a1a-4e58-9b1e-3d2c3a7f0a11","created":"2026-11-01T10:00:00.000Z","modified":"2026-11-01T10:00:00.000Z","name":"CERT-Partner","identity_class":"organization"},
			{"type":"indicator","spec_version":"2.1","id":"indicator--1e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f","created":"2026-11-01T10:00:00.000Z","modified":"2026-11-01T10:00:00.000Z",
			 "created_by_ref":"identity--b0d4a6f1-8a1a-4e58-9b1e-3d2c3a7f0a11","pattern":"[ipv4-addr:value = '203.0.113.9']","pattern_type":"stix","valid_from":"2026-11-01T10:00:00Z","valid_until":"2027-11-01T10:00:00Z"},
			{"type":"indicator","spec_version":"2.1","id":"indicator--2e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f","created":"2026-11-01T10:00:00.000Z","modified":"2026-11-01T10:00:00.000Z",
			 "pattern":"[file:name = 'x.exe'] FOLLOWEDBY [ipv4-addr:value = '203.0.113.10']","pattern_type":"stix","valid_from":"2026-11-01T10:00:00Z"},
			{"type":"report","spec_version":"2.1","id":"report--3e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f","created":"2026-11-01T10:00:00.000Z","modified":"2026-11-01T10:00:00.000Z",
			 "name":"Phishing wave","published":"2026-11-01T10:00:00Z","object_refs":["indicator--1e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f"],
			 "object_marking_refs":["marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da"]}]}`
		var imp struct {
			Reports    int `json:"reports"`
			Indicators struct {
				Added int `json:"added"`
			} `json:"indicators"`
			Skipped []string `json:"skipped"`
		}
		e.must("POST", "/api/v1/advisories/import?format=stix&name=partner.json", certTok, bundle, &imp)
		if imp.Reports != 1 || imp.Indicators.Added != 1 || len(imp.Skipped) != 1 || !strings.Contains(imp.Skipped[0], "$.objects[2]") {
			t.Errorf("STIX import = %+v; want one report, one indicator and the FOLLOWEDBY pattern skipped by path", imp)
		}
		var reps struct {
			Items []struct {
				ID         int64  `json:"id"`
				TLP        string `json:"tlp"`
				Origin     string `json:"origin"`
				Indicators int    `json:"indicators"`
			} `json:"items"`
		}
		e.must("GET", "/api/v1/intel/reports?source=stix", certTok, "", &reps)
		if len(reps.Items) != 1 || reps.Items[0].TLP != "green" || reps.Items[0].Origin != "" && reps.Items[0].Origin != "partner.json" || reps.Items[0].Indicators != 1 {
			t.Errorf("imported reports = %+v; want the GREEN report with its indicator", reps.Items)
		}
		var inds struct {
			Items []struct {
				Value      string `json:"value"`
				TLP        string `json:"tlp"`
				ValidUntil string `json:"valid_until"`
				Source     string `json:"source"`
			} `json:"items"`
		}
		e.must("GET", "/api/v1/indicators?report="+itoa64(reps.Items[0].ID), certTok, "", &inds)
		if len(inds.Items) != 1 || inds.Items[0].TLP != "amber" || !strings.HasPrefix(inds.Items[0].ValidUntil, "2027-11-01") ||
			!strings.Contains(inds.Items[0].Source, "CERT-Partner") {
			t.Errorf("the imported indicator = %+v; want it unmarked → AMBER, expiring 2027-11-01, from CERT-Partner", inds.Items)
		}
		// STIX out, read back by a partner: markings and patterns.
		resp, data = e.send("GET", "/api/v1/intel/export?format=stix&tlp=green", certTok, "", nil)
		if resp.StatusCode != 200 || !strings.Contains(string(data), "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb") || strings.Contains(string(data), "203.0.113.9") {
			t.Errorf("STIX export up to GREEN = %d; want the GREEN marking and not the AMBER indicator: %.400s", resp.StatusCode, data)
		}
		// MISP: a partner's MISP reads our feed with its token.
		e.must("POST", "/api/v1/intel/reports", certTok, `{"title":"Ransomware C2","tlp":"green","level":"high","indicators":[{"value":"c2.example.net"},{"value":"44d88612fea8a8f36de82e1278abb02f"}]}`, nil)
		var events []misp.Event
		client := &http.Client{Transport: bearer{certTok}, Timeout: 10 * time.Second}
		if err := misp.ReadFeed(context.Background(), client, e.url+"/api/v1/intel/misp/", time.Time{}, func(ev misp.Event) error {
			events = append(events, ev)
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		found := false
		for _, ev := range events {
			if ev.Info == "Ransomware C2" {
				found = ev.TLP == "green" && len(ev.Attributes) == 2
			}
		}
		if !found {
			t.Errorf("the MISP feed holds %+v; want the report as a GREEN event with two attributes", events)
		}
		var rosEvents int
		rosClient := &http.Client{Transport: bearer{e.token("ciso-ros")}, Timeout: 10 * time.Second}
		if err := misp.ReadFeed(context.Background(), rosClient, e.url+"/api/v1/intel/misp/", time.Time{}, func(ev misp.Event) error {
			rosEvents++
			if ev.TLP != "clear" && ev.TLP != "green" {
				t.Errorf("Roskilde's feed holds a %s event %q", ev.TLP, ev.Info)
			}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		if rosEvents == 0 {
			t.Errorf("Roskilde's feed is empty; want the GREEN events")
		}
	})
}

type bearer struct{ token string }

func (b bearer) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.Header.Set("Authorization", "Bearer "+b.token)
	return http.DefaultTransport.RoundTrip(r)
}

// TestREDToNamedPeople: a RED report, its indicators and a RED advisory
// reach the people they name, and no one else beyond the SOC and CERT.
func TestREDToNamedPeople(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := start(t, db)
		certTok := e.token("demo-cert")
		e.addUser("ciso-kbh", "101", access.RoleCISO)
		e.addUser("ciso-ros", "265", access.RoleCISO)
		kbh, ros, gov := e.token("ciso-kbh"), e.token("ciso-ros"), e.token("demo-governance")
		var pr problem
		if r := e.call("POST", "/api/v1/intel/reports", certTok, `{"title":"Spear phishing","tlp":"amber","recipients":["ciso-kbh"],"indicators":[]}`, &pr); r.StatusCode != 400 || pr.Field != "recipients" {
			t.Errorf("recipients on AMBER = %d %+v; want 400 in recipients", r.StatusCode, pr)
		}
		if r := e.call("POST", "/api/v1/intel/reports", certTok, `{"title":"Spear phishing","tlp":"red","recipients":["nobody-here"],"indicators":[]}`, &pr); r.StatusCode != 400 || pr.Field != "recipients[0]" {
			t.Errorf("an unknown recipient = %d %+v; want 400 in recipients[0]", r.StatusCode, pr)
		}
		var rep struct {
			ID         int64    `json:"id"`
			Recipients []string `json:"recipients"`
		}
		e.must("POST", "/api/v1/intel/reports", certTok, `{"title":"Spear phishing mod borgmesteren","tlp":"red","recipients":["ciso-kbh"],"indicators":[{"value":"mayor-mail.example"}]}`, &rep)
		var adv struct {
			ID int64 `json:"id"`
		}
		e.must("POST", "/api/v1/advisories", certTok, `{"title":"Ikke-offentlig sårbarhed","severity":"critical","tlp":"red","recipients":["ciso-kbh"],"products":[{"vendor":"Example","product":"Gateway"}]}`, &adv)
		for _, c := range []struct {
			who, tok string
			want     int
		}{{"the named CISO", kbh, 200}, {"another municipality's CISO", ros, 404}, {"governance", gov, 404}, {"the CERT", certTok, 200}} {
			var got struct {
				Recipients []string `json:"recipients"`
			}
			if r := e.call("GET", "/api/v1/intel/reports/"+itoa64(rep.ID), c.tok, "", &got); r.StatusCode != c.want {
				t.Errorf("%s reading the RED report = %d; want %d", c.who, r.StatusCode, c.want)
			} else if c.want == 200 && (len(got.Recipients) != 1 || got.Recipients[0] != "ciso-kbh") {
				t.Errorf("%s reads recipients %v; want [ciso-kbh]", c.who, got.Recipients)
			}
			if r := e.call("GET", "/api/v1/advisories/"+itoa64(adv.ID), c.tok, "", nil); r.StatusCode != c.want {
				t.Errorf("%s reading the RED advisory = %d; want %d", c.who, r.StatusCode, c.want)
			}
			var inds struct {
				Total int `json:"total"`
			}
			e.must("GET", "/api/v1/indicators?type=domain", c.tok, "", &inds)
			if want := map[int]int{200: 1, 404: 0}[c.want]; inds.Total != want {
				t.Errorf("%s sees %d RED indicators; want %d", c.who, inds.Total, want)
			}
		}
		var env taxiiEnvelope
		if r, _ := taxiiGet(t, e.url+"/taxii2/api/collections/tlp-red/objects/", "Bearer "+kbh, &env); r.StatusCode != 200 || len(env.Objects) != 3 {
			t.Errorf("the named CISO's RED collection = %d with %d objects; want the advisory, the report and its indicator", r.StatusCode, len(env.Objects))
		}
		if r, _ := taxiiGet(t, e.url+"/taxii2/api/collections/tlp-red/objects/", "Bearer "+ros, nil); r.StatusCode != 403 {
			t.Errorf("another CISO's RED collection = %d; want 403", r.StatusCode)
		}
	})
}
