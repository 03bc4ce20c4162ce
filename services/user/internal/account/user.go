package account

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/cartwheel-shop/cartwheel/pkg/errs"
	"github.com/cartwheel-shop/cartwheel/pkg/ids"
	"golang.org/x/crypto/bcrypt"
)

// Role decides what an account may do at the gateway.
type Role string

const (
	RoleCustomer Role = "customer"
	RoleAdmin    Role = "admin"
)

// adminName is the display name of the seeded admin account.
const adminName = "Administrator"

// User is an account. Email is normalised; PasswordHash is a bcrypt hash.
type User struct {
	ID           string
	Email        string
	Name         string
	Role         Role
	PasswordHash []byte
	CreatedAt    time.Time
}

// Registration is what a visitor submits to open an account.
type Registration struct {
	Email    string
	Password string
	Name     string
}

// Register opens a customer account, reporting every invalid field at once;
// ErrEmailTaken when the email already has an account.
func (s *Service) Register(ctx context.Context, r Registration) (User, error) {
	email, name := NormaliseEmail(r.Email), strings.TrimSpace(r.Name)
	var v errs.Violations
	check(&v, "email", checkEmail(email))
	check(&v, "password", checkPassword(r.Password, email))
	check(&v, "name", checkName(name))
	if err := v.Err(); err != nil {
		return User{}, err
	}
	return s.create(ctx, email, r.Password, name, RoleCustomer)
}

// SeedAdmin makes sure an account exists for the configured admin email: it creates one
// with role admin when the email is free and otherwise leaves the existing account as
// it is (its password may have been changed since, and it may even be a customer's).
// created tells which happened.
func (s *Service) SeedAdmin(ctx context.Context, email, password string) (u User, created bool, err error) {
	if err := CheckCredentials(email, password); err != nil {
		return User{}, false, fmt.Errorf("admin account: %w", err)
	}
	email = NormaliseEmail(email)
	u, err = s.store.UserByEmail(ctx, email)
	if !errors.Is(err, ErrUserNotFound) {
		return u, false, err
	}
	u, err = s.create(ctx, email, password, adminName, RoleAdmin)
	if errors.Is(err, ErrEmailTaken) {
		// Another replica seeded it between our read and our insert.
		u, err = s.store.UserByEmail(ctx, email)
		return u, false, err
	}
	return u, err == nil, err
}

func (s *Service) create(ctx context.Context, email, password, name string, role Role) (User, error) {
	var hash []byte
	var err error
	if busy := s.hashing.do(ctx, func() { hash, err = bcrypt.GenerateFromPassword(passwordKey(password), s.cost) }); busy != nil {
		return User{}, busy
	}
	if err != nil {
		return User{}, fmt.Errorf("hash password: %w", err)
	}
	u := User{ID: ids.New(), Email: email, Name: name, Role: role, PasswordHash: hash, CreatedAt: s.now()}
	if err := s.store.CreateUser(ctx, u); err != nil {
		return User{}, err
	}
	return u, nil
}

// User returns the account with id; a malformed id is as absent as an unknown one.
func (s *Service) User(ctx context.Context, id string) (User, error) {
	if !ids.Valid(id) {
		return User{}, ErrUserNotFound
	}
	return s.store.UserByID(ctx, id)
}
