package bench

import (
	"context"
	"net"
	"net/http"
)

// Session is the bench's client of a running shop for other load drivers (`cartwheel
// chaos`): the admin and registered customers logged in, and the bench's request
// accounting.
type Session struct {
	s *shop
}

// SessionOptions say which shop to load and how to reach it.
type SessionOptions struct {
	URL                       string // the gateway, e.g. http://127.0.0.1:8080
	AdminEmail, AdminPassword string
	Customers                 int
	Concurrency               int
	// Dial, when set, connects the client instead of the default dialer (to pick one of
	// several gateway instances, the way a Kubernetes Service does).
	Dial func(ctx context.Context, network, addr string) (net.Conn, error)
}

// OpenSession logs the admin in, reads the catalog and registers the customers.
func OpenSession(ctx context.Context, o SessionOptions) (*Session, error) {
	if err := waitReady(ctx, o.URL); err != nil {
		return nil, err
	}
	a := newAPI(o.URL, o.Concurrency)
	if o.Dial != nil {
		a.http.Transport.(*http.Transport).DialContext = o.Dial
	}
	s, err := prepare(ctx, a, o.AdminEmail, o.AdminPassword, o.Customers)
	if err != nil {
		a.close()
		return nil, err
	}
	return &Session{s: s}, nil
}

// Close releases the client's connections.
func (x *Session) Close() { x.s.api.close() }

// Customers is how many customers are logged in.
func (x *Session) Customers() int { return len(x.s.customers) }

// Admin is the index Call takes for the admin; Anonymous for no token.
const (
	Admin     = -1
	Anonymous = -2
)

// Call sends one request as customer i (or Admin, Anonymous); see api.call.
func (x *Session) Call(ctx context.Context, i int, method, path string, body, out any, headers ...string) Outcome {
	token := ""
	switch {
	case i == Admin:
		token = x.s.admin
	case i >= 0:
		token = x.s.customers[i%len(x.s.customers)].token
	}
	return x.s.api.call(ctx, method, path, token, body, out, headers...)
}

// AddressID is customer i's delivery address.
func (x *Session) AddressID(i int) string { return x.s.customers[i%len(x.s.customers)].addressID }

// NewSKU creates a product with one SKU at 1.00 holding stock units.
func (x *Session) NewSKU(ctx context.Context, name string, stock int) (string, error) {
	return x.s.newSKU(ctx, name, stock)
}

// IdempotencyKey is unique within this process's session.
func (x *Session) IdempotencyKey() string { return x.s.idempotencyKey() }

// OK is a 2xx answer.
func (o Outcome) OK() bool { return o.ok() }

// Failed is a request the shop did not serve: no answer, a timeout, a 5xx or a 429.
// A 4xx is the shop's answer to the request (an order already cancelled: 409).
func (o Outcome) Failed() bool { return o.Err != nil || o.Status >= 500 || o.Status == 429 }

// ErrorKey groups failures: "503 UNAVAILABLE", "timeout", "transport".
func (o Outcome) ErrorKey() string { return o.errorKey() }
