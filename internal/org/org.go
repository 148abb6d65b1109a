// Package org holds the organisations of the joint operating model: the
// shared IT service units, the 98 municipalities that own them and buy from
// them, the shared SOC/CERT and the governance secretariat; which
// municipalities own each unit, and which unit supplies each municipality.
// Organisation names and codes are public to every logged-in user; what an
// organisation owns elsewhere is filtered by access.Scope.
package org

import (
	"time"
)

// Kind is what an organisation is.
type Kind string

// The kinds of organisation.
const (
	KindUnit         Kind = "unit"         // a shared IT service unit ("enhed")
	KindMunicipality Kind = "municipality" // an owner municipality ("ejerkommune")
	KindSOC          Kind = "soc"          // the shared SOC/CERT
	KindSecretariat  Kind = "secretariat"  // the governance secretariat
)

// Kinds lists every kind in display order.
func Kinds() []Kind { return []Kind{KindUnit, KindMunicipality, KindSOC, KindSecretariat} }

// Valid reports whether k is a known kind.
func (k Kind) Valid() bool {
	switch k {
	case KindUnit, KindMunicipality, KindSOC, KindSecretariat:
		return true
	}
	return false
}

// Ref is a short reference to another organisation.
type Ref struct {
	ID   int64  `json:"id"`
	Slug string `json:"slug"`
	Code string `json:"code,omitempty"`
	Name string `json:"name"`
}

// Organization is one organisation. Code is the municipality code ("101")
// for municipalities and empty otherwise; Slug is unique for all.
type Organization struct {
	ID        int64     `json:"id"`
	Kind      Kind      `json:"kind"`
	Slug      string    `json:"slug"`
	Code      string    `json:"code,omitempty"`
	Name      string    `json:"name"`
	Region    string    `json:"region,omitempty"`
	Supplier  *Ref      `json:"supplier,omitempty"` // municipalities: the unit it buys basic services from
	Owners    []Ref     `json:"owners,omitempty"`   // units: the municipalities that own it
	Supplies  []Ref     `json:"supplies,omitempty"` // units: the municipalities it supplies
	OwnerOf   []Ref     `json:"owner_of,omitempty"` // municipalities: the units it owns
	CreatedAt time.Time `json:"created_at"`
}
