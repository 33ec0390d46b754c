// Warnings: the active ones as flashing cards (by stage, with the message and an acknowledge
// button), and the log with filters (airspace, State of registry, period).
import {el, clean, fmtTime, fmtDuration, fmtKm, utcInput} from './util.js';
import {getJSON, postJSON} from './api.js';

const key = (w) => `${w.track_id}|${w.airspace}`;

export class WarningPanel {
  constructor({onSelect, hasRegister}) {
    this.onSelect = onSelect;
    this.hasRegister = hasRegister;
    this.latest = new Map();      // track|airspace -> newest warning record
    this.fromFrame = new Map();   // track|airspace -> stage in the newest live frame
    this.fromEvents = new Map();  // track|airspace -> stage of the last warning event (until cleared)
    this.active = new Map();      // the two merged: what the cards show
    this.cards = document.getElementById('active-warnings');
    this.log = document.querySelector('#warning-log tbody');
    this.form = document.getElementById('warning-filters');
    this.form.addEventListener('submit', (e) => { e.preventDefault(); this.refresh(); });
    this.pending = null;
  }

  /** The warning stages of the live aircraft in a frame: [[icao24, airspace, stage], ...]. */
  live(warned) {
    this.fromFrame = new Map(warned.map(([icao, airspace, stage]) => [`${icao}|${airspace}`, stage]));
    this.merge();
  }

  /** Active = the live frame's stages, overridden by newer warning events; re-render on change. */
  merge() {
    const merged = new Map([...this.fromFrame, ...this.fromEvents]);
    const changed = merged.size !== this.active.size || [...merged].some(([k, v]) => this.active.get(k) !== v);
    this.active = merged;
    if (changed) this.render();
  }

  event(kind, data) {
    if (kind === 'warning') {
      this.latest.set(key(data), data);
      this.fromEvents.set(key(data), data.stage);
      this.merge();
      this.render();
      this.refreshSoon();
    } else if (kind === 'warning_cleared') {
      this.fromEvents.delete(key(data));
      this.fromFrame.delete(key(data));
      this.merge();
    } else if (kind === 'acknowledged') {
      for (const w of this.latest.values()) if (String(w.id) === String(data.warning_id)) w.acknowledged = data;
      this.render();
      this.refreshSoon();
    } else if (kind === 'resync') {
      this.refresh();
    }
  }

  render() {
    const cards = [];
    const byRank = {inside: 3, imminent: 2, predicted: 1};
    const entries = [...this.active].sort((a, b) => (byRank[b[1]] || 0) - (byRank[a[1]] || 0));
    for (const [k, stage] of entries) {
      const [track, airspace] = k.split('|');
      const w = this.latest.get(k) || {track_id: track, airspace, stage};
      const acked = w.acknowledged;
      cards.push(el('div', {class: `card ${stage}${acked ? ' acknowledged' : ''}`, dataset: {track, airspace}},
        el('header', {},
          el('span', {class: `stage-${stage}`}, stage.toUpperCase()),
          el('span', {class: 'who', onclick: () => this.onSelect(track)}, clean(w.callsign || track)),
          el('span', {}, clean(airspace)),
          el('span', {class: 'facts'}, fmtTime(w.time, false))),
        w.message ? el('div', {class: 'message'}, clean(w.message)) : null,
        el('div', {class: 'facts'},
          w.time_to_entry_s != null ? `entry in ${fmtDuration(w.time_to_entry_s)} ` : '',
          w.distance_m != null ? `border ${fmtKm(w.distance_m)}` : ''),
        w.id !== undefined && this.hasRegister
          ? (acked ? el('div', {class: 'facts'}, `acknowledged by ${clean(acked.by)}`)
            : el('button', {type: 'button', class: 'ack', onclick: (e) => this.acknowledge(w, e.target)}, 'acknowledge'))
          : null));
    }
    this.cards.replaceChildren(...(cards.length ? cards : [el('p', {class: 'empty'}, 'no active warning')]));
    document.getElementById('warning-count').textContent = String(this.active.size);
  }

  async acknowledge(warning, button) {
    button.disabled = true;
    try {
      warning.acknowledged = await postJSON(`/api/warnings/${encodeURIComponent(warning.id)}/ack`, {by: 'operator'});
      this.render();
    } catch (error) {
      button.disabled = false;
      button.textContent = `acknowledge (${error.message})`;
    }
  }

  filters() {
    const f = new FormData(this.form);
    return {airspace: f.get('airspace'), country: f.get('country'), since: utcInput(f.get('since')), until: utcInput(f.get('until')), limit: 300};
  }

  refreshSoon() {
    if (this.pending) return;
    this.pending = setTimeout(() => { this.pending = null; this.refresh(); }, 1500);
  }

  async refresh() {
    if (!this.hasRegister) return;
    const rows = await getJSON('/api/warnings', this.filters());
    for (const w of rows) {
      const k = key(w);
      const known = this.latest.get(k);
      if (!known || String(known.time) <= String(w.time)) this.latest.set(k, w);
    }
    // two rows per warning: the facts, then the message across the whole width (a narrow column
    // of one word per line is unreadable)
    this.log.replaceChildren(...rows.flatMap((w) => {
      const select = () => this.onSelect(w.track_id);
      return [
        el('tr', {class: 'head', onclick: select},
          el('td', {}, fmtTime(w.time)), el('td', {}, clean(w.callsign || w.track_id)), el('td', {}, clean(w.airspace)),
          el('td', {class: `stage-${w.stage}`}, clean(w.stage))),
        el('tr', {class: 'text', onclick: select}, el('td', {class: 'message', colspan: 4}, clean(w.message || ''))),
      ];
    }));
    this.render();
  }
}
