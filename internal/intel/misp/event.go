package misp

import (
	"fmt"
	"strings"
	"time"

	"github.com/samdrift/samdrift/internal/indicator"
)

// Event is one MISP event as samdrift models it. Numeric fields keep
// MISP's codes: Analysis 0 initial, 1 ongoing, 2 complete; ThreatLevel 1
// high, 2 medium, 3 low, 4 undefined; Distribution 0 your organisation
// only, 1 this community, 2 connected communities, 3 all communities, 4 a
// sharing group. Tags holds the event's tag names except TLP markings,
// which are folded into TLP (the strictest one, "" when the event has
// none). Attributes lists the event's attributes followed by those of its
// objects, flattened, each with ObjectName and ObjectUUID set.
type Event struct {
	UUID, Info                  string
	Date                        time.Time // the day the event refers to, UTC midnight
	Timestamp, PublishTimestamp time.Time // zero when MISP says 0 or nothing
	Published                   bool
	Analysis                    int
	ThreatLevel                 int
	Distribution                int
	OrgName, OrgUUID            string // the creating organisation (Orgc)
	Tags                        []string
	TLP                         string
	Attributes                  []Attribute
}

// Attribute is one MISP attribute as samdrift models it. ToIDS false marks
// context, never matched; Deleted marks an attribute its creator revoked.
// TLP is the attribute's effective marking: the stricter of its own TLP
// tag and its event's, "" when neither has one. ObjectName and ObjectUUID
// name the MISP object the attribute belongs to, empty for one directly
// in the event. Tags other than TLP are not kept.
type Attribute struct {
	UUID, Type, Category, Value, Comment string
	ToIDS                                bool
	Deleted                              bool
	TLP                                  string
	Timestamp                            time.Time
	FirstSeen, LastSeen                  *time.Time
	ObjectName, ObjectUUID               string
}

// Indicator is what samdrift detects on: one of package indicator's types
// with its normalised value, the level from the event's threat level, the
// effective TLP ("" when neither event nor attribute is marked: the
// caller decides) and the attribute it came from. ValidUntil is the
// attribute's last_seen, when set.
type Indicator struct {
	Type, Value, Description, Level, TLP string
	AttributeUUID                        string
	ValidUntil                           *time.Time
}

// tlpOrder ranks the TLP 2.0 labels from widest to strictest.
var tlpOrder = map[string]int{"clear": 1, "green": 2, "amber": 3, "amber+strict": 4, "red": 5}

// tlpOf returns the TLP label a tag name carries ("tlp:white" reads as
// clear), or "" when the tag is no TLP marking.
func tlpOf(tag string) string {
	l, ok := strings.CutPrefix(strings.ToLower(strings.TrimSpace(tag)), "tlp:")
	if !ok {
		return ""
	}
	if l == "white" {
		return "clear"
	}
	if tlpOrder[l] == 0 {
		return ""
	}
	return l
}

// stricterTLP returns the stricter of two TLP labels; "" is no marking.
func stricterTLP(a, b string) string {
	if tlpOrder[b] > tlpOrder[a] {
		return b
	}
	return a
}

// tlpDistribution is the MISP distribution samdrift exports an event or
// attribute marked with a TLP label at: CLEAR may go to all communities
// (3); GREEN stays in the community that receives the feed (1), as
// TLP:GREEN allows a community but not public channels; AMBER,
// AMBER+STRICT and RED go no further by MISP synchronisation than the
// receiving organisation (0).
var tlpDistribution = map[string]int{"clear": 3, "green": 1, "amber": 0, "amber+strict": 0, "red": 0}

// levels maps MISP threat levels to samdrift's levels; 4 (undefined) and
// anything else is informational.
var levels = map[int]string{1: "high", 2: "medium", 3: "low"}

func levelOf(threatLevel int) string {
	if l, ok := levels[threatLevel]; ok {
		return l
	}
	return "informational"
}

// threatLevels maps samdrift's levels back; the others are 4 (undefined).
var threatLevels = map[string]int{"critical": 1, "high": 1, "medium": 2, "low": 3}

// part is one indicator candidate inside an attribute value.
type part struct{ typ, value, label string }

// parts splits an attribute's value into the indicator candidates its
// MISP type holds; ok is false for types samdrift does not detect on.
func parts(typ, value string) (ps []part, ok bool) {
	switch typ {
	case "ip-src", "ip-dst":
		return []part{{indicator.IP, value, ""}}, true
	case "ip-src|port", "ip-dst|port":
		ip, _, _ := strings.Cut(value, "|")
		return []part{{indicator.IP, ip, "ip "}}, true
	case "domain", "hostname":
		return []part{{indicator.Domain, value, ""}}, true
	case "hostname|port":
		host, _, _ := strings.Cut(value, "|")
		return []part{{indicator.Domain, host, "hostname "}}, true
	case "domain|ip":
		d, ip, _ := strings.Cut(value, "|")
		return []part{{indicator.Domain, d, "domain "}, {indicator.IP, ip, "ip "}}, true
	case "url", "uri":
		return []part{{indicator.URL, value, ""}}, true
	case "md5", "sha1", "sha256":
		return []part{{typ, value, ""}}, true
	case "filename|md5", "filename|sha1", "filename|sha256":
		h := value[strings.LastIndexByte(value, '|')+1:]
		return []part{{strings.TrimPrefix(typ, "filename|"), h, "hash "}}, true
	case "email", "email-src", "email-dst":
		return []part{{indicator.Email, value, ""}}, true
	}
	return nil, false
}

// Indicators returns the detection indicators of an event — its to_ids
// attributes whose MISP type maps to one of samdrift's indicator types
// (ip-src, ip-dst and their |port forms, domain, hostname and
// hostname|port, domain|ip giving both, url, an absolute uri, md5, sha1,
// sha256, filename|<hash> giving the hash, email, email-src, email-dst),
// normalised — and, separately, one line per attribute (or part of a
// composite value) left out, naming its uuid, its JSON path in the event
// file as WriteFeed lays it out, and the reason: deleted, a type samdrift
// does not detect on (link among them: a reference, not an indicator),
// to_ids false (kept as context) or an invalid value.
func (e Event) Indicators() (inds []Indicator, skipped []string) {
	paths := e.attributePaths()
	level := levelOf(e.ThreatLevel)
	for i, a := range e.Attributes {
		skip := func(format string, args ...any) {
			skipped = append(skipped, fmt.Sprintf("attribute %s (%s): ", a.UUID, paths[i])+fmt.Sprintf(format, args...))
		}
		ps, ok := parts(a.Type, a.Value)
		switch {
		case a.Deleted:
			skip("deleted by its creator")
			continue
		case !ok:
			skip("type %q is not an indicator type samdrift detects on", a.Type)
			continue
		case !a.ToIDS:
			skip("to_ids is false: context, not for detection")
			continue
		}
		desc := describe(e.Info, a.Comment)
		for _, p := range ps {
			typ, v, err := indicator.Normalize(p.typ, p.value)
			if err != nil {
				skip("invalid %svalue: %v", p.label, err)
				continue
			}
			in := Indicator{Type: typ, Value: v, Description: desc, Level: level,
				TLP: stricterTLP(e.TLP, a.TLP), AttributeUUID: a.UUID}
			if a.LastSeen != nil {
				t := *a.LastSeen
				in.ValidUntil = &t
			}
			inds = append(inds, in)
		}
	}
	return inds, skipped
}

// describe is an indicator's description from its event's info and its
// attribute's comment: "info: comment", or the comment alone when it
// already begins with the info (what samdrift's own feed writes), so
// that a round trip through a partner does not repeat it.
func describe(info, comment string) string {
	info, comment = strings.TrimSpace(info), strings.TrimSpace(comment)
	switch {
	case comment == "":
		return info
	case info == "" || comment == info || strings.HasPrefix(comment, info+": "):
		return comment
	}
	return info + ": " + comment
}

// objectKey identifies the object an attribute belongs to, "" for none.
func objectKey(a Attribute) string {
	if a.ObjectUUID != "" {
		return "uuid:" + strings.ToLower(a.ObjectUUID)
	}
	if a.ObjectName != "" {
		return "name:" + a.ObjectName
	}
	return ""
}

// attributePaths returns each attribute's JSON path in the event file as
// WriteFeed writes it: attributes outside objects in order, objects in
// the order they first appear.
func (e Event) attributePaths() []string {
	paths := make([]string, len(e.Attributes))
	objects := map[string]int{}
	inObject := map[string]int{}
	top := 0
	for i, a := range e.Attributes {
		k := objectKey(a)
		if k == "" {
			paths[i] = fmt.Sprintf("$.Event.Attribute[%d]", top)
			top++
			continue
		}
		o, ok := objects[k]
		if !ok {
			o = len(objects)
			objects[k] = o
		}
		paths[i] = fmt.Sprintf("$.Event.Object[%d].Attribute[%d]", o, inObject[k])
		inObject[k]++
	}
	return paths
}
