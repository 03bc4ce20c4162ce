package gateway

import (
	"context"
	"io"

	"github.com/cloudwego/hertz/pkg/app"

	"github.com/cartwheel-shop/cartwheel/pkg/errs"
)

// bodyLimit enforces MAX_BODY_BYTES. The server streams request bodies, so nothing
// past the limit is ever buffered: a declared Content-Length over it is refused before
// the body is read, and a body of unknown length is kept only up to one byte past it.
// The body read here becomes the request's body for the handlers.
func bodyLimit(maxBytes int64) app.HandlerFunc {
	return func(ctx context.Context, c *app.RequestContext) {
		if !c.Request.IsBodyStream() {
			return
		}
		if int64(c.Request.Header.ContentLength()) > maxBytes {
			tooLarge(c)
			return
		}
		stream := c.RequestBodyStream()
		body, err := io.ReadAll(io.LimitReader(stream, maxBytes+1))
		switch {
		case int64(len(body)) > maxBytes:
			discardRest(stream)
			tooLarge(c)
		case err != nil:
			// the client stopped sending mid-body; it will not read an answer either
			c.SetConnectionClose()
			abortWith(c, errs.Newf(errs.InvalidArgument, "the request body could not be read"))
		default:
			c.Request.SetBody(body)
		}
	}
}

// maxDiscardBytes bounds how much of an oversized body of unknown length is read and
// thrown away so that the client, still sending, can read its 413. Past that the
// connection is simply closed.
const maxDiscardBytes = 8 << 20

// discardRest reads an oversized chunked body to its end. Hertz's own draining after
// the answer mis-parses a chunk it finds half read and closes the connection under a
// client that is still sending, which then sees a broken pipe instead of the 413.
func discardRest(stream io.Reader) {
	_, _ = io.Copy(io.Discard, io.LimitReader(stream, maxDiscardBytes)) // best effort
}

// tooLarge answers 413 and closes the connection: the server still drains the unread
// body after answering, but the client should not reuse a connection it overfilled.
func tooLarge(c *app.RequestContext) {
	c.SetConnectionClose()
	abortWith(c, errs.New(errs.BodyTooLarge))
}
