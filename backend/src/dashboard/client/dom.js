// Every piece of data reaches the page as a text node or an attribute value: never as markup.

/** h('td', { class: 'num' }, 'text', child): an element with attributes, listeners and children. */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (key === 'class') el.className = value;
    else if (key.startsWith('on') && typeof value === 'function') el.addEventListener(key.slice(2), value);
    else el.setAttribute(key, value === true ? '' : String(value));
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

/** Replaces the children of the element with id `id`. */
export function fill(id, ...children) {
  const el = document.getElementById(id);
  el.replaceChildren();
  append(el, children);
  return el;
}

/** A number as the API gave it, rounded to two decimals for reading; '—' when there is none. */
export function num(value) {
  if (value === null || value === undefined || Number.isNaN(value)) return '—';
  return String(Math.round(value * 100) / 100);
}

/** A verdict in words and a symbol, so colour is never the only signal. */
export function verdict(isGood, good, bad) {
  return isGood ? h('span', { class: 'ok' }, `✔ ${good}`) : h('span', { class: 'bad' }, `✘ ${bad}`);
}

export function time(iso) {
  if (!iso) return '—';
  return `${iso.replace('T', ' ').slice(0, 19)} UTC`;
}

/** "in 4m 05s" / "expired 2m ago". */
export function countdown(iso, nowMs = Date.now()) {
  const ms = Date.parse(iso) - nowMs;
  const span = Math.abs(ms);
  const d = Math.floor(span / 86_400_000);
  const hr = Math.floor((span % 86_400_000) / 3_600_000);
  const m = Math.floor((span % 3_600_000) / 60_000);
  const s = Math.floor((span % 60_000) / 1000);
  const text = d > 0 ? `${d}d ${hr}h` : hr > 0 ? `${hr}h ${m}m` : `${m}m ${String(s).padStart(2, '0')}s`;
  return ms > 0 ? `in ${text}` : `expired ${text} ago`;
}

/** A table in a region that scrolls sideways on a narrow screen (and can be scrolled by keyboard). */
export function table(headers, rows, label) {
  return h(
    'div',
    { class: 'scroll', tabindex: 0, role: 'region', 'aria-label': label },
    h(
      'table',
      {},
      h('thead', {}, h('tr', {}, headers.map((header) => h('th', { scope: 'col', class: header.num ? 'num' : null }, header.label ?? header)))),
      h('tbody', {}, rows),
    ),
  );
}
