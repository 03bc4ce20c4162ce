package gateway

import (
	"fmt"
	"time"

	"github.com/cloudwego/kitex/client"

	"github.com/cartwheel-shop/cartwheel/idl/kitex_gen/order/orderservice"
	"github.com/cartwheel-shop/cartwheel/idl/kitex_gen/payment/paymentservice"
	"github.com/cartwheel-shop/cartwheel/idl/kitex_gen/product/productservice"
	"github.com/cartwheel-shop/cartwheel/idl/kitex_gen/user/userservice"
	"github.com/cartwheel-shop/cartwheel/pkg/obs"
	"github.com/cartwheel-shop/cartwheel/pkg/registry"
	"github.com/cartwheel-shop/cartwheel/pkg/suite"
)

// Names the services register under; the gateway resolves them through the registry.
const (
	UserService    = "user"
	ProductService = "product"
	OrderService   = "order"
	PaymentService = "payment"
)

// serviceNames is the order /readyz reports in.
var serviceNames = []string{UserService, ProductService, OrderService, PaymentService}

// Clients are the services the gateway calls. Tests put fakes here.
type Clients struct {
	User    userservice.Client
	Product productservice.Client
	Order   orderservice.Client
	Payment paymentservice.Client
}

// NewClients builds Kitex clients that resolve each service through reg and bound
// every call by timeout, recording their metrics in tel (nil: none). Each client gets
// its own options: its breakers and retry budget are its own (suite.ClientOptions).
func NewClients(reg registry.Registry, timeout time.Duration, tel *obs.Telemetry) (*Clients, error) {
	opts := func() []client.Option { return suite.ClientOptions(reg, timeout, tel) }
	u, err := userservice.NewClient(UserService, opts()...)
	if err != nil {
		return nil, fmt.Errorf("gateway: %s client: %w", UserService, err)
	}
	p, err := productservice.NewClient(ProductService, opts()...)
	if err != nil {
		return nil, fmt.Errorf("gateway: %s client: %w", ProductService, err)
	}
	o, err := orderservice.NewClient(OrderService, opts()...)
	if err != nil {
		return nil, fmt.Errorf("gateway: %s client: %w", OrderService, err)
	}
	pay, err := paymentservice.NewClient(PaymentService, opts()...)
	if err != nil {
		return nil, fmt.Errorf("gateway: %s client: %w", PaymentService, err)
	}
	return &Clients{User: u, Product: p, Order: o, Payment: pay}, nil
}

func (c *Clients) complete() error {
	if c.User == nil || c.Product == nil || c.Order == nil || c.Payment == nil {
		return fmt.Errorf("gateway: Deps.Clients must set all four clients")
	}
	return nil
}
