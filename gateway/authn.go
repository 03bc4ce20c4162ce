package gateway

import (
	"context"
	"errors"
	"strings"

	"github.com/cloudwego/hertz/pkg/app"

	"github.com/cartwheel-shop/cartwheel/gateway/internal/token"
	"github.com/cartwheel-shop/cartwheel/pkg/errs"
)

const (
	keyUserID = "cartwheel.user_id"
	keyRole   = "cartwheel.role"
)

// authenticate admits requests bearing a valid access token and records who sent them.
func authenticate(tokens *token.Issuer) app.HandlerFunc {
	return func(ctx context.Context, c *app.RequestContext) {
		scheme, raw, _ := strings.Cut(string(c.GetHeader("Authorization")), " ")
		if !strings.EqualFold(scheme, "Bearer") || raw == "" {
			abortWith(c, errs.New(errs.Unauthenticated))
			return
		}
		claims, err := tokens.Verify(strings.TrimSpace(raw))
		if errors.Is(err, token.ErrExpired) {
			abortWith(c, errs.New(errs.TokenExpired))
			return
		}
		if err != nil {
			abortWith(c, errs.New(errs.Unauthenticated))
			return
		}
		c.Set(keyUserID, claims.UserID)
		c.Set(keyRole, claims.Role)
		c.Next(ctx)
	}
}

// requireAdmin runs after authenticate on /api/v1/admin.
func requireAdmin() app.HandlerFunc {
	return func(ctx context.Context, c *app.RequestContext) {
		if c.GetString(keyRole) != token.RoleAdmin {
			abortWith(c, errs.New(errs.Forbidden))
			return
		}
		c.Next(ctx)
	}
}

// callerID is the authenticated user's id; services use it to check ownership.
func callerID(c *app.RequestContext) string { return c.GetString(keyUserID) }
