// The radar page: boots the map, the live layer and the panels, and wires them together.
import {getJSON} from './api.js';
import {BaseMap} from './basemap.js';
import {LiveMirror} from './store.js';
import {AircraftLayer} from './aircraft-layer.js';
import {connect} from './live.js';
import {WarningPanel} from './warnings.js';
import {PassageList} from './passages.js';
import {Replay} from './replay.js';
import {AircraftTable} from './table.js';
import {THEMES} from './colours.js';
import {el, clean, fmtTime, fmtFeet, fmtKnots, fmtFpm, fmtDeg} from './util.js';

const $ = (id) => document.getElementById(id);

function themeOf(name) { return {...THEMES[name], name}; }

async function main() {
  const config = await getJSON('/api/config');
  document.title = `${config.title} radar`;
  $('title').textContent = config.title;
  $('attribution').textContent = `${config.attribution} · skyborder ${config.version} · map drawn by MapLibre GL JS (BSD-3-Clause) · fonts B612 (OFL)`;
  let themeName = localStorage.getItem('skyborder-theme') === 'light' ? 'light' : 'dark';
  document.documentElement.dataset.theme = themeName;

  const store = new LiveMirror();
  const base = new BaseMap($('map'), config, themeOf(themeName));
  const map = base.map;
  const layer = new AircraftLayer(store, themeOf(themeName));
  layer.labels.setTheme(themeOf(themeName));
  const stats = {frames: 0, lastUpdateMs: 0, updateMs: [], events: [], foreign: 0};
  window.skyborder = {map, store, layer, base, stats, config};

  let selectedIcao = '';
  const select = (icao) => {
    selectedIcao = icao || '';
    const slot = store.slotOf.get(selectedIcao) ?? -1;
    layer.selected = slot;
    layer.labels.selected = slot;
    table.selected = slot;
    if (slot >= 0) map.easeTo({center: [store.lon[slot], store.lat[slot]], duration: 300});
    showSelected();
    layer.update(null);
    table.draw();
  };
  const showSelected = () => {
    const slot = store.slotOf.get(selectedIcao) ?? -1;
    $('selected').hidden = slot < 0;
    if (slot < 0) return;
    const r = store.row(slot);
    $('selected-title').textContent = `${clean(r.callsign || r.icao24.toUpperCase())}`;
    const facts = [['ICAO address', r.icao24], ['registry', `${r.country || 'unknown'}${r.military ? ' (military)' : ''}`],
      ['squawk', r.squawk], ['altitude', `${fmtFeet(r.alt_m)} ft`], ['ground speed', `${fmtKnots(r.speed_mps)} kt`],
      ['vertical rate', `${fmtFpm(r.vrate_mps)} ft/min`], ['track', `${fmtDeg(r.track_deg)}°`],
      ['position', `${r.lat.toFixed(4)}, ${r.lon.toFixed(4)}`], ['warning', r.stage ? `${r.stage} (${r.airspace})` : 'none']];
    $('selected-details').replaceChildren(...facts.flatMap(([k, v]) => [el('dt', {}, k), el('dd', {}, clean(v))]));
  };

  const table = new AircraftTable({store, reference: config.reference, onSelect: select});
  const warnings = new WarningPanel({onSelect: select, hasRegister: config.register});
  const passages = new PassageList({hasRegister: config.register, onOpen: (id) => replay.open(id)});
  const replay = new Replay(base);
  window.skyborder.replay = replay;

  map.on('load', () => {
    map.addLayer(layer, 'warning-paths');
    map.on('click', (e) => {
      const slot = layer.pick(e.point);
      select(slot >= 0 ? store.icao[slot] : '');
    });
  });

  const feed = $('feed');
  const setFeed = (state) => { feed.textContent = `feed ${state}`; feed.className = `feed ${state}`; };
  const onFrame = (frame) => {
    const t0 = performance.now();
    store.apply(frame);
    layer.update(frame.drawn);
    stats.frames++;
    stats.lastUpdateMs = performance.now() - t0;
    if (stats.updateMs.push(stats.lastUpdateMs) > 120) stats.updateMs.shift();
    $('counts').textContent = `${store.count} aircraft`;
    setFeed(frame.status.feed || 'none');
    warnings.live(frame.warned);
    table.update();
    if (selectedIcao) showSelected();
  };
  const onEvent = (kind, data) => {
    stats.events.push({kind, data});
    if (stats.events.length > 200) stats.events.shift();
    if (kind === 'feed_down') setFeed('down');
    if (kind === 'feed_up') setFeed('up');
    warnings.event(kind, data);
    passages.event(kind, data);
    if (kind === 'warning' && Number.isFinite(data.predicted_entry_lon) && Number.isFinite(data.predicted_entry_lat)) {
      drawPredictions(data);
    }
  };
  const predictions = new Map();
  const drawPredictions = (w) => {
    const slot = store.slotOf.get(w.track_id) ?? -1;
    if (slot < 0) return;
    predictions.set(`${w.track_id}|${w.airspace}`, {type: 'Feature', properties: {stage: w.stage},
      geometry: {type: 'LineString', coordinates: [[store.lon[slot], store.lat[slot]], [w.predicted_entry_lon, w.predicted_entry_lat]]}});
    base.setData('warnings', {type: 'FeatureCollection', features: [...predictions.values()]});
  };
  if (config.live) window.skyborder.live = connect({onFrame, onEvent, onState: (s) => { if (s !== 'connected') setFeed('down'); }});
  else setFeed('none');
  warnings.refresh();
  passages.refresh();

  // blink warned aircraft twice a second, only while some are warned
  setInterval(() => {
    if (!warnings.active.size) return;
    layer.blink = layer.blink ? 0 : 1;
    map.triggerRepaint();
  }, 500);
  setInterval(() => { $('clock').textContent = `${fmtTime(Date.now() / 1000, false)} UTC`; }, 1000);

  document.querySelectorAll('#tabs button').forEach((button) => button.addEventListener('click', () => {
    document.querySelectorAll('#tabs button').forEach((b) => b.classList.toggle('active', b === button));
    document.querySelectorAll('.tab').forEach((t) => t.classList.toggle('active', t.id === `tab-${button.dataset.tab}`));
    if (button.dataset.tab === 'aircraft') table.update(true);
  }));
  for (const name of ['labels', 'trails', 'vectors']) {
    $(`opt-${name}`).addEventListener('change', (e) => { layer.options[name] = e.target.checked; map.triggerRepaint(); });
  }
  const setTheme = (name) => {
    themeName = name;
    localStorage.setItem('skyborder-theme', name);
    document.documentElement.dataset.theme = name;
    $('theme').textContent = name === 'dark' ? 'light' : 'dark';
    base.setTheme(themeOf(name));
    layer.setTheme(themeOf(name));
  };
  $('theme').textContent = themeName === 'dark' ? 'light' : 'dark';
  $('theme').addEventListener('click', () => setTheme(themeName === 'dark' ? 'light' : 'dark'));
  $('print').addEventListener('click', () => {
    const before = themeName;
    setTheme('light');
    map.once('render', () => {
      // a WebGL canvas keeps no picture after compositing: print a snapshot taken during a render
      const image = $('print-image') || $('map').appendChild(el('img', {id: 'print-image', alt: 'map'}));
      image.src = map.getCanvas().toDataURL('image/png');
      setTimeout(() => { window.print(); setTheme(before); }, 50);
    });
    map.triggerRepaint();
  });
}

main().catch((error) => {
  document.body.prepend(el('p', {class: 'fatal'}, `the page could not start: ${error.message}`));
  throw error;
});
