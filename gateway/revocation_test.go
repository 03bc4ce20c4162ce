package gateway

import (
	"context"
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/cartwheel-shop/cartwheel/gateway/internal/token"
	userapi "github.com/cartwheel-shop/cartwheel/idl/kitex_gen/user"
)

func sessionFakes() *fakes {
	f := newFakes()
	f.users.login = func(context.Context, *userapi.LoginRequest) (*userapi.LoginResponse, error) {
		return &userapi.LoginResponse{User: sampleUser(customerID, token.RoleCustomer),
			Session: &userapi.Session{RefreshToken: "rt", ExpiresAtMs: msAt}}, nil
	}
	f.users.getUser = func(context.Context, *userapi.GetUserRequest) (*userapi.User, error) {
		return sampleUser(customerID, token.RoleCustomer), nil
	}
	f.users.logout = func(context.Context, *userapi.LogoutRequest) (*userapi.Empty, error) { return &userapi.Empty{}, nil }
	f.users.logoutAll = func(_ context.Context, r *userapi.LogoutAllRequest) (*userapi.Empty, error) {
		if r.UserId != customerID {
			panic("logout-all for " + r.UserId)
		}
		return &userapi.Empty{}, nil
	}
	return f
}

func (h *harness) login() string {
	h.t.Helper()
	a := h.do(call{method: "POST", path: "/api/v1/auth/login", body: map[string]string{"email": "ada@example.com", "password": "correct-horse-9"}})
	var tv tokensView
	if a.status != http.StatusOK || json.Unmarshal(a.body, &tv) != nil {
		h.t.Fatalf("login: %d %s", a.status, a.body)
	}
	return tv.AccessToken
}

func (h *harness) meStatus(tok string) int {
	h.t.Helper()
	return h.do(call{method: "GET", path: "/api/v1/me", token: tok}).status
}

// Before, an access token outlived logout by up to its whole lifetime.
func TestLogoutRevokesTheAccessTokenSentAlong(t *testing.T) {
	h := start(t, sessionFakes())
	phone, laptop := h.login(), h.login()
	a := h.do(call{method: "POST", path: "/api/v1/auth/logout", token: phone, body: map[string]string{"refresh_token": "rt"}})
	if a.status != http.StatusNoContent {
		t.Fatalf("logout: %d %s", a.status, a.body)
	}
	if s := h.meStatus(phone); s != http.StatusUnauthorized {
		t.Fatalf("the logged-out access token: %d, want 401", s)
	}
	if s := h.meStatus(laptop); s != http.StatusOK {
		t.Fatalf("another session's access token: %d, want 200", s)
	}
}

func TestLogoutEverywhereRevokesEveryAccessToken(t *testing.T) {
	h := start(t, sessionFakes())
	phone, laptop := h.login(), h.login()
	if a := h.do(call{method: "POST", path: "/api/v1/auth/logout-all", token: phone}); a.status != http.StatusNoContent {
		t.Fatalf("logout-all: %d %s", a.status, a.body)
	}
	for name, tok := range map[string]string{"phone": phone, "laptop": laptop} {
		if s := h.meStatus(tok); s != http.StatusUnauthorized {
			t.Errorf("%s's access token after logging out everywhere: %d, want 401", name, s)
		}
	}
	if s := h.meStatus(h.login()); s != http.StatusOK {
		t.Fatalf("a login after logging out everywhere: %d, want 200", s)
	}
}

func TestMemoryRevocationsForgetWhatExpired(t *testing.T) {
	now := time.Unix(1_800_000_000, 0)
	m := newMemoryRevocations(15 * time.Minute)
	m.now = func() time.Time { return now }
	ctx := t.Context()
	tok := token.Claims{UserID: "u1", ID: "jti-1", IssuedAt: now, ExpiresAt: now.Add(15 * time.Minute)}
	if err := m.revokeToken(ctx, tok); err != nil {
		t.Fatal(err)
	}
	if err := m.revokeUser(ctx, "u2", now); err != nil {
		t.Fatal(err)
	}
	if gone, _ := m.revoked(ctx, tok); !gone {
		t.Fatal("revoked token admitted")
	}
	now = now.Add(16 * time.Minute)
	if err := m.revokeToken(ctx, token.Claims{ID: "jti-2", ExpiresAt: now.Add(time.Minute)}); err != nil {
		t.Fatal(err)
	}
	if len(m.tokens) != 1 || len(m.users) != 0 {
		t.Fatalf("kept %d tokens and %d users past their lifetime, want 1 and 0", len(m.tokens), len(m.users))
	}
}
