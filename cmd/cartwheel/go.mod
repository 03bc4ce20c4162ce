module github.com/cartwheel-shop/cartwheel/cmd/cartwheel

go 1.26.0

require (
	github.com/cartwheel-shop/cartwheel/gateway v0.0.0
	github.com/cartwheel-shop/cartwheel/idl v0.0.0
	github.com/cartwheel-shop/cartwheel/pkg v0.0.0
	github.com/cartwheel-shop/cartwheel/services/order v0.0.0
	github.com/cartwheel-shop/cartwheel/services/payment v0.0.0
	github.com/cartwheel-shop/cartwheel/services/product v0.0.0
	github.com/cartwheel-shop/cartwheel/services/user v0.0.0
)

replace (
	github.com/cartwheel-shop/cartwheel/gateway => ../../gateway
	github.com/cartwheel-shop/cartwheel/idl => ../../idl
	github.com/cartwheel-shop/cartwheel/pkg => ../../pkg
	github.com/cartwheel-shop/cartwheel/services/order => ../../services/order
	github.com/cartwheel-shop/cartwheel/services/payment => ../../services/payment
	github.com/cartwheel-shop/cartwheel/services/product => ../../services/product
	github.com/cartwheel-shop/cartwheel/services/user => ../../services/user
)
