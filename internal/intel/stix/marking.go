package stix

import (
	"fmt"
	"strings"
	"time"
)

// TLP 2.0 labels, from least to most restrictive; samdrift's vocabulary.
const (
	TLPClear       = "clear"
	TLPGreen       = "green"
	TLPAmber       = "amber"
	TLPAmberStrict = "amber+strict"
	TLPRed         = "red"
)

// tlpOrder ranks the labels by strictness.
var tlpOrder = []string{TLPClear, TLPGreen, TLPAmber, TLPAmberStrict, TLPRed}

// TLP2Extension is the id of the OASIS extension that defines the TLP 2.0
// marking definitions (cti-stix-common-objects, tlp-2.0).
const TLP2Extension = "extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d"

// tlp2Created is the created timestamp the extension fixes for its five
// marking definitions; like the ids it is part of the published objects.
var tlp2Created = time.Date(2022, 10, 1, 0, 0, 0, 0, time.UTC)

// tlp2IDs are the marking-definition ids fixed by the TLP 2.0 extension.
var tlp2IDs = map[string]string{
	TLPClear:       "marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487",
	TLPGreen:       "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb",
	TLPAmber:       "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421",
	TLPAmberStrict: "marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003",
	TLPRed:         "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1",
}

// markingTLP maps every TLP marking-definition id, 2.0 and the TLP 1.0
// ones STIX 2.1 §7.2.1.4 predefines, to its TLP 2.0 label.
var markingTLP = map[string]string{
	"marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9": TLPClear, // TLP 1.0 WHITE
	"marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da": TLPGreen, // TLP 1.0 GREEN
	"marking-definition--f88d31f6-486f-44da-b317-01333bde0b82": TLPAmber, // TLP 1.0 AMBER
	"marking-definition--5e57c739-391a-4eb3-b6be-7d15ca92d5ed": TLPRed,   // TLP 1.0 RED
}

func init() {
	for label, id := range tlp2IDs {
		markingTLP[id] = label
	}
}

// TLP returns the TLP 2.0 label that markingRefs (an object's
// object_marking_refs) give: TLP 1.0 WHITE is clear, GREEN green, AMBER
// amber and RED red; TLP 2.0 markings give their own label. With several
// TLP markings the strictest wins; with none it returns "". Other marking
// definitions (statements, PAP, …) are ignored.
func TLP(markingRefs []string) string {
	best := -1
	for _, ref := range markingRefs {
		if label, ok := markingTLP[ref]; ok {
			if r := tlpRank(label); r > best {
				best = r
			}
		}
	}
	if best < 0 {
		return ""
	}
	return tlpOrder[best]
}

func tlpRank(label string) int {
	for i, l := range tlpOrder {
		if l == label {
			return i
		}
	}
	return -1
}

// normalizeTLP reads a TLP label in any common spelling ("AMBER+STRICT",
// "TLP:GREEN", TLP 1.0 "white") and returns samdrift's label, or "".
func normalizeTLP(tlp string) string {
	l := strings.ToLower(strings.TrimSpace(tlp))
	l = strings.TrimPrefix(l, "tlp:")
	if l == "white" {
		return TLPClear
	}
	if _, ok := tlp2IDs[l]; ok {
		return l
	}
	return ""
}

// MarkingID returns the TLP 2.0 marking-definition id for a TLP label
// (clear, green, amber, amber+strict, red; case and a "TLP:" prefix do not
// matter, and TLP 1.0 "white" means clear), or "" for anything else.
func MarkingID(tlp string) string {
	return tlp2IDs[normalizeTLP(tlp)]
}

// MarkingDefinitions returns the five TLP 2.0 marking-definition objects
// exactly as the OASIS extension defines them, from clear to red, for
// bundles whose objects reference them. Each call returns new values.
func MarkingDefinitions() []Object {
	objs := make([]Object, len(tlpOrder))
	for i, label := range tlpOrder {
		raw := fmt.Sprintf(`{"type":"marking-definition","spec_version":"2.1","id":%q,"created":%s,"name":"TLP:%s",`+
			`"extensions":{%q:{"extension_type":"property-extension","tlp_2_0":%q}}}`,
			tlp2IDs[label], appendTime(nil, tlp2Created), strings.ToUpper(label), TLP2Extension, label)
		objs[i] = Object{Type: "marking-definition", ID: tlp2IDs[label], SpecVersion: SpecVersion, Created: tlp2Created, Raw: []byte(raw)}
	}
	return objs
}
