package library

// Validate checks libs together, as they would be installed together. It
// returns nil, or an *errs.Error with code errs.Invalid listing every
// problem as "FILE:LINE: what is wrong" (at most 50, then "… and N more"),
// in the order of libs and by line within each.
//
// Every dependency must be one of libs or installed; every mapping set's
// source and target framework, every mapped requirement, and every
// reference control and threat a requirement node names must be defined in
// one of libs or be installed; a mapped requirement defined in libs must
// belong to its set's framework; and no object may be defined by two
// different libraries (one library given in two locales is fine, but not
// twice in the same locale).
//
// known reports whether a URN (lower-cased; of a library, framework,
// requirement node, reference control or threat) is already installed. It
// may be nil when nothing is installed. Libraries not made by Parse are
// checked too, with line 1 where a line is unknown.
func Validate(libs []*Library, known func(urn string) bool) error {
	v := validator{known: known, defs: map[string]def{}, libs: map[string][]*Library{}}
	for _, lib := range libs {
		if lib != nil {
			v.index(lib)
		}
	}
	for i, lib := range libs {
		if lib != nil {
			start := len(v.probs.list)
			v.check(lib, libs[:i])
			v.probs.sortFrom(start)
		}
	}
	return v.probs.err()
}

// def is where an object is defined.
type def struct {
	lib       *Library
	kind      string
	line      int
	framework string // for requirement nodes: their framework's URN
}

type validator struct {
	known func(string) bool
	defs  map[string]def        // first definition of each object URN
	libs  map[string][]*Library // libraries by URN, in order
	probs problems
}

func (v *validator) installed(urn string) bool {
	return v.known != nil && urn != "" && v.known(urn)
}

// objectsOf calls f for every object lib defines.
func objectsOf(lib *Library, f func(urn, kind string, line int, framework string)) {
	if fw := lib.Framework; fw != nil {
		f(fw.URN, "framework", lib.fwLine, "")
		for _, n := range fw.Nodes {
			f(n.URN, "requirement node", n.Line, fw.URN)
		}
	}
	for _, rc := range lib.ReferenceControls {
		f(rc.URN, "reference control", rc.Line, "")
	}
	for _, t := range lib.threats {
		f(t.urn, "threat", t.line, "")
	}
	for _, ms := range lib.MappingSets {
		f(ms.URN, "mapping set", ms.Line, "")
	}
}

func (v *validator) index(lib *Library) {
	v.libs[lib.URN] = append(v.libs[lib.URN], lib)
	objectsOf(lib, func(urn, kind string, line int, framework string) {
		if _, seen := v.defs[urn]; !seen && urn != "" {
			v.defs[urn] = def{lib: lib, kind: kind, line: line, framework: framework}
		}
	})
}

func (v *validator) add(lib *Library, line int, format string, args ...any) {
	v.probs.add(lib.File, line, format, args...)
}

// check reports lib's problems; before are the libraries given before it.
func (v *validator) check(lib *Library, before []*Library) {
	for _, other := range before {
		if other != nil && other.URN == lib.URN && other.Locale == lib.Locale {
			v.add(lib, lib.line, "library %q in locale %q is given twice (also in %s)", short(lib.URN), lib.Locale, other.File)
			break
		}
	}
	objectsOf(lib, func(urn, kind string, line int, _ string) {
		// A library in another locale defines the same objects: that
		// is a translation, not a clash.
		if d, ok := v.defs[urn]; ok && d.lib != lib && d.lib.URN != lib.URN {
			v.add(lib, line, "%s %q is also defined in %s:%d", kind, short(urn), d.lib.File, d.line)
		}
	})

	for i, dep := range lib.Dependencies {
		if len(v.libs[dep]) == 0 && !v.installed(dep) {
			v.add(lib, lineAt(lib.depLine, i), "dependency %q is not among the libraries given and is not installed", short(dep))
		}
	}

	refs := lib.refs
	if refs == nil && lib.Framework != nil { // not made by Parse: the exported fields are all there is
		for _, n := range lib.Framework.Nodes {
			for _, rc := range n.ReferenceControls {
				refs = append(refs, reference{urn: rc, kind: "reference control", line: n.Line})
			}
		}
	}
	for _, r := range refs {
		d, ok := v.defs[r.urn]
		switch {
		case ok && d.kind != r.kind:
			v.add(lib, r.line, "requirement node names %s %q, but that URN is a %s (%s:%d)", r.kind, short(r.urn), d.kind, d.lib.File, d.line)
		case !ok && !v.installed(r.urn):
			v.add(lib, r.line, "requirement node names %s %q, which no library given defines and which is not installed", r.kind, short(r.urn))
		}
	}

	for i, ms := range lib.MappingSets {
		var lines setLines
		if i < len(lib.setLine) {
			lines = lib.setLine[i]
		}
		if lines.source == 0 {
			lines = setLines{ms.Line, ms.Line}
		}
		srcOK := v.framework(lib, ms.SourceFrameworkURN, "source_framework_urn", lines.source)
		tgtOK := v.framework(lib, ms.TargetFrameworkURN, "target_framework_urn", lines.target)
		for _, m := range ms.Mappings {
			// When a framework is missing, its one problem says it all.
			if srcOK {
				v.requirement(lib, m.SourceURN, "source_requirement_urn", ms.SourceFrameworkURN, m.Line)
			}
			if tgtOK {
				v.requirement(lib, m.TargetURN, "target_requirement_urn", ms.TargetFrameworkURN, m.Line)
			}
		}
	}
}

// framework reports whether the framework urn is given or installed, and a
// problem when it is not.
func (v *validator) framework(lib *Library, urn, key string, line int) bool {
	if urn == "" {
		return false
	}
	d, ok := v.defs[urn]
	switch {
	case ok && d.kind != "framework":
		v.add(lib, line, "mapping set: %s %q is a %s (%s:%d), not a framework", key, short(urn), d.kind, d.lib.File, d.line)
		return false
	case !ok && !v.installed(urn):
		v.add(lib, line, "mapping set: %s %q is in no library given and is not installed", key, short(urn))
		return false
	}
	return true
}

func (v *validator) requirement(lib *Library, urn, key, framework string, line int) {
	if urn == "" {
		return
	}
	d, ok := v.defs[urn]
	switch {
	case ok && d.kind != "requirement node":
		v.add(lib, line, "mapping: %s %q is a %s (%s:%d), not a requirement node", key, short(urn), d.kind, d.lib.File, d.line)
	case ok && d.framework != framework:
		v.add(lib, line, "mapping: %s %q belongs to framework %q, not to the mapping set's %q", key, short(urn), short(d.framework), short(framework))
	case !ok && !v.installed(urn):
		v.add(lib, line, "mapping: %s %q is in no library given and is not installed", key, short(urn))
	}
}

func lineAt(lines []int, i int) int {
	if i < len(lines) {
		return lines[i]
	}
	return 1
}
