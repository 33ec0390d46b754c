// The map under the aircraft: MapLibre GL with no tiles at all. Borders and territorial seas
// come from /api/airspaces (simplified for the zoom, cut to the view), range rings from
// /api/config, and the passage being replayed from /api/passages/{id}.
import * as maplibregl from '/static/vendor/maplibre-gl/maplibre-gl.mjs';
import {getJSON} from './api.js';

const EMPTY = {type: 'FeatureCollection', features: []};
const FONT = ['B612 Mono'];

function style(theme, config) {
  const t = theme;
  return {
    version: 8,
    'font-faces': {'B612 Mono': `${location.origin}/static/vendor/b612-mono/b612-mono-latin-700-normal.woff2`},
    sources: {
      airspaces: {type: 'geojson', data: EMPTY},
      rings: {type: 'geojson', data: config.rings || EMPTY},
      reference: {type: 'geojson', data: EMPTY},
      passage: {type: 'geojson', data: EMPTY},
      replay: {type: 'geojson', data: EMPTY},
      warnings: {type: 'geojson', data: EMPTY},
    },
    layers: [
      {id: 'background', type: 'background', paint: {'background-color': t.background}},
      {id: 'area', type: 'fill', source: 'airspaces', filter: ['==', ['get', 'kind'], 'area'],
        paint: {'fill-color': ['case', ['get', 'watched'], t.areaWatched, t.area]}},
      {id: 'disputed', type: 'fill', source: 'airspaces', filter: ['==', ['get', 'kind'], 'disputed'],
        paint: {'fill-color': t.disputed, 'fill-opacity': 0.22}},
      {id: 'disputed-outline', type: 'line', source: 'airspaces', filter: ['==', ['get', 'kind'], 'disputed'],
        paint: {'line-color': t.disputed, 'line-width': 1, 'line-dasharray': [3, 2]}},
      {id: 'border', type: 'line', source: 'airspaces', filter: ['==', ['get', 'kind'], 'border'],
        paint: {'line-color': ['case', ['get', 'watched'], t.borderWatched, t.border],
          'line-width': ['case', ['get', 'watched'], 1.8, 0.8]}},
      {id: 'zone', type: 'line', source: 'airspaces', filter: ['==', ['get', 'kind'], 'zone_border'],
        paint: {'line-color': t.zone, 'line-width': 1.4, 'line-dasharray': [4, 2]}},
      {id: 'rings', type: 'line', source: 'rings', paint: {'line-color': t.ring, 'line-width': 1, 'line-dasharray': [2, 3]}},
      {id: 'ring-labels', type: 'symbol', source: 'rings',
        layout: {'symbol-placement': 'line', 'text-field': ['get', 'label'], 'text-font': FONT, 'text-size': 10,
          'symbol-spacing': 400},
        paint: {'text-color': t.ringText, 'text-halo-color': t.halo, 'text-halo-width': 1.5}},
      {id: 'reference', type: 'circle', source: 'reference', paint: {'circle-radius': 3, 'circle-color': t.ringText}},
      {id: 'reference-label', type: 'symbol', source: 'reference',
        layout: {'text-field': ['get', 'name'], 'text-font': FONT, 'text-size': 11, 'text-offset': [0, 1.1], 'text-anchor': 'top'},
        paint: {'text-color': t.ringText, 'text-halo-color': t.halo, 'text-halo-width': 1.5}},
      {id: 'warning-paths', type: 'line', source: 'warnings',
        paint: {'line-color': ['match', ['get', 'stage'], 'inside', '#ff3b3b', 'imminent', '#ff8c1a', '#ffd23f'], 'line-width': 1.5,
          'line-dasharray': [2, 2]}},
      {id: 'passage-context', type: 'line', source: 'passage', filter: ['==', ['get', 'kind'], 'track'],
        paint: {'line-color': t.context, 'line-width': 1.5}},
      {id: 'passage-flown', type: 'line', source: 'replay', filter: ['==', ['get', 'kind'], 'flown'],
        paint: {'line-color': t.path, 'line-width': 2}},
      {id: 'passage-path', type: 'line', source: 'passage', filter: ['==', ['get', 'kind'], 'inside'],
        paint: {'line-color': t.inside, 'line-width': 3}},
      {id: 'passage-points', type: 'circle', source: 'passage', filter: ['==', ['geometry-type'], 'Point'],
        paint: {'circle-radius': 5, 'circle-color': t.background, 'circle-stroke-color': t.inside, 'circle-stroke-width': 2}},
      {id: 'passage-point-labels', type: 'symbol', source: 'passage', filter: ['==', ['geometry-type'], 'Point'],
        // the entry, exit and deepest points of a short passage lie close together: each label takes the
        // first free place around its point, and waits for a closer zoom rather than overprint another
        layout: {'text-field': ['get', 'label'], 'text-font': FONT, 'text-size': 11, 'text-radial-offset': 0.9,
          'text-variable-anchor': ['top', 'bottom', 'left', 'right', 'top-left', 'bottom-left', 'top-right', 'bottom-right'],
          'text-justify': 'auto', 'text-padding': 3},
        paint: {'text-color': t.text, 'text-halo-color': t.halo, 'text-halo-width': 2}},
      {id: 'replay-point', type: 'circle', source: 'replay', filter: ['==', ['geometry-type'], 'Point'],
        paint: {'circle-radius': 7, 'circle-color': t.path, 'circle-stroke-color': t.inside, 'circle-stroke-width': 3}},
      {id: 'replay-label', type: 'symbol', source: 'replay', filter: ['==', ['geometry-type'], 'Point'],
        layout: {'text-field': ['get', 'label'], 'text-font': FONT, 'text-size': 11, 'text-offset': [1, -1],
          'text-anchor': 'bottom-left', 'text-allow-overlap': true},
        paint: {'text-color': t.text, 'text-halo-color': t.halo, 'text-halo-width': 2}},
    ],
  };
}

/** Colours of the style's layers for a theme (used when the theme changes). */
function applyTheme(map, t) {
  const paint = {
    background: {'background-color': t.background},
    area: {'fill-color': ['case', ['get', 'watched'], t.areaWatched, t.area]},
    disputed: {'fill-color': t.disputed}, 'disputed-outline': {'line-color': t.disputed},
    border: {'line-color': ['case', ['get', 'watched'], t.borderWatched, t.border]},
    zone: {'line-color': t.zone}, rings: {'line-color': t.ring},
    'ring-labels': {'text-color': t.ringText, 'text-halo-color': t.halo},
    reference: {'circle-color': t.ringText}, 'reference-label': {'text-color': t.ringText, 'text-halo-color': t.halo},
    'passage-context': {'line-color': t.context}, 'passage-path': {'line-color': t.inside}, 'passage-flown': {'line-color': t.path},
    'passage-points': {'circle-color': t.background, 'circle-stroke-color': t.inside},
    'passage-point-labels': {'text-color': t.text, 'text-halo-color': t.halo},
    'replay-point': {'circle-color': t.path, 'circle-stroke-color': t.inside},
    'replay-label': {'text-color': t.text, 'text-halo-color': t.halo},
  };
  for (const [layer, props] of Object.entries(paint)) for (const [key, value] of Object.entries(props)) map.setPaintProperty(layer, key, value);
}

export class BaseMap {
  constructor(container, config, theme) {
    const ref = config.reference;
    this.map = new maplibregl.Map({
      container, style: style(theme, config), attributionControl: false, renderWorldCopies: false,
      center: ref ? [ref.lon, ref.lat] : [36.0, 35.9], zoom: ref ? 7 : 6, fadeDuration: 0, maxZoom: 16,
      dragRotate: true, pitchWithRotate: false,
    });
    this.map.addControl(new maplibregl.NavigationControl({showCompass: true}), 'top-left');
    this.map.addControl(new maplibregl.ScaleControl({unit: 'nautical'}), 'bottom-left');
    this.loaded = null;
    this.requests = 0;
    this.config = config;
    this.map.on('load', () => {
      if (ref) this.setData('reference', {type: 'FeatureCollection', features: [
        {type: 'Feature', properties: {name: ref.name || ''}, geometry: {type: 'Point', coordinates: [ref.lon, ref.lat]}}]});
      this.loadAirspaces();
    });
    this.map.on('moveend', () => this.loadAirspaces());
  }

  setData(source, data) { this.map.getSource(source)?.setData(data); }
  setTheme(theme) { applyTheme(this.map, theme); }

  /** Fetch the borders for the view (padded by half a view each side) unless already loaded. */
  async loadAirspaces() {
    const map = this.map;
    const level = Math.floor(map.getZoom());
    const b = map.getBounds();
    const view = [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()];
    const have = this.loaded;
    if (have && have.level === level && view[0] >= have.bbox[0] && view[1] >= have.bbox[1] && view[2] <= have.bbox[2] && view[3] <= have.bbox[3]) return;
    const dx = (view[2] - view[0]) / 2, dy = (view[3] - view[1]) / 2;
    const bbox = [Math.max(-180, view[0] - dx), Math.max(-85.06, view[1] - dy), Math.min(180, view[2] + dx), Math.min(85.06, view[3] + dy)];
    const request = ++this.requests;
    const data = await getJSON('/api/airspaces', {bbox: bbox.map((v) => v.toFixed(4)).join(','), zoom: level});
    if (request !== this.requests) return;   // a newer view asked meanwhile
    this.setData('airspaces', data);
    this.loaded = {level, bbox};
    map.fire('airspacesloaded');
  }
}

export {maplibregl};
