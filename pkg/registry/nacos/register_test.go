package nacos

import (
	"net"
	"strings"
	"testing"

	kregistry "github.com/cloudwego/kitex/pkg/registry"
)

func TestInstanceKeyNeedsAnExplicitAddress(t *testing.T) {
	cases := []struct {
		name string
		info *kregistry.Info
		want string // error substring; empty means accepted
	}{
		{"loopback_v4", &kregistry.Info{ServiceName: "user", Addr: &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 8881}}, ""},
		{"loopback_v6", &kregistry.Info{ServiceName: "user", Addr: &net.TCPAddr{IP: net.IPv6loopback, Port: 8881}}, ""},
		{"empty_host", &kregistry.Info{ServiceName: "user", Addr: &net.TCPAddr{Port: 8881}}, "explicit IP"},
		{"any_v4", &kregistry.Info{ServiceName: "user", Addr: &net.TCPAddr{IP: net.IPv4zero, Port: 8881}}, "explicit IP"},
		{"any_v6", &kregistry.Info{ServiceName: "user", Addr: &net.TCPAddr{IP: net.IPv6unspecified, Port: 8881}}, "explicit IP"},
		{"no_address", &kregistry.Info{ServiceName: "user"}, "needs a service name and an address"},
		{"no_name", &kregistry.Info{Addr: &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 8881}}, "needs a service name"},
		{"nil", nil, "needs a service name"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			key, err := instanceKey(tc.info)
			if tc.want == "" {
				if err != nil || !strings.HasPrefix(key, "user@") {
					t.Fatalf("want accepted, got %q, %v", key, err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("want an error mentioning %q, got %v", tc.want, err)
			}
		})
	}
}

func TestWeightPrefersTheConfiguredOne(t *testing.T) {
	cases := []struct {
		name              string
		configured, kitex int
		want              int
	}{
		{"configured_wins", 50, 10, 50},
		{"kitex_when_unconfigured", 0, 30, 30},
		{"default_when_neither", 0, 0, 10},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := &Registry{cfg: Config{Weight: tc.configured}}
			if got := r.weight(tc.kitex); got != tc.want {
				t.Fatalf("weight = %d, want %d", got, tc.want)
			}
		})
	}
}

func TestTagsCarryTheTrack(t *testing.T) {
	kitex := map[string]string{"cluster": "a"}
	r := &Registry{cfg: Config{Track: TrackCanary}}
	got := r.tags(kitex)
	if got[TrackKey] != TrackCanary || got["cluster"] != "a" || len(got) != 2 {
		t.Fatalf("tags = %v, want Kitex's plus track=canary", got)
	}
	if _, changed := kitex[TrackKey]; changed {
		t.Fatal("the caller's tags were changed")
	}
	if got := (&Registry{}).tags(kitex); len(got) != 1 || got[TrackKey] != "" {
		t.Fatalf("no track configured: tags = %v, want Kitex's unchanged", got)
	}
}
