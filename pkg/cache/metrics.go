package cache

import (
	"errors"

	"github.com/prometheus/client_golang/prometheus"
)

// CountLookups registers cartwheel_cache_requests_total on reg (or finds it there) and
// returns an Options.Looked that counts the reads of the cache called name by result.
// Every read-through cache of a process shares the one metric, told apart by its label.
func CountLookups(reg prometheus.Registerer, name string) (func(hit bool), error) {
	lookups := prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "cartwheel_cache_requests_total", Help: "Reads of a read-through cache, by cache and result (hit or miss).",
	}, []string{"cache", "result"})
	if err := reg.Register(lookups); err != nil {
		var already prometheus.AlreadyRegisteredError
		if !errors.As(err, &already) {
			return nil, err
		}
		existing, ok := already.ExistingCollector.(*prometheus.CounterVec)
		if !ok {
			return nil, err
		}
		lookups = existing
	}
	hits, misses := lookups.WithLabelValues(name, "hit"), lookups.WithLabelValues(name, "miss")
	return func(hit bool) {
		if hit {
			hits.Inc()
		} else {
			misses.Inc()
		}
	}, nil
}
