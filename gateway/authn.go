package gateway

import (
	"context"
	"errors"
	"log/slog"
	"strings"

	"github.com/cloudwego/hertz/pkg/app"

	"github.com/cartwheel-shop/cartwheel/gateway/internal/token"
	"github.com/cartwheel-shop/cartwheel/pkg/errs"
)

const (
	keyUserID = "cartwheel.user_id"
	keyRole   = "cartwheel.role"
)

// authenticate admits requests bearing a valid access token that was not revoked, and
// records who sent them. A revocation list that cannot be read admits the token: it
// expires within the access TTL anyway, and the API stays up.
func authenticate(tokens *token.Issuer, revoked revocations, log *slog.Logger) app.HandlerFunc {
	return func(ctx context.Context, c *app.RequestContext) {
		raw, ok := bearer(c)
		if !ok {
			abortWith(c, errs.New(errs.Unauthenticated))
			return
		}
		claims, err := tokens.Verify(raw)
		if errors.Is(err, token.ErrExpired) {
			abortWith(c, errs.New(errs.TokenExpired))
			return
		}
		if err != nil {
			abortWith(c, errs.New(errs.Unauthenticated))
			return
		}
		if gone, err := revoked.revoked(ctx, claims); err != nil {
			log.WarnContext(ctx, "revocation list unavailable, admitting token", "request_id", requestID(c), "err", err)
		} else if gone {
			abortWith(c, errs.New(errs.Unauthenticated))
			return
		}
		c.Set(keyUserID, claims.UserID)
		c.Set(keyRole, claims.Role)
		c.Next(ctx)
	}
}

// bearer is the token of an "Authorization: Bearer <token>" header.
func bearer(c *app.RequestContext) (string, bool) {
	scheme, raw, _ := strings.Cut(string(c.GetHeader("Authorization")), " ")
	raw = strings.TrimSpace(raw)
	return raw, strings.EqualFold(scheme, "Bearer") && raw != ""
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
