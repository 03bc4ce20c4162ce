module github.com/cartwheel-shop/cartwheel/tools/importnames

go 1.26.0
