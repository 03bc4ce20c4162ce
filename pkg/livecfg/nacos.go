package livecfg

import (
	"errors"
	"fmt"
	"log/slog"

	"github.com/nacos-group/nacos-sdk-go/v2/vo"

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
	DataID string       `env:"DATA_ID" envDefault:"gateway-live.json"`
	Nacos  nacos.Config `envPrefix:"NACOS_"`
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
	if err := c.Nacos.Validate(); err != nil {
		problems = append(problems, fmt.Errorf("%sNACOS_*: %w", prefix, err))
	}
	return errors.Join(problems...)
}

// Follow keeps store in step with the config center when cfg.Source is "nacos" (for
// "env" it does nothing). It reads the document in force before it returns, failing
// when Nacos cannot be asked, as the registry does at start-up; a document that is
// absent leaves the environment's settings, and an invalid one is refused and logged
// like any later change. Then every change Nacos pushes is applied until stop.
func Follow(cfg Config, store *Store, log *slog.Logger) (stop func(), err error) {
	if err := cfg.Validate(""); err != nil {
		return nil, fmt.Errorf("livecfg: %w", err)
	}
	if cfg.Source != "nacos" {
		return func() {}, nil
	}
	group := cfg.Nacos.Group
	if group == "" {
		group = nacos.DefaultGroup
	}
	source := fmt.Sprintf("nacos %s %s/%s", cfg.Nacos.Addr, group, cfg.DataID)
	cli, closeClient, err := nacos.NewConfigClient(cfg.Nacos)
	if err != nil {
		return nil, fmt.Errorf("livecfg: %w", err)
	}
	// Read, then listen: the SDK's listener starts from the copy GetConfig just cached and
	// reports any later difference, so a change published in between is not lost.
	doc, err := cli.GetConfig(vo.ConfigParam{DataId: cfg.DataID, Group: group})
	if err != nil {
		closeClient()
		return nil, fmt.Errorf("livecfg: read %s: %w", source, err)
	}
	_ = store.Apply([]byte(doc), source) // a refusal is logged by Apply
	param := vo.ConfigParam{DataId: cfg.DataID, Group: group, OnChange: func(_, _, _, data string) {
		_ = store.Apply([]byte(data), source)
	}}
	if err := cli.ListenConfig(param); err != nil {
		closeClient()
		return nil, fmt.Errorf("livecfg: listen to %s: %w", source, err)
	}
	log.Info("live settings follow the config center", "source", source, "settings", store.Current())
	return func() {
		_ = cli.CancelListenConfig(vo.ConfigParam{DataId: cfg.DataID, Group: group})
		closeClient()
	}, nil
}
