package registry

import (
	"context"
	"net"
	"testing"

	kregistry "github.com/cloudwego/kitex/pkg/registry"
)

func TestParseStatic(t *testing.T) {
	got, err := ParseStatic("user=127.0.0.1:8881, order=127.0.0.1:8883;127.0.0.1:8893")
	if err != nil || len(got["user"]) != 1 || len(got["order"]) != 2 {
		t.Fatalf("got %v, %v", got, err)
	}
	for _, bad := range []string{"user", "user=", "=127.0.0.1:1", "user=localhost"} {
		if _, err := ParseStatic(bad); err == nil {
			t.Errorf("%q: want an error", bad)
		}
	}
}

func TestStaticRegisterResolveDeregister(t *testing.T) {
	s := NewStatic(nil)
	ctx := context.Background()
	if _, err := s.Resolve(ctx, "order"); err == nil {
		t.Fatal("resolving an unknown service must fail")
	}
	a := &kregistry.Info{ServiceName: "order", Addr: &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 9001}}
	b := &kregistry.Info{ServiceName: "order", Addr: &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 9002}}
	for _, info := range []*kregistry.Info{a, b, a} {
		if err := s.Register(info); err != nil {
			t.Fatal(err)
		}
	}
	res, err := s.Resolve(ctx, "order")
	if err != nil || len(res.Instances) != 2 {
		t.Fatalf("want 2 instances, got %v %v", res.Instances, err)
	}
	if err := s.Deregister(a); err != nil {
		t.Fatal(err)
	}
	res, _ = s.Resolve(ctx, "order")
	if len(res.Instances) != 1 || res.Instances[0].Address().String() != "127.0.0.1:9002" {
		t.Fatalf("deregistered instance still served: %v", res.Instances)
	}
}

// The dev server and tests run canary instances on the static driver: the tags a server
// registers with must reach the callers' balancer.
func TestStaticKeepsTagsOfTaggedRegistrations(t *testing.T) {
	static := NewStatic(nil)
	canary := Tagged(static, map[string]string{"track": "canary"})
	addr, _ := net.ResolveTCPAddr("tcp", "127.0.0.1:9002")
	info := &kregistry.Info{ServiceName: "order", Addr: addr, Tags: map[string]string{"kitex": "yes"}}
	if err := canary.Registrar().Register(info); err != nil {
		t.Fatal(err)
	}
	if _, ok := info.Tags["track"]; ok {
		t.Fatal("Tagged changed the caller's info")
	}
	res, err := static.Resolver().Resolve(context.Background(), "order")
	if err != nil || len(res.Instances) != 1 {
		t.Fatalf("resolve: %+v, %v", res, err)
	}
	for k, want := range map[string]string{"track": "canary", "kitex": "yes"} {
		if got, _ := res.Instances[0].Tag(k); got != want {
			t.Fatalf("tag %s = %q, want %q", k, got, want)
		}
	}
	if err := canary.Registrar().Deregister(info); err != nil {
		t.Fatal(err)
	}
	if res, _ := static.Resolver().Resolve(context.Background(), "order"); len(res.Instances) != 0 {
		t.Fatalf("deregistered canary still resolvable: %+v", res)
	}
}
