package gateway

import (
	"github.com/cloudwego/hertz/pkg/app"

	"github.com/cartwheel-shop/cartwheel/pkg/errs"
	"github.com/cartwheel-shop/cartwheel/pkg/ids"
)

const headerIdempotencyKey = "Idempotency-Key"

// idempotencyKey reads the header where a route requires it; a problem with it is
// reported with the body's.
func idempotencyKey(c *app.RequestContext) (string, []errs.FieldViolation) {
	key := string(c.GetHeader(headerIdempotencyKey))
	if key == "" {
		return "", []errs.FieldViolation{{Field: headerIdempotencyKey, Reason: "is required"}}
	}
	return key, checkIdempotencyKey(key)
}

// optionalIdempotencyKey reads the header where a route accepts it without requiring
// it: nil when absent. A header that is present must hold a key, even when empty: its
// sender meant the request to be safe to retry, and must not be quietly denied that.
func optionalIdempotencyKey(c *app.RequestContext) (*string, []errs.FieldViolation) {
	if len(c.Request.Header.PeekAll(headerIdempotencyKey)) == 0 {
		return nil, nil
	}
	key := string(c.GetHeader(headerIdempotencyKey))
	if problems := checkIdempotencyKey(key); problems != nil {
		return nil, problems
	}
	return &key, nil
}

// checkIdempotencyKey applies the one rule for keys (pkg/ids) that every service
// checks again.
func checkIdempotencyKey(key string) []errs.FieldViolation {
	if ids.ValidIdempotencyKey(key) {
		return nil
	}
	return []errs.FieldViolation{{Field: headerIdempotencyKey, Reason: "must be 1 to 64 of A-Z, a-z, 0-9, '_', '.', ':' or '-'"}}
}
