package soc

import (
	"testing"
	"time"
)

// The final report is due one calendar month after the notification in
// Copenhagen time: across the end of summer time the UTC hour moves.
func TestFinalReportAcrossDST(t *testing.T) {
	aware := time.Date(2026, 10, 1, 8, 0, 0, 0, time.UTC)
	notified := time.Date(2026, 10, 4, 10, 0, 0, 0, time.UTC) // 12:00 CEST
	c := Case{ID: 1, AwareAt: &aware, NIS2Significant: true}
	subs := []Submission{{Kind: NIS2EarlyWarning, SubmittedAt: aware.Add(time.Hour)}, {Kind: NIS2Notification, SubmittedAt: notified}}
	at := func(now time.Time) map[string]Deadline {
		m := map[string]Deadline{}
		for _, d := range deadlines(c, subs, now) {
			m[d.Kind] = d
		}
		return m
	}
	want := time.Date(2026, 11, 4, 11, 0, 0, 0, time.UTC) // 12:00 CET
	ds := at(notified.Add(time.Hour))
	if d := ds[NIS2FinalReport]; d.Due == nil || !d.Due.Equal(want) || d.State != "pending" {
		t.Errorf("final report = %+v; want due %v, pending", d, want)
	}
	// Warned a week before.
	if d := at(want.Add(-7*24*time.Hour + time.Minute))[NIS2FinalReport]; d.State != "due-soon" {
		t.Errorf("a week before: %+v; want due-soon", d)
	}
	// Still open a month after the notification: a progress report is
	// due then, and the final report one month after the incident is
	// handled.
	ds = at(want.Add(time.Hour))
	if d := ds[NIS2Progress]; d.Due == nil || !d.Due.Equal(want) || d.State != "overdue" {
		t.Errorf("progress report = %+v; want due %v, overdue", d, want)
	}
	if d := ds[NIS2FinalReport]; d.Due != nil || d.State != "waiting" {
		t.Errorf("final report of an open incident = %+v; want waiting", d)
	}
	handled := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	c.ClosedAt = &handled
	ds = at(handled.Add(time.Hour))
	if d := ds[NIS2FinalReport]; d.Due == nil || !d.Due.Equal(time.Date(2027, 1, 1, 9, 0, 0, 0, time.UTC)) {
		t.Errorf("final report after handling = %+v; want a month after 2026-12-01 10:00 CET", d)
	}
	// The early warning was on time, GDPR clocks do not run without the mark.
	if d := ds[NIS2EarlyWarning]; d.State != "submitted" {
		t.Errorf("early warning = %+v; want submitted", d)
	}
	if _, ok := ds[GDPRNotification]; ok {
		t.Error("a GDPR clock runs on a case not marked a personal data breach")
	}
}
