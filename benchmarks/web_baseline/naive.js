// The baseline of benchmarks/bench_web.py: the obvious MapLibre way to draw live aircraft. Each
// frame from the same SSE stream becomes a GeoJSON FeatureCollection (one Feature per aircraft)
// handed to setData on a GeoJSON source drawn by symbol layers: a rotated icon, and a label with
// MapLibre's own collision detection. MapLibre re-tiles the source in its worker and places the
// symbols again on the main thread for every update.
import * as maplibregl from '/static/vendor/maplibre-gl/maplibre-gl.mjs';

const map = new maplibregl.Map({
  container: 'map', center: [36.0, 35.9], zoom: 6, fadeDuration: 0, attributionControl: false,
  style: {
    version: 8,
    'font-faces': {'B612 Mono': `${location.origin}/static/vendor/b612-mono/b612-mono-latin-700-normal.woff2`},
    sources: {aircraft: {type: 'geojson', data: {type: 'FeatureCollection', features: []}}},
    layers: [
      {id: 'background', type: 'background', paint: {'background-color': '#04100b'}},
      {id: 'icons', type: 'symbol', source: 'aircraft',
        layout: {'icon-image': 'plane', 'icon-rotate': ['get', 'track'], 'icon-rotation-alignment': 'map',
          'icon-allow-overlap': true, 'icon-ignore-placement': true},
        paint: {'icon-color': '#7cfc9a'}},
      {id: 'labels', type: 'symbol', source: 'aircraft',
        layout: {'text-field': ['concat', ['get', 'callsign'], '\n', ['get', 'line2']], 'text-font': ['B612 Mono'],
          'text-size': 11, 'text-offset': [1.2, 0], 'text-anchor': 'left'},
        paint: {'text-color': '#d6f5e3'}},
    ],
  },
});

function planeIcon() {
  const canvas = document.createElement('canvas');
  canvas.width = canvas.height = 32;
  const g = canvas.getContext('2d');
  g.fillStyle = '#fff';
  g.beginPath(); g.moveTo(16, 2); g.lineTo(26, 28); g.lineTo(16, 22); g.lineTo(6, 28); g.closePath(); g.fill();
  return g.getImageData(0, 0, 32, 32);
}

const stats = {frames: 0, updateMs: []};
window.skyborder = {map, stats};
map.on('load', () => {
  map.addImage('plane', planeIcon(), {sdf: true});
  const source = new EventSource('/api/stream');
  source.addEventListener('aircraft', (message) => {
    const t0 = performance.now();
    const frame = JSON.parse(message.data);
    const c = frame.columns;
    const features = new Array(frame.count);
    for (let i = 0; i < frame.count; i++) {
      features[i] = {type: 'Feature', geometry: {type: 'Point', coordinates: [c.lon[i], c.lat[i]]},
        properties: {track: c.track_deg[i] ?? 0, callsign: c.callsign[i] || c.icao24[i],
          line2: `${Math.round((c.alt_m[i] ?? 0) / 30.48)} ${Math.round((c.speed_mps[i] ?? 0) / 0.5144)}`}};
    }
    map.getSource('aircraft').setData({type: 'FeatureCollection', features});
    stats.frames++;
    stats.updateMs.push(performance.now() - t0);
  });
});
