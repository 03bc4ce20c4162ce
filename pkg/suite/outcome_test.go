package suite

import (
	"context"
	"errors"
	"syscall"
	"testing"

	"github.com/cloudwego/kitex/pkg/circuitbreak"
	"github.com/cloudwego/kitex/pkg/kerrors"
	"github.com/cloudwego/netpoll"
)

// The breakers count what made callers wait; these outcomes cannot all be produced on
// loopback (a dial that times out needs an address that swallows SYNs).
func TestBreakersCountOnlyWhatMadeCallersWait(t *testing.T) {
	ctx := context.Background()
	cases := []struct {
		name              string
		err               error
		service, instance circuitbreak.ErrorType
	}{
		{"answered", nil, circuitbreak.TypeSuccess, circuitbreak.TypeSuccess},
		{"rpc_timeout", kerrors.ErrRPCTimeout.WithCause(errors.New("waited 3s")), circuitbreak.TypeTimeout, circuitbreak.TypeSuccess},
		{"dial_timeout", kerrors.ErrGetConnection.WithCause(netpoll.Exception(netpoll.ErrDialTimeout, "dial")), circuitbreak.TypeTimeout, circuitbreak.TypeFailure},
		{"refused", kerrors.ErrGetConnection.WithCause(syscall.ECONNREFUSED), circuitbreak.TypeIgnorable, circuitbreak.TypeSuccess},
		{"reset", kerrors.ErrRemoteOrNetwork.WithCause(syscall.ECONNRESET), circuitbreak.TypeIgnorable, circuitbreak.TypeSuccess},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := serviceOutcome(ctx, nil, nil, tc.err); got != tc.service {
				t.Errorf("service breaker: %v, want %v", got, tc.service)
			}
			if got := instanceOutcome(ctx, nil, nil, tc.err); got != tc.instance {
				t.Errorf("instance breaker: %v, want %v", got, tc.instance)
			}
		})
	}
}
