// The pages' one client of the public /api/v1 API: JSON in and out, the error
// envelope as an ApiError, and the session's tokens.
//
// Where tokens live: the access token only in this module's memory (a reload loses it,
// and an injected script cannot read it from storage); the refresh token in this tab's
// sessionStorage, so a reload stays signed in and closing the tab signs out. The access
// token is renewed quietly 30 s before it expires; a TOKEN_EXPIRED answer (a laptop that
// slept through the timer) renews it and retries once.

const BASE = "/api/v1";

export class ApiError extends Error {
  constructor(status, body) {
    super(body && body.message ? body.message : `The request failed (HTTP ${status}).`);
    this.status = status;
    this.code = (body && body.code) || "";
    this.details = (body && Array.isArray(body.details)) ? body.details : [];
    this.requestId = (body && body.request_id) || "";
  }
}

const unreachable = () => new ApiError(0, {
  code: "NETWORK", message: "The shop cannot be reached. Check your connection and try again.",
});

async function send(method, path, { body, headers = {}, token } = {}) {
  const h = { Accept: "application/json", ...headers };
  if (body !== undefined) h["Content-Type"] = "application/json";
  if (token) h.Authorization = `Bearer ${token}`;
  let resp;
  try {
    resp = await fetch(BASE + path, { method, headers: h, body: body === undefined ? undefined : JSON.stringify(body) });
  } catch {
    throw unreachable();
  }
  if (resp.status === 204) return null;
  const text = await resp.text();
  let data = null;
  if (text) {
    try { data = JSON.parse(text); } catch { data = null; }
  }
  if (!resp.ok) throw new ApiError(resp.status, data);
  return data;
}

// Session keeps one signed-in user per tab and per page family (the storefront and the
// console sign in separately, under their own storage key).
export class Session {
  constructor(storageKey) {
    this.key = storageKey;
    this.access = null;
    this.user = null;
    this.timer = null;
    this.renewing = null;
    this.listeners = new Set();
  }

  onChange(fn) { this.listeners.add(fn); }
  emit() { for (const fn of this.listeners) fn(this.user); }
  get signedIn() { return this.user !== null; }

  // restore signs in again from this tab's refresh token, if it has one.
  async restore() {
    if (!sessionStorage.getItem(this.key)) return null;
    try {
      await this.renew();
      this.user = await this.call("GET", "/me");
    } catch {
      this.clear();
    }
    this.emit();
    return this.user;
  }

  async signIn(email, password) {
    const tokens = await send("POST", "/auth/login", { body: { email, password } });
    this.keep(tokens);
    this.user = await this.call("GET", "/me");
    this.emit();
    return this.user;
  }

  async signOut() {
    const refresh = sessionStorage.getItem(this.key);
    this.clear();
    this.emit();
    if (refresh) {
      try { await send("POST", "/auth/logout", { body: { refresh_token: refresh } }); } catch { /* signed out here anyway */ }
    }
  }

  clear() {
    clearTimeout(this.timer);
    this.access = null;
    this.user = null;
    sessionStorage.removeItem(this.key);
  }

  keep(tokens) {
    this.access = tokens.access_token;
    sessionStorage.setItem(this.key, tokens.refresh_token);
    clearTimeout(this.timer);
    const inMs = Math.max(5, (tokens.expires_in || 60) - 30) * 1000;
    this.timer = setTimeout(() => { this.renew().catch(() => { this.clear(); this.emit(); }); }, inMs);
  }

  // renew trades the refresh token for new tokens; concurrent callers share one trade,
  // since a refresh token works once.
  renew() {
    if (!this.renewing) {
      const refresh = sessionStorage.getItem(this.key);
      this.renewing = (refresh
        ? send("POST", "/auth/refresh", { body: { refresh_token: refresh } }).then((t) => this.keep(t))
        : Promise.reject(new ApiError(401, { code: "UNAUTHENTICATED", message: "Please sign in." }))
      ).finally(() => { this.renewing = null; });
    }
    return this.renewing;
  }

  // call sends an authenticated request (or an anonymous one when signed out).
  async call(method, path, opts = {}) {
    if (this.renewing) await this.renewing.catch(() => {});
    try {
      return await send(method, path, { ...opts, token: this.access });
    } catch (err) {
      if (err.code !== "TOKEN_EXPIRED") throw err;
      await this.renew();
      return send(method, path, { ...opts, token: this.access });
    }
  }
}

// anonymous reads the public catalog.
export const anonymous = (method, path, opts) => send(method, path, opts);

// query builds "?a=1&b=2" from the set values of params.
export function query(params) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) {
    if (v !== undefined && v !== null && v !== "") q.set(k, String(v));
  }
  const s = q.toString();
  return s ? `?${s}` : "";
}

export const newKey = () => crypto.randomUUID();
