package suite_test

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"path/filepath"
	"testing"
	"time"

	"github.com/cloudwego/kitex/pkg/kerrors"
	"github.com/cloudwego/kitex/server"
	"gorm.io/gorm"

	userapi "github.com/cartwheel-shop/cartwheel/idl/kitex_gen/user"
	"github.com/cartwheel-shop/cartwheel/idl/kitex_gen/user/userservice"
	"github.com/cartwheel-shop/cartwheel/pkg/db"
	"github.com/cartwheel-shop/cartwheel/pkg/registry"
	"github.com/cartwheel-shop/cartwheel/pkg/suite"
)

// stuckUsers opens a transaction for GetUser, writes in it, and then waits for the
// call's context to end, as a handler stuck behind a slow query or lock would.
type stuckUsers struct {
	userapi.UserService
	db       *gorm.DB
	inTx     chan struct{}
	finished chan error
}

func (s *stuckUsers) GetUser(ctx context.Context, req *userapi.GetUserRequest) (*userapi.User, error) {
	tx := s.db.WithContext(ctx).Begin()
	if tx.Error != nil {
		s.finished <- tx.Error
		return nil, tx.Error
	}
	if err := tx.Exec("INSERT INTO work (id) VALUES (?)", req.UserId).Error; err != nil {
		s.finished <- err
		return nil, err
	}
	close(s.inTx)
	<-ctx.Done() // never committed: the request's end must end the transaction
	s.finished <- ctx.Err()
	return nil, ctx.Err()
}

// TestCallerDeadlineStopsServerWork: a client that gives up (its RPC timeout) ends the
// server's work on that call: the handler's context ends with the caller's deadline,
// and the database transaction it held is rolled back and its lock released, rather
// than outliving the request.
func TestCallerDeadlineStopsServerWork(t *testing.T) {
	gdb, err := db.Open(db.Config{Driver: "sqlite", DSN: filepath.Join(t.TempDir(), "work.db"), MaxOpenConns: 1}, slog.Default())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = db.Close(gdb) })
	if err := gdb.Exec("CREATE TABLE work (id TEXT PRIMARY KEY)").Error; err != nil {
		t.Fatal(err)
	}
	h := &stuckUsers{db: gdb, inTx: make(chan struct{}), finished: make(chan error, 1)}

	reg := registry.NewStatic(nil)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv, err := suite.NewServer("user", ln, reg, nil, func(opts ...server.Option) server.Server {
		return userservice.NewServer(h, opts...)
	})
	if err != nil {
		t.Fatal(err)
	}
	ctx, stop := context.WithCancel(context.Background())
	done := run(ctx, srv)
	t.Cleanup(func() { stop(); _ = returned(t, done); _ = srv.Close() })
	waitUp(t, reg)

	cli, err := userservice.NewClient("user", suite.ClientOptions(reg, 300*time.Millisecond, nil)...)
	if err != nil {
		t.Fatal(err)
	}
	_, err = cli.GetUser(context.Background(), &userapi.GetUserRequest{UserId: "stuck"})
	if !errors.Is(err, kerrors.ErrRPCTimeout) {
		t.Fatalf("the client should give up at its timeout, got %v", err)
	}
	<-h.inTx

	select {
	case err := <-h.finished:
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("the handler's context ended with %v, want the caller's deadline", err)
		}
	case <-time.After(wait):
		t.Fatalf("the server kept working %s after its caller gave up", wait)
	}
	// The single connection is free again and the uncommitted write is gone.
	var n int64
	if err := gdb.Raw("SELECT COUNT(*) FROM work").Scan(&n).Error; err != nil || n != 0 {
		t.Fatalf("after the request: %d rows, %v; want the transaction rolled back", n, err)
	}
	if err := gdb.Exec("INSERT INTO work (id) VALUES ('next')").Error; err != nil {
		t.Fatalf("the next write: %v", err)
	}
}
