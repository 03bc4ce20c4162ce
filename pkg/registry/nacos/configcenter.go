package nacos

import (
	"fmt"
	"os"

	"github.com/nacos-group/nacos-sdk-go/v2/clients"
	"github.com/nacos-group/nacos-sdk-go/v2/clients/config_client"
	"github.com/nacos-group/nacos-sdk-go/v2/common/constant"
	"github.com/nacos-group/nacos-sdk-go/v2/vo"
)

// NewConfigClient opens a client of the Nacos config center on the server cfg names
// (pkg/livecfg reads live settings through it). It goes through the same process-wide
// lock as the naming clients (see sdkConnections), and never answers from the SDK's
// disk snapshot: a stale copy must not stand in for the server. close releases it.
func NewConfigClient(cfg Config) (cli config_client.IConfigClient, close func(), err error) {
	if err := cfg.Validate(); err != nil {
		return nil, nil, err
	}
	cfg = cfg.withDefaults()
	for _, dir := range []string{cfg.LogDir, cfg.CacheDir} {
		if err := os.MkdirAll(dir, 0o750); err != nil {
			return nil, nil, fmt.Errorf("nacos: %w", err)
		}
	}
	host, port, err := cfg.hostPort()
	if err != nil {
		return nil, nil, err
	}
	cc := constant.ClientConfig{
		NamespaceId:        cfg.Namespace,
		TimeoutMs:          uint64(cfg.Timeout.Milliseconds()),
		LogDir:             cfg.LogDir,
		CacheDir:           cfg.CacheDir,
		LogLevel:           cfg.LogLevel,
		DisableUseSnapShot: true,
	}
	sdkConnections.Lock()
	defer sdkConnections.Unlock()
	cli, err = clients.NewConfigClient(vo.NacosClientParam{
		ClientConfig:  &cc,
		ServerConfigs: []constant.ServerConfig{{IpAddr: host, Port: port, GrpcPort: port + grpcPortOffset}},
	})
	if err != nil {
		return nil, nil, fmt.Errorf("nacos: config client for %s: %w", cfg.Addr, err)
	}
	return cli, func() {
		sdkConnections.Lock()
		defer sdkConnections.Unlock()
		cli.CloseClient()
	}, nil
}
