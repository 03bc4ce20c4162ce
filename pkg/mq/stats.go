package mq

import "sync/atomic"

// Stats are a driver's counters, for operators and tests.
type Stats struct {
	Committed    int64 // messages made visible: plain sends and committed half messages
	RolledBack   int64 // half messages discarded
	CheckBacks   int64 // Checker calls
	Acked        int64 // successful handler runs
	Failed       int64 // handler runs that returned an error or panicked
	DeadLettered int64 // messages given up after their last allowed delivery
}

// Counters are the live form of Stats, safe for concurrent use; drivers keep one.
type Counters struct {
	Committed, RolledBack, CheckBacks, Acked, Failed, DeadLettered atomic.Int64
}

// Stats is a snapshot of the counters.
func (c *Counters) Stats() Stats {
	return Stats{
		Committed:    c.Committed.Load(),
		RolledBack:   c.RolledBack.Load(),
		CheckBacks:   c.CheckBacks.Load(),
		Acked:        c.Acked.Load(),
		Failed:       c.Failed.Load(),
		DeadLettered: c.DeadLettered.Load(),
	}
}
