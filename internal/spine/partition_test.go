package spine_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/samdrift/samdrift/internal/spine"
)

// TestPartitions: with four partitions every tenant's batches reach the
// store consumer of its partition only, with the tenant intact, and the
// partitions together receive everything once.
func TestPartitions(t *testing.T) {
	each(t, func(t *testing.T, o spine.Options) {
		o.Partitions = 4
		if o.URL == "" {
			if _, err := spine.Open(context.Background(), o); err == nil || !strings.Contains(err.Error(), "external NATS") {
				t.Fatalf("four partitions on the in-process server: %v; want a refusal naming --nats", err)
			}
			return
		}
		o.Consumers = nil
		s := open(t, o)
		ctx := context.Background()
		const tenants, per = 12, 3
		for tn := range tenants {
			for i := range per {
				if err := s.Publish(ctx, fmt.Sprint(1000+tn), fmt.Sprintf("b-%d-%d", tn, i), []byte("x")); err != nil {
					t.Fatal(err)
				}
			}
		}
		seen, used := map[string]int{}, map[int]bool{}
		total := 0
		for p := range 4 {
			want := 0
			for tn := range tenants {
				if spine.PartitionOf(fmt.Sprint(1000+tn), 4) == p {
					want += per
				}
			}
			if want == 0 {
				continue
			}
			used[p] = true
			for _, b := range collect(t, s, s.StoreConsumer(p), want, nil) {
				if spine.PartitionOf(b.Tenant, 4) != p {
					t.Errorf("partition %d got tenant %s (partition %d)", p, b.Tenant, spine.PartitionOf(b.Tenant, 4))
				}
				seen[b.ID]++
				total++
			}
		}
		if total != tenants*per || len(seen) != tenants*per {
			t.Fatalf("partitions received %d batches, %d distinct; want %d once each", total, len(seen), tenants*per)
		}
		if len(used) < 2 {
			t.Fatalf("12 tenants fell into %d partition(s); the hash does not spread", len(used))
		}
	})
}
