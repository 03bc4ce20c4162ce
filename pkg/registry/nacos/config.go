package nacos

import (
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"
	"time"
)

// Defaults applied by New to fields left empty.
const (
	DefaultGroup    = "CARTWHEEL"
	DefaultCluster  = "DEFAULT"
	DefaultTimeout  = 3 * time.Second
	DefaultLogLevel = "warn"
)

// The instance metadata key naming a release's track, and its values.
const (
	TrackKey    = "track"
	TrackStable = "stable"
	TrackCanary = "canary"
)

// grpcPortOffset is where Nacos 2.x serves gRPC relative to its HTTP port; the SDK
// dials HTTP port + 1000, so the HTTP port must leave room for it.
const grpcPortOffset = 1000

// maxWeight is the largest weight the Nacos server accepts.
const maxWeight = 10000

// maxDrain keeps a typo (7m for 7s) from holding every shutdown for minutes.
const maxDrain = time.Minute

// maxHold bounds how long callers may dial instances Nacos no longer lists.
const maxHold = 10 * time.Minute

// Config selects a Nacos server and where this process's instances live in it. The env
// tags let a binary embed it with an envPrefix (e.g. `envPrefix:"NACOS_"`).
type Config struct {
	// Addr is host:port of the HTTP API, e.g. 127.0.0.1:8848. The SDK speaks gRPC to the
	// same host on port + 1000.
	Addr string `env:"ADDR"`
	// Namespace is the namespace ID; empty means Nacos's "public".
	Namespace string `env:"NAMESPACE"`
	// Group and Cluster must match between servers and their callers, or callers see no
	// instance at all.
	Group   string `env:"GROUP" envDefault:"CARTWHEEL"`
	Cluster string `env:"CLUSTER" envDefault:"DEFAULT"`
	// Weight, when above zero, is registered for every instance of this process instead of
	// the weight Kitex passes (server.WithRegistryInfo; 10 by default). Nacos accepts
	// 0..10000; the resolver skips instances of weight 0.
	Weight int `env:"WEIGHT"`
	// Track, when set, is registered as the instances' metadata track=<Track>: "canary" marks
	// a canary release (deploy/helm `track: canary`), "stable" or empty the regular one.
	Track string `env:"TRACK"`
	// Timeout bounds each request to the Nacos server.
	Timeout time.Duration `env:"TIMEOUT" envDefault:"3s"`
	// Drain is how long Deregister keeps a stopping server serving after withdrawing it.
	// Kitex deregisters before it closes the listener, and callers keep their resolved
	// list for up to their refresh interval (1 s with pkg/suite's client options) plus
	// Nacos's push (about 1 s measured), so without a drain calls in that window land on a
	// closing server. Zero means no drain; binaries reading the environment get 3s.
	Drain time.Duration `env:"DRAIN" envDefault:"3s"`
	// Hold is how long Resolve keeps answering a service's last known instances while
	// Nacos lists none of them or cannot be asked: a Nacos restarted empty pushes an
	// empty list until every instance has registered again (seconds), and callers would
	// otherwise have nothing to dial meanwhile. A service that really has no instance
	// left is answered empty once Hold has passed; until then its calls fail fast on a
	// refused connection. Zero holds nothing; binaries reading the environment get 30s.
	Hold time.Duration `env:"HOLD" envDefault:"30s"`
	// LogDir and CacheDir receive the SDK's log file and its copy of resolved services. They
	// are required so the SDK never writes into the working directory or $HOME.
	LogDir   string `env:"LOG_DIR"`
	CacheDir string `env:"CACHE_DIR"`
	// LogLevel is the SDK's own log level: debug, info, warn or error.
	LogLevel string `env:"LOG_LEVEL" envDefault:"warn"`
}

// withDefaults fills the optional fields left empty by a Config built in code.
func (c Config) withDefaults() Config {
	if c.Group == "" {
		c.Group = DefaultGroup
	}
	if c.Cluster == "" {
		c.Cluster = DefaultCluster
	}
	if c.Timeout == 0 {
		c.Timeout = DefaultTimeout
	}
	if c.LogLevel == "" {
		c.LogLevel = DefaultLogLevel
	}
	return c
}

// Validate reports every invalid field at once. Empty optional fields are valid: New
// gives them their defaults.
func (c Config) Validate() error {
	var problems []error
	if _, _, err := c.hostPort(); err != nil {
		problems = append(problems, err)
	}
	// Nacos joins group and service with "@@" and lists clusters with ","; either inside a
	// value would address a different service.
	if strings.Contains(c.Group, "@@") {
		problems = append(problems, fmt.Errorf("nacos: group %q contains \"@@\"", c.Group))
	}
	if strings.Contains(c.Cluster, ",") {
		problems = append(problems, fmt.Errorf("nacos: cluster %q contains \",\"", c.Cluster))
	}
	if c.Weight < 0 || c.Weight > maxWeight {
		problems = append(problems, fmt.Errorf("nacos: weight %d is outside 0..%d", c.Weight, maxWeight))
	}
	switch c.Track {
	case "", TrackStable, TrackCanary:
	default:
		problems = append(problems, fmt.Errorf("nacos: track %q is not %q or %q", c.Track, TrackStable, TrackCanary))
	}
	if c.Timeout < 0 || (c.Timeout > 0 && c.Timeout < time.Millisecond) {
		problems = append(problems, fmt.Errorf("nacos: timeout %s is not a positive duration of at least 1ms", c.Timeout))
	}
	if c.Drain < 0 || c.Drain > maxDrain {
		problems = append(problems, fmt.Errorf("nacos: drain %s is outside 0..%s", c.Drain, maxDrain))
	}
	if c.Hold < 0 || c.Hold > maxHold {
		problems = append(problems, fmt.Errorf("nacos: hold %s is outside 0..%s", c.Hold, maxHold))
	}
	if strings.TrimSpace(c.LogDir) == "" {
		problems = append(problems, errors.New("nacos: log dir is required (the SDK would otherwise log into the working directory)"))
	}
	if strings.TrimSpace(c.CacheDir) == "" {
		problems = append(problems, errors.New("nacos: cache dir is required (the SDK would otherwise write into the working directory)"))
	}
	switch c.LogLevel {
	case "", "debug", "info", "warn", "error":
	default:
		problems = append(problems, fmt.Errorf("nacos: log level %q is not debug, info, warn or error", c.LogLevel))
	}
	return errors.Join(problems...)
}

// hostPort splits Addr and checks the gRPC port derived from it exists.
func (c Config) hostPort() (string, uint64, error) {
	if strings.TrimSpace(c.Addr) == "" {
		return "", 0, errors.New("nacos: addr is required (host:port of the HTTP API, e.g. 127.0.0.1:8848)")
	}
	host, portText, err := net.SplitHostPort(c.Addr)
	if err != nil {
		return "", 0, fmt.Errorf("nacos: addr %q is not host:port: %w", c.Addr, err)
	}
	if host == "" {
		return "", 0, fmt.Errorf("nacos: addr %q has no host", c.Addr)
	}
	port, err := strconv.ParseUint(portText, 10, 16)
	if err != nil || port == 0 || port+grpcPortOffset > 65535 {
		return "", 0, fmt.Errorf("nacos: addr %q: port must be 1..%d (gRPC listens on port + %d)", c.Addr, 65535-grpcPortOffset, grpcPortOffset)
	}
	return host, port, nil
}
