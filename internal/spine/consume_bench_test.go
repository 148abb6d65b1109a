package spine_test

import (
	"context"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/samdrift/samdrift/internal/spine"
)

// BenchmarkConsume measures how fast one consumer drains batches that are
// already in the in-process spine (file storage, SyncAlways): the read
// side of the event path without decoding or storing.
func BenchmarkConsume(b *testing.B) {
	const n = 2000
	payload := make([]byte, 128<<10)
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		s, err := spine.Open(context.Background(), spine.Options{Dir: b.TempDir(), Consumers: []string{"store"}, MaxBytes: 2 << 30})
		if err != nil {
			b.Fatal(err)
		}
		for j := 0; j < n; j++ {
			if err := s.Publish(context.Background(), "1", strconv.Itoa(j), payload); err != nil {
				b.Fatal(err)
			}
		}
		ctx, cancel := context.WithCancel(context.Background())
		var got atomic.Int64
		done := make(chan struct{})
		b.StartTimer()
		start := time.Now()
		go func() {
			_ = s.Consume(ctx, "store", func(_ context.Context, bs []spine.Batch) error {
				if got.Add(int64(len(bs))) >= n {
					select {
					case <-done:
					default:
						close(done)
					}
				}
				return nil
			})
		}()
		<-done
		for {
			_, p, _ := s.Stored(context.Background())
			if p == 0 {
				break
			}
			time.Sleep(time.Millisecond)
		}
		el := time.Since(start)
		b.StopTimer()
		cancel()
		s.Close()
		b.ReportMetric(float64(n)/el.Seconds(), "batches/s")
	}
}
