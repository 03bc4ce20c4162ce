package ratelimit_test

import (
	"testing"

	"github.com/cartwheel-shop/cartwheel/gateway/internal/ratelimit"
	"github.com/cartwheel-shop/cartwheel/gateway/internal/ratelimit/ratelimittest"
)

func TestMemoryContract(t *testing.T) {
	ratelimittest.RunContract(t, func(*testing.T) ratelimit.Limiter {
		return ratelimit.NewMemory(ratelimittest.Rate, ratelimittest.Burst, 1000, nil)
	})
}

func TestLeasedContract(t *testing.T) {
	ratelimittest.RunContract(t, func(*testing.T) ratelimit.Limiter {
		memory := ratelimit.NewMemory(ratelimittest.Rate, ratelimittest.Burst, 1000, nil)
		return ratelimit.NewLeased(memory, ratelimittest.Burst, 1000, nil)
	})
}
