package sigma

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// RuleSet is what a rule tree holds.
type RuleSet struct {
	Rules        []*Rule
	Correlations []*Correlation
	Filters      []*Filter
	// Rejected lists documents that could not be read, as *RuleError.
	Rejected []error
	Files    int
}

// Add appends another set.
func (s *RuleSet) Add(o *RuleSet) {
	s.Rules = append(s.Rules, o.Rules...)
	s.Correlations = append(s.Correlations, o.Correlations...)
	s.Filters = append(s.Filters, o.Filters...)
	s.Rejected = append(s.Rejected, o.Rejected...)
	s.Files += o.Files
}

// LoadDir reads every .yml and .yaml file under root (root may be a
// single file). File names in the set are relative to root's parent so
// that messages stay short and stable.
func LoadDir(root string) (*RuleSet, error) {
	set := &RuleSet{}
	info, err := os.Stat(root)
	if err != nil {
		return nil, fmt.Errorf("cannot read rules: %w", err)
	}
	base := filepath.Dir(filepath.Clean(root))
	visit := func(path string) error {
		data, err := os.ReadFile(path)
		if err != nil {
			return fmt.Errorf("cannot read rule file: %w", err)
		}
		rel, err := filepath.Rel(base, path)
		if err != nil {
			rel = path
		}
		set.Files++
		docs, errs := ParseFile(filepath.ToSlash(rel), data)
		set.Rejected = append(set.Rejected, errs...)
		for _, d := range docs {
			switch {
			case d.Rule != nil:
				set.Rules = append(set.Rules, d.Rule)
			case d.Correlation != nil:
				set.Correlations = append(set.Correlations, d.Correlation)
			case d.Filter != nil:
				set.Filters = append(set.Filters, d.Filter)
			}
		}
		return nil
	}
	if !info.IsDir() {
		return set, visit(root)
	}
	err = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if strings.HasPrefix(d.Name(), ".") && path != root {
				return filepath.SkipDir
			}
			return nil
		}
		if ext := filepath.Ext(path); ext != ".yml" && ext != ".yaml" {
			return nil
		}
		return visit(path)
	})
	if err != nil {
		return nil, err
	}
	return set, nil
}
