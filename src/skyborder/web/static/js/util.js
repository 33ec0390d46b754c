// Small helpers: DOM building (text only, never HTML from data), units and time formatting.
export const FOOT_M = 0.3048;
export const KNOT_MPS = 1852 / 3600;
export const NM_M = 1852;

/** An element with attributes and children; strings become text nodes (never parsed as HTML). */
export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (key === 'class') node.className = value;
    else if (key === 'dataset') Object.assign(node.dataset, value);
    else if (key.startsWith('on')) node.addEventListener(key.slice(2), value);
    else node.setAttribute(key, value === true ? '' : String(value));
  }
  for (const child of children.flat()) {
    if (child === undefined || child === null || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

/** Control characters shown as visible escapes (data from the air is not trusted). */
export function clean(text) {
  return String(text ?? '').replace(/[\u0000-\u001f\u007f-\u009f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}

export const isNum = (x) => typeof x === 'number' && Number.isFinite(x);
export const fmtFeet = (m) => (isNum(m) ? Math.round(m / FOOT_M).toLocaleString('en-US') : '');
export const fmtKnots = (mps) => (isNum(mps) ? String(Math.round(mps / KNOT_MPS)) : '');
export const fmtFpm = (mps) => (isNum(mps) ? String(Math.round(mps / FOOT_M * 60 / 64) * 64) : '');
export const fmtDeg = (deg) => (isNum(deg) ? String(Math.round(deg) % 360).padStart(3, '0') : '');
export const fmtNm = (m) => (isNum(m) ? (m / NM_M).toFixed(1) : '');
export function fmtKm(m) {
  if (!isNum(m)) return '';
  return m >= 10000 ? `${(m / 1000).toFixed(0)} km` : `${(m / 1000).toFixed(2)} km`;
}
export function fmtDuration(s) {
  if (!isNum(s)) return '';
  if (s < 120) return `${s.toFixed(1)} s`;
  return `${Math.floor(s / 60)} min ${Math.round(s % 60)} s`;
}

/** "2015-11-24 07:24:05" from an ISO string or epoch seconds (UTC). */
export function fmtTime(value, withDate = true) {
  if (value === null || value === undefined || value === '') return '';
  const date = typeof value === 'number' ? new Date(value * 1000) : new Date(value);
  if (Number.isNaN(date.getTime())) return '';
  const iso = date.toISOString();
  return withDate ? `${iso.slice(0, 10)} ${iso.slice(11, 19)}` : iso.slice(11, 19);
}

/** The value of a datetime-local input (read as UTC) as an ISO string, or ''. */
export function utcInput(value) {
  return value ? `${value.length === 16 ? `${value}:00` : value}Z` : '';
}

/** Great-circle distance in metres on the mean sphere (display only: the table's range column). */
export function sphereDistance(lat1, lon1, lat2, lon2) {
  const r = Math.PI / 180;
  const a = Math.sin((lat2 - lat1) * r / 2) ** 2 + Math.cos(lat1 * r) * Math.cos(lat2 * r) * Math.sin((lon2 - lon1) * r / 2) ** 2;
  return 2 * 6371008.8 * Math.asin(Math.min(1, Math.sqrt(a)));
}
