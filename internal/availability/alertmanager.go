package availability

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/samdrift/samdrift/internal/access"
	"github.com/samdrift/samdrift/internal/errs"
)

// AlertmanagerWebhook is the body Prometheus Alertmanager posts to a
// webhook receiver (version 4).
type AlertmanagerWebhook struct {
	Version  string              `json:"version"`
	GroupKey string              `json:"groupKey"`
	Status   string              `json:"status"`
	Receiver string              `json:"receiver"`
	Alerts   []AlertmanagerAlert `json:"alerts"`
}

// AlertmanagerAlert is one alert of a webhook.
type AlertmanagerAlert struct {
	Status      string            `json:"status"` // firing, resolved
	Labels      map[string]string `json:"labels"`
	Annotations map[string]string `json:"annotations"`
	StartsAt    time.Time         `json:"startsAt"`
	EndsAt      time.Time         `json:"endsAt"`
	Fingerprint string            `json:"fingerprint"`
}

// The labels that tie an alert to a subscription and say how much of it
// is down.
const (
	LabelSubscription = "samdrift_subscription"
	LabelImpact       = "samdrift_impact"
)

// WebhookStats counts what the monitoring webhooks brought.
type WebhookStats struct {
	Received, Opened, Ended, Refused atomic.Int64
}

// TokenOrg resolves an ingest token to the organisation it belongs to.
type TokenOrg func(ctx context.Context, token string) (org int64, ok bool)

// maxWebhookBody bounds a webhook body (Alertmanager sends at most a few
// hundred alerts).
const maxWebhookBody = 4 << 20

// problem is one alert the webhook could not use.
type problem struct {
	Alert  int    `json:"alert"`
	Reason string `json:"reason"`
}

// Alertmanager serves POST /ingest/alertmanager: Alertmanager's webhook,
// authenticated with an ingest token of a unit ("Authorization: Bearer
// sdi_…", as Alertmanager's http_config authorization sends it). Each
// alert names its subscription in the label samdrift_subscription (and
// may say samdrift_impact, 0.01–1, for a partial outage): a firing alert
// opens an outage (its fingerprint joins it to the same one when sent
// again), a resolved one ends it at its endsAt. Alerts that name no
// subscription of the token's unit are refused, counted and listed in a
// 422 answer; the rest are taken.
func (s *Service) Alertmanager(tokens TokenOrg, stats *WebhookStats) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		unit, ok := unitOf(w, r, tokens, stats)
		if !ok {
			return
		}
		var hook AlertmanagerWebhook
		dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxWebhookBody))
		if err := dec.Decode(&hook); err != nil {
			stats.Refused.Add(1)
			var tooBig *http.MaxBytesError
			if errors.As(err, &tooBig) {
				webhookProblem(w, http.StatusRequestEntityTooLarge, fmt.Sprintf("the body is larger than %d bytes", maxWebhookBody), nil)
				return
			}
			webhookProblem(w, http.StatusBadRequest, "the body is not an Alertmanager webhook (JSON): "+err.Error(), nil)
			return
		}
		if _, err := dec.Token(); err != io.EOF {
			stats.Refused.Add(1)
			webhookProblem(w, http.StatusBadRequest, "the body holds more than one JSON value", nil)
			return
		}
		if hook.Version != "4" || len(hook.Alerts) == 0 {
			stats.Refused.Add(1)
			webhookProblem(w, http.StatusBadRequest, fmt.Sprintf("want an Alertmanager webhook of version 4 with alerts, got version %q with %d alerts", hook.Version, len(hook.Alerts)), nil)
			return
		}
		sc := access.System("alertmanager")
		sc.OrgID = unit
		var problems []problem
		failed := false
		for i, a := range hook.Alerts {
			stats.Received.Add(1)
			if err := s.takeAlert(r.Context(), sc, unit, a, stats); err != nil {
				stats.Refused.Add(1)
				failed = failed || errs.CodeOf(err) == errs.Internal
				problems = append(problems, problem{Alert: i, Reason: reasonOf(err)})
			}
		}
		// On a failure Alertmanager sends the whole webhook again; what was
		// taken is taken once (fingerprints).
		answer(w, problems, failed, len(hook.Alerts), "alerts")
	})
}

// takeAlert opens or ends the outage one alert speaks of.
func (s *Service) takeAlert(ctx context.Context, sc access.Scope, unit int64, a AlertmanagerAlert, stats *WebhookStats) error {
	ref := a.Labels[LabelSubscription]
	sub, err := strconv.ParseInt(strings.TrimSpace(ref), 10, 64)
	if err != nil || sub <= 0 {
		return errs.Field("labels."+LabelSubscription, "the alert has no label %s with a subscription number", LabelSubscription)
	}
	key := a.Fingerprint
	if key == "" {
		return errs.Field("fingerprint", "the alert has no fingerprint")
	}
	switch a.Status {
	case "firing":
		impact := 1.0
		if v, ok := a.Labels[LabelImpact]; ok {
			if impact, err = strconv.ParseFloat(v, 64); err != nil {
				return errs.Field("labels."+LabelImpact, "%s %q is not a number 0.01–1", LabelImpact, v)
			}
		}
		cause := a.Annotations["summary"]
		if cause == "" {
			cause = a.Labels["alertname"]
		}
		if d := a.Annotations["description"]; d != "" {
			cause = strings.TrimSpace(cause + ": " + d)
		}
		start := a.StartsAt
		if now := s.Clock(); start.IsZero() || start.After(now) {
			start = now
		}
		_, created, err := s.open(ctx, sc, NewOutage{Subscription: sub, Start: start, Impact: impact, Cause: truncate(cause, maxCause), Source: SourceWebhook,
			Fingerprint: key, Unit: unit})
		if created {
			stats.Opened.Add(1)
		}
		return err
	case "resolved":
		end := a.EndsAt
		if now := s.Clock(); end.IsZero() || end.After(now) {
			end = now
		}
		ended, err := s.EndByKey(ctx, sc, unit, sub, key, end)
		if ended {
			stats.Ended.Add(1)
		}
		return err
	}
	return errs.Field("status", "an alert's status must be firing or resolved, got %q", a.Status)
}

// reasonOf is what a sender is told about err (no internals).
func reasonOf(err error) string {
	if e := errs.As(err); e != nil && e.Code != errs.Internal {
		if e.Field != "" {
			return e.Field + ": " + e.Message
		}
		return e.Message
	}
	return "an internal error; the alert was not taken (send it again)"
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8Start(s[n]) {
		n--
	}
	return s[:n]
}

func utf8Start(b byte) bool { return b&0xC0 != 0x80 }

// unitOf authenticates a webhook by the unit's ingest token, answering
// 401 (and counting it) when it is missing or unknown.
func unitOf(w http.ResponseWriter, r *http.Request, tokens TokenOrg, stats *WebhookStats) (int64, bool) {
	token, _ := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if token != "" {
		if unit, ok := tokens(r.Context(), token); ok {
			return unit, true
		}
	}
	stats.Refused.Add(1)
	w.Header().Set("WWW-Authenticate", `Bearer realm="samdrift ingest"`)
	webhookProblem(w, http.StatusUnauthorized, "send the unit's ingest token (samdrift sources add --org UNIT --token) as a bearer token", nil)
	return 0, false
}

// answer ends a webhook: 503 when something could not be recorded (the
// sender sends it all again; what was taken is taken once), 422 listing
// what was refused, else 204.
func answer(w http.ResponseWriter, problems []problem, failed bool, total int, what string) {
	switch {
	case failed:
		webhookProblem(w, http.StatusServiceUnavailable, "samdrift could not record every one of the "+what+"; send them again", problems)
	case len(problems) > 0:
		webhookProblem(w, http.StatusUnprocessableEntity, fmt.Sprintf("%d of %d %s were refused; the others were taken", len(problems), total, what), problems)
	default:
		w.WriteHeader(http.StatusNoContent)
	}
}

// webhookProblem answers an RFC 9457 problem with the refused alerts.
func webhookProblem(w http.ResponseWriter, status int, detail string, problems []problem) {
	w.Header().Set("Content-Type", "application/problem+json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(struct {
		Title   string    `json:"title"`
		Status  int       `json:"status"`
		Detail  string    `json:"detail"`
		Refused []problem `json:"refused,omitempty"`
	}{http.StatusText(status), status, detail, problems})
}

// StatusEvent is the generic JSON webhook's body: one change of a
// subscription's state from any monitoring tool (Zabbix, Uptime Kuma, a
// script).
type StatusEvent struct {
	Subscription int64   `json:"subscription"`
	Status       string  `json:"status"` // down or up
	Key          string  `json:"key"`    // the tool's name for the problem; an up ends the down with the same key
	At           string  `json:"at"`     // RFC 3339; default now
	Impact       float64 `json:"impact"` // 0.01–1 for down (default 1)
	Cause        string  `json:"cause"`
}

// StatusWebhook serves POST /ingest/outages: a JSON object (or an array
// of them) of StatusEvent, authenticated with an ingest token of the
// unit, as Alertmanager does.
func (s *Service) StatusWebhook(tokens TokenOrg, stats *WebhookStats) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		unit, ok := unitOf(w, r, tokens, stats)
		if !ok {
			return
		}
		body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxWebhookBody))
		if err != nil {
			stats.Refused.Add(1)
			webhookProblem(w, http.StatusRequestEntityTooLarge, fmt.Sprintf("the body is larger than %d bytes", maxWebhookBody), nil)
			return
		}
		var events []StatusEvent
		trimmed := strings.TrimSpace(string(body))
		if strings.HasPrefix(trimmed, "[") {
			err = json.Unmarshal(body, &events)
		} else {
			var one StatusEvent
			err = json.Unmarshal(body, &one)
			events = []StatusEvent{one}
		}
		if err != nil || len(events) == 0 || len(events) > 1000 {
			stats.Refused.Add(1)
			webhookProblem(w, http.StatusBadRequest, "want a JSON object {\"subscription\": N, \"status\": \"down\"|\"up\", \"key\": \"…\"} or an array of up to 1,000 of them", nil)
			return
		}
		sc := access.System("monitoring-webhook")
		sc.OrgID = unit
		var problems []problem
		failed := false
		for i, ev := range events {
			stats.Received.Add(1)
			a := AlertmanagerAlert{Labels: map[string]string{LabelSubscription: strconv.FormatInt(ev.Subscription, 10)}, Annotations: map[string]string{"summary": ev.Cause},
				Fingerprint: ev.Key}
			if ev.Impact != 0 {
				a.Labels[LabelImpact] = strconv.FormatFloat(ev.Impact, 'f', -1, 64)
			}
			var at time.Time
			if ev.At != "" {
				if at, err = time.Parse(time.RFC3339, ev.At); err != nil {
					stats.Refused.Add(1)
					problems = append(problems, problem{Alert: i, Reason: "at: want an RFC 3339 time"})
					continue
				}
			}
			switch ev.Status {
			case "down":
				a.Status, a.StartsAt = "firing", at
			case "up":
				a.Status, a.EndsAt = "resolved", at
			default:
				a.Status = ev.Status
			}
			if ev.Status != "down" && ev.Status != "up" {
				stats.Refused.Add(1)
				problems = append(problems, problem{Alert: i, Reason: "status: want down or up"})
				continue
			}
			if err := s.takeAlert(r.Context(), sc, unit, a, stats); err != nil {
				stats.Refused.Add(1)
				failed = failed || errs.CodeOf(err) == errs.Internal
				problems = append(problems, problem{Alert: i, Reason: reasonOf(err)})
			}
		}
		answer(w, problems, failed, len(events), "events")
	})
}
