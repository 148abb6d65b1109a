package backup

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestBackupPlan: the database's files are never copied as files, the
// spine's index and writes in progress are left out, and the spine's
// state comes before its blocks, which come by number.
func TestBackupPlan(t *testing.T) {
	dir := t.TempDir()
	stream := "spine/jetstream/$G/streams/EVENTS/"
	for _, f := range []string{
		"samdrift.db", "samdrift.db-wal", "samdrift.db-shm", "audit-anchors.jsonl", "tls/ingest.key", "tls/ingest.crt",
		stream + "meta.inf", stream + "meta.sum", stream + "obs/store/o.dat", stream + "obs/store/meta.inf",
		stream + "msgs/10.blk", stream + "msgs/2.blk", stream + "msgs/9.blk", stream + "msgs/index.db",
		stream + "msgs/3.blk.tmp", stream + "msgs/4.new",
	} {
		p := filepath.Join(dir, filepath.FromSlash(f))
		if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(f), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Symlink("/etc/passwd", filepath.Join(dir, "link")); err != nil {
		t.Fatal(err)
	}
	plain, spine, skipped, err := plan(dir)
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"audit-anchors.jsonl", "tls/ingest.crt", "tls/ingest.key"}; !slices.Equal(plain, want) {
		t.Errorf("plain = %q; want %q", plain, want)
	}
	want := []string{stream + "meta.inf", stream + "meta.sum", stream + "obs/store/meta.inf", stream + "obs/store/o.dat",
		stream + "msgs/2.blk", stream + "msgs/9.blk", stream + "msgs/10.blk"}
	if !slices.Equal(spine, want) {
		t.Errorf("spine = %q; want %q", spine, want)
	}
	if len(skipped) != 1 || !strings.HasPrefix(skipped[0], "link") {
		t.Errorf("skipped = %q; want the symbolic link", skipped)
	}
}

// TestRestoreManifestPaths: a manifest naming a path outside the data
// directory, twice, or without a checksum is refused.
func TestRestoreManifestPaths(t *testing.T) {
	sum := strings.Repeat("a", 64)
	f := func(name, files string, ok bool) {
		t.Helper()
		_, err := parseManifest([]byte(`{"format":1,"dialect":"sqlite","files":[` + files + `]}`))
		if (err == nil) != ok {
			t.Errorf("%s: parseManifest = %v; want ok %v", name, err, ok)
		}
	}
	f("plain", `{"path":"samdrift.db","size":1,"sha256":"`+sum+`"}`, true)
	f("nested", `{"path":"spine/jetstream/$G/streams/EVENTS/msgs/1.blk","size":1,"sha256":"`+sum+`"}`, true)
	f("absolute", `{"path":"/etc/passwd","size":1,"sha256":"`+sum+`"}`, false)
	f("parent", `{"path":"../x","size":1,"sha256":"`+sum+`"}`, false)
	f("inner parent", `{"path":"tls/../../x","size":1,"sha256":"`+sum+`"}`, false)
	f("dot", `{"path":".","size":1,"sha256":"`+sum+`"}`, false)
	f("twice", `{"path":"a","size":1,"sha256":"`+sum+`"},{"path":"a","size":1,"sha256":"`+sum+`"}`, false)
	f("no checksum", `{"path":"a","size":1,"sha256":""}`, false)
	if _, err := parseManifest([]byte(`{"format":2,"dialect":"sqlite"}`)); err == nil || !strings.Contains(err.Error(), "format 2") {
		t.Errorf("parseManifest of format 2 = %v; want a refusal naming the format", err)
	}
}

func TestBackupSize(t *testing.T) {
	for n, want := range map[int64]string{0: "0 B", 1023: "1023 B", 1024: "1.0 KiB", 5 << 20: "5.0 MiB", 3 << 30: "3.0 GiB"} {
		if got := Size(n); got != want {
			t.Errorf("Size(%d) = %q; want %q", n, got, want)
		}
	}
}

func TestBackupInside(t *testing.T) {
	for _, c := range []struct {
		p, dir string
		want   bool
	}{
		{"/data/x.tar.gz", "/data", true},
		{"/data", "/data", true},
		{"/data/a/b", "/data", true},
		{"/data2/x", "/data", false},
		{"/backups/x", "/data", false},
		{"/data/../x", "/data", false},
	} {
		if got := inside(filepath.Clean(c.p), c.dir); got != c.want {
			t.Errorf("inside(%q, %q) = %v; want %v", c.p, c.dir, got, c.want)
		}
	}
}
