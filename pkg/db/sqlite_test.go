package db

import (
	"context"
	"errors"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"gorm.io/gorm"
)

// openSQLite opens a fresh SQLite database with a table of counters.
func openSQLite(t *testing.T) *gorm.DB {
	t.Helper()
	gdb, err := Open(Config{Driver: "sqlite", DSN: filepath.Join(t.TempDir(), "shop.db")}, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = Close(gdb) })
	if err := gdb.Exec(`CREATE TABLE counters (name VARCHAR(20) PRIMARY KEY, n BIGINT NOT NULL)`).Error; err != nil {
		t.Fatal(err)
	}
	return gdb
}

func count(t *testing.T, q *gorm.DB) int64 {
	t.Helper()
	var n int64
	if err := q.Raw(`SELECT COUNT(*) FROM counters`).Scan(&n).Error; err != nil {
		t.Fatal(err)
	}
	return n
}

// A plain read used to wait for the one connection while a transaction held it; now it
// answers at once, from what was committed before it began.
func TestSQLiteReadDoesNotWaitForATransaction(t *testing.T) {
	gdb := openSQLite(t)
	inTx, release := make(chan struct{}), make(chan struct{})
	txDone := make(chan error, 1)
	go func() {
		txDone <- gdb.Transaction(func(tx *gorm.DB) error {
			if err := tx.Exec(`INSERT INTO counters (name, n) VALUES ('a', 1)`).Error; err != nil {
				return err
			}
			if n := count(t, tx); n != 1 {
				t.Errorf("the transaction sees %d rows of its own, want 1", n)
			}
			close(inTx)
			<-release
			return nil
		})
	}()
	<-inTx
	read := make(chan int64, 1)
	go func() { read <- count(t, gdb) }()
	select {
	case n := <-read:
		if n != 0 {
			t.Errorf("a read outside the transaction saw %d uncommitted rows", n)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("a plain read waited for the open transaction")
	}
	close(release)
	if err := <-txDone; err != nil {
		t.Fatal(err)
	}
	if n := count(t, gdb); n != 1 {
		t.Fatalf("a read after the commit sees %d rows, want 1", n)
	}
}

// Statements that write reach the writer even when GORM runs them as queries
// (INSERT … RETURNING); readers refuse to write.
func TestSQLiteWritesGoToTheWriter(t *testing.T) {
	gdb := openSQLite(t)
	var name string
	if err := gdb.Raw(`INSERT INTO counters (name, n) VALUES ('b', 2) RETURNING name`).Scan(&name).Error; err != nil || name != "b" {
		t.Fatalf("INSERT … RETURNING as a query: %q, %v", name, err)
	}
	if err := gdb.Table("counters").Create(map[string]any{"name": "c", "n": 3}).Error; err != nil {
		t.Fatal(err)
	}
	if n := count(t, gdb); n != 2 {
		t.Fatalf("%d rows, want 2", n)
	}
	pool := gdb.ConnPool.(*splitPool)
	if _, err := pool.readers.Exec(`DELETE FROM counters`); err == nil {
		t.Fatal("a reader connection wrote")
	}
}

// Many transactions that read and then write (the stores' read-check-write under one
// writer), with plain reads beside them, finish without "busy", deadlock or lost update.
func TestSQLiteTransactionsAndReadsUnderLoad(t *testing.T) {
	gdb := openSQLite(t)
	if err := gdb.Exec(`INSERT INTO counters (name, n) VALUES ('x', 0)`).Error; err != nil {
		t.Fatal(err)
	}
	const workers, rounds = 16, 25
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	var wg sync.WaitGroup
	errs := make(chan error, 2*workers)
	for range workers {
		wg.Go(func() {
			for range rounds {
				err := gdb.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
					var n int64
					if err := tx.Raw(`SELECT n FROM counters WHERE name = 'x'`).Scan(&n).Error; err != nil {
						return err
					}
					res := tx.Exec(`UPDATE counters SET n = ? WHERE name = 'x' AND n = ?`, n+1, n)
					if res.Error == nil && res.RowsAffected != 1 {
						return errors.New("lost update: the row changed inside the transaction")
					}
					return res.Error
				})
				if err != nil {
					errs <- err
					return
				}
			}
		})
		wg.Go(func() {
			for range rounds {
				var n int64
				if err := gdb.WithContext(ctx).Raw(`SELECT n FROM counters WHERE name = 'x'`).Scan(&n).Error; err != nil {
					errs <- err
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	var n int64
	if err := gdb.Raw(`SELECT n FROM counters WHERE name = 'x'`).Scan(&n).Error; err != nil {
		t.Fatal(err)
	}
	if n != workers*rounds {
		t.Fatalf("counter %d after %d increments", n, workers*rounds)
	}
}
