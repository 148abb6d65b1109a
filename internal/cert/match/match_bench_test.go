package match

import "testing"

// reportNsPerOp records the mean time per operation as its own metric, so
// it can be tracked next to the allocation figures.
func reportNsPerOp(b *testing.B, unit string) {
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N), unit)
}

func BenchmarkCompareGeneric(b *testing.B) {
	pairs := [][2]string{
		{"15.2.1118.40", "15.2.1118.7"},
		{"10.0.17763.1", "10.0.9999"},
		{"2.4.57", "2.4.9"},
		{"2.0rc1", "2.0"},
		{"1.1.1w", "1.1.1"},
	}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		p := pairs[i%len(pairs)]
		if _, err := Compare(SchemeGeneric, p[0], p[1]); err != nil {
			b.Fatal(err)
		}
		i++
	}
	reportNsPerOp(b, "ns/compare")
}

func BenchmarkCompareSchemes(b *testing.B) {
	for _, bc := range []struct{ scheme, a, c string }{
		{SchemeSemver, "1.0.0-beta.11", "1.0.0-rc.1"},
		{SchemeDeb, "1:7.50.3-1+deb9u1", "1:7.50.3-1"},
		{SchemeRPM, "1.0^git1-2.el8", "1.0~rc1-1.el8"},
	} {
		b.Run(bc.scheme, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := Compare(bc.scheme, bc.a, bc.c); err != nil {
					b.Fatal(err)
				}
			}
			reportNsPerOp(b, "ns/compare")
		})
	}
}

func BenchmarkRangeContains(b *testing.B) {
	r := MustParseRange("vers:generic/<1.0|>=2.0|<2.4.58|>=3.0|!=3.1|<3.2")
	versions := []string{"2.4.57", "2.4.58", "0.9", "3.1", "3.1.5", "5.0"}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		if _, err := r.Contains(versions[i%len(versions)]); err != nil {
			b.Fatal(err)
		}
		i++
	}
	reportNsPerOp(b, "ns/contains")
}

func BenchmarkAffectedMatch(b *testing.B) {
	r, err := RangeFrom("", "15.2.0", "15.2.1118.40", "")
	if err != nil {
		b.Fatal(err)
	}
	cpe := MustParseCPE("cpe:2.3:a:apache:http_server:*:*:*:*:*:*:*:*")
	cases := []struct {
		name string
		a    Affected
		as   Asset
	}{
		{"names", Affected{Vendor: "Microsoft", Product: "Exchange Server", Range: &r},
			Asset{Vendor: "Microsoft Corporation", Product: "Microsoft Exchange Server", Version: "15.2.1118.39"}},
		{"cpe", Affected{CPE: &cpe, Range: &r},
			Asset{CPE: "cpe:2.3:a:apache:http_server:15.2.1:*:*:*:*:*:*:*"}},
	}
	for _, bc := range cases {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if ok, _ := bc.a.Match(bc.as); !ok {
					b.Fatal("no match")
				}
			}
			reportNsPerOp(b, "ns/match")
		})
	}
}
