package ratelimit_test

import (
	"context"
	"testing"

	"github.com/cartwheel-shop/cartwheel/gateway/internal/ratelimit"
)

func TestTunable(t *testing.T) {
	builds := 0
	l := ratelimit.NewTunable(0.001, 1, func(perSecond float64, burst int) ratelimit.Limiter {
		builds++
		return ratelimit.NewMemory(perSecond, burst, 10, nil)
	})
	ctx := context.Background()
	allowed := func() bool {
		d, err := l.Allow(ctx, "k")
		if err != nil {
			t.Fatal(err)
		}
		return d.Allowed
	}
	if !allowed() || allowed() {
		t.Fatal("burst 1 should admit one request, then refuse")
	}
	l.Set(0.001, 1) // the same budget keeps the limiter and its state
	if builds != 1 || allowed() {
		t.Fatalf("the same budget rebuilt the limiter (%d builds) or forgot the spent token", builds)
	}
	l.Set(0.001, 3)
	for i := range 3 {
		if !allowed() {
			t.Fatalf("request %d refused under the new burst of 3", i)
		}
	}
	if allowed() {
		t.Fatal("a fourth request admitted under burst 3")
	}
}
