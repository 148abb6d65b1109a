package library_test

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/samdrift/samdrift/internal/compliance/library"
	"github.com/samdrift/samdrift/internal/errs"
)

func readFixture(t testing.TB, name string) []byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func parseFixture(t testing.TB, name string) *library.Library {
	t.Helper()
	lib, err := library.Parse(name, readFixture(t, name))
	if err != nil {
		t.Fatalf("Parse(%q) = %v", name, err)
	}
	return lib
}

// lineOf returns the 1-based line of the first line of data containing s.
func lineOf(t testing.TB, data []byte, s string) int {
	t.Helper()
	for i, l := range strings.Split(string(data), "\n") {
		if strings.Contains(l, s) {
			return i + 1
		}
	}
	t.Fatalf("no line contains %q", s)
	return 0
}

func check[T any](t *testing.T, what string, got, want T) {
	t.Helper()
	if !reflect.DeepEqual(got, want) {
		t.Errorf("%s = %#v; want %#v", what, got, want)
	}
}

func TestParseBasis(t *testing.T) {
	data := readFixture(t, "basis.yaml")
	lib, err := library.Parse("basis.yaml", data)
	if err != nil {
		t.Fatalf("Parse = %v", err)
	}
	check(t, "File", lib.File, "basis.yaml")
	check(t, "URN", lib.URN, "urn:samdrift:risk:library:basis-test")
	check(t, "RefID", lib.RefID, "BASIS-TEST")
	check(t, "Locale", lib.Locale, "en")
	check(t, "Name", lib.Name, "Basic security (test)")
	check(t, "Description", lib.Description, "A small framework written for samdrift's tests.")
	check(t, "Copyright", lib.Copyright, "Written for samdrift's tests; free to reuse.")
	check(t, "Provider", lib.Provider, "samdrift")
	check(t, "Packager", lib.Packager, "samdrift")
	check(t, "Version", lib.Version, 2)
	check(t, "PublicationDate", lib.PublicationDate, "2026-03-01")
	check(t, "Translations", lib.Translations, map[string]library.Text{
		"da": {Name: "Grundlæggende sikkerhed (test)", Description: "En lille kravramme skrevet til samdrifts test."},
	})
	check(t, "Dependencies", lib.Dependencies, []string(nil))
	check(t, "MappingSets", lib.MappingSets, []library.MappingSet(nil))

	check(t, "ReferenceControls", lib.ReferenceControls, []library.ReferenceControl{
		{
			URN: "urn:samdrift:risk:reference_control:basis-test:backup", RefID: "RC-BACKUP",
			Name: "Backups", Description: "Regular backups that are restored as a test.",
			Category: "technical", CSFFunction: "recover",
			Translations: map[string]library.Text{"da": {Name: "Sikkerhedskopier", Description: "Jævnlige sikkerhedskopier, som prøves genskabt."}},
			Line:         lineOf(t, data, "urn: urn:samdrift:risk:reference_control:basis-test:backup"),
		},
		{
			URN: "urn:samdrift:risk:reference_control:basis-test:policy", RefID: "RC-POLICY",
			Name: "Security policy", Category: "policy", CSFFunction: "govern",
			Line: lineOf(t, data, "urn: urn:samdrift:risk:reference_control:basis-test:policy"),
		},
	})

	fw := lib.Framework
	if fw == nil {
		t.Fatal("Framework = nil")
	}
	check(t, "Framework.URN", fw.URN, "urn:samdrift:risk:framework:basis-test")
	check(t, "Framework.RefID", fw.RefID, "BASIS-TEST")
	check(t, "Framework.Name", fw.Name, "Basic security")
	check(t, "Framework.Description", fw.Description, "Two chapters of two requirements each.")
	check(t, "Framework.Translations", fw.Translations, map[string]library.Text{
		"da": {Name: "Grundlæggende sikkerhed", Description: "To kapitler med to krav hver."},
	})
	check(t, "Framework.ImplementationGroups", fw.ImplementationGroups, []library.ImplementationGroup{
		{RefID: "small", Name: "Small organisations", Description: "What every organisation does.",
			Translations: map[string]library.Text{"da": {Name: "Små organisationer", Description: "Det, enhver organisation gør."}}},
		{RefID: "large", Name: "Large organisations"},
	})

	const n = "urn:samdrift:risk:req_node:basis-test:"
	nodeLine := func(suffix string) int { return lineOf(t, data, "- urn: "+n+suffix) }
	want := []library.Node{
		{URN: n + "1", RefID: "1", Name: "Governance", Depth: 1,
			Translations: map[string]library.Text{"da": {Name: "Styring"}}, Line: nodeLine("1")},
		{URN: n + "1.1", RefID: "1.1", Name: "Security policy",
			Description: "Management has approved a security policy.", Annotation: "Review it every year.",
			ParentURN: n + "1", Depth: 2, Assessable: true,
			ImplementationGroups: []string{"small", "large"},
			ReferenceControls:    []string{"urn:samdrift:risk:reference_control:basis-test:policy"},
			TypicalEvidence:      "The signed policy.",
			Translations:         map[string]library.Text{"da": {Name: "Sikkerhedspolitik", Description: "Ledelsen har godkendt en sikkerhedspolitik."}},
			Line:                 nodeLine("1.1")},
		{URN: n + "1.2", RefID: "1.2", Description: "Security roles and responsibilities are assigned.",
			ParentURN: n + "1", Depth: 2, Assessable: true, // depth computed: the file gives none
			ImplementationGroups: []string{"large"}, Line: nodeLine("1.2")},
		{URN: n + "2", RefID: "2", Name: "Operations", Depth: 1, Line: nodeLine("2")},
		{URN: n + "2.1", RefID: "2.1", Name: "Backups", Description: "Data is backed up and restores are tested.",
			ParentURN: n + "2", Depth: 2, Assessable: true,
			ImplementationGroups: []string{"small"},
			ReferenceControls:    []string{"urn:samdrift:risk:reference_control:basis-test:backup"},
			Translations:         map[string]library.Text{"da": {Description: "Data sikkerhedskopieres, og genskabelse afprøves."}},
			Line:                 nodeLine("2.1")},
	}
	if len(fw.Nodes) != len(want) {
		t.Fatalf("len(Nodes) = %d; want %d", len(fw.Nodes), len(want))
	}
	for i := range want {
		check(t, fmt.Sprintf("Nodes[%d]", i), fw.Nodes[i], want[i])
	}

	if err := library.Validate([]*library.Library{lib}, nil); err != nil {
		t.Errorf("Validate(basis) = %v", err)
	}
}

func TestNodeText(t *testing.T) {
	lib := parseFixture(t, "basis.yaml")
	nodes := lib.Framework.Nodes
	cases := []struct {
		node       int
		lang, want string // want is Name|Description
	}{
		{1, "da", "Sikkerhedspolitik|Ledelsen har godkendt en sikkerhedspolitik."},
		{1, "DA-dk", "Sikkerhedspolitik|Ledelsen har godkendt en sikkerhedspolitik."}, // region and case ignored
		{1, "en", "Security policy|Management has approved a security policy."},
		{1, "fr", "Security policy|Management has approved a security policy."}, // no French: own text
		{4, "da", "Backups|Data sikkerhedskopieres, og genskabelse afprøves."},  // name falls back to English
		{0, "en", "Governance|"},
		{2, "da", "|Security roles and responsibilities are assigned."},
	}
	for _, c := range cases {
		got := nodes[c.node].Text(c.lang, lib.Locale)
		if s := got.Name + "|" + got.Description; s != c.want {
			t.Errorf("Nodes[%d].Text(%q, %q) = %q; want %q", c.node, c.lang, lib.Locale, s, c.want)
		}
	}
	// A node with no own text in its library's locale falls back to any translation.
	n := library.Node{Translations: map[string]library.Text{"sv": {Name: "Säkerhet"}, "de": {Name: "Sicherheit"}}}
	if got := n.Text("da", "en"); got.Name != "Sicherheit" {
		t.Errorf("Text(da, en) = %+v; want the first translation by language code (de)", got)
	}
}

func TestParseExcerptAndMapping(t *testing.T) {
	basis := parseFixture(t, "basis.yaml")
	excerptData := readFixture(t, "excerpt.yaml")
	excerpt := parseFixture(t, "excerpt.yaml")
	mappingData := readFixture(t, "mapping-excerpt-basis.yaml")
	mapping := parseFixture(t, "mapping-excerpt-basis.yaml")

	check(t, "excerpt.Version", excerpt.Version, 3) // quoted in the file, as some shipped libraries do
	check(t, "excerpt.PublicationDate", excerpt.PublicationDate, "2025-11-20")
	check(t, "excerpt.Description", excerpt.Description, "A few requirements in the shape of a shipped library — written for samdrift's tests.")
	check(t, "excerpt.Translations[fr].Name", excerpt.Translations["fr"].Name, "Accès et journalisation (extrait de test)")
	check(t, "excerpt.Dependencies", excerpt.Dependencies, []string{"urn:samdrift:risk:library:basis-test"})
	fw := excerpt.Framework
	check(t, "excerpt framework ImplementationGroups", fw.ImplementationGroups, []library.ImplementationGroup{{RefID: "IG1", Name: "Essential"}})
	var urns []string
	var depths []int
	for _, n := range fw.Nodes {
		urns = append(urns, n.URN)
		depths = append(depths, n.Depth)
	}
	const n = "urn:samdrift:risk:req_node:excerpt-test:"
	check(t, "excerpt node URNs (lower-cased)", urns, []string{n + "ac", n + "ac-2", n + "ac-2(1)", n + "au", n + "au-2"})
	check(t, "excerpt node depths", depths, []int{1, 2, 3, 1, 2})
	check(t, "node ac-2(1) ParentURN", fw.Nodes[2].ParentURN, n+"ac-2")
	check(t, "node au-2 ReferenceControls", fw.Nodes[4].ReferenceControls, []string{
		"urn:samdrift:risk:reference_control:basis-test:backup",
		"urn:samdrift:risk:reference_control:excerpt-test:log-review",
	})
	check(t, "node au-2 Line", fw.Nodes[4].Line, lineOf(t, excerptData, "- urn: "+n+"au-2"))
	check(t, "reference controls", len(excerpt.ReferenceControls), 1)
	check(t, "reference control Category", excerpt.ReferenceControls[0].Category, "process")

	check(t, "mapping.Framework", mapping.Framework, (*library.Framework)(nil))
	if len(mapping.MappingSets) != 2 {
		t.Fatalf("len(MappingSets) = %d; want 2", len(mapping.MappingSets))
	}
	ms := mapping.MappingSets[0]
	check(t, "set URN", ms.URN, "urn:samdrift:risk:req_mapping_set:excerpt-test-to-basis-test")
	check(t, "set RefID", ms.RefID, "excerpt-test-to-basis-test")
	check(t, "set Name", ms.Name, "Excerpt test -> Basic security test")
	check(t, "set SourceFrameworkURN", ms.SourceFrameworkURN, "urn:samdrift:risk:framework:excerpt-test")
	check(t, "set TargetFrameworkURN", ms.TargetFrameworkURN, "urn:samdrift:risk:framework:basis-test")
	check(t, "set Line", ms.Line, lineOf(t, mappingData, "- urn: urn:samdrift:risk:req_mapping_set:excerpt-test-to-basis-test"))
	check(t, "set Mappings", ms.Mappings, []library.Mapping{
		{SourceURN: n + "ac-2(1)", TargetURN: "urn:samdrift:risk:req_node:basis-test:1.2", Relationship: "intersect",
			Rationale: "semantic", Line: lineOf(t, mappingData, "- source_requirement_urn: "+n+"ac-2(1)")},
		{SourceURN: n + "au-2", TargetURN: "urn:samdrift:risk:req_node:basis-test:2.1", Relationship: "subset",
			Strength: 4, Rationale: "functional", Annotation: "Logs are among the data backed up.",
			Line: lineOf(t, mappingData, "- source_requirement_urn: "+n+"au-2")},
		{SourceURN: n + "ac-2", TargetURN: "urn:samdrift:risk:req_node:basis-test:1.1", Relationship: "not_related",
			Line: lineOf(t, mappingData, "- source_requirement_urn: "+n+"AC-2")},
	})
	check(t, "reverse set relationships", []string{
		mapping.MappingSets[1].Mappings[0].Relationship,
		mapping.MappingSets[1].Mappings[1].Relationship,
		mapping.MappingSets[1].Mappings[2].Relationship,
	}, []string{"intersect", "superset", "equal"})

	libs := []*library.Library{basis, excerpt, mapping}
	if err := library.Validate(libs, nil); err != nil {
		t.Fatalf("Validate(basis, excerpt, mapping) = %v", err)
	}

	// The mapping library alone, with both frameworks installed.
	installed := map[string]bool{}
	for _, l := range []*library.Library{basis, excerpt} {
		installed[l.URN] = true
		installed[l.Framework.URN] = true
		for _, n := range l.Framework.Nodes {
			installed[n.URN] = true
		}
	}
	known := func(urn string) bool { return installed[urn] }
	if err := library.Validate([]*library.Library{mapping}, known); err != nil {
		t.Errorf("Validate(mapping, installed frameworks) = %v", err)
	}
	if err := library.Validate([]*library.Library{mapping}, nil); err == nil {
		t.Errorf("Validate(mapping alone, nothing installed) = nil; want an error")
	}

	// A mapped target requirement that exists nowhere.
	missing := "urn:samdrift:risk:req_node:basis-test:9.9"
	bad := bytes.Replace(mappingData, []byte("target_requirement_urn: urn:samdrift:risk:req_node:basis-test:2.1"), []byte("target_requirement_urn: "+missing), 1)
	badLib, err := library.Parse("mapping-excerpt-basis.yaml", bad)
	if err != nil {
		t.Fatalf("Parse(mapping with unknown target) = %v; want it to parse", err)
	}
	err = library.Validate([]*library.Library{basis, excerpt, badLib}, nil)
	line := lineOf(t, bad, "- source_requirement_urn: "+n+"au-2")
	wantMsg := fmt.Sprintf("mapping-excerpt-basis.yaml:%d: mapping: target_requirement_urn %q is in no library given and is not installed", line, missing)
	checkInvalid(t, "Validate(mapping with unknown target)", err, wantMsg)
}

func checkInvalid(t *testing.T, what string, err error, want string) {
	t.Helper()
	if err == nil {
		t.Errorf("%s = nil; want an error containing %q", what, want)
		return
	}
	if errs.CodeOf(err) != errs.Invalid {
		t.Errorf("%s = %v (code %s); want code %s", what, err, errs.CodeOf(err), errs.Invalid)
	}
	e := errs.As(err)
	if e == nil || !strings.Contains(e.Message, want) {
		t.Errorf("%s = %v;\nwant a message containing %q", what, err, want)
	}
}

func TestValidateProblems(t *testing.T) {
	basis := parseFixture(t, "basis.yaml")
	excerpt := parseFixture(t, "excerpt.yaml")
	mapping := parseFixture(t, "mapping-excerpt-basis.yaml")
	excerptData := readFixture(t, "excerpt.yaml")
	mappingData := readFixture(t, "mapping-excerpt-basis.yaml")

	t.Run("missing dependency", func(t *testing.T) {
		err := library.Validate([]*library.Library{excerpt}, nil)
		checkInvalid(t, "Validate(excerpt)", err, fmt.Sprintf(
			"excerpt.yaml:%d: dependency \"urn:samdrift:risk:library:basis-test\" is not among the libraries given and is not installed",
			lineOf(t, excerptData, "- urn:samdrift:risk:library:basis-test")))
		checkInvalid(t, "Validate(excerpt)", err, fmt.Sprintf(
			"excerpt.yaml:%d: requirement node names reference control \"urn:samdrift:risk:reference_control:basis-test:backup\", which no library given defines",
			lineOf(t, excerptData, "- urn:samdrift:risk:reference_control:basis-test:BACKUP")))
	})
	t.Run("requirement of the wrong framework", func(t *testing.T) {
		from := "target_requirement_urn: urn:samdrift:risk:req_node:basis-test:1.2"
		bad := bytes.Replace(mappingData, []byte(from), []byte("target_requirement_urn: urn:samdrift:risk:req_node:excerpt-test:au"), 1)
		lib, err := library.Parse("m.yaml", bad)
		if err != nil {
			t.Fatal(err)
		}
		err = library.Validate([]*library.Library{basis, excerpt, lib}, nil)
		checkInvalid(t, "Validate", err, fmt.Sprintf(
			"m.yaml:%d: mapping: target_requirement_urn \"urn:samdrift:risk:req_node:excerpt-test:au\" belongs to framework \"urn:samdrift:risk:framework:excerpt-test\", not to the mapping set's \"urn:samdrift:risk:framework:basis-test\"",
			lineOf(t, bad, "- source_requirement_urn: urn:samdrift:risk:req_node:excerpt-test:ac-2(1)")))
	})
	t.Run("missing framework", func(t *testing.T) {
		err := library.Validate([]*library.Library{excerpt, mapping}, func(urn string) bool {
			return urn == "urn:samdrift:risk:library:basis-test" || strings.Contains(urn, ":basis-test:")
		})
		checkInvalid(t, "Validate", err, fmt.Sprintf(
			"mapping-excerpt-basis.yaml:%d: mapping set: target_framework_urn \"urn:samdrift:risk:framework:basis-test\" is in no library given and is not installed",
			lineOf(t, mappingData, "target_framework_urn: urn:samdrift:risk:framework:basis-test")))
	})
	t.Run("object defined by two libraries", func(t *testing.T) {
		copyData := bytes.Replace(readFixture(t, "basis.yaml"), []byte("urn: urn:samdrift:risk:library:basis-test"), []byte("urn: urn:samdrift:risk:library:basis-copy"), 1)
		cp, err := library.Parse("copy.yaml", copyData)
		if err != nil {
			t.Fatal(err)
		}
		err = library.Validate([]*library.Library{basis, cp}, nil)
		checkInvalid(t, "Validate", err, fmt.Sprintf("copy.yaml:%d: framework \"urn:samdrift:risk:framework:basis-test\" is also defined in basis.yaml:%d",
			lineOf(t, copyData, "urn: urn:samdrift:risk:framework:basis-test"), lineOf(t, copyData, "urn: urn:samdrift:risk:framework:basis-test")))
	})
	t.Run("same library in two locales", func(t *testing.T) {
		da, err := library.Parse("basis-da.yaml", bytes.Replace(readFixture(t, "basis.yaml"), []byte("locale: en"), []byte("locale: da"), 1))
		if err != nil {
			t.Fatal(err)
		}
		if err := library.Validate([]*library.Library{basis, da}, nil); err != nil {
			t.Errorf("Validate(basis in en and da) = %v; want nil", err)
		}
		err = library.Validate([]*library.Library{basis, basis}, nil)
		checkInvalid(t, "Validate(basis twice)", err, "library \"urn:samdrift:risk:library:basis-test\" in locale \"en\" is given twice (also in basis.yaml)")
	})
}

// minimal is a valid library; bad cases change it. Marked lines (#<) are
// where a case expects its problem.
const minimal = `urn: urn:samdrift:risk:library:t
ref_id: T
name: Test
version: 1
objects:
  framework:
    urn: urn:samdrift:risk:framework:t
    ref_id: T
    name: Test
    requirement_nodes:
    - urn: urn:samdrift:risk:req_node:t:1
      assessable: false
      depth: 1
    - urn: urn:samdrift:risk:req_node:t:1.1
      assessable: true
      depth: 2
      parent_urn: urn:samdrift:risk:req_node:t:1
  requirement_mapping_set:
    urn: urn:samdrift:risk:req_mapping_set:t
    name: T to U
    source_framework_urn: urn:samdrift:risk:framework:t
    target_framework_urn: urn:samdrift:risk:framework:u
    requirement_mappings:
    - source_requirement_urn: urn:samdrift:risk:req_node:t:1.1
      target_requirement_urn: urn:samdrift:risk:req_node:u:1
      relationship: equal
      strength_of_relationship: 10
`

func TestParseMinimal(t *testing.T) {
	lib, err := library.Parse("min.yaml", []byte(minimal))
	if err != nil {
		t.Fatalf("Parse(minimal) = %v", err)
	}
	check(t, "Locale", lib.Locale, "en")
	check(t, "Strength", lib.MappingSets[0].Mappings[0].Strength, 10)
}

// edit returns minimal with old replaced by new (old must occur).
func edit(t *testing.T, pairs ...string) string {
	t.Helper()
	s := minimal
	for i := 0; i+1 < len(pairs); i += 2 {
		if !strings.Contains(s, pairs[i]) {
			t.Fatalf("minimal has no %q", pairs[i])
		}
		s = strings.Replace(s, pairs[i], pairs[i+1], 1)
	}
	return s
}

func TestParseBad(t *testing.T) {
	node := func(extra string) string { // a third node, marked
		return "    - urn: urn:samdrift:risk:req_node:t:2 #<\n      assessable: true\n" + extra
	}
	long := func(n int) string { return strings.Repeat("x", n) }
	var aliases strings.Builder
	aliases.WriteString("urn: &u urn:samdrift:risk:library:t\nref_id: T\nname: Test\nobjects: {threats: []}\ndependencies:\n")
	for range 100 {
		aliases.WriteString("- *u\n")
	}
	aliases.WriteString("- *u #<\n")

	cases := []struct {
		name string
		yaml string
		want string // the problem expected at the marked line (or line 1 when none is marked)
	}{
		{"not YAML", "urn: x\n  name: [y #<\n", "not YAML: "},
		{"invalid UTF-8", "urn: \xff\n", "not YAML: invalid leading UTF-8 octet"},
		{"empty", "", "the file is empty"},
		{"a list at the top", "- urn: x\n", "the file must be a YAML mapping (key: value) at the top, not a list"},
		{"text at the top", "hello\n", "the file must be a YAML mapping (key: value) at the top, not text"},
		{"no urn", edit(t, "urn: urn:samdrift:risk:library:t\n", "locale: da\n"), "library: urn is missing"},
		{"no ref_id", edit(t, "ref_id: T\nname", "name"), "library: ref_id is missing"},
		{"no name", edit(t, "name: Test\nversion", "version"), "library: name is missing"},
		{"empty name", edit(t, "name: Test\nversion", "name: ''\nversion"), "library: name is missing"},
		{"no objects", strings.SplitAfter(minimal, "version: 1\n")[0], "library: objects is missing"},
		{"objects not a mapping", edit(t, "objects:\n", "objects: [] #<\nx:\n"), "objects must be a mapping (key: value), not a list"},
		{"version 0", edit(t, "version: 1", "version: 0 #<"), "library: version is 0; it must be 1 or more"},
		{"version not a number", edit(t, "version: 1", "version: one #<"), "library: version must be a whole number, not \"one\""},
		{"version a fraction", edit(t, "version: 1", "version: 1.5 #<"), "library: version must be a whole number, not \"1.5\""},
		{"URN without urn:", edit(t, "urn: urn:samdrift:risk:library:t", "urn: isbn:samdrift:risk:library:t #<"), "library: urn \"isbn:samdrift:risk:library:t\" must start with \"urn:\""},
		{"URN of three parts", edit(t, "    urn: urn:samdrift:risk:framework:t", "    urn: urn:samdrift:risk #<"), "framework: urn \"urn:samdrift:risk\" must have at least four colon-separated parts"},
		{"URN with a space in its namespace", edit(t, "    urn: urn:samdrift:risk:framework:t", "    urn: urn:sam drift:risk:framework:t #<"), "framework: urn \"urn:sam drift:risk:framework:t\" must have namespace parts (urn:ORG:DOMAIN:TYPE:…) of only a–z, 0–9, '.', '_' and '-'"},
		{"URN with a space", edit(t, "- urn: urn:samdrift:risk:req_node:t:1\n", "- urn: 'urn:samdrift:risk:req_node:t:a b' #<\n"), "requirement node: urn \"urn:samdrift:risk:req_node:t:a b\" must not contain spaces, control or invisible characters"},
		{"URN with a tab", edit(t, "- urn: urn:samdrift:risk:req_node:t:1\n", "- urn: \"urn:samdrift:risk:req_node:t:a\\tb\" #<\n"), "requirement node: urn \"urn:samdrift:risk:req_node:t:a\\tb\" must not contain spaces, control or invisible characters"},
		{"dependency not a URN", edit(t, "version: 1\n", "version: 1\ndependencies:\n- iso27001 #<\n"), "library: dependency \"iso27001\" must start with \"urn:\""},
		{"duplicate URN (case differs)", edit(t, "  requirement_mapping_set:", node("")+"  requirement_mapping_set:", "t:2 #<", "T:1.1 #<"), "requirement node: URN \"urn:samdrift:risk:req_node:t:1.1\" is defined twice in the file (first at line 14)"},
		{"duplicate key", edit(t, "name: Test\nversion", "name: Test\nname: Again #<\nversion"), "library: key \"name\" repeats (first at line 3)"},
		{"unknown parent", edit(t, "  requirement_mapping_set:", node("      parent_urn: urn:samdrift:risk:req_node:t:9\n")+"  requirement_mapping_set:", "t:2 #<", "t:2", "t:9\n", "t:9 #<\n"), "requirement node: parent_urn \"urn:samdrift:risk:req_node:t:9\" names no requirement node of this framework"},
		{"parent comes later", edit(t, "      parent_urn: urn:samdrift:risk:req_node:t:1\n", "      parent_urn: urn:samdrift:risk:req_node:t:2 #<\n", "  requirement_mapping_set:", node("")+"  requirement_mapping_set:", "t:2 #<\n      assessable", "t:2\n      assessable"), "requirement node: parent_urn \"urn:samdrift:risk:req_node:t:2\" names a node that comes later (line 18); a parent must come before its children"},
		{"parent is itself", edit(t, "      parent_urn: urn:samdrift:risk:req_node:t:1\n", "      parent_urn: urn:samdrift:risk:req_node:t:1.1 #<\n"), "requirement node: parent_urn names the node itself"},
		{"depth skips a level", edit(t, "      depth: 2", "      depth: 3 #<"), "requirement node: depth is 3, but its parent (line 11) is at depth 1, so it must be 2"},
		{"top-level depth", edit(t, "      depth: 1", "      depth: 2 #<"), "requirement node: depth is 2, but a node without parent_urn is at depth 1"},
		{"depth not a number", edit(t, "      depth: 1", "      depth: first #<"), "requirement node: depth must be a whole number, not \"first\""},
		{"assessable not a bool", edit(t, "      assessable: true", "      assessable: yes #<"), "requirement node: assessable must be true or false, not \"yes\""},
		{"bad relationship", edit(t, "relationship: equal", "relationship: overlaps #<"), "mapping: relationship \"overlaps\" is not one of equal, subset, superset, intersect, not_related"},
		{"no relationship", edit(t, "      relationship: equal\n", "", "    - source_requirement_urn: urn:samdrift:risk:req_node:t:1.1", "    - source_requirement_urn: urn:samdrift:risk:req_node:t:1.1 #<"), "mapping: relationship is missing"},
		{"strength above 10", edit(t, "strength_of_relationship: 10", "strength_of_relationship: 11 #<"), "mapping: strength_of_relationship is 11; it must be from 0 to 10"},
		{"strength below 0", edit(t, "strength_of_relationship: 10", "strength_of_relationship: -1 #<"), "mapping: strength_of_relationship is -1; it must be from 0 to 10"},
		{"strength as text", edit(t, "strength_of_relationship: 10", "strength_of_relationship: strong #<"), "mapping: strength_of_relationship must be a whole number, not \"strong\""},
		{"mapping set without mappings", strings.SplitAfter(edit(t, "req_mapping_set:t\n", "req_mapping_set:t #<\n"), "target_framework_urn: urn:samdrift:risk:framework:u\n")[0] + "    requirement_mappings: []\n", "mapping set has no requirement mappings"},
		{"same source and target", edit(t, "framework:u\n", "framework:t #<\n"), "mapping set: source_framework_urn and target_framework_urn are the same framework"},
		{"framework without nodes", "urn: urn:a:b:library:t\nref_id: T\nname: T\nobjects:\n  framework:\n    urn: urn:a:b:framework:t #<\n    ref_id: T\n    name: T\n    requirement_nodes: []\n", "framework has no requirement nodes"},
		{"framework without requirement_nodes", "urn: urn:a:b:library:t\nref_id: T\nname: T\nobjects:\n  framework:\n    urn: urn:a:b:framework:t #<\n    ref_id: T\n    name: T\n", "framework has no requirement nodes"},
		{"framework and frameworks", edit(t, "  requirement_mapping_set:", "  frameworks: [] #<\n  requirement_mapping_set:"), "objects: a library cannot have both framework and frameworks"},
		{"name too long", edit(t, "name: Test\nversion", "name: "+long(501)+" #<\nversion"), "library: name has 501 characters; at most 500 are allowed"},
		{"description too long", edit(t, "    ref_id: T\n    name: Test\n", "    ref_id: T\n    name: Test\n    description: "+long(20001)+" #<\n"), "framework: description has 20001 characters; at most 20000 are allowed"},
		{"NUL in a text", edit(t, "name: Test\nversion", "name: \"Te\\0st\" #<\nversion"), "library: name is not valid text (invalid UTF-8 or a NUL character)"},
		{"bad language code", edit(t, "version: 1\n", "version: 1\ntranslations:\n  d: {name: X} #<\n"), "library: translations: \"d\" is not a language code"},
		{"language code with digits", edit(t, "version: 1\n", "version: 1\ntranslations:\n  '1234': {name: X} #<\n"), "library: translations: \"1234\" is not a language code"},
		{"bad locale", edit(t, "version: 1\n", "version: 1\nlocale: english_uk #<\n"), "library: locale \"english_uk\" is not a language code"},
		{"bad category", edit(t, "  requirement_mapping_set:", "  reference_controls:\n  - urn: urn:a:b:c:d\n    ref_id: R\n    category: paperwork #<\n  requirement_mapping_set:"), "reference control: category \"paperwork\" is not one of policy, process, technical, physical, procedure"},
		{"bad publication date", edit(t, "version: 1\n", "version: 1\npublication_date: last year #<\n"), "library: publication_date \"last year\" must be a date (YYYY-MM-DD)"},
		{"merge key", edit(t, "version: 1\n", "version: 1\n<<: {provider: x} #<\n"), "library: YAML merge keys (<<) are not supported"},
		{"alias bomb", aliases.String(), "more than 100 YAML aliases (*name); refused as a possible alias bomb"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			line := 1
			for i, l := range strings.Split(c.yaml, "\n") {
				if strings.HasSuffix(l, "#<") {
					line = i + 1
					break
				}
			}
			lib, err := library.Parse("bad.yaml", []byte(c.yaml))
			if lib != nil {
				t.Errorf("Parse returned a library along with %v", err)
			}
			checkInvalid(t, "Parse", err, fmt.Sprintf("bad.yaml:%d: %s", line, c.want))
		})
	}
}

func TestParseTooLarge(t *testing.T) {
	data := make([]byte, 16<<20+1)
	_, err := library.Parse("big.yaml", data)
	checkInvalid(t, "Parse(16 MiB + 1)", err, "big.yaml:1: the file has 16777217 bytes; at most 16777216 (16 MiB) are allowed")
}

func TestParseListsAtMost50(t *testing.T) {
	var b strings.Builder
	b.WriteString(minimal)
	b.WriteString("  reference_controls:\n")
	for i := range 60 {
		fmt.Fprintf(&b, "  - urn: urn:a:b:c:%d\n    ref_id: R%d\n    category: wrong\n", i, i)
	}
	_, err := library.Parse("many.yaml", []byte(b.String()))
	e := errs.As(err)
	if e == nil {
		t.Fatalf("Parse = %v; want an *errs.Error", err)
	}
	lines := strings.Split(e.Message, "\n")
	if len(lines) != 51 || lines[50] != "… and 10 more" {
		t.Errorf("message has %d lines ending %q; want 50 problems then \"… and 10 more\"", len(lines), lines[len(lines)-1])
	}
	// Problems come in line order.
	if !strings.HasPrefix(lines[0], "many.yaml:31: ") || !strings.HasPrefix(lines[1], "many.yaml:34: ") {
		t.Errorf("first problems = %q, %q; want lines 31 and 34", lines[0], lines[1])
	}
}

func TestParseToleratesUnknownKeys(t *testing.T) {
	s := edit(t,
		"version: 1\n", "version: 1\nconvert_library_version: v2\nlabels: [A]\nsomething_new: {deep: [1, 2]}\n",
		"      depth: 1\n", "      depth: 1\n      questions: {q: {type: text}}\n      weight: 3\n      display_mode: hidden\n",
		"  requirement_mapping_set:", "  risk_matrix: {urn: urn:a:b:c:d, json_definition: {}}\n  preset: {journey: {}}\n  requirement_mapping_set:",
	)
	if _, err := library.Parse("new.yaml", []byte(s)); err != nil {
		t.Errorf("Parse(unknown keys) = %v; want nil", err)
	}
}

func FuzzParse(f *testing.F) {
	for _, name := range []string{"basis.yaml", "excerpt.yaml", "mapping-excerpt-basis.yaml"} {
		data, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Add([]byte(minimal))
	f.Add([]byte("a: &a [*a, *a]\nurn: *a\n"))
	f.Add([]byte("urn: urn:a:b:c:d\nref_id: x\nname: y\nobjects: {frameworks: [{urn: 'urn:a:b:c:e', ref_id: r, name: n, requirement_nodes: [{urn: 'urn:a:b:c:f', depth: 9, parent_urn: 'urn:a:b:c:f'}]}]}\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		lib, err := library.Parse("fuzz.yaml", data)
		if err != nil {
			if errs.CodeOf(err) != errs.Invalid {
				t.Fatalf("Parse error %v has code %s; want %s", err, errs.CodeOf(err), errs.Invalid)
			}
			if lib != nil {
				t.Fatal("Parse returned a library with an error")
			}
			return
		}
		if lib == nil {
			t.Fatal("Parse returned neither a library nor an error")
		}
		if err := library.Validate([]*library.Library{lib}, nil); err != nil && errs.CodeOf(err) != errs.Invalid {
			t.Fatalf("Validate error %v has code %s", err, errs.CodeOf(err))
		}
		if err := library.Validate([]*library.Library{lib, lib}, func(string) bool { return true }); err != nil && errs.CodeOf(err) != errs.Invalid {
			t.Fatalf("Validate error %v has code %s", err, errs.CodeOf(err))
		}
		if fw := lib.Framework; fw != nil {
			for _, n := range fw.Nodes {
				if n.Depth < 1 {
					t.Fatalf("node %q has depth %d", n.URN, n.Depth)
				}
				_ = n.Text("da", lib.Locale)
			}
		}
	})
}

func TestValidateHandMade(t *testing.T) {
	lib := &library.Library{
		File: "hand.yaml", URN: "urn:a:b:library:x", Locale: "en",
		Framework: &library.Framework{URN: "urn:a:b:framework:x", Nodes: []library.Node{
			{URN: "urn:a:b:req_node:x:1", Depth: 1, ReferenceControls: []string{"urn:a:b:reference_control:y"}, Line: 7},
		}},
	}
	err := library.Validate([]*library.Library{lib, nil}, nil)
	checkInvalid(t, "Validate(hand-made)", err, "hand.yaml:7: requirement node names reference control \"urn:a:b:reference_control:y\"")
	if err := library.Validate([]*library.Library{lib}, func(string) bool { return true }); err != nil {
		t.Errorf("Validate(hand-made, all installed) = %v", err)
	}
}
