package embedded

import (
	"context"
	"database/sql"
	"errors"
	"path/filepath"
	"sync"
	"testing"
	"time"
)

// openForWrites opens a broker and a table the test's changes write to.
func openForWrites(t *testing.T) *Broker {
	t.Helper()
	b, err := Open(filepath.Join(t.TempDir(), "broker.db"), Options{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close() })
	if err := b.exec(t.Context(), `CREATE TABLE notes (n INTEGER PRIMARY KEY)`); err != nil {
		t.Fatal(err)
	}
	return b
}

func note(n int) change {
	return func(ctx context.Context, tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO notes (n) VALUES (?)`, n)
		return err
	}
}

func notes(t *testing.T, b *Broker) map[int]bool {
	t.Helper()
	rows, err := b.db.Query(`SELECT n FROM notes`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	got := map[int]bool{}
	for rows.Next() {
		var n int
		if err := rows.Scan(&n); err != nil {
			t.Fatal(err)
		}
		got[n] = true
	}
	return got
}

// holdWriter makes the writer busy until the returned func is called, so the writes
// sent meanwhile wait and are committed as one batch.
func holdWriter(t *testing.T, b *Broker) (release func()) {
	t.Helper()
	held, gate := make(chan struct{}), make(chan struct{})
	done := make(chan error, 1)
	go func() {
		done <- b.write(context.Background(), func(context.Context, *sql.Tx) error {
			close(held)
			<-gate
			return nil
		})
	}()
	<-held
	return func() {
		close(gate)
		if err := <-done; err != nil {
			t.Errorf("holding write: %v", err)
		}
	}
}

// waitQueued waits until n writes are on their way to the writer, and a moment more for
// the last of them to reach its send.
func waitQueued(t *testing.T, b *Broker, n int) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for b.queued.Load() < int64(n) {
		if time.Now().After(deadline) {
			t.Fatalf("%d of %d writes queued up", b.queued.Load(), n)
		}
		time.Sleep(time.Millisecond)
	}
	time.Sleep(20 * time.Millisecond)
}

func TestFailingWriteFailsAloneInItsBatch(t *testing.T) {
	b := openForWrites(t)
	release := holdWriter(t, b)
	boom := errors.New("boom")
	results := make([]error, 6)
	var wg sync.WaitGroup
	for i := range results {
		ch := note(i)
		if i == 3 {
			ch = func(ctx context.Context, tx *sql.Tx) error {
				if err := note(i)(ctx, tx); err != nil {
					return err
				}
				return boom // after writing: its row must not survive
			}
		}
		wg.Go(func() { results[i] = b.write(t.Context(), ch) })
	}
	waitQueued(t, b, len(results))
	release()
	wg.Wait()
	got := notes(t, b)
	for i, err := range results {
		switch {
		case i == 3 && !errors.Is(err, boom):
			t.Errorf("the failing write answered %v, want its own error", err)
		case i == 3 && got[i]:
			t.Error("the failing write's row was committed")
		case i != 3 && err != nil:
			t.Errorf("write %d answered %v: another write's failure leaked into it", i, err)
		case i != 3 && !got[i]:
			t.Errorf("write %d answered nil but its row is missing", i)
		}
	}
}

func TestWriteWhoseCallerGaveUpDoesNotRun(t *testing.T) {
	b := openForWrites(t)
	release := holdWriter(t, b)
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() { done <- b.write(ctx, note(1)) }()
	waitQueued(t, b, 1)
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled write answered %v", err)
	}
	release()
	if err := b.write(t.Context(), note(2)); err != nil {
		t.Fatal(err)
	}
	if got := notes(t, b); got[1] || !got[2] {
		t.Fatalf("rows %v: want only the write whose caller waited", got)
	}
}

func TestWriteAfterCloseFails(t *testing.T) {
	b := openForWrites(t)
	if err := b.Close(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- b.write(t.Context(), note(1)) }()
	select {
	case err := <-done:
		if !errors.Is(err, ErrClosed) {
			t.Fatalf("write after Close answered %v, want ErrClosed", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("write after Close hangs")
	}
}
