package indicator

import (
	"net/netip"
	"strings"

	"github.com/samdrift/samdrift/internal/event"
)

// Index is an immutable set of indicators ready for matching. It is safe
// for concurrent use.
type Index struct {
	inds    []Indicator
	addrs   map[netip.Addr]int32
	nets4   map[int]map[netip.Prefix]int32 // by prefix length
	nets6   map[int]map[netip.Prefix]int32
	lens4   []int
	lens6   []int
	domains map[string]int32
	urls    map[string]int32
	hashes  map[string]int32
	emails  map[string]int32
}

// Build indexes indicators (values as Normalize returns them).
func Build(inds []Indicator) *Index {
	x := &Index{inds: inds, addrs: map[netip.Addr]int32{}, nets4: map[int]map[netip.Prefix]int32{}, nets6: map[int]map[netip.Prefix]int32{},
		domains: map[string]int32{}, urls: map[string]int32{}, hashes: map[string]int32{}, emails: map[string]int32{}}
	for i, in := range inds {
		id := int32(i)
		switch in.Type {
		case IP:
			if p, err := netip.ParsePrefix(in.Value); err == nil {
				m := x.nets6
				if p.Addr().Is4() {
					m = x.nets4
				}
				if m[p.Bits()] == nil {
					m[p.Bits()] = map[netip.Prefix]int32{}
				}
				m[p.Bits()][p] = id
			} else if a, err := netip.ParseAddr(in.Value); err == nil {
				x.addrs[a] = id
			}
		case Domain:
			x.domains[in.Value] = id
		case URL:
			x.urls[in.Value] = id
		case MD5, SHA1, SHA256:
			x.hashes[in.Value] = id
		case Email:
			x.emails[in.Value] = id
		}
	}
	for l := range x.nets4 {
		x.lens4 = append(x.lens4, l)
	}
	for l := range x.nets6 {
		x.lens6 = append(x.lens6, l)
	}
	return x
}

// Len is how many indicators the index holds.
func (x *Index) Len() int { return len(x.inds) }

// Hit is an indicator found in an event field.
type Hit struct {
	Indicator *Indicator
	Field     string
	Value     string
}

// fieldKind says which indicator type a field can carry.
var fieldKind = map[string]string{
	"source.ip": IP, "destination.ip": IP, "client.ip": IP, "server.ip": IP, "host.ip": IP, "related.ip": IP,
	"source.nat.ip": IP, "destination.nat.ip": IP,
	"winlog.event_data.IpAddress": IP, "winlog.event_data.SourceIp": IP, "winlog.event_data.DestinationIp": IP,
	"winlog.event_data.SourceAddress": IP, "winlog.event_data.DestAddress": IP,
	"dns.question.name": Domain, "url.domain": Domain, "destination.domain": Domain, "server.domain": Domain,
	"source.domain": Domain, "client.domain": Domain, "tls.client.server_name": Domain, "http.request.referrer": URL,
	"winlog.event_data.QueryName": Domain, "winlog.event_data.DestinationHostname": Domain,
	"url.full": URL, "url.original": URL,
	"file.hash.md5": MD5, "file.hash.sha1": SHA1, "file.hash.sha256": SHA256,
	"process.hash.md5": MD5, "process.hash.sha1": SHA1, "process.hash.sha256": SHA256,
	"winlog.event_data.Hashes": "hashes", "winlog.event_data.Hash": "hashes",
	"email.from.address": Email, "email.to.address": Email, "email.cc.address": Email, "email.sender.address": Email,
	"email.reply_to.address": Email, "user.email": Email, "source.user.email": Email, "destination.user.email": Email,
}

// Fields lists the event fields indicators are looked up in.
func Fields() []string {
	out := make([]string, 0, len(fieldKind))
	for f := range fieldKind {
		out = append(out, f)
	}
	return out
}

// Match appends the indicators found in e's fields (and its sender's
// address) to out.
func (x *Index) Match(e *event.Event, out []Hit) []Hit {
	if x == nil || len(x.inds) == 0 {
		return out
	}
	if e.SourceIP != "" {
		out = x.matchIP("log.source.address", e.SourceIP, out)
	}
	for _, f := range e.Fields {
		kind, ok := fieldKind[f.Key]
		if !ok || f.Value == "" {
			continue
		}
		switch kind {
		case IP:
			out = x.matchIP(f.Key, f.Value, out)
		case Domain:
			out = x.matchDomain(f.Key, f.Value, out)
		case URL:
			if n, ok := normalizeURL(f.Value); ok {
				if id, ok := x.urls[n]; ok {
					out = append(out, Hit{&x.inds[id], f.Key, f.Value})
				}
				if len(x.domains) > 0 {
					if i := strings.Index(n, "://"); i >= 0 {
						host := n[i+3:]
						if j := strings.IndexAny(host, "/:"); j >= 0 {
							host = host[:j]
						}
						out = x.matchDomain(f.Key, host, out)
					}
				}
			}
		case MD5, SHA1, SHA256:
			if id, ok := x.hashes[strings.ToLower(strings.TrimSpace(f.Value))]; ok {
				out = append(out, Hit{&x.inds[id], f.Key, f.Value})
			}
		case "hashes":
			// Sysmon: "SHA1=…,MD5=…,SHA256=…,IMPHASH=…"
			for _, part := range strings.Split(f.Value, ",") {
				_, h, ok := strings.Cut(part, "=")
				if !ok {
					h = part
				}
				if id, ok := x.hashes[strings.ToLower(strings.TrimSpace(h))]; ok {
					out = append(out, Hit{&x.inds[id], f.Key, f.Value})
				}
			}
		case Email:
			if id, ok := x.emails[strings.ToLower(strings.TrimSpace(f.Value))]; ok {
				out = append(out, Hit{&x.inds[id], f.Key, f.Value})
			}
		}
	}
	return out
}

func (x *Index) matchIP(field, v string, out []Hit) []Hit {
	a, err := netip.ParseAddr(strings.TrimSpace(v))
	if err != nil {
		return out
	}
	a = a.Unmap()
	if id, ok := x.addrs[a]; ok {
		out = append(out, Hit{&x.inds[id], field, v})
	}
	nets, lens := x.nets6, x.lens6
	if a.Is4() {
		nets, lens = x.nets4, x.lens4
	}
	for _, l := range lens {
		p, _ := a.Prefix(l)
		if id, ok := nets[l][p]; ok {
			out = append(out, Hit{&x.inds[id], field, v})
		}
	}
	return out
}

// matchDomain looks up the domain and each parent domain (a.b.evil.example
// is found by an indicator for evil.example).
func (x *Index) matchDomain(field, v string, out []Hit) []Hit {
	if len(x.domains) == 0 {
		return out
	}
	d := strings.TrimSuffix(strings.ToLower(strings.TrimSpace(v)), ".")
	for d != "" {
		if id, ok := x.domains[d]; ok {
			out = append(out, Hit{&x.inds[id], field, v})
		}
		i := strings.IndexByte(d, '.')
		if i < 0 {
			break
		}
		d = d[i+1:]
	}
	return out
}
