// Package headers puts the gateway's headers on answers: the browser protections and
// caching every answer gets, and CORS for the configured origins.
package headers

import (
	"bytes"
	"context"
	"strconv"
	"strings"
	"time"

	"github.com/cloudwego/hertz/pkg/app"
	"github.com/cloudwego/hertz/pkg/common/config"
)

// WithoutServerBanner stops Hertz announcing itself ("Server: hertz") on every answer;
// the version of what runs is nobody's business outside.
var WithoutServerBanner = config.Option{F: func(o *config.Options) { o.NoDefaultServerHeader = true }}

// Protect puts the browser-facing protections on every answer. A handler
// that needs otherwise (the docs page's own Content-Security-Policy) sets its header
// after this ran and wins. Answers to anything but an anonymous catalog read are
// personal or carry credentials (tokens, /me, carts, orders, errors naming a
// request), so no cache may keep them; hstsMaxAge > 0 adds Strict-Transport-Security
// for a gateway behind TLS.
func Protect(hstsMaxAge time.Duration) app.HandlerFunc {
	hsts := ""
	if hstsMaxAge > 0 {
		hsts = "max-age=" + strconv.Itoa(int(hstsMaxAge.Seconds())) + "; includeSubDomains"
	}
	return func(ctx context.Context, c *app.RequestContext) {
		h := &c.Response.Header
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Content-Security-Policy", "frame-ancestors 'none'")
		if hsts != "" {
			h.Set("Strict-Transport-Security", hsts)
		}
		c.Next(ctx)
		if len(h.Peek("Cache-Control")) == 0 && !publicRead(c) {
			h.Set("Cache-Control", "no-store")
		}
		newlineAfterJSON(c)
	}
}

// publicRead is a successful anonymous GET of the catalog or the API document: the
// same for everyone, so caches may keep it.
func publicRead(c *app.RequestContext) bool {
	if string(c.Method()) != "GET" || len(c.GetHeader("Authorization")) > 0 || c.Response.StatusCode() >= 300 {
		return false
	}
	p := string(c.Path())
	return strings.HasPrefix(p, "/api/v1/products") || p == "/api/v1/categories" || p == "/openapi.json" || p == "/docs"
}

// newlineAfterJSON ends a JSON answer with a newline, so `curl` output does not run
// into the shell prompt. A streamed body is left alone.
func newlineAfterJSON(c *app.RequestContext) {
	if c.Response.IsBodyStream() || !bytes.HasPrefix(c.Response.Header.ContentType(), []byte("application/json")) {
		return
	}
	if body := c.Response.Body(); len(body) > 0 && body[len(body)-1] != '\n' {
		c.Response.AppendBodyString("\n")
	}
}
