package gateway

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"strings"
	"time"

	"github.com/cartwheel-shop/cartwheel/pkg/cache"
	"github.com/cartwheel-shop/cartwheel/pkg/canary"
	"github.com/cartwheel-shop/cartwheel/pkg/config"
	"github.com/cartwheel-shop/cartwheel/pkg/livecfg"
)

// EnvPrefix prefixes every variable of Config: config.Load[gateway.Config](gateway.EnvPrefix).
const EnvPrefix = "GATEWAY_"

// devJWTSecret lets `make run` work out of the box; production refuses it.
const devJWTSecret = "cartwheel-dev-only-jwt-secret-do-not-deploy"

// minSecretBytes: HS256 keys shorter than the hash output weaken the MAC (RFC 7518 §3.2).
const minSecretBytes = 32

// maxProductCacheTTL bounds how old the availability on a product page may be.
const maxProductCacheTTL = time.Minute

// Config is the gateway's configuration, read from GATEWAY_* variables.
type Config struct {
	Addr      string        `env:"ADDR" envDefault:"127.0.0.1:8080"`
	Env       string        `env:"ENV" envDefault:"dev"`
	JWTSecret string        `env:"JWT_SECRET" envDefault:"cartwheel-dev-only-jwt-secret-do-not-deploy" secret:"true"`
	AccessTTL time.Duration `env:"ACCESS_TTL" envDefault:"15m"`

	ReadTimeout  time.Duration `env:"READ_TIMEOUT" envDefault:"10s"`
	WriteTimeout time.Duration `env:"WRITE_TIMEOUT" envDefault:"10s"`
	IdleTimeout  time.Duration `env:"IDLE_TIMEOUT" envDefault:"60s"`
	MaxBodyBytes int64         `env:"MAX_BODY_BYTES" envDefault:"1048576"`

	RatePerIP    float64 `env:"RATE_PER_IP" envDefault:"50"`
	BurstPerIP   int     `env:"BURST_PER_IP" envDefault:"100"`
	RatePerUser  float64 `env:"RATE_PER_USER" envDefault:"20"`
	BurstPerUser int     `env:"BURST_PER_USER" envDefault:"40"`
	// Login attempts: per account from one client address, and per client address, a
	// burst and then one attempt every interval (and slower still past four bursts).
	LoginBurstPerAccount int           `env:"LOGIN_BURST_PER_ACCOUNT" envDefault:"5"`
	LoginEveryPerAccount time.Duration `env:"LOGIN_EVERY_PER_ACCOUNT" envDefault:"20s"`
	LoginBurstPerIP      int           `env:"LOGIN_BURST_PER_IP" envDefault:"30"`
	LoginEveryPerIP      time.Duration `env:"LOGIN_EVERY_PER_IP" envDefault:"10s"`
	// RateDriver keeps the rate-limit counters in process ("memory": one gateway) or in
	// Redis ("redis": every replica draws on the same budget; needs REDIS_ADDR).
	RateDriver string `env:"RATE_DRIVER" envDefault:"memory"`
	// RateKeyPrefix begins every Redis key of the limiter, so environments sharing one
	// Redis keep separate budgets.
	RateKeyPrefix string            `env:"RATE_KEY_PREFIX" envDefault:"cartwheel:gateway:"`
	Redis         cache.RedisConfig `envPrefix:"REDIS_"`

	// CORSOrigins are the browser origins allowed to call the API, e.g.
	// "https://shop.example.com"; none by default, so no CORS headers are sent.
	CORSOrigins []string `env:"CORS_ORIGINS" envSeparator:","`

	// SlowRequest is the duration from which a successful request is logged at info;
	// faster successes are logged at debug only (errors are always logged).
	SlowRequest time.Duration `env:"SLOW_REQUEST" envDefault:"500ms"`

	// HSTSMaxAge > 0 sends Strict-Transport-Security: set it only when the gateway is
	// reached through TLS (a terminating proxy), e.g. 8760h.
	HSTSMaxAge time.Duration `env:"HSTS_MAX_AGE" envDefault:"0s"`

	// CanaryShare is the percentage of signed-in users (0..100, by a stable hash of the
	// user id) sent to canary instances; X-Canary: always sends any request there.
	CanaryShare float64 `env:"CANARY_SHARE" envDefault:"0"`
	// Live says where the settings SREs turn at run time come from (rate limits, canary
	// share, log level): "env" keeps the values above; "nacos" follows a document in the
	// config center over them (GATEWAY_LIVE_SOURCE, GATEWAY_LIVE_DATA_ID, GATEWAY_LIVE_NACOS_*).
	Live livecfg.Config `envPrefix:"LIVE_"`

	RPCTimeout time.Duration `env:"RPC_TIMEOUT" envDefault:"3s"`
	// RequestTimeout bounds an API request's whole stay, every call it makes and every
	// retry of one included: Kitex ends a call at the earlier of the request's deadline
	// and RPCTimeout. 0 means twice RPCTimeout (a handler makes at most two calls in a
	// row); otherwise at least RPCTimeout, so one call always has its own time.
	RequestTimeout time.Duration `env:"REQUEST_TIMEOUT" envDefault:"0s"`
	// MaxInFlight bounds the API requests served at once (0: unbounded); past it a request
	// waits up to AdmissionWait for a slot, then is answered 503 OVERLOADED with Retry-After.
	// The defaults come from make bench on two cores (docs/decisions.md, "Overload"): the
	// limit admits a flash sale's 200 buyers at once, and under a steady overload every
	// admitted request has waited about AdmissionWait, so it must stay short. Size a
	// bigger host with the bench's overload sweep.
	MaxInFlight    int           `env:"MAX_IN_FLIGHT" envDefault:"256"`
	AdmissionWait  time.Duration `env:"ADMISSION_WAIT" envDefault:"10ms"`
	SandboxEnabled bool          `env:"SANDBOX_ENABLED" envDefault:"true"`
	// ProductCacheTTL is how long the gateway keeps a product detail answer (0: never);
	// its availability can be that old (docs/decisions.md, "Product detail in the gateway").
	ProductCacheTTL time.Duration `env:"PRODUCT_CACHE_TTL" envDefault:"1s"`
}

// Validate reports every problem at once, naming the variable to fix.
func (c *Config) Validate() error {
	var problems []error
	add := func(err error) {
		if err != nil {
			problems = append(problems, err)
		}
	}
	add(hostPort("GATEWAY_ADDR", c.Addr))
	add(config.OneOf("GATEWAY_ENV", c.Env, "dev", "production"))
	add(c.validateSecrets())
	add(durationBetween("GATEWAY_ACCESS_TTL", c.AccessTTL, time.Minute, 24*time.Hour))
	add(positive("GATEWAY_READ_TIMEOUT", c.ReadTimeout))
	add(positive("GATEWAY_WRITE_TIMEOUT", c.WriteTimeout))
	add(positive("GATEWAY_IDLE_TIMEOUT", c.IdleTimeout))
	add(positive("GATEWAY_RPC_TIMEOUT", c.RPCTimeout))
	add(positive("GATEWAY_SLOW_REQUEST", c.SlowRequest))
	if c.HSTSMaxAge < 0 {
		add(fmt.Errorf("GATEWAY_HSTS_MAX_AGE=%s: must not be negative", c.HSTSMaxAge))
	}
	if c.MaxBodyBytes < 1024 || c.MaxBodyBytes > 64<<20 {
		add(fmt.Errorf("GATEWAY_MAX_BODY_BYTES=%d: must be between 1024 and %d", c.MaxBodyBytes, 64<<20))
	}
	add(rateLimit("PER_IP", c.RatePerIP, c.BurstPerIP))
	add(c.validateAdmission())
	if c.ProductCacheTTL < 0 || c.ProductCacheTTL > maxProductCacheTTL {
		add(fmt.Errorf("GATEWAY_PRODUCT_CACHE_TTL=%s: must be between 0s (off) and %s", c.ProductCacheTTL, maxProductCacheTTL))
	}
	add(rateLimit("PER_USER", c.RatePerUser, c.BurstPerUser))
	add(loginLimit("PER_ACCOUNT", c.LoginBurstPerAccount, c.LoginEveryPerAccount))
	add(loginLimit("PER_IP", c.LoginBurstPerIP, c.LoginEveryPerIP))
	add(c.validateRateDriver())
	if err := canary.ValidateShare(c.CanaryShare); err != nil {
		add(fmt.Errorf("GATEWAY_CANARY_SHARE: %w", err))
	}
	add(c.Live.Validate(EnvPrefix + "LIVE_"))
	for _, o := range c.CORSOrigins {
		add(origin(o))
	}
	return errors.Join(problems...)
}

func (c *Config) validateSecrets() error {
	var problems []error
	if len(c.JWTSecret) < minSecretBytes {
		problems = append(problems, fmt.Errorf("GATEWAY_JWT_SECRET: must be at least %d bytes", minSecretBytes))
	}
	if c.Env == "production" && c.JWTSecret == devJWTSecret {
		problems = append(problems, errors.New("GATEWAY_JWT_SECRET: production refuses the development secret"))
	}
	if c.Env == "production" && c.SandboxEnabled {
		problems = append(problems, errors.New("GATEWAY_SANDBOX_ENABLED: production refuses the sandbox payment provider"))
	}
	return errors.Join(problems...)
}

// maxKeyPrefix keeps Redis keys short; a prefix only has to tell environments apart.
const maxKeyPrefix = 64

// validateRateDriver checks the Redis settings only when Redis is chosen, so the
// in-process default needs none of them.
func (c *Config) validateRateDriver() error {
	if err := config.OneOf("GATEWAY_RATE_DRIVER", c.RateDriver, "memory", "redis"); err != nil {
		return err
	}
	if c.RateDriver != "redis" {
		return nil
	}
	var problems []error
	if c.RateKeyPrefix == "" || len(c.RateKeyPrefix) > maxKeyPrefix || strings.ContainsAny(c.RateKeyPrefix, " \t\r\n") {
		problems = append(problems, fmt.Errorf("GATEWAY_RATE_KEY_PREFIX=%q: must be 1 to %d characters without spaces", c.RateKeyPrefix, maxKeyPrefix))
	}
	problems = append(problems, c.Redis.Validate(EnvPrefix+"REDIS_"))
	return errors.Join(problems...)
}

func (c *Config) validateAdmission() error {
	var problems []error
	if c.MaxInFlight < 0 {
		problems = append(problems, fmt.Errorf("GATEWAY_MAX_IN_FLIGHT=%d: must be 0 (unbounded) or more", c.MaxInFlight))
	}
	if c.AdmissionWait < 0 || c.AdmissionWait >= c.RPCTimeout {
		problems = append(problems, fmt.Errorf("GATEWAY_ADMISSION_WAIT=%s: must be at least 0 and below GATEWAY_RPC_TIMEOUT (%s)", c.AdmissionWait, c.RPCTimeout))
	}
	if c.RequestTimeout != 0 && c.RequestTimeout < c.RPCTimeout {
		problems = append(problems, fmt.Errorf("GATEWAY_REQUEST_TIMEOUT=%s: must be at least GATEWAY_RPC_TIMEOUT (%s)", c.RequestTimeout, c.RPCTimeout))
	}
	return errors.Join(problems...)
}

func hostPort(name, addr string) error {
	if _, _, err := net.SplitHostPort(addr); err != nil {
		return fmt.Errorf("%s=%q: %w", name, addr, err)
	}
	return nil
}

func positive(name string, d time.Duration) error {
	if d <= 0 {
		return fmt.Errorf("%s=%s: must be positive", name, d)
	}
	return nil
}

func durationBetween(name string, d, lo, hi time.Duration) error {
	if d < lo || d > hi {
		return fmt.Errorf("%s=%s: must be between %s and %s", name, d, lo, hi)
	}
	return nil
}

func rateLimit(suffix string, perSecond float64, burst int) error {
	var problems []error
	if perSecond <= 0 {
		problems = append(problems, fmt.Errorf("GATEWAY_RATE_%s=%v: must be positive", suffix, perSecond))
	}
	if burst < 1 {
		problems = append(problems, fmt.Errorf("GATEWAY_BURST_%s=%d: must be at least 1", suffix, burst))
	}
	return errors.Join(problems...)
}

func loginLimit(suffix string, burst int, every time.Duration) error {
	var problems []error
	if burst < 1 {
		problems = append(problems, fmt.Errorf("GATEWAY_LOGIN_BURST_%s=%d: must be at least 1", suffix, burst))
	}
	problems = append(problems, durationBetween("GATEWAY_LOGIN_EVERY_"+suffix, every, time.Millisecond, time.Hour))
	return errors.Join(problems...)
}

// origin accepts exactly what a browser sends in Origin: scheme://host[:port].
func origin(o string) error {
	u, err := url.Parse(o)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" ||
		u.Path != "" || u.RawQuery != "" || u.User != nil {
		return fmt.Errorf("GATEWAY_CORS_ORIGINS: %q is not an origin like https://shop.example.com", o)
	}
	return nil
}

// requestDeadline is RequestTimeout, or twice RPCTimeout when it is 0.
func (c *Config) requestDeadline() time.Duration {
	if c.RequestTimeout == 0 {
		return 2 * c.RPCTimeout
	}
	return c.RequestTimeout
}
