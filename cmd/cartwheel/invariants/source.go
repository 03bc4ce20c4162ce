package invariants

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	_ "github.com/glebarez/go-sqlite"  // the dev server's SQLite files
	_ "github.com/go-sql-driver/mysql" // the real fleet's schemas
)

// Source says where the three databases are: a dev server's data folder, or the MySQL
// server of the real fleet with one schema per service.
type Source struct {
	// DataDir holds product.db, order.db and payment.db (make run: ./data).
	DataDir string
	// MySQLDSN is a go-sql-driver DSN naming no schema, e.g. "root:pw@tcp(127.0.0.1:13306)/";
	// the schemas are SchemaPrefix + product|order|payment.
	MySQLDSN     string
	SchemaPrefix string
}

// Open connects to the databases of src; close releases them.
func Open(src Source) (dbs Databases, close func(), err error) {
	var opened []*sql.DB
	close = func() {
		for _, db := range opened {
			_ = db.Close()
		}
	}
	open := func(service string) (*sql.DB, error) {
		driver, dsn, err := src.dsn(service)
		if err != nil {
			return nil, err
		}
		db, err := sql.Open(driver, dsn)
		if err != nil {
			return nil, fmt.Errorf("invariants: open %s database: %w", service, err)
		}
		opened = append(opened, db)
		return db, nil
	}
	for _, target := range []struct {
		service string
		into    **sql.DB
	}{{"product", &dbs.Product}, {"order", &dbs.Order}, {"payment", &dbs.Payment}} {
		if *target.into, err = open(target.service); err != nil {
			close()
			return Databases{}, nil, err
		}
	}
	return dbs, close, nil
}

func (src Source) dsn(service string) (driver, dsn string, err error) {
	switch {
	case src.DataDir != "" && src.MySQLDSN != "":
		return "", "", errors.New("invariants: give a data folder or a MySQL DSN, not both")
	case src.DataDir != "":
		file := filepath.Join(src.DataDir, service+".db")
		if _, err := os.Stat(file); err != nil {
			return "", "", fmt.Errorf("invariants: %w (is %s a dev server's data folder?)", err, src.DataDir)
		}
		return "sqlite", file + "?_pragma=busy_timeout(10000)", nil
	case src.MySQLDSN != "":
		base, params, _ := strings.Cut(src.MySQLDSN, "?")
		if !strings.HasSuffix(base, "/") {
			return "", "", fmt.Errorf("invariants: the MySQL DSN must end in \"/\" (no schema): %s", Redact(base))
		}
		prefix := src.SchemaPrefix
		if prefix == "" {
			prefix = "cartwheel_"
		}
		if params != "" {
			params = "?" + params
		}
		return "mysql", base + prefix + service + params, nil
	}
	return "", "", errors.New("invariants: no databases given (a data folder or a MySQL DSN)")
}

// Settled checks until every promise holds or wait has passed, and returns what is
// still broken then. Messages in flight when traffic stops need a moment to land, so a
// finding is only final once it has outlived wait.
func Settled(ctx context.Context, dbs Databases, opts Options, wait time.Duration) ([]string, error) {
	deadline := time.Now().Add(wait)
	for {
		broken, err := Check(ctx, dbs, opts)
		if err != nil || len(broken) == 0 || time.Now().After(deadline) {
			return broken, err
		}
		select {
		case <-ctx.Done():
			return broken, nil
		case <-time.After(200 * time.Millisecond):
		}
	}
}

// Redact hides the password of a DSN, for logs and errors.
func Redact(dsn string) string {
	user, rest, ok := strings.Cut(dsn, "@")
	if !ok {
		return dsn
	}
	name, _, _ := strings.Cut(user, ":")
	return name + ":****@" + rest
}
