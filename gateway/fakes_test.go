package gateway

import (
	"context"

	"github.com/cloudwego/kitex/client/callopt"

	orderapi "github.com/cartwheel-shop/cartwheel/idl/kitex_gen/order"
	"github.com/cartwheel-shop/cartwheel/idl/kitex_gen/order/orderservice"
	paymentapi "github.com/cartwheel-shop/cartwheel/idl/kitex_gen/payment"
	"github.com/cartwheel-shop/cartwheel/idl/kitex_gen/payment/paymentservice"
	productapi "github.com/cartwheel-shop/cartwheel/idl/kitex_gen/product"
	"github.com/cartwheel-shop/cartwheel/idl/kitex_gen/product/productservice"
	userapi "github.com/cartwheel-shop/cartwheel/idl/kitex_gen/user"
	"github.com/cartwheel-shop/cartwheel/idl/kitex_gen/user/userservice"
)

// The fakes embed the generated client interfaces and route the methods the gateway
// calls to function fields. A test sets the functions it expects to be called; calling
// one it did not set panics, which the gateway answers with a 500 that fails the test.

type fakeUsers struct {
	userservice.Client
	register      func(context.Context, *userapi.RegisterRequest) (*userapi.User, error)
	login         func(context.Context, *userapi.LoginRequest) (*userapi.LoginResponse, error)
	refresh       func(context.Context, *userapi.RefreshRequest) (*userapi.LoginResponse, error)
	logout        func(context.Context, *userapi.LogoutRequest) (*userapi.Empty, error)
	logoutAll     func(context.Context, *userapi.LogoutAllRequest) (*userapi.Empty, error)
	getUser       func(context.Context, *userapi.GetUserRequest) (*userapi.User, error)
	addAddress    func(context.Context, *userapi.AddAddressRequest) (*userapi.Address, error)
	listAddresses func(context.Context, *userapi.ListAddressesRequest) (*userapi.ListAddressesResponse, error)
	deleteAddress func(context.Context, *userapi.DeleteAddressRequest) (*userapi.Empty, error)
}

func (f *fakeUsers) Register(ctx context.Context, r *userapi.RegisterRequest, _ ...callopt.Option) (*userapi.User, error) {
	return f.register(ctx, r)
}

func (f *fakeUsers) Login(ctx context.Context, r *userapi.LoginRequest, _ ...callopt.Option) (*userapi.LoginResponse, error) {
	return f.login(ctx, r)
}

func (f *fakeUsers) Refresh(ctx context.Context, r *userapi.RefreshRequest, _ ...callopt.Option) (*userapi.LoginResponse, error) {
	return f.refresh(ctx, r)
}

func (f *fakeUsers) Logout(ctx context.Context, r *userapi.LogoutRequest, _ ...callopt.Option) (*userapi.Empty, error) {
	return f.logout(ctx, r)
}

func (f *fakeUsers) LogoutAll(ctx context.Context, r *userapi.LogoutAllRequest, _ ...callopt.Option) (*userapi.Empty, error) {
	return f.logoutAll(ctx, r)
}

func (f *fakeUsers) GetUser(ctx context.Context, r *userapi.GetUserRequest, _ ...callopt.Option) (*userapi.User, error) {
	return f.getUser(ctx, r)
}

func (f *fakeUsers) AddAddress(ctx context.Context, r *userapi.AddAddressRequest, _ ...callopt.Option) (*userapi.Address, error) {
	return f.addAddress(ctx, r)
}

func (f *fakeUsers) ListAddresses(ctx context.Context, r *userapi.ListAddressesRequest, _ ...callopt.Option) (*userapi.ListAddressesResponse, error) {
	return f.listAddresses(ctx, r)
}

func (f *fakeUsers) DeleteAddress(ctx context.Context, r *userapi.DeleteAddressRequest, _ ...callopt.Option) (*userapi.Empty, error) {
	return f.deleteAddress(ctx, r)
}

type fakeProducts struct {
	productservice.Client
	listCategories func(context.Context) (*productapi.ListCategoriesResponse, error)
	createCategory func(context.Context, *productapi.CreateCategoryRequest) (*productapi.Category, error)
	createProduct  func(context.Context, *productapi.CreateProductRequest) (*productapi.Product, error)
	updateProduct  func(context.Context, *productapi.UpdateProductRequest) (*productapi.Product, error)
	getProduct     func(context.Context, *productapi.GetProductRequest) (*productapi.Product, error)
	listProducts   func(context.Context, *productapi.ListProductsRequest) (*productapi.ListProductsResponse, error)
	adjustStock    func(context.Context, *productapi.AdjustStockRequest) (*productapi.Stock, error)
	getStock       func(context.Context, *productapi.GetStockRequest) (*productapi.Stock, error)
}

func (f *fakeProducts) ListCategories(ctx context.Context, _ *productapi.Empty, _ ...callopt.Option) (*productapi.ListCategoriesResponse, error) {
	return f.listCategories(ctx)
}

func (f *fakeProducts) CreateCategory(ctx context.Context, r *productapi.CreateCategoryRequest, _ ...callopt.Option) (*productapi.Category, error) {
	return f.createCategory(ctx, r)
}

func (f *fakeProducts) CreateProduct(ctx context.Context, r *productapi.CreateProductRequest, _ ...callopt.Option) (*productapi.Product, error) {
	return f.createProduct(ctx, r)
}

func (f *fakeProducts) UpdateProduct(ctx context.Context, r *productapi.UpdateProductRequest, _ ...callopt.Option) (*productapi.Product, error) {
	return f.updateProduct(ctx, r)
}

func (f *fakeProducts) GetProduct(ctx context.Context, r *productapi.GetProductRequest, _ ...callopt.Option) (*productapi.Product, error) {
	return f.getProduct(ctx, r)
}

func (f *fakeProducts) ListProducts(ctx context.Context, r *productapi.ListProductsRequest, _ ...callopt.Option) (*productapi.ListProductsResponse, error) {
	return f.listProducts(ctx, r)
}

func (f *fakeProducts) AdjustStock(ctx context.Context, r *productapi.AdjustStockRequest, _ ...callopt.Option) (*productapi.Stock, error) {
	return f.adjustStock(ctx, r)
}

func (f *fakeProducts) GetStock(ctx context.Context, r *productapi.GetStockRequest, _ ...callopt.Option) (*productapi.Stock, error) {
	return f.getStock(ctx, r)
}

type fakeOrders struct {
	orderservice.Client
	getCart        func(context.Context, *orderapi.GetCartRequest) (*orderapi.Cart, error)
	setCartItem    func(context.Context, *orderapi.SetCartItemRequest) (*orderapi.Cart, error)
	removeCartItem func(context.Context, *orderapi.RemoveCartItemRequest) (*orderapi.Cart, error)
	createOrder    func(context.Context, *orderapi.CreateOrderRequest) (*orderapi.CreateOrderResponse, error)
	getOrder       func(context.Context, *orderapi.GetOrderRequest) (*orderapi.Order, error)
	listOrders     func(context.Context, *orderapi.ListOrdersRequest) (*orderapi.ListOrdersResponse, error)
	cancelOrder    func(context.Context, *orderapi.CancelOrderRequest) (*orderapi.Order, error)
	shipOrder      func(context.Context, *orderapi.ShipOrderRequest) (*orderapi.Order, error)
	confirmReceipt func(context.Context, *orderapi.ConfirmReceiptRequest) (*orderapi.Order, error)
}

func (f *fakeOrders) GetCart(ctx context.Context, r *orderapi.GetCartRequest, _ ...callopt.Option) (*orderapi.Cart, error) {
	return f.getCart(ctx, r)
}

func (f *fakeOrders) SetCartItem(ctx context.Context, r *orderapi.SetCartItemRequest, _ ...callopt.Option) (*orderapi.Cart, error) {
	return f.setCartItem(ctx, r)
}

func (f *fakeOrders) RemoveCartItem(ctx context.Context, r *orderapi.RemoveCartItemRequest, _ ...callopt.Option) (*orderapi.Cart, error) {
	return f.removeCartItem(ctx, r)
}

func (f *fakeOrders) CreateOrder(ctx context.Context, r *orderapi.CreateOrderRequest, _ ...callopt.Option) (*orderapi.CreateOrderResponse, error) {
	return f.createOrder(ctx, r)
}

func (f *fakeOrders) GetOrder(ctx context.Context, r *orderapi.GetOrderRequest, _ ...callopt.Option) (*orderapi.Order, error) {
	return f.getOrder(ctx, r)
}

func (f *fakeOrders) ListOrders(ctx context.Context, r *orderapi.ListOrdersRequest, _ ...callopt.Option) (*orderapi.ListOrdersResponse, error) {
	return f.listOrders(ctx, r)
}

func (f *fakeOrders) CancelOrder(ctx context.Context, r *orderapi.CancelOrderRequest, _ ...callopt.Option) (*orderapi.Order, error) {
	return f.cancelOrder(ctx, r)
}

func (f *fakeOrders) ShipOrder(ctx context.Context, r *orderapi.ShipOrderRequest, _ ...callopt.Option) (*orderapi.Order, error) {
	return f.shipOrder(ctx, r)
}

func (f *fakeOrders) ConfirmReceipt(ctx context.Context, r *orderapi.ConfirmReceiptRequest, _ ...callopt.Option) (*orderapi.Order, error) {
	return f.confirmReceipt(ctx, r)
}

type fakePayments struct {
	paymentservice.Client
	createPayment   func(context.Context, *paymentapi.CreatePaymentRequest) (*paymentapi.Payment, error)
	getPayment      func(context.Context, *paymentapi.GetPaymentRequest) (*paymentapi.Payment, error)
	handleWebhook   func(context.Context, *paymentapi.WebhookRequest) (*paymentapi.WebhookResponse, error)
	sandboxComplete func(context.Context, *paymentapi.SandboxCompleteRequest) (*paymentapi.Payment, error)
	listPayments    func(context.Context, *paymentapi.ListOrderPaymentsRequest) (*paymentapi.ListOrderPaymentsResponse, error)
}

func (f *fakePayments) ListOrderPayments(ctx context.Context, r *paymentapi.ListOrderPaymentsRequest, _ ...callopt.Option) (*paymentapi.ListOrderPaymentsResponse, error) {
	return f.listPayments(ctx, r)
}

func (f *fakePayments) CreatePayment(ctx context.Context, r *paymentapi.CreatePaymentRequest, _ ...callopt.Option) (*paymentapi.Payment, error) {
	return f.createPayment(ctx, r)
}

func (f *fakePayments) GetPayment(ctx context.Context, r *paymentapi.GetPaymentRequest, _ ...callopt.Option) (*paymentapi.Payment, error) {
	return f.getPayment(ctx, r)
}

func (f *fakePayments) HandleWebhook(ctx context.Context, r *paymentapi.WebhookRequest, _ ...callopt.Option) (*paymentapi.WebhookResponse, error) {
	return f.handleWebhook(ctx, r)
}

func (f *fakePayments) SandboxComplete(ctx context.Context, r *paymentapi.SandboxCompleteRequest, _ ...callopt.Option) (*paymentapi.Payment, error) {
	return f.sandboxComplete(ctx, r)
}
