// The admin console: the protocol at work, orders and shipping, products, categories
// and stock. It uses the public /api/v1 API with an admin's token, nothing else.
import { Session, anonymous, query, newKey } from "./api.js";
import {
  h, mount, money, decimal, toCents, when, attrs, showError, clearErrors, alertBox, notice, values, field, signInForm, Poller, Router, go,
} from "./ui.js";

const session = new Session("cartwheel.admin.refresh");
const main = document.getElementById("view");
const STATUSES = ["PENDING", "AWAITING_PAYMENT", "PAID", "SHIPPED", "RECEIVED", "COMPLETED", "CANCELLED", "REFUNDED"];
const badge = (status) => h("span", { class: "badge", dataset: { status } }, status);

function renderAccountNav() {
  const nav = document.getElementById("account-nav");
  mount(nav, session.signedIn
    ? [h("span", {}, session.user.email), h("button", { type: "button", class: "link", onclick: async () => { await session.signOut(); go("#/"); } }, "Sign out")]
    : []);
}

function markSection(path) {
  for (const a of document.querySelectorAll("#sections a")) {
    const target = a.getAttribute("href").slice(1);
    const current = target === "/" ? path === "/" : path.startsWith(target);
    if (current) a.setAttribute("aria-current", "page"); else a.removeAttribute("aria-current");
  }
}

// guard wraps a view: signed-out visitors get the sign-in form, customers a refusal.
const guard = (view) => async (ctx) => {
  markSection(ctx.path);
  if (!session.signedIn) return signInView(ctx);
  if (session.user.role !== "admin") {
    ctx.show(h("h1", {}, "Admins only"), h("p", {}, `${session.user.email} is not an admin account.`));
    return undefined;
  }
  return view(ctx);
};

function signInView({ show }) {
  const form = signInForm(session, () => go(location.hash || "#/"));
  show(h("h1", {}, "Sign in to the console"), form);
  form.elements.email.focus();
}

// ---- protocol --------------------------------------------------------------------

const COUNTER_TEXT = {
  committed: "Messages made visible to consumers: plain sends and committed half messages.",
  rolled_back: "Half messages discarded: their local transaction did not commit.",
  check_backs: "Times the broker asked a producer whether a transaction committed.",
  acked: "Deliveries handled successfully by a consumer.",
  failed: "Deliveries whose handler failed (each is retried).",
  dead_lettered: "Deliveries given up after the last allowed attempt.",
};

function protocolView({ show, alive }) {
  const box = alertBox();
  const orders = h("ul", { class: "stats", id: "order-counts" });
  const waiting = h("div", { id: "waiting" });
  const messages = h("div", { id: "messages" });
  const asOf = h("p", { class: "muted", "aria-live": "off" });
  show(
    h("h1", {}, "The protocol, live"),
    h("p", {}, "Orders move PENDING → AWAITING_PAYMENT (stock reserved) or CANCELLED (out of stock), then PAID, SHIPPED, RECEIVED, COMPLETED. Counts refresh every two seconds."),
    box, asOf,
    h("h2", {}, "Orders by status"), orders,
    h("h2", {}, "Waiting to settle (PENDING)"), waiting,
    h("h2", {}, "Messages"), messages);
  const poll = new Poller(async () => {
    if (!alive()) return 0;
    try {
      const p = await session.call("GET", "/admin/protocol");
      box.hidden = true;
      mount(asOf, `As of ${when(p.as_of)}.`);
      mount(orders, p.orders.map((s) => h("li", { dataset: { status: s.status } },
        h("a", { href: `#/orders${query({ status: s.status })}` }, badge(s.status)),
        h("span", { class: "n" }, s.at_least ? `${s.count}+` : String(s.count)))));
      mount(waiting, p.waiting_to_settle.length === 0
        ? notice("No order is waiting for its stock to settle.")
        : h("ul", {}, p.waiting_to_settle.map((o) => h("li", {}, h("a", { href: `#/orders/${o.id}` }, o.id), ` — placed ${when(o.created_at)}`))));
      if (!p.messages) {
        mount(messages, notice("This gateway does not share a process with the message broker, so it has no message figures. Each service reports its own on its admin listener's /metrics."));
      } else {
        const m = p.messages;
        mount(messages,
          h("p", { class: "muted" }, `Counters of ${m.source}.`),
          h("ul", { class: "stats" }, Object.keys(COUNTER_TEXT).map((k) => h("li", { class: k === "dead_lettered" && m[k] > 0 ? "dead" : "", dataset: { counter: k } },
            h("span", {}, k.replace("_", " ")), h("span", { class: "n" }, String(m[k]))))),
          h("dl", { class: "explain" }, Object.entries(COUNTER_TEXT).map(([k, t]) => [h("dt", {}, k.replace("_", " ")), h("dd", {}, t)])));
      }
    } catch (err) {
      showError(box, err);
    }
    return 2000;
  }, 2000);
  return () => poll.stop();
}

// ---- orders ----------------------------------------------------------------------

async function ordersView({ params, show }) {
  const status = params.get("status") || "";
  const token = params.get("token") || "";
  const pageNo = Number(params.get("page") || "1");
  const page = await session.call("GET", `/admin/orders${query({ status, page_token: token, page_size: 20 })}`);
  const filter = h("form", { class: "inline-form", "aria-label": "Filter" },
    field("Status", "status", { tag: "select", options: [["", "Every status"], ...STATUSES.map((s) => [s, s])] }));
  filter.elements.status.value = status;
  filter.elements.status.addEventListener("change", (e) => go(`#/orders${query({ status: e.target.value })}`));
  show(
    h("h1", {}, "Orders"), filter,
    page.items.length === 0 ? notice("No orders.") : h("div", { class: "table-wrap" }, h("table", { class: "lines", id: "orders" },
      h("thead", {}, h("tr", {}, ["Order", "Status", "Total", "Items", "Placed"].map((t) => h("th", { scope: "col" }, t)))),
      h("tbody", {}, page.items.map((o) => h("tr", { dataset: { order: o.id } },
        h("td", {}, h("a", { href: `#/orders/${o.id}` }, o.id.slice(-12))),
        h("td", {}, badge(o.status)),
        h("td", {}, money(o.total)),
        h("td", {}, o.lines.map((l) => `${l.quantity} × ${l.sku}`).join(", ")),
        h("td", {}, when(o.created_at))))))),
    h("nav", { class: "pager", "aria-label": "Pages" },
      pageNo > 1 ? h("button", { type: "button", class: "link", onclick: () => history.back() }, "← Previous") : null,
      h("span", {}, `Page ${pageNo}`),
      page.next_page_token ? h("a", { href: `#/orders${query({ status, token: page.next_page_token, page: pageNo + 1 })}` }, "Next →") : null));
}

// paymentsTable is an order's money side: every payment, its status and its refund.
function paymentsTable(payments) {
  if (!payments.length) return h("p", { id: "payments", class: "muted" }, "No payment yet.");
  return h("div", { class: "table-wrap" }, h("table", { class: "lines", id: "payments" },
    h("thead", {}, h("tr", {}, ["Payment", "Status", "Amount", "Provider", "Refund", "Last change"].map((t) => h("th", { scope: "col" }, t)))),
    h("tbody", {}, payments.map((p) => h("tr", {},
      h("td", {}, p.id.slice(-12)),
      h("td", {}, badge(p.status)),
      h("td", {}, money(p.amount)),
      h("td", {}, p.provider),
      h("td", {}, p.refund ? `${money(p.refund.amount)} on ${when(p.refund.created_at)} (${p.refund.reason}, ${p.refund.provider_refund_id})` : "—"),
      h("td", {}, when(p.updated_at)))))));
}

async function orderView({ args: [id], show, alive }) {
  const load = () => Promise.all([session.call("GET", `/admin/orders/${id}`), session.call("GET", `/admin/orders/${id}/payments`)]);
  let [order, payments] = await load();
  const box = alertBox();
  const body = h("div");
  function render() {
    const o = order;
    const ship = h("form", { id: "ship-form", class: "inline-form" },
      field("Carrier", "carrier", { required: true, maxlength: 50 }),
      field("Tracking number", "tracking_no", { required: true, maxlength: 100 }),
      h("button", { type: "submit" }, "Mark shipped"));
    ship.addEventListener("submit", async (e) => {
      e.preventDefault();
      clearErrors(ship);
      try {
        order = await session.call("POST", `/admin/orders/${id}/ship`, { body: values(ship) });
        box.hidden = true;
        render();
      } catch (err) {
        showError(box, err, ship);
      }
    });
    mount(body,
      h("p", {}, "Status: ", badge(o.status), o.cancel_reason ? ` (${o.cancel_reason})` : ""),
      o.payment_deadline && o.status === "AWAITING_PAYMENT" ? h("p", {}, `Payment due by ${when(o.payment_deadline)}.`) : null,
      o.shipment ? h("p", { id: "shipment" }, `Shipped ${when(o.shipment.shipped_at)} with ${o.shipment.carrier}, tracking ${o.shipment.tracking_no}.`) : null,
      o.status === "PAID" ? [h("h2", {}, "Ship"), ship] : null,
      h("h2", {}, "Lines"),
      h("table", { class: "lines" }, h("tbody", {}, o.lines.map((l) => h("tr", {}, h("td", {}, `${l.name} (${l.sku})`), h("td", {}, `× ${l.quantity}`), h("td", {}, money(l.unit_price)))))),
      h("p", { class: "total" }, "Total ", h("strong", {}, money(o.total))),
      h("h2", {}, "Payments"),
      paymentsTable(payments.items),
      h("h2", {}, "Ship to"),
      h("p", {}, [o.address.recipient, o.address.line1, o.address.line2, `${o.address.postal_code} ${o.address.city}`, o.address.region, o.address.country, o.address.phone].filter(Boolean).join(", ")),
      h("p", { class: "muted" }, `Placed ${when(o.created_at)}, last changed ${when(o.updated_at)}.`));
  }
  render();
  show(h("p", {}, h("a", { href: "#/orders" }, "← Orders")), h("h1", {}, `Order ${id}`), box, body);
  const poll = new Poller(async () => {
    if (!alive()) return 0;
    const [fresh, freshPayments] = await load();
    const changed = fresh.updated_at !== order.updated_at || JSON.stringify(freshPayments) !== JSON.stringify(payments);
    if (changed && !document.activeElement.closest("#ship-form")) { [order, payments] = [fresh, freshPayments]; render(); }
    return 3000;
  }, 3000);
  return () => poll.stop();
}

// ---- products and stock ----------------------------------------------------------

let categoryCache = null;
async function categories(fresh = false) {
  if (!categoryCache || fresh) categoryCache = (await anonymous("GET", "/categories")).items;
  return categoryCache;
}

async function productsView({ params, show }) {
  const q = params.get("q") || "";
  const token = params.get("token") || "";
  const pageNo = Number(params.get("page") || "1");
  const [page, cats] = await Promise.all([anonymous("GET", `/products${query({ q, page_token: token, page_size: 20 })}`), categories()]);
  const search = h("form", { class: "inline-form", role: "search" }, field("Find", "q", { type: "search", value: q }), h("button", { type: "submit" }, "Find"));
  search.addEventListener("submit", (e) => { e.preventDefault(); go(`#/products${query({ q: values(search).q })}`); });
  show(
    h("h1", {}, "Products & stock"), search,
    h("div", { class: "table-wrap" }, h("table", { class: "lines", id: "products" },
      h("thead", {}, h("tr", {}, ["Product", "Category", "SKUs"].map((t) => h("th", { scope: "col" }, t)))),
      h("tbody", {}, page.items.map((p) => h("tr", {},
        h("td", {}, h("a", { href: `#/products/${p.id}` }, p.name)),
        h("td", {}, p.category ? p.category.name : ""),
        h("td", {}, p.skus.map((s) => `${s.sku} (${s.available} available)`).join(", "))))))),
    h("nav", { class: "pager", "aria-label": "Pages" },
      pageNo > 1 ? h("button", { type: "button", class: "link", onclick: () => history.back() }, "← Previous") : null,
      h("span", {}, `Page ${pageNo}`),
      page.next_page_token ? h("a", { href: `#/products${query({ q, token: page.next_page_token, page: pageNo + 1 })}` }, "Next →") : null),
    newProductForm(cats));
}

function newProductForm(cats) {
  const box = alertBox();
  const skus = h("div", { id: "new-skus" });
  let n = 0;
  const addSku = () => {
    const i = n++;
    skus.append(h("fieldset", {}, h("legend", {}, `SKU ${i + 1}`),
      field("SKU code", `skus[${i}].sku`, { required: true, placeholder: "TEA-GREEN-100G" }),
      field("Attributes (key=value, comma separated)", `skus[${i}].attributes`, { placeholder: "size=100g" }),
      field("Price", `skus[${i}].price`, { required: true, inputmode: "decimal", placeholder: "12.50" }),
      field("Currency", `skus[${i}].price.currency`, { value: "USD", maxlength: 3 })));
  };
  addSku();
  const form = h("form", { id: "product-form", class: "stack" },
    h("h2", {}, "New product"), box,
    field("Name", "name", { required: true }),
    field("Description", "description", { tag: "textarea", rows: 3 }),
    field("Category", "category_id", { tag: "select", options: cats.map((c) => [c.id, c.name]) }),
    skus,
    h("p", {}, h("button", { type: "button", class: "secondary", onclick: addSku }, "Add another SKU")),
    h("p", { class: "muted" }, "New SKUs start with no stock: adjust it on the product's page."),
    h("button", { type: "submit" }, "Create product"));
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    const v = values(form, true);
    const body = { name: v.name, description: v.description, category_id: v.category_id, skus: [] };
    for (let i = 0; i < n; i++) {
      const currency = (v[`skus[${i}].price.currency`] || "USD").toUpperCase();
      body.skus.push({
        sku: v[`skus[${i}].sku`],
        attributes: Object.fromEntries(String(v[`skus[${i}].attributes`] || "").split(",").map((p) => p.split("=").map((x) => x.trim())).filter(([k, val]) => k && val)),
        price: { amount_cents: toCents(v[`skus[${i}].price`], currency), currency },
      });
    }
    try {
      const p = await session.call("POST", "/admin/products", { body });
      go(`#/products/${p.id}`);
    } catch (err) {
      showError(box, err, form);
    }
  });
  return form;
}

async function productView({ args: [id], show }) {
  const [product, cats] = await Promise.all([anonymous("GET", `/products/${id}`), categories()]);
  const box = alertBox();
  const edit = h("form", { id: "edit-form", class: "stack" },
    h("h2", {}, "Details"),
    field("Name", "name", { value: product.name, required: true }),
    field("Description", "description", { tag: "textarea", rows: 3 }),
    field("Category", "category_id", { tag: "select", options: cats.map((c) => [c.id, c.name]) }),
    product.skus.map((s) => field(`Price of ${s.sku} (${s.price.currency})`, `prices.${s.sku}`, { value: decimal(s.price), inputmode: "decimal" })),
    h("div", { class: "sku" }, h("input", { type: "checkbox", id: "active", name: "active", checked: product.active !== false }), h("label", { for: "active" }, "On sale")),
    h("button", { type: "submit" }, "Save"));
  edit.elements.description.value = product.description;
  if (product.category) edit.elements.category_id.value = product.category.id;
  edit.addEventListener("submit", async (e) => {
    e.preventDefault();
    const v = values(edit, true);
    const prices = {};
    for (const s of product.skus) prices[s.sku] = { amount_cents: toCents(v[`prices.${s.sku}`], s.price.currency), currency: s.price.currency };
    try {
      await session.call("PATCH", `/admin/products/${id}`, { body: { name: v.name, description: v.description, category_id: v.category_id, active: edit.elements.active.checked, prices } });
      box.className = "alert ok";
      mount(box, "Saved.");
      box.hidden = false;
    } catch (err) {
      box.className = "alert";
      showError(box, err, edit);
    }
  });
  const stock = h("div", { id: "stock" });
  show(h("p", {}, h("a", { href: "#/products" }, "← Products")), h("h1", {}, product.name), box,
    h("h2", {}, "Stock per SKU"), stock, edit);
  await Promise.all(product.skus.map(async (s) => stock.append(await stockCard(s))));
}

// stockCard shows one SKU's stock and adjusts it with a reason. Each adjustment is one
// attempt with its own idempotency key, so a double submit adjusts once.
async function stockCard(sku) {
  const box = alertBox();
  const figures = h("p", { class: "figures", dataset: { sku: sku.sku } });
  const show = (s) => mount(figures, h("strong", {}, String(s.available)), " available · ", h("strong", {}, String(s.reserved)), " reserved · ", h("strong", {}, String(s.sold)), " sold");
  show(await session.call("GET", `/admin/skus/${encodeURIComponent(sku.sku)}/stock`));
  let key = newKey();
  let busy = false;
  const form = h("form", { class: "inline-form", dataset: { sku: sku.sku } },
    field("Change (+/−)", "delta", { type: "number", required: true, step: 1, inputmode: "numeric" }),
    field("Reason", "reason", { required: true, maxlength: 200, placeholder: "delivery from supplier" }),
    h("button", { type: "submit" }, "Adjust"));
  form.addEventListener("input", () => { key = newKey(); });
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    if (busy) return;
    busy = true;
    clearErrors(form);
    box.hidden = true;
    const v = values(form);
    try {
      show(await session.call("POST", `/admin/skus/${encodeURIComponent(sku.sku)}/stock`, { body: { delta: Number(v.delta), reason: v.reason }, headers: { "Idempotency-Key": key } }));
      form.reset();
      key = newKey();
    } catch (err) {
      showError(box, err, form);
    } finally {
      busy = false;
    }
  });
  return h("fieldset", { class: "stock-card" }, h("legend", {}, `${sku.sku} — ${attrs(sku.attributes)} — ${money(sku.price)}`), figures, box, form);
}

// ---- categories ------------------------------------------------------------------

async function categoriesView({ show }) {
  const list = h("ul", { id: "categories" });
  const render = async (fresh) => mount(list, (await categories(fresh)).map((c) => h("li", {}, c.name)));
  await render(true);
  const box = alertBox();
  const form = h("form", { id: "category-form", class: "inline-form" }, field("Name", "name", { required: true, maxlength: 100 }), h("button", { type: "submit" }, "Add category"));
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    try {
      await session.call("POST", "/admin/categories", { body: values(form) });
      form.reset();
      box.hidden = true;
      clearErrors(form);
      await render(true);
    } catch (err) {
      showError(box, err, form);
    }
  });
  show(h("h1", {}, "Categories"), list, h("h2", {}, "New category"), box, form,
    h("p", { class: "muted" }, "Categories cannot be renamed or deleted yet: products refer to them."));
}

// ---- start -----------------------------------------------------------------------

const router = new Router(main, [
  [/^\/$/, guard(protocolView)],
  [/^\/orders$/, guard(ordersView)],
  [/^\/orders\/([^/]+)$/, guard(orderView)],
  [/^\/products$/, guard(productsView)],
  [/^\/products\/([^/]+)$/, guard(productView)],
  [/^\/categories$/, guard(categoriesView)],
], ({ show }) => show(h("h1", {}, "Not found"), h("p", {}, h("a", { href: "#/" }, "Back to the console"))));

session.onChange(() => { renderAccountNav(); });
renderAccountNav();
await session.restore();
router.run();
