package gateway

import (
	"context"
	_ "embed"
	"net/http"

	"github.com/cloudwego/hertz/pkg/app"
)

// The OpenAPI document is written by hand and embedded; routes_test.go keeps its set
// of operations equal to the routes the gateway registers.
//
//go:embed openapi/openapi.json
var openapiDocument []byte

// The docs page is self-contained (no CDN): it fetches /openapi.json and renders it.
//
//go:embed openapi/docs.html
var docsPage []byte

func serveOpenAPI(_ context.Context, c *app.RequestContext) {
	c.Data(http.StatusOK, "application/json", openapiDocument)
}

func serveDocs(_ context.Context, c *app.RequestContext) {
	c.Header("Content-Security-Policy", "default-src 'self'; script-src 'unsafe-inline'; style-src 'unsafe-inline'")
	c.Data(http.StatusOK, "text/html; charset=utf-8", docsPage)
}
