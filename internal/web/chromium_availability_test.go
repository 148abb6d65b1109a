package web_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/samdrift/samdrift/internal/access"
	"github.com/samdrift/samdrift/internal/availability"
	"github.com/samdrift/samdrift/internal/calendar"
	"github.com/samdrift/samdrift/internal/servicedesk"
	"github.com/samdrift/samdrift/internal/store/storetest"
)

// TestAvailabilityReportInChromium: København's SPOC reads last month's
// service report in Chromium: the subscription's availability against
// its target, the downtime and the overspent error budget, the outage
// with its cause; the page passes axe and fits 390 px.
func TestAvailabilityReportInChromium(t *testing.T) {
	exe := chromium(t)
	axe := axeScript(t)
	db := storetest.SQLite(t)
	e := start(t, db)
	ctx := context.Background()
	last := monthStartCPH(time.Now()).AddDate(0, -1, 0)
	o := e.subscribed(t, "101", "udvidet", last.AddDate(0, -1, 0))
	svc := availability.New(db, e.Catalog)
	start := last.AddDate(0, 0, 9).Add(10 * time.Hour)
	end := start.Add(3*time.Hour + 30*time.Minute)
	if _, err := svc.Open(ctx, e.Scope(t, "demo-servicedesk"), availability.NewOutage{Subscription: o.ID, Start: start, End: &end, Cause: "Fejl i SAN-controller"}); err != nil {
		t.Fatal(err)
	}
	b := browse(t, exe)
	month := last.Format("2006-01")
	if err := chromedp.Do(b, login(e.url, "demo-spoc", e.Passwords["demo-spoc"]), open(e.url+"/reports?month="+month), shown(`#avail`)); err != nil {
		t.Fatal(err)
	}
	row, err := chromedp.Run(b, chromedp.Evaluate[string](`document.querySelector('#avail tbody tr').innerText`))
	if err != nil {
		t.Fatal(err)
	}
	days := last.AddDate(0, 1, 0).Sub(last).Hours() / 24
	// 3 h 30 min down of the month: 99.5 % or so, against 99.9 %.
	want := []string{"København Kommune", "server-virtual-windows", "udvidet", "99,90 %", "3 t 30 min", "nej", "overskredet med"}
	if pct := 100 * (1 - 3.5/(days*24)); pct < 99.45 || pct > 99.55 {
		t.Fatalf("the test's arithmetic: %v", pct)
	}
	for _, w := range want {
		if !strings.Contains(row, w) {
			t.Errorf("the availability row %q lacks %q", row, w)
		}
	}
	outage, err := chromedp.Run(b, chromedp.Evaluate[string](`document.querySelector('#outages tbody tr').innerText`))
	if err != nil || !strings.Contains(outage, "Fejl i SAN-controller") || !strings.Contains(outage, "registreret af enheden") {
		t.Errorf("the outage row %q, %v", outage, err)
	}
	checkAxe(t, b, axe, "/reports?month="+month)

	// The status page: what is down now, and the planned maintenance
	// that affects København.
	if _, err := svc.Open(ctx, e.Scope(t, "demo-servicedesk"), availability.NewOutage{Subscription: o.ID, Start: time.Now().Add(-5 * time.Minute), Cause: "Strømsvigt i datacenter 2"}); err != nil {
		t.Fatal(err)
	}
	desk := servicedesk.NewService(db, e.Catalog)
	soon := time.Now().Add(48 * time.Hour).Truncate(time.Hour)
	ch, err := desk.CreateChange(ctx, e.Scope(t, "demo-servicedesk"), servicedesk.NewChange{Title: "Opgradering af SAN", Description: "Firmware", Type: servicedesk.StandardChange,
		Risk: "low", Plan: "Opgrader controller A, så B", Rollback: "Tilbage til forrige firmware", WindowStart: soon, WindowEnd: soon.Add(2 * time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Reader().ExecContext(ctx, `UPDATE tickets SET municipality_id = $1 WHERE id = $2`, e.Org(t, "101").ID, ch.ID); err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(b, open(e.url+"/status"), shown(`#current`)); err != nil {
		t.Fatal(err)
	}
	for sel, want := range map[string]string{"#current tbody tr": "Strømsvigt i datacenter 2", "#maintenance tbody tr": "Opgradering af SAN"} {
		got, err := chromedp.Run(b, chromedp.Evaluate[string](`(document.querySelector('`+sel+`') || {innerText: ''}).innerText`))
		if err != nil || !strings.Contains(got, want) {
			t.Errorf("/status %s = %q, %v; want %q", sel, got, err, want)
		}
	}
	checkAxe(t, b, axe, "/status")
	// The unit's service desk records an outage on the page and ends it.
	sd := browse(t, exe)
	if err := chromedp.Do(sd, login(e.url, "demo-servicedesk", e.Passwords["demo-servicedesk"]), open(e.url+"/status"), shown(`#current`)); err != nil {
		t.Fatal(err)
	}
	checkAxe(t, sd, axe, "/status (the unit)")
	if _, err := chromedp.Run(sd, chromedp.Evaluate[bool](`document.querySelector('details').open = true`)); err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(sd, chromedp.SetValue(`#cause`, "Router i Valby genstartet")); err != nil {
		t.Fatal(err)
	}
	if _, err := chromedp.Run(sd, chromedp.Evaluate[bool](`document.querySelector('#cause').form.submit(), true`)); err != nil {
		t.Fatal(err)
	}
	if got := textAfter(sd, `#current`, "Router i Valby"); !strings.Contains(got, "Router i Valby genstartet") {
		t.Fatalf("after recording, the current outages are %q", got)
	}
	rows, err := chromedp.Run(sd, chromedp.Evaluate[int](`document.querySelectorAll('#current tbody tr').length`))
	if err != nil || rows != 2 {
		t.Fatalf("%d current outages, %v; want the two", rows, err)
	}
	if _, err := chromedp.Run(sd, chromedp.Evaluate[bool](`[...document.querySelectorAll('#current tbody tr')].find(r => r.innerText.includes('Router i Valby')).querySelector('form').submit(), true`)); err != nil {
		t.Fatal(err)
	}
	for end := time.Now().Add(15 * time.Second); time.Now().Before(end); time.Sleep(100 * time.Millisecond) {
		if rows, _ = chromedp.Run(sd, chromedp.Evaluate[int](`document.readyState === 'complete' ? document.querySelectorAll('#current tbody tr').length : -1`)); rows == 1 {
			break
		}
	}
	if rows != 1 {
		t.Errorf("after ending it, %d current outages; want 1", rows)
	}
	// And adds a probe on the page, then pauses it.
	if _, err := chromedp.Run(sd, chromedp.Evaluate[bool](`[...document.querySelectorAll('details')].forEach(d => d.open = true), true`)); err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(sd, chromedp.SetValue(`#p-name`, "Intranet"), chromedp.SetValue(`#p-kind`, "tcp"), chromedp.SetValue(`#p-target`, "10.20.0.5:443")); err != nil {
		t.Fatal(err)
	}
	if _, err := chromedp.Run(sd, chromedp.Evaluate[bool](`document.querySelector('#p-name').form.submit(), true`)); err != nil {
		t.Fatal(err)
	}
	if got := textAfter(sd, `#probe-list`, "Intranet"); !strings.Contains(got, "10.20.0.5:443") || !strings.Contains(got, "ikke tjekket endnu") {
		t.Fatalf("the probes after adding one: %q", got)
	}
	checkAxe(t, sd, axe, "/status (probes)")
	if _, err := chromedp.Run(sd, chromedp.Evaluate[bool](`document.querySelector('#probe-list form').submit(), true`)); err != nil {
		t.Fatal(err)
	}
	if got := textAfter(sd, `#probe-list`, "på pause"); !strings.Contains(got, "på pause") {
		t.Errorf("the probe after pausing it: %q", got)
	}
	// Odense's SPOC sees neither.
	e.addUser("spoc-ode", "461", access.RoleSPOC)
	ode := browse(t, exe)
	if err := chromedp.Do(ode, login(e.url, "spoc-ode", e.Passwords["spoc-ode"]), open(e.url+"/status"), shown(`h1`)); err != nil {
		t.Fatal(err)
	}
	if got, _ := chromedp.Run(ode, chromedp.Evaluate[string](`document.querySelector('main').innerText`)); strings.Contains(got, "Strømsvigt") || strings.Contains(got, "Opgradering af SAN") {
		t.Errorf("Odense's status page shows København's: %q", got)
	}
	narrow(t, b, e.url, "/reports?month="+month, "/status")
}

// monthStartCPH is the first instant of t's month in Copenhagen.
func monthStartCPH(t time.Time) time.Time {
	t = t.In(calendar.Copenhagen)
	return time.Date(t.Year(), t.Month(), 1, 0, 0, 0, 0, calendar.Copenhagen)
}
