package misp

import (
	"bytes"
	"crypto/md5"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/samdrift/samdrift/internal/errs"
	"github.com/samdrift/samdrift/internal/indicator"
)

// The JSON shapes of what this package writes, in the MISP core format's
// field names and order; numbers are strings, as MISP writes them.

type feedTag struct {
	Name   string `json:"name"`
	Colour string `json:"colour"`
}

type feedOrg struct {
	Name string `json:"name"`
	UUID string `json:"uuid"`
}

type feedAttribute struct {
	UUID         string    `json:"uuid"`
	Type         string    `json:"type"`
	Category     string    `json:"category"`
	Value        string    `json:"value"`
	Comment      string    `json:"comment"`
	ToIDS        bool      `json:"to_ids"`
	Deleted      bool      `json:"deleted"`
	Timestamp    string    `json:"timestamp"`
	Distribution string    `json:"distribution"`
	FirstSeen    string    `json:"first_seen,omitempty"`
	LastSeen     string    `json:"last_seen,omitempty"`
	Tag          []feedTag `json:"Tag,omitempty"`
}

type feedObject struct {
	Name         string          `json:"name"`
	UUID         string          `json:"uuid"`
	Timestamp    string          `json:"timestamp"`
	Distribution string          `json:"distribution"`
	Attribute    []feedAttribute `json:"Attribute"`
}

// feedSummary is what manifest.json says of an event; the event file
// says it too.
type feedSummary struct {
	Info        string    `json:"info"`
	Date        string    `json:"date,omitempty"`
	Analysis    string    `json:"analysis"`
	ThreatLevel string    `json:"threat_level_id"`
	Timestamp   string    `json:"timestamp"`
	Orgc        feedOrg   `json:"Orgc"`
	Tag         []feedTag `json:"Tag"`
}

type feedEvent struct {
	UUID string `json:"uuid"`
	feedSummary
	PublishTimestamp string          `json:"publish_timestamp"`
	Published        bool            `json:"published"`
	Distribution     string          `json:"distribution"`
	Attribute        []feedAttribute `json:"Attribute"`
	Object           []feedObject    `json:"Object,omitempty"`
}

// tlpColour is the colour MISP's TLP taxonomy gives each label.
var tlpColour = map[string]string{"clear": "#ffffff", "green": "#339900", "amber": "#ffc000", "amber+strict": "#ffc000", "red": "#cc0033"}

func tlpTag(l string) feedTag { return feedTag{Name: "tlp:" + l, Colour: tlpColour[l]} }

func unixText(t time.Time) string {
	if t.IsZero() {
		return "0"
	}
	return strconv.FormatInt(t.Unix(), 10)
}

func seenText(t *time.Time) string {
	if t == nil {
		return ""
	}
	return t.UTC().Format(time.RFC3339Nano)
}

// categoryFor is the MISP category an attribute of type typ gets when it
// has none.
func categoryFor(typ string) string {
	switch {
	case strings.HasPrefix(typ, "ip-"), strings.HasPrefix(typ, "domain"), strings.HasPrefix(typ, "hostname"), typ == "url", typ == "uri":
		return "Network activity"
	case strings.Contains(typ, "md5"), strings.Contains(typ, "sha"), strings.HasPrefix(typ, "email"), strings.HasPrefix(typ, "filename"):
		return "Payload delivery"
	case typ == "link":
		return "External analysis"
	}
	return "Other"
}

// FeedFiles lays events out as a MISP feed and returns its files by name:
// manifest.json, <uuid>.json per event ({"Event": {...}}) and hashes.csv
// (one "md5,event-uuid" line per value of every attribute not deleted,
// each part of a composite value such as domain|ip hashed on its own, as
// MISP does). Each event is tagged tlp:<label> when its TLP is set, and
// its distribution is derived from that TLP — CLEAR 3 (all communities),
// GREEN 1 (this community), AMBER, AMBER+STRICT and RED 0 (the receiving
// organisation only) — or is Distribution when TLP is "". An attribute
// stricter than its event gets its own TLP tag and distribution; the
// others inherit (distribution 5). Attributes with ObjectName or
// ObjectUUID are grouped into objects in the order they first appear.
// Missing attribute UUIDs and categories are filled in (name-based UUIDs,
// the usual category for the type); a ThreatLevel of 0 is written as 4
// (undefined). FeedFiles returns an EINVALID error naming events[i] and
// the field when an event has no valid UUID, no info, a UUID used twice,
// an attribute without type or value, an unknown TLP or a number out of
// MISP's range.
func FeedFiles(events []Event) (map[string][]byte, error) {
	files := make(map[string][]byte, len(events)+2)
	manifest := make(map[string]feedSummary, len(events))
	var hashes bytes.Buffer
	for i, e := range events {
		fe, err := toFeed(e, fmt.Sprintf("events[%d]", i))
		if err != nil {
			return nil, err
		}
		if _, dup := manifest[fe.UUID]; dup {
			return nil, errs.Field(fmt.Sprintf("events[%d].UUID", i), "event %s is listed twice", fe.UUID)
		}
		manifest[fe.UUID] = fe.feedSummary
		if files[fe.UUID+".json"], err = encode(map[string]feedEvent{"Event": fe}); err != nil {
			return nil, err
		}
		for _, a := range e.Attributes {
			if a.Deleted {
				continue
			}
			values := []string{a.Value}
			if strings.Contains(a.Type, "|") {
				values = strings.Split(a.Value, "|")
			}
			for _, v := range values {
				sum := md5.Sum([]byte(v))
				fmt.Fprintf(&hashes, "%s,%s\n", hex.EncodeToString(sum[:]), fe.UUID)
			}
		}
	}
	var err error
	if files["manifest.json"], err = encode(manifest); err != nil {
		return nil, err
	}
	files["hashes.csv"] = hashes.Bytes()
	return files, nil
}

func encode(v any) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, errs.Wrap(err, "cannot encode MISP feed")
	}
	return b.Bytes(), nil
}

// toFeed checks one event and returns its feed form; at names it in errors.
func toFeed(e Event, at string) (feedEvent, error) {
	id := strings.ToLower(e.UUID)
	tl := e.ThreatLevel
	if tl == 0 {
		tl = 4
	}
	tlp := e.TLP // a TLP tag left among Tags still counts
	for _, t := range e.Tags {
		tlp = stricterTLP(tlp, tlpOf(t))
	}
	dist, ok := tlpDistribution[tlp]
	if !ok {
		dist = e.Distribution
	}
	switch {
	case !validUUID(id):
		return feedEvent{}, errs.Field(at+".UUID", "%q is not a UUID", e.UUID)
	case strings.TrimSpace(e.Info) == "":
		return feedEvent{}, errs.Field(at+".Info", "must not be empty")
	case e.TLP != "" && tlpOrder[e.TLP] == 0:
		return feedEvent{}, errs.Field(at+".TLP", "%q is not one of clear, green, amber, amber+strict, red", e.TLP)
	case tl < 1 || tl > 4:
		return feedEvent{}, errs.Field(at+".ThreatLevel", "must be 1 (high) to 4 (undefined)")
	case e.Analysis < 0 || e.Analysis > 2:
		return feedEvent{}, errs.Field(at+".Analysis", "must be 0 (initial) to 2 (complete)")
	case dist < 0 || dist > 4:
		return feedEvent{}, errs.Field(at+".Distribution", "must be 0 to 4")
	case e.OrgUUID != "" && !validUUID(e.OrgUUID):
		return feedEvent{}, errs.Field(at+".OrgUUID", "%q is not a UUID", e.OrgUUID)
	}
	fe := feedEvent{UUID: id, feedSummary: feedSummary{Info: strings.TrimSpace(e.Info), Analysis: strconv.Itoa(e.Analysis), ThreatLevel: strconv.Itoa(tl),
		Timestamp: unixText(e.Timestamp), Orgc: feedOrg{Name: e.OrgName, UUID: strings.ToLower(e.OrgUUID)}, Tag: []feedTag{}},
		PublishTimestamp: unixText(e.PublishTimestamp), Published: e.Published, Distribution: strconv.Itoa(dist), Attribute: []feedAttribute{}}
	if !e.Date.IsZero() {
		fe.Date = e.Date.UTC().Format(time.DateOnly)
	}
	for _, t := range e.Tags {
		if tlpOf(t) == "" && strings.TrimSpace(t) != "" {
			fe.Tag = append(fe.Tag, feedTag{Name: t, Colour: "#808080"})
		}
	}
	if tlp != "" {
		fe.Tag = append(fe.Tag, tlpTag(tlp))
	}
	objects := map[string]int{}
	for i, a := range e.Attributes {
		fa, err := toFeedAttribute(id, tlp, a, fmt.Sprintf("%s.Attributes[%d]", at, i))
		if err != nil {
			return feedEvent{}, err
		}
		k := objectKey(a)
		if k == "" {
			fe.Attribute = append(fe.Attribute, fa)
			continue
		}
		o, ok := objects[k]
		if !ok {
			if strings.TrimSpace(a.ObjectName) == "" {
				return feedEvent{}, errs.Field(fmt.Sprintf("%s.Attributes[%d].ObjectName", at, i), "must not be empty for an attribute in an object")
			}
			ouuid := strings.ToLower(a.ObjectUUID)
			if ouuid == "" {
				ouuid = UUID5(id, "object|"+a.ObjectName)
			} else if !validUUID(ouuid) {
				return feedEvent{}, errs.Field(fmt.Sprintf("%s.Attributes[%d].ObjectUUID", at, i), "%q is not a UUID", a.ObjectUUID)
			}
			o = len(fe.Object)
			objects[k] = o
			fe.Object = append(fe.Object, feedObject{Name: a.ObjectName, UUID: ouuid, Timestamp: fe.Timestamp, Distribution: "5"})
		}
		fe.Object[o].Attribute = append(fe.Object[o].Attribute, fa)
	}
	return fe, nil
}

func toFeedAttribute(eventUUID, eventTLP string, a Attribute, at string) (feedAttribute, error) {
	switch {
	case strings.TrimSpace(a.Type) == "":
		return feedAttribute{}, errs.Field(at+".Type", "must not be empty")
	case strings.TrimSpace(a.Value) == "":
		return feedAttribute{}, errs.Field(at+".Value", "must not be empty")
	case a.UUID != "" && !validUUID(a.UUID):
		return feedAttribute{}, errs.Field(at+".UUID", "%q is not a UUID", a.UUID)
	case a.TLP != "" && tlpOrder[a.TLP] == 0:
		return feedAttribute{}, errs.Field(at+".TLP", "%q is not one of clear, green, amber, amber+strict, red", a.TLP)
	case a.FirstSeen != nil && a.LastSeen != nil && a.LastSeen.Before(*a.FirstSeen):
		return feedAttribute{}, errs.Field(at+".LastSeen", "is before FirstSeen")
	}
	fa := feedAttribute{UUID: strings.ToLower(a.UUID), Type: a.Type, Category: a.Category, Value: a.Value, Comment: a.Comment,
		ToIDS: a.ToIDS, Deleted: a.Deleted, Timestamp: unixText(a.Timestamp), Distribution: "5",
		FirstSeen: seenText(a.FirstSeen), LastSeen: seenText(a.LastSeen)}
	if fa.UUID == "" {
		fa.UUID = UUID5(eventUUID, a.Type+"|"+a.Value)
	}
	if fa.Category == "" {
		fa.Category = categoryFor(a.Type)
	}
	if tlpOrder[a.TLP] > tlpOrder[eventTLP] {
		fa.Tag = []feedTag{tlpTag(a.TLP)}
		fa.Distribution = strconv.Itoa(tlpDistribution[a.TLP])
	}
	return fa, nil
}

// WriteFeed writes events as a MISP feed (see FeedFiles) into dir, making
// it if need be. Each file is written to a temporary file in dir and
// renamed over the old one, event files first and manifest.json last, so
// a reader never finds the manifest listing a file not yet written. Event
// files (<uuid>.json) of events no longer in the feed are removed
// afterwards, so that an event withdrawn from the feed cannot still be
// fetched by its name; other files in dir are left alone.
func WriteFeed(dir string, events []Event) error {
	files, err := FeedFiles(events)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return errs.Wrap(err, "cannot make feed directory %s", dir)
	}
	names := make([]string, 0, len(files))
	for n := range files {
		if n != "manifest.json" && n != "hashes.csv" {
			names = append(names, n)
		}
	}
	slices.Sort(names)
	for _, n := range append(names, "hashes.csv", "manifest.json") {
		if err := writeAtomic(dir, n, files[n]); err != nil {
			return err
		}
	}
	old, err := os.ReadDir(dir)
	if err != nil {
		return errs.Wrap(err, "cannot list feed directory %s", dir)
	}
	for _, f := range old {
		n := f.Name()
		if id, ok := strings.CutSuffix(n, ".json"); ok && validUUID(id) && files[n] == nil && f.Type().IsRegular() {
			if err := os.Remove(filepath.Join(dir, n)); err != nil {
				return errs.Wrap(err, "cannot remove withdrawn event %s from feed %s", n, dir)
			}
		}
	}
	return nil
}

func writeAtomic(dir, name string, data []byte) error {
	f, err := os.CreateTemp(dir, "."+name+".*.tmp")
	if err != nil {
		return errs.Wrap(err, "cannot write %s in feed %s", name, dir)
	}
	_, err = f.Write(data)
	if err == nil {
		err = f.Chmod(0o644)
	}
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(f.Name(), filepath.Join(dir, name))
	}
	if err != nil {
		os.Remove(f.Name())
		return errs.Wrap(err, "cannot write %s in feed %s", name, dir)
	}
	return nil
}

// mispTypes maps samdrift's indicator types to the MISP attribute type
// EventFromIndicators gives them.
var mispTypes = map[string]string{indicator.IP: "ip-dst", indicator.Domain: "domain", indicator.URL: "url",
	indicator.MD5: "md5", indicator.SHA1: "sha1", indicator.SHA256: "sha256", indicator.Email: "email"}

// EventFromIndicators builds the event samdrift publishes for inds. base
// gives the UUID (a new random one when empty), Info, OrgName, OrgUUID,
// Tags and Timestamp (now when zero); the rest is derived: Date is the
// Timestamp's day unless set, the event is published then, analysis is
// complete, ThreatLevel comes from the highest indicator level (critical
// and high 1, medium 2, low 3, else 4) and TLP is the strictest of the
// indicators' TLP (an indicator without one counts as green, samdrift's
// default), so publish indicators of differing TLP as separate events
// lest the wider ones be held back. Each indicator becomes one to_ids
// attribute with a name-based UUID (stable across exports), its
// description as comment and the MISP type and category for its type (ip
// as ip-dst, email as email; Network activity or Payload delivery).
// Indicators that repeat are written once. An indicator that does not
// normalise is an EINVALID error naming indicators[i].
func EventFromIndicators(base Event, inds []indicator.Indicator) (Event, error) {
	e := base
	if e.UUID == "" {
		e.UUID = NewUUID()
	}
	e.UUID = strings.ToLower(e.UUID)
	if !validUUID(e.UUID) {
		return Event{}, errs.Field("UUID", "%q is not a UUID", base.UUID)
	}
	if strings.TrimSpace(e.Info) == "" {
		return Event{}, errs.Field("info", "must not be empty")
	}
	if len(inds) == 0 {
		return Event{}, errs.Field("indicators", "must not be empty")
	}
	if e.Timestamp.IsZero() {
		e.Timestamp = time.Now().UTC().Truncate(time.Second)
	}
	if e.Date.IsZero() {
		y, m, d := e.Timestamp.UTC().Date()
		e.Date = time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
	}
	e.Published, e.PublishTimestamp, e.Analysis, e.ThreatLevel, e.TLP, e.Attributes = true, e.Timestamp, 2, 4, "", nil
	seen := map[string]bool{}
	for i, in := range inds {
		typ, v, err := indicator.Normalize(in.Type, in.Value)
		if err != nil {
			return Event{}, errs.Field(fmt.Sprintf("indicators[%d].value", i), "%v", err)
		}
		tlp := strings.ToLower(in.TLP)
		if tlp == "" {
			tlp = "green"
		}
		if tlpOrder[tlp] == 0 {
			return Event{}, errs.Field(fmt.Sprintf("indicators[%d].tlp", i), "%q is not one of clear, green, amber, amber+strict, red", in.TLP)
		}
		e.TLP = stricterTLP(e.TLP, tlp)
		if l, ok := threatLevels[strings.ToLower(in.Level)]; ok {
			e.ThreatLevel = min(e.ThreatLevel, l)
		}
		if seen[typ+"|"+v] {
			continue
		}
		seen[typ+"|"+v] = true
		mt := mispTypes[typ]
		e.Attributes = append(e.Attributes, Attribute{UUID: UUID5(e.UUID, mt+"|"+v), Type: mt, Category: categoryFor(mt),
			Value: v, Comment: in.Description, ToIDS: true, Timestamp: e.Timestamp})
	}
	for i := range e.Attributes {
		e.Attributes[i].TLP = e.TLP
	}
	e.Distribution = tlpDistribution[e.TLP]
	return e, nil
}
