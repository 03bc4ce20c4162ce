// Small DOM helpers shared by the storefront and the console. Text always goes in as
// text (never as HTML), so nothing the API returns can become markup.

// h builds an element: h("a", {href: "#/"}, "Home", child...). Attributes starting
// with "on" are event listeners; false/null attributes are left out.
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === false || v === null || v === undefined) continue;
    if (k.startsWith("on") && typeof v === "function") el.addEventListener(k.slice(2), v);
    else if (k === "class") el.className = v;
    else if (k === "dataset") Object.assign(el.dataset, v);
    else if (v === true) el.setAttribute(k, "");
    else el.setAttribute(k, String(v));
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const c of children.flat(Infinity)) {
    if (c === null || c === undefined || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
}

// mount replaces the content of parent.
export function mount(parent, ...children) {
  parent.replaceChildren();
  append(parent, children);
}

const digitsOf = new Map();
function fractionDigits(currency) {
  if (!digitsOf.has(currency)) {
    digitsOf.set(currency, new Intl.NumberFormat("en", { style: "currency", currency }).resolvedOptions().maximumFractionDigits);
  }
  return digitsOf.get(currency);
}

// money renders {amount_cents, currency} in the smallest unit the currency has.
export function money(m) {
  if (!m || !m.currency) return "";
  const d = fractionDigits(m.currency);
  return new Intl.NumberFormat(undefined, { style: "currency", currency: m.currency }).format(m.amount_cents / 10 ** d);
}

// decimal renders money as a plain decimal for an input ("12.50").
export function decimal(m) {
  const d = fractionDigits(m.currency);
  return (m.amount_cents / 10 ** d).toFixed(d);
}

// toCents reads a decimal amount typed by a person ("12.5") into the smallest unit.
export function toCents(text, currency) {
  const d = fractionDigits(currency || "USD");
  const n = Number(String(text).trim());
  return Number.isFinite(n) ? Math.round(n * 10 ** d) : NaN;
}

export const when = (iso) => (iso ? new Date(iso).toLocaleString() : "");

export const attrs = (a) => Object.entries(a || {}).map(([k, v]) => `${k}: ${v}`).join(", ") || "standard";

// clearErrors removes the marks showError left on a form.
export function clearErrors(form) {
  if (!form) return;
  for (const el of form.querySelectorAll("[aria-invalid]")) {
    el.removeAttribute("aria-invalid");
    el.removeAttribute("aria-describedby");
  }
  for (const el of form.querySelectorAll(".field-error")) el.remove();
}

// fieldFor finds the input named after a details field ("skus[0].price.amount_cents"),
// or the nearest named parent of it ("skus[0].price").
function fieldFor(form, field) {
  let name = field;
  while (name) {
    const el = form.querySelector(`[name="${CSS.escape(name)}"]`);
    if (el) return el;
    const cut = Math.max(name.lastIndexOf("."), name.lastIndexOf("["));
    name = cut > 0 ? name.slice(0, cut) : "";
  }
  return null;
}

let errorSeq = 0;

// showError puts the envelope's sentence in box and marks every field of details on
// form; a detail with no field on the form is listed in the box.
export function showError(box, err, form) {
  clearErrors(form);
  const unplaced = [];
  let first = null;
  for (const d of err.details || []) {
    const el = form ? fieldFor(form, d.field) : null;
    if (!el) { unplaced.push(`${d.field} ${d.reason}`); continue; }
    const id = `err-${++errorSeq}`;
    el.setAttribute("aria-invalid", "true");
    el.setAttribute("aria-describedby", id);
    el.after(h("span", { class: "field-error", id }, d.reason));
    first = first || el;
  }
  mount(box, err.message || String(err), unplaced.length ? h("ul", {}, unplaced.map((u) => h("li", {}, u))) : null);
  box.hidden = false;
  if (first) first.focus();
}

export function alertBox() {
  return h("div", { class: "alert", role: "alert", hidden: true });
}

export function notice(text) {
  return h("p", { class: "notice", role: "status" }, text);
}

// values reads a form's named controls into an object, trimmed; empty ones are left out
// unless keepEmpty.
export function values(form, keepEmpty = false) {
  const out = {};
  for (const [k, v] of new FormData(form).entries()) {
    const t = typeof v === "string" ? v.trim() : v;
    if (t !== "" || keepEmpty) out[k] = t;
  }
  return out;
}

// field is a labelled input; extra attributes go to the input.
export function field(label, name, extra = {}) {
  const id = `f-${name.replace(/[^a-z0-9]/gi, "-")}-${++errorSeq}`;
  const input = extra.tag === "select"
    ? h("select", { id, name, ...extra, tag: null, options: null }, (extra.options || []).map(([v, t]) => h("option", { value: v }, t)))
    : extra.tag === "textarea"
      ? h("textarea", { id, name, ...extra, tag: null })
      : h("input", { id, name, type: "text", ...extra });
  return h("div", { class: "field" }, h("label", { for: id }, label), input);
}

// signInForm is the sign-in form both pages use: email and password, errors shown in
// place; signedIn runs after session.signIn succeeds.
export function signInForm(session, signedIn) {
  const box = alertBox();
  const form = h("form", { id: "signin-form", class: "stack narrow" }, box,
    field("Email", "email", { type: "email", autocomplete: "username", required: true }),
    field("Password", "password", { type: "password", autocomplete: "current-password", required: true }),
    h("button", { type: "submit" }, "Sign in"));
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    const v = values(form);
    try {
      await session.signIn(v.email, v.password);
      signedIn();
    } catch (err) {
      showError(box, err, form);
    }
  });
  return form;
}

// Poller runs fn now and then every ms while the view is shown; stop() ends it.
export class Poller {
  constructor(fn, ms) {
    this.fn = fn; this.ms = ms; this.stopped = false; this.timer = null;
    this.tick();
  }
  async tick() {
    if (this.stopped) return;
    let next = this.ms;
    try { next = (await this.fn()) ?? this.ms; } catch { /* shown by fn; try again */ }
    if (!this.stopped && next > 0) this.timer = setTimeout(() => this.tick(), next);
  }
  stop() { this.stopped = true; clearTimeout(this.timer); }
}

// Router maps "#/path?query" to view functions. A view gets {args, params, show,
// alive}: show(...) fills the main element only while the view is still the current
// one, and a view may return a cleanup function (or an array), run when it is left.
export class Router {
  constructor(main, routes, notFound) {
    this.main = main; this.routes = routes; this.notFound = notFound; this.cleanups = []; this.seq = 0;
    window.addEventListener("hashchange", () => this.run());
  }
  parse() {
    const raw = location.hash.replace(/^#/, "") || "/";
    const [path, qs] = raw.split("?");
    return { path, params: new URLSearchParams(qs || "") };
  }
  async run() {
    const seq = ++this.seq;
    for (const c of this.cleanups.splice(0)) c();
    const { path, params } = this.parse();
    const alive = () => seq === this.seq;
    // After a route change the main element takes the focus, so keyboard and screen
    // reader users start at the new content; a fresh page load starts at the top.
    const first = seq === 1;
    const show = (...children) => {
      if (!alive()) return;
      mount(this.main, ...children);
      if (!first) this.main.focus({ preventScroll: true });
    };
    const found = this.routes.find(([pattern]) => pattern.test(path));
    const view = found ? found[1] : this.notFound;
    const args = found ? path.match(found[0]).slice(1).map(decodeURIComponent) : [];
    let out;
    try {
      out = await view({ args, params, path, show, alive });
    } catch (err) {
      const box = alertBox();
      show(box);
      showError(box, err);
    }
    const cleanups = [out].flat().filter((f) => typeof f === "function");
    if (alive()) this.cleanups = cleanups;
    else for (const c of cleanups) c();
  }
}

export const go = (hash) => { if (location.hash === hash) window.dispatchEvent(new HashChangeEvent("hashchange")); else location.hash = hash; };
