// Command cartwheel is the dev server: the whole shop in one process on embedded
// defaults (SQLite under ./data, the embedded broker, a static registry, a seeded demo
// catalog and admin). Ctrl-C shuts everything down gracefully.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/cloudwego/hertz/pkg/common/hlog"
	"github.com/cloudwego/kitex/pkg/klog"

	"github.com/cartwheel-shop/cartwheel/cmd/cartwheel/bench"
	"github.com/cartwheel-shop/cartwheel/cmd/cartwheel/chaos"
	"github.com/cartwheel-shop/cartwheel/cmd/cartwheel/fleet"
	"github.com/cartwheel-shop/cartwheel/cmd/cartwheel/invariants"
	"github.com/cartwheel-shop/cartwheel/pkg/logging"
	"github.com/cartwheel-shop/cartwheel/pkg/obs"
)

func main() {
	log := logging.New(os.Stderr, "", os.Getenv("CARTWHEEL_LOG_LEVEL"))
	// Kitex and Hertz log through process-wide loggers of their own; their start and
	// shutdown chatter is noise next to ours, their warnings are not, and they go out
	// as our JSON: one format per process.
	klog.SetLevel(klog.LevelWarn)
	hlog.SetLevel(hlog.LevelWarn)
	klog.SetOutput(logging.Lines(log, "kitex"))
	hlog.SetOutput(logging.Lines(log, "hertz"))
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if len(os.Args) > 1 {
		if tool, ok := tools[os.Args[1]]; ok {
			code := tool(ctx, os.Args[2:], os.Stdout, os.Stderr)
			stop()
			os.Exit(code)
		}
	}
	if err := run(ctx, log, os.Args[1:]); err != nil {
		log.Error("cartwheel: stopped", "err", err)
		os.Exit(1)
	}
}

// tools are the subcommands beside the dev server itself: `cartwheel invariants`
// checks a shop's databases, `cartwheel bench` measures one under load.
var tools = map[string]func(ctx context.Context, args []string, stdout, stderr io.Writer) int{
	"invariants": invariants.Main,
	"bench":      bench.Main,
	"chaos":      chaos.Main,
}

func run(ctx context.Context, log *slog.Logger, args []string) error {
	flags := flag.NewFlagSet("cartwheel", flag.ContinueOnError)
	dataDir := flags.String("data", "data", "folder for the SQLite files of the services and the broker")
	if err := flags.Parse(args); err != nil {
		return err
	}
	stopTracing, err := obs.StartTracing(ctx, "cartwheel")
	if err != nil {
		return err
	}
	defer func() {
		flushCtx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := stopTracing(flushCtx); err != nil {
			log.Warn("tracing: flush", "err", err)
		}
	}()
	f, err := fleet.Start(ctx, fleet.Options{DataDir: *dataDir, Logger: log})
	if err != nil {
		return err
	}
	defer f.Stop()
	// The banner is the go-ahead: print it only once every service can be reached.
	if err := f.WaitReady(ctx); err != nil {
		if ctx.Err() != nil {
			return nil // Ctrl-C during start-up is a clean stop
		}
		return err
	}
	fmt.Fprint(os.Stdout, journey(f.URL))
	fmt.Fprintf(os.Stdout, "Operators: %[1]s/readyz, %[1]s/metrics and %[1]s/debug/pprof/ on the admin listener.\n", f.AdminURL)
	<-ctx.Done()
	log.Info("cartwheel: shutting down")
	return f.Err()
}

// journey is the walk-through printed at start-up; the README shows the same steps.
func journey(url string) string {
	return fmt.Sprintf(`
Cartwheel is running at %[1]s   (API docs: %[1]s/docs)
  the storefront:    %[1]s/
  the admin console: %[1]s/admin/   (admin@cartwheel.local / cartwheel-admin)

A customer's journey with curl and jq:
  B=%[1]s/api/v1
  curl -s -XPOST $B/auth/register -d '{"email":"ann@example.com","password":"correct-horse-9","name":"Ann"}'
  TOKEN=$(curl -s -XPOST $B/auth/login -d '{"email":"ann@example.com","password":"correct-horse-9"}' | jq -r .access_token)
  AUTH="Authorization: Bearer $TOKEN"
  curl -s "$B/products?sort=price_asc" | jq '.items[] | {name, skus: [.skus[] | {sku, price, available}]}'
  SKU=$(curl -s "$B/products?sort=price_asc" | jq -r '.items[0].skus[0].sku')
  ADDR=$(curl -s -XPOST $B/me/addresses -H "$AUTH" -d '{"recipient":"Ann","line1":"1 Main St","city":"Springfield","postal_code":"12345","country":"US"}' | jq -r .id)
  curl -s -XPUT $B/cart/items/$SKU -H "$AUTH" -d '{"quantity":2}'
  ORDER=$(curl -s -XPOST $B/orders -H "$AUTH" -H "Idempotency-Key: order-$(date +%%s%%N)" -d "{\"from_cart\":true,\"address_id\":\"$ADDR\"}" | jq -r .id)
  sleep 1; curl -s $B/orders/$ORDER -H "$AUTH" | jq .status          # AWAITING_PAYMENT
  PAY=$(curl -s -XPOST $B/orders/$ORDER/payments -H "$AUTH" | jq -r .id)
  curl -s -XPOST $B/sandbox/payments/$PAY/complete -H "$AUTH"
  sleep 1; curl -s $B/orders/$ORDER -H "$AUTH" | jq .status          # PAID

The admin (development seed only): admin@cartwheel.local / cartwheel-admin
  ATOKEN=$(curl -s -XPOST $B/auth/login -d '{"email":"admin@cartwheel.local","password":"cartwheel-admin"}' | jq -r .access_token)
  curl -s $B/admin/skus/$SKU/stock -H "Authorization: Bearer $ATOKEN"   # available, reserved, sold

Ctrl-C stops the shop.
`, url)
}
