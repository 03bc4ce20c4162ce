package fleet

import (
	"io"
	"log/slog"
	"net/http"
	"testing"
)

// The issue found the banner printed, and requests answered 503 "no instance of user",
// about a second before the services registered. After WaitReady the first request is
// served.
func TestFirstRequestAfterWaitReadyIsServed(t *testing.T) {
	f, err := Start(t.Context(), Options{DataDir: t.TempDir(), Ephemeral: true, Logger: slog.New(slog.DiscardHandler),
		Env: map[string]string{"USER_BCRYPT_COST": "4"}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(f.Stop)
	if err := f.WaitReady(t.Context()); err != nil {
		t.Fatal(err)
	}
	client := &http.Client{}
	t.Cleanup(client.CloseIdleConnections)
	resp, err := client.Get(f.URL + "/api/v1/categories")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("first request after WaitReady: %d %s", resp.StatusCode, body)
	}
}
