//go:build integration

package main

import (
	"testing"

	"github.com/cartwheel-shop/cartwheel/pkg/command/commandtest"
)

func TestReadinessFollowsTheDatabase(t *testing.T) { commandtest.Readiness(t, spec) }
