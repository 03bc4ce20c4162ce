package user_test

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	userapi "github.com/cartwheel-shop/cartwheel/idl/kitex_gen/user"
	"github.com/cartwheel-shop/cartwheel/idl/kitex_gen/user/userservice"
	"github.com/cartwheel-shop/cartwheel/pkg/config"
	"github.com/cartwheel-shop/cartwheel/pkg/db"
	"github.com/cartwheel-shop/cartwheel/pkg/db/dbtest"
	"github.com/cartwheel-shop/cartwheel/pkg/errs"
	"github.com/cartwheel-shop/cartwheel/pkg/ids"
	"github.com/cartwheel-shop/cartwheel/pkg/registry"
	"github.com/cartwheel-shop/cartwheel/pkg/suite"
	"github.com/cartwheel-shop/cartwheel/pkg/suite/suitetest"
	"github.com/cartwheel-shop/cartwheel/services/user"
)

// testConfig loads the service's configuration the way the binary does, with the cheap
// bcrypt cost and a small address book, on the database of engine.
func testConfig(t *testing.T, engine dbtest.Engine) user.Config {
	t.Helper()
	cfg, err := config.LoadFrom[user.Config]("USER_", map[string]string{
		"USER_ADDR":           "127.0.0.1:0",
		"USER_DB_DRIVER":      engine.Config.Driver,
		"USER_DB_DSN":         engine.Config.DSN,
		"USER_BCRYPT_COST":    "4",
		"USER_MAX_ADDRESSES":  "2",
		"USER_REFRESH_TTL":    "1h",
		"USER_ADMIN_PASSWORD": "seeded-admin-secret",
	})
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

func testLogger(t *testing.T) *slog.Logger {
	return slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelWarn}))
}

// serve migrates, starts the service on 127.0.0.1:0 and returns a Kitex client for it.
// Cleanup stops the service and checks that Run returned cleanly and deregistered it.
func serve(t *testing.T, engine dbtest.Engine) userservice.Client {
	t.Helper()
	return serveWith(t, engine, nil)
}

// serveWith is serve with the configuration and dependencies adjusted by tweak first.
func serveWith(t *testing.T, engine dbtest.Engine, tweak func(*user.Config, *user.Deps)) userservice.Client {
	t.Helper()
	cfg := testConfig(t, engine)
	if err := user.Migrate(context.Background(), cfg, nil); err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	// Seeded with the address: Kitex registers only a second after it starts serving.
	reg := registry.NewStatic(map[string][]string{user.ServiceName: {ln.Addr().String()}})
	deps := user.Deps{Logger: testLogger(t), Registry: reg, Listener: ln}
	if tweak != nil {
		tweak(&cfg, &deps)
	}
	svc, cleanup, err := user.New(context.Background(), cfg, deps)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { // after Run has returned
		cleanup()
		if res, err := reg.Resolve(context.Background(), user.ServiceName); err == nil && len(res.Instances) > 0 {
			t.Errorf("the stopped service is still registered: %v", res.Instances)
		}
	})
	suitetest.Run(t, svc.Run)
	client, err := userservice.NewClient(user.ServiceName, suite.ClientOptions(reg, 3*time.Second, nil)...)
	if err != nil {
		t.Fatal(err)
	}
	return client
}

// code is the catalog name of an RPC error, "" for success.
func code(err error) string {
	if err == nil {
		return ""
	}
	return errs.FromRPC(err).Code.Name
}

// invalidFields returns the fields an INVALID_ARGUMENT error lists, in order.
func invalidFields(t *testing.T, err error) []string {
	t.Helper()
	e := errs.FromRPC(err)
	if e == nil || e.Code.Name != errs.InvalidArgument.Name {
		t.Fatalf("want INVALID_ARGUMENT, got %v", err)
	}
	var fields []string
	for _, d := range e.Details {
		fields = append(fields, d.Field)
	}
	return fields
}

func TestUserService(t *testing.T) {
	for _, engine := range dbtest.Engines(t) {
		t.Run(engine.Name, func(t *testing.T) {
			client := serve(t, engine)
			t.Run("accounts", func(t *testing.T) { testAccounts(t, client) })
			t.Run("sessions", func(t *testing.T) { testSessions(t, client) })
			t.Run("addresses", func(t *testing.T) { testAddresses(t, client) })
		})
	}
}

func register(t *testing.T, c userservice.Client, email string) *userapi.User {
	t.Helper()
	u, err := c.Register(context.Background(), &userapi.RegisterRequest{Email: email, Password: "c0rrect-horse", Name: "Test " + email})
	if err != nil {
		t.Fatalf("register %s: %v", email, err)
	}
	return u
}

func testAccounts(t *testing.T, c userservice.Client) {
	ctx := context.Background()
	t.Run("register/ok", func(t *testing.T) {
		u, err := c.Register(ctx, &userapi.RegisterRequest{Email: " Alice@Example.com ", Password: "c0rrect-horse", Name: " Alice "})
		if err != nil {
			t.Fatal(err)
		}
		if !ids.Valid(u.Id) || u.Email != "alice@example.com" || u.Name != "Alice" || u.Role != "customer" || u.CreatedAtMs == 0 {
			t.Fatalf("unexpected user %+v", u)
		}
		got, err := c.GetUser(ctx, &userapi.GetUserRequest{UserId: u.Id})
		if err != nil || *got != *u {
			t.Fatalf("GetUser = %+v, %v; want %+v", got, err, u)
		}
	})
	t.Run("register/duplicate_email", func(t *testing.T) {
		register(t, c, "bob@example.com")
		_, err := c.Register(ctx, &userapi.RegisterRequest{Email: "BOB@example.com", Password: "another-horse", Name: "Bob"})
		if e := errs.FromRPC(err); e == nil || e.Code != errs.EmailTaken || e.Message == "" {
			t.Fatalf("want EMAIL_TAKEN with a message, got %+v", e)
		}
	})
	t.Run("register/every_bad_field_at_once", func(t *testing.T) {
		_, err := c.Register(ctx, &userapi.RegisterRequest{Email: "Bob <bob@example.com>", Password: "aaaaaaaaaaaa", Name: ""})
		if got := invalidFields(t, err); !slices.Equal(got, []string{"email", "password", "name"}) {
			t.Fatalf("invalid fields %v, want [email password name]", got)
		}
	})
	t.Run("get_user/not_found", func(t *testing.T) {
		for _, id := range []string{ids.New(), "42", ""} {
			if _, err := c.GetUser(ctx, &userapi.GetUserRequest{UserId: id}); code(err) != errs.UserNotFound.Name {
				t.Fatalf("GetUser(%q): want USER_NOT_FOUND, got %v", id, err)
			}
		}
	})
	t.Run("admin/seeded_with_role_admin", func(t *testing.T) {
		resp, err := c.Login(ctx, &userapi.LoginRequest{Email: "admin@cartwheel.local", Password: "seeded-admin-secret"})
		if err != nil {
			t.Fatal(err)
		}
		if resp.User.Role != "admin" {
			t.Fatalf("admin has role %q", resp.User.Role)
		}
	})
}

func testSessions(t *testing.T, c userservice.Client) {
	ctx := context.Background()
	carol := register(t, c, "carol@example.com")
	login := func(t *testing.T) *userapi.Session {
		t.Helper()
		resp, err := c.Login(ctx, &userapi.LoginRequest{Email: "carol@example.com", Password: "c0rrect-horse"})
		if err != nil {
			t.Fatal(err)
		}
		if resp.User.Id != carol.Id || resp.Session.RefreshToken == "" {
			t.Fatalf("login answered %+v", resp)
		}
		return resp.Session
	}
	t.Run("login/ok", func(t *testing.T) {
		s := login(t)
		if ttl := time.Until(time.UnixMilli(s.ExpiresAtMs)); ttl < 59*time.Minute || ttl > time.Hour {
			t.Fatalf("session expires in %s, want about the configured hour", ttl)
		}
	})
	t.Run("login/wrong_password_and_unknown_email_look_alike", func(t *testing.T) {
		_, wrongPassword := c.Login(ctx, &userapi.LoginRequest{Email: "carol@example.com", Password: "wrong-horse!"})
		_, unknownEmail := c.Login(ctx, &userapi.LoginRequest{Email: "nobody@example.com", Password: "c0rrect-horse"})
		a, b := errs.FromRPC(wrongPassword), errs.FromRPC(unknownEmail)
		if a == nil || b == nil || a.Code != errs.InvalidCredentials || a.Code != b.Code || a.Message != b.Message {
			t.Fatalf("wrong password: %+v; unknown email: %+v", a, b)
		}
	})
	t.Run("refresh/rotates_and_old_token_fails", func(t *testing.T) {
		first := login(t)
		resp, err := c.Refresh(ctx, &userapi.RefreshRequest{RefreshToken: first.RefreshToken})
		if err != nil {
			t.Fatal(err)
		}
		if resp.User.Id != carol.Id || resp.Session.RefreshToken == first.RefreshToken {
			t.Fatalf("refresh answered %+v", resp)
		}
		if _, err := c.Refresh(ctx, &userapi.RefreshRequest{RefreshToken: first.RefreshToken}); code(err) != errs.RefreshTokenInvalid.Name {
			t.Fatalf("old token: want REFRESH_TOKEN_INVALID, got %v", err)
		}
		if _, err := c.Refresh(ctx, &userapi.RefreshRequest{RefreshToken: resp.Session.RefreshToken}); err != nil {
			t.Fatalf("new token: %v", err)
		}
	})
	t.Run("logout/revokes_idempotently", func(t *testing.T) {
		s := login(t)
		for i := range 2 {
			if _, err := c.Logout(ctx, &userapi.LogoutRequest{RefreshToken: s.RefreshToken}); err != nil {
				t.Fatalf("logout #%d: %v", i+1, err)
			}
		}
		if _, err := c.Refresh(ctx, &userapi.RefreshRequest{RefreshToken: s.RefreshToken}); code(err) != errs.RefreshTokenInvalid.Name {
			t.Fatalf("refresh after logout: want REFRESH_TOKEN_INVALID, got %v", err)
		}
	})
	t.Run("logout/unknown_token", func(t *testing.T) {
		_, err := c.Logout(ctx, &userapi.LogoutRequest{RefreshToken: "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"})
		if code(err) != errs.RefreshTokenInvalid.Name {
			t.Fatalf("want REFRESH_TOKEN_INVALID, got %v", err)
		}
	})
	t.Run("refresh/missing_token", func(t *testing.T) {
		_, err := c.Refresh(ctx, &userapi.RefreshRequest{})
		if got := invalidFields(t, err); !slices.Equal(got, []string{"refresh_token"}) {
			t.Fatalf("invalid fields %v", got)
		}
	})
}

func testAddresses(t *testing.T, c userservice.Client) {
	ctx := context.Background()
	dave, erin := register(t, c, "dave@example.com"), register(t, c, "erin@example.com")
	add := func(t *testing.T, owner *userapi.User, a *userapi.Address) (*userapi.Address, error) {
		t.Helper()
		return c.AddAddress(ctx, &userapi.AddAddressRequest{UserId: owner.Id, Address: a})
	}
	home := &userapi.Address{Recipient: "Dave", Line1: "1 Main St", City: "Springfield", PostalCode: "62701", Country: "US"}
	phone := "+1 555 0100"
	work := &userapi.Address{Recipient: "Dave", Line1: "2 Side St", City: "Shelbyville", PostalCode: "62565", Country: "US", Phone: &phone}

	first, err := add(t, dave, home)
	if err != nil {
		t.Fatal(err)
	}
	second, err := add(t, dave, work)
	if err != nil {
		t.Fatal(err)
	}
	t.Run("add/optional_fields_round_trip", func(t *testing.T) {
		if !ids.Valid(first.Id) || first.Line2 != nil || first.Phone != nil || second.GetPhone() != phone {
			t.Fatalf("first %+v second %+v", first, second)
		}
	})
	t.Run("add/book_full", func(t *testing.T) {
		if _, err := add(t, dave, home); code(err) != errs.TooManyAddresses.Name {
			t.Fatalf("third address: want TOO_MANY_ADDRESSES, got %v", err)
		}
	})
	t.Run("add/every_bad_field_at_once", func(t *testing.T) {
		bad := "x"
		_, err := add(t, erin, &userapi.Address{PostalCode: "62701!", Country: "usa", Phone: &bad})
		want := []string{"recipient", "line1", "city", "postal_code", "country", "phone"}
		if got := invalidFields(t, err); !slices.Equal(got, want) {
			t.Fatalf("invalid fields %v, want %v", got, want)
		}
	})
	t.Run("list/own_only_oldest_first", func(t *testing.T) {
		got, err := c.ListAddresses(ctx, &userapi.ListAddressesRequest{UserId: dave.Id})
		if err != nil || len(got.Items) != 2 || got.Items[0].Id != first.Id || got.Items[1].Id != second.Id {
			t.Fatalf("dave's list: %+v, %v", got, err)
		}
		got, err = c.ListAddresses(ctx, &userapi.ListAddressesRequest{UserId: erin.Id})
		if err != nil || len(got.Items) != 0 {
			t.Fatalf("erin's list: %+v, %v", got, err)
		}
	})
	t.Run("get/another_users_is_not_found", func(t *testing.T) {
		if _, err := c.GetAddress(ctx, &userapi.GetAddressRequest{UserId: erin.Id, AddressId: first.Id}); code(err) != errs.AddressNotFound.Name {
			t.Fatalf("get: want ADDRESS_NOT_FOUND, got %v", err)
		}
		if _, err := c.DeleteAddress(ctx, &userapi.DeleteAddressRequest{UserId: erin.Id, AddressId: first.Id}); code(err) != errs.AddressNotFound.Name {
			t.Fatalf("delete: want ADDRESS_NOT_FOUND, got %v", err)
		}
		if got, err := c.GetAddress(ctx, &userapi.GetAddressRequest{UserId: dave.Id, AddressId: first.Id}); err != nil || got.Line1 != home.Line1 {
			t.Fatalf("owner's get after the other's delete: %+v, %v", got, err)
		}
	})
	t.Run("get/malformed_id_is_not_found", func(t *testing.T) {
		if _, err := c.GetAddress(ctx, &userapi.GetAddressRequest{UserId: dave.Id, AddressId: "'; DROP TABLE addresses"}); code(err) != errs.AddressNotFound.Name {
			t.Fatalf("want ADDRESS_NOT_FOUND, got %v", err)
		}
	})
	t.Run("delete/frees_a_slot", func(t *testing.T) {
		if _, err := c.DeleteAddress(ctx, &userapi.DeleteAddressRequest{UserId: dave.Id, AddressId: first.Id}); err != nil {
			t.Fatal(err)
		}
		if _, err := c.GetAddress(ctx, &userapi.GetAddressRequest{UserId: dave.Id, AddressId: first.Id}); code(err) != errs.AddressNotFound.Name {
			t.Fatalf("deleted address: want ADDRESS_NOT_FOUND, got %v", err)
		}
		if _, err := add(t, dave, home); err != nil {
			t.Fatalf("add after delete: %v", err)
		}
	})
}

func TestNewRefusesUnmigratedDatabase(t *testing.T) {
	for _, engine := range dbtest.Engines(t) {
		t.Run(engine.Name, func(t *testing.T) {
			_, _, err := user.New(context.Background(), testConfig(t, engine), user.Deps{Logger: testLogger(t), Registry: registry.NewStatic(nil)})
			if !errors.Is(err, db.ErrSchemaBehind) {
				t.Fatalf("want db.ErrSchemaBehind, got %v", err)
			}
		})
	}
}

func TestNewRequiresRegistry(t *testing.T) {
	engine := dbtest.Engines(t)[0]
	if _, _, err := user.New(context.Background(), testConfig(t, engine), user.Deps{}); err == nil {
		t.Fatal("New accepted Deps without a registry")
	}
}

func TestRunReturnsWhenCancelledAtOnce(t *testing.T) {
	engine := dbtest.Engines(t)[0]
	cfg := testConfig(t, engine)
	if err := user.Migrate(context.Background(), cfg, nil); err != nil {
		t.Fatal(err)
	}
	svc, cleanup, err := user.New(context.Background(), cfg, user.Deps{Logger: testLogger(t), Registry: registry.NewStatic(nil)})
	if err != nil {
		t.Fatal(err)
	}
	defer cleanup()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	done := make(chan error, 1)
	go func() { done <- svc.Run(ctx) }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("Run: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Run did not return for a context cancelled before it started")
	}
}

// Run purges sessions that expired more than USER_SESSION_RETENTION ago: logout of an
// expired session succeeds until the purge has removed it, then the token is unknown.
func TestRunPurgesExpiredSessions(t *testing.T) {
	for _, engine := range dbtest.Engines(t) {
		t.Run(engine.Name, func(t *testing.T) {
			var now atomic.Int64
			now.Store(time.Now().UnixNano())
			c := serveWith(t, engine, func(cfg *user.Config, deps *user.Deps) {
				cfg.SessionPurgeInterval, cfg.SessionRetention = time.Second, 0
				deps.Clock = func() time.Time { return time.Unix(0, now.Load()) }
			})
			ctx := context.Background()
			resp, err := c.Login(ctx, &userapi.LoginRequest{Email: "admin@cartwheel.local", Password: "seeded-admin-secret"})
			if err != nil {
				t.Fatal(err)
			}
			token := resp.Session.RefreshToken
			now.Add(int64(2 * time.Hour)) // past the test config's 1h refresh TTL
			deadline := time.Now().Add(10 * time.Second)
			for {
				_, err := c.Logout(ctx, &userapi.LogoutRequest{RefreshToken: token})
				if code(err) == errs.RefreshTokenInvalid.Name {
					return // purged
				}
				if err != nil {
					t.Fatalf("logout of an expired session: %v", err)
				}
				if time.Now().After(deadline) {
					t.Fatal("the expired session was not purged within 10s at a 1s interval")
				}
				time.Sleep(100 * time.Millisecond)
			}
		})
	}
}
