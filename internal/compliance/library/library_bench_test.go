package library_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/samdrift/samdrift/internal/compliance/library"
)

// generated returns a library of n requirement nodes in the shipped shape:
// one heading per ten nodes, each node with a Danish translation.
func generated(n int) []byte {
	var b strings.Builder
	b.WriteString(`urn: urn:samdrift:risk:library:bench
locale: en
ref_id: BENCH
name: Generated benchmark library
version: 1
publication_date: 2026-01-01
provider: samdrift
packager: samdrift
objects:
  reference_controls:
  - urn: urn:samdrift:risk:reference_control:bench:rc
    ref_id: RC
    name: A control
    category: process
  framework:
    urn: urn:samdrift:risk:framework:bench
    ref_id: BENCH
    name: Generated benchmark framework
    implementation_groups_definition:
    - ref_id: IG1
      name: Group one
    requirement_nodes:
`)
	head := ""
	for i := range n {
		if i%10 == 0 {
			head = fmt.Sprintf("urn:samdrift:risk:req_node:bench:%d", i/10)
			fmt.Fprintf(&b, "    - urn: %s\n      assessable: false\n      depth: 1\n      ref_id: '%d'\n      name: Chapter %d\n", head, i/10, i/10)
			continue
		}
		fmt.Fprintf(&b, `    - urn: %s.%d
      assessable: true
      depth: 2
      parent_urn: %s
      ref_id: '%d.%d'
      name: Requirement %d
      description: The organisation does what requirement %d asks, and keeps evidence that it does.
      implementation_groups:
      - IG1
      reference_controls:
      - urn:samdrift:risk:reference_control:bench:rc
      translations:
        da:
          name: Krav %d
          description: Organisationen gør, hvad krav %d beder om, og gemmer bevis for det.
`, head, i%10, head, i/10, i%10, i, i, i, i)
	}
	return []byte(b.String())
}

func BenchmarkParse1000(b *testing.B) {
	const n = 1000
	data := generated(n)
	lib, err := library.Parse("bench.yaml", data)
	if err != nil {
		b.Fatal(err)
	}
	if got := len(lib.Framework.Nodes); got != n {
		b.Fatalf("generated library has %d nodes; want %d", got, n)
	}
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := library.Parse("bench.yaml", data); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "requirements/s")
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/n, "ns/requirement")
}
