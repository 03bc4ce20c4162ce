package rocketmq

import (
	"errors"
	"fmt"
	"math"
	"net"
	"strconv"
	"strings"
	"time"
)

// Config connects the driver to one RocketMQ cluster. Load it with pkg/config under a
// prefix such as MQ_ROCKETMQ_ (MQ_ROCKETMQ_NAMESRV, MQ_ROCKETMQ_DELAY_LEVELS, ...); a zero
// MaxReconsume, SendTimeout or InstancePrefix takes the default named in its comment.
type Config struct {
	// NameServers are the name servers' host:port addresses (comma-separated in the
	// environment).
	NameServers []string `env:"NAMESRV" envSeparator:","`
	// DelayLevels must equal the broker's messageDelayLevel, level 1 first: RocketMQ
	// 4.x-protocol clients can only ask for a level, so the driver needs the table to
	// turn a Message.Delay into one. It has no default because a wrong table delays
	// messages silently by the wrong amount.
	DelayLevels DelayLevels `env:"DELAY_LEVELS"`
	// MaxReconsume is how many redeliveries a failing message gets before the broker
	// dead-letters it into %DLQ%<group> (default 16, RocketMQ's own). Zero means the
	// default, as in the embedded broker's Options.
	MaxReconsume int `env:"MAX_RECONSUME" envDefault:"16"`
	// SendTimeout bounds one send, retries included (default 3s).
	SendTimeout time.Duration `env:"SEND_TIMEOUT" envDefault:"3s"`
	// InstancePrefix starts every client instance name, so the broker's console shows
	// which program a producer or consumer belongs to (default "cartwheel").
	InstancePrefix string `env:"INSTANCE_PREFIX" envDefault:"cartwheel"`
}

const (
	defaultMaxReconsume   = 16
	defaultSendTimeout    = 3 * time.Second
	defaultInstancePrefix = "cartwheel"
)

func (c Config) withDefaults() Config {
	if c.MaxReconsume == 0 {
		c.MaxReconsume = defaultMaxReconsume
	}
	if c.SendTimeout == 0 {
		c.SendTimeout = defaultSendTimeout
	}
	if c.InstancePrefix == "" {
		c.InstancePrefix = defaultInstancePrefix
	}
	return c
}

// Validate reports every problem at once. It names the variables by their ROCKETMQ_
// suffix; the service's own prefix comes before it.
func (c *Config) Validate() error {
	var problems []error
	if len(c.NameServers) == 0 {
		problems = append(problems, errors.New("ROCKETMQ_NAMESRV is required"))
	}
	for _, addr := range c.NameServers {
		if err := checkHostPort(addr); err != nil {
			problems = append(problems, fmt.Errorf("ROCKETMQ_NAMESRV: %w", err))
		}
	}
	if err := c.DelayLevels.check(); err != nil {
		problems = append(problems, fmt.Errorf("ROCKETMQ_DELAY_LEVELS: %w", err))
	}
	if c.MaxReconsume < 0 || c.MaxReconsume > math.MaxInt32 { // the client takes an int32
		problems = append(problems, fmt.Errorf("ROCKETMQ_MAX_RECONSUME=%d: must be between 0 and %d", c.MaxReconsume, math.MaxInt32))
	}
	if c.SendTimeout < 0 {
		problems = append(problems, fmt.Errorf("ROCKETMQ_SEND_TIMEOUT=%v: must not be negative", c.SendTimeout))
	}
	for _, r := range c.InstancePrefix {
		if !isNameRune(r) {
			problems = append(problems, fmt.Errorf("ROCKETMQ_INSTANCE_PREFIX=%q: only letters, digits, '-' and '_'", c.InstancePrefix))
			break
		}
	}
	return errors.Join(problems...)
}

func checkHostPort(addr string) error {
	host, port, err := net.SplitHostPort(strings.TrimSpace(addr))
	if err != nil {
		return fmt.Errorf("%q is not host:port", addr)
	}
	if n, err := strconv.Atoi(port); host == "" || err != nil || n < 1 || n > 65535 {
		return fmt.Errorf("%q is not host:port", addr)
	}
	return nil
}

// DelayLevels is the broker's delay level table, level 1 first. As text it reads the
// broker's own messageDelayLevel syntax ("1s 5s 10s 30s 1m 2m ... 1h 2h", 'd' for days)
// and Go durations, separated by spaces or commas.
type DelayLevels []time.Duration

// ParseDelayLevels parses a table such as "1s 2s 3s 5s 10s 30s 1m 2h".
func ParseDelayLevels(text string) (DelayLevels, error) {
	fields := strings.FieldsFunc(text, func(r rune) bool { return r == ',' || r == ' ' || r == '\t' })
	levels := make(DelayLevels, 0, len(fields))
	for _, f := range fields {
		d, err := parseLevel(f)
		if err != nil {
			return nil, err
		}
		levels = append(levels, d)
	}
	if err := levels.check(); err != nil {
		return nil, err
	}
	return levels, nil
}

// parseLevel reads one entry: the broker accepts a number and one of s, m, h, d; Go's
// durations cover all of those but d.
func parseLevel(s string) (time.Duration, error) {
	if days, ok := strings.CutSuffix(s, "d"); ok {
		n, err := strconv.Atoi(days)
		if err != nil {
			return 0, fmt.Errorf("delay level %q: not a duration", s)
		}
		return time.Duration(n) * 24 * time.Hour, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil {
		return 0, fmt.Errorf("delay level %q: not a duration", s)
	}
	return d, nil
}

// UnmarshalText lets pkg/config (caarlos0/env) read the table from one variable.
func (l *DelayLevels) UnmarshalText(text []byte) error {
	parsed, err := ParseDelayLevels(string(text))
	if err != nil {
		return err
	}
	*l = parsed
	return nil
}

// String prints the table in the broker's syntax, so the start-up log line can be
// compared with broker.conf at a glance.
func (l DelayLevels) String() string {
	parts := make([]string, len(l))
	for i, d := range l {
		parts[i] = formatLevel(d)
	}
	return strings.Join(parts, " ")
}

func formatLevel(d time.Duration) string {
	for _, u := range []struct {
		suffix string
		unit   time.Duration
	}{{"d", 24 * time.Hour}, {"h", time.Hour}, {"m", time.Minute}, {"s", time.Second}} {
		if d >= u.unit && d%u.unit == 0 {
			return strconv.FormatInt(int64(d/u.unit), 10) + u.suffix
		}
	}
	return d.String()
}

// check requires a non-empty, strictly increasing table of positive delays, the shape
// that makes "the smallest level at or above a delay" well defined.
func (l DelayLevels) check() error {
	if len(l) == 0 {
		return errors.New("empty: set it to the broker's messageDelayLevel")
	}
	for i, d := range l {
		if d <= 0 {
			return fmt.Errorf("level %d is %v: delays must be positive", i+1, d)
		}
		if i > 0 && d <= l[i-1] {
			return fmt.Errorf("level %d (%v) is not above level %d (%v): the table must increase", i+1, d, i, l[i-1])
		}
	}
	return nil
}

// level returns the delay level for delay: 0 (none) for a delay <= 0, else the smallest
// level whose delay is at least delay, because a message must never arrive early.
func (l DelayLevels) level(delay time.Duration) (int, error) {
	if delay <= 0 {
		return 0, nil
	}
	for i, d := range l {
		if d >= delay {
			return i + 1, nil
		}
	}
	if len(l) == 0 {
		return 0, errors.New("no delay levels configured")
	}
	return 0, fmt.Errorf("delay %v exceeds the broker's largest delay level %v", delay, formatLevel(l[len(l)-1]))
}
