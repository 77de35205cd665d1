// Ambit dashboard. Authenticates with a bearer token kept in sessionStorage (this tab only); every
// value from the mesh is written with textContent, never as markup. Polls the API every 2 s.
'use strict';

const TOKEN_KEY = 'ambit.token';
const POLL_MS = 2000;
let activeTab = 'overview';
let timer = null;
let cy = null;

const $ = (id) => document.getElementById(id);

function token() { return sessionStorage.getItem(TOKEN_KEY); }

async function api(path, options = {}) {
  const headers = Object.assign({ 'Authorization': 'Bearer ' + token(), 'Accept': 'application/json' }, options.headers || {});
  const response = await fetch('/api/v1' + path, Object.assign({}, options, { headers }));
  if (response.status === 401) {
    signOut('The token was refused (HTTP 401).');
    throw new Error('unauthorized');
  }
  const body = await response.json().catch(() => null);
  if (!response.ok) {
    const detail = body && body.detail ? body.detail : ('HTTP ' + response.status);
    throw new Error(detail);
  }
  return body;
}

function el(tag, text, className) {
  const node = document.createElement(tag);
  if (text !== undefined && text !== null) { node.textContent = String(text); }
  if (className) { node.className = className; }
  return node;
}

function fillTable(id, rows, cells) {
  const body = $(id).querySelector('tbody');
  const fresh = document.createElement('tbody');
  rows.forEach((row) => {
    const tr = document.createElement('tr');
    cells(row).forEach((cell) => {
      const td = document.createElement('td');
      if (cell instanceof Node) { td.appendChild(cell); } else { td.textContent = cell === undefined || cell === null ? '' : String(cell); }
      tr.appendChild(td);
    });
    fresh.appendChild(tr);
  });
  body.replaceWith(fresh);
}

function pre(value) { return el('pre', JSON.stringify(value, null, 1)); }
function pct(x) { return x === null || x === undefined ? '-' : Math.round(x * 100) + '%'; }
function num(x) { return Number(x).toFixed(x < 10 ? 2 : 0); }

async function overview() {
  const o = await api('/overview');
  const counts = $('counts');
  counts.replaceChildren();
  Object.entries(o.counts).forEach(([k, v]) => {
    const card = el('div', null, 'card');
    card.appendChild(el('div', v, 'n'));
    card.appendChild(el('div', k, 'muted'));
    counts.appendChild(card);
  });
  const warnings = el('div', null, 'card');
  warnings.appendChild(el('div', o.warnings, 'n ' + (o.errors > 0 ? 'error' : o.warnings > 0 ? 'warn' : 'ok')));
  warnings.appendChild(el('div', 'validations', 'muted'));
  counts.appendChild(warnings);
  fillTable('health', Object.entries(o.health), ([k, v]) => [k, el('span', v, v === 'UP' ? 'ok' : 'error')]);
  const list = $('overview-warnings');
  list.replaceChildren(...o.problems.map((p) => el('li', p, 'warn')));
  if (o.warnings > 0) { list.appendChild(el('li', o.warnings + ' validation finding(s): see Validations')); }
}

function edgeColour(e) {
  if (e.data('kind') === 'serves') { return '#d0d5dd'; }
  const share = e.data('mtlsShare');
  if (share === null || share === undefined) { return '#98a2b3'; }
  return share >= 0.999 ? '#12b76a' : share > 0 ? '#f79009' : '#98a2b3';
}

async function graph() {
  const g = await api('/graph');
  $('graph-interval').textContent = g.intervalSeconds ? g.intervalSeconds.toFixed(1) : '-';
  const names = {};
  g.nodes.forEach((n) => { names[n.id] = n.namespace ? n.namespace + '/' + n.name : n.name; });
  fillTable('edge-table', g.edges.filter((e) => e.kind === 'traffic'), (e) => [names[e.source] || e.source, names[e.target] || e.target,
    e.service, e.protocol, num(e.requestRate), pct(e.errorRate), pct(e.mtlsShare), e.bytes]);
  if (typeof window.cytoscape !== 'function') {
    $('graph').textContent = 'The graph library is missing from this build (built with -Dambit.ui.skipNpm); the table below has the edges.';
    return;
  }
  const elements = [];
  g.nodes.forEach((n) => elements.push({ group: 'nodes', data: { id: n.id, label: names[n.id] + (n.pods > 1 ? ' ×' + n.pods : ''),
    kind: n.kind, captured: n.captured, waypoint: n.waypoint || '' } }));
  g.edges.forEach((e) => elements.push({ group: 'edges', data: { id: e.id, source: e.source, target: e.target, kind: e.kind,
    mtlsShare: e.mtlsShare, errorRate: e.errorRate, requestRate: e.requestRate,
    label: e.kind === 'traffic' ? num(e.requestRate) + '/s · ' + pct(e.errorRate) + ' err · mTLS ' + pct(e.mtlsShare) : '' } }));
  if (!cy) {
    cy = window.cytoscape({
      container: $('graph'),
      elements,
      wheelSensitivity: 0.3,
      maxZoom: 1.3, // a small mesh is not blown up to fill the box
      style: [
        { selector: 'node', style: { 'label': 'data(label)', 'font-size': 10, 'text-valign': 'bottom', 'background-color': '#2e90fa', 'width': 22, 'height': 22 } },
        { selector: 'node[kind = "service"]', style: { 'shape': 'triangle', 'background-color': '#7a5af8' } },
        { selector: 'node[kind = "waypoint"]', style: { 'shape': 'diamond', 'background-color': '#f79009', 'width': 28, 'height': 28 } },
        { selector: 'node[kind = "unknown"]', style: { 'background-color': '#98a2b3' } },
        { selector: 'node[?captured][kind = "workload"]', style: { 'border-width': 3, 'border-color': '#12b76a' } },
        { selector: 'edge', style: { 'curve-style': 'bezier', 'target-arrow-shape': 'triangle', 'width': 2, 'label': 'data(label)',
          'font-size': 9, 'text-rotation': 'autorotate', 'text-background-color': '#fff', 'text-background-opacity': 0.85, 'text-background-padding': 2, 'line-color': edgeColour, 'target-arrow-color': edgeColour } },
        { selector: 'edge[kind = "serves"]', style: { 'line-style': 'dashed', 'width': 1, 'target-arrow-shape': 'none' } },
        { selector: 'edge[errorRate > 0.05]', style: { 'line-style': 'dashed', 'target-arrow-color': '#d92d20', 'line-color': '#d92d20' } },
      ],
      layout: layoutFor(elements.filter((x) => x.group === 'nodes').length),
    });
    window.ambitGraph = cy;
    return;
  }
  // Update in place: the layout moves only when the set of nodes changes.
  const ids = new Set(elements.map((x) => x.data.id));
  let nodesChanged = false;
  cy.elements().forEach((x) => { if (!ids.has(x.id())) { nodesChanged = nodesChanged || x.isNode(); x.remove(); } });
  elements.forEach((x) => {
    const existing = cy.getElementById(x.data.id);
    if (existing.nonempty()) { existing.data(x.data); } else { cy.add(x); nodesChanged = nodesChanged || x.group === 'nodes'; }
  });
  if (nodesChanged) { cy.layout(layoutFor(cy.nodes().length)).run(); }
}

// The force-directed layout costs about n² per iteration: fine for a lab, ~20 s in a browser at
// 1,000 workloads. Past a few hundred nodes, rings by degree (busiest in the middle) are linear.
const LARGE_GRAPH = 300;
function layoutFor(nodeCount) {
  if (nodeCount > LARGE_GRAPH) {
    return { name: 'concentric', animate: false, concentric: (n) => n.degree(), levelWidth: () => 2, minNodeSpacing: 8, padding: 20 };
  }
  return { name: 'cose', animate: false, idealEdgeLength: 160, nodeRepulsion: 60000, padding: 40 };
}

// The workloads, identities and policies pages ask the server for one page at a time (search and
// paging server-side), so the browser renders PAGE_SIZE rows whether the mesh has ten or ten thousand.
const PAGE_SIZE = 100;
const views = {
  workloads: { id: 'workloads', path: '/workloads', noun: 'workloads', page: 1, search: '', pages: 1, asked: 0 },
  identities: { id: 'identities', path: '/certificates', noun: 'certificates', page: 1, search: '', pages: 1, asked: 0 },
  policies: { id: 'policies', path: '/policies', noun: 'policies', page: 1, search: '', pages: 1, asked: 0 },
};

// One page of a view's list, its position shown beside its pager; null when a newer request overtook it.
async function pageOf(view) {
  const asked = ++view.asked; // a slower, older answer (typing, polling) never overwrites a newer one
  const query = new URLSearchParams({ size: String(PAGE_SIZE), page: String(view.page) });
  if (view.search) { query.append('search', view.search); }
  const response = await fetch('/api/v1' + view.path + '?' + query.toString(),
    { headers: { 'Authorization': 'Bearer ' + token(), 'Accept': 'application/json' } });
  if (response.status === 400 && view.page > 1) {
    // the list shrank under us (or the search narrowed it): back to the first page
    view.page = 1;
    return pageOf(view);
  }
  if (response.status === 401) {
    signOut('The token was refused (HTTP 401).');
    throw new Error('unauthorized');
  }
  const list = await response.json().catch(() => null);
  if (!response.ok) { throw new Error(list && list.detail ? list.detail : 'HTTP ' + response.status); }
  if (asked !== view.asked) { return null; }
  const total = Number(response.headers.get('X-Total-Count') || list.length);
  view.pages = Math.max(1, Math.ceil(total / PAGE_SIZE));
  $(view.id + '-position').textContent = 'page ' + view.page + ' of ' + view.pages + ' (' + total + ' ' + view.noun
    + (view.search ? ' matching' : '') + ')';
  $(view.id + '-prev').disabled = view.page <= 1;
  $(view.id + '-next').disabled = view.page >= view.pages;
  return list;
}

async function workloads() {
  const list = await pageOf(views.workloads);
  if (!list) { return; }
  fillTable('workloads', list, (w) => [w.namespace, w.name, w.node, w.serviceAccount, w.identity, w.addresses.join(', '),
    el('span', w.captured ? 'yes' : 'no', w.captured ? 'ok' : 'warn'), w.waypoint || '']);
}

async function identities() {
  const list = await pageOf(views.identities);
  if (!list) { return; }
  fillTable('identities', list, (c) => [c.node, c.identity, c.state, c.serialNumber, c.notAfter,
    c.state === 'available' ? Math.floor(c.remainingSeconds / 3600) + ' h ' + Math.floor((c.remainingSeconds % 3600) / 60) + ' min' : '-', c.issuer]);
}

async function policies() {
  const list = await pageOf(views.policies);
  if (!list) { return; }
  fillTable('policies', list, (p) => [p.kind, p.namespace, p.name, p.layer, pre(p.written), pre(p.translated.map((t) => t.l4)),
    p.warnings.join('\n')]);
}

async function waypoints() {
  const [wps, routes] = await Promise.all([api('/waypoints'), api('/routes')]);
  fillTable('waypoints', wps, (w) => [w.namespace, w.name, w.waypointFor, w.programmed, w.services.join(', '), w.pods.join(', ')]);
  fillTable('routes', routes, (r) => [r.kind, r.namespace, r.name, r.parents.join(', '), r.backends.join(', '), r.accepted, r.resolvedRefs]);
}

async function validations() {
  const list = await api('/validations');
  fillTable('validations', list, (v) => [el('span', v.severity, v.severity === 'error' ? 'error' : 'warn'), v.code,
    v.kind ? v.kind + ' ' + (v.namespace ? v.namespace + '/' : '') + v.name : '', v.message]);
}

async function explain(event) {
  event.preventDefault();
  const out = $('explain-result');
  const query = new URLSearchParams({ from: $('explain-from').value.trim(), to: $('explain-to').value.trim(), port: $('explain-port').value });
  // the HTTP request a waypoint on the path decides on; left empty, the API asks about GET /
  if ($('explain-method').value.trim()) { query.append('method', $('explain-method').value.trim()); }
  if ($('explain-path').value.trim()) { query.append('path', $('explain-path').value.trim()); }
  $('explain-headers').value.split('\n').map((h) => h.trim()).filter((h) => h).forEach((h) => query.append('header', h));
  try {
    const x = await api('/explain?' + query.toString());
    out.replaceChildren(el('div', (x.allowed ? 'ALLOWED' : 'DENIED') + ': ' + x.from + ' → ' + x.to + ':' + x.port + ' (' + x.path + ')',
      'verdict ' + (x.allowed ? 'ok' : 'error')));
    const table = el('table');
    table.id = 'explain-hops';
    table.appendChild(el('thead')).appendChild(el('tr')).append(el('th', 'hop'), el('th', 'peer identity'), el('th', 'destination'),
      el('th', 'decision'), el('th', 'policies considered'));
    const body = table.appendChild(el('tbody'));
    x.hops.forEach((h) => {
      const tr = body.appendChild(el('tr'));
      tr.append(el('td', h.at), el('td', h.peer || '(plain text)'), el('td', h.destination),
        el('td', h.reason + (h.dryRun ? ' [dry-run: ' + h.dryRun + ']' : ''), h.decided ? (h.allowed ? 'ok' : 'error') : 'muted'),
        el('td', h.considered.join(', ') || 'none'));
    });
    out.appendChild(table);
    if (x.route) {
      // the waypoint's routing of the request, decided by the waypoint's own route matching
      const r = x.route;
      const route = el('div');
      route.id = 'explain-route';
      route.appendChild(el('p', 'route at the waypoint (table ' + r.table + '): '
        + (r.matched ? r.rule + ' from ' + r.origin : 'none') + ': ' + r.outcome, r.matched && r.action === 'forward' ? 'ok' : 'warn'));
      if (r.backends.length) {
        const backends = el('table');
        backends.id = 'explain-backends';
        backends.appendChild(el('thead')).appendChild(el('tr')).append(el('th', 'backend'), el('th', 'service'), el('th', 'port'),
          el('th', 'weight'), el('th', 'share'));
        const tb = backends.appendChild(el('tbody'));
        r.backends.forEach((b) => tb.appendChild(el('tr')).append(el('td', b.cluster), el('td', b.service || '(unknown)'),
          el('td', String(b.port)), el('td', String(b.weight)), el('td', b.percent + '%')));
        route.appendChild(backends);
      }
      if (r.applies.length) {
        const list = route.appendChild(el('ul'));
        r.applies.forEach((a) => list.appendChild(el('li', a)));
      }
      out.appendChild(route);
    }
    x.notes.forEach((n) => out.appendChild(el('p', n, 'warn')));
  } catch (e) {
    out.replaceChildren(el('p', e.message, 'error'));
  }
}

const LOADERS = { overview, graph, workloads, identities, policies, waypoints, validations, explain: null };

async function refresh() {
  const loader = LOADERS[activeTab];
  try {
    if (loader) { await loader(); }
    $('status').textContent = 'updated ' + new Date().toLocaleTimeString();
    $('status').className = 'muted';
  } catch (e) {
    if (e.message !== 'unauthorized') {
      $('status').textContent = e.message;
      $('status').className = 'error';
    }
  }
}

function show(tab) {
  activeTab = tab;
  document.querySelectorAll('#tabs button').forEach((b) => b.classList.toggle('active', b.dataset.tab === tab));
  document.querySelectorAll('.tab').forEach((s) => { s.hidden = s.id !== 'tab-' + tab; });
  refresh();
}

function start() {
  $('login').hidden = true;
  $('app').hidden = false;
  $('signout').hidden = false;
  show(activeTab);
  if (!timer) { timer = setInterval(refresh, POLL_MS); }
}

function signOut(message) {
  sessionStorage.removeItem(TOKEN_KEY);
  if (timer) { clearInterval(timer); timer = null; }
  $('app').hidden = true;
  $('signout').hidden = true;
  $('login').hidden = false;
  $('login-error').textContent = message || '';
}

document.addEventListener('DOMContentLoaded', () => {
  document.querySelectorAll('#tabs button').forEach((b) => b.addEventListener('click', () => show(b.dataset.tab)));
  $('signout').addEventListener('click', () => signOut(''));
  $('explain-form').addEventListener('submit', explain);
  Object.values(views).forEach((view) => {
    $(view.id + '-search').addEventListener('input', () => {
      view.search = $(view.id + '-search').value.trim();
      view.page = 1;
      refresh();
    });
    $(view.id + '-prev').addEventListener('click', () => { if (view.page > 1) { view.page -= 1; refresh(); } });
    $(view.id + '-next').addEventListener('click', () => {
      if (view.page < view.pages) { view.page += 1; refresh(); }
    });
  });
  $('login-form').addEventListener('submit', async (event) => {
    event.preventDefault();
    sessionStorage.setItem(TOKEN_KEY, $('token').value.trim());
    $('token').value = '';
    try {
      await api('/overview');
      start();
    } catch (e) {
      if (e.message !== 'unauthorized') { $('login-error').textContent = e.message; start(); }
    }
  });
  if (token()) { start(); } else { signOut(''); }
});
