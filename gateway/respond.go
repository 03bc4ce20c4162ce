package gateway

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"github.com/cloudwego/hertz/pkg/app"

	"github.com/cartwheel-shop/cartwheel/pkg/errs"
	"github.com/cartwheel-shop/cartwheel/pkg/suite"
)

// envelope is the body of every non-2xx answer.
type envelope struct {
	Code      string                `json:"code"`
	Message   string                `json:"message"`
	RequestID string                `json:"request_id"`
	Details   []errs.FieldViolation `json:"details,omitempty"`
}

// abortWith answers e and stops the handler chain. Callers pass only client errors
// (4xx) or errors already stripped of detail; fail does the stripping for the rest.
func abortWith(c *app.RequestContext, e *errs.Error) {
	c.AbortWithStatusJSON(e.Code.HTTP, envelope{
		Code:      e.Code.Name,
		Message:   e.Message,
		RequestID: requestID(c),
		Details:   e.Details,
	})
}

// fail answers err, which is either an *errs.Error made by the gateway or an error from
// a Kitex call. 5xx answers carry the catalog's generic sentence only; what went wrong
// is logged with the request id so an operator can find it. An UNAVAILABLE answer
// tells the client when to try again (retryAfter).
func fail(ctx context.Context, log *slog.Logger, c *app.RequestContext, err error) {
	var e *errs.Error
	if !errors.As(err, &e) {
		e = errs.FromRPC(err)
	}
	if e.Code == errs.Unavailable {
		c.Header("Retry-After", retryAfter(err))
	}
	if e.Code.HTTP >= http.StatusInternalServerError {
		log.ErrorContext(ctx, "request failed",
			"request_id", requestID(c), "route", c.FullPath(), "code", e.Code.Name, "err", err)
		e = errs.New(e.Code)
	}
	abortWith(c, e)
}

// retryAfter is the Retry-After of an UNAVAILABLE answer, in seconds: while a
// service's breaker is open, about the time until it lets calls through again; else
// one second, long enough for a restarted instance or a retried pick to be found.
func retryAfter(err error) string {
	if suite.IsBreakerOpen(err) {
		return strconv.Itoa(int(suite.BreakerOpen / time.Second))
	}
	return "1"
}
