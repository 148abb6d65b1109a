package stix

import (
	"encoding/json"
	"testing"
)

const (
	tlp1White = "marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9"
	tlp1Green = "marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da"
	tlp1Amber = "marking-definition--f88d31f6-486f-44da-b317-01333bde0b82"
	tlp1Red   = "marking-definition--5e57c739-391a-4eb3-b6be-7d15ca92d5ed"

	tlp2Clear       = "marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487"
	tlp2Green       = "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb"
	tlp2Amber       = "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421"
	tlp2AmberStrict = "marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003"
	tlp2Red         = "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1"

	statementMarking = "marking-definition--f92e15d9-6afc-5ae2-bb3e-85a1fd83a3b5"
)

func TestTLP(t *testing.T) {
	tests := []struct {
		name string
		refs []string
		want string
	}{
		{"none", nil, ""},
		{"1.0 white", []string{tlp1White}, TLPClear},
		{"1.0 green", []string{tlp1Green}, TLPGreen},
		{"1.0 amber", []string{tlp1Amber}, TLPAmber},
		{"1.0 red", []string{tlp1Red}, TLPRed},
		{"2.0 clear", []string{tlp2Clear}, TLPClear},
		{"2.0 green", []string{tlp2Green}, TLPGreen},
		{"2.0 amber", []string{tlp2Amber}, TLPAmber},
		{"2.0 amber+strict", []string{tlp2AmberStrict}, TLPAmberStrict},
		{"2.0 red", []string{tlp2Red}, TLPRed},
		{"unknown marking", []string{statementMarking}, ""},
		{"unknown and green", []string{statementMarking, tlp2Green}, TLPGreen},
		{"strictest of 1.0 and 2.0", []string{tlp1Green, tlp2AmberStrict, tlp2Clear}, TLPAmberStrict},
		{"1.0 amber below 2.0 amber+strict", []string{tlp2AmberStrict, tlp1Amber}, TLPAmberStrict},
		{"red wins", []string{tlp1Red, tlp2Amber, tlp1White}, TLPRed},
		{"1.0 white with 2.0 green", []string{tlp1White, tlp2Green}, TLPGreen},
	}
	for _, tt := range tests {
		if got := TLP(tt.refs); got != tt.want {
			t.Errorf("%s: TLP(%v) = %q; want %q", tt.name, tt.refs, got, tt.want)
		}
	}
}

func TestMarkingID(t *testing.T) {
	tests := map[string]string{
		"clear": tlp2Clear, "green": tlp2Green, "amber": tlp2Amber, "amber+strict": tlp2AmberStrict, "red": tlp2Red,
		"TLP:AMBER+STRICT": tlp2AmberStrict, " Red ": tlp2Red, "white": tlp2Clear, "": "", "amber-strict": "", "pink": "",
	}
	for in, want := range tests {
		if got := MarkingID(in); got != want {
			t.Errorf("MarkingID(%q) = %q; want %q", in, got, want)
		}
		if want != "" && TLP([]string{MarkingID(in)}) != normalizeTLP(in) {
			t.Errorf("TLP(MarkingID(%q)) = %q", in, TLP([]string{MarkingID(in)}))
		}
	}
}

func TestMarkingDefinitions(t *testing.T) {
	defs := MarkingDefinitions()
	data, err := WriteBundle(defs)
	if err != nil {
		t.Fatal(err)
	}
	b, err := ParseBundle("markings", data)
	if err != nil {
		t.Fatalf("ParseBundle(MarkingDefinitions): %v\n%s", err, data)
	}
	wantNames := []string{"TLP:CLEAR", "TLP:GREEN", "TLP:AMBER", "TLP:AMBER+STRICT", "TLP:RED"}
	if len(b.Objects) != len(tlpOrder) {
		t.Fatalf("%d marking definitions; want %d", len(b.Objects), len(tlpOrder))
	}
	for i, o := range b.Objects {
		label := tlpOrder[i]
		var m struct {
			Type, SpecVersion, ID, Created, Name string
			Extensions                           map[string]map[string]string
			DefinitionType                       *string `json:"definition_type"`
		}
		if err := json.Unmarshal(o.Raw, &m); err != nil {
			t.Fatal(err)
		}
		ext := m.Extensions[TLP2Extension]
		if o.ID != MarkingID(label) || TLP([]string{o.ID}) != label || m.Name != wantNames[i] || m.Created != "2022-10-01T00:00:00.000Z" ||
			o.SpecVersion != "2.1" || len(m.Extensions) != 1 || len(ext) != 2 ||
			ext["extension_type"] != "property-extension" || ext["tlp_2_0"] != label || m.DefinitionType != nil {
			t.Errorf("marking definition %d = %s", i, o.Raw)
		}
		if o.Type != defs[i].Type || o.ID != defs[i].ID || !o.Created.Equal(defs[i].Created) {
			t.Errorf("marking definition %d decodes as %+v; want %+v", i, o, defs[i])
		}
	}
	defs[0].Raw[0] = 'X'
	if MarkingDefinitions()[0].Raw[0] != '{' {
		t.Error("MarkingDefinitions shares its JSON between calls")
	}
}
