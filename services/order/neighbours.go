package order

import (
	"context"
	"fmt"
	"slices"

	productapi "github.com/cartwheel-shop/cartwheel/idl/kitex_gen/product"
	"github.com/cartwheel-shop/cartwheel/idl/kitex_gen/product/productservice"
	userapi "github.com/cartwheel-shop/cartwheel/idl/kitex_gen/user"
	"github.com/cartwheel-shop/cartwheel/idl/kitex_gen/user/userservice"
	"github.com/cartwheel-shop/cartwheel/pkg/errs"
	"github.com/cartwheel-shop/cartwheel/pkg/money"
	domain "github.com/cartwheel-shop/cartwheel/services/order/internal/order"
)

// catalog is the product service behind order.Catalog.
type catalog struct {
	client productservice.Client
}

// batchLimit is the most codes the product service takes in one BatchGetSkus call.
const batchLimit = 100

// SKUs implements order.Catalog with BatchGetSkus, in batches the product service takes.
func (c catalog) SKUs(ctx context.Context, codes []string) (map[string]domain.SKU, error) {
	out := make(map[string]domain.SKU, len(codes))
	for batch := range slices.Chunk(codes, batchLimit) {
		resp, err := c.client.BatchGetSkus(ctx, &productapi.BatchGetSkusRequest{Skus: batch})
		if err != nil {
			return nil, rpcError("product.BatchGetSkus", err)
		}
		for _, d := range resp.GetItems() {
			s, err := toDomainSKU(d)
			if err != nil {
				return nil, err
			}
			out[s.Code] = s
		}
	}
	return out, nil
}

func toDomainSKU(d *productapi.SkuDetail) (domain.SKU, error) {
	p := d.GetPrice()
	if p == nil {
		return domain.SKU{}, fmt.Errorf("product.BatchGetSkus: SKU %s has no price", d.GetSku())
	}
	price, err := money.New(p.AmountCents, p.Currency)
	if err != nil {
		return domain.SKU{}, fmt.Errorf("product.BatchGetSkus: SKU %s: %w", d.GetSku(), err)
	}
	return domain.SKU{Code: d.GetSku(), Name: d.GetProductName(), Price: price, Active: d.GetActive()}, nil
}

// addressBook is the user service behind order.AddressBook.
type addressBook struct {
	client userservice.Client
}

// Address implements order.AddressBook.
func (a addressBook) Address(ctx context.Context, userID, addressID string) (domain.Address, error) {
	resp, err := a.client.GetAddress(ctx, &userapi.GetAddressRequest{UserId: userID, AddressId: addressID})
	if err != nil {
		if errs.FromRPC(err).Code == errs.AddressNotFound {
			return domain.Address{}, domain.ErrAddressNotFound
		}
		return domain.Address{}, rpcError("user.GetAddress", err)
	}
	return toDomainAddress(resp), nil
}

func toDomainAddress(a *userapi.Address) domain.Address {
	return domain.Address{
		Recipient: a.GetRecipient(), Line1: a.GetLine1(), Line2: a.GetLine2(), City: a.GetCity(),
		Region: a.GetRegion(), PostalCode: a.GetPostalCode(), Country: a.GetCountry(), Phone: a.GetPhone(),
	}
}

// rpcError passes on UNAVAILABLE when a neighbour cannot be reached, so clients retry;
// any other refusal is one this service should never provoke, hence internal. Either way
// the original error's text stays for the log.
func rpcError(call string, err error) error {
	if e := errs.FromRPC(err); e.Code == errs.Unavailable {
		return fmt.Errorf("%s: %v: %w", call, err, e)
	}
	return fmt.Errorf("%s: %w", call, err)
}

// Admit implements order.Catalog with the product service's stock gate.
func (c catalog) Admit(ctx context.Context, orderID string, lines []domain.LineRequest) error {
	req := &productapi.AdmitOrderRequest{OrderId: orderID, Lines: make([]*productapi.GateLine, len(lines))}
	for i, l := range lines {
		req.Lines[i] = &productapi.GateLine{Sku: l.SKU, Quantity: l.Quantity}
	}
	resp, err := c.client.AdmitOrder(ctx, req)
	if err != nil {
		return rpcError("product.AdmitOrder", err)
	}
	switch resp.GetReason() {
	case "":
		return nil
	case errs.StockInsufficient.Name:
		return &domain.SkuError{SKU: resp.GetRefusedSku(), Err: domain.ErrStockInsufficient}
	case errs.SkuNotFound.Name:
		return &domain.SkuError{SKU: resp.GetRefusedSku(), Err: domain.ErrSkuNotFound}
	}
	return fmt.Errorf("product.AdmitOrder: unknown refusal %q of SKU %s", resp.GetReason(), resp.GetRefusedSku())
}

// ReturnAdmission implements order.Catalog.
func (c catalog) ReturnAdmission(ctx context.Context, orderID string) error {
	if _, err := c.client.ReturnAdmission(ctx, &productapi.ReturnAdmissionRequest{OrderId: orderID}); err != nil {
		return rpcError("product.ReturnAdmission", err)
	}
	return nil
}
