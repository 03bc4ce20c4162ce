// The storefront: catalog, cart, checkout, orders and account, on the public API only.
import { Session, anonymous, query, newKey } from "./api.js";
import {
  h, mount, money, when, attrs, showError, clearErrors, alertBox, notice, values, field, signInForm, Poller, Router, go,
} from "./ui.js";

const session = new Session("cartwheel.store.refresh");
const main = document.getElementById("view");
const PAGE_SIZE = 12;

const STATUS_TEXT = {
  PENDING: "Checking stock",
  AWAITING_PAYMENT: "Awaiting payment",
  PAID: "Paid",
  SHIPPED: "Shipped",
  RECEIVED: "Received",
  COMPLETED: "Completed",
  CANCELLED: "Cancelled",
  REFUNDED: "Refunded",
};
const CANCEL_TEXT = {
  OUT_OF_STOCK: "Out of stock: another customer took the last units before your order was confirmed. Nothing was charged.",
  PAYMENT_TIMEOUT: "The payment deadline passed, so the order was cancelled and its items released.",
  USER_CANCELLED: "You cancelled this order.",
};

const badge = (status) => h("span", { class: "badge", dataset: { status } }, STATUS_TEXT[status] || status);

// ---- header ----------------------------------------------------------------------

function renderAccountNav() {
  const nav = document.getElementById("account-nav");
  if (session.signedIn) {
    mount(nav,
      h("a", { href: "#/orders" }, "Orders"),
      h("a", { href: "#/account" }, session.user.name || "Account"),
      h("button", { type: "button", class: "link", onclick: async () => { await session.signOut(); go("#/"); } }, "Sign out"));
  } else {
    mount(nav, h("a", { href: "#/signin" }, "Sign in"), h("a", { href: "#/signup" }, "Create account"));
  }
}

document.getElementById("search-form").addEventListener("submit", (e) => {
  e.preventDefault();
  const q = new FormData(e.target).get("q").trim();
  go(`#/search${query({ q })}`);
});

// needSession sends a signed-out visitor to sign in, coming back here afterwards.
function needSession() {
  if (session.signedIn) return true;
  go(`#/signin${query({ next: location.hash })}`);
  return false;
}

// ---- catalog ---------------------------------------------------------------------

let categories = null;
async function loadCategories() {
  if (!categories) categories = (await anonymous("GET", "/categories")).items;
  return categories;
}

async function catalogView({ params, show }) {
  const q = params.get("q") || "";
  const category = params.get("category") || "";
  const sort = params.get("sort") || "newest";
  const token = params.get("token") || "";
  const pageNo = Number(params.get("page") || "1");
  const [cats, page] = await Promise.all([
    loadCategories(),
    anonymous("GET", `/products${query({ q, category, sort, page_size: PAGE_SIZE, page_token: token })}`),
  ]);
  const link = (over) => `#/search${query({ q, category, sort, ...over })}`;
  const sortForm = h("form", { class: "sort", "aria-label": "Sort" },
    field("Sort by", "sort", { tag: "select", options: [["newest", "Newest"], ["price_asc", "Price: low to high"], ["price_desc", "Price: high to low"]] }));
  sortForm.elements.sort.value = sort;
  sortForm.elements.sort.addEventListener("change", (e) => go(link({ sort: e.target.value })));
  const heading = q ? `Results for “${q}”` : category ? (cats.find((c) => c.id === category) || { name: "Category" }).name : "All products";
  show(
    h("nav", { class: "chips", "aria-label": "Categories" },
      h("a", { href: "#/", "aria-current": !category && !q ? "page" : false }, "All"),
      cats.map((c) => h("a", { href: `#/search${query({ category: c.id })}`, "aria-current": c.id === category ? "page" : false }, c.name))),
    h("div", { class: "row" }, h("h1", {}, heading), sortForm),
    page.items.length === 0
      ? notice(q ? "Nothing matches your search. Try fewer words." : "No products here yet.")
      : h("ul", { class: "grid", id: "products" }, page.items.map(productCard)),
    h("nav", { class: "pager", "aria-label": "Pages" },
      pageNo > 1 ? h("button", { type: "button", class: "link", onclick: () => history.back() }, "← Previous") : null,
      h("span", {}, `Page ${pageNo}`),
      page.next_page_token ? h("a", { href: link({ token: page.next_page_token, page: pageNo + 1 }), rel: "next" }, "Next →") : null),
  );
}

function lowestPrice(p) {
  return p.skus.reduce((lo, s) => (!lo || s.price.amount_cents < lo.amount_cents ? s.price : lo), null);
}

function productCard(p) {
  const stock = p.skus.reduce((n, s) => n + s.available, 0);
  return h("li", { class: "card" },
    h("a", { href: `#/product/${p.id}`, class: "card-link" }, h("span", { class: "card-title" }, p.name)),
    h("span", { class: "muted" }, p.category ? p.category.name : ""),
    h("span", { class: "price" }, p.skus.length > 1 ? `from ${money(lowestPrice(p))}` : money(lowestPrice(p))),
    h("span", { class: stock > 0 ? "stock" : "stock out" }, stock > 0 ? "In stock" : "Out of stock"));
}

async function productView({ args: [id], show, alive }) {
  let product = await anonymous("GET", `/products/${id}`);
  const box = alertBox();
  const form = h("form", { class: "buy", id: "buy-form" });
  const skuList = h("fieldset", { class: "skus" });
  const qty = h("input", { id: "qty", name: "quantity", type: "number", min: 1, max: 99, value: 1, inputmode: "numeric" });
  const add = h("button", { type: "submit", id: "add-to-cart" }, "Add to cart");
  const live = h("p", { class: "muted", "aria-live": "polite" });
  let chosen = (product.skus.find((s) => s.available > 0) || product.skus[0] || {}).sku;

  function renderSkus() {
    mount(skuList, h("legend", {}, "Choose an option"), product.skus.map((s) => {
      const rid = `sku-${s.sku}`;
      const input = h("input", { type: "radio", name: "sku", id: rid, value: s.sku, checked: s.sku === chosen, disabled: s.available <= 0 });
      input.addEventListener("change", () => { chosen = s.sku; renderChoice(); });
      return h("div", { class: "sku" }, input,
        h("label", { for: rid },
          h("span", {}, attrs(s.attributes)), " ",
          h("span", { class: "price" }, money(s.price)), " ",
          h("span", { class: s.available > 0 ? "stock" : "stock out", dataset: { sku: s.sku } },
            s.available > 0 ? `${s.available} available` : "Out of stock")));
    }));
  }
  function renderChoice() {
    const s = product.skus.find((x) => x.sku === chosen);
    const ok = s && s.available > 0;
    add.disabled = !ok;
    qty.max = ok ? Math.min(99, s.available) : 1;
  }
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    if (!needSession()) return;
    clearErrors(form);
    box.hidden = true;
    add.disabled = true;
    try {
      await session.call("PUT", `/cart/items/${encodeURIComponent(chosen)}`, { body: { quantity: Number(qty.value) } });
      mount(box, h("span", {}, "Added to your cart. "), h("a", { href: "#/cart" }, "View cart"));
      box.hidden = false;
      box.className = "alert ok";
      refreshCartCount();
    } catch (err) {
      box.className = "alert";
      showError(box, err, form);
    } finally {
      renderChoice();
    }
  });
  renderSkus();
  renderChoice();
  mount(form, skuList, h("div", { class: "field inline" }, h("label", { for: "qty" }, "Quantity"), qty), add);
  show(
    h("p", {}, h("a", { href: product.category ? `#/search${query({ category: product.category.id })}` : "#/" }, `← ${product.category ? product.category.name : "Shop"}`)),
    h("article", { class: "product" },
      h("h1", {}, product.name),
      h("p", {}, product.description),
      box, form, live));
  // Availability is live: others buy while this page is open.
  const poll = new Poller(async () => {
    if (!alive()) return 0;
    const fresh = await anonymous("GET", `/products/${id}`);
    const changed = JSON.stringify(fresh.skus) !== JSON.stringify(product.skus);
    product = fresh;
    if (changed) {
      renderSkus();
      renderChoice();
      mount(live, `Availability updated ${new Date().toLocaleTimeString()}.`);
    }
    return 4000;
  }, 4000);
  return () => poll.stop();
}

// ---- cart and checkout -----------------------------------------------------------

async function refreshCartCount() {
  const el = document.getElementById("cart-count");
  if (!session.signedIn) { el.textContent = ""; return; }
  try {
    const cart = await session.call("GET", "/cart");
    const n = cart.lines.reduce((a, l) => a + l.quantity, 0);
    el.textContent = n ? `(${n})` : "";
  } catch { el.textContent = ""; }
}

async function cartView({ show }) {
  if (!needSession()) return;
  const box = alertBox();
  const body = h("div", { id: "cart" });
  async function render() {
    const cart = await session.call("GET", "/cart");
    refreshCartCount();
    if (cart.lines.length === 0) {
      mount(body, notice("Your cart is empty."), h("a", { href: "#/" }, "Continue shopping"));
      return;
    }
    mount(body,
      h("table", { class: "lines" },
        h("thead", {}, h("tr", {}, h("th", { scope: "col" }, "Item"), h("th", { scope: "col" }, "Price"), h("th", { scope: "col" }, "Quantity"), h("th", { scope: "col" }, h("span", { class: "sr-only" }, "Remove")))),
        h("tbody", {}, cart.lines.map((l) => {
          const q = h("input", { type: "number", min: 1, max: 99, value: l.quantity, name: "quantity", "aria-label": `Quantity of ${l.name}`, class: "qty" });
          q.addEventListener("change", () => update(l.sku, { method: "PUT", body: { quantity: Number(q.value) } }, q));
          return h("tr", { dataset: { sku: l.sku } },
            h("td", {}, h("span", {}, l.name), h("br"), h("small", { class: "muted" }, l.sku)),
            h("td", {}, money(l.price)),
            h("td", {}, q),
            h("td", {}, h("button", { type: "button", class: "link", onclick: () => update(l.sku, { method: "DELETE" }) }, "Remove")));
        }))),
      h("p", { class: "total" }, "Total ", h("strong", { id: "cart-total" }, money(cart.total))),
      h("a", { href: "#/checkout", class: "button", id: "go-checkout" }, "Checkout"));
  }
  async function update(sku, { method, body }, input) {
    box.hidden = true;
    try {
      await session.call(method, `/cart/items/${encodeURIComponent(sku)}`, body ? { body } : {});
      await render();
    } catch (err) {
      showError(box, err, input ? input.closest("tr") : null);
    }
  }
  await render();
  show(h("h1", {}, "Your cart"), box, body);
}

async function checkoutView({ show }) {
  if (!needSession()) return;
  const [cart, book] = await Promise.all([session.call("GET", "/cart"), session.call("GET", "/me/addresses")]);
  if (cart.lines.length === 0) {
    show(h("h1", {}, "Checkout"), notice("Your cart is empty."), h("a", { href: "#/" }, "Continue shopping"));
    return;
  }
  const box = alertBox();
  // One idempotency key per attempt: a double click or a retry after a lost answer
  // sends the same key and gets the same order; a changed address is a new attempt.
  let key = newKey();
  let placing = false;
  const choose = h("fieldset", { class: "addresses" }, h("legend", {}, "Ship to"),
    book.items.map((a, i) => {
      const id = `addr-${a.id}`;
      const r = h("input", { type: "radio", name: "address_id", id, value: a.id, checked: i === 0 });
      r.addEventListener("change", () => { key = newKey(); });
      return h("div", { class: "sku" }, r, h("label", { for: id }, addressLine(a)));
    }));
  const place = h("button", { type: "submit", id: "place-order" }, "Place order");
  const form = h("form", { id: "checkout-form" }, choose, place);
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    if (placing) return;
    const address = values(form).address_id;
    if (!address) { showError(box, { message: "Add an address to ship to first.", details: [] }); return; }
    placing = true;
    place.disabled = true;
    box.hidden = true;
    try {
      const order = await session.call("POST", "/orders", { body: { from_cart: true, address_id: address }, headers: { "Idempotency-Key": key } });
      refreshCartCount();
      go(`#/orders/${order.id}`);
    } catch (err) {
      // A refused request is final for its key; a lost answer (network, 5xx) is
      // retried with the same key, which cannot make a second order.
      if (err.status >= 400 && err.status < 500) key = newKey();
      showError(box, err, form);
      placing = false;
      place.disabled = false;
    }
  });
  show(
    h("h1", {}, "Checkout"),
    h("ul", { class: "summary" }, cart.lines.map((l) => h("li", {}, `${l.quantity} × ${l.name} — ${money(l.price)}`))),
    h("p", { class: "total" }, "Total ", h("strong", {}, money(cart.total))),
    box,
    book.items.length ? form : h("div", {}, notice("You have no address yet."), addressForm(() => go("#/checkout"))),
  );
}

const addressLine = (a) => [a.recipient, a.line1, a.line2, `${a.postal_code} ${a.city}`, a.region, a.country].filter(Boolean).join(", ");

function addressForm(onSaved) {
  const box = alertBox();
  const form = h("form", { id: "address-form", class: "stack" },
    h("h2", {}, "New address"),
    box,
    field("Recipient", "recipient", { autocomplete: "name", required: true }),
    field("Address line 1", "line1", { autocomplete: "address-line1", required: true }),
    field("Address line 2", "line2", { autocomplete: "address-line2" }),
    field("City", "city", { autocomplete: "address-level2", required: true }),
    field("Region", "region", { autocomplete: "address-level1" }),
    field("Postal code", "postal_code", { autocomplete: "postal-code", required: true }),
    field("Country (2 letters)", "country", { autocomplete: "country", required: true, maxlength: 2, value: "US" }),
    field("Phone", "phone", { type: "tel", autocomplete: "tel" }),
    h("button", { type: "submit" }, "Save address"));
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    try {
      await session.call("POST", "/me/addresses", { body: values(form) });
      onSaved();
    } catch (err) {
      showError(box, err, form);
    }
  });
  return form;
}

// ---- orders ----------------------------------------------------------------------

async function ordersView({ params, show }) {
  if (!needSession()) return;
  const token = params.get("token") || "";
  const pageNo = Number(params.get("page") || "1");
  const page = await session.call("GET", `/orders${query({ page_token: token, page_size: 10 })}`);
  show(
    h("h1", {}, "Your orders"),
    page.items.length === 0 ? notice("No orders yet.") : h("ul", { class: "orders", id: "orders" }, page.items.map((o) =>
      h("li", { class: "card", dataset: { order: o.id } },
        h("a", { href: `#/orders/${o.id}`, class: "card-link" }, `Order of ${when(o.created_at)}`),
        badge(o.status),
        h("span", { class: "price" }, money(o.total)),
        h("span", { class: "muted" }, o.lines.map((l) => `${l.quantity} × ${l.name}`).join(", "))))),
    h("nav", { class: "pager", "aria-label": "Pages" },
      pageNo > 1 ? h("button", { type: "button", class: "link", onclick: () => history.back() }, "← Previous") : null,
      h("span", {}, `Page ${pageNo}`),
      page.next_page_token ? h("a", { href: `#/orders${query({ token: page.next_page_token, page: pageNo + 1 })}` }, "Next →") : null),
  );
}

// How often the order page asks again, by status: quickly while the protocol is
// settling, slowly while waiting for a person (payment, shipping), never once final.
const POLL_MS = { PENDING: 700, AWAITING_PAYMENT: 2000, PAID: 2000, SHIPPED: 4000, RECEIVED: 10000 };

async function orderView({ args: [id], show, alive }) {
  if (!needSession()) return;
  let order = await session.call("GET", `/orders/${id}`);
  let payment = null;
  const box = alertBox();
  const statusEl = h("div", { id: "order-status", "aria-live": "polite" });
  const actions = h("div", { class: "actions" });
  const details = h("div");
  const countdown = h("p", { id: "countdown", class: "countdown", hidden: true });

  function render() {
    const o = order;
    mount(statusEl,
      h("p", { class: "status-line" }, "Status: ", badge(o.status)),
      o.status === "PENDING" ? notice("We are reserving your items. This takes a moment.") : null,
      o.status === "CANCELLED" ? h("p", { class: "cancel-reason", id: "cancel-reason" }, CANCEL_TEXT[o.cancel_reason] || `Cancelled (${o.cancel_reason}).`) : null,
      o.shipment ? h("p", { id: "shipment" }, `Shipped ${when(o.shipment.shipped_at)} with ${o.shipment.carrier}, tracking number ${o.shipment.tracking_no}.`) : null);
    mount(details,
      h("table", { class: "lines" },
        h("thead", {}, h("tr", {}, h("th", { scope: "col" }, "Item"), h("th", { scope: "col" }, "Quantity"), h("th", { scope: "col" }, "Price"))),
        h("tbody", {}, o.lines.map((l) => h("tr", {}, h("td", {}, l.name, h("br"), h("small", { class: "muted" }, l.sku)), h("td", {}, l.quantity), h("td", {}, money(l.unit_price)))))),
      h("p", { class: "total" }, "Total ", h("strong", {}, money(o.total))),
      h("p", { class: "muted" }, `Ship to ${addressLine(o.address)}`),
      h("p", { class: "muted" }, `Placed ${when(o.created_at)}`));
    renderActions();
  }

  function renderActions() {
    const o = order;
    const list = [];
    if (o.status === "AWAITING_PAYMENT") {
      if (!payment) {
        list.push(h("button", { type: "button", id: "pay", onclick: (e) => act(e.target, startPayment) }, "Pay now"));
      } else {
        list.push(h("div", { class: "sandbox", id: "sandbox" },
          h("h2", {}, "Sandbox checkout"),
          h("p", {}, `This test payment provider charges nothing. Amount: ${money(payment.amount)}.`),
          payment.status === "PENDING" && payment.completing
            ? notice("Payment sent. Waiting for the shop to confirm it…")
            : h("button", { type: "button", id: "complete-payment", onclick: (e) => act(e.target, completePayment) }, `Pay ${money(payment.amount)}`)));
      }
      list.push(h("button", { type: "button", class: "secondary", id: "cancel-order", onclick: (e) => act(e.target, cancelOrder) }, "Cancel order"));
    }
    if (o.status === "SHIPPED") {
      list.push(h("button", { type: "button", id: "confirm-receipt", onclick: (e) => act(e.target, confirmReceipt) }, "I received it"));
    }
    mount(actions, list);
  }

  async function act(button, fn) {
    button.disabled = true;
    box.hidden = true;
    try {
      await fn();
    } catch (err) {
      showError(box, err);
      button.disabled = false;
    }
  }
  async function startPayment() {
    payment = await session.call("POST", `/orders/${id}/payments`);
    renderActions();
    const next = document.getElementById("complete-payment");
    if (next) next.focus();
  }
  async function completePayment() {
    payment = await session.call("POST", `/sandbox/payments/${payment.id}/complete`);
    payment.completing = true;
    renderActions();
  }
  async function cancelOrder() {
    order = await session.call("POST", `/orders/${id}/cancel`);
    render();
  }
  async function confirmReceipt() {
    order = await session.call("POST", `/orders/${id}/confirm-receipt`);
    render();
  }

  function tickCountdown() {
    const show = order.status === "AWAITING_PAYMENT" && order.payment_deadline;
    countdown.hidden = !show;
    if (!show) return;
    const left = Math.max(0, Math.floor((Date.parse(order.payment_deadline) - Date.now()) / 1000));
    const mm = Math.floor(left / 60), ss = String(left % 60).padStart(2, "0");
    countdown.textContent = left > 0 ? `Pay within ${mm}:${ss} or the order is cancelled.` : "The payment deadline has passed.";
  }

  render();
  tickCountdown();
  show(h("p", {}, h("a", { href: "#/orders" }, "← Your orders")), h("h1", {}, "Order"), box, statusEl, countdown, actions, details);
  const clock = setInterval(tickCountdown, 1000);
  // The order moves on its own (stock settles, payment lands, the shop ships): follow it.
  const poll = new Poller(async () => {
    if (!alive()) return 0;
    const fresh = await session.call("GET", `/orders/${id}`);
    if (fresh.status !== order.status || fresh.updated_at !== order.updated_at) {
      order = fresh;
      if (order.status !== "AWAITING_PAYMENT") payment = null;
      render();
      tickCountdown();
    }
    return POLL_MS[order.status] || 0;
  }, POLL_MS[order.status] || 0);
  return [() => poll.stop(), () => clearInterval(clock)];
}

// ---- account ---------------------------------------------------------------------

async function accountView({ show }) {
  if (!needSession()) return;
  const list = h("ul", { class: "addresses", id: "addresses" });
  const box = alertBox();
  async function render() {
    const book = await session.call("GET", "/me/addresses");
    mount(list, book.items.length ? book.items.map((a) => h("li", {}, h("span", {}, addressLine(a)), " ",
      h("button", { type: "button", class: "link", "aria-label": `Delete address ${addressLine(a)}`, onclick: async () => {
        try { await session.call("DELETE", `/me/addresses/${a.id}`); await render(); } catch (err) { showError(box, err); }
      } }, "Delete"))) : h("li", {}, "No addresses yet."));
  }
  await render();
  const form = addressForm(async () => { form.reset(); await render(); });
  show(
    h("h1", {}, "Your account"),
    h("p", {}, `${session.user.name} <${session.user.email}>`),
    h("h2", {}, "Addresses"), box, list, form);
}

function signInView({ params, show }) {
  const next = params.get("next") || "#/";
  const form = signInForm(session, () => { refreshCartCount(); go(next); });
  show(h("h1", {}, "Sign in"), form, h("p", {}, "New here? ", h("a", { href: `#/signup${query({ next })}` }, "Create an account")));
  form.elements.email.focus();
}

function signUpView({ params, show }) {
  const next = params.get("next") || "#/";
  const box = alertBox();
  const form = h("form", { id: "signup-form", class: "stack narrow" },
    box,
    field("Name", "name", { autocomplete: "name", required: true }),
    field("Email", "email", { type: "email", autocomplete: "email", required: true }),
    field("Password (at least 10 characters)", "password", { type: "password", autocomplete: "new-password", required: true, minlength: 10 }),
    h("button", { type: "submit" }, "Create account"));
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    const v = values(form);
    try {
      await anonymous("POST", "/auth/register", { body: v });
      await session.signIn(v.email, v.password);
      go(next);
    } catch (err) {
      showError(box, err, form);
    }
  });
  show(h("h1", {}, "Create an account"), form);
  form.elements.name.focus();
}

// ---- start -----------------------------------------------------------------------

const router = new Router(main, [
  [/^\/$/, catalogView],
  [/^\/search$/, catalogView],
  [/^\/product\/([^/]+)$/, productView],
  [/^\/cart$/, cartView],
  [/^\/checkout$/, checkoutView],
  [/^\/orders$/, ordersView],
  [/^\/orders\/([^/]+)$/, orderView],
  [/^\/account$/, accountView],
  [/^\/signin$/, signInView],
  [/^\/signup$/, signUpView],
], ({ show }) => show(h("h1", {}, "Not found"), h("p", {}, h("a", { href: "#/" }, "Back to the shop"))));

session.onChange(() => { renderAccountNav(); refreshCartCount(); });
renderAccountNav();
await session.restore();
document.body.dataset.ready = "true";
router.run();
