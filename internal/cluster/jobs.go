package cluster

import (
	"context"
	"log/slog"
	"sync"
	"time"
)

// Job is periodic work that must run on one node at a time: the SLA
// sweep, the silent-source check, retention, notification delivery.
// Its effect must be idempotent all the same (a lease ends a few seconds
// after its holder stops answering, and a run may have been cut short).
type Job struct {
	// Name is unique among jobs; the lease is "job.<Name>".
	Name string
	// Every is the time between the end of one run and the start of the
	// next.
	Every time.Duration
	// First delays the first run after the lease is taken (0: at once).
	First time.Duration
	// Run does the work once; its context ends when the lease is lost.
	Run func(ctx context.Context) error
}

// RunJobs runs each job every Job.Every on whichever node holds its
// lease, until ctx ends; failures are logged and the job runs again at
// its next time. It returns when every job has stopped.
func (l *Leases) RunJobs(ctx context.Context, log *slog.Logger, jobs ...Job) {
	var wg sync.WaitGroup
	for _, j := range jobs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			l.Hold(ctx, "job."+j.Name, func(ctx context.Context, epoch int64) {
				log.Info("running a job on this node", "job", j.Name, "epoch", epoch)
				t := time.NewTimer(j.First)
				defer t.Stop()
				for {
					select {
					case <-ctx.Done():
						return
					case <-t.C:
					}
					if err := j.Run(ctx); err != nil && ctx.Err() == nil {
						log.Warn("job failed; it runs again at its next time", "job", j.Name, "err", err)
					}
					t.Reset(j.Every)
				}
			})
		}()
	}
	wg.Wait()
}
