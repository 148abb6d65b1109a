package web_test

import (
	"context"
	"database/sql"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"net/http"
	"net/url"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/samdrift/samdrift/internal/audit"
	"github.com/samdrift/samdrift/internal/orders"
	"github.com/samdrift/samdrift/internal/store"
	"github.com/samdrift/samdrift/internal/store/storetest"
	"github.com/samdrift/samdrift/internal/web"
)

// dynamicActions lists the audit actions built at run time from a value
// the source does not spell out, by the literal prefix they start with.
// A new prefix of that kind fails TestAuditActionsHaveNames until its
// values are listed here (and named in i18n_audit.go).
var dynamicActions = map[string]func() []string{
	// orders.Move: "order." + the status the order moves to.
	"order.": func() []string {
		seen := map[string]bool{}
		var out []string
		for _, from := range orders.Statuses() {
			for _, to := range from.Next() {
				if !seen[string(to)] {
					seen[string(to)] = true
					out = append(out, string(to))
				}
			}
		}
		return out
	},
	// servicedesk's SLA sweep: a clock's warning and breach.
	"ticket.sla_": func() []string { return []string{"warning", "breach"} },
	// servicedesk.SetVisitStatus: "ticket." + "visit_" + the visit's new status.
	"ticket.visit_": func() []string { return []string{"done", "cancelled"} },
}

// TestAuditActionsHaveNames finds every audit action and target type the
// code records, reading the source (../, tests left out): the string
// literals in the Action and TargetType fields of composite literals,
// with concatenations ("ticket." + step) and variables resolved through
// their assignments and the literal arguments of the function's callers.
// Each must have a name in Danish and English.
func TestAuditActionsHaveNames(t *testing.T) {
	src := parseSource(t, "..")
	actions, targets, open := src.auditCodes()
	if len(actions) < 100 {
		t.Fatalf("found only %d audit actions in the source; is the scan broken?", len(actions))
	}
	for prefix, where := range open {
		values, ok := dynamicActions[prefix]
		if !ok {
			t.Errorf("%s: an audit action %q + … is built at run time; list its values in dynamicActions", where, prefix)
			continue
		}
		for _, v := range values() {
			actions[prefix+v] = where + " (dynamic)"
		}
	}
	for _, code := range sortedKeys(actions) {
		if !named("audit.action." + code) {
			t.Errorf("%s: audit action %q has no name (audit.action.%s in i18n_audit.go)", actions[code], code, code)
		}
	}
	for _, kind := range sortedKeys(targets) {
		if !named("audit.target." + kind) {
			t.Errorf("%s: audit target type %q has no name (audit.target.%s in i18n_audit.go)", targets[kind], kind, kind)
		}
	}
	t.Logf("found %d audit actions and %d target types", len(actions), len(targets))
}

// TestAuditPageNamesActions checks that /audit shows actions and target
// types by name in the page's language, with the code beside the name.
func TestAuditPageNamesActions(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := start(t, db)
		e.must("POST", "/api/v1/tokens", e.token("demo-governance"), `{"name":"revisionsspor"}`, nil)
		// Codes without a name of their own: one composed from a known
		// object and verb, one shown as it is.
		err := db.Write(context.Background(), func(tx *sql.Tx) error {
			for _, en := range []audit.Entry{{Action: "offering.delete", TargetType: "offering", TargetID: "7"},
				{Action: "frobnicate.zap", TargetType: "gizmo", TargetID: "8"}} {
				if err := audit.Append(context.Background(), tx, audit.Actor{Name: "test"}, en); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		b := newBrowser(t, e.url)
		if r := b.login("demo-governance", e.Passwords["demo-governance"]); r.StatusCode != http.StatusSeeOther {
			t.Fatalf("login = %d", r.StatusCode)
		}
		for _, c := range []struct {
			lang, query string
			want        []string // the action's name and code
			target      string   // the target's cell, a regular expression
		}{
			{"da", "token.create", []string{"<td>API-nøgle oprettet<br>", "<code>token.create</code>"}, `<td>API-nøgle \d+</td>`},
			{"en", "token.create", []string{"<td>API token created<br>", "<code>token.create</code>"}, `<td>API token \d+</td>`},
			{"da", "offering.delete", []string{"<td>Udbud slettet<br>", "<code>offering.delete</code>"}, `<td>Udbud 7</td>`},
			{"en", "offering.delete", []string{"<td>Offering deleted<br>"}, `<td>Offering 7</td>`},
			{"da", "frobnicate.zap", []string{"<td>frobnicate.zap<br>", "<code>frobnicate.zap</code>"}, `<td>gizmo 8</td>`},
		} {
			u, _ := url.Parse(e.url)
			b.c.Jar.SetCookies(u, []*http.Cookie{{Name: "samdrift_lang", Value: c.lang, Path: "/"}})
			r, page := b.get("/audit?action=" + url.QueryEscape(c.query))
			if r.StatusCode != http.StatusOK {
				t.Fatalf("GET /audit?action=%s in %s = %d", c.query, c.lang, r.StatusCode)
			}
			for _, w := range c.want {
				if !strings.Contains(page, w) {
					t.Errorf("/audit?action=%s in %s does not show %q", c.query, c.lang, w)
				}
			}
			if !regexp.MustCompile(c.target).MatchString(page) {
				t.Errorf("/audit?action=%s in %s does not show the target as %s", c.query, c.lang, c.target)
			}
			if strings.Contains(page, "audit.action.") || strings.Contains(page, "audit.target.") || strings.Contains(page, "audit.compose") {
				t.Errorf("/audit?action=%s in %s shows a message key", c.query, c.lang)
			}
		}
	})
}

func named(key string) bool { return web.Danish.T(key) != key && web.English.T(key) != key }

func sortedKeys(m map[string]string) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// source is the parsed non-test Go code under a directory.
type source struct {
	fset  *token.FileSet
	files []*ast.File
	dir   map[*ast.File]string
	// consts holds package-level string constants by package name and
	// by directory: "tlp.KindReport", "dir:../tlp.KindReport".
	consts map[string]string
}

func parseSource(t *testing.T, root string) *source {
	t.Helper()
	s := &source{fset: token.NewFileSet(), dir: map[*ast.File]string{}, consts: map[string]string{}}
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if d.Name() == "testdata" {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		f, err := parser.ParseFile(s.fset, path, nil, parser.SkipObjectResolution)
		if err != nil {
			return err
		}
		dir := filepath.Dir(path)
		s.files, s.dir[f] = append(s.files, f), dir
		for _, decl := range f.Decls {
			d, ok := decl.(*ast.GenDecl)
			if !ok || d.Tok != token.CONST {
				continue
			}
			for _, spec := range d.Specs {
				vs := spec.(*ast.ValueSpec)
				for i, n := range vs.Names {
					if i < len(vs.Values) {
						if v, ok := stringLit(vs.Values[i]); ok {
							s.consts[f.Name.Name+"."+n.Name], s.consts["dir:"+dir+"."+n.Name] = v, v
						}
					}
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func stringLit(e ast.Expr) (string, bool) {
	if b, ok := e.(*ast.BasicLit); ok && b.Kind == token.STRING {
		v, err := strconv.Unquote(b.Value)
		return v, err == nil
	}
	return "", false
}

// value is a string the code may compute: whole, or open (only its
// beginning is known).
type value struct {
	s    string
	open bool
}

// auditCodes returns the audit actions and target types found (each with
// where it was found) and the prefixes of actions that stay open.
func (s *source) auditCodes() (actions, targets, open map[string]string) {
	actions, targets, open = map[string]string{}, map[string]string{}, map[string]string{}
	for _, f := range s.files {
		dir := s.dir[f]
		for _, decl := range f.Decls {
			fn, _ := decl.(*ast.FuncDecl)
			ast.Inspect(decl, func(n ast.Node) bool {
				cl, ok := n.(*ast.CompositeLit)
				if !ok {
					return true
				}
				entry := isAuditEntry(cl, f.Name.Name)
				for _, el := range cl.Elts {
					kv, ok := el.(*ast.KeyValueExpr)
					if !ok {
						continue
					}
					key, ok := kv.Key.(*ast.Ident)
					if !ok || (key.Name != "Action" && key.Name != "TargetType") {
						continue
					}
					if !entry && !startsWithLit(kv.Value) {
						continue // a variable in another struct's Action (an advisory's)
					}
					where := s.fset.Position(kv.Pos()).String()
					for _, v := range s.resolve(dir, fn, kv.Value, 0) {
						switch {
						case !entry && !codeRE.MatchString(v.s):
							// Some other struct's text, such as a demo
							// advisory's action to take.
						case key.Name == "TargetType" && v.open:
							targets["<computed: "+v.s+"…>"] = where
						case key.Name == "TargetType":
							targets[v.s] = where
						case v.open:
							open[v.s] = where
						default:
							actions[v.s] = where
						}
					}
				}
				return true
			})
		}
	}
	return actions, targets, open
}

// codeRE is what an audit action code looks like.
var codeRE = regexp.MustCompile(`^[a-z][a-z0-9_.-]*$`)

func isAuditEntry(cl *ast.CompositeLit, pkg string) bool {
	switch t := cl.Type.(type) {
	case *ast.SelectorExpr:
		x, ok := t.X.(*ast.Ident)
		return ok && x.Name == "audit" && t.Sel.Name == "Entry"
	case *ast.Ident:
		return pkg == "audit" && t.Name == "Entry"
	}
	return false
}

func startsWithLit(e ast.Expr) bool {
	for {
		switch x := e.(type) {
		case *ast.BasicLit:
			return x.Kind == token.STRING
		case *ast.BinaryExpr:
			e = x.X
		case *ast.ParenExpr:
			e = x.X
		default:
			return false
		}
	}
}

// resolve returns the strings e (in function fn of package dir) may be.
func (s *source) resolve(dir string, fn *ast.FuncDecl, e ast.Expr, depth int) []value {
	if depth > 5 {
		return []value{{open: true}}
	}
	switch x := e.(type) {
	case *ast.BasicLit:
		if v, ok := stringLit(x); ok {
			return []value{{s: v}}
		}
	case *ast.ParenExpr:
		return s.resolve(dir, fn, x.X, depth)
	case *ast.BinaryExpr:
		if x.Op != token.ADD {
			break
		}
		var out []value
		for _, l := range s.resolve(dir, fn, x.X, depth) {
			if l.open {
				out = append(out, l)
				continue
			}
			for _, r := range s.resolve(dir, fn, x.Y, depth) {
				out = append(out, value{s: l.s + r.s, open: r.open})
			}
		}
		return out
	case *ast.CallExpr: // a conversion such as string(to)
		if id, ok := x.Fun.(*ast.Ident); ok && id.Name == "string" && len(x.Args) == 1 {
			return s.resolve(dir, fn, x.Args[0], depth)
		}
	case *ast.SelectorExpr: // a constant of another package
		if pkg, ok := x.X.(*ast.Ident); ok {
			if v, ok := s.consts[pkg.Name+"."+x.Sel.Name]; ok {
				return []value{{s: v}}
			}
		}
	case *ast.Ident:
		if v, ok := s.consts["dir:"+dir+"."+x.Name]; ok {
			return []value{{s: v}}
		}
		if fn != nil {
			return s.resolveVar(dir, fn, x.Name, depth)
		}
	}
	return []value{{open: true}}
}

// resolveVar returns the strings variable name of fn may be: the values
// assigned to it in fn, or, for a parameter, the arguments its callers
// pass (an exported method may have callers elsewhere, so it stays open).
func (s *source) resolveVar(dir string, fn *ast.FuncDecl, name string, depth int) []value {
	var out []value
	ast.Inspect(fn.Body, func(n ast.Node) bool {
		if as, ok := n.(*ast.AssignStmt); ok && len(as.Lhs) == len(as.Rhs) {
			for i, l := range as.Lhs {
				if id, ok := l.(*ast.Ident); ok && id.Name == name {
					out = append(out, s.resolve(dir, fn, as.Rhs[i], depth+1)...)
				}
			}
		}
		return true
	})
	idx, i := -1, 0
	for _, field := range fn.Type.Params.List {
		for _, n := range field.Names {
			if n.Name == name {
				idx = i
			}
			i++
		}
	}
	if idx < 0 {
		if len(out) == 0 {
			out = append(out, value{open: true})
		}
		return out
	}
	if fn.Recv != nil && ast.IsExported(fn.Name.Name) {
		out = append(out, value{open: true})
	}
	pkgName := ""
	for _, f := range s.files {
		if s.dir[f] == dir {
			pkgName = f.Name.Name
			break
		}
	}
	for _, f := range s.files {
		fdir := s.dir[f]
		for _, decl := range f.Decls {
			caller, _ := decl.(*ast.FuncDecl)
			ast.Inspect(decl, func(n ast.Node) bool {
				call, ok := n.(*ast.CallExpr)
				if !ok || len(call.Args) <= idx || !calls(call, fn, fdir == dir, pkgName) {
					return true
				}
				out = append(out, s.resolve(fdir, caller, call.Args[idx], depth+1)...)
				return true
			})
		}
	}
	if len(out) == 0 {
		out = append(out, value{open: true})
	}
	return out
}

// calls reports whether call calls fn: a method by its name, a function
// by its name in its own package or as pkg.Name elsewhere.
func calls(call *ast.CallExpr, fn *ast.FuncDecl, samePkg bool, pkg string) bool {
	switch f := call.Fun.(type) {
	case *ast.Ident:
		return samePkg && fn.Recv == nil && f.Name == fn.Name.Name
	case *ast.SelectorExpr:
		if f.Sel.Name != fn.Name.Name {
			return false
		}
		if fn.Recv != nil {
			return samePkg
		}
		x, ok := f.X.(*ast.Ident)
		return ok && !samePkg && x.Name == pkg
	}
	return false
}
