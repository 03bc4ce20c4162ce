package gateway

import (
	"context"
	"embed"
	"net/http"
	"path"

	"github.com/cloudwego/hertz/pkg/app"
	"github.com/cloudwego/hertz/pkg/route"

	"github.com/cartwheel-shop/cartwheel/pkg/errs"
)

// The storefront and the admin console: static pages and ES modules embedded in the
// binary (no build step), which talk to the public /api/v1 API like any client.
//
//go:embed web/*.html web/assets
var webFiles embed.FS

// pageCSP lets the pages load only their own scripts, styles and images and talk only
// to this origin: no inline script or style, no eval, no framing.
const pageCSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
	"connect-src 'self'; manifest-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"

var assetTypes = map[string]string{
	".js":  "text/javascript; charset=utf-8",
	".css": "text/css; charset=utf-8",
	".svg": "image/svg+xml",
	".png": "image/png",
}

// registerWeb serves the pages. Assets are one flat folder, so /assets/:file is
// exactly the set of files there.
func registerWeb(r *route.Engine) {
	r.GET("/", servePage("web/store.html"))
	r.GET("/admin", servePage("web/admin.html"))
	r.GET("/admin/", servePage("web/admin.html"))
	r.GET("/assets/:file", serveAsset)
}

func servePage(name string) app.HandlerFunc {
	body, err := webFiles.ReadFile(name)
	if err != nil {
		panic("gateway: missing embedded page " + name) // a build defect, caught by every test
	}
	return func(_ context.Context, c *app.RequestContext) {
		securityHeaders(c)
		c.Header("Cache-Control", "no-cache")
		c.Data(http.StatusOK, "text/html; charset=utf-8", body)
	}
}

func serveAsset(_ context.Context, c *app.RequestContext) {
	name := c.Param("file")
	ctype, known := assetTypes[path.Ext(name)]
	body, err := webFiles.ReadFile("web/assets/" + name)
	if !known || err != nil {
		abortWith(c, errs.New(errs.RouteNotFound))
		return
	}
	securityHeaders(c)
	// no-cache still lets the browser revalidate; assets change with the binary.
	c.Header("Cache-Control", "no-cache")
	c.Data(http.StatusOK, ctype, body)
}

func securityHeaders(c *app.RequestContext) {
	c.Header("Content-Security-Policy", pageCSP)
	c.Header("X-Content-Type-Options", "nosniff")
	c.Header("Referrer-Policy", "no-referrer")
	c.Header("X-Frame-Options", "DENY")
}
