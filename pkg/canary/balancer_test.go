package canary_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/cloudwego/kitex/pkg/discovery"
	"github.com/cloudwego/kitex/pkg/loadbalance"

	"github.com/cartwheel-shop/cartwheel/pkg/canary"
)

func instance(addr, track string) discovery.Instance {
	tags := map[string]string{}
	if track != "" {
		tags[canary.TrackTag] = track
	}
	return discovery.NewInstance("tcp", addr, discovery.DefaultWeight, tags)
}

// fleet is two stable instances (one tagged, one untagged: an instance registered before
// tracks existed is stable) and one canary.
func fleet(cacheable bool) discovery.Result {
	return discovery.Result{Cacheable: cacheable, CacheKey: "order", Instances: []discovery.Instance{
		instance("127.0.0.1:1001", canary.TrackStable),
		instance("127.0.0.1:1002", ""),
		instance("127.0.0.1:1003", canary.TrackCanary),
	}}
}

func isCanary(in discovery.Instance) bool {
	track, _ := in.Tag(canary.TrackTag)
	return track == canary.TrackCanary
}

func TestBalancerKeepsEachSideApart(t *testing.T) {
	for _, cacheable := range []bool{false, true} {
		t.Run(fmt.Sprintf("cacheable=%v", cacheable), func(t *testing.T) {
			p := canary.NewBalancer(loadbalance.NewWeightedBalancer()).GetPicker(fleet(cacheable))
			always := canary.WithCanary(context.Background())
			stableSeen := map[string]bool{}
			for range 100 {
				if in := p.Next(always, nil); in == nil || !isCanary(in) {
					t.Fatalf("canary call picked %v", in)
				}
				in := p.Next(context.Background(), nil)
				if in == nil || isCanary(in) {
					t.Fatalf("plain call picked %v", in)
				}
				stableSeen[in.Address().String()] = true
			}
			if len(stableSeen) != 2 {
				t.Fatalf("plain calls should spread over both stable instances, saw %v", stableSeen)
			}
		})
	}
}

func TestCanaryCallWithoutCanaryGoesStable(t *testing.T) {
	res := discovery.Result{CacheKey: "order", Instances: []discovery.Instance{instance("127.0.0.1:1001", canary.TrackStable)}}
	p := canary.NewBalancer(loadbalance.NewWeightedBalancer()).GetPicker(res)
	if in := p.Next(canary.WithCanary(context.Background()), nil); in == nil || isCanary(in) {
		t.Fatalf("canary call with no canary instance picked %v, want the stable one", in)
	}
}

func TestPlainCallNeverFallsBackToCanary(t *testing.T) {
	res := discovery.Result{CacheKey: "order", Instances: []discovery.Instance{instance("127.0.0.1:1003", canary.TrackCanary)}}
	p := canary.NewBalancer(loadbalance.NewWeightedBalancer()).GetPicker(res)
	if in := p.Next(context.Background(), nil); in != nil {
		t.Fatalf("plain call picked %v with only a canary up, want none", in)
	}
}

// Rebalance must refresh the inner balancer's cached pickers of both sides: a canary
// that appears after the first pick is used.
func TestRebalanceFollowsANewCanary(t *testing.T) {
	b := canary.NewBalancer(loadbalance.NewWeightedBalancer())
	before := discovery.Result{Cacheable: true, CacheKey: "order", Instances: []discovery.Instance{instance("127.0.0.1:1001", "")}}
	if in := b.GetPicker(before).Next(canary.WithCanary(context.Background()), nil); isCanary(in) {
		t.Fatalf("picked a canary that does not exist: %v", in)
	}
	after := fleet(true)
	b.Rebalance(discovery.Change{Result: after})
	if in := b.GetPicker(after).Next(canary.WithCanary(context.Background()), nil); in == nil || !isCanary(in) {
		t.Fatalf("canary call after the canary appeared picked %v", in)
	}
}

// A 10% share over 2,000 users sends 10% ± 3% of them to the canary, each user always
// to the same side.
func TestShareSendsItsPercentageOfUsers(t *testing.T) {
	p := canary.NewBalancer(loadbalance.NewWeightedBalancer()).GetPicker(fleet(true))
	const users, share = 2000, 10.0
	toCanary := 0
	for i := range users {
		id := fmt.Sprintf("0193a1c2-%04d-7000-8000-%012d", i, i*7919)
		ctx := context.Background()
		if canary.Decide("", id, share) {
			ctx = canary.WithCanary(ctx)
		}
		first := isCanary(p.Next(ctx, nil))
		if again := canary.Decide("", id, share); again != first {
			t.Fatalf("user %s changed side between two requests", id)
		}
		if first {
			toCanary++
		}
	}
	got := 100 * float64(toCanary) / users
	if got < share-3 || got > share+3 {
		t.Fatalf("share %v%% sent %.1f%% of %d users to the canary", share, got, users)
	}
	t.Logf("share %v%%: %d of %d users (%.1f%%) on the canary", share, toCanary, users, got)
}

func TestDecide(t *testing.T) {
	cases := []struct {
		name, header, user string
		share              float64
		want               bool
	}{
		{"always_header_anonymous", "always", "", 0, true},
		{"always_header_any_case", "Always", "u1", 0, true},
		{"other_header_value_is_ignored", "yes", "", 100, false},
		{"anonymous_never_by_share", "", "", 100, false},
		{"zero_share", "", "u1", 0, false},
		{"full_share", "", "u1", 100, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := canary.Decide(c.header, c.user, c.share); got != c.want {
				t.Fatalf("Decide(%q, %q, %v) = %v, want %v", c.header, c.user, c.share, got, c.want)
			}
		})
	}
}

func TestBucketIsStableAndInRange(t *testing.T) {
	for i := range 1000 {
		id := fmt.Sprint("user-", i)
		b := canary.Bucket(id)
		if b < 0 || b >= 100 || b != canary.Bucket(id) {
			t.Fatalf("Bucket(%q) = %v", id, b)
		}
	}
}
