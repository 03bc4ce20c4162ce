package store_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/cartwheel-shop/cartwheel/services/user/internal/account"
	"github.com/cartwheel-shop/cartwheel/services/user/internal/store"
)

// openSession stores a live session for u created at t0 and expiring an hour later.
func openSession(t *testing.T, st *store.Store, u account.User, name string) account.Session {
	t.Helper()
	s := account.Session{TokenHash: account.HashToken(name), FamilyID: "family-" + name, UserID: u.ID, CreatedAt: t0, ExpiresAt: t0.Add(time.Hour)}
	if err := st.CreateSession(context.Background(), s); err != nil {
		t.Fatal(err)
	}
	return s
}

// successor builds the next session as the domain does, without its validity check,
// so the store's own conditional update is what is tested.
func successor(name string, now time.Time) func(account.Session) (account.Session, error) {
	return func(old account.Session) (account.Session, error) {
		return account.Session{TokenHash: account.HashToken(name), FamilyID: old.FamilyID, UserID: old.UserID, CreatedAt: now, ExpiresAt: now.Add(time.Hour)}, nil
	}
}

func TestRotateSession(t *testing.T) {
	ctx := context.Background()
	each(t, func(t *testing.T, st *store.Store) {
		u := newUser(t, st, "alice@example.com")
		t.Run("rotate/records_the_first_rotation", func(t *testing.T) {
			old := openSession(t, st, u, "once")
			first, later := t0.Add(time.Minute), t0.Add(2*time.Minute)
			next, err := st.RotateSession(ctx, old.TokenHash, first, successor("once-next", first))
			if err != nil {
				t.Fatal(err)
			}
			if next.UserID != u.ID || next.TokenHash != account.HashToken("once-next") || next.FamilyID != old.FamilyID {
				t.Fatalf("successor %+v", next)
			}
			// The store hands the rule the session as stored: rotated at the first time,
			// whatever happened after; whether a replay is allowed is the rule's call.
			var seen account.Session
			_, err = st.RotateSession(ctx, old.TokenHash, later, func(s account.Session) (account.Session, error) {
				seen = s
				return successor("once-again", later)(s)
			})
			if err != nil || seen.RotatedAt == nil || !seen.RotatedAt.Equal(first.Truncate(time.Microsecond)) { // DATETIME(6)
				t.Fatalf("second rotation saw rotated_at %v (err %v), want %s", seen.RotatedAt, err, first)
			}
			if _, err := st.RotateSession(ctx, next.TokenHash, later, successor("once-third", later)); err != nil {
				t.Fatalf("successor cannot rotate: %v", err)
			}
		})
		t.Run("rotate/expiry_is_exclusive", func(t *testing.T) {
			old := openSession(t, st, u, "expiring")
			justBefore := old.ExpiresAt.Add(-time.Microsecond)
			if _, err := st.RotateSession(ctx, old.TokenHash, old.ExpiresAt, successor("expired-next", old.ExpiresAt)); !errors.Is(err, account.ErrRefreshTokenInvalid) {
				t.Fatalf("at expiry: want ErrRefreshTokenInvalid, got %v", err)
			}
			if _, err := st.RotateSession(ctx, old.TokenHash, justBefore, successor("expiring-next", justBefore)); err != nil {
				t.Fatalf("a microsecond before expiry: %v", err)
			}
		})
		t.Run("rotate/unknown", func(t *testing.T) {
			if _, err := st.RotateSession(ctx, account.HashToken("never-issued"), t0, successor("x", t0)); !errors.Is(err, account.ErrRefreshTokenInvalid) {
				t.Fatalf("want ErrRefreshTokenInvalid, got %v", err)
			}
		})
		t.Run("rotate/refused_by_rule_changes_nothing", func(t *testing.T) {
			old := openSession(t, st, u, "kept")
			refuse := func(account.Session) (account.Session, error) {
				return account.Session{}, account.ErrRefreshTokenInvalid
			}
			if _, err := st.RotateSession(ctx, old.TokenHash, t0, refuse); !errors.Is(err, account.ErrRefreshTokenInvalid) {
				t.Fatalf("want the rule's error, got %v", err)
			}
			if _, err := st.RotateSession(ctx, old.TokenHash, t0, successor("kept-next", t0)); err != nil {
				t.Fatalf("session was retired by a refused rotation: %v", err)
			}
		})
	})
}

func TestRevokeSession(t *testing.T) {
	ctx := context.Background()
	each(t, func(t *testing.T, st *store.Store) {
		u := newUser(t, st, "alice@example.com")
		t.Run("revoke/twice_is_fine_and_blocks_rotation", func(t *testing.T) {
			s := openSession(t, st, u, "logout")
			for i := range 2 {
				if err := st.RevokeSession(ctx, s.TokenHash, t0); err != nil {
					t.Fatalf("revoke #%d: %v", i+1, err)
				}
			}
			if _, err := st.RotateSession(ctx, s.TokenHash, t0, successor("logout-next", t0)); !errors.Is(err, account.ErrRefreshTokenInvalid) {
				t.Fatalf("rotate after revoke: want ErrRefreshTokenInvalid, got %v", err)
			}
		})
		t.Run("revoke/the_whole_family", func(t *testing.T) {
			first := openSession(t, st, u, "family")
			second, err := st.RotateSession(ctx, first.TokenHash, t0, successor("family-2", t0))
			if err != nil {
				t.Fatal(err)
			}
			third, err := st.RotateSession(ctx, second.TokenHash, t0, successor("family-3", t0))
			if err != nil {
				t.Fatal(err)
			}
			other := openSession(t, st, u, "other-login")
			if err := st.RevokeSession(ctx, first.TokenHash, t0); err != nil {
				t.Fatal(err)
			}
			if _, err := st.RotateSession(ctx, third.TokenHash, t0, successor("family-4", t0)); !errors.Is(err, account.ErrRefreshTokenInvalid) {
				t.Fatalf("the family's newest token after revoking its first: want ErrRefreshTokenInvalid, got %v", err)
			}
			if _, err := st.RotateSession(ctx, other.TokenHash, t0, successor("other-next", t0)); err != nil {
				t.Fatalf("another login's session was revoked too: %v", err)
			}
		})
		t.Run("revoke/expired_is_fine", func(t *testing.T) {
			s := openSession(t, st, u, "stale")
			if err := st.RevokeSession(ctx, s.TokenHash, t0.Add(2*time.Hour)); err != nil {
				t.Fatal(err)
			}
		})
		t.Run("revoke/unknown", func(t *testing.T) {
			if err := st.RevokeSession(ctx, account.HashToken("never-issued"), t0); !errors.Is(err, account.ErrRefreshTokenInvalid) {
				t.Fatalf("want ErrRefreshTokenInvalid, got %v", err)
			}
		})
	})
}

func TestPurgeSessions(t *testing.T) {
	ctx := context.Background()
	each(t, func(t *testing.T, st *store.Store) {
		u := newUser(t, st, "purge@example.com")
		// Sessions expiring at t0+1h, t0+2h, ... t0+5h, the second one revoked.
		for i := range 5 {
			s := account.Session{TokenHash: account.HashToken(fmt.Sprint("purge-", i)), UserID: u.ID,
				CreatedAt: t0, ExpiresAt: t0.Add(time.Duration(i+1) * time.Hour)}
			if err := st.CreateSession(ctx, s); err != nil {
				t.Fatal(err)
			}
		}
		if err := st.RevokeSession(ctx, account.HashToken("purge-1"), t0); err != nil {
			t.Fatal(err)
		}
		cutoff := t0.Add(4 * time.Hour) // the first three expired before it; exactly at it is kept
		if n, err := st.PurgeSessions(ctx, cutoff, 2); err != nil || n != 2 {
			t.Fatalf("first batch purged %d (%v), want 2", n, err)
		}
		// The earliest expiries went first: purge-0 and purge-1 are unknown now.
		for i, want := range []bool{false, false, true, true, true} {
			err := st.RevokeSession(ctx, account.HashToken(fmt.Sprint("purge-", i)), t0)
			if known := !errors.Is(err, account.ErrRefreshTokenInvalid); known != want {
				t.Fatalf("purge-%d known=%v after the first batch, want %v (err %v)", i, known, want, err)
			}
		}
		if n, err := st.PurgeSessions(ctx, cutoff, 2); err != nil || n != 1 {
			t.Fatalf("second batch purged %d (%v), want 1", n, err)
		}
		if n, err := st.PurgeSessions(ctx, cutoff, 2); err != nil || n != 0 {
			t.Fatalf("third batch purged %d (%v), want 0", n, err)
		}
		if err := st.RevokeSession(ctx, account.HashToken("purge-3"), t0); err != nil {
			t.Fatalf("a session expiring exactly at the cutoff was purged: %v", err)
		}
	})
}
