//go:build browser

package browser

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

const password = "correct-horse-9"

func (a *actor) signUp(name, email string) {
	a.b.t.Helper()
	a.open("/#/signup")
	a.fill("#signup-form", "name", name, "email", email, "password", password)
	a.click("#signup-form button[type=submit]")
	// Signed in, and the page it goes to next is shown: typing into the header's search
	// box before then races the new view, which takes the focus when it renders.
	a.waitFor("signed in", `!!document.querySelector('#account-nav a[href="#/account"]') && !document.querySelector("#signup-form") && !!document.querySelector("main h1")`)
}

func (a *actor) search(q string) {
	a.b.t.Helper()
	a.fill("#search-form", "q", q+"\n")
	a.waitText("main h1", "Results for")
	a.waitFor("results listed", `document.querySelectorAll("#products .card").length > 0`)
}

// addToCart picks a SKU on the product page and adds one; the cart badge shows count.
func (a *actor) addToCart(sku string, count int) {
	a.b.t.Helper()
	a.click(fmt.Sprintf(`label[for="sku-%s"]`, sku))
	a.click("#add-to-cart")
	a.waitText("#cart-count", fmt.Sprintf("(%d)", count))
}

// toCheckout goes from the cart to a checkout form ready to place, adding an address
// on the way when the customer has none.
func (a *actor) toCheckout() {
	a.b.t.Helper()
	a.click("#cart-link")
	a.waitFor("cart shown", `!!document.querySelector("#go-checkout")`)
	a.click("#go-checkout")
	a.waitFor("checkout shown", `!!document.querySelector("#checkout-form, #address-form")`)
	if a.eval(`document.querySelector("#address-form") ? "yes" : "no"`) == "yes" {
		a.fill("#address-form", "recipient", a.name, "line1", "1 Main St", "city", "Springfield", "postal_code", "12345")
		a.click("#address-form button[type=submit]")
		a.waitFor("address saved", `!!document.querySelector("#checkout-form")`)
	}
}

// orderID is the id of the order page shown.
func (a *actor) orderID() string {
	a.b.t.Helper()
	a.waitFor("order page", `location.hash.startsWith("#/orders/") && !!document.querySelector("#order-status .badge")`)
	return strings.TrimPrefix(a.eval(`location.hash`), "#/orders/")
}

func (a *actor) waitStatus(status string) {
	a.b.t.Helper()
	a.waitFor("order "+status, fmt.Sprintf(`!!document.querySelector('#order-status .badge[data-status="%s"]')`, status))
}

func (a *actor) noHorizontalScroll(where string) {
	a.b.t.Helper()
	if got := a.eval(`String(document.documentElement.scrollWidth <= window.innerWidth)`); got != "true" {
		a.shot("overflow-" + where)
		a.b.t.Errorf("%s: %s is wider than the screen (%s)", a.name, where,
			a.eval(`document.documentElement.scrollWidth + " > " + window.innerWidth`))
	}
}

func (a *actor) adminSignIn() {
	a.b.t.Helper()
	a.open("/admin/")
	a.fill("#signin-form", "email", adminEmail, "password", adminPassword)
	a.click("#signin-form button[type=submit]")
	a.waitFor("protocol view", `document.querySelectorAll("#order-counts li").length === 8`)
}

// A customer signs up, finds a product by search, adds two of its SKUs, checks out,
// pays in the sandbox and sees PAID; an admin ships it from the console and the
// customer's open order page shows the shipment without a reload.
//
// Access tokens last one minute here (the shortest the gateway allows), so the page's
// quiet renewal, 30 s before expiry, happens during the journey.
func TestCustomerBuysPaysAndSeesTheShipment(t *testing.T) {
	url := startShop(t, "GATEWAY_ACCESS_TTL", "1m")
	b := newBrowser(t, url)
	ann := b.actor("ann")

	ann.open("/")
	ann.waitFor("catalog", `document.querySelectorAll("#products .card").length > 0`)
	ann.shot("storefront")
	ann.click(`.chips a:nth-child(5)`) // Tea
	ann.waitText("main h1", "Tea")
	ann.waitFor("the two teas", `document.querySelectorAll("#products .card").length === 2`)
	ann.do("sort by price", chromedp.SetValue(chromedp.CSS(`form.sort [name="sort"]`), "price_desc"))
	ann.waitFor("dearest first", `location.hash.includes("sort=price_desc") && document.querySelector("#products .card .card-title").textContent === "Sencha Asanoka"`)
	ann.shot("category-by-price")
	ann.signUp("Ann", "ann@example.com")
	ann.search("Earl Grey")
	ann.shot("search")
	ann.click("#products .card-link")
	ann.waitFor("product page", `!!document.querySelector("#buy-form")`)
	ann.addToCart("TEA-EGR-100G", 1)
	ann.addToCart("TEA-EGR-250G", 2)
	ann.shot("product")
	// A bad postal code: the page shows the envelope's sentence and marks the field
	// named in details, then the corrected address goes through.
	ann.click("#cart-link")
	ann.waitFor("cart shown", `!!document.querySelector("#go-checkout")`)
	ann.click("#go-checkout")
	ann.waitFor("address form", `!!document.querySelector("#address-form")`)
	ann.fill("#address-form", "recipient", "Ann", "line1", "1 Main St", "city", "Springfield", "postal_code", "!!")
	ann.expectError("POST", "/api/v1/me/addresses", 400)
	ann.click("#address-form button[type=submit]")
	ann.waitFor("field marked", `document.querySelector('#address-form [name="postal_code"]').getAttribute("aria-invalid") === "true"`)
	ann.waitFor("reason beside it", `!!document.querySelector('#address-form [name="postal_code"] + .field-error')`)
	if msg := ann.eval(`document.querySelector("#address-form .alert").textContent`); msg == "" {
		t.Error("no error sentence shown")
	}
	ann.shot("address-error")
	ann.toCheckout()
	ann.shot("checkout")
	ann.click("#place-order")
	id := ann.orderID()
	ann.waitStatus("AWAITING_PAYMENT")
	ann.waitText("#countdown", "Pay within")
	ann.shot("awaiting-payment")
	ann.click("#pay")
	ann.waitFor("sandbox checkout", `!!document.querySelector("#complete-payment")`)
	ann.shot("sandbox")
	ann.click("#complete-payment")
	ann.waitStatus("PAID")
	ann.shot("paid")

	admin := b.actor("admin")
	admin.adminSignIn()
	admin.waitText(`#order-counts li[data-status="PAID"] .n`, "1")
	// The dev fleet's broker counted the protocol's messages (created, reserved, paid...).
	admin.waitFor("message counters", `Number(document.querySelector('[data-counter="acked"] .n').textContent) > 0`)
	admin.shot("protocol")
	admin.click(`#order-counts li[data-status="PAID"] a`)
	admin.click(fmt.Sprintf(`#orders tr[data-order="%s"] a`, id))
	// The order's money side: the sandbox payment, captured.
	admin.waitFor("payment listed", `!!document.querySelector('#payments .badge[data-status="SUCCEEDED"]')`)
	admin.fill("#ship-form", "carrier", "DHL", "tracking_no", "TRACK-0001")
	admin.click("#ship-form button[type=submit]")
	admin.waitFor("shipped", `!!document.querySelector('main .badge[data-status="SHIPPED"]')`)
	admin.shot("shipped")

	ann.waitText("#shipment", "TRACK-0001") // the same page, never reloaded
	ann.waitStatus("SHIPPED")
	ann.shot("sees-shipment")
	ann.click("#confirm-receipt")
	ann.waitStatus("RECEIVED")
	// The open order page keeps polling across the token's renewal without one
	// refused request (any 401 would fail the test).
	ann.waitRequests("POST", "/auth/refresh", 1, 45*time.Second)
	polls := len(ann.apiRequests("GET", "/orders/"+id))
	ann.waitRequests("GET", "/orders/"+id, polls+2, stepTimeout)
	// A reload keeps the customer signed in: the access token lived in memory only, so
	// the page trades this tab's refresh token for a new one, quietly.
	ann.do("reload", chromedp.Reload())
	ann.waitStatus("RECEIVED")
	ann.waitRequests("POST", "/auth/refresh", 2, stepTimeout)
	if n := len(ann.apiRequests("POST", "/orders")); n != 1 {
		t.Errorf("ann sent %d order requests, want 1", n)
	}
}

// The admin leaves one hand grinder in stock; two customers each put it in their cart.
// The first to check out gets it: the second's open product page shows it sold out
// without a reload, and her checkout is refused at once by the stock gate, with the
// API's sentence naming the SKU and no order made.
func TestSecondCustomerLosesTheLastUnit(t *testing.T) {
	url := startShop(t)
	b := newBrowser(t, url)

	admin := b.actor("admin")
	admin.adminSignIn()
	// A new category and a product in it, with stock from its first delivery.
	admin.click(`#sections a[href="#/categories"]`)
	admin.fill("#category-form", "name", "Cocoa")
	admin.click("#category-form button[type=submit]")
	admin.waitText("#categories", "Cocoa")
	admin.click(`#sections a[href="#/products"]`)
	admin.waitFor("product form", `!!document.querySelector("#product-form")`)
	admin.fill("#product-form", "name", "Drinking Chocolate", "description", "Dutch cocoa and cane sugar.",
		"skus[0].sku", "COCOA-DRINK-250G", "skus[0].attributes", "weight=250 g", "skus[0].price", "7.50")
	admin.eval(`(() => { const s = document.querySelector('#product-form [name="category_id"]');
		s.value = [...s.options].find((o) => o.text === "Cocoa").value; return s.value; })()`)
	admin.click("#product-form button[type=submit]")
	admin.waitText(`.figures[data-sku="COCOA-DRINK-250G"]`, "0 available")
	admin.fill(`form[data-sku="COCOA-DRINK-250G"]`, "delta", "24", "reason", "first delivery")
	admin.click(`form[data-sku="COCOA-DRINK-250G"] button[type=submit]`)
	admin.waitText(`.figures[data-sku="COCOA-DRINK-250G"]`, "24 available")
	admin.shot("new-product")

	admin.click(`#sections a[href="#/products"]`)
	admin.search2("Hand Grinder")
	admin.waitText(`.figures[data-sku="GEAR-GRINDER-HAND"]`, "3 available")
	admin.fill(`form[data-sku="GEAR-GRINDER-HAND"]`, "delta", "-2", "reason", "stock count")
	admin.click(`form[data-sku="GEAR-GRINDER-HAND"] button[type=submit]`)
	admin.waitText(`.figures[data-sku="GEAR-GRINDER-HAND"]`, "1 available")
	admin.shot("stock-adjusted")

	bob, cat := b.actor("bob"), b.actor("cat")
	for _, c := range []*actor{bob, cat} {
		c.signUp(strings.ToUpper(c.name[:1])+c.name[1:], c.name+"@example.com")
		c.search("grinder")
		c.click("#products .card-link")
		c.waitText(`.stock[data-sku="GEAR-GRINDER-HAND"]`, "1 available")
		c.addToCart("GEAR-GRINDER-HAND", 1)
	}
	bob.toCheckout()
	bob.click("#place-order")
	bob.orderID()
	bob.waitStatus("AWAITING_PAYMENT")
	bob.shot("got-it")
	// Cat's product page, open all along, follows the stock: the grinder is gone.
	cat.waitFor("sold out shown live", `!!document.querySelector('.stock.out[data-sku="GEAR-GRINDER-HAND"]')`)
	cat.shot("sold-out-live")
	cat.toCheckout()
	cat.expectError("POST", "/api/v1/orders", http.StatusConflict)
	cat.click("#place-order")
	cat.waitText(`main [role="alert"]`, "not enough stock")
	cat.waitText(`main [role="alert"]`, "GEAR-GRINDER-HAND")
	cat.shot("out-of-stock")
	if n := len(cat.apiRequests("POST", "/orders")); n != 1 {
		t.Errorf("cat sent %d order requests, want 1", n)
	}
}

// search2 finds a product with the console's own search box and opens it.
func (a *actor) search2(name string) {
	a.b.t.Helper()
	a.waitFor("products page", `!!document.querySelector("#products")`)
	a.fill(`form[role=search]`, "q", name+"\n")
	a.waitFor("found", fmt.Sprintf(`(() => { const links = document.querySelectorAll("#products tbody a"); return links.length === 1 && links[0].textContent === %s; })()`, jsString(name)))
	a.click(`#products tbody a`)
	a.waitFor("stock cards", `!!document.querySelector(".figures")`)
}

// A double click on "Place order" makes one order.
func TestDoubleClickedCheckoutMakesOneOrder(t *testing.T) {
	url := startShop(t)
	b := newBrowser(t, url)
	dan := b.actor("dan")
	dan.signUp("Dan", "dan@example.com")
	dan.search("Colombia")
	dan.click("#products .card-link")
	dan.addToCart("COF-COL-250G", 1)
	dan.toCheckout()
	dan.do("double click place order", chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		nodes, err := chromedp.Nodes(chromedp.CSS("#place-order"))(ctx, tg)
		if err != nil {
			return err
		}
		// A person's double click: two presses, the second with click count 2.
		if _, err := chromedp.MouseClickNode(nodes[0])(ctx, tg); err != nil {
			return err
		}
		_, err = chromedp.MouseClickNode(nodes[0], chromedp.ClickCount(2))(ctx, tg)
		return err
	}))
	dan.orderID()
	dan.waitStatus("AWAITING_PAYMENT")
	dan.click(`#account-nav a[href="#/orders"]`)
	dan.waitFor("history", `!!document.querySelector("#orders")`)
	dan.shot("one-order")
	if n := dan.eval(`String(document.querySelectorAll("#orders li").length)`); n != "1" {
		t.Errorf("order history lists %s orders, want 1", n)
	}
	var all struct {
		Items []json.RawMessage `json:"items"`
	}
	if err := json.Unmarshal(api(t, url, "GET", "/admin/orders", adminToken(t, url), nil), &all); err != nil {
		t.Fatal(err)
	}
	if len(all.Items) != 1 {
		t.Errorf("the shop holds %d orders, want 1", len(all.Items))
	}
	posts := dan.apiRequests("POST", "/orders")
	keys := map[string]bool{}
	for _, r := range posts {
		keys[fmt.Sprint(r.Headers["Idempotency-Key"])] = true
	}
	t.Logf("the double click sent %d order request(s) with %d idempotency key(s)", len(posts), len(keys))
	if len(posts) == 0 || len(keys) != 1 || keys["<nil>"] {
		t.Errorf("order requests %d with keys %v; want one key on every attempt", len(posts), keys)
	}
}

// On a phone-sized screen, with the keyboard alone: find a product, see a sold-out
// option, sign up and fill the cart, with nothing wider than the screen.
func TestPhoneSizedScreenAndKeyboard(t *testing.T) {
	url := startShop(t)
	b := newBrowser(t, url)
	eve := b.actor("eve", chromedp.EmulateViewport(390, 844, chromedp.EmulateScale(2), chromedp.EmulateMobile))

	eve.open("/")
	eve.waitFor("catalog", `document.querySelectorAll("#products .card").length > 0`)
	eve.noHorizontalScroll("catalog")
	eve.shot("phone-catalog")
	eve.do("tab to search", chromedp.KeyEvent(kb.Tab), chromedp.KeyEvent(kb.Tab), chromedp.KeyEvent(kb.Tab))
	if got := eve.eval(`document.activeElement.id`); got != "q" {
		t.Fatalf("three tabs focus %q, want the search box", got)
	}
	eve.do("type a search", chromedp.KeyEvent("kettle"+kb.Enter))
	eve.waitText("main h1", "Results for")
	eve.do("open the result", chromedp.Focus(chromedp.CSS("#products .card-link")), chromedp.KeyEvent(kb.Enter))
	eve.waitFor("sold-out option", `!!document.querySelector('.stock.out[data-sku="GEAR-KETTLE-STEEL"]')`)
	if got := eve.eval(`String(document.querySelector("#sku-GEAR-KETTLE-STEEL").disabled)`); got != "true" {
		t.Errorf("the sold-out option can be chosen")
	}
	eve.noHorizontalScroll("product")
	eve.shot("phone-product")
	eve.product = eve.eval(`location.hash`)

	eve.open("/#/signup")
	eve.waitFor("sign-up form", `document.activeElement && document.activeElement.name === "name"`)
	eve.do("sign up by keyboard", chromedp.KeyEvent("Eve"+kb.Tab+"eve@example.com"+kb.Tab+password+kb.Enter))
	eve.waitFor("signed in", `!!document.querySelector('#account-nav a[href="#/account"]')`)
	eve.open("/" + eve.product)
	eve.waitFor("product page", `!!document.querySelector("#add-to-cart:not([disabled])")`)
	eve.do("add by keyboard", chromedp.Focus(chromedp.CSS("#add-to-cart")), chromedp.KeyEvent(kb.Enter))
	eve.waitText("#cart-count", "(1)")
	eve.click("#cart-link")
	eve.waitFor("cart", `!!document.querySelector("#go-checkout")`)
	eve.noHorizontalScroll("cart")
	eve.shot("phone-cart")
}
