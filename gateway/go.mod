module github.com/cartwheel-shop/cartwheel/gateway

go 1.26.0

require (
	github.com/cartwheel-shop/cartwheel/idl v0.0.0
	github.com/cartwheel-shop/cartwheel/pkg v0.0.0
)

replace (
	github.com/cartwheel-shop/cartwheel/idl => ../idl
	github.com/cartwheel-shop/cartwheel/pkg => ../pkg
)
