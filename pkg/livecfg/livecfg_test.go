package livecfg_test

import (
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"

	"github.com/cartwheel-shop/cartwheel/pkg/livecfg"
	"github.com/cartwheel-shop/cartwheel/pkg/testkit"
)

var base = livecfg.Settings{RatePerIP: 50, BurstPerIP: 100, RatePerUser: 20, BurstPerUser: 40}

func newStore(t *testing.T) (*livecfg.Store, *testkit.SyncBuffer) {
	t.Helper()
	logs := &testkit.SyncBuffer{}
	s, err := livecfg.NewStore(base, slog.New(slog.NewJSONHandler(logs, nil)))
	if err != nil {
		t.Fatal(err)
	}
	return s, logs
}

func TestParse(t *testing.T) {
	cases := []struct {
		name, doc string
		want      livecfg.Settings
		errHas    []string
	}{
		{"empty_is_the_environment", "", base, nil},
		{"partial_keeps_the_rest", `{"rate_per_ip": 5, "canary_share": 12.5}`,
			livecfg.Settings{RatePerIP: 5, BurstPerIP: 100, RatePerUser: 20, BurstPerUser: 40, CanaryShare: 12.5}, nil},
		{"every_bad_value_named", `{"rate_per_ip": 0, "burst_per_user": -1, "canary_share": 101, "log_level": "loud"}`,
			base, []string{"rate_per_ip", "burst_per_user", "canary_share", "log_level"}},
		{"unknown_key", `{"rate_per_ip": 5, "rate_per_ipp": 6}`, base, []string{"rate_per_ipp"}},
		{"wrong_type", `{"burst_per_ip": "10"}`, base, []string{"burst_per_ip"}},
		{"trailing_data", `{"rate_per_ip": 5} {"rate_per_ip": 6}`, base, []string{"trailing"}},
		{"not_json", `rate_per_ip=5`, base, []string{"invalid"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := livecfg.Parse([]byte(c.doc), base)
			if got != c.want {
				t.Fatalf("settings = %+v, want %+v", got, c.want)
			}
			if (err != nil) != (len(c.errHas) > 0) {
				t.Fatalf("err = %v, want one naming %v", err, c.errHas)
			}
			for _, s := range c.errHas {
				if !strings.Contains(err.Error(), s) {
					t.Fatalf("err %q does not name %q", err, s)
				}
			}
		})
	}
}

func TestNewStoreRefusesAnInvalidEnvironment(t *testing.T) {
	if _, err := livecfg.NewStore(livecfg.Settings{}, nil); err == nil {
		t.Fatal("zero rate limits accepted as the environment")
	}
}

func TestInvalidDocumentKeepsTheLastGoodSettingsAndLogsAnError(t *testing.T) {
	s, logs := newStore(t)
	var seen []livecfg.Settings
	s.Watch(func(v livecfg.Settings) { seen = append(seen, v) })
	if err := s.Apply([]byte(`{"rate_per_ip": 7}`), "test"); err != nil {
		t.Fatal(err)
	}
	good := s.Current()
	if good.RatePerIP != 7 {
		t.Fatalf("accepted change not in force: %+v", good)
	}
	if err := s.Apply([]byte(`{"rate_per_ip": -1}`), "test"); err == nil {
		t.Fatal("negative rate accepted")
	}
	if s.Current() != good {
		t.Fatalf("refused document changed the settings: %+v", s.Current())
	}
	if len(seen) != 2 || seen[1] != good {
		t.Fatalf("watchers saw %+v, want the start and the one accepted change", seen)
	}
	if !strings.Contains(logs.String(), `"level":"ERROR"`) || !strings.Contains(logs.String(), "rate_per_ip") {
		t.Fatalf("refusal not logged at ERROR naming the key:\n%s", logs)
	}
}

// Readers on every request while a writer alternates good and bad documents: every
// value read is one that was accepted whole (never a mix of two documents, never a
// refused one), and the race detector sees no unsynchronised access.
func TestSwapIsAtomicUnderConcurrentReaders(t *testing.T) {
	s, _ := newStore(t)
	valid := map[livecfg.Settings]bool{base: true}
	docs := make([][]byte, 0, 40)
	for i := 1; i <= 20; i++ {
		// Each document moves every rate together, so a torn read would mix values.
		v := livecfg.Settings{RatePerIP: float64(i), BurstPerIP: i, RatePerUser: float64(i), BurstPerUser: i, CanaryShare: float64(i)}
		valid[v] = true
		docs = append(docs,
			fmt.Appendf(nil, `{"rate_per_ip":%d,"burst_per_ip":%d,"rate_per_user":%d,"burst_per_user":%d,"canary_share":%d}`, i, i, i, i, i),
			fmt.Appendf(nil, `{"rate_per_ip":%d,"burst_per_ip":0}`, i))
	}
	var applied sync.Map
	s.Watch(func(v livecfg.Settings) { applied.Store(v, true) })
	stop := make(chan struct{})
	var readers sync.WaitGroup
	bad := make(chan livecfg.Settings, 1)
	for range 4 {
		readers.Add(1)
		go func() {
			defer readers.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				if v := s.Current(); !valid[v] {
					select {
					case bad <- v:
					default:
					}
					return
				}
			}
		}()
	}
	for _, doc := range docs {
		_ = s.Apply(doc, "test")
	}
	close(stop)
	readers.Wait()
	select {
	case v := <-bad:
		t.Fatalf("a reader saw settings no document held: %+v", v)
	default:
	}
	if last := s.Current(); last.RatePerIP != 20 || last.BurstPerIP != 20 {
		t.Fatalf("last good document not in force: %+v", last)
	}
	if _, ok := applied.Load(s.Current()); !ok {
		t.Fatal("watchers never saw the settings in force")
	}
}

func TestFollowWithTheEnvironmentSourceChangesNothing(t *testing.T) {
	s, _ := newStore(t)
	stop, err := livecfg.Follow(livecfg.Config{Source: "env"}, s, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	stop()
	if s.Current() != base {
		t.Fatalf("settings changed: %+v", s.Current())
	}
	if err := (livecfg.Config{Source: "nacos", DataID: "x"}).Validate("GATEWAY_LIVE_"); err == nil || !strings.Contains(err.Error(), "GATEWAY_LIVE_NACOS_") {
		t.Fatalf("nacos source without an address: %v", err)
	}
}
