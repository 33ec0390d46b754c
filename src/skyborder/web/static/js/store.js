// The live aircraft, kept in fixed slots of typed arrays so that the map layers can upload them
// without building objects: one slot per aircraft (by ICAO address) for as long as it is live.
import {countryColour, STAGE_RANK} from './colours.js';

const EARTH_CIRCUMFERENCE_M = 40075016.686;
export const TRAIL_LEN = 120;       // frames kept per trail (two minutes at one frame a second)

/** Web Mercator x in [0, 1] of a longitude (degrees). */
export const mercX = (lon) => (180 + lon) / 360;
/** Web Mercator y in [0, 1] (north up, y down) of a latitude (degrees). */
export const mercY = (lat) => (180 - (180 / Math.PI) * Math.log(Math.tan(Math.PI / 4 + (lat * Math.PI) / 360))) / 360;
/** Metres per Web Mercator unit at a latitude (degrees). */
export const metresPerMerc = (lat) => EARTH_CIRCUMFERENCE_M * Math.cos((lat * Math.PI) / 180);

/** What both sides share: the slot arrays' readers. */
class AircraftColumns {
  /** Call fn(slot) for every live aircraft. */
  forEach(fn) {
    for (let slot = 0; slot < this.top; slot++) if (this.active[slot]) fn(slot);
  }

  /** The row of one aircraft as an object (for the details panel and the table). */
  row(slot) {
    return {
      slot, icao24: this.icao[slot], callsign: this.callsign[slot], country: this.country[slot], squawk: this.squawk[slot],
      lat: this.lat[slot], lon: this.lon[slot], alt_m: this.alt[slot], speed_mps: this.speed[slot], vrate_mps: this.vrate[slot],
      track_deg: this.track[slot], age_s: this.age[slot], military: !!this.military[slot], stage: this.stage[slot],
      airspace: this.airspace[slot],
    };
  }
}

/** The live aircraft by slot (kept in the page's worker, live-worker.js). */
export class AircraftStore extends AircraftColumns {
  constructor(capacity = 8192) {
    super();
    this.capacity = capacity;
    this.slotOf = new Map();           // icao24 -> slot
    this.free = [];                    // free slots (lowest popped last)
    this.top = 0;                      // slots below this have been used
    this.active = new Uint8Array(capacity);
    this.x = new Float32Array(capacity);
    this.y = new Float32Array(capacity);
    this.lat = new Float64Array(capacity);
    this.lon = new Float64Array(capacity);
    this.track = new Float32Array(capacity);    // degrees, NaN unknown
    this.alt = new Float32Array(capacity);      // m, NaN unknown
    this.speed = new Float32Array(capacity);    // m/s, NaN unknown
    this.vrate = new Float32Array(capacity);
    this.age = new Float32Array(capacity);
    this.military = new Uint8Array(capacity);
    this.stageRank = new Uint8Array(capacity);
    this.rgb = new Uint8Array(capacity * 3);
    this.icao = new Array(capacity).fill('');
    this.callsign = new Array(capacity).fill('');
    this.country = new Array(capacity).fill('');
    this.squawk = new Array(capacity).fill('');
    this.stage = new Array(capacity).fill('');
    this.airspace = new Array(capacity).fill('');
    this.seen = new Uint32Array(capacity);
    this.generation = 0;
    this.count = 0;
    this.time = 0;
    this.status = {};
    this.quarantine = [];              // [slot, generation freed]: reusable after `hold` generations
    this.hold = 0;
  }

  _allocate(icao) {
    let slot = this.free.length ? this.free.pop() : this.top++;
    if (slot >= this.capacity) return -1;
    this.slotOf.set(icao, slot);
    this.active[slot] = 1;
    return slot;
  }

  /** Take in one frame (the column-wise JSON of /api/aircraft); returns the number of aircraft. */
  ingest(frame) {
    const c = frame.columns;
    const n = frame.count | 0;
    const gen = ++this.generation;
    this.time = frame.time;
    this.status = frame.status || {};
    while (this.quarantine.length && this.quarantine[0][1] + this.hold <= gen) this.free.push(this.quarantine.shift()[0]);
    for (let i = 0; i < n; i++) {
      const icao = c.icao24[i];
      let slot = this.slotOf.get(icao);
      if (slot === undefined) {
        slot = this._allocate(icao);
        if (slot < 0) continue;
        this.icao[slot] = icao;
        this.country[slot] = null;     // forces the colour to be set below
      }
      this.seen[slot] = gen;
      const lat = c.lat[i], lon = c.lon[i];
      this.lat[slot] = lat ?? NaN;
      this.lon[slot] = lon ?? NaN;
      this.x[slot] = mercX(lon ?? 0);
      this.y[slot] = mercY(lat ?? 0);
      this.track[slot] = c.track_deg[i] ?? NaN;
      this.alt[slot] = c.alt_m[i] ?? NaN;
      this.speed[slot] = c.speed_mps[i] ?? NaN;
      this.vrate[slot] = c.vrate_mps[i] ?? NaN;
      this.age[slot] = c.age_s[i] ?? NaN;
      this.military[slot] = c.military[i] ? 1 : 0;
      const country = c.country[i];
      if (country !== this.country[slot]) {
        this.country[slot] = country;
        const rgb = countryColour(country);
        this.rgb[slot * 3] = rgb[0]; this.rgb[slot * 3 + 1] = rgb[1]; this.rgb[slot * 3 + 2] = rgb[2];
      }
      this.callsign[slot] = c.callsign[i];
      this.squawk[slot] = c.squawk[i];
      this.stage[slot] = c.stage[i];
      this.stageRank[slot] = STAGE_RANK[c.stage[i]] ?? 0;
      this.airspace[slot] = c.airspace[i];
    }
    for (let slot = 0; slot < this.top; slot++) {
      if (this.active[slot] && this.seen[slot] !== gen) {
        this.active[slot] = 0;
        this.slotOf.delete(this.icao[slot]);
        this.icao[slot] = '';
        this.country[slot] = '';
        this.quarantine.push([slot, gen]);
      }
    }
    this.count = this.slotOf.size;
    return this.count;
  }
}

// numeric slot arrays sent from the worker to the page each frame (copied up to `top`, transferred)
export const SLOT_ARRAYS = ['active', 'x', 'y', 'lat', 'lon', 'track', 'alt', 'speed', 'vrate', 'age', 'military', 'stageRank'];
export const TEXT_FIELDS = ['icao', 'callsign', 'country', 'squawk', 'stage', 'airspace'];

/** The page's copy of the worker's store: numeric arrays replaced each frame, text by changes. */
export class LiveMirror extends AircraftColumns {
  constructor() {
    super();
    this.top = 0;
    this.count = 0;
    this.time = 0;
    this.status = {};
    this.slotOf = new Map();
    for (const name of SLOT_ARRAYS) this[name] = new Float32Array(0);
    for (const name of TEXT_FIELDS) this[name] = [];
  }

  apply(message) {
    Object.assign(this, message.arrays);
    this.top = message.top;
    this.count = message.count;
    this.time = message.time;
    this.status = message.status;
    for (const [slot, ...texts] of message.texts) {
      const old = this.icao[slot];
      if (old && this.slotOf.get(old) === slot) this.slotOf.delete(old);
      TEXT_FIELDS.forEach((name, i) => { this[name][slot] = texts[i]; });
      if (texts[0]) this.slotOf.set(texts[0], slot);
    }
  }
}
