package ingest_test

import (
	"context"
	"io"
	"log/slog"
	"net"
	"testing"
	"time"

	"github.com/samdrift/samdrift/internal/event"
	"github.com/samdrift/samdrift/internal/eventstore"
	"github.com/samdrift/samdrift/internal/ingest"
	"github.com/samdrift/samdrift/internal/sources"
	"github.com/samdrift/samdrift/internal/spine"
	"github.com/samdrift/samdrift/internal/store"
)

// openSpine opens an in-process spine with the "store" consumer, closed
// when the test ends (maxBytes 0: the default).
func openSpine(t *testing.T, maxBytes int64) *spine.Spine {
	t.Helper()
	sp, err := spine.Open(context.Background(), spine.Options{Dir: t.TempDir(), Consumers: []string{"store"}, MaxBytes: maxBytes})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(sp.Close)
	return sp
}

// newPipeline is a pipeline into sink attributing with a registry over db.
func newPipeline(t *testing.T, db *store.DB, sink ingest.Sink) *ingest.Pipeline {
	t.Helper()
	reg := sources.New(db)
	if err := reg.Reload(context.Background()); err != nil {
		t.Fatal(err)
	}
	return ingest.NewPipeline(sink, reg, slog.New(slog.NewTextHandler(io.Discard, nil)), nil)
}

// serveOn runs serve on a listener at 127.0.0.1 until the test ends and
// returns its address.
func serveOn(t *testing.T, serve func(context.Context, net.Listener) error) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() { served <- serve(ctx, ln) }()
	t.Cleanup(func() {
		cancel()
		<-served
	})
	return ln.Addr().String()
}

// storeWhatArrives consumes the spine into an event store over db until
// want events have come (or 10 s pass), and returns the events that came
// and how many the store kept.
func storeWhatArrives(t *testing.T, sp *spine.Spine, db *store.DB, want int) (seen []event.Event, stored int) {
	t.Helper()
	es := eventstore.New(db)
	ctx, stop := context.WithTimeout(context.Background(), 10*time.Second)
	defer stop()
	_ = sp.Consume(ctx, "store", func(ctx context.Context, bs []spine.Batch) error {
		var batches []eventstore.Batch
		for _, b := range bs {
			evs, err := event.DecodeBatch(b.Data)
			if err != nil {
				return err
			}
			seen = append(seen, evs...)
			batches = append(batches, eventstore.Batch{ID: b.ID, Events: evs})
		}
		n, err := es.AppendBatches(ctx, batches)
		stored += n
		if len(seen) >= want {
			stop()
		}
		return err
	})
	return seen, stored
}
