package payment

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"time"

	"github.com/cartwheel-shop/cartwheel/pkg/config"
	"github.com/cartwheel-shop/cartwheel/pkg/db"
	"github.com/cartwheel-shop/cartwheel/services/payment/internal/sandbox"
)

// Prefix names every variable of the payment service: PAYMENT_ADDR, PAYMENT_DB_DSN, ...
const Prefix = "PAYMENT_"

// DefaultDSN is the SQLite file used when PAYMENT_DB_DSN is unset (db.Config.DefaultFile).
const DefaultDSN = "data/payment.db"

// devWebhookSecret is WEBHOOK_SECRET's default (the tag below must match it); production
// refuses it, because anyone who can read this file could forge payments.
const devWebhookSecret = "cartwheel-dev-webhook-secret-not-for-production"

// Config is the payment service's configuration (config.Load[Config](Prefix)).
type Config struct {
	Addr           string    `env:"ADDR" envDefault:"127.0.0.1:8884"`
	DB             db.Config `envPrefix:"DB_"`
	Env            string    `env:"ENV" envDefault:"dev"`
	Provider       string    `env:"PROVIDER" envDefault:"sandbox"`
	SandboxEnabled bool      `env:"SANDBOX_ENABLED" envDefault:"true"`
	// WebhookURL is where the sandbox provider posts its callbacks: the gateway's
	// public webhook, which forwards them to HandleWebhook.
	WebhookURL       string        `env:"WEBHOOK_URL" envDefault:"http://127.0.0.1:8080/api/v1/payments/webhook"`
	WebhookSecret    string        `env:"WEBHOOK_SECRET" envDefault:"cartwheel-dev-webhook-secret-not-for-production" secret:"true"`
	WebhookTolerance time.Duration `env:"WEBHOOK_TOLERANCE" envDefault:"5m"`
	// CheckoutBaseURL is the gateway's public base; the sandbox's checkout_url hangs off it.
	CheckoutBaseURL string        `env:"CHECKOUT_BASE_URL" envDefault:"http://127.0.0.1:8080"`
	RPCTimeout      time.Duration `env:"RPC_TIMEOUT" envDefault:"3s"`
}

// Limits of the webhook settings.
const (
	minSecretLen = 32 // bytes: a 256-bit HMAC key
	// maxTolerance: replays are harmless (callbacks are idempotent), but a wide window
	// keeps a leaked callback usable for long.
	maxTolerance = time.Hour
)

// Validate gives the SQLite DSN its default and reports every problem at once, naming
// the variable to fix.
func (c *Config) Validate() error {
	c.DB.DefaultFile(DefaultDSN)
	dev := c.Env == "dev"
	problems := []error{
		config.OneOf(Prefix+"ENV", c.Env, "dev", "production"),
		c.DB.Validate(),
		checkAddr(Prefix+"ADDR", c.Addr, dev),
		config.OneOf(Prefix+"PROVIDER", c.Provider, sandbox.Name),
		checkURL(Prefix+"WEBHOOK_URL", c.WebhookURL, dev),
		checkURL(Prefix+"CHECKOUT_BASE_URL", c.CheckoutBaseURL, false),
		c.checkWebhook(),
	}
	if c.Env == "production" && c.SandboxEnabled {
		problems = append(problems, errors.New(Prefix+"SANDBOX_ENABLED=true is refused in production: the sandbox lets anyone mark a payment paid"))
	}
	if c.RPCTimeout <= 0 {
		problems = append(problems, fmt.Errorf("%sRPC_TIMEOUT=%s: must be positive", Prefix, c.RPCTimeout))
	}
	return errors.Join(problems...)
}

func (c *Config) checkWebhook() error {
	var problems []error
	if len(c.WebhookSecret) < minSecretLen {
		problems = append(problems, fmt.Errorf("%sWEBHOOK_SECRET: must be at least %d bytes", Prefix, minSecretLen))
	}
	if c.Env == "production" && c.WebhookSecret == devWebhookSecret {
		problems = append(problems, errors.New(Prefix+"WEBHOOK_SECRET: the development default is refused in production"))
	}
	if c.WebhookTolerance <= 0 || c.WebhookTolerance > maxTolerance {
		problems = append(problems, fmt.Errorf("%sWEBHOOK_TOLERANCE=%s: must be above 0 and at most %s", Prefix, c.WebhookTolerance, maxTolerance))
	}
	return errors.Join(problems...)
}

// checkAddr wants host:port with an explicit host (an empty one binds every interface),
// on loopback when loopbackOnly.
func checkAddr(name, addr string, loopbackOnly bool) error {
	host, _, err := net.SplitHostPort(addr)
	if err != nil || host == "" {
		return fmt.Errorf("%s=%q: must be host:port with an explicit host", name, addr)
	}
	if loopbackOnly && !isLoopback(host) {
		return fmt.Errorf("%s=%q: must be a loopback address in dev", name, addr)
	}
	return nil
}

// checkURL wants an absolute http(s) URL without query or fragment, on loopback when
// loopbackOnly.
func checkURL(name, raw string, loopbackOnly bool) error {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
		return fmt.Errorf("%s=%q: must be an http(s) URL without query or fragment", name, raw)
	}
	if loopbackOnly && !isLoopback(u.Hostname()) {
		return fmt.Errorf("%s=%q: must point at 127.0.0.1 or localhost in dev", name, raw)
	}
	return nil
}

func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
