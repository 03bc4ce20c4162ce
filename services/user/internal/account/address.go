package account

import (
	"context"
	"strings"
	"time"

	"github.com/cartwheel-shop/cartwheel/pkg/errs"
	"github.com/cartwheel-shop/cartwheel/pkg/ids"
)

// Address is one entry of a user's address book. Line2, Region and Phone are optional
// and empty when absent.
type Address struct {
	ID         string
	UserID     string
	Recipient  string
	Line1      string
	Line2      string
	City       string
	Region     string
	PostalCode string
	Country    string // ISO 3166-1 alpha-2, upper case
	Phone      string
	CreatedAt  time.Time
}

// AddressInput is an address as the client typed it.
type AddressInput struct {
	Recipient, Line1, Line2, City, Region, PostalCode, Country, Phone string
}

// parseAddress trims every field and checks them all, reporting each bad one by the
// JSON name the client used.
func parseAddress(in AddressInput) (Address, error) {
	a := Address{
		Recipient:  strings.TrimSpace(in.Recipient),
		Line1:      strings.TrimSpace(in.Line1),
		Line2:      strings.TrimSpace(in.Line2),
		City:       strings.TrimSpace(in.City),
		Region:     strings.TrimSpace(in.Region),
		PostalCode: strings.TrimSpace(in.PostalCode),
		Country:    strings.TrimSpace(in.Country),
		Phone:      strings.TrimSpace(in.Phone),
	}
	var v errs.Violations
	check(&v, "recipient", checkText(a.Recipient, 1, 100))
	check(&v, "line1", checkText(a.Line1, 1, 200))
	check(&v, "line2", checkText(a.Line2, 0, 200))
	check(&v, "city", checkText(a.City, 1, 100))
	check(&v, "region", checkText(a.Region, 0, 100))
	check(&v, "postal_code", checkCharset(a.PostalCode, 1, 20, isPostalRune, "letters, digits, spaces and hyphens"))
	check(&v, "country", checkCountry(a.Country))
	if a.Phone != "" {
		check(&v, "phone", checkCharset(a.Phone, 5, 20, isPhoneRune, "digits, spaces, hyphens and +"))
	}
	return a, v.Err()
}

func isPostalRune(r rune) bool {
	return r >= 'A' && r <= 'Z' || r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == ' ' || r == '-'
}

func isPhoneRune(r rune) bool {
	return r >= '0' && r <= '9' || r == ' ' || r == '-' || r == '+'
}

// checkCountry wants the code exactly as ISO 3166-1 writes it; folding "us" to "US"
// would be kind, but the contract promises clients the canonical form back.
func checkCountry(c string) string {
	if c == "" {
		return "is required"
	}
	if len(c) != 2 || c[0] < 'A' || c[0] > 'Z' || c[1] < 'A' || c[1] > 'Z' {
		return "must be an ISO 3166-1 alpha-2 code in upper case, such as US"
	}
	return ""
}

// AddAddress validates in and files it in the user's address book, which holds at most
// MaxAddresses entries.
func (s *Service) AddAddress(ctx context.Context, userID string, in AddressInput) (Address, error) {
	if !ids.Valid(userID) {
		return Address{}, ErrUserNotFound
	}
	a, err := parseAddress(in)
	if err != nil {
		return Address{}, err
	}
	a.ID, a.UserID, a.CreatedAt = ids.New(), userID, s.now()
	if err := s.store.AddAddress(ctx, a, s.maxAddresses); err != nil {
		return Address{}, err
	}
	return a, nil
}

// Addresses lists the user's own addresses, oldest first.
func (s *Service) Addresses(ctx context.Context, userID string) ([]Address, error) {
	// An empty list would hide a caller passing the wrong id.
	if _, err := s.User(ctx, userID); err != nil {
		return nil, err
	}
	return s.store.Addresses(ctx, userID)
}

// Address returns one of the user's addresses; someone else's is ErrAddressNotFound.
func (s *Service) Address(ctx context.Context, userID, id string) (Address, error) {
	if !ids.Valid(userID) || !ids.Valid(id) {
		return Address{}, ErrAddressNotFound
	}
	return s.store.Address(ctx, userID, id)
}

// DeleteAddress removes one of the user's addresses; someone else's is
// ErrAddressNotFound and stays untouched.
func (s *Service) DeleteAddress(ctx context.Context, userID, id string) error {
	if !ids.Valid(userID) || !ids.Valid(id) {
		return ErrAddressNotFound
	}
	return s.store.DeleteAddress(ctx, userID, id)
}
