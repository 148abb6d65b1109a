package indicator

import (
	"fmt"
	"testing"
	"time"

	"github.com/samdrift/samdrift/internal/event"
	"github.com/samdrift/samdrift/internal/loadgen"
)

func mustIndex(t testing.TB, specs ...[2]string) *Index {
	t.Helper()
	var inds []Indicator
	for i, s := range specs {
		typ, v, err := Normalize(s[0], s[1])
		if err != nil {
			t.Fatalf("Normalize(%q, %q): %v", s[0], s[1], err)
		}
		inds = append(inds, Indicator{ID: int64(i + 1), Type: typ, Value: v})
	}
	return Build(inds)
}

func TestNormalize(t *testing.T) {
	cases := []struct{ typ, in, wantType, want, err string }{
		{"", "198.51.100.7", IP, "198.51.100.7", ""},
		{"", "10.1.2.3/8", IP, "10.0.0.0/8", ""},
		{"", "::ffff:192.0.2.1", IP, "192.0.2.1", ""},
		{"ip", "2001:db8::/32", IP, "2001:db8::/32", ""},
		{"", "Evil.Example.", Domain, "evil.example", ""},
		{"", "HTTPS://Evil.Example:443/a?b=C#frag", URL, "https://evil.example/a?b=C", ""},
		{"", "D41D8CD98F00B204E9800998ECF8427E", MD5, "d41d8cd98f00b204e9800998ecf8427e", ""},
		{"", "Bad.Actor@Evil.Example", Email, "bad.actor@evil.example", ""},
		{"sha256", "abc", "", "", "not a sha256 hash"},
		{"ip", "999.1.1.1", "", "", "not an IP address"},
		{"domain", "no_dots", "", "", "not a domain"},
		{"colour", "x", "", "", "type \"colour\""},
	}
	for _, c := range cases {
		typ, v, err := Normalize(c.typ, c.in)
		if c.err != "" {
			if err == nil || !contains(err.Error(), c.err) {
				t.Errorf("Normalize(%q, %q) error = %v; want %q", c.typ, c.in, err, c.err)
			}
			continue
		}
		if err != nil || typ != c.wantType || v != c.want {
			t.Errorf("Normalize(%q, %q) = %q, %q, %v; want %q, %q", c.typ, c.in, typ, v, err, c.wantType, c.want)
		}
	}
}

func contains(s, sub string) bool {
	return len(sub) == 0 || (len(s) >= len(sub) && (s == sub || indexOf(s, sub) >= 0))
}
func indexOf(s, sub string) int {
	for i := 0; i+len(sub) <= len(s); i++ {
		if s[i:i+len(sub)] == sub {
			return i
		}
	}
	return -1
}

func TestMatch(t *testing.T) {
	x := mustIndex(t,
		[2]string{"", "198.51.100.7"}, [2]string{"", "203.0.113.0/24"}, [2]string{"", "2001:db8:bad::/48"},
		[2]string{"", "evil.example"}, [2]string{"", "https://cdn.example/payload.exe"},
		[2]string{"", "44d88612fea8a8f36de82e1278abb02f"}, [2]string{"", "bad.actor@evil.example"})
	cases := []struct {
		name   string
		fields map[string]string
		sender string
		want   int
	}{
		{"exact address", map[string]string{"source.ip": "198.51.100.7"}, "", 1},
		{"address in range", map[string]string{"destination.ip": "203.0.113.200"}, "", 1},
		{"v6 in range", map[string]string{"destination.ip": "2001:db8:bad:1::5"}, "", 1},
		{"v4-mapped", map[string]string{"source.ip": "::ffff:198.51.100.7"}, "", 1},
		{"sender address", nil, "203.0.113.9", 1},
		{"clean address", map[string]string{"source.ip": "198.51.100.8"}, "", 0},
		{"domain", map[string]string{"dns.question.name": "evil.example"}, "", 1},
		{"subdomain", map[string]string{"dns.question.name": "a.b.EVIL.example."}, "", 1},
		{"lookalike is not a subdomain", map[string]string{"dns.question.name": "notevil.example"}, "", 0},
		{"sysmon query name", map[string]string{"winlog.event_data.QueryName": "x.evil.example"}, "", 1},
		{"url", map[string]string{"url.full": "HTTPS://CDN.example:443/payload.exe"}, "", 1},
		{"domain inside a url", map[string]string{"url.original": "http://www.evil.example/x"}, "", 1},
		{"hash", map[string]string{"file.hash.md5": "44D88612FEA8A8F36DE82E1278ABB02F"}, "", 1},
		{"sysmon hashes", map[string]string{"winlog.event_data.Hashes": "SHA1=AAAA,MD5=44D88612FEA8A8F36DE82E1278ABB02F,IMPHASH=BB"}, "", 1},
		{"email", map[string]string{"email.from.address": "Bad.Actor@evil.example"}, "", 1},
		{"field that carries no indicators", map[string]string{"message.text": "198.51.100.7"}, "", 0},
	}
	for _, c := range cases {
		e := event.Event{SourceIP: c.sender}
		for k, v := range c.fields {
			e.Fields = append(e.Fields, event.Field{Key: k, Value: v})
		}
		if got := x.Match(&e, nil); len(got) != c.want {
			t.Errorf("%s: Match = %v; want %d hits", c.name, got, c.want)
		}
	}
}

// BenchmarkMatchMillion: one million indicators (addresses, ranges,
// domains, hashes, URLs) against the loadgen mix.
func BenchmarkMatchMillion(b *testing.B) {
	inds := make([]Indicator, 0, 1_000_000)
	for i := 0; len(inds) < 1_000_000; i++ {
		var typ, v string
		switch i % 5 {
		case 0:
			typ, v = IP, fmt.Sprintf("100.%d.%d.%d", i>>16&255, i>>8&255, i&255)
		case 1:
			typ, v = IP, fmt.Sprintf("172.%d.%d.0/24", 16+i>>16&15, i>>8&255)
		case 2:
			typ, v = Domain, fmt.Sprintf("host%d.bad%d.example", i, i%1000)
		case 3:
			typ, v = SHA256, fmt.Sprintf("%064x", i)
		default:
			typ, v = URL, fmt.Sprintf("https://bad%d.example/p/%d", i%5000, i)
		}
		typ, v, err := Normalize(typ, v)
		if err != nil {
			b.Fatal(err)
		}
		inds = append(inds, Indicator{ID: int64(i), Type: typ, Value: v})
	}
	start := time.Now()
	x := Build(inds)
	b.ReportMetric(time.Since(start).Seconds(), "build-s")
	p := event.NewParser(time.UTC)
	var evs []event.Event
	for _, line := range loadgen.Sample(6000, time.Now()) {
		evs = append(evs, p.ParseSyslog(line, time.Now(), "10.0.0.1"))
	}
	var hits []Hit
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		hits = x.Match(&evs[i%len(evs)], hits[:0])
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
}
