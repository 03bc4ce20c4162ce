package gateway

import (
	"context"

	"github.com/cloudwego/kitex/client/callopt"

	"github.com/cartwheel-shop/cartwheel/idl/kitex_gen/order"
	"github.com/cartwheel-shop/cartwheel/idl/kitex_gen/order/orderservice"
	"github.com/cartwheel-shop/cartwheel/idl/kitex_gen/payment"
	"github.com/cartwheel-shop/cartwheel/idl/kitex_gen/payment/paymentservice"
	"github.com/cartwheel-shop/cartwheel/idl/kitex_gen/product"
	"github.com/cartwheel-shop/cartwheel/idl/kitex_gen/product/productservice"
	"github.com/cartwheel-shop/cartwheel/idl/kitex_gen/user"
	"github.com/cartwheel-shop/cartwheel/idl/kitex_gen/user/userservice"
)

// The fakes embed the generated client interfaces and route the methods the gateway
// calls to function fields. A test sets the functions it expects to be called; calling
// one it did not set panics, which the gateway answers with a 500 that fails the test.

type fakeUsers struct {
	userservice.Client
	register      func(context.Context, *user.RegisterRequest) (*user.User, error)
	login         func(context.Context, *user.LoginRequest) (*user.LoginResponse, error)
	refresh       func(context.Context, *user.RefreshRequest) (*user.LoginResponse, error)
	logout        func(context.Context, *user.LogoutRequest) (*user.Empty, error)
	logoutAll     func(context.Context, *user.LogoutAllRequest) (*user.Empty, error)
	getUser       func(context.Context, *user.GetUserRequest) (*user.User, error)
	addAddress    func(context.Context, *user.AddAddressRequest) (*user.Address, error)
	listAddresses func(context.Context, *user.ListAddressesRequest) (*user.ListAddressesResponse, error)
	deleteAddress func(context.Context, *user.DeleteAddressRequest) (*user.Empty, error)
}

func (f *fakeUsers) Register(ctx context.Context, r *user.RegisterRequest, _ ...callopt.Option) (*user.User, error) {
	return f.register(ctx, r)
}

func (f *fakeUsers) Login(ctx context.Context, r *user.LoginRequest, _ ...callopt.Option) (*user.LoginResponse, error) {
	return f.login(ctx, r)
}

func (f *fakeUsers) Refresh(ctx context.Context, r *user.RefreshRequest, _ ...callopt.Option) (*user.LoginResponse, error) {
	return f.refresh(ctx, r)
}

func (f *fakeUsers) Logout(ctx context.Context, r *user.LogoutRequest, _ ...callopt.Option) (*user.Empty, error) {
	return f.logout(ctx, r)
}

func (f *fakeUsers) LogoutAll(ctx context.Context, r *user.LogoutAllRequest, _ ...callopt.Option) (*user.Empty, error) {
	return f.logoutAll(ctx, r)
}

func (f *fakeUsers) GetUser(ctx context.Context, r *user.GetUserRequest, _ ...callopt.Option) (*user.User, error) {
	return f.getUser(ctx, r)
}

func (f *fakeUsers) AddAddress(ctx context.Context, r *user.AddAddressRequest, _ ...callopt.Option) (*user.Address, error) {
	return f.addAddress(ctx, r)
}

func (f *fakeUsers) ListAddresses(ctx context.Context, r *user.ListAddressesRequest, _ ...callopt.Option) (*user.ListAddressesResponse, error) {
	return f.listAddresses(ctx, r)
}

func (f *fakeUsers) DeleteAddress(ctx context.Context, r *user.DeleteAddressRequest, _ ...callopt.Option) (*user.Empty, error) {
	return f.deleteAddress(ctx, r)
}

type fakeProducts struct {
	productservice.Client
	listCategories func(context.Context) (*product.ListCategoriesResponse, error)
	createCategory func(context.Context, *product.CreateCategoryRequest) (*product.Category, error)
	createProduct  func(context.Context, *product.CreateProductRequest) (*product.Product, error)
	updateProduct  func(context.Context, *product.UpdateProductRequest) (*product.Product, error)
	getProduct     func(context.Context, *product.GetProductRequest) (*product.Product, error)
	listProducts   func(context.Context, *product.ListProductsRequest) (*product.ListProductsResponse, error)
	adjustStock    func(context.Context, *product.AdjustStockRequest) (*product.Stock, error)
	getStock       func(context.Context, *product.GetStockRequest) (*product.Stock, error)
}

func (f *fakeProducts) ListCategories(ctx context.Context, _ *product.Empty, _ ...callopt.Option) (*product.ListCategoriesResponse, error) {
	return f.listCategories(ctx)
}

func (f *fakeProducts) CreateCategory(ctx context.Context, r *product.CreateCategoryRequest, _ ...callopt.Option) (*product.Category, error) {
	return f.createCategory(ctx, r)
}

func (f *fakeProducts) CreateProduct(ctx context.Context, r *product.CreateProductRequest, _ ...callopt.Option) (*product.Product, error) {
	return f.createProduct(ctx, r)
}

func (f *fakeProducts) UpdateProduct(ctx context.Context, r *product.UpdateProductRequest, _ ...callopt.Option) (*product.Product, error) {
	return f.updateProduct(ctx, r)
}

func (f *fakeProducts) GetProduct(ctx context.Context, r *product.GetProductRequest, _ ...callopt.Option) (*product.Product, error) {
	return f.getProduct(ctx, r)
}

func (f *fakeProducts) ListProducts(ctx context.Context, r *product.ListProductsRequest, _ ...callopt.Option) (*product.ListProductsResponse, error) {
	return f.listProducts(ctx, r)
}

func (f *fakeProducts) AdjustStock(ctx context.Context, r *product.AdjustStockRequest, _ ...callopt.Option) (*product.Stock, error) {
	return f.adjustStock(ctx, r)
}

func (f *fakeProducts) GetStock(ctx context.Context, r *product.GetStockRequest, _ ...callopt.Option) (*product.Stock, error) {
	return f.getStock(ctx, r)
}

type fakeOrders struct {
	orderservice.Client
	getCart        func(context.Context, *order.GetCartRequest) (*order.Cart, error)
	setCartItem    func(context.Context, *order.SetCartItemRequest) (*order.Cart, error)
	removeCartItem func(context.Context, *order.RemoveCartItemRequest) (*order.Cart, error)
	createOrder    func(context.Context, *order.CreateOrderRequest) (*order.CreateOrderResponse, error)
	getOrder       func(context.Context, *order.GetOrderRequest) (*order.Order, error)
	listOrders     func(context.Context, *order.ListOrdersRequest) (*order.ListOrdersResponse, error)
	cancelOrder    func(context.Context, *order.CancelOrderRequest) (*order.Order, error)
	shipOrder      func(context.Context, *order.ShipOrderRequest) (*order.Order, error)
	confirmReceipt func(context.Context, *order.ConfirmReceiptRequest) (*order.Order, error)
}

func (f *fakeOrders) GetCart(ctx context.Context, r *order.GetCartRequest, _ ...callopt.Option) (*order.Cart, error) {
	return f.getCart(ctx, r)
}

func (f *fakeOrders) SetCartItem(ctx context.Context, r *order.SetCartItemRequest, _ ...callopt.Option) (*order.Cart, error) {
	return f.setCartItem(ctx, r)
}

func (f *fakeOrders) RemoveCartItem(ctx context.Context, r *order.RemoveCartItemRequest, _ ...callopt.Option) (*order.Cart, error) {
	return f.removeCartItem(ctx, r)
}

func (f *fakeOrders) CreateOrder(ctx context.Context, r *order.CreateOrderRequest, _ ...callopt.Option) (*order.CreateOrderResponse, error) {
	return f.createOrder(ctx, r)
}

func (f *fakeOrders) GetOrder(ctx context.Context, r *order.GetOrderRequest, _ ...callopt.Option) (*order.Order, error) {
	return f.getOrder(ctx, r)
}

func (f *fakeOrders) ListOrders(ctx context.Context, r *order.ListOrdersRequest, _ ...callopt.Option) (*order.ListOrdersResponse, error) {
	return f.listOrders(ctx, r)
}

func (f *fakeOrders) CancelOrder(ctx context.Context, r *order.CancelOrderRequest, _ ...callopt.Option) (*order.Order, error) {
	return f.cancelOrder(ctx, r)
}

func (f *fakeOrders) ShipOrder(ctx context.Context, r *order.ShipOrderRequest, _ ...callopt.Option) (*order.Order, error) {
	return f.shipOrder(ctx, r)
}

func (f *fakeOrders) ConfirmReceipt(ctx context.Context, r *order.ConfirmReceiptRequest, _ ...callopt.Option) (*order.Order, error) {
	return f.confirmReceipt(ctx, r)
}

type fakePayments struct {
	paymentservice.Client
	createPayment   func(context.Context, *payment.CreatePaymentRequest) (*payment.Payment, error)
	getPayment      func(context.Context, *payment.GetPaymentRequest) (*payment.Payment, error)
	handleWebhook   func(context.Context, *payment.WebhookRequest) (*payment.WebhookResponse, error)
	sandboxComplete func(context.Context, *payment.SandboxCompleteRequest) (*payment.Payment, error)
	listPayments    func(context.Context, *payment.ListOrderPaymentsRequest) (*payment.ListOrderPaymentsResponse, error)
}

func (f *fakePayments) ListOrderPayments(ctx context.Context, r *payment.ListOrderPaymentsRequest, _ ...callopt.Option) (*payment.ListOrderPaymentsResponse, error) {
	return f.listPayments(ctx, r)
}

func (f *fakePayments) CreatePayment(ctx context.Context, r *payment.CreatePaymentRequest, _ ...callopt.Option) (*payment.Payment, error) {
	return f.createPayment(ctx, r)
}

func (f *fakePayments) GetPayment(ctx context.Context, r *payment.GetPaymentRequest, _ ...callopt.Option) (*payment.Payment, error) {
	return f.getPayment(ctx, r)
}

func (f *fakePayments) HandleWebhook(ctx context.Context, r *payment.WebhookRequest, _ ...callopt.Option) (*payment.WebhookResponse, error) {
	return f.handleWebhook(ctx, r)
}

func (f *fakePayments) SandboxComplete(ctx context.Context, r *payment.SandboxCompleteRequest, _ ...callopt.Option) (*payment.Payment, error) {
	return f.sandboxComplete(ctx, r)
}
