package spine_test

import (
	"context"
	"strconv"
	"testing"

	"github.com/samdrift/samdrift/internal/spine"
)

// BenchmarkPublishBatch measures publishing 64 KiB batches (about 500
// syslog events each) to the in-process server with file storage and a
// consumer draining them, i.e. the acknowledged ingest path without parsing.
func BenchmarkPublishBatch(b *testing.B) {
	s, err := spine.Open(context.Background(), spine.Options{Dir: b.TempDir(), Consumers: []string{"store"}})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() {
		_ = s.Consume(ctx, "store", func(context.Context, []spine.Batch) error { return nil })
	}()
	payload := make([]byte, 64<<10)
	b.SetBytes(int64(len(payload)))
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if err := s.Publish(context.Background(), "1", strconv.Itoa(i), payload); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "batches/s")
	b.ReportMetric(float64(b.N)*500/b.Elapsed().Seconds(), "events/s@500")
}
