// The passage list with filters (airspace, State of registry, period, military); a click opens
// the replay.
import {el, clean, fmtTime, fmtDuration, fmtKm, utcInput} from './util.js';
import {getJSON} from './api.js';

export class PassageList {
  constructor({onOpen, hasRegister}) {
    this.onOpen = onOpen;
    this.hasRegister = hasRegister;
    this.body = document.querySelector('#passage-list tbody');
    this.form = document.getElementById('passage-filters');
    this.form.addEventListener('submit', (e) => { e.preventDefault(); this.refresh(); });
    this.pending = null;
    this.selected = null;
  }

  event(kind) {
    if (kind === 'passage_opened' || kind === 'passage_closed' || kind === 'resync') this.refreshSoon();
  }

  refreshSoon() {
    if (this.pending) return;
    this.pending = setTimeout(() => { this.pending = null; this.refresh(); }, 1000);
  }

  filters() {
    const f = new FormData(this.form);
    return {airspace: f.get('airspace'), country: f.get('country'), since: utcInput(f.get('since')), until: utcInput(f.get('until')),
      military: f.get('military') ? 'true' : '', limit: 500};
  }

  async refresh() {
    if (!this.hasRegister) return;
    const rows = await getJSON('/api/passages', this.filters());
    this.body.replaceChildren(...rows.map((p) => el('tr', {
      class: String(p.id) === String(this.selected) ? 'selected' : '', dataset: {id: p.id},
      onclick: (e) => { this.selected = p.id; this.body.querySelectorAll('tr.selected').forEach((r) => r.classList.remove('selected')); e.currentTarget.classList.add('selected'); this.onOpen(p.id); },
    },
    el('td', {}, fmtTime(p.entry_time) || '(open)'),
    el('td', {}, clean(p.callsign || p.track_id)),
    el('td', {}, clean(p.country || ''), p.military ? ' mil' : ''),
    el('td', {}, clean(p.airspace)),
    el('td', {class: 'num'}, fmtDuration(p.duration_s)),
    el('td', {class: 'num'}, fmtKm(p.max_depth_m)),
    el('td', {}, clean(p.status)))));
    document.getElementById('passage-count').textContent = String(rows.length);
  }
}
