package oncall_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/samdrift/samdrift/internal/errs"
	"github.com/samdrift/samdrift/internal/oncall"
	"github.com/samdrift/samdrift/internal/store"
	"github.com/samdrift/samdrift/internal/store/storetest"
)

// TestTimesOutsideTheSpan: a rotation starting centuries ago or a
// question about the year 2400 is refused at once (they made the turn
// arithmetic overflow and loop forever), and an hourly rotation answers
// years after its start.
func TestTimesOutsideTheSpan(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		_, svc, sc := socTeam(t, db)
		if _, err := svc.AddRotation(ctx, sc, "soc", oncall.NewRotation{Level: 1, Members: []string{"anna"}, Period: oncall.Period{Hours: 12},
			Start: time.Date(1700, 1, 1, 0, 0, 0, 0, time.UTC)}); errs.CodeOf(err) != errs.Invalid {
			t.Errorf("a rotation from 1700: %v; want Invalid", err)
		}
		if _, err := svc.AddRotation(ctx, sc, "soc", oncall.NewRotation{Level: 1, Members: []string{"anna", "bo"}, Period: oncall.Period{Hours: 1},
			Start: time.Date(2001, 1, 1, 0, 0, 0, 0, time.UTC)}); err != nil {
			t.Fatal(err)
		}
		done := make(chan error, 1)
		go func() {
			_, err := svc.WhoIsOnCall(ctx, sc, "soc", time.Date(2400, 1, 1, 0, 0, 0, 0, time.UTC))
			done <- err
		}()
		select {
		case err := <-done:
			if errs.CodeOf(err) != errs.Invalid {
				t.Errorf("who is on call in 2400: %v; want Invalid", err)
			}
		case <-time.After(10 * time.Second):
			t.Fatal("who is on call in 2400 did not answer within 10 s")
		}
		who, err := svc.WhoIsOnCall(ctx, sc, "soc", time.Date(2099, 6, 1, 12, 0, 0, 0, time.UTC))
		if err != nil || len(who) != 1 {
			t.Errorf("who is on call in 2099 = %+v, %v", who, err)
		}
	})
}

// TestPolicyKeepsItsMembers: a member an escalation policy pages by name
// cannot be taken off the team (they would go on being paged).
func TestPolicyKeepsItsMembers(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		_, svc, sc := socTeam(t, db)
		if _, err := svc.SetPolicy(ctx, sc, "soc", oncall.Policy{Severity: "critical", Steps: []oncall.Step{{User: "carl", WaitMinutes: 5}}}); err != nil {
			t.Fatal(err)
		}
		_, err := svc.EditTeam(ctx, sc, "soc", oncall.TeamChange{Members: []string{"anna", "bo", "dina"}})
		if errs.CodeOf(err) != errs.Conflict || !strings.Contains(err.Error(), "carl") {
			t.Errorf("taking carl off the team: %v; want a Conflict naming carl", err)
		}
		if _, err := svc.EditTeam(ctx, sc, "soc", oncall.TeamChange{Members: []string{"anna", "bo", "carl"}}); err != nil {
			t.Errorf("taking dina off: %v", err)
		}
	})
}
