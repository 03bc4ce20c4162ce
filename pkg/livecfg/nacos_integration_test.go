//go:build integration

package livecfg_test

import (
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cartwheel-shop/cartwheel/pkg/livecfg"
	"github.com/cartwheel-shop/cartwheel/pkg/registry/nacos"
	"github.com/cartwheel-shop/cartwheel/pkg/registry/nacos/nacostest"
	"github.com/cartwheel-shop/cartwheel/pkg/testkit"
)

// Following a document: a valid change applies, an invalid one is refused and logged
// once however often it is read, and deleting the document returns to the environment.
func TestFollowNacos(t *testing.T) {
	var id [4]byte
	_, _ = rand.Read(id[:])
	sdk := filepath.Join(os.TempDir(), "cartwheel-livecfg-nacos-sdk")
	ncfg := nacos.Config{Addr: nacostest.Addr(t), Group: "cw-livecfg-" + hex.EncodeToString(id[:]),
		LogDir: filepath.Join(sdk, "log"), CacheDir: filepath.Join(sdk, "cache")}
	center, err := nacos.NewConfigCenter(ncfg)
	if err != nil {
		t.Fatal(err)
	}
	defer center.Close()
	const dataID = "gateway-live.json"
	if err := center.Publish(dataID, `{"canary_share": 5}`); err != nil {
		t.Fatal(err)
	}

	store, logs := newStore(t)
	stop, err := livecfg.Follow(livecfg.Config{Source: "nacos", DataID: dataID, Every: 50 * time.Millisecond, Nacos: ncfg},
		store, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	defer stop()
	if got := store.Current().CanaryShare; got != 5 {
		t.Fatalf("share at start %v, want the document's 5", got)
	}

	if err := center.Publish(dataID, `{"canary_share": 20, "rate_per_user": 3}`); err != nil {
		t.Fatal(err)
	}
	testkit.Eventually(t, 15*time.Second, "the change applied", func() bool { c := store.Current(); return c.CanaryShare == 20 && c.RatePerUser == 3 })

	if err := center.Publish(dataID, `{"canary_share": 20, "rate_per_user": 0}`); err != nil {
		t.Fatal(err)
	}
	testkit.Eventually(t, 15*time.Second, "the invalid document refused", func() bool { return strings.Contains(logs.String(), "live settings refused") })
	time.Sleep(300 * time.Millisecond) // several more reads of the same refused text
	if n := strings.Count(logs.String(), "live settings refused"); n != 1 {
		t.Fatalf("the refused document was logged %d times, want once", n)
	}
	if c := store.Current(); c.CanaryShare != 20 || c.RatePerUser != 3 {
		t.Fatalf("settings after a refused document: %+v, want the last good ones", c)
	}

	if err := center.Delete(dataID); err != nil {
		t.Fatal(err)
	}
	testkit.Eventually(t, 15*time.Second, "the environment's settings back", func() bool { return store.Current() == base })
}
