// raftkv live dashboard. Plain JavaScript, no libraries, nothing fetched but this server's own
// routes: the `cluster` Server-Sent Events at `events` (relative to this page) and, for the
// membership actions, /v1/members and /v1/leader on the same origin.
'use strict';

(() => {
  const HISTORY_MS = 120_000; // how much the charts show
  const KEEP_MS = HISTORY_MS + 5_000; // how much history the page keeps
  const STALE_MS = 3_000; // no event for this long: the "updated" line turns to a warning
  const GAP_MS = 2_600; // two samples further apart than this are not joined by a line
  const LAG_WARN = 1_000; // entries behind the leader before a lag is a warning
  const TICK_MS = 250;
  const REQUEST_TIMEOUT_MS = 60_000;
  const RECONNECT_MS = [2_000, 5_000, 10_000, 30_000]; // after the browser gave up on the stream
  const NODE_COLORS = ['#3b6fe0', '#e8772e', '#14a08f', '#9a5bd6', '#d4477f', '#7f9a1e', '#b0703a', '#5b7083'];

  const $ = (selector) => document.querySelector(selector);

  const state = {
    last: null, // the last `cluster` event
    receivedAt: 0, // local Date.now() when it came
    events: 0,
    history: [], // {t, w, r, nodes: Map(id -> {fsync, lag})}, oldest first
    metric: 'fsync',
    source: null,
    reconnectAttempt: 0,
    reconnectTimer: 0,
    reconnectAt: 0,
  };

  // ---------------------------------------------------------------------------------------------
  // Small helpers

  /** Builds an element: h('td', {class: 'num', title: 'x'}, 'text', childNode, ...). */
  function h(tag, attrs, ...children) {
    const el = document.createElement(tag);
    if (attrs) {
      for (const [k, v] of Object.entries(attrs)) {
        if (v === null || v === undefined || v === false) continue;
        if (k === 'class') el.className = v;
        else if (k === 'dataset') Object.assign(el.dataset, v);
        else if (k === 'style') el.style.cssText = v;
        else el.setAttribute(k, v === true ? '' : String(v));
      }
    }
    for (const c of children) {
      if (c === null || c === undefined || c === false) continue;
      el.append(c instanceof Node ? c : document.createTextNode(String(c)));
    }
    return el;
  }

  const isNum = (v) => typeof v === 'number' && Number.isFinite(v);
  const DASH = '—';
  const intFmt = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });

  function fmtInt(v) {
    return isNum(v) ? intFmt.format(v) : DASH;
  }

  /** A rate: 0.4, 12.5, 1,234, 123.4k. */
  function fmtRate(v) {
    if (!isNum(v)) return DASH;
    const a = Math.abs(v);
    if (a >= 100_000) return (v / 1000).toFixed(a >= 1_000_000 ? 0 : 1) + 'k';
    if (a >= 100) return intFmt.format(v);
    if (a >= 10) return v.toFixed(1).replace(/\.0$/, '');
    if (a === 0) return '0';
    return v.toFixed(1);
  }

  function fmtMs(v) {
    if (!isNum(v)) return DASH;
    if (v >= 100) return v.toFixed(0);
    if (v >= 10) return v.toFixed(1);
    return v.toFixed(2);
  }

  /** Compact axis labels: 0, 500, 1.5k, 20k, 1.2M. */
  function fmtAxis(v) {
    const a = Math.abs(v);
    if (a >= 1e6) return +(v / 1e6).toFixed(1) + 'M';
    if (a >= 1e3) return +(v / 1e3).toFixed(1) + 'k';
    if (a > 0 && a < 1) return +v.toFixed(2) + '';
    return +v.toFixed(1) + '';
  }

  const pad2 = (n) => String(n).padStart(2, '0');

  function fmtClock(ms) {
    const d = new Date(ms);
    const time = `${pad2(d.getHours())}:${pad2(d.getMinutes())}:${pad2(d.getSeconds())}`;
    const now = new Date();
    if (d.toDateString() === now.toDateString()) return time;
    return `${d.getFullYear()}-${pad2(d.getMonth() + 1)}-${pad2(d.getDate())} ${time}`;
  }

  function fmtAgo(ms) {
    if (ms < 0) ms = 0;
    const s = ms / 1000;
    if (s < 10) return s.toFixed(1) + ' s';
    if (s < 120) return Math.round(s) + ' s';
    const m = s / 60;
    if (m < 120) return Math.round(m) + ' min';
    const hrs = m / 60;
    if (hrs < 48) return Math.round(hrs) + ' h';
    return Math.round(hrs / 24) + ' d';
  }

  function nodeColor(id) {
    const i = isNum(id) && id > 0 ? (id - 1) % NODE_COLORS.length : NODE_COLORS.length - 1;
    return NODE_COLORS[i];
  }

  function cssVar(name) {
    return getComputedStyle(document.documentElement).getPropertyValue(name).trim();
  }

  const isReachable = (n) => n.reachable === true || (n.reachable == null && !n.error);

  function nodesOf(ev) {
    const list = ev && Array.isArray(ev.nodes) ? ev.nodes.filter((n) => n && typeof n === 'object') : [];
    return list.slice().sort((a, b) => (a.id ?? 0) - (b.id ?? 0));
  }

  // ---------------------------------------------------------------------------------------------
  // Connection

  const connEl = $('#connection');

  function setConnection(stateName, text) {
    connEl.dataset.state = stateName;
    connEl.querySelector('.conn-text').textContent =
      text ?? (stateName === 'live' ? 'live' : stateName === 'reconnecting' ? 'reconnecting…' : 'disconnected');
  }

  // ---- Tokens: a cluster with authentication on answers 401 without one (docs/API.md). The
  // token is kept for this tab only (sessionStorage), sent as a header with the page's own
  // requests, and as a cookie, which the server takes for reads only, for the event stream
  // (an EventSource cannot send headers).
  const TOKEN_KEY = 'raftkv-token';

  function token() {
    return sessionStorage.getItem(TOKEN_KEY);
  }

  function authHeaders() {
    const t = token();
    return t ? { Authorization: 'Bearer ' + t } : {};
  }

  function rememberToken(t) {
    sessionStorage.setItem(TOKEN_KEY, t);
    const secure = location.protocol === 'https:' ? '; Secure' : '';
    // for the event stream only: a cookie goes to every port of this host, on every request
    document.cookie = 'raftkv_token=' + encodeURIComponent(t) + '; path=/ui/events; SameSite=Strict' + secure;
  }

  /** Resolves once this page may read the cluster's status, asking for a token if needed. */
  async function ensureAccess() {
    for (;;) {
      let res;
      try {
        res = await fetch(apiUrl('/v1/cluster'), { cache: 'no-store', credentials: 'same-origin', headers: authHeaders() });
      } catch (e) {
        return; // unreachable: the event stream's reconnects say so
      }
      if (res.status !== 401 && res.status !== 403) return;
      const why = res.status === 401 ? 'This cluster needs a token to read its status.' : 'This token may not read the cluster.';
      const t = window.prompt(why + ' Token (read, read-write or admin):', '');
      if (t === null || t.trim() === '') {
        setConnection('disconnected', 'disconnected (a token is needed)');
        throw new Error('no token');
      }
      rememberToken(t.trim());
    }
  }

  function connect() {
    ensureAccess().then(openStream, () => {});
  }

  function openStream() {
    clearTimeout(state.reconnectTimer);
    state.reconnectAt = 0;
    if (!('EventSource' in window)) {
      setConnection('disconnected', 'disconnected (no EventSource)');
      return;
    }
    if (state.reconnectAttempt > 0) setConnection('reconnecting');
    const es = new EventSource('events');
    state.source = es;
    es.addEventListener('open', () => {
      state.reconnectAttempt = 0;
      setConnection('live');
    });
    es.addEventListener('cluster', onCluster);
    es.addEventListener('error', () => {
      if (state.source !== es) return;
      if (es.readyState === EventSource.CLOSED) {
        // The browser gave up (the server answered with an error status or not an event stream):
        // try again later ourselves.
        es.close();
        state.source = null;
        const delay = RECONNECT_MS[Math.min(state.reconnectAttempt, RECONNECT_MS.length - 1)];
        state.reconnectAttempt++;
        state.reconnectAt = Date.now() + delay;
        state.reconnectTimer = setTimeout(connect, delay);
        setConnection('disconnected');
      } else {
        // CONNECTING: the browser reconnects by itself.
        setConnection('reconnecting');
      }
    });
  }

  // ---------------------------------------------------------------------------------------------
  // Events

  function onCluster(e) {
    let ev;
    try {
      ev = JSON.parse(e.data);
    } catch (err) {
      console.warn('raftkv dashboard: an event that is not JSON was ignored', err);
      return;
    }
    if (!ev || typeof ev !== 'object') return;
    state.events++;
    document.body.dataset.events = String(state.events);
    state.last = ev;
    state.receivedAt = Date.now();
    if (connEl.dataset.state !== 'live') setConnection('live');
    record(ev);
    render(ev);
  }

  function record(ev) {
    const t = isNum(ev.time) ? ev.time : Date.now();
    const h = state.history;
    const prev = h[h.length - 1];
    if (prev && t <= prev.t) {
      if (t < prev.t - 5_000) h.length = 0; // the clock went back (another server?): start over
      else return;
    }
    const nodes = new Map();
    for (const n of nodesOf(ev)) {
      if (!isNum(n.id)) continue;
      nodes.set(n.id, {
        fsync: isReachable(n) && isNum(n.fsyncMs) ? n.fsyncMs : null,
        lag: isNum(n.lagEntries) ? n.lagEntries : null,
      });
    }
    h.push({
      t,
      w: isNum(ev.writesPerSec) ? ev.writesPerSec : null,
      r: isNum(ev.readsPerSec) ? ev.readsPerSec : null,
      nodes,
    });
    while (h.length && h[0].t < t - KEEP_MS) h.shift();
  }

  // ---------------------------------------------------------------------------------------------
  // Rendering

  function render(ev) {
    const nodes = nodesOf(ev);
    // One part failing on odd data must not stop the others.
    for (const part of [renderHeader, renderSummary, renderNodes, renderTimeline, renderForms]) {
      try {
        part(ev, nodes);
      } catch (err) {
        console.error(`raftkv dashboard: ${part.name} failed`, err);
      }
    }
    drawCharts();
    tick();
  }

  function renderHeader(ev) {
    const src = typeof ev.source === 'string' && ev.source ? ev.source : location.host;
    $('#source').textContent = 'served by ' + src;
    const updated = $('#updated');
    updated.dataset.time = isNum(ev.time) ? String(ev.time) : '';
    updated.title = isNum(ev.time) ? 'server time ' + new Date(ev.time).toLocaleString() : '';
  }

  function renderSummary(ev, nodes) {
    const leaderId = isNum(ev.leaderId) && ev.leaderId > 0 ? ev.leaderId : 0;
    const leader = $('#leader');
    leader.dataset.leaderId = String(leaderId);
    leader.textContent = leaderId ? `node ${leaderId}` : 'none';
    leader.title = leaderId ? '' : 'no leader is known: writes and linearizable reads wait or fail';

    const term = $('#term');
    term.dataset.term = isNum(ev.term) ? String(ev.term) : '';
    term.textContent = isNum(ev.term) ? String(ev.term) : DASH;

    $('#writes').textContent = fmtRate(ev.writesPerSec);
    $('#reads').textContent = fmtRate(ev.readsPerSec);

    const up = nodes.filter(isReachable).length;
    const voters = nodes.filter((n) => n.voter === true);
    const learners = nodes.filter((n) => n.voter === false);
    const votersUp = voters.filter(isReachable).length;
    const quorum = Math.floor(voters.length / 2) + 1;
    const upEl = $('#nodes-up');
    upEl.textContent = '';
    upEl.append(String(up), h('span', { class: 'sub' }, ` / ${nodes.length}`));
    upEl.classList.toggle('bad', voters.length > 0 && votersUp < quorum);
    upEl.classList.toggle('warn', up < nodes.length && !(voters.length > 0 && votersUp < quorum));
    upEl.title = voters.length
      ? `${votersUp} of ${voters.length} voters reachable; a majority is ${quorum}`
      : '';

    $('#membership').textContent = `${voters.length} / ${learners.length}`;

    // The small line under each value
    const changes = Array.isArray(ev.leaderChanges) ? ev.leaderChanges.filter((c) => c && isNum(c.time)) : [];
    const lastChange = changes.length ? changes[changes.length - 1] : null;
    const serverNow = isNum(ev.time) ? ev.time : Date.now();
    setMeta('#leader-meta', lastChange
      ? (leaderId ? 'for ' : 'leaderless for ') + fmtAgo(serverNow - lastChange.time)
      : '', leaderId ? '' : 'warn');
    const recent = changes.filter((c) => c.time >= serverNow - HISTORY_MS).length;
    setMeta('#term-meta', changes.length ? `${recent} leader change${recent === 1 ? '' : 's'} in 2 min` : '',
      recent >= 4 ? 'warn' : '');
    const peak = (key) => {
      let m = null;
      for (const s of state.history) if (s.t >= serverNow - HISTORY_MS && isNum(s[key]) && (m === null || s[key] > m)) m = s[key];
      return m;
    };
    const pw = peak('w');
    const pr = peak('r');
    setMeta('#writes-meta', pw !== null ? `peak ${fmtRate(pw)} in 2 min` : '');
    setMeta('#reads-meta', pr !== null ? `peak ${fmtRate(pr)} in 2 min` : '');
    if (voters.length) {
      setMeta('#nodes-up-meta', votersUp >= quorum
        ? `${votersUp} of ${voters.length} voters: majority ok`
        : `${votersUp} of ${voters.length} voters: no majority`, votersUp >= quorum ? (up < nodes.length ? 'warn' : '') : 'bad');
      setMeta('#membership-meta', `a majority is ${quorum} voter${quorum === 1 ? '' : 's'}`);
    } else {
      setMeta('#nodes-up-meta', '');
      setMeta('#membership-meta', '');
    }

    document.title = `raftkv · ${leaderId ? 'leader node ' + leaderId : 'no leader'}` +
      (isNum(ev.term) ? ` · term ${ev.term}` : '');
  }

  function setMeta(selector, text, cls = '') {
    const el = $(selector);
    el.textContent = text || '\u00a0';
    el.className = 'meta' + (cls ? ' ' + cls : '');
  }

  function badge(role) {
    const label = role === 'PRE_CANDIDATE' ? 'PRE-CANDIDATE' : role || 'UNKNOWN';
    return h('span', { class: 'badge ' + (role || 'UNKNOWN') }, label);
  }

  function numCell(v, fmt = fmtInt, extraClass = '') {
    const ok = isNum(v);
    return h('td', { class: 'num' + (ok ? '' : ' nil') + (extraClass ? ' ' + extraClass : '') }, ok ? fmt(v) : DASH);
  }

  function urlCell(n) {
    const td = h('td', { class: 'url' });
    if (typeof n.clientUrl === 'string' && n.clientUrl) {
      let href = null;
      try {
        const u = new URL(n.clientUrl);
        if (u.protocol === 'http:' || u.protocol === 'https:') href = new URL('ui/', u.href.endsWith('/') ? u.href : u.href + '/').href;
      } catch (e) {
        href = null;
      }
      td.append(href
        ? h('a', { href, target: '_blank', rel: 'noopener', title: `open node ${n.id}'s dashboard` }, n.clientUrl)
        : n.clientUrl);
    } else {
      td.append(DASH);
      td.classList.add('nil');
    }
    if (n.raftAddress) td.title = 'Raft address ' + n.raftAddress;
    return td;
  }

  function renderNodes(ev, nodes) {
    const tbody = $('#nodes tbody');
    const rows = [];
    const clusterTerm = isNum(ev.term) ? ev.term : null;
    const maxLag = Math.max(0, ...nodes.map((n) => (isReachable(n) && isNum(n.lagEntries) ? n.lagEntries : 0)));

    for (const n of nodes) {
      const reachable = isReachable(n);
      const role = reachable ? (typeof n.role === 'string' ? n.role : '') : 'UNREACHABLE';
      const kind = n.voter === true ? 'voter' : n.voter === false ? 'learner' : DASH;
      const isLeader = reachable && role === 'LEADER';
      const tr = h('tr', {
        class: (reachable ? '' : 'down') + (isLeader ? ' leader' : ''),
        dataset: { nodeId: String(n.id ?? ''), role },
      });
      const details = [
        `node ${n.id ?? '?'}`,
        n.raftAddress ? `raft ${n.raftAddress}` : null,
        isNum(n.firstIndex) ? `first index ${fmtInt(n.firstIndex)}` : null,
        isNum(n.snapshotIndex) ? `snapshot at ${fmtInt(n.snapshotIndex)}` : null,
        isNum(n.keys) ? `${fmtInt(n.keys)} keys` : null,
        isNum(n.leaderId) ? (n.leaderId > 0 ? `follows node ${n.leaderId}` : 'knows no leader') : null,
      ].filter(Boolean);
      tr.append(h('td', { class: 'id', title: details.join(' · ') }, String(n.id ?? '?')));
      tr.append(h('td', null, badge(role || null)));

      if (!reachable) {
        tr.append(h('td', { class: 'error', colspan: 9, title: n.error || '' }, n.error ? 'unreachable: ' + n.error : 'unreachable'));
      } else {
        const staleTerm = isNum(n.term) && clusterTerm !== null && n.term < clusterTerm;
        tr.append(numCell(n.term, fmtInt, staleTerm ? 'warn' : ''));
        if (staleTerm) tr.lastChild.title = `behind the cluster's term ${clusterTerm}`;
        tr.append(numCell(n.commitIndex));
        const appliedBehind = isNum(n.appliedIndex) && isNum(n.commitIndex) && n.commitIndex - n.appliedIndex > LAG_WARN;
        tr.append(numCell(n.appliedIndex, fmtInt, appliedBehind ? 'warn' : ''));
        tr.append(numCell(n.lastIndex));
        tr.append(numCell(n.matchIndex));
        tr.append(lagCell(n.lagEntries, maxLag));
        tr.append(numCell(n.writesPerSec, fmtRate));
        tr.append(numCell(n.readsPerSec, fmtRate));
        tr.append(numCell(n.fsyncMs, fmtMs));
      }
      tr.append(h('td', { class: 'kind ' + kind }, kind));
      tr.append(urlCell(n));
      rows.push(tr);
    }
    tbody.replaceChildren(...rows);
    const empty = $('#nodes-empty');
    empty.textContent = 'No nodes reported.';
    empty.hidden = rows.length > 0;
  }

  function lagCell(lag, maxLag) {
    const td = h('td', { class: 'lagcol' });
    if (!isNum(lag)) {
      td.classList.add('nil');
      td.textContent = DASH;
      return td;
    }
    const pct = maxLag > 0 ? Math.max(lag > 0 ? 2 : 0, (lag / maxLag) * 100) : 0;
    const warn = lag > LAG_WARN;
    td.append(h('div', { class: 'lag' + (warn ? ' warn' : ''), title: `${fmtInt(lag)} entries behind the leader's log` },
      h('span', { class: 'bar' }, h('i', { style: `width:${pct.toFixed(1)}%` })),
      h('span', { class: 'n' }, fmtInt(lag))));
    return td;
  }

  function renderTimeline(ev) {
    const list = $('#timeline');
    const changes = Array.isArray(ev.leaderChanges) ? ev.leaderChanges.filter((c) => c && typeof c === 'object') : [];
    const items = [];
    const now = Date.now();
    const skew = isNum(ev.time) ? now - ev.time : 0; // to show "ago" on the local clock
    for (let i = changes.length - 1; i >= 0; i--) {
      const c = changes[i];
      const leaderId = isNum(c.leaderId) && c.leaderId > 0 ? c.leaderId : 0;
      const li = h('li', {
        class: (leaderId ? '' : 'none') + (i === changes.length - 1 ? ' latest' : ''),
        dataset: { term: isNum(c.term) ? String(c.term) : '', leaderId: String(leaderId) },
      });
      li.append(isNum(c.time)
        ? h('time', { datetime: new Date(c.time).toISOString(), title: new Date(c.time).toLocaleString() }, fmtClock(c.time))
        : h('time', null, DASH));
      const what = h('span', { class: 'what' }, h('span', { class: 't' }, `term ${isNum(c.term) ? c.term : '?'}:`));
      if (leaderId) {
        what.append(h('strong', null, `node ${leaderId} leads`));
        if (isNum(c.previousLeaderId)) {
          what.append(' ', h('span', { class: 'was' }, c.previousLeaderId > 0 ? `(was node ${c.previousLeaderId})` : '(was none)'));
        }
      } else {
        what.append(h('strong', null, 'no leader'));
        if (isNum(c.previousLeaderId) && c.previousLeaderId > 0) {
          what.append(' ', h('span', { class: 'was' }, `(was node ${c.previousLeaderId})`));
        }
      }
      li.append(what);
      li.append(h('span', { class: 'ago' }, isNum(c.time) ? fmtAgo(now - skew - c.time) + ' ago' : ''));
      items.push(li);
    }
    list.replaceChildren(...items);
    $('#timeline-empty').hidden = items.length > 0;
  }

  // ---------------------------------------------------------------------------------------------
  // Membership forms

  /** Replaces a select's options only when they changed, keeping the selection. */
  function setOptions(select, options, emptyText) {
    const sig = JSON.stringify(options) + '|' + emptyText;
    if (select.dataset.sig === sig) return;
    select.dataset.sig = sig;
    const keep = select.value;
    const current = [...select.options].map((o) => o.value);
    if (options.length && current.length === options.length && options.every(([v], i) => v === current[i])) {
      // The same choices: only relabel them, so that an open drop-down stays open.
      options.forEach(([, label], i) => {
        if (select.options[i].textContent !== label) select.options[i].textContent = label;
      });
      return;
    }
    const els = options.map(([value, label]) => h('option', { value }, label));
    if (!els.length && emptyText) els.push(h('option', { value: '', disabled: true }, emptyText));
    select.replaceChildren(...els);
    if (options.some(([v]) => v === keep)) select.value = keep;
    else if (!options.length) select.value = '';
  }

  function roleNote(n, leaderId) {
    const bits = [n.voter === false ? 'learner' : n.voter === true ? 'voter' : null];
    if (n.id === leaderId) bits.push('leader');
    if (!isReachable(n)) bits.push('unreachable');
    return bits.filter(Boolean).join(', ');
  }

  function renderForms(ev, nodes) {
    const leaderId = isNum(ev.leaderId) ? ev.leaderId : 0;
    const withIds = nodes.filter((n) => isNum(n.id));

    const voters = withIds.filter((n) => n.voter === true);
    setOptions($('#transfer-to'),
      [['', 'most up-to-date voter'], ...voters.map((n) => [String(n.id), `node ${n.id}` + (n.id === leaderId ? ' (leader)' : isReachable(n) ? '' : ' (unreachable)')])]);

    const learners = withIds.filter((n) => n.voter === false);
    setOptions($('#promote-id'), learners.map((n) => {
      const lag = isNum(n.lagEntries) ? `, ${fmtInt(n.lagEntries)} behind` : '';
      return [String(n.id), `node ${n.id}${lag}`];
    }), 'no learners');

    setOptions($('#remove-id'), withIds.length
      ? [['', 'choose a member…'], ...withIds.map((n) => [String(n.id), `node ${n.id} (${roleNote(n, leaderId)})`])]
      : [], 'no members');

    // Suggest the next id and its ports when the members follow a "base port + id" pattern.
    const add = $('#op-add');
    const maxId = Math.max(0, ...withIds.map((n) => n.id));
    add.elements.id.placeholder = String(maxId + 1);
    state.portBase = portBases(withIds);
    suggestPorts();
    updateButtons();
  }

  function portOf(s) {
    if (typeof s !== 'string') return null;
    const m = /:(\d+)\/?$/.exec(s.trim());
    return m ? Number(m[1]) : null;
  }

  /** {raft, client}: the offsets every member's ports have from its id, when they all agree. */
  function portBases(nodes) {
    const base = { raft: null, client: null };
    for (const key of ['raft', 'client']) {
      const offsets = new Set();
      for (const n of nodes) {
        const p = portOf(key === 'raft' ? n.raftAddress : n.clientUrl);
        if (p !== null) offsets.add(p - n.id);
      }
      if (offsets.size === 1) base[key] = [...offsets][0];
    }
    return base;
  }

  /** The ports the members' pattern suggests for the id typed (or, before one is, the next id). */
  function suggestedPorts() {
    const f = $('#op-add').elements;
    const id = Number(f.id.value !== '' ? f.id.value : f.id.placeholder);
    const base = state.portBase || {};
    const one = (key) => (Number.isInteger(id) && id > 0 && isNum(base[key]) ? String(base[key] + id) : '');
    return { raftPort: one('raft'), clientPort: one('client') };
  }

  /**
   * Shows the suggested ports as placeholders; when the id is being typed (fill), also writes them
   * into the port fields the user has not typed in. Updates from the server only touch placeholders.
   */
  function suggestPorts(fill = false) {
    const f = $('#op-add').elements;
    const ports = suggestedPorts();
    for (const name of ['raftPort', 'clientPort']) {
      const field = f[name];
      field.placeholder = ports[name];
      if (fill && field.dataset.user !== '1') field.value = f.id.value !== '' ? ports[name] : '';
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Requests

  const busy = new Set(); // forms with a request in flight

  function updateButtons() {
    for (const form of document.querySelectorAll('form.op')) {
      const btn = form.querySelector('button[type="submit"]');
      const select = form.querySelector('select[required]');
      const noChoice = select ? !select.value : false;
      btn.disabled = busy.has(form) || noChoice;
    }
  }

  function apiUrl(path) {
    // The page lives at /ui/ on the same origin; the API sits next to it (/v1/...).
    return new URL('../' + path.replace(/^\//, ''), location.href).href;
  }

  /** A membership answer in a few words: "changed · voters 1, 2, 3 · learners 4 · leader 1". */
  function summarize(json) {
    if (!json || typeof json !== 'object' || Array.isArray(json)) return null;
    const ids = (list) => (Array.isArray(list) && list.length
      ? list.map((m) => (m && typeof m === 'object' ? m.id : m)).join(', ') : 'none');
    if (!('voters' in json) && !('learners' in json)) return null;
    const bits = [];
    if (typeof json.changed === 'boolean') bits.push(json.changed ? 'changed' : 'no change needed');
    bits.push('voters ' + ids(json.voters), 'learners ' + ids(json.learners));
    if (isNum(json.index)) bits.push(`index ${fmtInt(json.index)}` + (json.committed === true ? ' committed' : ''));
    if (isNum(json.leaderId)) bits.push(json.leaderId > 0 ? `leader node ${json.leaderId}` : 'no leader');
    return bits.join(' · ');
  }

  /** The result line: a status line, then the answer's JSON (long answers summed up, JSON folded). */
  function showResult(form, kind, head, json, text) {
    const out = form.querySelector('.result');
    out.className = 'result ' + kind;
    const body = json !== undefined && json !== null ? JSON.stringify(json) : text;
    const parts = [h('span', { class: 'head' }, head)];
    if (body) {
      const summary = kind === 'ok' ? summarize(json) : null;
      if (summary && body.length > 120) {
        parts.push(h('span', { class: 'sum' }, summary),
          h('details', null, h('summary', null, 'JSON'), h('code', { class: 'json' }, body)));
      } else {
        parts.push(h('code', { class: 'json' }, body));
      }
    }
    out.replaceChildren(...parts.flatMap((p, i) => (i ? ['\n', p] : [p])));
  }

  async function send(form, method, path, body) {
    if (busy.has(form)) return;
    busy.add(form);
    updateButtons();
    const btn = form.querySelector('button[type="submit"]');
    const label = btn.textContent;
    btn.textContent = label + '…';
    showResult(form, 'busy', `${method} ${path} …`);
    const ctrl = new AbortController();
    const timer = setTimeout(() => ctrl.abort(), REQUEST_TIMEOUT_MS);
    const stamp = () => fmtClock(Date.now());
    try {
      const init = {
        method,
        headers: Object.assign({ 'Content-Type': 'application/json', Accept: 'application/json' }, authHeaders()),
        cache: 'no-store',
        credentials: 'same-origin',
        signal: ctrl.signal,
      };
      if (body !== undefined) init.body = JSON.stringify(body);
      const res = await fetch(apiUrl(path), init);
      const text = await res.text();
      let json = null;
      try {
        json = text ? JSON.parse(text) : null;
      } catch (e) {
        json = null;
      }
      if (res.ok) {
        showResult(form, 'ok', `${stamp()} ${res.status} ${method} ${path}`, json, text);
      } else {
        const msg = json && typeof json.error === 'string' ? json.error : text.trim() || res.statusText || 'request failed';
        showResult(form, 'err', `${stamp()} ${res.status} ${method} ${path}`, undefined, msg);
      }
    } catch (e) {
      const msg = e && e.name === 'AbortError'
        ? `no answer within ${REQUEST_TIMEOUT_MS / 1000} s: the outcome is unknown, check the cluster before repeating`
        : `network error: the server could not be reached (${e && e.message ? e.message : e})`;
      showResult(form, 'err', `${stamp()} ${method} ${path}`, undefined, msg);
    } finally {
      clearTimeout(timer);
      btn.textContent = label;
      busy.delete(form);
      updateButtons();
    }
  }

  function positiveInt(v) {
    const n = Number(v);
    return Number.isInteger(n) && n > 0 ? n : null;
  }

  function wireForms() {
    $('#op-transfer').addEventListener('submit', (e) => {
      e.preventDefault();
      const to = positiveInt(e.currentTarget.elements.to.value);
      send(e.currentTarget, 'POST', '/v1/leader', to ? { to } : {});
    });

    const add = $('#op-add');
    add.elements.id.addEventListener('input', () => suggestPorts(true));
    for (const name of ['raftPort', 'clientPort']) {
      // Once typed in (even emptied), a port field is the user's: the page no longer fills it.
      add.elements[name].addEventListener('input', (e) => { e.target.dataset.user = '1'; });
    }
    add.addEventListener('submit', (e) => {
      e.preventDefault();
      const f = e.currentTarget.elements;
      const id = positiveInt(f.id.value);
      // An empty port field takes the suggestion it shows.
      const raftPort = positiveInt(f.raftPort.value || f.raftPort.placeholder);
      const clientPort = positiveInt(f.clientPort.value || f.clientPort.placeholder);
      const host = f.host.value.trim();
      if (!id || !host || !raftPort || !clientPort || raftPort > 65535 || clientPort > 65535) {
        showResult(e.currentTarget, 'err', 'not sent', undefined, 'give a positive id, a host and two ports (1-65535)');
        return;
      }
      send(e.currentTarget, 'POST', '/v1/members', { id, host, raftPort, clientPort });
    });

    $('#op-promote').addEventListener('submit', (e) => {
      e.preventDefault();
      const id = positiveInt(e.currentTarget.elements.id.value);
      if (!id) return;
      send(e.currentTarget, 'POST', `/v1/members/${id}/promote`, {});
    });

    $('#op-remove').addEventListener('submit', (e) => {
      e.preventDefault();
      const id = positiveInt(e.currentTarget.elements.id.value);
      if (!id) return;
      const ev = state.last || {};
      const leaderNote = ev.leaderId === id ? '\n\nIt is the leader: it hands leadership over once the change commits.' : '';
      if (!window.confirm(`Remove node ${id} from the cluster?${leaderNote}`)) return;
      send(e.currentTarget, 'DELETE', `/v1/members/${id}`);
    });

    for (const sel of document.querySelectorAll('form.op select')) sel.addEventListener('change', updateButtons);
  }

  // ---------------------------------------------------------------------------------------------
  // Charts: hand-drawn line charts on <canvas>

  class LineChart {
    constructor(canvas, legend) {
      this.canvas = canvas;
      this.legend = legend;
      this.hoverX = null;
      this.data = null;
      canvas.addEventListener('pointermove', (e) => {
        const r = canvas.getBoundingClientRect();
        this.hoverX = e.clientX - r.left;
        this.draw();
      });
      canvas.addEventListener('pointerleave', () => {
        this.hoverX = null;
        this.draw();
      });
      if ('ResizeObserver' in window) new ResizeObserver(() => this.draw()).observe(canvas);
    }

    /** data: {series: [{name, color, points: [[t, v|null]], fill}], unit, tEnd, threshold} */
    set(data) {
      this.data = data;
      this.draw();
    }

    draw() {
      const { canvas } = this;
      const data = this.data;
      const cssW = canvas.clientWidth;
      const cssH = canvas.clientHeight;
      if (!cssW || !cssH) return;
      const dpr = window.devicePixelRatio || 1;
      const W = Math.round(cssW * dpr);
      const H = Math.round(cssH * dpr);
      if (canvas.width !== W || canvas.height !== H) {
        canvas.width = W;
        canvas.height = H;
      }
      const ctx = canvas.getContext('2d');
      ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
      ctx.clearRect(0, 0, cssW, cssH);

      const colText = cssVar('--faint') || '#888';
      const colGrid = cssVar('--grid') || '#eee';
      const colWarn = cssVar('--warn') || '#b25400';
      const font = `11px ${cssVar('--mono') || 'monospace'}`;
      ctx.font = font;

      const series = data ? data.series : [];
      const tEnd = data ? data.tEnd : Date.now();
      const tStart = tEnd - HISTORY_MS;

      let max = 0;
      for (const s of series) for (const [t, v] of s.points) if (t >= tStart && isNum(v) && v > max) max = v;
      if (data && isNum(data.threshold) && max > data.threshold * 0.6) max = Math.max(max, data.threshold * 1.1);
      const { top, step } = niceScale(max, data && data.minTop ? data.minTop : 1);

      const labelW = Math.max(...[0, top / 2, top].map((v) => ctx.measureText(fmtAxis(v)).width)) + 10;
      const L = Math.ceil(labelW) + 2;
      const R = 8;
      const T = 8;
      const B = 20;
      const pw = cssW - L - R;
      const ph = cssH - T - B;
      if (pw <= 10 || ph <= 10) return;
      const x = (t) => L + ((t - tStart) / HISTORY_MS) * pw;
      const y = (v) => T + ph - (v / top) * ph;

      // grid and y labels
      ctx.lineWidth = 1;
      ctx.textAlign = 'right';
      ctx.textBaseline = 'middle';
      for (let v = 0; v <= top + step / 1000; v += step) {
        const yy = Math.round(y(v)) + 0.5;
        ctx.strokeStyle = colGrid;
        ctx.beginPath();
        ctx.moveTo(L, yy);
        ctx.lineTo(L + pw, yy);
        ctx.stroke();
        ctx.fillStyle = colText;
        ctx.fillText(fmtAxis(v), L - 6, yy);
      }
      // x labels every 30 s
      ctx.textAlign = 'center';
      ctx.textBaseline = 'top';
      for (let s = 0; s <= 120; s += 30) {
        const xx = Math.round(L + pw - (s / 120) * pw) + 0.5;
        ctx.strokeStyle = colGrid;
        ctx.beginPath();
        ctx.moveTo(xx, T + ph);
        ctx.lineTo(xx, T + ph + 4);
        ctx.stroke();
        ctx.fillStyle = colText;
        ctx.textAlign = s === 120 ? 'left' : s === 0 ? 'right' : 'center';
        ctx.fillText(s === 0 ? 'now' : `−${s}s`, s === 120 ? xx - 0.5 : s === 0 ? xx + 0.5 : xx, T + ph + 6);
      }

      // threshold
      if (data && isNum(data.threshold) && data.threshold <= top) {
        const yy = Math.round(y(data.threshold)) + 0.5;
        ctx.save();
        ctx.strokeStyle = colWarn;
        ctx.globalAlpha = 0.7;
        ctx.setLineDash([4, 4]);
        ctx.beginPath();
        ctx.moveTo(L, yy);
        ctx.lineTo(L + pw, yy);
        ctx.stroke();
        ctx.restore();
      }

      // series
      ctx.save();
      ctx.beginPath();
      ctx.rect(L, T - 2, pw + 2, ph + 4);
      ctx.clip();
      for (const s of series) {
        const segments = [];
        let seg = [];
        let prevT = null;
        for (const [t, v] of s.points) {
          if (t < tStart - GAP_MS) { prevT = t; continue; }
          if (!isNum(v) || (prevT !== null && t - prevT > GAP_MS)) {
            if (seg.length) segments.push(seg);
            seg = [];
          }
          if (isNum(v)) seg.push([x(t), y(Math.max(0, v))]);
          prevT = t;
        }
        if (seg.length) segments.push(seg);
        for (const pts of segments) {
          if (s.fill && pts.length > 1) {
            const topY = Math.min(...pts.map((p) => p[1]));
            const grad = ctx.createLinearGradient(0, topY, 0, T + ph);
            grad.addColorStop(0, withAlpha(s.color, 0.16));
            grad.addColorStop(1, withAlpha(s.color, 0));
            ctx.beginPath();
            ctx.moveTo(pts[0][0], T + ph);
            for (const [px, py] of pts) ctx.lineTo(px, py);
            ctx.lineTo(pts[pts.length - 1][0], T + ph);
            ctx.closePath();
            ctx.fillStyle = grad;
            ctx.fill();
          }
          ctx.beginPath();
          ctx.strokeStyle = s.color;
          ctx.lineWidth = 1.75;
          ctx.lineJoin = 'round';
          ctx.lineCap = 'round';
          pts.forEach(([px, py], i) => (i ? ctx.lineTo(px, py) : ctx.moveTo(px, py)));
          if (pts.length === 1) {
            ctx.arc(pts[0][0], pts[0][1], 1.5, 0, Math.PI * 2);
            ctx.fillStyle = s.color;
            ctx.fill();
          } else {
            ctx.stroke();
          }
        }
      }
      ctx.restore();

      // hover: a crosshair and the values at that time in the legend
      let at = null;
      if (this.hoverX !== null && this.hoverX >= L && this.hoverX <= L + pw) {
        const tHover = tStart + ((this.hoverX - L) / pw) * HISTORY_MS;
        let best = null;
        for (const s of series) {
          for (const [t] of s.points) {
            if (t >= tStart && (best === null || Math.abs(t - tHover) < Math.abs(best - tHover))) best = t;
          }
        }
        if (best !== null && Math.abs(best - tHover) < 2_000) {
          at = best;
          const xx = Math.round(x(best)) + 0.5;
          ctx.strokeStyle = colText;
          ctx.lineWidth = 1;
          ctx.setLineDash([2, 3]);
          ctx.beginPath();
          ctx.moveTo(xx, T);
          ctx.lineTo(xx, T + ph);
          ctx.stroke();
          ctx.setLineDash([]);
          for (const s of series) {
            const p = s.points.find(([t]) => t === best);
            if (p && isNum(p[1])) {
              ctx.beginPath();
              ctx.fillStyle = s.color;
              ctx.arc(x(best), y(Math.max(0, p[1])), 3, 0, Math.PI * 2);
              ctx.fill();
            }
          }
          ctx.textAlign = xx > L + pw - 70 ? 'right' : 'left';
          ctx.textBaseline = 'top';
          ctx.fillStyle = colText;
          ctx.fillText(fmtClock(best).slice(-8), xx + (ctx.textAlign === 'right' ? -5 : 5), T + 1);
        }
      }
      this.renderLegend(series, at, data ? data.fmt : fmtRate, data ? data.suffix : '');
    }

    renderLegend(series, at, fmt, suffix) {
      if (!this.legend) return;
      const items = series.map((s) => {
        let v = null;
        if (at !== null) {
          const p = s.points.find(([t]) => t === at);
          v = p ? p[1] : null;
        } else {
          const p = s.points[s.points.length - 1];
          v = p ? p[1] : null;
        }
        return h('span', null, h('i', { style: `background:${s.color}` }), s.name, ' ',
          h('b', null, isNum(v) ? fmt(v) + suffix : DASH));
      });
      this.legend.replaceChildren(...items);
    }
  }

  /** '#rrggbb' (or anything else canvas takes) with an alpha. */
  function withAlpha(color, alpha) {
    const m = /^#([0-9a-f]{6})$/i.exec(color.trim());
    if (!m) return color;
    const n = parseInt(m[1], 16);
    return `rgba(${(n >> 16) & 255}, ${(n >> 8) & 255}, ${n & 255}, ${alpha})`;
  }

  function niceScale(max, minTop) {
    const target = Math.max(max, minTop);
    const raw = target / 4;
    const mag = Math.pow(10, Math.floor(Math.log10(raw)));
    const norm = raw / mag;
    const step = (norm <= 1 ? 1 : norm <= 2 ? 2 : norm <= 2.5 ? 2.5 : norm <= 5 ? 5 : 10) * mag;
    const top = Math.ceil(target / step - 1e-9) * step;
    return { top: top || step, step };
  }

  const charts = {
    throughput: new LineChart($('#chart-throughput'), $('#tp-legend')),
    nodes: new LineChart($('#chart-nodes'), $('#pn-legend')),
  };

  /** The right edge of the charts: the last sample's server time, moved on by the local clock. */
  function chartEnd() {
    const h = state.history;
    if (!h.length) return Date.now();
    const since = Math.max(0, Date.now() - state.receivedAt);
    return h[h.length - 1].t + Math.min(since, HISTORY_MS);
  }

  function drawCharts() {
    const h = state.history;
    const tEnd = chartEnd();
    charts.throughput.set({
      tEnd,
      unit: 'ops/s',
      fmt: fmtRate,
      suffix: '/s',
      minTop: 10,
      series: [
        { name: 'writes', color: cssVar('--series-writes') || '#1f4fd1', fill: true, points: h.map((s) => [s.t, s.w]) },
        { name: 'reads', color: cssVar('--series-reads') || '#0f9f8f', fill: true, points: h.map((s) => [s.t, s.r]) },
      ],
    });

    const ids = new Set();
    for (const s of h) for (const id of s.nodes.keys()) ids.add(id);
    const metric = state.metric;
    const current = new Set(nodesOf(state.last).map((n) => n.id));
    const tStart = tEnd - HISTORY_MS;
    const shown = [...ids].filter((id) => current.has(id) ||
      h.some((s) => s.t >= tStart && s.nodes.has(id) && isNum(s.nodes.get(id)[state.metric])));
    const series = shown.sort((a, b) => a - b).map((id) => ({
      name: `node ${id}`,
      color: nodeColor(id),
      points: h.map((s) => {
        const n = s.nodes.get(id);
        return [s.t, n ? n[metric] : null];
      }),
    }));
    charts.nodes.set(metric === 'fsync'
      ? { tEnd, unit: 'fsync ms', fmt: fmtMs, suffix: ' ms', minTop: 1, series }
      : { tEnd, unit: 'entries behind', fmt: fmtInt, suffix: '', minTop: 10, threshold: LAG_WARN, series });
  }

  function wireMetricToggle() {
    for (const btn of document.querySelectorAll('.seg button')) {
      btn.addEventListener('click', () => {
        state.metric = btn.dataset.metric;
        for (const b of document.querySelectorAll('.seg button')) b.setAttribute('aria-pressed', String(b === btn));
        drawCharts();
      });
    }
  }

  // ---------------------------------------------------------------------------------------------
  // The 250 ms tick: how old the last update is, and the charts' moving right edge

  function tick() {
    const updated = $('#updated');
    if (!state.last) {
      updated.textContent = 'no data yet';
    } else {
      const age = Date.now() - state.receivedAt;
      updated.textContent = `updated ${fmtAgo(age)} ago`;
      updated.classList.toggle('stale', age > STALE_MS);
      updated.dataset.stale = String(age > STALE_MS);
    }
    if (connEl.dataset.state === 'disconnected' && state.reconnectAt) {
      const left = Math.max(0, Math.ceil((state.reconnectAt - Date.now()) / 1000));
      connEl.querySelector('.conn-text').textContent = `disconnected · retry in ${left} s`;
    }
  }

  // ---------------------------------------------------------------------------------------------

  wireForms();
  wireMetricToggle();
  updateButtons();
  drawCharts();
  connect();
  setInterval(() => {
    tick();
    if (state.history.length) drawCharts();
  }, TICK_MS);
  window.matchMedia('(prefers-color-scheme: dark)').addEventListener('change', drawCharts);
})();
