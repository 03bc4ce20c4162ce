package account

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"
)

func TestNewTokenShape(t *testing.T) {
	a, hashA := newToken()
	b, _ := newToken()
	raw, err := base64.RawURLEncoding.DecodeString(a)
	if err != nil || len(raw) != 32 {
		t.Fatalf("token %q is not 32 base64url bytes (err %v)", a, err)
	}
	if a == b {
		t.Fatal("two tokens are equal")
	}
	if hashA != HashToken(a) || len(hashA) != 64 || strings.Contains(hashA, a) {
		t.Fatalf("hash %q does not look like hex SHA-256 of the token", hashA)
	}
	if !wellFormed(a) || wellFormed(a+"A") || wellFormed("not a token") {
		t.Fatal("wellFormed disagrees with newToken")
	}
}

// registered returns a service with one customer, alice@example.com / c0rrect-horse.
func registered(t *testing.T) (*Service, *memStore, *clock, User) {
	t.Helper()
	svc, st, clk := newTestService(t)
	u, err := svc.Register(context.Background(), Registration{"alice@example.com", "c0rrect-horse", "Alice"})
	if err != nil {
		t.Fatal(err)
	}
	return svc, st, clk, u
}

func TestLogin(t *testing.T) {
	ctx := context.Background()
	cases := []struct {
		name, email, password string
		wantErr               error
		wantFields            []string
	}{
		{"ok", "alice@example.com", "c0rrect-horse", nil, nil},
		{"ok_email_case_and_spaces", "  ALICE@example.com ", "c0rrect-horse", nil, nil},
		{"wrong_password", "alice@example.com", "wrong-horse!", ErrInvalidCredentials, nil},
		{"unknown_email", "nobody@example.com", "c0rrect-horse", ErrInvalidCredentials, nil},
		{"both_missing", " ", "", nil, []string{"email", "password"}},
	}
	for _, tc := range cases {
		t.Run("login/"+tc.name, func(t *testing.T) {
			svc, _, clk, alice := registered(t)
			u, sess, err := svc.Login(ctx, tc.email, tc.password)
			switch {
			case tc.wantFields != nil:
				if got := invalidFields(t, err); !slices.Equal(got, tc.wantFields) {
					t.Fatalf("invalid fields %v, want %v", got, tc.wantFields)
				}
			case tc.wantErr != nil:
				if !errors.Is(err, tc.wantErr) {
					t.Fatalf("want %v, got %v", tc.wantErr, err)
				}
			default:
				if err != nil {
					t.Fatal(err)
				}
				if u.ID != alice.ID || !wellFormed(sess.Token) || !sess.ExpiresAt.Equal(clk.Now().Add(time.Hour)) {
					t.Fatalf("user %+v session %+v", u, sess)
				}
			}
		})
	}
}

// bcrypt reads only 72 bytes, so without its own check Login would accept any suffix
// appended to a 72-byte password.
func TestLoginRefusesBytesPast72(t *testing.T) {
	ctx := context.Background()
	svc, _, _ := newTestService(t)
	long := strings.Repeat("0123456789ab", 6) // exactly 72 bytes
	if _, err := svc.Register(ctx, Registration{"long@example.com", long, "Long"}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := svc.Login(ctx, "long@example.com", long); err != nil {
		t.Fatalf("the exact password: %v", err)
	}
	if _, _, err := svc.Login(ctx, "long@example.com", long+"suffix"); !errors.Is(err, ErrInvalidCredentials) {
		t.Fatalf("password plus suffix: want ErrInvalidCredentials, got %v", err)
	}
}

// 72 characters of a script of three bytes each are 216 bytes: every one of them must
// count, although bcrypt reads 72 bytes (passwordKey hashes them first).
func TestLoginCountsEveryCharacterOfALongPassword(t *testing.T) {
	ctx := context.Background()
	svc, _, _ := newTestService(t)
	long := strings.Repeat("李", 71) + "王"
	if _, err := svc.Register(ctx, Registration{"wang@example.com", long, "Wang"}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := svc.Login(ctx, "wang@example.com", long); err != nil {
		t.Fatalf("the exact password: %v", err)
	}
	if _, _, err := svc.Login(ctx, "wang@example.com", strings.Repeat("李", 72)); !errors.Is(err, ErrInvalidCredentials) {
		t.Fatalf("the same first 72 bytes, another last character: want ErrInvalidCredentials, got %v", err)
	}
}

// TestLoginCostsOneComparisonEitherWay pins down the timing defence: an unknown email
// must cost one bcrypt comparison at the configured cost, exactly as a wrong password.
func TestLoginCostsOneComparisonEitherWay(t *testing.T) {
	for _, tc := range []struct{ name, email string }{
		{"login/unknown_email", "nobody@example.com"},
		{"login/wrong_password", "alice@example.com"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			svc, _, _, _ := registered(t)
			var hashes [][]byte
			svc.compare = func(hash, password []byte) error {
				hashes = append(hashes, hash)
				return bcrypt.CompareHashAndPassword(hash, password)
			}
			_, _, err := svc.Login(context.Background(), tc.email, "wrong-horse!")
			if !errors.Is(err, ErrInvalidCredentials) {
				t.Fatalf("want ErrInvalidCredentials, got %v", err)
			}
			if len(hashes) != 1 {
				t.Fatalf("%d bcrypt comparisons, want 1", len(hashes))
			}
			if cost, err := bcrypt.Cost(hashes[0]); err != nil || cost != svc.cost {
				t.Fatalf("compared against a hash of cost %d (err %v), want %d", cost, err, svc.cost)
			}
		})
	}
}

func TestRefresh(t *testing.T) {
	ctx := context.Background()
	t.Run("refresh/rotates", func(t *testing.T) {
		svc, _, clk, alice := registered(t)
		_, first, err := svc.Login(ctx, "alice@example.com", "c0rrect-horse")
		if err != nil {
			t.Fatal(err)
		}
		clk.Advance(30 * time.Minute)
		u, second, err := svc.Refresh(ctx, first.Token)
		if err != nil {
			t.Fatal(err)
		}
		if u.ID != alice.ID || second.Token == first.Token || !second.ExpiresAt.Equal(clk.Now().Add(time.Hour)) {
			t.Fatalf("user %+v session %+v", u, second)
		}
		if _, _, err := svc.Refresh(ctx, second.Token); err != nil {
			t.Fatalf("successor token refused: %v", err)
		}
	})
	// The report: RT1 -> RT2, RT1 again is refused but RT2 kept working, so a
	// stolen token kept a session alive. Now the replay revokes the family.
	t.Run("refresh/reuse_revokes_the_family", func(t *testing.T) {
		svc, _, clk, _ := registered(t)
		_, rt1, err := svc.Login(ctx, "alice@example.com", "c0rrect-horse")
		if err != nil {
			t.Fatal(err)
		}
		_, other, err := svc.Login(ctx, "alice@example.com", "c0rrect-horse") // another device
		if err != nil {
			t.Fatal(err)
		}
		_, rt2, err := svc.Refresh(ctx, rt1.Token)
		if err != nil {
			t.Fatal(err)
		}
		_, rt3, err := svc.Refresh(ctx, rt2.Token)
		if err != nil {
			t.Fatal(err)
		}
		clk.Advance(ReuseGrace + time.Second)
		if _, _, err := svc.Refresh(ctx, rt1.Token); !errors.Is(err, ErrRefreshTokenInvalid) {
			t.Fatalf("replayed token: want ErrRefreshTokenInvalid, got %v", err)
		}
		if _, _, err := svc.Refresh(ctx, rt3.Token); !errors.Is(err, ErrRefreshTokenInvalid) {
			t.Fatalf("the family's newest token after a replay: want ErrRefreshTokenInvalid, got %v", err)
		}
		if _, _, err := svc.Refresh(ctx, other.Token); err != nil {
			t.Fatalf("another device's login was revoked too: %v", err)
		}
	})
	t.Run("refresh/two_tabs_within_grace", func(t *testing.T) {
		svc, _, clk, _ := registered(t)
		_, rt1, err := svc.Login(ctx, "alice@example.com", "c0rrect-horse")
		if err != nil {
			t.Fatal(err)
		}
		_, tabA, err := svc.Refresh(ctx, rt1.Token)
		if err != nil {
			t.Fatal(err)
		}
		clk.Advance(ReuseGrace)
		_, tabB, err := svc.Refresh(ctx, rt1.Token)
		if err != nil {
			t.Fatalf("second tab within the grace: %v", err)
		}
		for name, tok := range map[string]string{"tab A": tabA.Token, "tab B": tabB.Token} {
			if _, _, err := svc.Refresh(ctx, tok); err != nil {
				t.Fatalf("%s's successor refused: %v", name, err)
			}
		}
	})
	t.Run("refresh/logout_all_revokes_every_login", func(t *testing.T) {
		svc, _, _, alice := registered(t)
		var tokens []string
		for range 3 {
			_, sess, err := svc.Login(ctx, "alice@example.com", "c0rrect-horse")
			if err != nil {
				t.Fatal(err)
			}
			tokens = append(tokens, sess.Token)
		}
		if err := svc.LogoutAll(ctx, alice.ID); err != nil {
			t.Fatal(err)
		}
		for i, tok := range tokens {
			if _, _, err := svc.Refresh(ctx, tok); !errors.Is(err, ErrRefreshTokenInvalid) {
				t.Fatalf("login %d after logging out everywhere: %v", i+1, err)
			}
		}
	})
	t.Run("refresh/logout_revokes_the_family", func(t *testing.T) {
		svc, _, _, _ := registered(t)
		_, rt1, err := svc.Login(ctx, "alice@example.com", "c0rrect-horse")
		if err != nil {
			t.Fatal(err)
		}
		_, rt2, err := svc.Refresh(ctx, rt1.Token)
		if err != nil {
			t.Fatal(err)
		}
		if err := svc.Logout(ctx, rt1.Token); err != nil {
			t.Fatal(err)
		}
		if _, _, err := svc.Refresh(ctx, rt2.Token); !errors.Is(err, ErrRefreshTokenInvalid) {
			t.Fatalf("logout with an older token of the login left its newest working: %v", err)
		}
	})
	t.Run("refresh/expired", func(t *testing.T) {
		svc, _, clk, _ := registered(t)
		_, sess, err := svc.Login(ctx, "alice@example.com", "c0rrect-horse")
		if err != nil {
			t.Fatal(err)
		}
		clk.Advance(time.Hour)
		if _, _, err := svc.Refresh(ctx, sess.Token); !errors.Is(err, ErrRefreshTokenInvalid) {
			t.Fatalf("want ErrRefreshTokenInvalid at expiry, got %v", err)
		}
	})
	t.Run("refresh/after_logout", func(t *testing.T) {
		svc, _, _, _ := registered(t)
		_, sess, err := svc.Login(ctx, "alice@example.com", "c0rrect-horse")
		if err != nil {
			t.Fatal(err)
		}
		if err := svc.Logout(ctx, sess.Token); err != nil {
			t.Fatal(err)
		}
		if err := svc.Logout(ctx, sess.Token); err != nil {
			t.Fatalf("second logout: %v", err)
		}
		if _, _, err := svc.Refresh(ctx, sess.Token); !errors.Is(err, ErrRefreshTokenInvalid) {
			t.Fatalf("want ErrRefreshTokenInvalid after logout, got %v", err)
		}
	})
	unknown, _ := newToken()
	for _, tc := range []struct {
		name, token string
		wantErr     error
	}{
		{"unknown", unknown, ErrRefreshTokenInvalid},
		{"malformed", "definitely-not-a-token", ErrRefreshTokenInvalid},
	} {
		t.Run("refresh/"+tc.name, func(t *testing.T) {
			svc, st, _, _ := registered(t)
			if _, _, err := svc.Refresh(ctx, tc.token); !errors.Is(err, tc.wantErr) {
				t.Fatalf("refresh: want %v, got %v", tc.wantErr, err)
			}
			if err := svc.Logout(ctx, tc.token); !errors.Is(err, tc.wantErr) {
				t.Fatalf("logout: want %v, got %v", tc.wantErr, err)
			}
			if len(st.sessions) != 0 {
				t.Fatalf("a session was created: %v", st.sessions)
			}
		})
	}
	t.Run("refresh/missing_token", func(t *testing.T) {
		svc, _, _, _ := registered(t)
		_, _, err := svc.Refresh(ctx, "")
		if got := invalidFields(t, err); !slices.Equal(got, []string{"refresh_token"}) {
			t.Fatalf("invalid fields %v", got)
		}
	})
}

func TestSessionsStoreOnlyHashes(t *testing.T) {
	svc, st, _, _ := registered(t)
	_, sess, err := svc.Login(context.Background(), "alice@example.com", "c0rrect-horse")
	if err != nil {
		t.Fatal(err)
	}
	for hash, s := range st.sessions {
		if hash != HashToken(sess.Token) || bytes.Contains([]byte(s.TokenHash), []byte(sess.Token)) {
			t.Fatalf("stored %q for token %q", hash, sess.Token)
		}
	}
}

func TestPurgeSessions(t *testing.T) {
	ctx := context.Background()
	svc, st, clk, _ := registered(t)
	// Five sessions, opened ten minutes apart, each expiring an hour after it opened.
	var tokens []string
	for range 5 {
		_, s, err := svc.Login(ctx, "alice@example.com", "c0rrect-horse")
		if err != nil {
			t.Fatal(err)
		}
		tokens = append(tokens, s.Token)
		clk.Advance(10 * time.Minute)
	}
	// Now 50 minutes after the first login. 65 minutes later the first three have been
	// expired for 55, 45 and 35 minutes; the fourth for 25 and the fifth for 15.
	clk.Advance(65 * time.Minute)
	n, err := svc.PurgeSessions(ctx, 30*time.Minute, 2) // two batches: 2, then 1
	if err != nil || n != 3 {
		t.Fatalf("purged %d (%v), want the 3 expired more than 30 minutes ago", n, err)
	}
	if left := len(st.sessions); left != 2 {
		t.Fatalf("%d sessions left, want 2", left)
	}
	// Logout still succeeds on an expired session kept for retention, and refuses a
	// purged one as it refuses any unknown token.
	if err := svc.Logout(ctx, tokens[3]); err != nil {
		t.Fatalf("logout of an expired, retained session: %v", err)
	}
	if err := svc.Logout(ctx, tokens[0]); !errors.Is(err, ErrRefreshTokenInvalid) {
		t.Fatalf("logout of a purged session: want ErrRefreshTokenInvalid, got %v", err)
	}
	if n, err := svc.PurgeSessions(ctx, 30*time.Minute, 2); err != nil || n != 0 {
		t.Fatalf("second purge removed %d (%v), want nothing", n, err)
	}
	for _, bad := range []struct {
		retention time.Duration
		batch     int
	}{{-time.Second, 10}, {time.Hour, 0}} {
		if _, err := svc.PurgeSessions(ctx, bad.retention, bad.batch); err == nil {
			t.Errorf("retention %s batch %d accepted", bad.retention, bad.batch)
		}
	}
}
