package ratelimit_test

import (
	"net"
	"testing"
	"time"

	"github.com/cartwheel-shop/cartwheel/gateway/internal/ratelimit"
	"github.com/cartwheel-shop/cartwheel/pkg/cache"
)

func TestRedisFailsWhenRedisIsAway(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close() // nothing listens there now
	client := cache.NewRedisClient(cache.RedisConfig{
		Addr: addr, PoolSize: 2, DialTimeout: time.Second, ReadTimeout: time.Second, WriteTimeout: time.Second,
	})
	defer client.Close()
	l := ratelimit.NewRedis(client, "test:", 10, 3)
	start := time.Now()
	if d, err := l.Allow(t.Context(), "ip:127.0.0.1"); err == nil {
		t.Fatalf("Allow with Redis away = %+v, nil; want an error so the caller can fail open", d)
	}
	if took := time.Since(start); took > 2*time.Second {
		t.Fatalf("a refused connection took %s to report", took)
	}
}
