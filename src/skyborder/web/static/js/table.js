// The aircraft table (like tar1090's): every live aircraft, sortable by any column; only the
// rows in view are in the document, so 5,000 aircraft cost what ~40 rows cost.
import {el, clean, fmtFeet, fmtKnots, fmtFpm, fmtDeg, fmtNm, sphereDistance} from './util.js';

const ROW_PX = 20;
const COLUMNS = [
  ['icao24', (r) => r.icao24], ['callsign', (r) => clean(r.callsign)], ['country', (r) => r.country + (r.military ? ' mil' : '')],
  ['squawk', (r) => r.squawk], ['alt_m', (r) => fmtFeet(r.alt_m), 'num'], ['speed_mps', (r) => fmtKnots(r.speed_mps), 'num'],
  ['vrate_mps', (r) => fmtFpm(r.vrate_mps), 'num'], ['track_deg', (r) => fmtDeg(r.track_deg), 'num'],
  ['range_m', (r) => fmtNm(r.range_m), 'num'], ['age_s', (r) => (Number.isFinite(r.age_s) ? r.age_s.toFixed(0) : ''), 'num'],
  ['stage', (r) => (r.stage ? `${r.stage} ${r.airspace}` : '')],
];

export class AircraftTable {
  constructor({store, reference, onSelect}) {
    this.store = store;
    this.reference = reference;
    this.onSelect = onSelect;
    this.box = document.getElementById('aircraft-table');
    this.body = this.box.querySelector('tbody');
    this.sortKey = 'stage';
    this.descending = true;
    this.rows = [];
    this.selected = -1;
    this.box.querySelectorAll('th').forEach((th) => th.addEventListener('click', () => {
      const k = th.dataset.key;
      this.descending = this.sortKey === k ? !this.descending : false;
      this.sortKey = k;
      this.box.querySelectorAll('th').forEach((h) => h.classList.toggle('sorted', h === th));
      th.classList.toggle('up', !this.descending);
      this.update(true);
    }));
    this.box.addEventListener('scroll', () => this.draw());
  }

  visible() { return this.box.offsetParent !== null; }

  update(force = false) {
    if (!force && !this.visible()) return;
    const s = this.store, ref = this.reference;
    const rows = [];
    s.forEach((slot) => {
      const r = s.row(slot);
      r.range_m = ref ? sphereDistance(ref.lat, ref.lon, r.lat, r.lon) : NaN;
      r.stageOrder = {inside: 3, imminent: 2, predicted: 1}[r.stage] || 0;
      rows.push(r);
    });
    const key = this.sortKey === 'stage' ? 'stageOrder' : this.sortKey;
    const sign = this.descending ? -1 : 1;
    rows.sort((a, b) => {
      const x = a[key], y = b[key];
      const missingX = x === '' || x === null || Number.isNaN(x), missingY = y === '' || y === null || Number.isNaN(y);
      if (missingX || missingY) return missingX - missingY;
      return (x < y ? -1 : x > y ? 1 : 0) * sign || (a.icao24 < b.icao24 ? -1 : 1);
    });
    this.rows = rows;
    this.draw();
  }

  draw() {
    const first = Math.max(0, Math.floor(this.box.scrollTop / ROW_PX) - 5);
    const count = Math.ceil((this.box.clientHeight || 600) / ROW_PX) + 10;
    const slice = this.rows.slice(first, first + count);
    const top = el('tr', {style: null}); top.style.height = `${first * ROW_PX}px`;
    const bottom = el('tr'); bottom.style.height = `${Math.max(0, this.rows.length - first - slice.length) * ROW_PX}px`;
    this.body.replaceChildren(top, ...slice.map((r) => {
      const tr = el('tr', {class: r.slot === this.selected ? 'selected' : '', dataset: {icao: r.icao24}, onclick: () => this.onSelect(r.icao24)},
        ...COLUMNS.map(([, fmt, cls]) => el('td', {class: cls}, fmt(r))));
      tr.style.height = `${ROW_PX}px`;
      return tr;
    }), bottom);
  }
}
