package compliance_test

import (
	"context"
	"os"
	"strings"
	"testing"

	"github.com/samdrift/samdrift/internal/compliance"
	"github.com/samdrift/samdrift/internal/demo/demotest"
	"github.com/samdrift/samdrift/internal/errs"
	"github.com/samdrift/samdrift/internal/store"
	"github.com/samdrift/samdrift/internal/store/storetest"
)

// readLib reads a library file under library/ (testdata/ or data/).
func readLib(t *testing.T, name string) []byte {
	t.Helper()
	data, err := os.ReadFile("library/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// TestImportLibraries imports libraries in CISO Assistant's format (a
// framework that depends on another, and a mapping library between
// them): only governance and administrators, a file with errors refuses
// them all with FILE:LINE, the same files again change nothing, and no
// import may take over a shipped library.
func TestImportLibraries(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		env := demotest.New(t, db, false)
		svc := compliance.New(db)
		if _, err := svc.InstallBuiltin(ctx); err != nil {
			t.Fatal(err)
		}
		gov := env.Scope(t, "demo-governance")
		names := []string{"basis.yaml", "excerpt.yaml", "mapping-excerpt-basis.yaml"}
		var data [][]byte
		for _, n := range names {
			data = append(data, readLib(t, "testdata/"+n))
		}
		if _, err := svc.ImportLibraries(ctx, env.Scope(t, "demo-ciso"), names, data); errs.CodeOf(err) != errs.Forbidden {
			t.Errorf("a CISO importing = %v; want Forbidden", err)
		}
		bad := append([][]byte{}, data...)
		bad[1] = []byte(strings.Replace(string(data[1]), "parent_urn:", "parent_urn: urn:samdrift:risk:req_node:nowhere:x\n      x_parent:", 1))
		before, _ := svc.Frameworks(ctx, gov, "")
		if _, err := svc.ImportLibraries(ctx, gov, names, bad); errs.CodeOf(err) != errs.Invalid || !strings.Contains(err.Error(), "excerpt.yaml:") {
			t.Errorf("a library with an error = %v; want Invalid naming excerpt.yaml:LINE", err)
		}
		if after, _ := svc.Frameworks(ctx, gov, ""); len(after) != len(before) {
			t.Errorf("a refused import left %d frameworks; want %d", len(after), len(before))
		}
		res, err := svc.ImportLibraries(ctx, gov, names, data)
		if err != nil || len(res) != 3 || res[2].Mappings == 0 {
			t.Fatalf("ImportLibraries = %+v, %v", res, err)
		}
		fws, _ := svc.Frameworks(ctx, gov, "")
		if len(fws) != len(before)+2 {
			t.Errorf("after the import: %d frameworks; want %d", len(fws), len(before)+2)
		}
		again, err := svc.ImportLibraries(ctx, gov, names, data)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range again {
			if !r.Unchanged {
				t.Errorf("the same file again changed %s", r.Library)
			}
		}
		// A shipped library is upgraded with samdrift, not imported.
		iso := readLib(t, "data/iso27001-2022.yaml")
		iso = []byte(strings.Replace(string(iso), "version: 1\n", "version: 2\n", 1))
		if _, err := svc.ImportLibraries(ctx, gov, []string{"iso27001-2022.yaml"}, [][]byte{iso}); errs.CodeOf(err) != errs.Conflict {
			t.Errorf("importing over a shipped library = %v; want Conflict", err)
		}
		// Removing: not a shipped one, not an answered one, not by a CISO.
		for _, c := range []struct {
			urn  string
			code errs.Code
		}{{"urn:samdrift:risk:library:iso27001-2022", errs.Conflict}, {"urn:samdrift:risk:library:nowhere", errs.NotFound}} {
			if err := svc.RemoveLibrary(ctx, gov, c.urn); errs.CodeOf(err) != c.code {
				t.Errorf("RemoveLibrary(%s) = %v; want %s", c.urn, err, c.code)
			}
		}
		if err := svc.RemoveLibrary(ctx, env.Scope(t, "demo-ciso"), res[2].Library); errs.CodeOf(err) != errs.Forbidden {
			t.Errorf("a CISO removing a library = %v; want Forbidden", err)
		}
		reqs, err := svc.Requirements(ctx, gov, res[1].Framework, "", compliance.RequirementFilter{Assessable: true})
		if err != nil || len(reqs) == 0 {
			t.Fatalf("the imported framework's requirements = %+v, %v", reqs, err)
		}
		if _, err := svc.SetAnswer(ctx, env.Scope(t, "demo-ciso"), "101", res[1].Framework, reqs[0].URN, compliance.AnswerChange{Status: ptr("met")}); err != nil {
			t.Fatal(err)
		}
		if err := svc.RemoveLibrary(ctx, gov, res[1].Library); errs.CodeOf(err) != errs.Conflict || !strings.Contains(err.Error(), "1 answers") {
			t.Errorf("removing an answered framework = %v; want Conflict naming the answer", err)
		}
		if err := svc.RemoveLibrary(ctx, gov, res[2].Library); err != nil {
			t.Errorf("removing the mapping library = %v", err)
		}
		if err := svc.RemoveLibrary(ctx, gov, res[0].Library); err != nil {
			t.Errorf("removing an unanswered framework = %v", err)
		}
		if after, _ := svc.Frameworks(ctx, gov, ""); len(after) != len(before)+1 {
			t.Errorf("after removing one framework: %d; want %d", len(after), len(before)+1)
		}
	})
}

// TestHeatmap: governance sees every municipality and unit, each
// framework's sections scored from the answers; a CISO sees only its own.
func TestHeatmap(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		env := demotest.New(t, db, false)
		svc := compliance.New(db)
		if _, err := svc.InstallBuiltin(ctx); err != nil {
			t.Fatal(err)
		}
		ciso := env.Scope(t, "demo-ciso")
		for _, ref := range []string{"A.8.15", "A.8.16"} {
			if _, err := svc.SetAnswer(ctx, ciso, "101", "iso27001-2022", ref, compliance.AnswerChange{Status: ptr("met")}); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := svc.SetAnswer(ctx, ciso, "101", "iso27001-2022", "A.8.13", compliance.AnswerChange{Status: ptr("not_met"), Due: ptr("2020-01-01")}); err != nil {
			t.Fatal(err)
		}
		h, err := svc.Heatmap(ctx, env.Scope(t, "demo-governance"), "da")
		if err != nil {
			t.Fatal(err)
		}
		if len(h.Rows) < 98 || len(h.Frameworks) != 4 {
			t.Fatalf("governance's heatmap: %d rows, %d frameworks; want every municipality and unit, 4 frameworks", len(h.Rows), len(h.Frameworks))
		}
		iso := -1
		for i, f := range h.Frameworks {
			if f.ID == "iso27001-2022" {
				iso = i
			}
		}
		var tech int
		for i, sct := range h.Frameworks[iso].Sections {
			if strings.HasSuffix(sct.RefID, "8") {
				tech = i
			}
		}
		found := false
		for _, r := range h.Rows {
			if r.Code != "101" {
				continue
			}
			found = true
			c := r.Frameworks[iso]
			// 2 met, 1 not met of 3 assessed in A.8 (34 controls; the rest not assessed count as 0).
			if c.Counts.Met != 2 || c.Counts.NotMet != 1 || c.Counts.Overdue != 1 || c.Sections[tech] == nil || *c.Sections[tech] <= 0 {
				t.Errorf("København's ISO cell = %+v (A.8 %v); want 2 met, 1 not met and overdue", c.Counts, c.Sections[tech])
			}
		}
		if !found {
			t.Error("København is not in governance's heatmap")
		}
		mine, err := svc.Heatmap(ctx, ciso, "da")
		if err != nil || len(mine.Rows) != 1 || mine.Rows[0].Code != "101" {
			t.Errorf("the CISO's heatmap = %d rows, %v; want København only", len(mine.Rows), err)
		}
	})
}

// TestEvidenceRules: evidence shows requirements, not headings; a unit
// removes only the evidence it added, the municipality's CISO any of its
// own.
func TestEvidenceRules(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		env := demotest.New(t, db, false)
		svc := compliance.New(db)
		if _, err := svc.InstallBuiltin(ctx); err != nil {
			t.Fatal(err)
		}
		ciso, unit := env.Scope(t, "demo-ciso"), env.Scope(t, "demo-unit-manager")
		if _, err := svc.AddEvidence(ctx, ciso, "101", compliance.NewEvidence{Title: "x", URL: "https://intra.kk.dk/x", Requirements: []compliance.RequirementRef{{Framework: "iso27001-2022", RefID: "A.5"}}}); errs.CodeOf(err) != errs.Invalid {
			t.Errorf("evidence for a heading = %v; want Invalid", err)
		}
		mine, err := svc.AddEvidence(ctx, ciso, "101", compliance.NewEvidence{Title: "Politik", URL: "https://intra.kk.dk/politik"})
		if err != nil {
			t.Fatal(err)
		}
		theirs, err := svc.AddEvidence(ctx, unit, "101", compliance.NewEvidence{Title: "Driftsrapport", URL: "https://enhed.example/rapport"})
		if err != nil {
			t.Fatal(err)
		}
		if err := svc.DeleteEvidence(ctx, unit, mine.ID); errs.CodeOf(err) != errs.Forbidden {
			t.Errorf("the unit removing the CISO's evidence = %v; want Forbidden", err)
		}
		if err := svc.DeleteEvidence(ctx, unit, theirs.ID); err != nil {
			t.Errorf("the unit removing its own evidence = %v", err)
		}
		if err := svc.DeleteEvidence(ctx, ciso, mine.ID); err != nil {
			t.Errorf("the CISO removing København's evidence = %v", err)
		}
	})
}

// TestSoAFormulas: a value a spreadsheet would run as a formula is
// written with a leading apostrophe and read back as it was.
func TestSoAFormulas(t *testing.T) {
	a := compliance.Assessment{Items: []compliance.Answer{{Requirement: compliance.Requirement{RefID: "A.5.1", Name: "Politik", Assessable: true},
		Status: "met", Answered: "met", Owner: "@SUM(1+1)", Notes: "=cmd|' /C calc'!A0"}}}
	var b strings.Builder
	if err := compliance.WriteSoA(&b, a); err != nil {
		t.Fatal(err)
	}
	if out := b.String(); !strings.HasPrefix(out, "\ufeff") || !strings.Contains(out, "'@SUM(1+1)") || !strings.Contains(out, "'=cmd") {
		t.Fatalf("WriteSoA = %q; want a byte-order mark and the formulas defused", out)
	}
	rows, err := compliance.ReadAnswersCSV(strings.NewReader(b.String()))
	if err != nil || len(rows) != 1 || rows[0].Owner != "@SUM(1+1)" || rows[0].Notes != "=cmd|' /C calc'!A0" {
		t.Errorf("read back = %+v, %v; want the values as they were", rows, err)
	}
}
