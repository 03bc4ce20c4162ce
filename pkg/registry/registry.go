// Package registry is service discovery for Kitex: servers register, clients resolve.
// The static driver serves the dev server and tests; the Nacos driver (pkg/registry/nacos)
// serves real deployments behind the same interface.
package registry

import (
	"context"
	"fmt"
	"maps"
	"net"
	"slices"
	"strings"
	"sync"

	"github.com/cloudwego/kitex/pkg/discovery"
	kregistry "github.com/cloudwego/kitex/pkg/registry"
	"github.com/cloudwego/kitex/pkg/rpcinfo"
)

// Registry is one discovery driver: the server side registers instances, the client
// side resolves a service name to instances.
type Registry interface {
	Registrar() kregistry.Registry
	Resolver() discovery.Resolver
}

// Static is an in-process name -> instances table. Servers in the same process add
// themselves when they start and leave when they stop; seed it from configuration for
// services in other processes.
type Static struct {
	mu        sync.RWMutex
	instances map[string][]staticInstance
}

type staticInstance struct {
	addr   string
	weight int
	tags   map[string]string // Kitex's registry tags, e.g. track=canary (pkg/canary)
}

// NewStatic returns a table seeded with addresses by service name, each at the default
// weight.
func NewStatic(seed map[string][]string) *Static {
	s := &Static{instances: map[string][]staticInstance{}}
	for name, addrs := range seed {
		s.instances[name] = []staticInstance{}
		for _, a := range addrs {
			s.instances[name] = append(s.instances[name], staticInstance{addr: a, weight: discovery.DefaultWeight})
		}
	}
	return s
}

// ParseStatic reads "user=127.0.0.1:8881,order=127.0.0.1:8883;127.0.0.1:8893".
func ParseStatic(spec string) (map[string][]string, error) {
	out := map[string][]string{}
	if strings.TrimSpace(spec) == "" {
		return out, nil
	}
	for _, entry := range strings.Split(spec, ",") {
		name, addrs, ok := strings.Cut(strings.TrimSpace(entry), "=")
		if !ok || name == "" || addrs == "" {
			return nil, fmt.Errorf("registry: %q is not name=host:port[;host:port]", entry)
		}
		for _, addr := range strings.Split(addrs, ";") {
			if _, _, err := net.SplitHostPort(addr); err != nil {
				return nil, fmt.Errorf("registry: %s: %w", name, err)
			}
			out[name] = append(out[name], addr)
		}
	}
	return out, nil
}

func (s *Static) Registrar() kregistry.Registry { return s }
func (s *Static) Resolver() discovery.Resolver  { return s }

// Register adds the instance under its service name with its tags, or updates its
// weight and tags when the address is already there.
func (s *Static) Register(info *kregistry.Info) error {
	if info == nil {
		return nil // Kitex registers late and passes nil when Stop already withdrew the info
	}
	if info.Addr == nil {
		return fmt.Errorf("registry: register without an address")
	}
	weight := info.Weight
	if weight <= 0 {
		weight = discovery.DefaultWeight
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	addr := info.Addr.String()
	list := s.instances[info.ServiceName]
	tags := maps.Clone(info.Tags)
	if i := slices.IndexFunc(list, func(in staticInstance) bool { return in.addr == addr }); i >= 0 {
		list[i].weight, list[i].tags = weight, tags
		return nil
	}
	s.instances[info.ServiceName] = append(list, staticInstance{addr: addr, weight: weight, tags: tags})
	return nil
}

// Deregister removes the instance, so clients stop dialing it. The name stays known, so
// resolving it afterwards answers "no instance" rather than "unknown service".
func (s *Static) Deregister(info *kregistry.Info) error {
	if info == nil || info.Addr == nil {
		return nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	addr := info.Addr.String()
	if list, ok := s.instances[info.ServiceName]; ok {
		s.instances[info.ServiceName] = slices.DeleteFunc(list, func(in staticInstance) bool { return in.addr == addr })
	}
	return nil
}

// Target uses the service name as the cache key.
func (s *Static) Target(_ context.Context, target rpcinfo.EndpointInfo) string {
	return target.ServiceName()
}

// Resolve answers from the table. A name never seeded nor registered is an error (a
// typo in configuration should say so); a known name whose instances have all left is an
// empty result, not an error, because Kitex keeps serving its previous list when a
// refresh fails. Kitex re-resolves every few seconds (lbcache's refresh interval), so a
// change reaches callers within that interval; results are not cacheable, so the picker
// is rebuilt from the newest result on every call.
func (s *Static) Resolve(_ context.Context, name string) (discovery.Result, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	list, known := s.instances[name]
	if !known {
		return discovery.Result{}, fmt.Errorf("registry: no instance of %q", name)
	}
	res := discovery.Result{CacheKey: name, Instances: []discovery.Instance{}}
	for _, in := range list {
		res.Instances = append(res.Instances, discovery.NewInstance("tcp", in.addr, in.weight, in.tags))
	}
	return res, nil
}

func (s *Static) Diff(key string, prev, next discovery.Result) (discovery.Change, bool) {
	return discovery.DefaultDiff(key, prev, next)
}

// Name is unique per table: Kitex caches balancers process-wide by resolver name, and two
// tables in one process (parallel tests, two fleets) must not share a cache.
func (s *Static) Name() string { return fmt.Sprintf("static-%p", s) }
