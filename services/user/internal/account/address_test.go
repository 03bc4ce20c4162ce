package account

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/cartwheel-shop/cartwheel/pkg/ids"
)

func validAddress() AddressInput {
	return AddressInput{
		Recipient: "Alice Smith", Line1: "1 Main Street", Line2: "Flat 2", City: "Springfield",
		Region: "IL", PostalCode: "62701-1234", Country: "US", Phone: "+1 217-555 0100",
	}
}

func TestParseAddress(t *testing.T) {
	cases := []struct {
		name       string
		edit       func(*AddressInput)
		wantFields []string
	}{
		{"ok", func(*AddressInput) {}, nil},
		{"optional_fields_absent", func(a *AddressInput) { a.Line2, a.Region, a.Phone = "", "", "" }, nil},
		{"limits_exact", func(a *AddressInput) {
			a.Recipient, a.Line1, a.Line2 = strings.Repeat("r", 100), strings.Repeat("l", 200), strings.Repeat("m", 200)
			a.City, a.Region, a.PostalCode = strings.Repeat("c", 100), strings.Repeat("g", 100), strings.Repeat("9", 20)
			a.Phone = strings.Repeat("5", 20)
		}, nil},
		{"phone_shortest", func(a *AddressInput) { a.Phone = "12345" }, nil},
		{"every_field_bad_at_once", func(a *AddressInput) {
			*a = AddressInput{
				Recipient: " ", Line1: "", Line2: strings.Repeat("x", 201), City: "\t",
				Region: strings.Repeat("x", 101), PostalCode: "SW1A_1AA", Country: "us", Phone: "call me",
			}
		}, []string{"city", "country", "line1", "line2", "phone", "postal_code", "recipient", "region"}},
		{"recipient_too_long", func(a *AddressInput) { a.Recipient = strings.Repeat("r", 101) }, []string{"recipient"}},
		{"line1_control_character", func(a *AddressInput) { a.Line1 = "1 Main\nStreet" }, []string{"line1"}},
		{"city_too_long", func(a *AddressInput) { a.City = strings.Repeat("c", 101) }, []string{"city"}},
		{"postal_code_too_long", func(a *AddressInput) { a.PostalCode = strings.Repeat("9", 21) }, []string{"postal_code"}},
		{"postal_code_non_ascii", func(a *AddressInput) { a.PostalCode = "７５００１" }, []string{"postal_code"}},
		{"country_three_letters", func(a *AddressInput) { a.Country = "USA" }, []string{"country"}},
		{"country_digits", func(a *AddressInput) { a.Country = "U1" }, []string{"country"}},
		{"country_missing", func(a *AddressInput) { a.Country = "" }, []string{"country"}},
		{"phone_too_short", func(a *AddressInput) { a.Phone = "1234" }, []string{"phone"}},
		{"phone_too_long", func(a *AddressInput) { a.Phone = strings.Repeat("5", 21) }, []string{"phone"}},
		{"phone_letters", func(a *AddressInput) { a.Phone = "+1 555 CALL" }, []string{"phone"}},
	}
	for _, tc := range cases {
		t.Run("address/"+tc.name, func(t *testing.T) {
			in := validAddress()
			tc.edit(&in)
			_, err := parseAddress(in)
			if tc.wantFields == nil {
				if err != nil {
					t.Fatalf("want accepted, got %v", err)
				}
				return
			}
			if got := invalidFields(t, err); !slices.Equal(got, tc.wantFields) {
				t.Fatalf("invalid fields %v, want %v", got, tc.wantFields)
			}
		})
	}
}

func TestParseAddressTrims(t *testing.T) {
	in := validAddress()
	in.Recipient, in.Country, in.Phone = "  Alice  ", " US ", "   "
	a, err := parseAddress(in)
	if err != nil {
		t.Fatal(err)
	}
	if a.Recipient != "Alice" || a.Country != "US" || a.Phone != "" {
		t.Fatalf("not trimmed: %+v", a)
	}
}

func TestAddressBook(t *testing.T) {
	ctx := context.Background()
	t.Run("address_book/holds_max_addresses", func(t *testing.T) {
		svc, _, _, alice := registered(t)
		for range 2 {
			if _, err := svc.AddAddress(ctx, alice.ID, validAddress()); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := svc.AddAddress(ctx, alice.ID, validAddress()); !errors.Is(err, ErrTooManyAddresses) {
			t.Fatalf("third address: want ErrTooManyAddresses, got %v", err)
		}
	})
	t.Run("address_book/unknown_or_malformed_user", func(t *testing.T) {
		svc, _, _, _ := registered(t)
		for _, id := range []string{ids.New(), "not-an-id", ""} {
			if _, err := svc.AddAddress(ctx, id, validAddress()); !errors.Is(err, ErrUserNotFound) {
				t.Fatalf("add for %q: want ErrUserNotFound, got %v", id, err)
			}
			if _, err := svc.Addresses(ctx, id); !errors.Is(err, ErrUserNotFound) {
				t.Fatalf("list for %q: want ErrUserNotFound, got %v", id, err)
			}
		}
	})
	t.Run("address_book/malformed_ids_are_not_found", func(t *testing.T) {
		svc, _, _, alice := registered(t)
		a, err := svc.AddAddress(ctx, alice.ID, validAddress())
		if err != nil {
			t.Fatal(err)
		}
		for _, pair := range [][2]string{{alice.ID, "garbage"}, {"garbage", a.ID}, {alice.ID, ""}} {
			if _, err := svc.Address(ctx, pair[0], pair[1]); !errors.Is(err, ErrAddressNotFound) {
				t.Fatalf("get %v: want ErrAddressNotFound, got %v", pair, err)
			}
			if err := svc.DeleteAddress(ctx, pair[0], pair[1]); !errors.Is(err, ErrAddressNotFound) {
				t.Fatalf("delete %v: want ErrAddressNotFound, got %v", pair, err)
			}
		}
	})
	t.Run("address_book/invalid_input_stores_nothing", func(t *testing.T) {
		svc, st, _, alice := registered(t)
		in := validAddress()
		in.Country = "usa"
		if _, err := svc.AddAddress(ctx, alice.ID, in); err == nil {
			t.Fatal("invalid address accepted")
		}
		if len(st.addresses) != 0 {
			t.Fatalf("stored %v", st.addresses)
		}
	})
}
