package library

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"go.yaml.in/yaml/v3"
)

// Parse parses one library file; file names it in messages. It returns an
// *errs.Error with code errs.Invalid when anything is wrong, and then no
// library: the message lists every problem found, each as
// "FILE:LINE: what is wrong", one a line, at most 50, then "… and N more".
// Keys it does not know are ignored.
func Parse(file string, data []byte) (*Library, error) {
	p := &parser{file: file, urns: map[string]int{}}
	if len(data) > maxFileBytes {
		p.probs.add(file, 1, "the file has %d bytes; at most %d (16 MiB) are allowed", len(data), maxFileBytes)
		return nil, p.probs.err()
	}
	root := p.document(data)
	if root == nil {
		return nil, p.probs.err()
	}
	lib := p.library(root)
	p.probs.sortFrom(0)
	if err := p.probs.err(); err != nil {
		return nil, err
	}
	return lib, nil
}

// parser walks the YAML node tree of one file, building the library and
// collecting every problem with its line.
type parser struct {
	file    string
	probs   problems
	aliases int            // alias uses so far
	urns    map[string]int // URNs defined in the file, by line
}

func (p *parser) errorf(n *yaml.Node, format string, args ...any) {
	line := 1
	if n != nil {
		line = n.Line
	}
	p.probs.add(p.file, line, format, args...)
}

func (p *parser) errorAt(line int, format string, args ...any) {
	p.probs.add(p.file, line, format, args...)
}

// document parses data as YAML and returns its top mapping, or nil after
// reporting why there is none.
func (p *parser) document(data []byte) *yaml.Node {
	var doc yaml.Node
	if err := unmarshal(data, &doc); err != nil {
		line, msg := yamlError(err)
		p.errorAt(line, "not YAML: %s", msg)
		return nil
	}
	if doc.Kind != yaml.DocumentNode || len(doc.Content) == 0 {
		p.errorAt(1, "the file is empty")
		return nil
	}
	root := doc.Content[0]
	if root.Kind != yaml.MappingNode {
		p.errorf(root, "the file must be a YAML mapping (key: value) at the top, not %s", kindName(root))
		return nil
	}
	return root
}

// unmarshal is yaml.Unmarshal that turns a panic in the YAML parser into an
// error: files come from users, and a parser bug must refuse one file, not
// take the process down.
func unmarshal(data []byte, doc *yaml.Node) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("the YAML parser failed: %v", r)
		}
	}()
	return yaml.Unmarshal(data, doc)
}

var yamlLineRE = regexp.MustCompile(`line (\d+): `)

// yamlError splits a YAML error into its line (1 when it names none) and
// the rest of its message.
func yamlError(err error) (int, string) {
	msg := strings.TrimPrefix(err.Error(), "yaml: ")
	line := 1
	if m := yamlLineRE.FindStringSubmatch(msg); m != nil {
		if n, err := strconv.Atoi(m[1]); err == nil && n > 0 {
			line = n
		}
		msg = strings.Replace(msg, m[0], "", 1)
	}
	return line, msg
}

// deref resolves YAML aliases, counting each use: past maxAliases it
// reports the file once and yields a null, so that an alias bomb costs no
// more than reading the file a bounded number of times.
func (p *parser) deref(n *yaml.Node) *yaml.Node {
	for n != nil && n.Kind == yaml.AliasNode {
		p.aliases++
		if p.aliases > maxAliases {
			if p.aliases == maxAliases+1 {
				p.errorf(n, "more than %d YAML aliases (*name); refused as a possible alias bomb", maxAliases)
			}
			return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!null", Line: n.Line}
		}
		n = n.Alias
	}
	return n
}

// fields is a YAML mapping's entries by key. Values are not yet
// dereferenced, so aliases under keys nobody reads cost nothing.
type fields struct {
	node *yaml.Node
	keys []*yaml.Node // in file order
	vals map[string]*yaml.Node
}

// fields reads the mapping n, reporting a non-mapping, repeated keys and
// merge keys. Unknown keys are kept for the caller to ignore.
func (p *parser) fields(n *yaml.Node, what string) (fields, bool) {
	n = p.deref(n)
	f := fields{node: n}
	if n.Kind != yaml.MappingNode {
		p.errorf(n, "%s must be a mapping (key: value), not %s", what, kindName(n))
		return f, false
	}
	f.keys = make([]*yaml.Node, 0, len(n.Content)/2)
	f.vals = make(map[string]*yaml.Node, len(n.Content)/2)
	first := map[string]int{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k := p.deref(n.Content[i])
		switch {
		case k.Tag == "!!merge":
			p.errorf(k, "%s: YAML merge keys (<<) are not supported", what)
			continue
		case k.Kind != yaml.ScalarNode:
			p.errorf(k, "%s: a key must be plain text, not %s", what, kindName(k))
			continue
		}
		if line, dup := first[k.Value]; dup {
			p.errorf(k, "%s: key %q repeats (first at line %d)", what, short(k.Value), line)
			continue
		}
		first[k.Value] = k.Line
		f.keys = append(f.keys, k)
		f.vals[k.Value] = n.Content[i+1]
	}
	return f, true
}

// val returns the value at key, dereferenced, or nil when the key is absent
// or its value is null.
func (p *parser) val(f fields, key string) *yaml.Node {
	v := f.vals[key]
	if v == nil {
		return nil
	}
	v = p.deref(v)
	if v.Kind == yaml.ScalarNode && v.Tag == "!!null" {
		return nil
	}
	return v
}

// text returns the trimmed text at key, or "" when it is absent or wrong.
func (p *parser) text(f fields, key, what string, max int) string {
	v := p.val(f, key)
	if v == nil {
		return ""
	}
	return p.textValue(v, what+": "+key, max)
}

func (p *parser) textValue(v *yaml.Node, what string, max int) string {
	if v.Kind != yaml.ScalarNode {
		p.errorf(v, "%s must be text, not %s", what, kindName(v))
		return ""
	}
	s := strings.TrimSpace(v.Value)
	if why := textProblem(s, max); why != "" {
		p.errorf(v, "%s %s", what, why)
		return ""
	}
	return s
}

// evidence reads typical_evidence: text, or a list of texts (as in the
// shipped key-reference-controls library), joined by line breaks.
func (p *parser) evidence(f fields, what string) string {
	v := p.val(f, "typical_evidence")
	if v == nil || v.Kind != yaml.SequenceNode {
		return p.text(f, "typical_evidence", what, maxLongText)
	}
	var b strings.Builder
	for _, it := range v.Content {
		if s := p.textValue(p.deref(it), what+": typical_evidence", maxLongText); s != "" {
			if b.Len() > 0 {
				b.WriteByte('\n')
			}
			b.WriteString(s)
		}
	}
	if why := textProblem(b.String(), maxLongText); why != "" {
		p.errorf(v, "%s: typical_evidence %s", what, why)
		return ""
	}
	return b.String()
}

// required is text for a key that must be present and not empty.
func (p *parser) required(f fields, key, what string, max int) string {
	if v := p.val(f, key); v == nil || v.Kind == yaml.ScalarNode && strings.TrimSpace(v.Value) == "" {
		p.errorf(f.node, "%s: %s is missing", what, key)
		return ""
	}
	return p.text(f, key, what, max)
}

// urn returns the canonical URN at key and the line it is on (the
// mapping's line when it is absent), reporting a bad or, when required,
// missing one.
func (p *parser) urn(f fields, key, what string, required bool) (string, int) {
	v := p.val(f, key)
	if v == nil || v.Kind == yaml.ScalarNode && strings.TrimSpace(v.Value) == "" {
		if required {
			p.errorf(f.node, "%s: %s is missing", what, key)
		}
		return "", f.node.Line
	}
	return p.urnValue(v, what+": "+key), v.Line
}

func (p *parser) urnValue(v *yaml.Node, what string) string {
	if v.Kind != yaml.ScalarNode {
		p.errorf(v, "%s must be a URN, not %s", what, kindName(v))
		return ""
	}
	u, why := canonicalURN(strings.TrimSpace(v.Value))
	if why != "" {
		p.errorf(v, "%s %q %s", what, short(v.Value), why)
	}
	return u
}

// define records a URN the file defines, reporting a second definition.
func (p *parser) define(urn string, line int, what string) {
	if urn == "" {
		return
	}
	if first, dup := p.urns[urn]; dup {
		p.errorAt(line, "%s: URN %q is defined twice in the file (first at line %d)", what, short(urn), first)
		return
	}
	p.urns[urn] = line
}

func (p *parser) integer(v *yaml.Node, what string) (int, bool) {
	if v.Kind == yaml.ScalarNode && v.Tag == "!!int" {
		var i int
		if err := v.Decode(&i); err == nil {
			return i, true
		}
	}
	p.errorf(v, "%s must be a whole number, not %s", what, valueName(v))
	return 0, false
}

func (p *parser) boolean(v *yaml.Node, what string) bool {
	if v.Kind == yaml.ScalarNode && v.Tag == "!!bool" {
		var b bool
		if err := v.Decode(&b); err == nil {
			return b
		}
	}
	p.errorf(v, "%s must be true or false, not %s", what, valueName(v))
	return false
}

// list returns the items of the list at key, dereferenced; nil when the key
// is absent or null.
func (p *parser) list(f fields, key, what string) []*yaml.Node {
	v := p.val(f, key)
	if v == nil {
		return nil
	}
	if v.Kind != yaml.SequenceNode {
		p.errorf(v, "%s: %s must be a list, not %s", what, key, kindName(v))
		return nil
	}
	items := make([]*yaml.Node, len(v.Content))
	for i, it := range v.Content {
		items[i] = p.deref(it)
	}
	return items
}

// translations reads a translations mapping: language code → {name,
// description, …}. Other translated keys (annotation, typical_evidence,
// copyright) are checked as texts and dropped.
func (p *parser) translations(f fields, what string) map[string]Text {
	v := p.val(f, "translations")
	if v == nil {
		return nil
	}
	what += ": translations"
	tf, ok := p.fields(v, what)
	if !ok || len(tf.keys) == 0 {
		return nil
	}
	out := make(map[string]Text, len(tf.keys))
	for _, k := range tf.keys {
		if !validLang(k.Value) {
			p.errorf(k, "%s: %q is not a language code (2–8 letters and hyphens, like \"da\" or \"pt-br\")", what, short(k.Value))
			continue
		}
		lang := strings.ToLower(k.Value)
		if _, dup := out[lang]; dup {
			p.errorf(k, "%s: language %q repeats", what, lang)
			continue
		}
		w := what + ": " + k.Value
		lv := p.deref(tf.vals[k.Value])
		if lv.Kind == yaml.ScalarNode && lv.Tag == "!!null" {
			continue
		}
		lf, ok := p.fields(lv, w)
		if !ok {
			continue
		}
		out[lang] = Text{Name: p.text(lf, "name", w, maxName), Description: p.text(lf, "description", w, maxLongText)}
		p.text(lf, "annotation", w, maxLongText)
		p.text(lf, "copyright", w, maxLongText)
		p.evidence(lf, w)
		p.text(lf, "provider", w, maxName)
	}
	return out
}

// kindName names what a YAML node is, for messages.
func kindName(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.AliasNode:
		return "an alias"
	case yaml.DocumentNode:
		return "a document"
	}
	if n.Tag == "!!null" {
		return "empty"
	}
	return "text"
}

// valueName shows a value in a message: scalars quoted, others by kind.
func valueName(n *yaml.Node) string {
	if n.Kind == yaml.ScalarNode && n.Tag != "!!null" {
		return strconv.Quote(short(n.Value))
	}
	return kindName(n)
}

// short cuts s to at most 80 characters for a message.
func short(s string) string {
	if utf8.RuneCountInString(s) <= 80 {
		return s
	}
	r := []rune(s)
	return string(r[:79]) + "…"
}

// library reads the top mapping.
func (p *parser) library(root *yaml.Node) *Library {
	const what = "library"
	lib := &Library{File: p.file, Locale: "en"}
	f, ok := p.fields(root, what)
	if !ok {
		return lib
	}
	// The library URN is not defined with the objects: CISO Assistant keeps
	// libraries apart, and a shipped library gives its framework its own URN.
	lib.URN, lib.line = p.urn(f, "urn", what, true)
	lib.RefID = p.required(f, "ref_id", what, maxName)
	lib.Name = p.required(f, "name", what, maxName)
	lib.Description = p.text(f, "description", what, maxLongText)
	lib.Copyright = p.text(f, "copyright", what, maxLongText)
	lib.Provider = p.text(f, "provider", what, maxName)
	lib.Packager = p.text(f, "packager", what, maxName)
	if loc := p.text(f, "locale", what, maxName); loc != "" {
		if validLang(loc) {
			lib.Locale = strings.ToLower(loc)
		} else {
			p.errorf(f.vals["locale"], "library: locale %q is not a language code (2–8 letters and hyphens, like \"da\" or \"pt-br\")", short(loc))
		}
	}
	lib.Version = p.version(f)
	lib.PublicationDate = p.date(f)
	lib.Translations = p.translations(f, what)
	for _, it := range p.list(f, "dependencies", what) {
		if u := p.urnValue(it, "library: dependency"); u != "" {
			lib.Dependencies = append(lib.Dependencies, u)
			lib.depLine = append(lib.depLine, it.Line)
		}
	}
	if v := p.val(f, "objects"); v == nil {
		p.errorf(f.node, "library: objects is missing")
	} else {
		p.objects(lib, v)
	}
	return lib
}

// version reads the library version: a whole number from 1. Shipped
// libraries sometimes quote it ('1'), which CISO Assistant accepts too.
func (p *parser) version(f fields) int {
	v := p.val(f, "version")
	if v == nil {
		return 0
	}
	n, ok := 0, false
	if v.Kind == yaml.ScalarNode && v.Tag == "!!str" {
		if i, err := strconv.Atoi(strings.TrimSpace(v.Value)); err == nil {
			n, ok = i, true
		}
	}
	if !ok {
		if n, ok = p.integer(v, "library: version"); !ok {
			return 0
		}
	}
	if n < 1 {
		p.errorf(v, "library: version is %d; it must be 1 or more", n)
		return 0
	}
	return n
}

// date reads publication_date as YYYY-MM-DD. YAML reads an unquoted date
// as a timestamp; its text is kept as written.
func (p *parser) date(f fields) string {
	v := p.val(f, "publication_date")
	if v == nil {
		return ""
	}
	s := p.textValue(v, "library: publication_date", maxName)
	if s == "" {
		return ""
	}
	if _, err := time.Parse("2006-01-02", s); err == nil {
		return s
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t.Format("2006-01-02")
	}
	p.errorf(v, "library: publication_date %q must be a date (YYYY-MM-DD)", short(s))
	return ""
}
