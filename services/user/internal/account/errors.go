package account

import (
	"errors"

	"github.com/cartwheel-shop/cartwheel/pkg/errs"
)

// Sentinel errors. Their text is what a client reads (the handler's error table sends it
// as the message), so it must never carry internal detail.
var (
	ErrEmailTaken          = errors.New("an account with this email already exists")
	ErrInvalidCredentials  = errors.New("email or password is wrong")
	ErrRefreshTokenInvalid = errors.New("the refresh token is invalid, expired or already used")
	ErrUserNotFound        = errors.New("user not found")
	ErrAddressNotFound     = errors.New("address not found")
	ErrTooManyAddresses    = errors.New("the address book is full")
)

// check records reason for field when there is one, so validators can be written as
// functions returning "" for a good value.
func check(v *errs.Violations, field, reason string) {
	if reason != "" {
		v.Add(field, reason)
	}
}
