package user

import (
	"context"
	"log/slog"

	userapi "github.com/cartwheel-shop/cartwheel/idl/kitex_gen/user"
	"github.com/cartwheel-shop/cartwheel/pkg/errs"
	"github.com/cartwheel-shop/cartwheel/pkg/suite"
	"github.com/cartwheel-shop/cartwheel/services/user/internal/account"
)

// errorTable is the one place the domain's sentinels meet the catalog.
var errorTable = []errs.Mapping{
	{Err: account.ErrEmailTaken, Code: errs.EmailTaken},
	{Err: account.ErrInvalidCredentials, Code: errs.InvalidCredentials},
	{Err: account.ErrRefreshTokenInvalid, Code: errs.RefreshTokenInvalid},
	{Err: account.ErrUserNotFound, Code: errs.UserNotFound},
	{Err: account.ErrAddressNotFound, Code: errs.AddressNotFound},
	{Err: account.ErrTooManyAddresses, Code: errs.TooManyAddresses},
	{Err: account.ErrBusy, Code: errs.Unavailable},
}

// handler implements userapi.UserService: it converts between Thrift and the domain and
// does nothing else.
type handler struct {
	accounts *account.Service
	log      *slog.Logger
}

var _ userapi.UserService = (*handler)(nil)

func (h *handler) Register(ctx context.Context, req *userapi.RegisterRequest) (*userapi.User, error) {
	u, err := h.accounts.Register(ctx, account.Registration{Email: req.Email, Password: req.Password, Name: req.Name})
	if err != nil {
		return nil, h.fail(ctx, err)
	}
	return toThriftUser(u), nil
}

func (h *handler) Login(ctx context.Context, req *userapi.LoginRequest) (*userapi.LoginResponse, error) {
	u, sess, err := h.accounts.Login(ctx, req.Email, req.Password)
	if err != nil {
		return nil, h.fail(ctx, err)
	}
	return toThriftLogin(u, sess), nil
}

func (h *handler) Refresh(ctx context.Context, req *userapi.RefreshRequest) (*userapi.LoginResponse, error) {
	u, sess, err := h.accounts.Refresh(ctx, req.RefreshToken)
	if err != nil {
		return nil, h.fail(ctx, err)
	}
	return toThriftLogin(u, sess), nil
}

func (h *handler) Logout(ctx context.Context, req *userapi.LogoutRequest) (*userapi.Empty, error) {
	if err := h.accounts.Logout(ctx, req.RefreshToken); err != nil {
		return nil, h.fail(ctx, err)
	}
	return &userapi.Empty{}, nil
}

func (h *handler) LogoutAll(ctx context.Context, req *userapi.LogoutAllRequest) (*userapi.Empty, error) {
	if err := h.accounts.LogoutAll(ctx, req.UserId); err != nil {
		return nil, h.fail(ctx, err)
	}
	return &userapi.Empty{}, nil
}

func (h *handler) GetUser(ctx context.Context, req *userapi.GetUserRequest) (*userapi.User, error) {
	u, err := h.accounts.User(ctx, req.UserId)
	if err != nil {
		return nil, h.fail(ctx, err)
	}
	return toThriftUser(u), nil
}

func (h *handler) AddAddress(ctx context.Context, req *userapi.AddAddressRequest) (*userapi.Address, error) {
	a, err := h.accounts.AddAddress(ctx, req.UserId, toDomainAddressInput(req.Address))
	if err != nil {
		return nil, h.fail(ctx, err)
	}
	return toThriftAddress(a), nil
}

func (h *handler) ListAddresses(ctx context.Context, req *userapi.ListAddressesRequest) (*userapi.ListAddressesResponse, error) {
	list, err := h.accounts.Addresses(ctx, req.UserId)
	if err != nil {
		return nil, h.fail(ctx, err)
	}
	items := make([]*userapi.Address, len(list))
	for i, a := range list {
		items[i] = toThriftAddress(a)
	}
	return &userapi.ListAddressesResponse{Items: items}, nil
}

func (h *handler) GetAddress(ctx context.Context, req *userapi.GetAddressRequest) (*userapi.Address, error) {
	a, err := h.accounts.Address(ctx, req.UserId, req.AddressId)
	if err != nil {
		return nil, h.fail(ctx, err)
	}
	return toThriftAddress(a), nil
}

func (h *handler) DeleteAddress(ctx context.Context, req *userapi.DeleteAddressRequest) (*userapi.Empty, error) {
	if err := h.accounts.DeleteAddress(ctx, req.UserId, req.AddressId); err != nil {
		return nil, h.fail(ctx, err)
	}
	return &userapi.Empty{}, nil
}

// fail answers a failed call the one way every service does (suite.Fail).
func (h *handler) fail(ctx context.Context, err error) error {
	return suite.Fail(ctx, h.log, err, errorTable)
}

func toThriftUser(u account.User) *userapi.User {
	return &userapi.User{
		Id:          u.ID,
		Email:       u.Email,
		Name:        u.Name,
		Role:        string(u.Role),
		CreatedAtMs: u.CreatedAt.UnixMilli(),
	}
}

func toThriftLogin(u account.User, s account.IssuedSession) *userapi.LoginResponse {
	return &userapi.LoginResponse{
		User:    toThriftUser(u),
		Session: &userapi.Session{RefreshToken: s.Token, ExpiresAtMs: s.ExpiresAt.UnixMilli()},
	}
}

// toDomainAddressInput reads a missing address as an empty one, so the caller learns
// every required field instead of a bare "address missing".
func toDomainAddressInput(a *userapi.Address) account.AddressInput {
	if a == nil {
		return account.AddressInput{}
	}
	return account.AddressInput{
		Recipient:  a.Recipient,
		Line1:      a.Line1,
		Line2:      a.GetLine2(),
		City:       a.City,
		Region:     a.GetRegion(),
		PostalCode: a.PostalCode,
		Country:    a.Country,
		Phone:      a.GetPhone(),
	}
}

func toThriftAddress(a account.Address) *userapi.Address {
	return &userapi.Address{
		Id:         a.ID,
		Recipient:  a.Recipient,
		Line1:      a.Line1,
		Line2:      optional(a.Line2),
		City:       a.City,
		Region:     optional(a.Region),
		PostalCode: a.PostalCode,
		Country:    a.Country,
		Phone:      optional(a.Phone),
	}
}

// optional maps the domain's "empty means absent" onto Thrift's unset optional field.
func optional(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}
