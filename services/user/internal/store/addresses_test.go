package store_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/cartwheel-shop/cartwheel/pkg/ids"
	"github.com/cartwheel-shop/cartwheel/services/user/internal/account"
	"github.com/cartwheel-shop/cartwheel/services/user/internal/store"
)

func address(owner account.User, recipient string, at time.Time) account.Address {
	return account.Address{ID: ids.New(), UserID: owner.ID, Recipient: recipient, Line1: "1 Main St",
		City: "Springfield", PostalCode: "62701", Country: "US", CreatedAt: at}
}

func TestAddresses(t *testing.T) {
	ctx := context.Background()
	each(t, func(t *testing.T, st *store.Store) {
		alice := newUser(t, st, "alice@example.com")
		bob := newUser(t, st, "bob@example.com")

		t.Run("addresses/own_only_oldest_first", func(t *testing.T) {
			// Added newest first, so the order cannot come from insertion alone.
			later := address(alice, "Later", t0.Add(time.Hour))
			earlier := address(alice, "Earlier", t0)
			later.Line2, later.Region, later.Phone = "Flat 2", "IL", "+1 555 0100"
			for _, a := range []account.Address{later, earlier, address(bob, "Bob", t0)} {
				if err := st.AddAddress(ctx, a, 10); err != nil {
					t.Fatal(err)
				}
			}
			got, err := st.Addresses(ctx, alice.ID)
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != 2 || got[0].ID != earlier.ID || got[1].ID != later.ID {
				t.Fatalf("got %+v", got)
			}
			if g := got[1]; g.Line2 != "Flat 2" || g.Region != "IL" || g.Phone != "+1 555 0100" || g.UserID != alice.ID {
				t.Fatalf("optional fields lost: %+v", g)
			}
		})
		t.Run("addresses/order_mixes_whole_and_fractional_seconds", func(t *testing.T) {
			// SQLite compares times as text; a whole second is written without a fraction.
			erin := newUser(t, st, "erin@example.com")
			base := time.Date(2026, 11, 21, 12, 0, 0, 0, time.UTC)
			at := []time.Duration{time.Second, 500 * time.Millisecond, 0, 50 * time.Millisecond, time.Microsecond}
			want := []time.Duration{0, time.Microsecond, 50 * time.Millisecond, 500 * time.Millisecond, time.Second}
			for _, d := range at {
				if err := st.AddAddress(ctx, address(erin, d.String(), base.Add(d)), 10); err != nil {
					t.Fatal(err)
				}
			}
			got, err := st.Addresses(ctx, erin.ID)
			if err != nil || len(got) != len(want) {
				t.Fatalf("got %d addresses, err %v", len(got), err)
			}
			for i, d := range want {
				if got[i].Recipient != d.String() || !got[i].CreatedAt.Equal(base.Add(d)) {
					t.Fatalf("position %d: got %s at %s, want %s", i, got[i].Recipient, got[i].CreatedAt, d)
				}
			}
		})
		t.Run("addresses/another_users_is_not_found_and_survives", func(t *testing.T) {
			a := address(alice, "Mine", t0)
			if err := st.AddAddress(ctx, a, 10); err != nil {
				t.Fatal(err)
			}
			if _, err := st.Address(ctx, bob.ID, a.ID); !errors.Is(err, account.ErrAddressNotFound) {
				t.Fatalf("get as bob: want ErrAddressNotFound, got %v", err)
			}
			if err := st.DeleteAddress(ctx, bob.ID, a.ID); !errors.Is(err, account.ErrAddressNotFound) {
				t.Fatalf("delete as bob: want ErrAddressNotFound, got %v", err)
			}
			if got, err := st.Address(ctx, alice.ID, a.ID); err != nil || got.Recipient != "Mine" {
				t.Fatalf("alice's address after bob's delete: %+v, %v", got, err)
			}
			if err := st.DeleteAddress(ctx, alice.ID, a.ID); err != nil {
				t.Fatal(err)
			}
			if err := st.DeleteAddress(ctx, alice.ID, a.ID); !errors.Is(err, account.ErrAddressNotFound) {
				t.Fatalf("second delete: want ErrAddressNotFound, got %v", err)
			}
		})
		t.Run("addresses/unknown_owner", func(t *testing.T) {
			ghost := account.User{ID: ids.New()}
			if err := st.AddAddress(ctx, address(ghost, "Ghost", t0), 10); !errors.Is(err, account.ErrUserNotFound) {
				t.Fatalf("want ErrUserNotFound, got %v", err)
			}
		})
	})
}

func TestAddressLimit(t *testing.T) {
	ctx := context.Background()
	each(t, func(t *testing.T, st *store.Store) {
		t.Run("limit/holds_under_concurrency", func(t *testing.T) {
			carol := newUser(t, st, "carol@example.com")
			results := concurrently(8, func(int) error { return st.AddAddress(ctx, address(carol, "Carol", t0), 3) })
			if ok, refused := tally(t, results, account.ErrTooManyAddresses); ok != 3 || refused != 5 {
				t.Fatalf("%d added and %d refused; want 3 and 5", ok, refused)
			}
			if got, err := st.Addresses(ctx, carol.ID); err != nil || len(got) != 3 {
				t.Fatalf("stored %d addresses (err %v), want 3", len(got), err)
			}
		})
		t.Run("limit/concurrent_adds_and_deletes_keep_count", func(t *testing.T) {
			frank := newUser(t, st, "frank@example.com")
			var existing []account.Address
			for range 3 {
				a := address(frank, "Old", t0)
				if err := st.AddAddress(ctx, a, 3); err != nil {
					t.Fatal(err)
				}
				existing = append(existing, a)
			}
			results := concurrently(9, func(i int) error {
				if i < 3 {
					return st.DeleteAddress(ctx, frank.ID, existing[i].ID)
				}
				err := st.AddAddress(ctx, address(frank, "New", t0), 3)
				if errors.Is(err, account.ErrTooManyAddresses) {
					return nil // depends on the interleaving; the count below is what matters
				}
				return err
			})
			for _, err := range results {
				if err != nil {
					t.Fatalf("unexpected error: %v", err)
				}
			}
			// If the counter drifted from the rows, the book would fill early or late.
			for {
				err := st.AddAddress(ctx, address(frank, "Fill", t0), 3)
				if errors.Is(err, account.ErrTooManyAddresses) {
					break
				}
				if err != nil {
					t.Fatal(err)
				}
			}
			if got, err := st.Addresses(ctx, frank.ID); err != nil || len(got) != 3 {
				t.Fatalf("a full book holds %d addresses (err %v), want 3", len(got), err)
			}
		})
		t.Run("limit/delete_frees_a_slot", func(t *testing.T) {
			dave := newUser(t, st, "dave@example.com")
			first := address(dave, "First", t0)
			for _, a := range []account.Address{first, address(dave, "Second", t0)} {
				if err := st.AddAddress(ctx, a, 2); err != nil {
					t.Fatal(err)
				}
			}
			if err := st.AddAddress(ctx, address(dave, "Third", t0), 2); !errors.Is(err, account.ErrTooManyAddresses) {
				t.Fatalf("full book: want ErrTooManyAddresses, got %v", err)
			}
			if err := st.DeleteAddress(ctx, dave.ID, first.ID); err != nil {
				t.Fatal(err)
			}
			if err := st.AddAddress(ctx, address(dave, "Third", t0), 2); err != nil {
				t.Fatalf("after a delete: %v", err)
			}
		})
	})
}
