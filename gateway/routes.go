package gateway

import (
	"context"
	"slices"
	"strings"

	"github.com/cloudwego/hertz/pkg/app"
	"github.com/cloudwego/hertz/pkg/route"

	"github.com/cartwheel-shop/cartwheel/pkg/errs"
)

// guards are the middleware that sit between the public routes and the handlers.
type guards struct {
	deadline, admit, limitIP, authenticate, limitUser, admin app.HandlerFunc
	// canary picks the release of the services a request reaches (pkg/canary): before
	// authentication by header, after it by user share too.
	canary app.HandlerFunc
	// client reads X-Client on the routes whose answers it shapes, the ones the
	// document gives the header; elsewhere the header means nothing and is not read.
	client app.HandlerFunc
}

// registerAPI declares every route of the public API (shared/API.md); openapi.json
// describes exactly these, which routes_test.go checks.
func registerAPI(r *route.Engine, a *api, g guards, sandbox bool) {
	v1 := r.Group("/api/v1", g.deadline, g.admit, g.limitIP, g.canary)
	v1.POST("/auth/register", a.register)
	v1.POST("/auth/login", a.login)
	v1.POST("/auth/refresh", a.refresh)
	v1.POST("/auth/logout", a.logout)
	v1.GET("/categories", a.listCategories)
	v1.GET("/products", g.client, a.listProducts)
	v1.GET("/products/:id", g.client, a.getProduct)
	v1.POST("/payments/webhook", a.paymentWebhook) // the provider signs it; no user token
	// Without this GET /payments/webhook would be GET /payments/{id} for the id "webhook".
	v1.GET("/payments/webhook", methodNotAllowed(r))

	user := v1.Group("", g.authenticate, g.limitUser, g.canary)
	user.POST("/auth/logout-all", a.logoutAll)
	user.GET("/me", a.me)
	user.GET("/me/addresses", a.listAddresses)
	user.POST("/me/addresses", a.addAddress)
	user.DELETE("/me/addresses/:id", a.deleteAddress)
	user.GET("/cart", g.client, a.getCart)
	user.PUT("/cart/items/:sku", g.client, a.setCartItem)
	user.DELETE("/cart/items/:sku", g.client, a.removeCartItem)
	user.POST("/orders", g.client, a.createOrder)
	user.GET("/orders", g.client, a.listOrders)
	user.GET("/orders/:id", g.client, a.getOrder)
	user.POST("/orders/:id/cancel", g.client, a.cancelOrder)
	user.POST("/orders/:id/confirm-receipt", g.client, a.confirmReceipt)
	user.POST("/orders/:id/payments", a.createPayment)
	user.GET("/payments/:id", a.getPayment)
	if sandbox {
		user.POST("/sandbox/payments/:id/complete", a.sandboxComplete)
	}

	admin := user.Group("/admin", g.admin)
	admin.POST("/categories", a.createCategory)
	admin.POST("/products", a.createProduct)
	admin.PATCH("/products/:id", a.updateProduct)
	admin.GET("/skus/:sku/stock", a.getStock)
	admin.POST("/skus/:sku/stock", a.adjustStock)
	admin.POST("/orders/:id/ship", g.client, a.shipOrder)
	admin.GET("/orders", a.adminListOrders)
	admin.GET("/orders/:id", a.adminGetOrder)
	admin.GET("/orders/:id/payments", a.adminOrderPayments)
	admin.GET("/protocol", a.protocol)
}

// registerOps declares the operational endpoints the public contract promises. They
// are not rate limited: probes must see the truth even when clients are throttled.
// Metrics and pprof are not here: they live on the admin listener (pkg/obs), never on
// the public port, which also serves /healthz and /readyz for orchestrators.
func registerOps(r *route.Engine, ready *readiness) {
	r.GET("/healthz", healthz)
	r.GET("/readyz", ready.handle)
	r.GET("/openapi.json", serveOpenAPI)
	r.GET("/docs", serveDocs)
}

// registerFallbacks answers unknown paths and wrong methods with the error envelope.
func registerFallbacks(r *route.Engine) {
	r.NoRoute(func(_ context.Context, c *app.RequestContext) {
		abortWith(c, errs.New(errs.RouteNotFound))
	})
	r.NoMethod(methodNotAllowed(r))
}

// methodNotAllowed answers 405 with the methods routed for the path. It is also the
// handler of the routes that only keep a template from catching a static path's other
// methods; those routes are neither in the Allow header nor in the document.
func methodNotAllowed(r *route.Engine) app.HandlerFunc {
	return func(_ context.Context, c *app.RequestContext) {
		c.Header("Allow", strings.Join(allowedMethods(r.Routes(), string(c.Path())), ", "))
		abortWith(c, errs.New(errs.MethodNotAllowed))
	}
}

// refusesMethod reports whether a route only refuses its method (methodNotAllowed).
func refusesMethod(rt route.RouteInfo) bool { return strings.Contains(rt.Handler, "methodNotAllowed") }

// allowedMethods lists the methods routed for path, for the Allow header of a 405.
// A path that is a route of its own (/payments/webhook) does not also take the methods
// of a template it happens to fit (/payments/:id): GET there would find no payment.
func allowedMethods(routes route.RoutesInfo, path string) []string {
	exact := slices.ContainsFunc(routes, func(rt route.RouteInfo) bool {
		return !refusesMethod(rt) && strings.Trim(rt.Path, "/") == strings.Trim(path, "/")
	})
	var methods []string
	for _, rt := range routes {
		if refusesMethod(rt) {
			continue
		}
		fits := matches(rt.Path, path) && (!exact || strings.Trim(rt.Path, "/") == strings.Trim(path, "/"))
		if fits && !slices.Contains(methods, rt.Method) {
			methods = append(methods, rt.Method)
		}
	}
	slices.Sort(methods)
	return methods
}

// matches compares a route template with a path segment by segment; ":name" matches
// any one segment.
func matches(template, path string) bool {
	ts := strings.Split(strings.Trim(template, "/"), "/")
	ps := strings.Split(strings.Trim(path, "/"), "/")
	if len(ts) != len(ps) {
		return false
	}
	for i, t := range ts {
		if !strings.HasPrefix(t, ":") && t != ps[i] {
			return false
		}
	}
	return true
}
