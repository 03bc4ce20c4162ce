package registry

import (
	"context"
	"net"
	"testing"

	kregistry "github.com/cloudwego/kitex/pkg/registry"
)

func TestWithdrawDeregistersEveryLiveInstanceOnce(t *testing.T) {
	static := NewStatic(nil)
	d := NewDraining(static)
	addr, _ := net.ResolveTCPAddr("tcp", "127.0.0.1:9001")
	info := &kregistry.Info{ServiceName: "order", Addr: addr}
	if err := d.Registrar().Register(info); err != nil {
		t.Fatal(err)
	}
	if res, _ := d.Resolver().Resolve(context.Background(), "order"); len(res.Instances) != 1 {
		t.Fatalf("registered instance not resolvable: %+v", res)
	}
	if err := d.Withdraw(); err != nil {
		t.Fatal(err)
	}
	if res, _ := d.Resolver().Resolve(context.Background(), "order"); len(res.Instances) != 0 {
		t.Fatalf("withdrawn instance still resolvable: %+v", res)
	}
	// Kitex deregisters when it stops, and a late start must not come back.
	if err := d.Registrar().Deregister(info); err != nil {
		t.Fatal(err)
	}
	if err := d.Registrar().Register(info); err != nil {
		t.Fatal(err)
	}
	if res, _ := d.Resolver().Resolve(context.Background(), "order"); len(res.Instances) != 0 {
		t.Fatalf("registration after withdrawal announced: %+v", res)
	}
}

func TestRegisteredOnceAnInstanceIsAnnounced(t *testing.T) {
	d := NewDraining(NewStatic(nil))
	ctx := context.Background()
	if err := d.Registered(ctx); err != ErrNotRegistered {
		t.Fatalf("before any registration: %v, want ErrNotRegistered", err)
	}
	// Kitex's late registration after Stop passes nil: that announces nothing.
	if err := d.Registrar().Register(nil); err != nil {
		t.Fatal(err)
	}
	if err := d.Registered(ctx); err != ErrNotRegistered {
		t.Fatalf("after a nil registration: %v, want ErrNotRegistered", err)
	}
	addr, _ := net.ResolveTCPAddr("tcp", "127.0.0.1:9001")
	if err := d.Registrar().Register(&kregistry.Info{ServiceName: "order", Addr: addr}); err != nil {
		t.Fatal(err)
	}
	if err := d.Registered(ctx); err != nil {
		t.Fatalf("after registering: %v", err)
	}
}

func TestRegisteredStaysFalseWhenTheRegistryRefuses(t *testing.T) {
	d := NewDraining(NewStatic(nil))
	// The static registry refuses an instance without an address, as Nacos refuses when down.
	if err := d.Registrar().Register(&kregistry.Info{ServiceName: "order"}); err == nil {
		t.Fatal("a registration without an address was accepted")
	}
	if err := d.Registered(context.Background()); err != ErrNotRegistered {
		t.Fatalf("after a refused registration: %v, want ErrNotRegistered", err)
	}
}
