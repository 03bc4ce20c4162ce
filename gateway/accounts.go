package gateway

import (
	"context"
	"net/http"
	"time"

	"github.com/cloudwego/hertz/pkg/app"

	userapi "github.com/cartwheel-shop/cartwheel/idl/kitex_gen/user"
	"github.com/cartwheel-shop/cartwheel/pkg/errs"
)

type registerBody struct {
	Email    string `json:"email" validate:"required,email,max=254"`
	Password string `json:"password" validate:"required,between=10 72"` // the user service's policy: 10 to 72 characters
	Name     string `json:"name" validate:"required,line,max=100"`
}

type loginBody struct {
	Email    string `json:"email" validate:"required,max=254"`
	Password string `json:"password" validate:"required,max=72"`
}

type refreshBody struct {
	RefreshToken string `json:"refresh_token" validate:"required,max=512"`
}

type userView struct {
	ID        string `json:"id"`
	Email     string `json:"email"`
	Name      string `json:"name"`
	Role      string `json:"role"`
	CreatedAt string `json:"created_at"`
}

func userOut(u *userapi.User) userView {
	return userView{ID: u.Id, Email: u.Email, Name: u.Name, Role: u.Role, CreatedAt: timeOut(u.CreatedAtMs)}
}

type tokensView struct {
	AccessToken  string `json:"access_token"`
	RefreshToken string `json:"refresh_token"`
	TokenType    string `json:"token_type"`
	ExpiresIn    int64  `json:"expires_in"` // seconds the access token lives
}

func (a *api) register(ctx context.Context, c *app.RequestContext) {
	var body registerBody
	if err := a.val.bindJSON(c, &body); err != nil {
		a.fail(ctx, c, err)
		return
	}
	u, err := a.users.Register(ctx, &userapi.RegisterRequest{Email: body.Email, Password: body.Password, Name: body.Name})
	if err != nil {
		a.fail(ctx, c, err)
		return
	}
	c.JSON(http.StatusCreated, userOut(u))
}

func (a *api) login(ctx context.Context, c *app.RequestContext) {
	var body loginBody
	if err := a.val.bindJSON(c, &body); err != nil {
		a.fail(ctx, c, err)
		return
	}
	ip := clientIP(c)
	if wait := a.logins.admit(ctx, body.Email, ip); wait > 0 {
		refuseFor(c, wait)
		return
	}
	resp, err := a.users.Login(ctx, &userapi.LoginRequest{Email: body.Email, Password: body.Password})
	switch {
	case err == nil:
		a.logins.succeeded(ctx, body.Email, ip)
	case errs.FromRPC(err).Code == errs.InvalidCredentials:
		a.logins.failed()
	}
	a.answerSession(ctx, c, resp, err)
}

func (a *api) refresh(ctx context.Context, c *app.RequestContext) {
	var body refreshBody
	if err := a.val.bindJSON(c, &body); err != nil {
		a.fail(ctx, c, err)
		return
	}
	resp, err := a.users.Refresh(ctx, &userapi.RefreshRequest{RefreshToken: body.RefreshToken})
	a.answerSession(ctx, c, resp, err)
}

// answerSession pairs the user service's refresh session with a fresh access token.
func (a *api) answerSession(ctx context.Context, c *app.RequestContext, resp *userapi.LoginResponse, err error) {
	if err != nil {
		a.fail(ctx, c, err)
		return
	}
	access, err := a.tokens.Issue(resp.User.Id, resp.User.Role)
	if err != nil {
		a.log.ErrorContext(ctx, "issue access token", "request_id", requestID(c), "err", err)
		abortWith(c, errs.New(errs.Internal))
		return
	}
	c.JSON(http.StatusOK, tokensView{
		AccessToken:  access,
		RefreshToken: resp.Session.RefreshToken,
		TokenType:    "Bearer",
		ExpiresIn:    int64(a.tokens.TTL().Seconds()),
	})
}

func (a *api) logout(ctx context.Context, c *app.RequestContext) {
	var body refreshBody
	if err := a.val.bindJSON(c, &body); err != nil {
		a.fail(ctx, c, err)
		return
	}
	if _, err := a.users.Logout(ctx, &userapi.LogoutRequest{RefreshToken: body.RefreshToken}); err != nil {
		a.fail(ctx, c, err)
		return
	}
	// The access token sent along, if any, ends now too rather than at its expiry.
	if raw, ok := bearer(c); ok {
		if claims, err := a.tokens.Verify(raw); err == nil {
			if err := a.revocations.revokeToken(ctx, claims); err != nil {
				a.fail(ctx, c, err)
				return
			}
		}
	}
	c.Status(http.StatusNoContent)
}

// logoutAll ends every session of the caller: the user service revokes the refresh
// tokens, the gateway every access token issued until now.
func (a *api) logoutAll(ctx context.Context, c *app.RequestContext) {
	if _, err := a.users.LogoutAll(ctx, &userapi.LogoutAllRequest{UserId: callerID(c)}); err != nil {
		a.fail(ctx, c, err)
		return
	}
	if err := a.revocations.revokeUser(ctx, callerID(c), time.Now()); err != nil {
		a.fail(ctx, c, err)
		return
	}
	c.Status(http.StatusNoContent)
}

func (a *api) me(ctx context.Context, c *app.RequestContext) {
	u, err := a.users.GetUser(ctx, &userapi.GetUserRequest{UserId: callerID(c)})
	if err != nil {
		a.fail(ctx, c, err)
		return
	}
	c.JSON(http.StatusOK, userOut(u))
}
