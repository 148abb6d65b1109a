package library

import (
	"embed"
	"io/fs"
	"path"
	"slices"
)

// File is a library file by name.
type File struct {
	Name string
	Data []byte
}

//go:embed data/*.yaml
var builtin embed.FS

// Builtin returns the libraries that ship with samdrift (data/*.yaml):
// ISO/IEC 27001:2022 Annex A, NIS2 with the Danish NIS 2-lov, GDPR and
// the state's technical minimum requirements, and the mappings between
// them, frameworks first. TestBuiltin parses and validates them, so a
// mistake in one fails the build's tests with its FILE:LINE.
func Builtin() ([]File, error) {
	names, err := fs.Glob(builtin, "data/*.yaml")
	if err != nil {
		return nil, err
	}
	slices.SortStableFunc(names, func(a, b string) int {
		am, bm := path.Base(a)[:min(8, len(path.Base(a)))] == "mapping-", path.Base(b)[:min(8, len(path.Base(b)))] == "mapping-"
		switch {
		case am == bm:
			return 0
		case am:
			return 1
		}
		return -1
	})
	out := make([]File, len(names))
	for i, n := range names {
		data, err := builtin.ReadFile(n)
		if err != nil {
			return nil, err
		}
		out[i] = File{Name: n, Data: data}
	}
	return out, nil
}
