// Cartwheel's trace viewer over Jaeger's query API (see ../index.html for why it exists).
// Two pages: search (search?service=…) lists traces, trace/<id> draws one trace as a
// timeline of its spans. The URL holds all state, so a link or a reload shows the same.
'use strict';

(function () {
  const main = document.getElementById('main');
  const LOOKBACKS = [['5m', 5], ['15m', 15], ['1h', 60], ['2h', 120], ['6h', 360], ['12h', 720], ['1d', 1440], ['2d', 2880]];
  const PALETTE = ['#3b7dd8', '#d9822b', '#2e9e6b', '#9b59b6', '#c0392b', '#16a2b8', '#b8860b', '#6c7a89'];
  const colours = new Map();

  // el builds an element; attributes named on* are listeners, every child is a node or text.
  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === undefined || v === null || v === false) continue;
      if (k.startsWith('on')) node.addEventListener(k.slice(2), v);
      else if (k === 'style') node.style.cssText = v;
      else node.setAttribute(k, v === true ? '' : v);
    }
    for (const c of children.flat()) {
      if (c !== undefined && c !== null && c !== false) node.append(c instanceof Node ? c : String(c));
    }
    return node;
  }

  function colourOf(service) {
    if (!colours.has(service)) colours.set(service, PALETTE[colours.size % PALETTE.length]);
    return colours.get(service);
  }

  // Durations arrive in microseconds.
  function fmtDuration(us) {
    if (us < 1000) return Math.round(us) + 'µs';
    if (us < 1e6) return (us / 1000).toFixed(us < 1e4 ? 2 : 1) + 'ms';
    return (us / 1e6).toFixed(2) + 's';
  }

  function fmtTime(us) {
    const d = new Date(us / 1000);
    return d.toLocaleDateString(undefined, { month: 'short', day: 'numeric' }) + ' ' +
      d.toLocaleTimeString(undefined, { hour12: false }) + '.' + String(d.getMilliseconds()).padStart(3, '0');
  }

  function url(path, params) {
    const u = new URL(path, document.baseURI);
    for (const [k, v] of Object.entries(params || {})) {
      if (v !== undefined && v !== null && v !== '') u.searchParams.set(k, v);
    }
    return u;
  }

  async function api(path, params) {
    const u = url('api/' + path, params);
    const resp = await fetch(u, { headers: { Accept: 'application/json' } });
    let body = null;
    try { body = await resp.json(); } catch (e) { /* reported below */ }
    if (!resp.ok || !body) {
      const msg = body && body.errors && body.errors.length ? body.errors.map((e) => e.msg).join('; ') : resp.statusText;
      throw new Error(`${u.pathname}: ${resp.status} ${msg}`);
    }
    return body.data;
  }

  // route is the page path relative to the base: "", "search" or "trace/<id>".
  function route() {
    const base = new URL(document.baseURI).pathname;
    const path = location.pathname.startsWith(base) ? location.pathname.slice(base.length) : location.pathname;
    return path.replace(/^\/+|\/+$/g, '');
  }

  function navigate(href) {
    history.pushState(null, '', href);
    render();
  }

  function show(...nodes) {
    main.replaceChildren(...nodes);
    window.scrollTo(0, 0);
  }

  function problem(err) {
    return el('p', { class: 'error', role: 'alert' }, String(err.message || err));
  }

  // ---- traces as Jaeger returns them ----------------------------------------------------

  function tagMap(tags) {
    const m = {};
    for (const t of tags || []) m[t.key] = t.value;
    return m;
  }

  function isError(span) {
    const t = tagMap(span.tags);
    return t.error === true || t.error === 'true' || t['otel.status_code'] === 'ERROR';
  }

  // model orders the spans depth-first by start time and gives each its depth and parent.
  function model(trace) {
    const processes = trace.processes || {};
    const byID = new Map(trace.spans.map((s) => [s.spanID, s]));
    const children = new Map();
    const roots = [];
    for (const s of trace.spans) {
      s.service = (processes[s.processID] || {}).serviceName || '?';
      const ref = (s.references || []).find((r) => byID.has(r.spanID));
      s.parentID = ref ? ref.spanID : null;
      if (s.parentID) {
        if (!children.has(s.parentID)) children.set(s.parentID, []);
        children.get(s.parentID).push(s);
      } else {
        roots.push(s);
      }
    }
    const byStart = (a, b) => a.startTime - b.startTime;
    const ordered = [];
    const walk = (s, depth) => {
      s.depth = depth;
      s.childCount = (children.get(s.spanID) || []).length;
      ordered.push(s);
      for (const c of (children.get(s.spanID) || []).sort(byStart)) walk(c, depth + 1);
    };
    roots.sort(byStart).forEach((r) => walk(r, 0));
    const start = Math.min(...trace.spans.map((s) => s.startTime));
    const end = Math.max(...trace.spans.map((s) => s.startTime + s.duration));
    const services = new Map();
    for (const s of trace.spans) services.set(s.service, (services.get(s.service) || 0) + 1);
    return {
      id: trace.traceID, spans: ordered, root: roots.sort(byStart)[0], start, duration: end - start,
      processes,
      services, errors: trace.spans.filter(isError).length, depth: Math.max(...ordered.map((s) => s.depth)) + 1,
    };
  }

  function title(m) {
    return m.root ? `${m.root.service}: ${m.root.operationName}` : m.id;
  }

  function serviceChips(m) {
    return el('span', { class: 'chips' }, [...m.services].sort().map(([name, n]) =>
      el('span', { class: 'chip', style: `border-color:${colourOf(name)}` }, `${name} (${n})`)));
  }

  // ---- search -----------------------------------------------------------------------------

  async function searchPage() {
    const q = new URL(location.href).searchParams;
    const form = el('form', { class: 'search', id: 'search-form' });
    const service = el('select', { name: 'service', 'aria-label': 'Service' });
    const operation = el('select', { name: 'operation', 'aria-label': 'Operation' }, el('option', { value: '' }, 'all'));
    const lookback = el('select', { name: 'lookback', 'aria-label': 'Lookback' },
      LOOKBACKS.map(([v]) => el('option', { value: v, selected: v === (q.get('lookback') || '1h') }, 'last ' + v)));
    const field = (label, input) => el('label', {}, el('span', {}, label), input);
    form.append(
      field('Service', service), field('Operation', operation),
      field('Tags', el('input', { name: 'tags', value: q.get('tags') || '', placeholder: 'http.status_code=500 error=true' })),
      field('Lookback', lookback),
      field('Min duration', el('input', { name: 'minDuration', value: q.get('minDuration') || '', placeholder: 'e.g. 10ms', size: 8 })),
      field('Max duration', el('input', { name: 'maxDuration', value: q.get('maxDuration') || '', placeholder: 'e.g. 2s', size: 8 })),
      field('Limit', el('input', { name: 'limit', type: 'number', min: 1, max: 1500, value: q.get('limit') || '20', size: 5 })),
      el('button', { type: 'submit', id: 'find' }, 'Find traces'));
    const results = el('section', { id: 'results' });
    show(el('h1', {}, 'Search'), form, results);

    let services;
    try {
      services = ((await api('services')) || []).sort();
    } catch (err) {
      results.replaceChildren(problem(err));
      return;
    }
    if (services.length === 0) {
      results.replaceChildren(el('p', { class: 'muted' }, 'No service has sent spans yet.'));
      return;
    }
    const chosen = services.includes(q.get('service')) ? q.get('service') : services[0];
    service.replaceChildren(...services.map((s) => el('option', { value: s, selected: s === chosen }, s)));
    const loadOperations = async (wanted) => {
      operation.replaceChildren(el('option', { value: '' }, 'all'));
      try {
        const ops = ((await api(`services/${encodeURIComponent(service.value)}/operations`)) || []).sort();
        operation.append(...ops.map((o) => el('option', { value: o, selected: o === wanted }, o)));
      } catch (err) {
        results.replaceChildren(problem(err));
      }
    };
    service.addEventListener('change', () => loadOperations(''));
    await loadOperations(q.get('operation') || '');
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      const params = {};
      for (const [k, v] of new FormData(form)) if (v !== '') params[k] = v;
      navigate(url('search', params));
    });
    if (q.has('service')) await listTraces(results, q);
  }

  // tagsParam turns "a=b c=d" into the JSON object the API's tags parameter takes.
  function tagsParam(text) {
    const tags = {};
    for (const pair of text.trim().split(/\s+/).filter(Boolean)) {
      const i = pair.indexOf('=');
      if (i > 0) tags[pair.slice(0, i)] = pair.slice(i + 1);
    }
    return Object.keys(tags).length ? JSON.stringify(tags) : '';
  }

  async function listTraces(results, q) {
    const minutes = (LOOKBACKS.find(([v]) => v === q.get('lookback')) || LOOKBACKS[2])[1];
    const end = Date.now() * 1000;
    results.replaceChildren(el('p', { class: 'muted' }, 'Searching…'));
    let traces;
    try {
      traces = await api('traces', {
        service: q.get('service'), operation: q.get('operation'), tags: tagsParam(q.get('tags') || ''),
        minDuration: q.get('minDuration'), maxDuration: q.get('maxDuration'), limit: q.get('limit') || '20',
        start: end - minutes * 60e6, end,
      });
    } catch (err) {
      results.replaceChildren(problem(err));
      return;
    }
    const models = (traces || []).filter((t) => t.spans && t.spans.length).map(model).sort((a, b) => b.start - a.start);
    if (models.length === 0) {
      results.replaceChildren(el('p', { class: 'muted' }, 'No trace matches.'));
      return;
    }
    const longest = Math.max(...models.map((m) => m.duration));
    results.replaceChildren(
      el('p', { class: 'muted', id: 'result-count' }, `${models.length} trace${models.length === 1 ? '' : 's'}`),
      el('ol', { class: 'traces' }, models.map((m) => el('li', { 'data-trace-id': m.id },
        el('a', { href: url('trace/' + m.id), 'data-nav': true },
          el('span', { class: 'trace-title' }, title(m)),
          el('span', { class: 'trace-id' }, m.id.slice(0, 7))),
        el('span', { class: 'duration-bar', style: `width:${Math.max(1, (100 * m.duration) / longest)}%` }),
        el('span', { class: 'facts' },
          `${m.spans.length} span${m.spans.length === 1 ? '' : 's'}`,
          m.errors ? el('span', { class: 'errors' }, ` · ${m.errors} error${m.errors === 1 ? '' : 's'}`) : '',
          ` · ${fmtDuration(m.duration)} · ${fmtTime(m.start)}`),
        serviceChips(m)))));
  }

  // ---- one trace --------------------------------------------------------------------------

  async function tracePage(id) {
    show(el('p', { class: 'muted' }, 'Loading trace ' + id + '…'));
    let data;
    try {
      data = await api('traces/' + encodeURIComponent(id));
    } catch (err) {
      show(el('h1', {}, 'Trace ' + id), problem(err));
      return;
    }
    if (!data || !data.length || !data[0].spans.length) {
      show(el('h1', {}, 'Trace ' + id), el('p', { class: 'error' }, 'Jaeger holds no such trace.'));
      return;
    }
    const m = model(data[0]);
    document.title = title(m) + ' · Cartwheel traces';
    const ticks = [0, 0.25, 0.5, 0.75, 1];
    const rows = el('div', { class: 'timeline', id: 'timeline' },
      el('div', { class: 'row header' },
        el('div', { class: 'name' }, 'Service and operation'),
        el('div', { class: 'lane' }, ticks.map((f) =>
          el('span', { class: 'tick', style: `left:${f * 100}%` }, fmtDuration(f * m.duration))))),
      m.spans.map((s) => spanRow(m, s)));
    show(
      el('h1', {}, title(m)),
      el('p', { class: 'summary' },
        el('span', {}, 'Trace ', el('code', { id: 'trace-id' }, m.id)),
        el('span', {}, 'Started ' + fmtTime(m.start)),
        el('span', {}, 'Duration ' + fmtDuration(m.duration)),
        el('span', {}, `${m.services.size} service${m.services.size === 1 ? '' : 's'}`),
        el('span', {}, `Depth ${m.depth}`),
        el('span', { id: 'span-count' }, `${m.spans.length} spans`),
        m.errors ? el('span', { class: 'errors' }, `${m.errors} errors`) : '',
        el('a', { href: url('api/traces/' + m.id), target: '_blank' }, 'JSON')),
      serviceChips(m), rows);
  }

  function spanRow(m, s) {
    const left = (100 * (s.startTime - m.start)) / (m.duration || 1);
    const width = Math.max(0.2, (100 * s.duration) / (m.duration || 1));
    const kind = tagMap(s.tags)['span.kind'];
    const details = el('div', { class: 'details', hidden: true });
    const row = el('div', { class: 'row span' + (isError(s) ? ' failed' : ''), 'data-span-id': s.spanID },
      el('button', {
        class: 'name', style: `padding-left:${0.5 + s.depth * 1.1}rem`, title: `${s.service}: ${s.operationName}`,
        'aria-expanded': 'false',
        onclick: (e) => {
          const open = details.hidden;
          if (open && !details.firstChild) details.append(spanDetails(m, s));
          details.hidden = !open;
          e.currentTarget.setAttribute('aria-expanded', String(open));
        },
      },
      el('span', { class: 'svc', style: `background:${colourOf(s.service)}` }, s.service),
      el('span', { class: 'op' }, s.operationName),
      kind ? el('span', { class: 'kind' }, kind) : ''),
      el('div', { class: 'lane' },
        el('span', { class: 'bar', style: `left:${left}%;width:${width}%;background:${colourOf(s.service)}` }),
        el('span', { class: 'bar-label', style: left > 70 ? `right:${100 - left}%` : `left:${left + width}%` },
          fmtDuration(s.duration))));
    return el('div', { class: 'span-block' }, row, details);
  }

  function kvTable(caption, pairs) {
    if (!pairs || !pairs.length) return '';
    return el('table', { class: 'kv' }, el('caption', {}, caption),
      pairs.map((t) => el('tr', {}, el('th', {}, t.key), el('td', {}, typeof t.value === 'object' ? JSON.stringify(t.value) : String(t.value)))));
  }

  function spanDetails(m, s) {
    return el('div', {},
      el('p', { class: 'muted' },
        `Span ${s.spanID} · starts at +${fmtDuration(s.startTime - m.start)} · lasts ${fmtDuration(s.duration)}`,
        s.parentID ? ` · child of ${s.parentID}` : ' · root'),
      kvTable('Tags', s.tags),
      (s.logs || []).slice().sort((a, b) => a.timestamp - b.timestamp).map((l) => kvTable(`Event at +${fmtDuration(l.timestamp - m.start)}`, l.fields)),
      kvTable('Process', (m.processes[s.processID] || {}).tags),
      (s.warnings || []).map((w) => el('p', { class: 'error' }, w)));
  }

  // ---- wiring -----------------------------------------------------------------------------

  function render() {
    const r = route();
    document.title = 'Cartwheel traces · Jaeger';
    if (r.startsWith('trace/')) return tracePage(decodeURIComponent(r.slice('trace/'.length)));
    return searchPage();
  }

  document.addEventListener('click', (e) => {
    const a = e.target.closest && e.target.closest('a[data-nav]');
    if (!a || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
    e.preventDefault();
    navigate(a.href);
  });
  document.getElementById('lookup').addEventListener('submit', (e) => {
    e.preventDefault();
    const id = new FormData(e.target).get('id').trim().toLowerCase();
    if (id) navigate(url('trace/' + id));
  });
  window.addEventListener('popstate', render);

  const version = typeof JAEGER_VERSION === 'object' && JAEGER_VERSION ? JAEGER_VERSION.gitVersion : '';
  document.getElementById('backend').textContent = 'Jaeger query API' + (version ? ' ' + version : '');
  render();
})();
