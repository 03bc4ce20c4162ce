"""A shopper's and a shop admin's journey through a Python client generated from the
served /openapi.json (openapi-generator, scripts/clients.sh). Every answer is parsed
into the generated models, which refuse a missing required field, a wrong type or a
value outside an enum: a document that disagrees with the server fails here the way it
would fail a client team.

Usage: journey.py BASE_URL (a dev server with the demo catalog and the seed admin).
"""

import sys
import time
import uuid

import cartwheel_client as cw
from cartwheel_client.models import (
    AddressInput,
    AdjustStockRequest,
    CreateOrderRequest,
    Error,
    LineRequest,
    LoginRequest,
    RefreshTokenRequest,
    RegisterRequest,
    SetCartItemRequest,
    ShipRequest,
)

ADMIN = ("admin@cartwheel.local", "cartwheel-admin")


def check(cond, what):
    if not cond:
        raise AssertionError(what)
    print("ok  ", what)


def session(base, token=None):
    cfg = cw.Configuration(host=base)
    cfg.access_token = token
    return cw.ApiClient(cfg)


def shape(answer):
    """The model an X-Client-shaped answer was read as."""
    return type(answer.actual_instance).__name__


def refused(call, status, code):
    """call() fails with an HTTP status and an error envelope of the given code."""
    try:
        call()
    except cw.ApiException as e:
        err = Error.from_json(e.body)
        check(e.status == status and err.code == code and err.request_id,
              f"refused {status} {code} with a request id (got {e.status} {err.code})")
        return err
    raise AssertionError(f"expected {status} {code}, the call succeeded")


def wait_for(what, get, done, seconds=15):
    deadline = time.monotonic() + seconds
    while True:
        value = get()
        if done(value):
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"{what}: still {value} after {seconds}s")
        time.sleep(0.1)


def main(base):
    anon = session(base)
    catalog = cw.CatalogApi(anon)

    # Each client declares itself and gets its documented shape.
    for client, want in [(None, "ProductPage"), ("web", "ProductPage"), ("app", "ProductCardPage"), ("mini", "ProductCardPage")]:
        check(shape(catalog.list_products(page_size=5, x_client=client)) == want, f"product list for {client or 'no X-Client'} is a {want}")
    check(len(cw.CatalogApi(anon).list_categories().items) > 0, "categories listed")
    page = catalog.list_products(q="espresso", sort="price_asc", page_size=10).actual_instance
    check(len(page.items) > 0, "search for 'espresso' finds products")
    product = catalog.get_product(page.items[0].id).actual_instance
    skus = [s.sku for s in product.skus if s.active and s.available > 1]
    check(len(skus) > 0, f"product {product.name} has an SKU in stock")
    for client, want in [("web", "Product"), ("app", "ProductCard"), ("mini", "ProductCard")]:
        check(shape(catalog.get_product(product.id, x_client=client)) == want, f"product for {client} is a {want}")

    # Sign-up and sign-in; a bad registration names its field (a rule the schema cannot
    # state, so the server, not the client's own validation, refuses it).
    auth = cw.AuthApi(anon)
    email = f"client-{uuid.uuid4().hex[:12]}@example.com"
    password = "correct-horse-battery"
    err = refused(lambda: auth.register(RegisterRequest(email=email, password=email.split("@")[0], name="Generated Client")),
                  400, "INVALID_ARGUMENT")
    check(any(d.var_field == "password" for d in err.details), "a password equal to the email's name part is named in details")
    auth.register(RegisterRequest(email=email, password=password, name="Generated Client"))
    tokens = auth.login(LoginRequest(email=email, password=password))
    refused(lambda: cw.AccountApi(anon).get_me(), 401, "UNAUTHENTICATED")

    shopper = session(base, tokens.access_token)
    account, cart, orders, payments = cw.AccountApi(shopper), cw.CartApi(shopper), cw.OrdersApi(shopper), cw.PaymentsApi(shopper)
    check(account.get_me().email == email, "GET /me answers the new user")
    address = account.add_address(AddressInput(recipient="Generated Client", line1="1 Main Street", city="Springfield",
                                               postal_code="12345", country="US", phone="+15551234567"))
    check(any(a.id == address.id for a in account.list_addresses().items), "the address is listed")

    # Cart in every shape, then a checkout from it; the same key twice is one order.
    for client, want in [("web", "Cart"), ("app", "Cart"), ("mini", "CartSummary")]:
        check(shape(cart.set_cart_item(skus[0], SetCartItemRequest(quantity=2), x_client=client)) == want, f"cart for {client} is a {want}")
    key = uuid.uuid4().hex
    first = orders.create_order(key, CreateOrderRequest(from_cart=True, address_id=address.id)).actual_instance
    again = orders.create_order(key, CreateOrderRequest(from_cart=True, address_id=address.id)).actual_instance
    check(first.id == again.id, "a retried checkout (same Idempotency-Key) is the same order")
    order = wait_for("order settles", lambda: orders.get_order(first.id).actual_instance,
                     lambda o: o.status != "PENDING")
    check(order.status == "AWAITING_PAYMENT" and order.payment_deadline is not None,
          f"the order awaits payment with a deadline (status {order.status})")

    # Pay in the sandbox; the order becomes PAID.
    payment = payments.create_payment(order.id)
    check(payment.order_id == order.id and payment.amount.amount_cents == order.total.amount_cents, "payment for the order's total")
    payments.complete_sandbox_payment(payment.id)
    wait_for("order paid", lambda: orders.get_order(order.id).actual_instance.status, lambda s: s == "PAID")
    check(payments.get_payment(payment.id).status == "SUCCEEDED", "the payment succeeded")
    for client, want in [("web", "OrderPage"), ("app", "OrderSummaryPage"), ("mini", "OrderSummaryPage")]:
        check(shape(orders.list_orders(x_client=client)) == want, f"order list for {client} is an {want}")

    # Bad input changes nothing and says why.
    err = refused(lambda: orders.create_order(uuid.uuid4().hex, CreateOrderRequest(address_id=address.id)), 400, "INVALID_ARGUMENT")
    check(any(d.var_field == "lines" for d in err.details), "an order without lines names 'lines'")
    refused(lambda: orders.create_order(uuid.uuid4().hex, CreateOrderRequest(lines=[LineRequest(sku="NO-SUCH-SKU", quantity=1)],
                                                                             address_id=address.id)), 404, "SKU_NOT_FOUND")

    # The admin ships it; the customer sees SHIPPED and confirms receipt.
    admin_tokens = auth.login(LoginRequest(email=ADMIN[0], password=ADMIN[1]))
    admin = cw.AdminApi(session(base, admin_tokens.access_token))
    refused(lambda: cw.AdminApi(shopper).admin_protocol(), 403, "FORBIDDEN")
    check(any(o.id == order.id for o in admin.admin_list_orders(status="PAID").items), "the admin lists the PAID order")
    admin.ship_order(order.id, ShipRequest(carrier="UPS", tracking_no="1Z999AA10123456784"))
    check(orders.get_order(order.id).actual_instance.status == "SHIPPED", "the customer sees SHIPPED")
    check(orders.confirm_receipt(order.id).actual_instance.status == "RECEIVED", "receipt confirmed: RECEIVED")
    check(len(admin.admin_order_payments(order.id).items) == 1, "the admin sees the order's one payment")
    before = admin.get_stock(skus[0])
    after = admin.adjust_stock(skus[0], AdjustStockRequest(delta=3, reason="generated client restock"), idempotency_key=uuid.uuid4().hex)
    check(after.available == before.available + 3, "a stock adjustment adds 3 units")
    check(len(admin.admin_protocol().orders) > 0, "the protocol view counts orders by status")

    # Tokens: refresh rotates (reuse after the grace revokes the family: Go tests), and "log out everywhere" needs (and revokes) the access token.
    rotated = auth.refresh(RefreshTokenRequest(refresh_token=tokens.refresh_token))
    check(rotated.refresh_token != tokens.refresh_token, "a refresh rotates the refresh token")
    everywhere = session(base, rotated.access_token)
    cw.AuthApi(everywhere).logout_all()
    refused(lambda: cw.AccountApi(everywhere).get_me(), 401, "UNAUTHENTICATED")
    print("journey: every step passed")


if __name__ == "__main__":
    main(sys.argv[1])
