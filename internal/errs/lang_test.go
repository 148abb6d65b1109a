package errs_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/samdrift/samdrift/internal/errs"
)

func TestIn(t *testing.T) {
	e := errs.Field("title", "has at most %d characters (got %d)", 200, 250)
	if got, want := e.In(errs.Danish), "må højst have 200 tegn (fik 250)"; got != want {
		t.Errorf("In(da) = %q; want %q", got, want)
	}
	if got, want := e.In(errs.English), "has at most 200 characters (got 250)"; got != want {
		t.Errorf("In(en) = %q; want %q", got, want)
	}
	// Re-labelled errors keep their translation; unknown formats stay English.
	if got := errs.As(errs.InField("name", e)).In(errs.Danish); !strings.HasPrefix(got, "må højst") {
		t.Errorf("InField lost the translation: %q", got)
	}
	if got, want := errs.E(errs.Invalid, "no translation for %s", "x").In(errs.Danish), "no translation for x"; got != want {
		t.Errorf("In(da) of an untranslated message = %q; want %q", got, want)
	}
}

// message is one format found in the code, or one translation.
type message struct {
	text string
	pos  string
}

// TestDanishComplete reads every non-test Go file under internal/ and
// checks that each literal format passed to errs.E or errs.Field has a
// Danish translation registered with errs.AddDanish, that the
// translation uses the same verbs for the same arguments, and that no
// translation is left over from a message that is gone.
func TestDanishComplete(t *testing.T) {
	formats, translations := map[string]message{}, map[string]message{}
	used := map[string]bool{}
	fset := token.NewFileSet()
	root := ".."
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return err
		}
		f, err := parser.ParseFile(fset, path, nil, 0)
		if err != nil {
			return err
		}
		inErrs := f.Name.Name == "errs"
		ast.Inspect(f, func(n ast.Node) bool {
			call, ok := n.(*ast.CallExpr)
			if !ok {
				return true
			}
			name := calleeOf(call, inErrs)
			switch name {
			case "E", "Field":
				if len(call.Args) >= 2 {
					if s, ok := stringOf(call.Args[1]); ok {
						if _, seen := formats[s]; !seen {
							formats[s] = message{s, fset.Position(call.Pos()).String()}
						}
					}
				}
			case "Translate":
				if len(call.Args) >= 2 {
					if s, ok := stringOf(call.Args[1]); ok {
						used[s] = true
					}
				}
			case "AddDanish":
				lit, ok := call.Args[0].(*ast.CompositeLit)
				if !ok {
					t.Errorf("%s: AddDanish wants a map literal", fset.Position(call.Pos()))
					return true
				}
				for _, el := range lit.Elts {
					kv := el.(*ast.KeyValueExpr)
					k, ok1 := stringOf(kv.Key)
					v, ok2 := stringOf(kv.Value)
					if !ok1 || !ok2 {
						t.Errorf("%s: a translation must be two string literals", fset.Position(kv.Pos()))
						continue
					}
					if prev, dup := translations[k]; dup && prev.text != v {
						t.Errorf("%s: %q is translated differently at %s", fset.Position(kv.Pos()), k, prev.pos)
					}
					translations[k] = message{v, fset.Position(kv.Pos()).String()}
				}
			}
			return true
		})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(formats) < 100 {
		t.Fatalf("found only %d formats under %s; is the walk broken?", len(formats), root)
	}
	var missing []string
	for k, m := range formats {
		tr, ok := translations[k]
		if !ok {
			missing = append(missing, m.pos+": "+strconv.Quote(k))
			continue
		}
		if a, b := verbs(k), verbs(tr.text); a != b {
			t.Errorf("%s: the Danish %q uses verbs %s; the English %q uses %s", tr.pos, tr.text, b, k, a)
		}
	}
	sort.Strings(missing)
	if len(missing) > 0 {
		t.Errorf("%d of %d error messages have no Danish translation (add them to the package's errors_da.go):\n%s",
			len(missing), len(formats), strings.Join(missing, "\n"))
	}
	for k, m := range translations {
		if _, ok := formats[k]; !ok && !used[k] {
			t.Errorf("%s: the translation of %q is not used by any message; remove it", m.pos, k)
		}
	}
}

// calleeOf names the errs function call calls, or "".
func calleeOf(call *ast.CallExpr, inErrs bool) string {
	switch fn := call.Fun.(type) {
	case *ast.SelectorExpr:
		if x, ok := fn.X.(*ast.Ident); ok && x.Name == "errs" {
			return fn.Sel.Name
		}
	case *ast.Ident:
		if inErrs {
			return fn.Name
		}
	}
	return ""
}

// stringOf evaluates a string literal or a concatenation of them.
func stringOf(e ast.Expr) (string, bool) {
	switch x := e.(type) {
	case *ast.BasicLit:
		if x.Kind != token.STRING {
			return "", false
		}
		s, err := strconv.Unquote(x.Value)
		return s, err == nil
	case *ast.BinaryExpr:
		if x.Op != token.ADD {
			return "", false
		}
		a, ok1 := stringOf(x.X)
		b, ok2 := stringOf(x.Y)
		return a + b, ok1 && ok2
	case *ast.ParenExpr:
		return stringOf(x.X)
	}
	return "", false
}

var verbRE = regexp.MustCompile(`%(\[(\d+)\])?[-+# 0]*\d*(\.\d+)?([a-zA-Z%])`)

// verbs describes which verb a format applies to each argument, e.g.
// "1:d 2:q", so formats that reorder with explicit indexes compare equal.
func verbs(format string) string {
	byArg := map[int]string{}
	next := 1
	for _, m := range verbRE.FindAllStringSubmatch(format, -1) {
		if m[4] == "%" {
			continue
		}
		if m[2] != "" {
			next, _ = strconv.Atoi(m[2])
		}
		byArg[next] += m[4]
		next++
	}
	keys := make([]int, 0, len(byArg))
	for k := range byArg {
		keys = append(keys, k)
	}
	sort.Ints(keys)
	var parts []string
	for _, k := range keys {
		parts = append(parts, strconv.Itoa(k)+":"+byArg[k])
	}
	return strings.Join(parts, " ")
}
