package livecfg

import (
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/cartwheel-shop/cartwheel/pkg/config"
	"github.com/cartwheel-shop/cartwheel/pkg/registry/nacos"
)

// DefaultDataID is the gateway's document in the config center.
const DefaultDataID = "gateway-live.json"

// Config says where live settings come from. A binary embeds it with a prefix, e.g. the
// gateway's GATEWAY_LIVE_SOURCE, GATEWAY_LIVE_DATA_ID, GATEWAY_LIVE_NACOS_ADDR.
type Config struct {
	// Source is "env" (the environment's values, fixed: the dev server) or "nacos".
	Source string `env:"SOURCE" envDefault:"env"`
	// DataID names the document; Nacos.Group (CARTWHEEL by default) and Nacos.Namespace
	// place it.
	DataID string `env:"DATA_ID" envDefault:"gateway-live.json"`
	// Every is how often the document is read again: how long a change takes to apply.
	Every time.Duration `env:"EVERY" envDefault:"1s"`
	Nacos nacos.Config  `envPrefix:"NACOS_"`
}

// every is Every, or 1 s for a Config built in code without it.
func (c Config) every() time.Duration {
	if c.Every <= 0 {
		return time.Second
	}
	return c.Every
}

// Validate checks the Nacos settings only when Nacos is the source; prefix names the
// variables (e.g. "GATEWAY_LIVE_").
func (c Config) Validate(prefix string) error {
	if err := config.OneOf(prefix+"SOURCE", c.Source, "env", "nacos"); err != nil {
		return err
	}
	if c.Source != "nacos" {
		return nil
	}
	var problems []error
	if c.DataID == "" {
		problems = append(problems, fmt.Errorf("%sDATA_ID: required with %sSOURCE=nacos", prefix, prefix))
	}
	if c.Every < 0 || c.Every > time.Minute {
		problems = append(problems, fmt.Errorf("%sEVERY=%s: must be 0 (1s) to 1m", prefix, c.Every))
	}
	if err := c.Nacos.Validate(); err != nil {
		problems = append(problems, fmt.Errorf("%sNACOS_*: %w", prefix, err))
	}
	return errors.Join(problems...)
}

// Follow keeps store in step with the config center when cfg.Source is "nacos" (for
// "env" it does nothing). It reads the document in force before it returns, failing
// when Nacos cannot be asked, as the registry does at start-up; a document that is
// absent leaves the environment's settings, and an invalid one is refused and logged
// like any later change. Then it reads the document again every cfg.Every until stop,
// applying it when its text changed (a refused document is logged once, not on every
// read). It polls rather than use the SDK's listener: see nacos.ConfigCenter.
func Follow(cfg Config, store *Store, log *slog.Logger) (stop func(), err error) {
	if err := cfg.Validate(""); err != nil {
		return nil, fmt.Errorf("livecfg: %w", err)
	}
	if cfg.Source != "nacos" {
		return func() {}, nil
	}
	center, err := nacos.NewConfigCenter(cfg.Nacos)
	if err != nil {
		return nil, fmt.Errorf("livecfg: %w", err)
	}
	source := fmt.Sprintf("nacos %s %s/%s", cfg.Nacos.Addr, center.Group(), cfg.DataID)
	doc, err := center.Get(cfg.DataID)
	if err != nil {
		center.Close()
		return nil, fmt.Errorf("livecfg: %w", err)
	}
	_ = store.Apply([]byte(doc), source) // a refusal is logged by Apply
	log.Info("live settings follow the config center", "source", source, "every", cfg.every().String(), "settings", store.Current())

	done, stopped := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(stopped)
		follow(center, cfg.DataID, cfg.every(), doc, store, source, log, done)
	}()
	return sync.OnceFunc(func() {
		close(done)
		<-stopped
		center.Close()
	}), nil
}

// follow polls until done. A read that fails keeps the settings in force; the outage is
// logged when it starts and when it ends, not on every read.
func follow(center *nacos.ConfigCenter, dataID string, every time.Duration, last string, store *Store, source string, log *slog.Logger, done <-chan struct{}) {
	tick := time.NewTicker(every)
	defer tick.Stop()
	failing := false
	for {
		select {
		case <-done:
			return
		case <-tick.C:
		}
		doc, err := center.Get(dataID)
		if err != nil {
			if !failing {
				log.Warn("live settings: the config center does not answer; the settings in force stay", "source", source, "err", err)
			}
			failing = true
			continue
		}
		if failing {
			log.Info("live settings: the config center answers again", "source", source)
			failing = false
		}
		if doc != last {
			last = doc
			_ = store.Apply([]byte(doc), source)
		}
	}
}
