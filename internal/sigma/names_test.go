package sigma

import (
	"fmt"
	"testing"
)

// TestNameIndexAgreesWithTheMap: every name of a large schema is found
// at its slot, by string and by bytes, and names not in it are not.
func TestNameIndexAgreesWithTheMap(t *testing.T) {
	s := newSchema()
	for i := range 3000 {
		s.slot(fmt.Sprintf("winlog.event_data.Field%d", i))
		s.slot(fmt.Sprintf("f%d", i))
	}
	s.slot("")
	ix := s.index()
	for name, want := range s.slots {
		if got, ok := ix.lookup(name); !ok || got != want {
			t.Fatalf("lookup(%q) = %d, %v; want %d", name, got, ok, want)
		}
	}
	for _, name := range []string{"winlog.event_data.Field3000", "f-1", "F1", "winlog.event_data.field1", "x"} {
		if i, ok := ix.lookup(name); ok {
			t.Errorf("lookup(%q) found slot %d; it is not in the schema", name, i)
		}
	}
	s.slot("added.later")
	if _, ok := s.index().lookup("added.later"); !ok {
		t.Error("the index was not rebuilt after the schema grew")
	}
}

func FuzzNameIndex(f *testing.F) {
	f.Add("process.command_line", "process.command_lind")
	f.Add("", "a")
	f.Fuzz(func(t *testing.T, a, b string) {
		s := newSchema()
		s.slot(a)
		ix := s.index()
		if i, ok := ix.lookup(a); !ok || i != 0 {
			t.Fatalf("lookup(%q) = %d, %v", a, i, ok)
		}
		if _, ok := ix.lookup(b); ok != (a == b) {
			t.Fatalf("lookup(%q) in {%q} = %v", b, a, ok)
		}
	})
}

// BenchmarkNameIndex looks up the field names of a Windows event, most of
// which no rule reads, against a schema of 2,000 names.
func BenchmarkNameIndex(b *testing.B) {
	s := newSchema()
	for i := range 2000 {
		s.slot(fmt.Sprintf("winlog.event_data.Field%d", i))
	}
	s.slot("host.name")
	s.slot("winlog.event_data.CommandLine")
	names := []string{"host.name", "winlog.channel", "winlog.event_id", "winlog.event_data.CommandLine",
		"winlog.event_data.ParentImage", "winlog.event_data.User", "process.pid", "event.code", "user.name", "source.ip"}
	ix := s.index()
	b.Run("index", func(b *testing.B) {
		n := 0
		for i := 0; i < b.N; i++ {
			if _, ok := ix.lookup(names[i%len(names)]); ok {
				n++
			}
		}
		if n == 0 {
			b.Fatal("nothing found")
		}
	})
	b.Run("map", func(b *testing.B) {
		n := 0
		for i := 0; i < b.N; i++ {
			if _, ok := s.slots[names[i%len(names)]]; ok {
				n++
			}
		}
		if n == 0 {
			b.Fatal("nothing found")
		}
	})
}
