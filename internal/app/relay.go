package app

import (
	"context"
	"encoding/json"
	"fmt"
	"github.com/nats-io/nats.go"
	"log/slog"

	"github.com/samdrift/samdrift/internal/detect"
	"github.com/samdrift/samdrift/internal/spine"
)

// alertSubject carries alerts between nodes for the live views.
const alertSubject = "samdrift.alerts"

// relayed is one message on alertSubject.
type relayed struct {
	Node   string         `json:"node"`
	Alerts []detect.Alert `json:"alerts"`
}

// relayAlerts carries alerts between the nodes of a deployment over the
// NATS at url: what this node's detector writes or changes is published,
// and what other nodes publish reaches this node's live streams, so that
// a SOC analyst on any web node sees every alert in their reach at once.
// Live views only: a message lost while a node reconnects makes no alert
// go missing from the lists (the database has them), and a stream that
// fell behind tells its page to reload. The returned func stops it.
func (a *App) relayAlerts(ctx context.Context, o EventOptions, node string, log *slog.Logger) (func(), error) {
	url := o.NATS
	nc, err := nats.Connect(url, append([]nats.Option{nats.Name("samdrift alerts " + node)}, spine.ConnectOptions(o.NATSCreds, o.NATSCA)...)...)
	if err != nil {
		return nil, fmt.Errorf("cannot connect to NATS %s for the live alert views: %w", url, err)
	}
	sub, err := nc.Subscribe(alertSubject, func(m *nats.Msg) {
		var r relayed
		if err := json.Unmarshal(m.Data, &r); err != nil {
			log.Warn("ignoring an unreadable relayed alert message", "err", err)
			return
		}
		if r.Node != node {
			a.Detect.Relayed(r.Alerts)
		}
	})
	if err != nil {
		nc.Close()
		return nil, fmt.Errorf("cannot subscribe to %s: %w", alertSubject, err)
	}
	a.Detect.SetRelay(func(as []detect.Alert) {
		b, err := json.Marshal(relayed{Node: node, Alerts: as})
		if err == nil {
			err = nc.Publish(alertSubject, b)
		}
		if err != nil && ctx.Err() == nil {
			log.Warn("cannot relay alerts to the other nodes' live views", "alerts", len(as), "err", err)
		}
	})
	return func() {
		a.Detect.SetRelay(nil)
		_ = sub.Unsubscribe()
		_ = nc.Drain()
	}, nil
}
