package org

import (
	"context"

	"github.com/samdrift/samdrift/internal/access"
	"github.com/samdrift/samdrift/internal/errs"
)

// ImportMunicipalities creates every municipality of the reference list
// that does not exist yet (matched by code) and returns how many it created.
// It is safe to run again. progress, when non-nil, is called after each
// municipality with the count done so far.
func (s *Service) ImportMunicipalities(ctx context.Context, sc access.Scope, progress func(done, total int)) (int, error) {
	if !sc.Can(access.ManageOrganizations) {
		return 0, errs.E(errs.Forbidden, "only an administrator may import municipalities")
	}
	ms, err := Municipalities()
	if err != nil {
		return 0, err
	}
	created := 0
	for i, m := range ms {
		_, err := s.Get(ctx, sc, m.Code)
		switch errs.CodeOf(err) {
		case "":
		case errs.NotFound:
			if _, err := s.Create(ctx, sc, NewOrganization{Kind: KindMunicipality, Slug: MunicipalitySlug(m.Name),
				Code: m.Code, Name: m.Name + " Kommune", Region: m.Region}); err != nil {
				return created, err
			}
			created++
		default:
			return created, err
		}
		if progress != nil {
			progress(i+1, len(ms))
		}
	}
	return created, nil
}
