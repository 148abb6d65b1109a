package org

import (
	"bytes"
	_ "embed"
	"encoding/csv"
	"fmt"
	"regexp"
	"strings"
)

// kommunerCSV is the reference list of Denmark's 98 municipalities: code,
// name, region (a copy of the project's shared reference data).
//
//go:embed kommuner.csv
var kommunerCSV []byte

// Municipality is one row of the reference list.
type Municipality struct {
	Code   string
	Name   string
	Region string
}

var codeRE = regexp.MustCompile(`^[0-9]{3}$`)

// IsMunicipalityCode reports whether s has the form of a municipality code
// (three digits).
func IsMunicipalityCode(s string) bool { return codeRE.MatchString(s) }

// Municipalities returns the embedded reference list of the 98
// municipalities in file order.
func Municipalities() ([]Municipality, error) {
	r := csv.NewReader(bytes.NewReader(kommunerCSV))
	rows, err := r.ReadAll()
	if err != nil {
		return nil, fmt.Errorf("kommuner.csv: %w", err)
	}
	if len(rows) == 0 || strings.Join(rows[0], ",") != "kode,navn,region" {
		return nil, fmt.Errorf("kommuner.csv:1: want header kode,navn,region")
	}
	out := make([]Municipality, 0, len(rows)-1)
	seen := map[string]bool{}
	for i, row := range rows[1:] {
		if !IsMunicipalityCode(row[0]) || row[1] == "" || row[2] == "" || seen[row[0]] {
			return nil, fmt.Errorf("kommuner.csv:%d: bad or duplicate row %q", i+2, strings.Join(row, ","))
		}
		seen[row[0]] = true
		out = append(out, Municipality{Code: row[0], Name: row[1], Region: row[2]})
	}
	return out, nil
}

var slugReplacer = strings.NewReplacer("æ", "ae", "ø", "oe", "å", "aa", "é", "e", "ü", "u", "ö", "o", "ä", "a")

var slugStrip = regexp.MustCompile(`[^a-z0-9]+`)

// Slugify turns a Danish name into a slug: "Høje-Taastrup" → "hoeje-taastrup".
func Slugify(name string) string {
	s := slugReplacer.Replace(strings.ToLower(name))
	return strings.Trim(slugStrip.ReplaceAllString(s, "-"), "-")
}

var slugRE = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,62}$`)

// MunicipalitySlug is the slug a reference municipality gets
// ("Høje-Taastrup" → "hoeje-taastrup-kommune").
func MunicipalitySlug(name string) string { return Slugify(name) + "-kommune" }
