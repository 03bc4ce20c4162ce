// Package livecfg holds the settings SREs turn while the gateway runs (rate limits,
// canary share, log level): a document from the Nacos config center, validated before it
// is applied and swapped in atomically, the last good value kept when a bad one arrives.
// Without a config center the settings are the environment's and never change.
package livecfg

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/cartwheel-shop/cartwheel/pkg/canary"
)

// Settings are the live values. In a document every key is optional: a key left out
// takes the environment's value (the base the Store was made with), so deleting the
// document, or a key, goes back to how the process was configured.
type Settings struct {
	RatePerIP    float64 `json:"rate_per_ip"`    // requests per second per client IP
	BurstPerIP   int     `json:"burst_per_ip"`   // bucket size per client IP
	RatePerUser  float64 `json:"rate_per_user"`  // requests per second per signed-in user
	BurstPerUser int     `json:"burst_per_user"` // bucket size per user
	// CanaryShare is the percentage of users (0..100, by a stable hash of their id) whose
	// requests go to canary instances; X-Canary: always goes there regardless.
	CanaryShare float64 `json:"canary_share"`
	// LogLevel is debug, info, warn or error; empty keeps the level the process started with.
	LogLevel string `json:"log_level"`
}

// Bounds that catch a typo before it throttles or floods the shop.
const (
	maxRate  = 1_000_000
	maxBurst = 1_000_000
)

// Validate reports every invalid value at once, named by its document key.
func (s Settings) Validate() error {
	var problems []error
	rate := func(key string, v float64) {
		if math.IsNaN(v) || v <= 0 || v > maxRate {
			problems = append(problems, fmt.Errorf("%s=%v: must be above 0 and at most %d", key, v, maxRate))
		}
	}
	burst := func(key string, v int) {
		if v < 1 || v > maxBurst {
			problems = append(problems, fmt.Errorf("%s=%d: must be 1..%d", key, v, maxBurst))
		}
	}
	rate("rate_per_ip", s.RatePerIP)
	burst("burst_per_ip", s.BurstPerIP)
	rate("rate_per_user", s.RatePerUser)
	burst("burst_per_user", s.BurstPerUser)
	if err := canary.ValidateShare(s.CanaryShare); err != nil {
		problems = append(problems, fmt.Errorf("canary_share: %w", err))
	}
	switch s.LogLevel {
	case "", "debug", "info", "warn", "error":
	default:
		problems = append(problems, fmt.Errorf("log_level=%q: must be debug, info, warn or error", s.LogLevel))
	}
	return errors.Join(problems...)
}

// Parse reads a JSON document over base: unknown keys, a wrong type or trailing data
// refuse the whole document, and so does any invalid value. An empty document (none in
// the config center) is base itself.
func Parse(doc []byte, base Settings) (Settings, error) {
	s := base
	if len(bytes.TrimSpace(doc)) > 0 {
		dec := json.NewDecoder(bytes.NewReader(doc))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&s); err != nil {
			return base, fmt.Errorf("livecfg: %w", err)
		}
		if _, err := dec.Token(); !errors.Is(err, io.EOF) {
			return base, errors.New("livecfg: trailing data after the settings object")
		}
	}
	if err := s.Validate(); err != nil {
		return base, fmt.Errorf("livecfg: %w", err)
	}
	return s, nil
}

// Store holds the current Settings. Readers call Current on every request; it never
// blocks. Writers go through Apply, one at a time, and the watchers see every accepted
// value in order.
type Store struct {
	base Settings
	log  *slog.Logger
	cur  atomic.Pointer[Settings]

	mu       sync.Mutex // serialises Apply and Watch, so watchers see changes in order
	watchers []func(Settings)
}

// NewStore starts from base, the environment's settings, which must be valid.
func NewStore(base Settings, log *slog.Logger) (*Store, error) {
	if err := base.Validate(); err != nil {
		return nil, fmt.Errorf("livecfg: environment: %w", err)
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	s := &Store{base: base, log: log}
	s.cur.Store(&base)
	return s, nil
}

// Current is the settings in force.
func (s *Store) Current() Settings { return *s.cur.Load() }

// Watch calls fn with the settings in force now and then after every accepted change.
// fn runs while Apply holds the store's lock: it must be quick and must not Apply.
func (s *Store) Watch(fn func(Settings)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.watchers = append(s.watchers, fn)
	fn(s.Current())
}

// Apply parses doc over the environment's settings and swaps it in. A document that
// does not parse or validate changes nothing: the last good settings stay, and the
// refusal is logged at ERROR and returned. source names where doc came from, for the log.
func (s *Store) Apply(doc []byte, source string) error {
	next, err := Parse(doc, s.base)
	if err != nil {
		s.log.Error("live settings refused; the last good ones stay", "source", source, "err", err, "kept", s.Current())
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	prev := s.Current()
	if prev == next {
		return nil
	}
	s.cur.Store(&next)
	for _, fn := range s.watchers {
		fn(next)
	}
	s.log.Info("live settings applied", "source", source, "settings", next, "changed", strings.Join(changed(prev, next), ","))
	return nil
}

// changed names the keys whose values differ, for the log line.
func changed(a, b Settings) []string {
	var keys []string
	add := func(key string, differ bool) {
		if differ {
			keys = append(keys, key)
		}
	}
	add("rate_per_ip", a.RatePerIP != b.RatePerIP)
	add("burst_per_ip", a.BurstPerIP != b.BurstPerIP)
	add("rate_per_user", a.RatePerUser != b.RatePerUser)
	add("burst_per_user", a.BurstPerUser != b.BurstPerUser)
	add("canary_share", a.CanaryShare != b.CanaryShare)
	add("log_level", a.LogLevel != b.LogLevel)
	return keys
}
