package bench

import (
	"fmt"
	"maps"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"
)

// Outcome is one request as the client saw it: its latency, and for a failure the
// HTTP status and the envelope's code ("" for a transport error or a success).
type Outcome struct {
	Latency time.Duration
	Status  int
	Code    string
	Err     error
	// RetryAfter is the answer's Retry-After header ("" when absent).
	RetryAfter string
}

// ok is a 2xx answer.
func (o Outcome) ok() bool { return o.Err == nil && o.Status >= 200 && o.Status < 300 }

// errorKey groups failures for the table: "503 UNAVAILABLE", "timeout", ...
func (o Outcome) errorKey() string {
	switch {
	case o.Err != nil:
		if strings.Contains(o.Err.Error(), "Client.Timeout") || strings.Contains(o.Err.Error(), "deadline exceeded") {
			return "timeout"
		}
		return "transport"
	case o.Code != "":
		return fmt.Sprintf("%d %s", o.Status, o.Code)
	default:
		return fmt.Sprintf("%d", o.Status)
	}
}

// Recorder collects the outcomes of one operation; safe for concurrent use.
type Recorder struct {
	mu        sync.Mutex
	latencies []time.Duration // successful answers only: failures are counted, not timed
	errors    map[string]int
	settle    []time.Duration
	expected  []string // error codes that are the right answer here (a wrong password: 401)
}

func newRecorder(expected ...string) *Recorder {
	return &Recorder{errors: map[string]int{}, expected: expected}
}

// Add records one request.
func (r *Recorder) Add(o Outcome) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if o.ok() || (o.Code != "" && slices.Contains(r.expected, o.Code)) {
		r.latencies = append(r.latencies, o.Latency)
		return
	}
	r.errors[o.errorKey()]++
}

// AddSettle records how long an order took to leave PENDING.
func (r *Recorder) AddSettle(d time.Duration) {
	r.mu.Lock()
	r.settle = append(r.settle, d)
	r.mu.Unlock()
}

// Row is one line of the table: one operation of one scenario in one run, or the
// median of several runs.
type Row struct {
	Scenario, Op string
	Concurrency  int
	Offered      float64 // requests per second of an open-loop load (0: closed loop, Concurrency clients)
	OK           int
	Errors       map[string]int
	PerSec       float64 // successful answers per second of the measured window
	P50, P99     time.Duration
	Max          time.Duration
	Ratio        float64 // PerSec / the Hertz baseline's, 0 when not compared
	Settle       *Quantiles
	Note         string
}

// Quantiles summarise a latency distribution.
type Quantiles struct {
	N             int
	P50, P99, Max time.Duration
}

func quantiles(d []time.Duration) Quantiles {
	if len(d) == 0 {
		return Quantiles{}
	}
	s := slices.Clone(d)
	slices.Sort(s)
	at := func(q float64) time.Duration { return s[min(len(s)-1, int(q*float64(len(s))))] }
	return Quantiles{N: len(s), P50: at(0.50), P99: at(0.99), Max: s[len(s)-1]}
}

// row summarises the recorder over window.
func (r *Recorder) row(scenario, op string, concurrency int, window time.Duration) Row {
	r.mu.Lock()
	defer r.mu.Unlock()
	q := quantiles(r.latencies)
	row := Row{
		Scenario: scenario, Op: op, Concurrency: concurrency, OK: q.N,
		Errors: maps.Clone(r.errors), P50: q.P50, P99: q.P99, Max: q.Max,
	}
	if window > 0 {
		row.PerSec = float64(q.N) / window.Seconds()
	}
	if len(r.settle) > 0 {
		s := quantiles(r.settle)
		row.Settle = &s
	}
	return row
}

// medianRows folds the runs' rows into one row per (scenario, op): the median of
// every figure, errors summed over the runs.
func medianRows(runs [][]Row) []Row {
	var order []string
	byKey := map[string][]Row{}
	for _, run := range runs {
		for _, r := range run {
			k := r.Scenario + "\x00" + r.Op
			if _, seen := byKey[k]; !seen {
				order = append(order, k)
			}
			byKey[k] = append(byKey[k], r)
		}
	}
	out := make([]Row, 0, len(order))
	for _, k := range order {
		rows := byKey[k]
		m := rows[0]
		m.Errors = map[string]int{}
		for _, r := range rows {
			for e, n := range r.Errors {
				m.Errors[e] += n
			}
		}
		m.OK = medianOf(rows, func(r Row) int { return r.OK })
		m.PerSec = medianOf(rows, func(r Row) float64 { return r.PerSec })
		m.Offered = medianOf(rows, func(r Row) float64 { return r.Offered })
		m.Ratio = medianOf(rows, func(r Row) float64 { return r.Ratio })
		m.P50 = medianOf(rows, func(r Row) time.Duration { return r.P50 })
		m.P99 = medianOf(rows, func(r Row) time.Duration { return r.P99 })
		m.Max = medianOf(rows, func(r Row) time.Duration { return r.Max })
		var settles []Row
		for _, r := range rows {
			if r.Settle != nil {
				settles = append(settles, r)
			}
		}
		if len(settles) > 0 {
			m.Settle = &Quantiles{
				N:   medianOf(settles, func(r Row) int { return r.Settle.N }),
				P50: medianOf(settles, func(r Row) time.Duration { return r.Settle.P50 }),
				P99: medianOf(settles, func(r Row) time.Duration { return r.Settle.P99 }),
				Max: medianOf(settles, func(r Row) time.Duration { return r.Settle.Max }),
			}
		}
		var notes []string
		for _, r := range rows {
			if r.Note != "" && !slices.Contains(notes, r.Note) {
				notes = append(notes, r.Note)
			}
		}
		m.Note = strings.Join(notes, "; ")
		out = append(out, m)
	}
	return out
}

// medianOf is the middle value (the lower middle of an even count).
func medianOf[T int | float64 | time.Duration](rows []Row, f func(Row) T) T {
	v := make([]T, len(rows))
	for i, r := range rows {
		v[i] = f(r)
	}
	slices.Sort(v)
	return v[(len(v)-1)/2]
}

// formatErrors lists failures, most frequent first.
func formatErrors(errs map[string]int) string {
	if len(errs) == 0 {
		return "0"
	}
	keys := slices.Collect(maps.Keys(errs))
	sort.Slice(keys, func(i, j int) bool {
		if errs[keys[i]] != errs[keys[j]] {
			return errs[keys[i]] > errs[keys[j]]
		}
		return keys[i] < keys[j]
	})
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = fmt.Sprintf("%s ×%d", k, errs[k])
	}
	return strings.Join(parts, ", ")
}
