package store_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/cartwheel-shop/cartwheel/pkg/db/dbtest"
	"github.com/cartwheel-shop/cartwheel/pkg/ids"
	"github.com/cartwheel-shop/cartwheel/services/user/internal/account"
	"github.com/cartwheel-shop/cartwheel/services/user/internal/store"
)

// t0 has nanoseconds on purpose: the store must round them the same way on both engines.
var t0 = time.Date(2026, 11, 21, 12, 0, 0, 123456789, time.UTC)

// each runs fn against a fresh migrated database per engine.
func each(t *testing.T, fn func(t *testing.T, st *store.Store)) {
	dbtest.Each(t, store.Migrations, func(t *testing.T, gdb *gorm.DB) { fn(t, store.New(gdb)) })
}

func newUser(t *testing.T, st *store.Store, email string) account.User {
	t.Helper()
	u := account.User{ID: ids.New(), Email: email, Name: "Name of " + email, Role: account.RoleCustomer,
		PasswordHash: []byte("$2a$04$abcdefghijklmnopqrstuu5XMfS3f8ZWFjLpfFhvQ6wGNBXnwBhSO"), CreatedAt: t0}
	if err := st.CreateUser(context.Background(), u); err != nil {
		t.Fatal(err)
	}
	return u
}

// concurrently runs fn n times at once and returns the errors.
func concurrently(n int, fn func(i int) error) []error {
	out := make([]error, n)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range n {
		wg.Go(func() {
			<-start
			out[i] = fn(i)
		})
	}
	close(start)
	wg.Wait()
	return out
}

// tally counts nil errors and errors matching want, failing on anything else.
func tally(t *testing.T, errs []error, want error) (ok, refused int) {
	t.Helper()
	for _, err := range errs {
		switch {
		case err == nil:
			ok++
		case errors.Is(err, want):
			refused++
		default:
			t.Errorf("unexpected error: %v", err)
		}
	}
	return ok, refused
}

func TestUsers(t *testing.T) {
	ctx := context.Background()
	each(t, func(t *testing.T, st *store.Store) {
		t.Run("users/round_trip", func(t *testing.T) {
			u := newUser(t, st, "alice@example.com")
			byID, err := st.UserByID(ctx, u.ID)
			if err != nil {
				t.Fatal(err)
			}
			byEmail, err := st.UserByEmail(ctx, u.Email)
			if err != nil {
				t.Fatal(err)
			}
			want := u
			want.CreatedAt = t0.Truncate(time.Microsecond)
			for _, got := range []account.User{byID, byEmail} {
				if got.ID != want.ID || got.Email != want.Email || got.Name != want.Name || got.Role != want.Role ||
					string(got.PasswordHash) != string(want.PasswordHash) || !got.CreatedAt.Equal(want.CreatedAt) {
					t.Fatalf("got %+v, want %+v", got, want)
				}
			}
		})
		t.Run("users/duplicate_email", func(t *testing.T) {
			newUser(t, st, "bob@example.com")
			dup := account.User{ID: ids.New(), Email: "bob@example.com", Name: "Bob 2", Role: account.RoleCustomer, PasswordHash: []byte("x"), CreatedAt: t0}
			if err := st.CreateUser(ctx, dup); !errors.Is(err, account.ErrEmailTaken) {
				t.Fatalf("want ErrEmailTaken, got %v", err)
			}
		})
		t.Run("users/duplicate_email_concurrently", func(t *testing.T) {
			results := concurrently(8, func(i int) error {
				return st.CreateUser(ctx, account.User{ID: ids.New(), Email: "carol@example.com", Name: fmt.Sprint("Carol ", i),
					Role: account.RoleCustomer, PasswordHash: []byte("x"), CreatedAt: t0})
			})
			if ok, refused := tally(t, results, account.ErrEmailTaken); ok != 1 || refused != 7 {
				t.Fatalf("%d sign-ups succeeded and %d got ErrEmailTaken; want 1 and 7", ok, refused)
			}
		})
		t.Run("users/not_found", func(t *testing.T) {
			if _, err := st.UserByID(ctx, ids.New()); !errors.Is(err, account.ErrUserNotFound) {
				t.Fatalf("by id: want ErrUserNotFound, got %v", err)
			}
			if _, err := st.UserByEmail(ctx, "nobody@example.com"); !errors.Is(err, account.ErrUserNotFound) {
				t.Fatalf("by email: want ErrUserNotFound, got %v", err)
			}
		})
	})
}
