package invariants

import (
	"bytes"
	"context"
	"database/sql"
	"path/filepath"
	"strings"
	"testing"
)

// dataDir lays out a dev server's data folder: the same small shop in product.db,
// order.db and payment.db, then mutation applied to each.
func dataDir(t *testing.T, mutation string) string {
	t.Helper()
	dir := t.TempDir()
	for _, name := range []string{"product", "order", "payment"} {
		db, err := sql.Open("sqlite", filepath.Join(dir, name+".db"))
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range []string{schema, consistent, mutation} {
			if _, err := db.Exec(s); err != nil {
				t.Fatalf("%s: %v", s, err)
			}
		}
		_ = db.Close()
	}
	return dir
}

func TestMain_dataFolder(t *testing.T) {
	cases := []struct {
		name     string
		mutation string
		code     int
		want     string
	}{
		{"consistent", "", 0, "invariants: ok (1 SKUs, 3 orders, 2 payments)"},
		{"broken", "UPDATE stock SET available = 6", 1, "invariants: 1 violated\n  stock A: available 6 + reserved 2 + sold 3 != 10 ever added"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var out, errOut bytes.Buffer
			code := Main(context.Background(), []string{"-data", dataDir(t, tc.mutation), "-wait", "0s"}, &out, &errOut)
			if code != tc.code || !strings.HasPrefix(out.String(), tc.want) {
				t.Fatalf("exit %d, want %d; out %q, want it to start with %q; stderr %q", code, tc.code, out.String(), tc.want, errOut.String())
			}
		})
	}
}

func TestMain_refusesWithoutDatabases(t *testing.T) {
	t.Setenv("CARTWHEEL_MYSQL_DSN", "")
	var out, errOut bytes.Buffer
	if code := Main(context.Background(), nil, &out, &errOut); code != 2 || !strings.Contains(errOut.String(), "no databases given") {
		t.Fatalf("exit %d, stderr %q", code, errOut.String())
	}
	errOut.Reset()
	if code := Main(context.Background(), []string{"-data", t.TempDir()}, &out, &errOut); code != 2 || !strings.Contains(errOut.String(), "data folder") {
		t.Fatalf("an empty folder: exit %d, stderr %q", code, errOut.String())
	}
}

func TestSourceDSN_mysql(t *testing.T) {
	src := Source{MySQLDSN: "bench:pw@tcp(127.0.0.1:13306)/?parseTime=true"}
	driver, dsn, err := src.dsn("order")
	if err != nil || driver != "mysql" || dsn != "bench:pw@tcp(127.0.0.1:13306)/cartwheel_order?parseTime=true" {
		t.Fatalf("%s %s %v", driver, dsn, err)
	}
	if _, _, err := (Source{MySQLDSN: "bench:pw@tcp(127.0.0.1:13306)/shop"}).dsn("order"); err == nil || strings.Contains(err.Error(), "pw") {
		t.Fatalf("a DSN naming a schema must be refused without showing the password: %v", err)
	}
}
