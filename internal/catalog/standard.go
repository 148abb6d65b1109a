package catalog

import (
	_ "embed"
)

// standardYAML is the common standard catalog shipped with samdrift.
//
//go:embed standard/catalog.yaml
var standardYAML []byte

// StandardYAML returns the shipped standard catalog's source.
func StandardYAML() []byte { return standardYAML }

// Standard parses the shipped standard catalog.
func Standard() (*Catalog, error) { return Parse("standard/catalog.yaml", standardYAML) }
