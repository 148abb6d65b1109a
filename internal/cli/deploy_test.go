package cli

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/samdrift/samdrift/internal/app"
)

// TestDeployConfigs: every example configuration under deploy/config
// names only flags serve has, with values they take (serve ignores
// unknown keys, so a typo there would pass unnoticed), and its roles
// parse.
func TestDeployConfigs(t *testing.T) {
	files, err := filepath.Glob("../../deploy/config/*.yaml")
	if err != nil || len(files) < 5 {
		t.Fatalf("example configurations: %v, %v; want one per role group", files, err)
	}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var kv map[string]any
		if err := yaml.Unmarshal(b, &kv); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		fs := serveCommand(IO{In: strings.NewReader(""), Out: io.Discard, Err: io.Discard}).FlagSet
		for k, v := range kv {
			if fs.Lookup(k) == nil {
				t.Errorf("%s: %s is not a flag of serve", f, k)
				continue
			}
			if err := fs.Set(k, fmt.Sprint(v)); err != nil {
				t.Errorf("%s: %s: %v", f, k, err)
			}
		}
		if _, err := app.ParseRoles(fmt.Sprint(kv["roles"])); err != nil {
			t.Errorf("%s: %v", f, err)
		}
	}
}
