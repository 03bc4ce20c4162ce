package main

import (
	"testing"

	"github.com/cartwheel-shop/cartwheel/pkg/command/commandtest"
)

func TestBinary(t *testing.T) { commandtest.Smoke(t, spec, "ACCESS_TTL", "1s") }
