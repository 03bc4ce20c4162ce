// Package nacos is the discovery driver for real deployments: Kitex servers register in a
// Nacos 2.x server and clients resolve through it, behind pkg/registry's interface.
package nacos

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"net"
	"os"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/cloudwego/kitex/pkg/discovery"
	kregistry "github.com/cloudwego/kitex/pkg/registry"
	"github.com/cloudwego/kitex/pkg/rpcinfo"
	nacosregistry "github.com/kitex-contrib/registry-nacos/v2/registry"
	"github.com/nacos-group/nacos-sdk-go/v2/clients"
	"github.com/nacos-group/nacos-sdk-go/v2/clients/naming_client"
	"github.com/nacos-group/nacos-sdk-go/v2/common/constant"
	"github.com/nacos-group/nacos-sdk-go/v2/vo"

	"github.com/cartwheel-shop/cartwheel/pkg/registry"
)

// Registry registers this process's Kitex servers in Nacos and resolves services for its
// Kitex clients. It is safe for concurrent use; Close releases its connections.
type Registry struct {
	cfg    Config
	logger *slog.Logger
	name   string

	// lookup answers Resolve: one subscription per resolved service, kept current by the
	// server's pushes.
	lookup naming_client.INamingClient

	// closed is read on every Resolve, which must not wait behind a registration holding
	// mu while it talks to Nacos.
	closed atomic.Bool

	// known keeps answering the last instances Nacos listed while it lists none (Config.Hold).
	known *lastKnown

	mu sync.Mutex
	// registered holds one SDK client per registered instance. Nacos 2.x keeps at most one
	// instance per service and connection (a second registration replaces the first), so
	// two servers of one service in one process need two connections, as two processes
	// would have.
	registered map[string]*registration
}

// sdkConnections serialises opening and closing SDK clients across the process. The SDK
// (v2.3.5) keeps every connection in one process-wide map, adding under its own lock but
// deleting on close without it, so two clients closing at once, as a fleet's servers do
// when they stop together, abort the process with "concurrent map writes". It guards the
// SDK's global, which is why it is a package-level variable.
var sdkConnections sync.Mutex

// newNamingClient and closeClient are the only ways this package opens and closes SDK
// clients.
func newNamingClient(param vo.NacosClientParam) (naming_client.INamingClient, error) {
	sdkConnections.Lock()
	defer sdkConnections.Unlock()
	return clients.NewNamingClient(param)
}

func closeClient(cli naming_client.INamingClient) {
	sdkConnections.Lock()
	defer sdkConnections.Unlock()
	cli.CloseClient()
}

type registration struct {
	client    naming_client.INamingClient
	registrar kregistry.Registry
	info      kregistry.Info
}

var _ registry.Registry = (*Registry)(nil)

// New validates cfg, fills its defaults and connects to Nacos, failing when the server
// does not answer so a misconfigured service stops at start-up rather than at its first
// call. A nil logger discards.
//
// The SDK keeps one logger per process: the first Registry's LogDir and LogLevel apply to
// every later one.
func New(cfg Config, logger *slog.Logger) (*Registry, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	cfg = cfg.withDefaults()
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	for _, dir := range []string{cfg.LogDir, cfg.CacheDir} {
		if err := os.MkdirAll(dir, 0o750); err != nil {
			return nil, fmt.Errorf("nacos: %w", err)
		}
	}
	var id [4]byte
	if _, err := rand.Read(id[:]); err != nil {
		return nil, fmt.Errorf("nacos: %w", err)
	}
	r := &Registry{
		cfg:    cfg,
		logger: logger.With("registry", "nacos", "nacos_addr", cfg.Addr, "group", cfg.Group, "cluster", cfg.Cluster),
		// Kitex shares one balancer cache among all clients whose resolvers have the same
		// Name; a per-Registry suffix keeps two registries (other server, other namespace,
		// or one already closed) from answering for each other.
		name:       fmt.Sprintf("nacos:%s/%s/%s/%s#%s", cfg.Addr, cfg.Namespace, cfg.Group, cfg.Cluster, hex.EncodeToString(id[:])),
		registered: map[string]*registration{},
		known:      newLastKnown(cfg.Hold, time.Now),
	}
	lookup, err := r.connect()
	if err != nil {
		return nil, err
	}
	r.lookup = lookup
	r.logger.Info("nacos: connected")
	return r, nil
}

// connect opens one SDK client (one gRPC connection) to the configured server.
func (r *Registry) connect() (naming_client.INamingClient, error) {
	host, port, err := r.cfg.hostPort()
	if err != nil {
		return nil, err
	}
	cc := constant.ClientConfig{
		NamespaceId: r.cfg.Namespace,
		TimeoutMs:   uint64(r.cfg.Timeout.Milliseconds()),
		LogDir:      r.cfg.LogDir,
		CacheDir:    r.cfg.CacheDir,
		LogLevel:    r.cfg.LogLevel,
		// Without it the SDK ignores a push that empties a service, and a vanished last
		// instance would be served forever.
		UpdateCacheWhenEmpty: true,
		// The on-disk copy may list instances that died while this process was down; the
		// server is the only source of truth at start-up.
		NotLoadCacheAtStart: true,
	}
	cli, err := newNamingClient(vo.NacosClientParam{
		ClientConfig:  &cc,
		ServerConfigs: []constant.ServerConfig{{IpAddr: host, Port: port, GrpcPort: port + grpcPortOffset}},
	})
	if err != nil {
		return nil, fmt.Errorf("nacos: client for %s: %w", r.cfg.Addr, err)
	}
	if !cli.ServerHealthy() {
		closeClient(cli)
		return nil, fmt.Errorf("nacos: no answer from %s (gRPC port %d); is the server up?", r.cfg.Addr, port+grpcPortOffset)
	}
	return cli, nil
}

func (r *Registry) Registrar() kregistry.Registry { return r }
func (r *Registry) Resolver() discovery.Resolver  { return r }

// Register publishes the instance at exactly its own address. Kitex passes the listener's
// address; an unspecified host (":8881", "0.0.0.0", "::") is refused rather than let
// registry-nacos replace it with the first non-loopback interface address, which callers
// must never dial.
func (r *Registry) Register(info *kregistry.Info) error {
	if info == nil {
		return nil // Kitex registers late and passes nil when Stop already withdrew the info
	}
	key, err := instanceKey(info)
	if err != nil {
		return err
	}
	published := *info
	published.Weight = r.weight(info.Weight)
	published.Tags = r.tags(info.Tags)

	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed.Load() {
		return fmt.Errorf("nacos: register %s at %s: registry closed", info.ServiceName, info.Addr)
	}
	entry, again := r.registered[key]
	if !again {
		cli, err := r.connect()
		if err != nil {
			return fmt.Errorf("nacos: register %s at %s: %w", info.ServiceName, info.Addr, err)
		}
		entry = &registration{
			client:    cli,
			registrar: nacosregistry.NewNacosRegistry(cli, nacosregistry.WithGroup(r.cfg.Group), nacosregistry.WithCluster(r.cfg.Cluster)),
		}
	}
	if err := entry.registrar.Register(&published); err != nil {
		if !again {
			closeClient(entry.client)
		}
		return fmt.Errorf("nacos: register %s at %s: %w", info.ServiceName, info.Addr, err)
	}
	entry.info = published
	r.registered[key] = entry
	r.logger.Info("nacos: registered", "service", info.ServiceName, "addr", info.Addr.String(), "weight", published.Weight)
	return nil
}

// Deregister withdraws the instance, closes its connection and then waits Config.Drain.
// Kitex calls it on server.Stop before the listener closes.
func (r *Registry) Deregister(info *kregistry.Info) error {
	if info == nil {
		return nil // nothing was registered
	}
	key, err := instanceKey(info)
	if err != nil {
		return err
	}
	r.mu.Lock()
	entry, ok := r.registered[key]
	delete(r.registered, key)
	r.mu.Unlock()
	if !ok {
		// Never registered through this Registry, or already withdrawn by Close.
		return nil
	}
	r.withdraw(entry)
	if r.cfg.Drain > 0 {
		// Kitex closes the listener only when this returns: keep serving while callers
		// drop the instance from their lists (see Config.Drain).
		r.logger.Info("nacos: draining before the server closes", "service", info.ServiceName, "addr", info.Addr.String(), "drain", r.cfg.Drain)
		time.Sleep(r.cfg.Drain)
	}
	return nil
}

// withdraw deregisters and closes the instance's connection. A failed deregistration is
// only logged: Nacos drops a connection's ephemeral instances when it closes, so the
// instance goes either way, and failing server.Stop would not help.
func (r *Registry) withdraw(entry *registration) {
	if err := entry.registrar.Deregister(&entry.info); err != nil {
		r.logger.Warn("nacos: deregister failed; closing the connection drops the instance", "service", entry.info.ServiceName, "addr", entry.info.Addr.String(), "err", err)
	} else {
		r.logger.Info("nacos: deregistered", "service", entry.info.ServiceName, "addr", entry.info.Addr.String())
	}
	closeClient(entry.client)
}

// Target uses the service name: group and cluster are fixed per Registry.
func (r *Registry) Target(_ context.Context, target rpcinfo.EndpointInfo) string {
	return target.ServiceName()
}

// Resolve answers from the SDK's subscription, which Nacos keeps current by push. No
// instance left is an empty result, not an error: Kitex keeps its previous list when a
// refresh fails, so an error would keep callers dialing vanished instances. An error
// means Nacos could not be asked at all, and then the previous list is the best there is.
// Either way, a service Nacos stops listing keeps its last known instances for
// Config.Hold (lastKnown): a Nacos restarted empty lists nothing until the instances have
// registered again.
func (r *Registry) Resolve(_ context.Context, service string) (discovery.Result, error) {
	if r.closed.Load() {
		return discovery.Result{}, fmt.Errorf("nacos: resolve %q: registry closed", service)
	}
	listed, listErr := r.list(service)
	res, err, v := r.known.settle(service, listed, listErr)
	switch v {
	case holding:
		r.logger.Warn("nacos: lists no instance of the service; calling the last known ones meanwhile",
			"service", service, "instances", len(res.Instances), "hold", r.cfg.Hold, "err", listErr)
	case released:
		r.logger.Warn("nacos: still lists no instance of the service; the last known ones are given up",
			"service", service, "hold", r.cfg.Hold, "err", listErr)
	}
	return res, err
}

// list is what Nacos lists for service: its enabled, healthy instances of positive weight.
func (r *Registry) list(service string) (discovery.Result, error) {
	found, err := r.lookup.SelectAllInstances(vo.SelectAllInstancesParam{
		ServiceName: service,
		GroupName:   r.cfg.Group,
		Clusters:    []string{r.cfg.Cluster},
	})
	if err != nil {
		return discovery.Result{}, fmt.Errorf("nacos: resolve %q: %w", service, err)
	}
	res := discovery.Result{Cacheable: true, CacheKey: service, Instances: []discovery.Instance{}}
	for _, in := range found {
		weight := int(math.Round(in.Weight))
		if !in.Enable || !in.Healthy || weight <= 0 {
			continue
		}
		addr := net.JoinHostPort(in.Ip, strconv.FormatUint(in.Port, 10))
		res.Instances = append(res.Instances, discovery.NewInstance("tcp", addr, weight, in.Metadata))
	}
	return res, nil
}

func (r *Registry) Diff(key string, prev, next discovery.Result) (discovery.Change, bool) {
	return discovery.DefaultDiff(key, prev, next)
}

// Name identifies this Registry to Kitex's balancer cache (see New).
func (r *Registry) Name() string { return r.name }

// Close withdraws every instance still registered and releases all SDK clients. Call it
// after the servers have stopped and the clients are no longer used.
func (r *Registry) Close() error {
	r.mu.Lock()
	if r.closed.Swap(true) {
		r.mu.Unlock()
		return nil
	}
	left := r.registered
	r.registered = nil
	r.mu.Unlock()
	for _, entry := range left {
		r.withdraw(entry)
	}
	closeClient(r.lookup)
	return nil
}

// weight is what Nacos records for an instance Kitex registers with weight w.
func (r *Registry) weight(w int) int {
	switch {
	case r.cfg.Weight > 0:
		return r.cfg.Weight
	case w > 0:
		return w
	default:
		return discovery.DefaultWeight
	}
}

// tags are the instance's metadata: Kitex's tags plus track=<Config.Track> when set. The
// caller's map is never changed.
func (r *Registry) tags(kitex map[string]string) map[string]string {
	if r.cfg.Track == "" {
		return kitex
	}
	out := make(map[string]string, len(kitex)+1)
	for k, v := range kitex {
		out[k] = v
	}
	out[TrackKey] = r.cfg.Track
	return out
}

// instanceKey identifies an instance and refuses one without an explicit address.
func instanceKey(info *kregistry.Info) (string, error) {
	if info == nil || info.ServiceName == "" || info.Addr == nil {
		return "", errors.New("nacos: an instance needs a service name and an address")
	}
	host, _, err := net.SplitHostPort(info.Addr.String())
	if err != nil {
		return "", fmt.Errorf("nacos: %s at %q: %w", info.ServiceName, info.Addr, err)
	}
	if ip := net.ParseIP(host); ip == nil || ip.IsUnspecified() {
		return "", fmt.Errorf("nacos: %s at %q: bind the server to an explicit IP (e.g. 127.0.0.1), not an unspecified host", info.ServiceName, info.Addr)
	}
	return info.ServiceName + "@" + info.Addr.String(), nil
}
