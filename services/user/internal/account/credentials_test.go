package account

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/cartwheel-shop/cartwheel/pkg/errs"
)

// invalidFields returns the fields err reports as invalid, sorted; it fails the test if
// err is not INVALID_ARGUMENT.
func invalidFields(t *testing.T, err error) []string {
	t.Helper()
	var verr *errs.Error
	if !errors.As(err, &verr) || verr.Code != errs.InvalidArgument {
		t.Fatalf("want INVALID_ARGUMENT, got %v", err)
	}
	var fields []string
	for _, v := range verr.Details {
		if v.Reason == "" {
			t.Errorf("field %s has no reason", v.Field)
		}
		fields = append(fields, v.Field)
	}
	slices.Sort(fields)
	return fields
}

func TestCheckEmail(t *testing.T) {
	cases := []struct {
		name  string
		email string // as NormaliseEmail returns it
		ok    bool
	}{
		{"plain", "alice@example.com", true},
		{"subdomain_and_plus", "alice+shop@mail.example.co.uk", true},
		{"unicode_local_part", "zoë@example.com", true},
		{"max_length", strings.Repeat("a", 64) + "@" + strings.Repeat("b", 185) + ".com", true},
		{"empty", "", false},
		{"too_long", strings.Repeat("a", 64) + "@" + strings.Repeat("b", 186) + ".com", false},
		{"no_at", "alice.example.com", false},
		{"no_domain", "alice@", false},
		{"display_name", "alice <alice@example.com>", false},
		{"angle_brackets_only", "<alice@example.com>", false},
		{"comment", "alice@example.com (alice)", false},
		{"quoted_local_part", `"alice smith"@example.com`, false},
		{"two_addresses", "alice@example.com, bob@example.com", false},
		{"inner_space", "ali ce@example.com", false},
		// The look-alike: a Cyrillic "а" among Latin letters.
		{"mixed_script_local_part", "\u0430nn@example.com", false},
		{"mixed_script_domain", "ann@ex\u0430mple.com", false},
		{"zero_width_space", "an\u200bn@example.com", false},
		{"cyrillic_throughout", "\u0430\u043d\u043d@\u043f\u0440\u0438\u043c\u0435\u0440.\u0440\u0444", true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			reason := checkEmail(tc.email)
			if tc.ok && reason != "" {
				t.Fatalf("want accepted, got %q", reason)
			}
			if !tc.ok && reason == "" {
				t.Fatalf("want refused, was accepted")
			}
		})
	}
}

func TestNormaliseEmail(t *testing.T) {
	if got := NormaliseEmail("  Alice@Example.COM \t"); got != "alice@example.com" {
		t.Fatalf("got %q", got)
	}
	if got := NormaliseEmail("Zoe\u0308@example.com"); got != "zo\u00eb@example.com" {
		t.Fatalf("decomposed diaeresis: got %q, want the NFC form", got)
	}
}

func TestCheckPassword(t *testing.T) {
	const email = "alice.smith@example.com"
	cases := []struct {
		name     string
		password string
		reason   string // a fragment of the expected reason; "" means accepted
	}{
		{"ten_bytes", "c0rrect-ho", ""},
		{"seventy_two_bytes", strings.Repeat("ab", 36), ""},
		{"multibyte_72_bytes", strings.Repeat("éa", 24), ""},
		{"empty", "", "required"},
		{"nine_bytes", "c0rrect-h", "at least 10"},
		{"seventy_three_chars", strings.Repeat("ab", 36) + "c", "at most 72 characters"},
		{"multibyte_49_chars_73_bytes", strings.Repeat("éa", 24) + "b", ""},
		{"multibyte_72_chars_216_bytes", strings.Repeat("李王", 36), ""},
		{"multibyte_73_chars", strings.Repeat("李", 73), "at most 72 characters"},
		{"equals_email", "alice.smith@example.com", "email"},
		{"equals_email_other_case", "Alice.Smith@Example.com", "email"},
		{"equals_local_part", "alice.smith", "email"},
		{"one_repeated_char", "aaaaaaaaaaaa", "repeated"},
		{"one_repeated_multibyte_char", "ééééééééééé", "repeated"},
		{"common", "password123", "common"},
		{"common_other_case", "QwertyUIOP", "common"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			reason := checkPassword(tc.password, email)
			if tc.reason == "" && reason != "" {
				t.Fatalf("want accepted, got %q", reason)
			}
			if tc.reason != "" && !strings.Contains(reason, tc.reason) {
				t.Fatalf("want reason containing %q, got %q", tc.reason, reason)
			}
		})
	}
}

func TestCheckName(t *testing.T) {
	cases := []struct {
		name, value string
		ok          bool
	}{
		{"one_rune", "A", true},
		{"hundred_multibyte_runes", strings.Repeat("李", 100), true},
		{"empty", "", false},
		{"hundred_and_one_runes", strings.Repeat("a", 101), false},
		{"newline", "Alice\nSmith", false},
		{"nul", "Alice\x00", false},
		{"invalid_utf8", "Alice\xff", false},
		// The reports: right-to-left overrides and zero-width characters.
		{"right_to_left_override", "Ann\u202enimda", false},
		{"bidi_isolate", "Ann\u2067x\u2069", false},
		{"zero_width_space", "An\u200bn", false},
		{"zero_width_joiner", "An\u200dn", false},
		{"byte_order_mark", "\ufeffAnn", false},
		{"accents_and_apostrophe", "Zo\u00eb O'Brien-Lef\u00e8vre", true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := checkName(tc.value) == ""; got != tc.ok {
				t.Fatalf("accepted=%v, want %v", got, tc.ok)
			}
		})
	}
}

func TestRegister(t *testing.T) {
	ctx := context.Background()
	cases := []struct {
		name       string
		in         Registration
		wantFields []string // nil: registration succeeds
	}{
		{"ok", Registration{"alice@example.com", "c0rrect-horse", "Alice"}, nil},
		{"every_field_bad_at_once", Registration{"not-an-email", "short", " \t "}, []string{"email", "name", "password"}},
		{"password_is_email", Registration{"bob@example.com", "bob@example.com", "Bob"}, []string{"password"}},
		{"name_too_long", Registration{"carol@example.com", "c0rrect-horse", strings.Repeat("n", 101)}, []string{"name"}},
	}
	for _, tc := range cases {
		t.Run("register/"+tc.name, func(t *testing.T) {
			svc, _, _ := newTestService(t)
			u, err := svc.Register(ctx, tc.in)
			if tc.wantFields != nil {
				if got := invalidFields(t, err); !slices.Equal(got, tc.wantFields) {
					t.Fatalf("invalid fields %v, want %v", got, tc.wantFields)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if u.Role != RoleCustomer || u.Email != "alice@example.com" || u.ID == "" || u.CreatedAt.IsZero() {
				t.Fatalf("unexpected user %+v", u)
			}
		})
	}

	t.Run("register/normalises_email_and_name", func(t *testing.T) {
		svc, _, _ := newTestService(t)
		u, err := svc.Register(ctx, Registration{"  Dave@Example.COM ", "c0rrect-horse", "  Dave  "})
		if err != nil {
			t.Fatal(err)
		}
		if u.Email != "dave@example.com" || u.Name != "Dave" {
			t.Fatalf("got email %q name %q", u.Email, u.Name)
		}
	})
	t.Run("register/duplicate_email_any_case", func(t *testing.T) {
		svc, _, _ := newTestService(t)
		if _, err := svc.Register(ctx, Registration{"erin@example.com", "c0rrect-horse", "Erin"}); err != nil {
			t.Fatal(err)
		}
		_, err := svc.Register(ctx, Registration{"ERIN@example.com", "another-horse", "Erin 2"})
		if !errors.Is(err, ErrEmailTaken) {
			t.Fatalf("want ErrEmailTaken, got %v", err)
		}
	})
}

func TestSeedAdmin(t *testing.T) {
	ctx := context.Background()
	t.Run("seed/creates_admin_once", func(t *testing.T) {
		svc, _, _ := newTestService(t)
		first, created, err := svc.SeedAdmin(ctx, "Admin@Cartwheel.local", "cartwheel-admin")
		if err != nil || !created || first.Role != RoleAdmin || first.Email != "admin@cartwheel.local" {
			t.Fatalf("first seed: %+v created=%v err=%v", first, created, err)
		}
		again, created, err := svc.SeedAdmin(ctx, "admin@cartwheel.local", "cartwheel-admin")
		if err != nil || created || again.ID != first.ID {
			t.Fatalf("second seed: %+v created=%v err=%v", again, created, err)
		}
	})
	t.Run("seed/leaves_existing_account_alone", func(t *testing.T) {
		svc, _, _ := newTestService(t)
		customer, err := svc.Register(ctx, Registration{"boss@example.com", "customer-pass", "Boss"})
		if err != nil {
			t.Fatal(err)
		}
		got, created, err := svc.SeedAdmin(ctx, "boss@example.com", "configured-pass")
		if err != nil || created || got.Role != RoleCustomer || string(got.PasswordHash) != string(customer.PasswordHash) {
			t.Fatalf("existing account changed: %+v created=%v err=%v", got, created, err)
		}
		if _, _, err := svc.Login(ctx, "boss@example.com", "customer-pass"); err != nil {
			t.Fatalf("the account's own password stopped working: %v", err)
		}
	})
	t.Run("seed/refuses_weak_password", func(t *testing.T) {
		svc, _, _ := newTestService(t)
		_, _, err := svc.SeedAdmin(ctx, "admin@cartwheel.local", "admin")
		if got := invalidFields(t, err); !slices.Equal(got, []string{"password"}) {
			t.Fatalf("invalid fields %v", got)
		}
	})
}
