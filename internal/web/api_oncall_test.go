package web_test

import (
	"context"
	"database/sql"
	"fmt"
	"testing"
	"time"

	"github.com/samdrift/samdrift/internal/access"
	"github.com/samdrift/samdrift/internal/demo"
	"github.com/samdrift/samdrift/internal/oncall"
	"github.com/samdrift/samdrift/internal/soc"
	"github.com/samdrift/samdrift/internal/store"
	"github.com/samdrift/samdrift/internal/store/storetest"
)

// escalate starts an escalation of a critical alert of København to the
// default team, as detection does.
func (e *env) escalate(t *testing.T, subject int64) int64 {
	t.Helper()
	var id int64
	if err := e.DB.Write(context.Background(), func(tx *sql.Tx) error {
		var err error
		id, err = oncall.Start(context.Background(), tx, oncall.Subject{OrgID: e.Org(t, "101").ID, Severity: "critical", Kind: oncall.KindAlert,
			SubjectID: subject, Title: "Ransomware-adfærd på fil01"})
		return err
	}); err != nil || id == 0 {
		t.Fatalf("escalate: %d, %v", id, err)
	}
	return id
}

// socRota makes the shared SOC's default team: anna and bo take weekly
// turns on level 1, handing over on Mondays at 08:00 Danish time.
func (e *env) socRota(t *testing.T) string {
	t.Helper()
	for _, n := range []string{"anna", "bo"} {
		e.addUser(n, demo.SOCSlug, access.RoleSOCAnalyst)
	}
	tok := e.token("demo-soc-analyst")
	e.must("POST", "/api/v1/oncall/teams", tok, `{"org":"`+demo.SOCSlug+`","slug":"soc","name":"SOC-vagt","default":true,"members":["anna","bo"]}`, nil)
	e.must("POST", "/api/v1/oncall/teams/soc/rotations", tok, `{"level":1,"members":["anna","bo"],"period":"weekly","start":"2026-10-19T08:00:00+02:00"}`, nil)
	return tok
}

func TestAPIOnCall(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := start(t, db)
		tok := e.socRota(t)
		who := func(at string) (string, int64) {
			t.Helper()
			var out struct {
				Items []struct {
					User       string `json:"user"`
					Level      int    `json:"level"`
					OverrideID int64  `json:"override_id"`
				} `json:"items"`
			}
			e.must("GET", "/api/v1/oncall?team=soc&at="+at, e.token("demo-cert"), "", &out)
			if len(out.Items) != 1 || out.Items[0].Level != 1 {
				t.Fatalf("on call at %s = %+v", at, out.Items)
			}
			return out.Items[0].User, out.Items[0].OverrideID
		}
		// Summer time ends on 25 October; the handoff stays at 08:00 Danish time.
		if u, _ := who("2026-10-26T07:59:00%2B01:00"); u != "anna" {
			t.Errorf("Monday 26 October 07:59 = %s; want anna", u)
		}
		if u, _ := who("2026-10-26T08:00:00%2B01:00"); u != "bo" {
			t.Errorf("Monday 26 October 08:00 = %s; want bo", u)
		}
		// Anna takes Thursday night of bo's week.
		e.must("POST", "/api/v1/oncall/teams/soc/overrides", e.token("anna"), `{"level":1,"user":"anna","from":"2026-10-29T20:00:00+01:00","until":"2026-10-30T08:00:00+01:00"}`, nil)
		if u, ov := who("2026-10-30T03:00:00%2B01:00"); u != "anna" || ov == 0 {
			t.Errorf("Thursday night = %s (override %d); want anna by her override", u, ov)
		}
		if r := e.call("POST", "/api/v1/oncall/teams/soc/overrides", e.token("demo-ciso"), `{"level":1,"user":"bo","from":"2026-11-05T20:00:00+01:00","until":"2026-11-06T08:00:00+01:00"}`, nil); r.StatusCode != 404 {
			t.Errorf("a municipality's CISO changed the SOC's rota: %d; want 404", r.StatusCode)
		}
		if r := e.call("GET", "/api/v1/oncall?team=soc", e.token("demo-spoc"), "", nil); r.StatusCode != 404 {
			t.Errorf("a municipality's SPOC reads the SOC's rota: %d; want 404", r.StatusCode)
		}
		e.must("POST", "/api/v1/oncall/teams/soc/handovers", e.token("anna"), `{"body":"Ransomware-sagen i København er inddæmmet; hold øje med fil01"}`, nil)

		// An escalation, acknowledged once.
		id := e.escalate(t, 7)
		var list struct {
			Items []oncall.Escalation `json:"items"`
		}
		e.must("GET", "/api/v1/escalations?state=active", tok, "", &list)
		if len(list.Items) != 1 || list.Items[0].ID != id {
			t.Fatalf("active escalations = %+v", list.Items)
		}
		var ack oncall.Escalation
		e.must("POST", fmt.Sprintf("/api/v1/escalations/%d/ack", id), e.token("bo"), "", &ack)
		if ack.State != oncall.StateAcknowledged || ack.AckedBy != "bo" {
			t.Errorf("after ack = %+v", ack)
		}
		if r := e.call("POST", fmt.Sprintf("/api/v1/escalations/%d/ack", id), e.token("anna"), "", nil); r.StatusCode != 409 {
			t.Errorf("a second ack = %d; want 409", r.StatusCode)
		}
		var detail oncall.EscalationDetail
		e.must("GET", fmt.Sprintf("/api/v1/escalations/%d", id), tok, "", &detail)
		if len(detail.Steps) < 2 {
			t.Errorf("steps = %+v; want the page and the acknowledgement", detail.Steps)
		}
		open := e.escalate(t, 8)
		if r := e.call("POST", fmt.Sprintf("/api/v1/escalations/%d/snooze", open), e.token("anna"), `{"until":"`+time.Now().Add(48*time.Hour).UTC().Format(time.RFC3339)+`"}`, nil); r.StatusCode != 400 {
			t.Errorf("a two-day snooze = %d; want 400", r.StatusCode)
		}
		var dash struct {
			Escalations []oncall.Escalation `json:"escalations"`
		}
		e.must("GET", "/api/v1/soc/dashboard", tok, "", &dash)
		if len(dash.Escalations) != 1 || dash.Escalations[0].ID != open {
			t.Errorf("the dashboard's unacknowledged pages = %+v; want escalation %d", dash.Escalations, open)
		}
	})
}

// TestAPIInboxLinksCases: a reporting warning reaches the CISO's inbox
// with the case it is about.
func TestAPIInboxLinksCases(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := start(t, db)
		ciso := e.token("demo-ciso")
		var c struct {
			ID int64 `json:"id"`
		}
		e.must("POST", "/api/v1/cases", ciso, `{"org":"101","title":"Lækket regneark","severity":"medium","kind":"data-leak"}`, &c)
		aware := time.Now().Add(-80 * time.Hour).UTC().Format(time.RFC3339)
		e.must("PUT", fmt.Sprintf("/api/v1/cases/%d/reporting", c.ID), ciso, `{"nis2_significant":false,"personal_data_breach":true,"aware_at":"`+aware+`"}`, nil)
		cases := soc.New(db)
		if res, err := cases.Sweep(context.Background(), time.Now()); err != nil || res.Overdue != 1 {
			t.Fatalf("sweep = %+v, %v", res, err)
		}
		var inbox struct {
			Notifications []struct {
				Kind   string `json:"kind"`
				CaseID int64  `json:"case_id"`
			} `json:"notifications"`
		}
		e.must("GET", "/api/v1/notifications", ciso, "", &inbox)
		if len(inbox.Notifications) != 1 || inbox.Notifications[0].CaseID != c.ID || inbox.Notifications[0].Kind != "case.deadline.overdue" {
			t.Errorf("inbox = %+v; want the overdue GDPR notification of case %d", inbox.Notifications, c.ID)
		}
	})
}
