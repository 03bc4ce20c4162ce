package rocketmq

import (
	"context"
	"net"
	"testing"
	"time"
)

// A name server that stops answering does not make the driver unready at once: the
// clients keep the routes they have for routeGrace; after that, it does.
func TestPingRidesOutANameServerOutage(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	d := &Driver{cfg: Config{NameServers: []string{ln.Addr().String()}}}
	ctx := context.Background()
	if err := d.Ping(ctx); err != nil {
		t.Fatalf("name server up: %v", err)
	}
	ln.Close()
	if err := d.Ping(ctx); err != nil {
		t.Fatalf("name server just gone, routes still good: %v", err)
	}
	d.lastReached.Store(time.Now().Add(-routeGrace - time.Second).UnixNano())
	if err := d.Ping(ctx); err == nil {
		t.Fatal("name server gone for longer than the routes last: want an error")
	}
	if err := (&Driver{cfg: Config{NameServers: []string{ln.Addr().String()}}}).Ping(ctx); err == nil {
		t.Fatal("never reached a name server: want an error")
	}
}
