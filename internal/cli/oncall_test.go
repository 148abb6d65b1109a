package cli_test

import (
	"context"
	"database/sql"
	"strings"
	"testing"
	"time"

	"github.com/samdrift/samdrift/internal/access"
	"github.com/samdrift/samdrift/internal/demo"
	"github.com/samdrift/samdrift/internal/demo/demotest"
	"github.com/samdrift/samdrift/internal/locale"
	"github.com/samdrift/samdrift/internal/oncall"
	"github.com/samdrift/samdrift/internal/store"
)

// TestOncallCommands asks who is on call around a DST change and sweeps
// a due escalation through the command line.
func TestOncallCommands(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	db, err := store.Open(ctx, store.Options{DataDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Migrate(ctx, nil); err != nil {
		t.Fatal(err)
	}
	e := demotest.New(t, db, false)
	e.AddUser(t, "anna", demo.SOCSlug, access.RoleSOCAnalyst)
	e.AddUser(t, "bo", demo.SOCSlug, access.RoleSOCAnalyst)
	svc := oncall.New(db)
	sc := access.System("test")
	if _, err := svc.CreateTeam(ctx, sc, oncall.NewTeam{OrgID: e.Org(t, demo.SOCSlug).ID, Slug: "soc", Name: "SOC-vagt", Default: true,
		Members: []string{"anna", "bo"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.AddRotation(ctx, sc, "soc", oncall.NewRotation{Level: 1, Members: []string{"anna", "bo"}, Period: oncall.Weekly,
		Start: time.Date(2026, 3, 23, 8, 0, 0, 0, locale.Copenhagen)}); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.AddHandover(ctx, sc, "soc", "Alarm 42 er åben."); err != nil {
		t.Fatal(err)
	}
	past := time.Now().Add(-time.Hour)
	if err := db.Write(ctx, func(tx *sql.Tx) error {
		_, err := oncall.Start(ctx, tx, oncall.Subject{OrgID: e.Org(t, "101").ID, Severity: "critical", Kind: oncall.KindAlert, SubjectID: 42, Title: "x", At: past})
		return err
	}); err != nil {
		t.Fatal(err)
	}
	db.Close()

	code, out, errb := run(t, "", "oncall", "who", "--data", dir, "--team", "soc", "--at", "2026-03-30T07:59:00+02:00")
	if code != 0 || !strings.Contains(out, "1      anna") || !strings.Contains(out, "2026-03-30 08:00 CEST") || !strings.Contains(out, "Alarm 42 er åben.") {
		t.Errorf("oncall who before the handoff = %d %q %q; want anna until 08:00 CEST and the handover note", code, out, errb)
	}
	if code, out, _ := run(t, "", "oncall", "who", "--data", dir, "--team", "soc", "--at", "2026-03-30T08:00:00+02:00"); code != 0 || !strings.Contains(out, "1      bo") {
		t.Errorf("oncall who at the handoff = %d %q; want bo", code, out)
	}
	if code, _, errb := run(t, "", "oncall", "who", "--data", dir, "--team", "nope"); code == 0 || !strings.Contains(errb, `no on-call team "nope"`) {
		t.Errorf("oncall who for an unknown team = %d %q", code, errb)
	}
	if code, _, errb := run(t, "", "oncall", "who", "--data", dir, "--team", "soc", "--at", "tomorrow"); code == 0 || !strings.Contains(errb, "RFC 3339") {
		t.Errorf("oncall who --at tomorrow = %d %q", code, errb)
	}
	if code, out, errb := run(t, "", "oncall", "sweep", "--data", dir); code != 0 || !strings.Contains(out, "paged 1 escalation steps") {
		t.Errorf("oncall sweep = %d %q %q; want one step paged", code, out, errb)
	}
	if code, out, _ := run(t, "", "oncall", "sweep", "--data", dir); code != 0 || !strings.Contains(out, "paged 0") {
		t.Errorf("a second oncall sweep = %d %q; want nothing more", code, out)
	}
}
