package library

import (
	"sort"
	"strings"
)

// Text is a name and description in one language.
type Text struct{ Name, Description string }

// Library is one parsed library file. Text fields are trimmed; absent ones
// are empty. URN fields are lower-cased.
type Library struct {
	File            string // the name it was parsed under (for messages)
	URN, RefID      string
	Locale          string // language of the untranslated texts; "en" when absent
	Name            string
	Description     string
	Copyright       string
	Provider        string
	Packager        string
	Version         int             // 0 when absent
	PublicationDate string          // YYYY-MM-DD, or empty when absent
	Translations    map[string]Text // by lower-cased language code ("da", "en", ...); nil when none
	Dependencies    []string        // URNs of libraries it needs
	Framework       *Framework      // nil when the library has none (e.g. a mapping library)

	ReferenceControls []ReferenceControl
	MappingSets       []MappingSet

	// What Validate needs beyond the exported fields.
	line    int         // line of the library's urn
	fwLine  int         // line of the framework
	depLine []int       // line of each dependency
	threats []defined   // threats the library defines
	refs    []reference // controls and threats named by requirement nodes
	setLine []setLines  // per mapping set
}

// Framework is a library's framework: its requirement nodes form a tree.
type Framework struct {
	URN, RefID, Name, Description string
	Translations                  map[string]Text
	ImplementationGroups          []ImplementationGroup
	Nodes                         []Node // in file order (a depth-first tree order)
}

// ImplementationGroup is one of a framework's implementation groups (e.g.
// "IG1" or "SoA"); nodes name the groups they belong to by RefID.
type ImplementationGroup struct {
	RefID, Name, Description string
	Translations             map[string]Text
}

// Node is a requirement node. Nodes that are not Assessable are headings
// that group their children.
type Node struct {
	URN, RefID, Name, Description, Annotation string
	ParentURN                                 string // empty for top-level nodes
	Depth                                     int    // 1 for top-level nodes; computed from parents when absent
	Assessable                                bool
	ImplementationGroups                      []string // ref_ids
	ReferenceControls                         []string // URNs
	TypicalEvidence                           string
	Translations                              map[string]Text
	Line                                      int // line of the node in the file
}

// ReferenceControl is a reusable control that requirement nodes point to.
// Category is one of policy, process, technical, physical, procedure or
// empty; CSFFunction one of govern, identify, protect, detect, respond,
// recover or empty.
type ReferenceControl struct {
	URN, RefID, Name, Description, Category, CSFFunction string
	Translations                                         map[string]Text
	Line                                                 int
}

// MappingSet relates the requirements of a source framework to those of a
// target framework.
type MappingSet struct {
	URN, RefID, Name, Description          string
	SourceFrameworkURN, TargetFrameworkURN string
	Mappings                               []Mapping
	Line                                   int
}

// Mapping says how one source requirement relates to one target requirement.
type Mapping struct {
	SourceURN, TargetURN string
	Relationship         string // equal, subset, superset, intersect, not_related
	Strength             int    // 0–10; 0 when absent
	Rationale            string // free text; usually syntactic, semantic or functional
	Annotation           string
	Line                 int
}

// relationships are the values a Mapping's Relationship may take.
var relationships = []string{"equal", "subset", "superset", "intersect", "not_related"}

// defined is an object a library defines, for cross-file checks.
type defined struct {
	urn  string
	line int
}

// reference is a URN a requirement node names.
type reference struct {
	urn  string
	kind string // "reference control" or "threat"
	line int
}

type setLines struct{ source, target int }

// Text returns the node's name and description in lang. The node's own texts
// are in locale (its library's Locale); each of name and description falls
// back, when the translation into lang lacks it, to the node's own text and
// then to any translation (in language-code order), so a heading is never
// shown nameless. A lang like "da-DK" also finds a "da" translation.
func (n Node) Text(lang, locale string) Text {
	return pick(Text{n.Name, n.Description}, n.Translations, lang, locale)
}

func pick(own Text, tr map[string]Text, lang, locale string) Text {
	lang, locale = strings.ToLower(lang), strings.ToLower(locale)
	cands := make([]Text, 0, 2+len(tr))
	if lang != locale {
		if t, ok := tr[lang]; ok {
			cands = append(cands, t)
		} else if base, _, cut := strings.Cut(lang, "-"); cut && base != locale {
			if t, ok := tr[base]; ok {
				cands = append(cands, t)
			}
		}
	}
	cands = append(cands, own)
	if len(tr) > 0 {
		keys := make([]string, 0, len(tr))
		for k := range tr {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			cands = append(cands, tr[k])
		}
	}
	var out Text
	for _, c := range cands {
		if out.Name == "" {
			out.Name = c.Name
		}
		if out.Description == "" {
			out.Description = c.Description
		}
	}
	return out
}
