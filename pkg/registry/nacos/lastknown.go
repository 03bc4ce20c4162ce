package nacos

import (
	"sync"
	"time"

	"github.com/cloudwego/kitex/pkg/discovery"
)

// lastKnown remembers each service's last non-empty instance list, so Resolve can keep
// answering it for a bounded time while Nacos lists nothing or cannot be asked (see
// Config.Hold). Kitex keeps its own list when Resolve fails, but takes an empty answer
// at its word; a Nacos that restarted empty answers exactly that until the instances'
// SDK clients have registered again.
type lastKnown struct {
	hold time.Duration
	now  func() time.Time

	mu       sync.Mutex
	services map[string]*known
}

type known struct {
	res discovery.Result
	// missingSince is when Nacos first stopped listing the instances; zero while it does.
	missingSince time.Time
}

// verdict says how settle answered, so Resolve logs each change once.
type verdict int

const (
	fresh    verdict = iota // Nacos's own answer
	holding                 // the last known instances, Nacos having just stopped listing them
	held                    // the last known instances, still
	released                // Nacos's empty answer or error, the hold having run out
)

func newLastKnown(hold time.Duration, now func() time.Time) *lastKnown {
	return &lastKnown{hold: hold, now: now, services: map[string]*known{}}
}

// settle is what Resolve answers for service, given what Nacos answered.
func (l *lastKnown) settle(service string, res discovery.Result, err error) (discovery.Result, error, verdict) {
	if l.hold <= 0 {
		return res, err, fresh
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if err == nil && len(res.Instances) > 0 {
		l.services[service] = &known{res: res}
		return res, nil, fresh
	}
	k, ok := l.services[service]
	if !ok {
		return res, err, fresh
	}
	now := l.now()
	v := held
	if k.missingSince.IsZero() {
		k.missingSince, v = now, holding
	}
	if now.Sub(k.missingSince) > l.hold {
		delete(l.services, service)
		return res, err, released
	}
	return k.res, nil, v
}
