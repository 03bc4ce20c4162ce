package gateway

import (
	"errors"
	"net/http"
	"testing"

	"github.com/cloudwego/hertz/pkg/app"

	"github.com/cartwheel-shop/cartwheel/gateway/internal/bind"
	"github.com/cartwheel-shop/cartwheel/pkg/errs"
)

// FuzzBindJSON feeds arbitrary bodies to the binder of every request body: it must
// never panic, and whatever it refuses (malformed or invalid) it refuses as a 400 with
// the envelope's code.
func FuzzBindJSON(f *testing.F) {
	for _, seed := range []string{
		``, `{}`, `null`, `[]`, `"x"`, `{"email":"ann@example.com","password":"correct-horse-9","name":"Ann"}`,
		`{"lines":[{"sku":"MUG-RED","quantity":2}],"address_id":"0190f5a8-0000-7000-8000-0000000000ad"}`,
		`{"lines":[{"sku":"MUG-RED","quantity":"2"}]}`, `{"name":"a","name":"b"}`, `{"a":{"a":{"a":[1,2,{"b":null}]}}}`,
		`{"quantity":1e400}`, `{"quantity":-0}`, `{"prices":{"MUG-RED":{"amount_cents":1,"currency":"USD"}}}`,
		"{\"name\":\"\xff\"}", `{"skus":[{"sku":"A","attributes":{"k":"v","k":"w"},"price":{"amount_cents":1.5}}]}`,
		`{"delta":9223372036854775808}`, `{} {}`, `{"x":`,
	} {
		f.Add([]byte(seed))
	}
	binder := bind.New()
	f.Fuzz(func(t *testing.T, body []byte) {
		for _, dst := range []any{
			&registerBody{}, &loginBody{}, &refreshBody{}, &addressBody{}, &setCartItemBody{},
			&createCategoryBody{}, &createOrderBody{}, &shipBody{}, &createProductBody{},
			&updateProductBody{}, &adjustStockBody{},
		} {
			c := app.NewContext(0)
			c.Request.SetBody(body)
			err := binder.JSON(c, dst)
			if err == nil {
				continue
			}
			var e *errs.Error
			if !errors.As(err, &e) || e.Code.HTTP != http.StatusBadRequest {
				t.Fatalf("%T: body %q: %v, want a 400 envelope error", dst, body, err)
			}
		}
	})
}
