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
	"github.com/samdrift/samdrift/internal/demo"
	"github.com/samdrift/samdrift/internal/orders"
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
	if _, err := demo.LoadCatalog(ctx, e.Catalog, e.Orgs); err != nil {
		t.Fatal(err)
	}
	sys := access.System("test")
	last := monthStartCPH(time.Now()).AddDate(0, -1, 0)
	e.Orders.Clock = func() time.Time { return last.AddDate(0, -1, 0) }
	o, err := e.Orders.Place(ctx, sys, orders.NewOrder{Municipality: e.Org(t, "101").ID, Service: "server-virtual-windows", Level: "udvidet", Quantity: 1})
	if err != nil {
		t.Fatal(err)
	}
	for _, to := range []orders.Status{orders.Accepted, orders.InDelivery, orders.Active} {
		if o, err = e.Orders.Move(ctx, sys, o.ID, to, ""); err != nil {
			t.Fatal(err)
		}
	}
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
	want := []string{"København Kommune", "server-virtual-windows", "udvidet", "99,900 %", "3 t 30 min", "nej", "overskredet med"}
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
	narrow(t, b, e.url, "/reports?month="+month)
}

// monthStartCPH is the first instant of t's month in Copenhagen.
func monthStartCPH(t time.Time) time.Time {
	t = t.In(calendar.Copenhagen)
	return time.Date(t.Year(), t.Month(), 1, 0, 0, 0, 0, calendar.Copenhagen)
}
