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
