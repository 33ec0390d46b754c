// Replay of one passage: the track around it, the inside path in red, the entry, exit and
// deepest points, and a marker moved along the track by a time slider at any speed.
// Between two fixes the marker moves linearly in longitude and latitude (display only: over
// the seconds between fixes the geodesic and the straight line differ by metres).
import {getJSON} from './api.js';
import {clean, fmtTime, fmtKm, fmtFeet} from './util.js';

const point = (lon, lat, props) => ({type: 'Feature', properties: props, geometry: {type: 'Point', coordinates: [lon, lat]}});
const line = (lon, lat, props) => ({type: 'Feature', properties: props, geometry: {type: 'LineString', coordinates: lon.map((x, i) => [x, lat[i]])}});
const isPoint = (lon, lat) => Number.isFinite(lon) && Number.isFinite(lat);

export class Replay {
  constructor(basemap) {
    this.basemap = basemap;
    this.bar = document.getElementById('replay');
    this.slider = document.getElementById('replay-slider');
    this.playButton = document.getElementById('replay-play');
    this.timeLabel = document.getElementById('replay-time');
    this.info = document.getElementById('replay-info');
    this.speedInput = document.getElementById('replay-speed');
    this.playing = false;
    this.slider.addEventListener('input', () => { this.seek(this.t0 + (this.t1 - this.t0) * this.slider.value / 1000); });
    this.playButton.addEventListener('click', () => (this.playing ? this.pause() : this.play()));
    document.getElementById('replay-close').addEventListener('click', () => this.close());
  }

  async open(id) {
    const p = await getJSON(`/api/passages/${encodeURIComponent(id)}`);
    this.passage = p;
    const path = p.path || {time: [], lon: [], lat: [], alt_m: []};
    const track = p.track && p.track.time && p.track.time.length > 1 ? p.track : path;
    this.times = track.time.map((t) => Date.parse(t) / 1000);
    this.lon = track.lon; this.lat = track.lat; this.alt = track.alt_m || [];
    this.t0 = this.times[0]; this.t1 = this.times[this.times.length - 1];
    const features = [line(track.lon, track.lat, {kind: 'track'})];
    if (path.lon.length > 1) features.push(line(path.lon, path.lat, {kind: 'inside'}));
    if (isPoint(p.entry_lon, p.entry_lat)) features.push(point(p.entry_lon, p.entry_lat, {kind: 'entry', label: `entry ${fmtTime(p.entry_time, false)}`}));
    if (isPoint(p.exit_lon, p.exit_lat)) features.push(point(p.exit_lon, p.exit_lat, {kind: 'exit', label: `exit ${fmtTime(p.exit_time, false)}`}));
    if (isPoint(p.max_depth_lon, p.max_depth_lat)) features.push(point(p.max_depth_lon, p.max_depth_lat, {kind: 'deepest', label: `deepest ${fmtKm(p.max_depth_m)}`}));
    this.basemap.setData('passage', {type: 'FeatureCollection', features});
    const lons = track.lon.filter(Number.isFinite), lats = track.lat.filter(Number.isFinite);
    if (lons.length) {
      this.basemap.map.fitBounds([[Math.min(...lons), Math.min(...lats)], [Math.max(...lons), Math.max(...lats)]], {padding: 80, duration: 0, maxZoom: 12});
    }
    this.bar.hidden = false;
    this.info.textContent = `${clean(p.callsign || p.track_id)} in ${clean(p.airspace)}: ${clean(p.status)}`;
    this.seek(this.t0);
    return p;
  }

  /** Position (lon, lat, alt) at time t (s) along the track. */
  at(t) {
    const times = this.times;
    let hi = times.findIndex((x) => x >= t);
    if (hi <= 0) hi = hi === 0 ? 0 : times.length - 1;
    const lo = Math.max(0, hi - 1);
    const span = times[hi] - times[lo];
    const f = span > 0 ? Math.min(1, Math.max(0, (t - times[lo]) / span)) : 1;
    const mix = (a) => (Number.isFinite(a[lo]) && Number.isFinite(a[hi]) ? a[lo] + (a[hi] - a[lo]) * f : a[hi]);
    return {lon: mix(this.lon), lat: mix(this.lat), alt: mix(this.alt), index: lo};
  }

  seek(t) {
    this.t = Math.min(this.t1, Math.max(this.t0, t));
    const here = this.at(this.t);
    const flownLon = this.lon.slice(0, here.index + 1).concat([here.lon]);
    const flownLat = this.lat.slice(0, here.index + 1).concat([here.lat]);
    const p = this.passage;
    const label = `${p.callsign || p.track_id} ${fmtTime(this.t, false)}${Number.isFinite(here.alt) ? ` ${fmtFeet(here.alt)} ft` : ''}`;
    this.basemap.setData('replay', {type: 'FeatureCollection', features: [
      line(flownLon, flownLat, {kind: 'flown'}), point(here.lon, here.lat, {label})]});
    this.timeLabel.textContent = fmtTime(this.t);
    this.slider.value = String(Math.round(1000 * (this.t - this.t0) / Math.max(1e-9, this.t1 - this.t0)));
    this.bar.dataset.t = String(this.t);
  }

  play() {
    if (this.t >= this.t1) this.seek(this.t0);
    this.playing = true;
    this.playButton.textContent = '❚❚';
    let last = performance.now();
    const step = (now) => {
      if (!this.playing) return;
      const speed = Math.max(0.01, Number(this.speedInput.value) || 1);
      this.seek(this.t + (now - last) / 1000 * speed);
      last = now;
      if (this.t >= this.t1) this.pause(); else requestAnimationFrame(step);
    };
    requestAnimationFrame(step);
  }

  pause() { this.playing = false; this.playButton.textContent = '▶'; }

  close() {
    this.pause();
    this.bar.hidden = true;
    this.basemap.setData('passage', {type: 'FeatureCollection', features: []});
    this.basemap.setData('replay', {type: 'FeatureCollection', features: []});
  }
}
