package gateway

import (
	"context"
	"net/http"

	"github.com/cloudwego/hertz/pkg/app"

	userapi "github.com/cartwheel-shop/cartwheel/idl/kitex_gen/user"
	"github.com/cartwheel-shop/cartwheel/pkg/errs"
)

type addressBody struct {
	Recipient  string `json:"recipient" validate:"required,line,max=100"`
	Line1      string `json:"line1" validate:"required,line,max=200"`
	Line2      string `json:"line2" validate:"text,max=200"`
	City       string `json:"city" validate:"required,line,max=100"`
	Region     string `json:"region" validate:"text,max=100"`
	PostalCode string `json:"postal_code" validate:"required,postal"`
	Country    string `json:"country" validate:"required,country"`
	Phone      string `json:"phone" validate:"omitempty,phone"`
}

// addressView answers optional parts as "" when absent, so clients see one shape.
type addressView struct {
	ID         string `json:"id"`
	Recipient  string `json:"recipient"`
	Line1      string `json:"line1"`
	Line2      string `json:"line2"`
	City       string `json:"city"`
	Region     string `json:"region"`
	PostalCode string `json:"postal_code"`
	Country    string `json:"country"`
	Phone      string `json:"phone"`
}

func addressOut(a *userapi.Address) addressView {
	return addressView{
		ID: a.Id, Recipient: a.Recipient, Line1: a.Line1, Line2: deref(a.Line2), City: a.City,
		Region: deref(a.Region), PostalCode: a.PostalCode, Country: a.Country, Phone: deref(a.Phone),
	}
}

func (b addressBody) thrift() *userapi.Address {
	return &userapi.Address{
		Recipient: b.Recipient, Line1: b.Line1, Line2: optional(b.Line2), City: b.City,
		Region: optional(b.Region), PostalCode: b.PostalCode, Country: b.Country, Phone: optional(b.Phone),
	}
}

func (a *api) listAddresses(ctx context.Context, c *app.RequestContext) {
	resp, err := a.users.ListAddresses(ctx, &userapi.ListAddressesRequest{UserId: callerID(c)})
	if err != nil {
		a.fail(ctx, c, err)
		return
	}
	c.JSON(http.StatusOK, map[string]any{"items": mapList(resp.Items, addressOut)})
}

func (a *api) addAddress(ctx context.Context, c *app.RequestContext) {
	var body addressBody
	if err := a.val.bindJSON(c, &body); err != nil {
		a.fail(ctx, c, err)
		return
	}
	addr, err := a.users.AddAddress(ctx, &userapi.AddAddressRequest{UserId: callerID(c), Address: body.thrift()})
	if err != nil {
		a.fail(ctx, c, err)
		return
	}
	c.JSON(http.StatusCreated, addressOut(addr))
}

func (a *api) deleteAddress(ctx context.Context, c *app.RequestContext) {
	id, ok := pathID(c, errs.AddressNotFound)
	if !ok {
		return
	}
	if _, err := a.users.DeleteAddress(ctx, &userapi.DeleteAddressRequest{UserId: callerID(c), AddressId: id}); err != nil {
		a.fail(ctx, c, err)
		return
	}
	c.Status(http.StatusNoContent)
}
