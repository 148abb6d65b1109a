package app

import (
	"context"
	"fmt"
	"time"

	"github.com/samdrift/samdrift/internal/access"
	"github.com/samdrift/samdrift/internal/availability"
	"github.com/samdrift/samdrift/internal/locale"
	"github.com/samdrift/samdrift/internal/servicedesk"
)

// outageTickets opens the service desk's incidents for the outages that
// monitoring finds (a probe, the unit's Alertmanager): at the unit, in
// progress, with the municipality's SPOC told, and notes their end. The
// text is Danish, as the tickets people work in.
type outageTickets struct{ desk *servicedesk.Service }

var monitoring = access.System("monitoring")

func (t outageTickets) OpenFor(ctx context.Context, o availability.Outage) (int64, error) {
	impact := 1
	if o.Impact < 1 {
		impact = 2 // a partial outage
	}
	source := map[string]string{availability.SourceProbe: "samdrifts probe", availability.SourceWebhook: "enhedens overvågning"}[o.Source]
	tk, err := t.desk.Create(ctx, monitoring, servicedesk.NewTicket{Kind: servicedesk.Incident, Municipality: o.MunicipalityID, Subscription: o.SubscriptionID,
		Title:       fmt.Sprintf("Nedbrud: %s (%s)", o.Service, o.Level),
		Description: fmt.Sprintf("%s meldte nedbrud fra %s: %s", source, locale.DateTime(locale.Danish, o.StartedAt), o.Cause),
		Impact:      impact, Urgency: 1, AtUnit: true})
	return tk.ID, err
}

func (t outageTickets) NoteEnd(ctx context.Context, ticket int64, o availability.Outage) error {
	if o.EndedAt == nil {
		return nil
	}
	_, err := t.desk.Comment(ctx, monitoring, ticket, fmt.Sprintf("Nedbruddet sluttede %s efter %s.", locale.DateTime(locale.Danish, *o.EndedAt),
		o.EndedAt.Sub(o.StartedAt).Round(time.Second)), false)
	return err
}
