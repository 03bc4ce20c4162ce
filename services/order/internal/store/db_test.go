package store

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	mysqldriver "github.com/go-sql-driver/mysql"
	"gorm.io/gorm"

	"github.com/cartwheel-shop/cartwheel/pkg/db"
	"github.com/cartwheel-shop/cartwheel/pkg/mq"
	"github.com/cartwheel-shop/cartwheel/pkg/txmsg"
)

// mysqlEnv names a MySQL/MariaDB DSN (a user allowed to create databases); when it is
// set, every store test runs on MySQL as well as on SQLite.
const mysqlEnv = "CARTWHEEL_TEST_MYSQL_DSN"

// fixture is one test's fresh database, its store and the producer the store sends on.
type fixture struct {
	db       *gorm.DB
	store    *Store
	producer *recordingProducer
}

// eachEngine runs test once per database engine, each time on a fresh migrated database.
func eachEngine(t *testing.T, test func(t *testing.T, f *fixture)) {
	t.Helper()
	engines := []string{"sqlite"}
	if os.Getenv(mysqlEnv) != "" {
		engines = append(engines, "mysql")
	} else {
		t.Logf("engines: sqlite only (set %s to run on MySQL too)", mysqlEnv)
	}
	for _, engine := range engines {
		t.Run(engine, func(t *testing.T) {
			gdb := openEngine(t, engine)
			if err := db.Migrate(context.Background(), gdb, Migrations); err != nil {
				t.Fatalf("migrate: %v", err)
			}
			p := &recordingProducer{}
			test(t, &fixture{db: gdb, store: New(gdb, txmsg.NewSender(gdb, p)), producer: p})
		})
	}
}

func openEngine(t *testing.T, engine string) *gorm.DB {
	t.Helper()
	cfg := db.Config{Driver: engine, MaxOpenConns: 8, MaxIdleConns: 2, ConnMaxLifetime: time.Minute}
	if engine == "sqlite" {
		cfg.DSN = filepath.Join(t.TempDir(), "order.db")
	} else {
		cfg.DSN = createMySQLDatabase(t, os.Getenv(mysqlEnv))
	}
	gdb, err := db.Open(cfg, nil)
	if err != nil {
		t.Fatalf("open %s: %v", engine, err)
	}
	t.Cleanup(func() { db.Close(gdb) })
	return gdb
}

// createMySQLDatabase creates a uniquely named database, dropped when the test ends, and
// returns a DSN for it. utf8mb4_bin makes keys compare byte for byte, as on SQLite.
func createMySQLDatabase(t *testing.T, dsn string) string {
	t.Helper()
	cfg, err := mysqldriver.ParseDSN(dsn)
	if err != nil {
		t.Fatalf("%s: %v", mysqlEnv, err)
	}
	server := cfg.Clone()
	server.DBName = ""
	admin, err := sql.Open("mysql", server.FormatDSN())
	if err != nil {
		t.Fatalf("mysql: %v", err)
	}
	var raw [6]byte
	rand.Read(raw[:])
	name := "cw_order_test_" + hex.EncodeToString(raw[:])
	if _, err := admin.Exec("CREATE DATABASE " + name + " CHARACTER SET utf8mb4 COLLATE utf8mb4_bin"); err != nil {
		admin.Close()
		t.Fatalf("mysql: create database: %v", err)
	}
	t.Cleanup(func() {
		if _, err := admin.Exec("DROP DATABASE " + name); err != nil {
			t.Errorf("mysql: drop database %s: %v", name, err)
		}
		admin.Close()
	})
	cfg.DBName, cfg.ParseTime, cfg.Loc = name, true, time.UTC
	return cfg.FormatDSN()
}

// recordingProducer plays the broker's side of a transactional send: the message
// becomes visible if and only if the local transaction returned nil.
type recordingProducer struct {
	mu         sync.Mutex
	committed  []mq.Message
	rolledBack []mq.Message
}

func (p *recordingProducer) Send(_ context.Context, msg *mq.Message) (string, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.committed = append(p.committed, *msg)
	return "id", nil
}

func (p *recordingProducer) SendInTransaction(ctx context.Context, msg *mq.Message, local mq.LocalTx) (string, error) {
	err := local(ctx)
	p.mu.Lock()
	defer p.mu.Unlock()
	if err == nil {
		p.committed = append(p.committed, *msg)
	} else {
		p.rolledBack = append(p.rolledBack, *msg)
	}
	return "id", err
}

func (p *recordingProducer) Close() error { return nil }

// tags lists the tags of the committed messages, in order.
func (p *recordingProducer) tags() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	tags := make([]string, len(p.committed))
	for i, m := range p.committed {
		tags[i] = m.Tags
	}
	return strings.Join(tags, ",")
}

func (p *recordingProducer) rollbacks() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.rolledBack)
}
