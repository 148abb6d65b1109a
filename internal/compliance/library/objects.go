package library

import (
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"
)

// The values CISO Assistant allows for a reference control's category and
// csf_function.
var (
	categories   = []string{"policy", "process", "technical", "physical", "procedure"}
	csfFunctions = []string{"govern", "identify", "protect", "detect", "respond", "recover"}
)

// objects reads the objects mapping. Object kinds the package does not use
// (risk matrices, presets, metric definitions, TTP catalogs, …) are ignored.
func (p *parser) objects(lib *Library, v *yaml.Node) {
	f, ok := p.fields(v, "objects")
	if !ok {
		return
	}
	if len(f.keys) == 0 {
		p.errorf(f.node, "objects is empty")
		return
	}

	// The format allows "framework" (one) or "frameworks" (a list); a
	// library holds at most one framework in practice, and here.
	fw := p.val(f, "framework")
	if fws := p.val(f, "frameworks"); fws != nil {
		switch {
		case fw != nil:
			p.errorf(fws, "objects: a library cannot have both framework and frameworks")
		case fws.Kind != yaml.SequenceNode:
			fw = fws
		case len(fws.Content) == 0:
			p.errorf(fws, "objects: frameworks is empty")
		default:
			if len(fws.Content) > 1 {
				p.errorf(fws.Content[1], "objects: frameworks has %d frameworks; only one per library is supported", len(fws.Content))
			}
			fw = fws.Content[0]
		}
	}
	if fw != nil {
		lib.Framework = p.framework(lib, fw)
	}

	for _, it := range p.list(f, "reference_controls", "objects") {
		if rc, ok := p.referenceControl(it); ok {
			lib.ReferenceControls = append(lib.ReferenceControls, rc)
		}
	}
	for _, it := range p.list(f, "threats", "objects") {
		p.threat(lib, it)
	}

	// Likewise "requirement_mapping_set" (one, the older spelling) or
	// "requirement_mapping_sets" (a list).
	var sets []*yaml.Node
	one, many := p.val(f, "requirement_mapping_set"), p.val(f, "requirement_mapping_sets")
	switch {
	case one != nil && many != nil:
		p.errorf(many, "objects: a library cannot have both requirement_mapping_set and requirement_mapping_sets")
	case one != nil:
		sets = []*yaml.Node{one}
	case many != nil && many.Kind == yaml.MappingNode:
		sets = []*yaml.Node{many}
	case many != nil:
		sets = p.list(f, "requirement_mapping_sets", "objects")
	}
	for _, it := range sets {
		p.mappingSet(lib, it)
	}
}

func (p *parser) framework(lib *Library, n *yaml.Node) *Framework {
	const what = "framework"
	f, ok := p.fields(n, what)
	if !ok {
		return nil
	}
	fw := &Framework{}
	lib.fwLine = f.node.Line
	var line int
	fw.URN, line = p.urn(f, "urn", what, true)
	p.define(fw.URN, line, what)
	fw.RefID = p.required(f, "ref_id", what, maxName)
	fw.Name = p.required(f, "name", what, maxName)
	fw.Description = p.text(f, "description", what, maxLongText)
	fw.Translations = p.translations(f, what)
	p.scores(f)

	igLine := map[string]int{}
	for _, it := range p.list(f, "implementation_groups_definition", what) {
		ig, line, ok := p.implementationGroup(it)
		if !ok {
			continue
		}
		if first, dup := igLine[ig.RefID]; dup {
			p.errorAt(line, "implementation group: ref_id %q is defined twice (first at line %d)", short(ig.RefID), first)
			continue
		}
		igLine[ig.RefID] = line
		fw.ImplementationGroups = append(fw.ImplementationGroups, ig)
	}

	v := p.val(f, "requirement_nodes")
	if v == nil || v.Kind == yaml.SequenceNode && len(v.Content) == 0 {
		p.errorf(f.node, "framework has no requirement nodes")
		return fw
	}
	items := p.list(f, "requirement_nodes", what)
	fw.Nodes = make([]Node, 0, len(items))
	aux := make([]nodeAux, 0, len(items))
	for _, it := range items {
		nd, a, ok := p.node(lib, it)
		if ok {
			fw.Nodes = append(fw.Nodes, nd)
			aux = append(aux, a)
		}
	}
	p.tree(fw, aux)
	return fw
}

// scores checks min_score and max_score as CISO Assistant does: whole
// numbers, 0 ≤ min < max, defaulting to 0 and 100. The scores themselves
// are not used here.
func (p *parser) scores(f fields) {
	lo, hi := 0, 100
	var at *yaml.Node
	if v := p.val(f, "min_score"); v != nil {
		at = v
		if n, ok := p.integer(v, "framework: min_score"); ok {
			lo = n
		} else {
			return
		}
	}
	if v := p.val(f, "max_score"); v != nil {
		at = v
		if n, ok := p.integer(v, "framework: max_score"); ok {
			hi = n
		} else {
			return
		}
	}
	if at != nil && (lo < 0 || hi <= lo) {
		p.errorf(at, "framework: min_score (%d) must be 0 or more and less than max_score (%d)", lo, hi)
	}
}

func (p *parser) implementationGroup(n *yaml.Node) (ImplementationGroup, int, bool) {
	const what = "implementation group"
	f, ok := p.fields(n, what)
	if !ok {
		return ImplementationGroup{}, 0, false
	}
	ig := ImplementationGroup{
		RefID:       p.required(f, "ref_id", what, maxName),
		Name:        p.text(f, "name", what, maxName),
		Description: p.text(f, "description", what, maxLongText),
	}
	ig.Translations = p.translations(f, what)
	return ig, f.node.Line, ig.RefID != ""
}

// nodeAux is what the tree check needs about a node beyond Node.
type nodeAux struct {
	depth      int // as given; 0 when absent
	depthLine  int
	parentLine int
}

func (p *parser) node(lib *Library, n *yaml.Node) (Node, nodeAux, bool) {
	const what = "requirement node"
	var a nodeAux
	f, ok := p.fields(n, what)
	if !ok {
		return Node{}, a, false
	}
	nd := Node{Line: f.node.Line}
	var line int
	nd.URN, line = p.urn(f, "urn", what, true)
	p.define(nd.URN, line, what)
	nd.ParentURN, a.parentLine = p.urn(f, "parent_urn", what, false)
	nd.RefID = p.text(f, "ref_id", what, maxName)
	nd.Name = p.text(f, "name", what, maxName)
	nd.Description = p.text(f, "description", what, maxLongText)
	nd.Annotation = p.text(f, "annotation", what, maxLongText)
	nd.TypicalEvidence = p.evidence(f, what)
	if v := p.val(f, "assessable"); v != nil {
		nd.Assessable = p.boolean(v, what+": assessable")
	}
	if v := p.val(f, "depth"); v != nil {
		if d, ok := p.integer(v, what+": depth"); ok {
			a.depth, a.depthLine = d, v.Line
		}
	}
	for _, it := range p.list(f, "implementation_groups", what) {
		if s := p.textValue(it, what+": implementation group", maxName); s != "" {
			nd.ImplementationGroups = append(nd.ImplementationGroups, s)
		}
	}
	for _, it := range p.list(f, "reference_controls", what) {
		if u := p.urnValue(it, what+": reference control"); u != "" {
			nd.ReferenceControls = append(nd.ReferenceControls, u)
			lib.refs = append(lib.refs, reference{urn: u, kind: "reference control", line: it.Line})
		}
	}
	for _, it := range p.list(f, "threats", what) {
		if u := p.urnValue(it, what+": threat"); u != "" {
			lib.refs = append(lib.refs, reference{urn: u, kind: "threat", line: it.Line})
		}
	}
	nd.Translations = p.translations(f, what)
	return nd, a, true
}

// tree checks that every parent_urn names an earlier node of the framework
// and that a given depth is its parent's plus one (1 at the top), and sets
// Depth from the parents. A node whose parent is wrong keeps the depth it
// gives, so that one mistake is reported once, not for every descendant.
func (p *parser) tree(fw *Framework, aux []nodeAux) {
	index := make(map[string]int, len(fw.Nodes))
	for i, n := range fw.Nodes {
		if _, dup := index[n.URN]; !dup && n.URN != "" {
			index[n.URN] = i
		}
	}
	for i := range fw.Nodes {
		n, a := &fw.Nodes[i], aux[i]
		want := 1
		if n.ParentURN != "" {
			j, ok := index[n.ParentURN]
			switch {
			case !ok:
				p.errorAt(a.parentLine, "requirement node: parent_urn %q names no requirement node of this framework", short(n.ParentURN))
				want = 0
			case j == i:
				p.errorAt(a.parentLine, "requirement node: parent_urn names the node itself")
				want = 0
			case j > i:
				p.errorAt(a.parentLine, "requirement node: parent_urn %q names a node that comes later (line %d); a parent must come before its children", short(n.ParentURN), fw.Nodes[j].Line)
				want = 0
			default:
				want = fw.Nodes[j].Depth + 1
			}
		}
		switch {
		case want == 0:
			n.Depth = max(a.depth, 1)
		case a.depthLine != 0 && a.depth != want && n.ParentURN == "":
			p.errorAt(a.depthLine, "requirement node: depth is %d, but a node without parent_urn is at depth 1", a.depth)
			n.Depth = want
		case a.depthLine != 0 && a.depth != want:
			j := index[n.ParentURN]
			p.errorAt(a.depthLine, "requirement node: depth is %d, but its parent (line %d) is at depth %d, so it must be %d", a.depth, fw.Nodes[j].Line, fw.Nodes[j].Depth, want)
			n.Depth = want
		default:
			n.Depth = want
		}
	}
}

func (p *parser) referenceControl(n *yaml.Node) (ReferenceControl, bool) {
	const what = "reference control"
	f, ok := p.fields(n, what)
	if !ok {
		return ReferenceControl{}, false
	}
	rc := ReferenceControl{Line: f.node.Line}
	var line int
	rc.URN, line = p.urn(f, "urn", what, true)
	p.define(rc.URN, line, what)
	rc.RefID = p.required(f, "ref_id", what, maxName)
	rc.Name = p.text(f, "name", what, maxName)
	rc.Description = p.text(f, "description", what, maxLongText)
	p.text(f, "annotation", what, maxLongText)
	p.evidence(f, what)
	rc.Category = p.oneOf(f, "category", what, categories)
	rc.CSFFunction = p.oneOf(f, "csf_function", what, csfFunctions)
	rc.Translations = p.translations(f, what)
	return rc, true
}

func (p *parser) oneOf(f fields, key, what string, set []string) string {
	s := p.text(f, key, what, maxName)
	if s != "" && !slices.Contains(set, s) {
		p.errorf(f.vals[key], "%s: %s %q is not one of %s", what, key, short(s), strings.Join(set, ", "))
		return ""
	}
	return s
}

// threat checks a threat and records its URN for Validate; the package has
// no other use for threats.
func (p *parser) threat(lib *Library, n *yaml.Node) {
	const what = "threat"
	f, ok := p.fields(n, what)
	if !ok {
		return
	}
	u, line := p.urn(f, "urn", what, true)
	p.define(u, line, what)
	p.required(f, "ref_id", what, maxName)
	p.text(f, "name", what, maxName)
	p.text(f, "description", what, maxLongText)
	p.text(f, "annotation", what, maxLongText)
	p.translations(f, what)
	if u != "" {
		lib.threats = append(lib.threats, defined{urn: u, line: f.node.Line})
	}
}

func (p *parser) mappingSet(lib *Library, n *yaml.Node) {
	const what = "mapping set"
	f, ok := p.fields(n, what)
	if !ok {
		return
	}
	ms := MappingSet{Line: f.node.Line}
	var line int
	ms.URN, line = p.urn(f, "urn", what, true)
	p.define(ms.URN, line, what)
	ms.RefID = p.text(f, "ref_id", what, maxName)
	ms.Name = p.required(f, "name", what, maxName)
	ms.Description = p.text(f, "description", what, maxLongText)
	var lines setLines
	ms.SourceFrameworkURN, lines.source = p.urn(f, "source_framework_urn", what, true)
	ms.TargetFrameworkURN, lines.target = p.urn(f, "target_framework_urn", what, true)
	if ms.SourceFrameworkURN != "" && ms.SourceFrameworkURN == ms.TargetFrameworkURN {
		p.errorAt(lines.target, "mapping set: source_framework_urn and target_framework_urn are the same framework")
	}
	if v := p.val(f, "requirement_mappings"); v == nil || v.Kind == yaml.SequenceNode && len(v.Content) == 0 {
		p.errorf(f.node, "mapping set has no requirement mappings")
	}
	items := p.list(f, "requirement_mappings", what)
	ms.Mappings = make([]Mapping, 0, len(items))
	for _, it := range items {
		if m, ok := p.mapping(it); ok {
			ms.Mappings = append(ms.Mappings, m)
		}
	}
	lib.MappingSets = append(lib.MappingSets, ms)
	lib.setLine = append(lib.setLine, lines)
}

func (p *parser) mapping(n *yaml.Node) (Mapping, bool) {
	const what = "mapping"
	f, ok := p.fields(n, what)
	if !ok {
		return Mapping{}, false
	}
	m := Mapping{Line: f.node.Line}
	m.SourceURN, _ = p.urn(f, "source_requirement_urn", what, true)
	m.TargetURN, _ = p.urn(f, "target_requirement_urn", what, true)
	m.Relationship = p.required(f, "relationship", what, maxName)
	if m.Relationship != "" && !slices.Contains(relationships, m.Relationship) {
		p.errorf(f.vals["relationship"], "mapping: relationship %q is not one of %s", short(m.Relationship), strings.Join(relationships, ", "))
	}
	if v := p.val(f, "strength_of_relationship"); v != nil {
		if s, ok := p.integer(v, "mapping: strength_of_relationship"); ok {
			if s < 0 || s > 10 {
				p.errorf(v, "mapping: strength_of_relationship is %d; it must be from 0 to 10", s)
			} else {
				m.Strength = s
			}
		}
	}
	m.Rationale = p.text(f, "rationale", what, maxLongText)
	m.Annotation = p.text(f, "annotation", what, maxLongText)
	return m, true
}
