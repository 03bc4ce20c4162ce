package invariants

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"time"
)

// Usage is the command's help.
const Usage = `usage: cartwheel invariants [-data DIR | -mysql DSN] [-schema-prefix P] [-wait D] [-allow-pending]

Checks the promises of ARCHITECTURE.md §5 across the product, order and payment
databases: stock adds up, reservations follow their orders, every cent is kept for a
sale or refunded. Exit 0 with a one-line summary; exit 1 listing every violation.

  -data DIR        a dev server's data folder (make run: ./data)
  -mysql DSN       the real fleet's MySQL server, no schema, e.g. user:pw@tcp(127.0.0.1:13306)/
                   (default: $CARTWHEEL_MYSQL_DSN when -data is not given)
  -schema-prefix   schemas are <prefix>product, <prefix>order, <prefix>payment (default cartwheel_)
  -wait D          keep checking up to D while messages in flight settle (default 15s)
  -allow-pending   accept orders still PENDING (a check taken while traffic flows)
`

// Main runs the command and returns its exit code: 0 consistent, 1 violations, 2 a
// usage or connection error.
func Main(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	flags := flag.NewFlagSet("invariants", flag.ContinueOnError)
	flags.SetOutput(stderr)
	flags.Usage = func() { fmt.Fprint(stderr, Usage) }
	var src Source
	var opts Options
	flags.StringVar(&src.DataDir, "data", "", "")
	flags.StringVar(&src.MySQLDSN, "mysql", "", "")
	flags.StringVar(&src.SchemaPrefix, "schema-prefix", "cartwheel_", "")
	wait := flags.Duration("wait", 15*time.Second, "")
	flags.BoolVar(&opts.AllowPending, "allow-pending", false, "")
	if err := flags.Parse(args); err != nil {
		if err == flag.ErrHelp {
			return 0
		}
		return 2
	}
	if src.DataDir == "" && src.MySQLDSN == "" {
		src.MySQLDSN = os.Getenv("CARTWHEEL_MYSQL_DSN")
	}
	dbs, closeDBs, err := Open(src)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 2
	}
	defer closeDBs()
	broken, err := Settled(ctx, dbs, opts, *wait)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 2
	}
	if len(broken) > 0 {
		fmt.Fprintf(stdout, "invariants: %d violated\n", len(broken))
		for _, b := range broken {
			fmt.Fprintln(stdout, "  "+b)
		}
		return 1
	}
	n, err := Count(ctx, dbs)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 2
	}
	fmt.Fprintf(stdout, "invariants: ok (%s)\n", n)
	return 0
}

// Counts size what a check covered.
type Counts struct{ SKUs, Orders, Payments int64 }

func (c Counts) String() string {
	return fmt.Sprintf("%d SKUs, %d orders, %d payments", c.SKUs, c.Orders, c.Payments)
}

// Count sizes the shop a check covered.
func Count(ctx context.Context, dbs Databases) (Counts, error) {
	var c Counts
	if err := dbs.Product.QueryRowContext(ctx, `SELECT COUNT(*) FROM stock`).Scan(&c.SKUs); err != nil {
		return c, fmt.Errorf("invariants: count stock: %w", err)
	}
	if err := dbs.Order.QueryRowContext(ctx, `SELECT COUNT(*) FROM orders`).Scan(&c.Orders); err != nil {
		return c, fmt.Errorf("invariants: count orders: %w", err)
	}
	if err := dbs.Payment.QueryRowContext(ctx, `SELECT COUNT(*) FROM payments`).Scan(&c.Payments); err != nil {
		return c, fmt.Errorf("invariants: count payments: %w", err)
	}
	return c, nil
}
