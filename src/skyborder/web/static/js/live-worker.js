// The page's worker: it holds the live stream (EventSource), parses each aircraft frame, keeps
// the aircraft in slots (store.js) and packs what the map draws (symbol instances, the newest
// trail segment of each slot, one-minute vectors) into typed arrays that it hands to the page
// without copying (transferred). The page's main thread then only uploads them to the GPU:
// parsing 5,000 aircraft a second stays off the thread that draws and answers the user.
import {AircraftStore, SLOT_ARRAYS, TEXT_FIELDS, TRAIL_LEN, metresPerMerc} from './store.js';
import {EVENT_KINDS} from './live.js';

const VECTOR_S = 60;   // the vector shows where the aircraft will be in this many seconds at its speed and track
const store = new AircraftStore();
store.hold = TRAIL_LEN;   // a freed slot waits until its old trail has faded out
const prevX = new Float32Array(store.capacity), prevY = new Float32Array(store.capacity);
const prevGen = new Uint32Array(store.capacity);
const sent = TEXT_FIELDS.map(() => new Array(store.capacity).fill(null));
let base = 0;

function pack(time) {
  const s = store, n = s.count, top = s.top;
  const pos = new Float32Array(n * 2), track = new Float32Array(n), flags = new Float32Array(n);
  const colour = new Uint8Array(n * 4), order = new Int32Array(n), vector = new Float32Array(n * 4);
  const segment = new Float32Array(top * 4), segmentTime = new Float32Array(top);
  const t = time - base + 1;
  let i = 0;
  for (let slot = 0; slot < top; slot++) {
    if (!s.active[slot]) continue;
    const x = s.x[slot], y = s.y[slot], heading = s.track[slot];
    pos[i * 2] = x; pos[i * 2 + 1] = y;
    track[i] = Number.isFinite(heading) ? heading : -1;
    flags[i] = s.military[slot] + 2 * s.stageRank[slot];
    colour.set(s.rgb.subarray(slot * 3, slot * 3 + 3), i * 4); colour[i * 4 + 3] = 255;
    order[i] = slot;
    const fresh = prevGen[slot] !== s.generation - 1;
    segment[slot * 4] = fresh ? x : prevX[slot]; segment[slot * 4 + 1] = fresh ? y : prevY[slot];
    segment[slot * 4 + 2] = x; segment[slot * 4 + 3] = y;
    segmentTime[slot] = t;
    prevX[slot] = x; prevY[slot] = y; prevGen[slot] = s.generation;
    vector[i * 4] = x; vector[i * 4 + 1] = y;
    const speed = s.speed[slot];
    if (Number.isFinite(speed) && Number.isFinite(heading)) {
      const d = speed * VECTOR_S / metresPerMerc(s.lat[slot]), a = heading * Math.PI / 180;
      vector[i * 4 + 2] = x + d * Math.sin(a); vector[i * 4 + 3] = y - d * Math.cos(a);
    } else {
      vector[i * 4 + 2] = x; vector[i * 4 + 3] = y;
    }
    i++;
  }
  return {pos, track, flags, colour, order, vector, segment, segmentTime, trailTime: t};
}

function onFrame(frame) {
  if (!base) base = frame.time;
  store.ingest(frame);
  const drawn = pack(frame.time);
  const top = store.top;
  const arrays = {};
  for (const name of SLOT_ARRAYS) arrays[name] = store[name].slice(0, top);
  const texts = [];     // [slot, icao, callsign, country, squawk, stage, airspace] of slots whose text changed
  const warned = [];
  for (let slot = 0; slot < top; slot++) {
    let changed = false;
    for (let f = 0; f < TEXT_FIELDS.length; f++) {
      const value = store[TEXT_FIELDS[f]][slot] || '';
      if (sent[f][slot] !== value) { sent[f][slot] = value; changed = true; }
    }
    if (changed) texts.push([slot, ...TEXT_FIELDS.map((name) => store[name][slot] || '')]);
    if (store.active[slot] && store.stage[slot]) warned.push([store.icao[slot], store.airspace[slot], store.stage[slot]]);
  }
  const transfer = [...Object.values(arrays), ...Object.values(drawn).filter((v) => v.buffer)].map((v) => v.buffer);
  postMessage({kind: 'frame', time: frame.time, status: frame.status || {}, count: store.count, top, arrays, texts,
    warned, drawn}, transfer);
}

const source = new EventSource('/api/stream');
source.addEventListener('aircraft', (message) => onFrame(JSON.parse(message.data)));
for (const kind of EVENT_KINDS) {
  source.addEventListener(kind, (message) => postMessage({kind: 'event', event: kind, data: JSON.parse(message.data)}));
}
source.addEventListener('open', () => postMessage({kind: 'state', state: 'connected'}));
source.addEventListener('error', () => postMessage({kind: 'state', state: source.readyState === 2 ? 'closed' : 'reconnecting'}));
onmessage = (message) => { if (message.data === 'close') source.close(); };
