// Package registry is service discovery for Kitex: servers register, clients resolve.
// The static driver serves the dev server and tests; the Nacos driver (a later issue)
// serves real deployments behind the same interface.
package registry

import (
	"context"
	"fmt"
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

// Static is an in-process name -> addresses table. Servers in the same process add
// themselves when they start and leave when they stop; seed it from configuration for
// services in other processes.
type Static struct {
	mu        sync.RWMutex
	instances map[string][]string
}

// NewStatic returns a table seeded with addresses by service name.
func NewStatic(seed map[string][]string) *Static {
	s := &Static{instances: map[string][]string{}}
	for name, addrs := range seed {
		s.instances[name] = slices.Clone(addrs)
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

// Register adds the instance's address under its service name.
func (s *Static) Register(info *kregistry.Info) error {
	if info == nil || info.Addr == nil {
		return fmt.Errorf("registry: register without an address")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	addr := info.Addr.String()
	if !slices.Contains(s.instances[info.ServiceName], addr) {
		s.instances[info.ServiceName] = append(s.instances[info.ServiceName], addr)
	}
	return nil
}

// Deregister removes the instance, so clients stop dialing it.
func (s *Static) Deregister(info *kregistry.Info) error {
	if info == nil || info.Addr == nil {
		return nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	addr := info.Addr.String()
	s.instances[info.ServiceName] = slices.DeleteFunc(s.instances[info.ServiceName], func(a string) bool { return a == addr })
	return nil
}

// Target uses the service name as the cache key.
func (s *Static) Target(_ context.Context, target rpcinfo.EndpointInfo) string {
	return target.ServiceName()
}

// Resolve answers from the table. Results are not cacheable, so a deregistered
// instance disappears from the very next call.
func (s *Static) Resolve(_ context.Context, name string) (discovery.Result, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	addrs := s.instances[name]
	if len(addrs) == 0 {
		return discovery.Result{}, fmt.Errorf("registry: no instance of %q", name)
	}
	res := discovery.Result{CacheKey: name}
	for _, a := range addrs {
		res.Instances = append(res.Instances, discovery.NewInstance("tcp", a, discovery.DefaultWeight, nil))
	}
	return res, nil
}

func (s *Static) Diff(key string, prev, next discovery.Result) (discovery.Change, bool) {
	return discovery.DefaultDiff(key, prev, next)
}

func (s *Static) Name() string { return "static" }
