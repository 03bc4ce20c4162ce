package nacos

import (
	"errors"
	"fmt"
	"os"

	"github.com/nacos-group/nacos-sdk-go/v2/clients"
	"github.com/nacos-group/nacos-sdk-go/v2/clients/config_client"
	"github.com/nacos-group/nacos-sdk-go/v2/common/constant"
	"github.com/nacos-group/nacos-sdk-go/v2/vo"
)

// ConfigCenter reads and writes documents of the Nacos config center in one group
// (pkg/livecfg follows the gateway's live settings through it). Every call holds the
// process-wide SDK lock (see sdkConnections): the SDK looks its connections up in the
// map it deletes from without a lock on every config request, so a request must not
// meet another client closing. For the same reason there is no SDK listener here: its
// background loop makes such requests on its own schedule, out of reach of the lock;
// callers poll instead.
type ConfigCenter struct {
	cli   config_client.IConfigClient
	group string
}

// NewConfigCenter opens a config-center client on the server and group cfg names. It
// never answers from the SDK's disk snapshot: a stale copy must not stand in for the
// server.
func NewConfigCenter(cfg Config) (*ConfigCenter, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	cfg = cfg.withDefaults()
	for _, dir := range []string{cfg.LogDir, cfg.CacheDir} {
		if err := os.MkdirAll(dir, 0o750); err != nil {
			return nil, fmt.Errorf("nacos: %w", err)
		}
	}
	host, port, err := cfg.hostPort()
	if err != nil {
		return nil, err
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
	cli, err := clients.NewConfigClient(vo.NacosClientParam{
		ClientConfig:  &cc,
		ServerConfigs: []constant.ServerConfig{{IpAddr: host, Port: port, GrpcPort: port + grpcPortOffset}},
	})
	if err != nil {
		return nil, fmt.Errorf("nacos: config client for %s: %w", cfg.Addr, err)
	}
	return &ConfigCenter{cli: cli, group: cfg.Group}, nil
}

// Group is where the documents live.
func (c *ConfigCenter) Group() string { return c.group }

// Get returns the document dataID; an absent document is empty, not an error. An error
// means the server could not be asked.
func (c *ConfigCenter) Get(dataID string) (string, error) {
	sdkConnections.Lock()
	defer sdkConnections.Unlock()
	doc, err := c.cli.GetConfig(vo.ConfigParam{DataId: dataID, Group: c.group})
	if err != nil {
		return "", fmt.Errorf("nacos: read %s/%s: %w", c.group, dataID, err)
	}
	return doc, nil
}

// Publish writes the document dataID (a JSON document; content must not be empty).
func (c *ConfigCenter) Publish(dataID, content string) error {
	sdkConnections.Lock()
	defer sdkConnections.Unlock()
	ok, err := c.cli.PublishConfig(vo.ConfigParam{DataId: dataID, Group: c.group, Content: content, Type: "json"})
	if err == nil && !ok {
		err = errors.New("the server did not accept it")
	}
	if err != nil {
		return fmt.Errorf("nacos: publish %s/%s: %w", c.group, dataID, err)
	}
	return nil
}

// Delete removes the document dataID; readers then see it absent.
func (c *ConfigCenter) Delete(dataID string) error {
	sdkConnections.Lock()
	defer sdkConnections.Unlock()
	if _, err := c.cli.DeleteConfig(vo.ConfigParam{DataId: dataID, Group: c.group}); err != nil {
		return fmt.Errorf("nacos: delete %s/%s: %w", c.group, dataID, err)
	}
	return nil
}

// Close releases the client.
func (c *ConfigCenter) Close() {
	sdkConnections.Lock()
	defer sdkConnections.Unlock()
	c.cli.CloseClient()
}
