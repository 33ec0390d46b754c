// Aircraft labels (callsign; flight level, trend and ground speed in knots), placed so that no
// two overlap and none covers another aircraft's symbol: greedy placement on an occupancy grid
// of 8-pixel cells, warned, selected and military aircraft first, up to four positions tried
// around each symbol; an aircraft whose label fits nowhere goes unlabelled. Placement runs after
// each update and when the zoom or rotation changes (a pan moves everything together, so it
// keeps the placement). Text is drawn in WebGL from a glyph atlas of B612 Mono made in the page.
import {program, attribute, upload, projector} from './gl.js';
import {STAGE_RGB} from './colours.js';
import {FOOT_M, KNOT_MPS} from './util.js';

const FONT_PX = 11;
const LINE_PX = 13;
const PAD = 2;
const CELL = 8;
const ICON_HALF = 3;   // the centre of each symbol stays clear of labels (its wings may be covered)
const GLYPHS = Array.from({length: 95}, (_, i) => String.fromCharCode(32 + i)).join('') + '↑↓';
const COLS = 16;
const MAX_LABEL = 8;

const VS = `#version 300 es
precision highp float;
layout(location=0) in vec2 a_corner;
layout(location=1) in vec2 a_anchor;
layout(location=2) in vec4 a_box;      // offset x, y (CSS px, y down) and size w, h (CSS px)
layout(location=3) in float a_glyph;   // atlas index, -1 for a plain box
layout(location=4) in vec4 a_colour;
uniform mat4 u_matrix;
uniform vec2 u_viewport;
uniform float u_dpr;
uniform vec2 u_cell;                   // atlas cell in texture units
out vec2 v_uv;
out vec4 v_colour;
out float v_box;
void main() {
  vec4 clip = u_matrix * vec4(a_anchor, 0.0, 1.0);
  vec2 px = floor((clip.xy / clip.w * 0.5 + 0.5) * u_viewport + 0.5);
  vec2 corner = (a_corner * 0.5 + 0.5);
  px += vec2(a_box.x + corner.x * a_box.z, -(a_box.y + corner.y * a_box.w)) * u_dpr;
  gl_Position = vec4(px / u_viewport * 2.0 - 1.0, 0.0, 1.0);
  float col = mod(a_glyph, ${COLS}.0), row = floor(a_glyph / ${COLS}.0);
  v_uv = vec2((col + corner.x) * u_cell.x, (row + corner.y) * u_cell.y);
  v_colour = a_colour;
  v_box = a_glyph < 0.0 ? 1.0 : 0.0;
}`;

const FS = `#version 300 es
precision mediump float;
uniform sampler2D u_atlas;
in vec2 v_uv;
in vec4 v_colour;
in float v_box;
out vec4 colour;
void main() {
  float a = v_box > 0.5 ? v_colour.a : texture(u_atlas, v_uv).a * v_colour.a;
  if (a < 0.01) discard;
  colour = vec4(v_colour.rgb * a, a);
}`;

/** The two lines of an aircraft's label. */
export function labelLines(store, slot) {
  const first = (store.callsign[slot] || store.icao[slot].toUpperCase()).slice(0, MAX_LABEL);
  const alt = store.alt[slot], speed = store.speed[slot], vrate = store.vrate[slot];
  const level = Number.isFinite(alt) ? String(Math.max(0, Math.round(alt / FOOT_M / 100))).padStart(3, '0') : '---';
  const trend = vrate > 2.5 ? '↑' : vrate < -2.5 ? '↓' : ' ';
  const knots = Number.isFinite(speed) ? String(Math.round(speed / KNOT_MPS)) : '';
  return [first, `${level}${trend}${knots}`];
}

export class LabelLayer {
  constructor(store) {
    this.store = store;
    this.dirty = true;
    this.placedAt = {zoom: NaN, bearing: NaN, width: 0, height: 0, time: 0};
    this.instances = 0;
    this.placed = 0;
    this.theme = null;
  }

  setTheme(theme) { this.theme = theme; this.dirty = true; }
  invalidate() { this.dirty = true; }

  onAdd(map, gl) {
    this.map = map;
    this.gl = gl;
    this.prog = program(gl, VS, FS);
    this.vao = gl.createVertexArray();
    gl.bindVertexArray(this.vao);
    attribute(gl, 0, 2, gl.FLOAT);
    gl.bufferData(gl.ARRAY_BUFFER, new Float32Array([-1, -1, 1, -1, -1, 1, 1, 1]), gl.STATIC_DRAW);
    this.anchorBuf = attribute(gl, 1, 2, gl.FLOAT, {divisor: 1});
    this.boxBuf = attribute(gl, 2, 4, gl.FLOAT, {divisor: 1});
    this.glyphBuf = attribute(gl, 3, 1, gl.FLOAT, {divisor: 1});
    this.colourBuf = attribute(gl, 4, 4, gl.UNSIGNED_BYTE, {normalized: true, divisor: 1});
    gl.bindVertexArray(null);
    this.sizes = {anchor: {value: 0}, box: {value: 0}, glyph: {value: 0}, colour: {value: 0}};
    this.texture = gl.createTexture();
    this.buildAtlas();
    if (document.fonts) {
      document.fonts.load(`700 ${FONT_PX}px "B612 Mono"`).then(() => { this.buildAtlas(); this.dirty = true; map.triggerRepaint(); });
    }
  }

  buildAtlas() {
    const dpr = window.devicePixelRatio || 1;
    const canvas = document.createElement('canvas');
    const g = canvas.getContext('2d');
    const font = `700 ${FONT_PX * dpr}px "B612 Mono", monospace`;
    g.font = font;
    this.advance = Math.ceil(g.measureText('0').width / dpr);
    this.cellW = this.advance + 2;
    this.cellH = LINE_PX;
    const rows = Math.ceil(GLYPHS.length / COLS);
    canvas.width = COLS * this.cellW * dpr;
    canvas.height = rows * this.cellH * dpr;
    g.font = font;
    g.textBaseline = 'middle';
    g.textAlign = 'center';
    g.fillStyle = '#fff';
    [...GLYPHS].forEach((ch, i) => {
      const col = i % COLS, row = Math.floor(i / COLS);
      g.fillText(ch, (col + 0.5) * this.cellW * dpr, (row + 0.5) * this.cellH * dpr);
    });
    this.index = new Map([...GLYPHS].map((ch, i) => [ch, i]));
    const gl = this.gl;
    gl.bindTexture(gl.TEXTURE_2D, this.texture);
    gl.pixelStorei(gl.UNPACK_PREMULTIPLY_ALPHA_WEBGL, false);
    gl.texImage2D(gl.TEXTURE_2D, 0, gl.RGBA, gl.RGBA, gl.UNSIGNED_BYTE, canvas);
    gl.texParameteri(gl.TEXTURE_2D, gl.TEXTURE_MIN_FILTER, gl.NEAREST);
    gl.texParameteri(gl.TEXTURE_2D, gl.TEXTURE_MAG_FILTER, gl.NEAREST);
    gl.texParameteri(gl.TEXTURE_2D, gl.TEXTURE_WRAP_S, gl.CLAMP_TO_EDGE);
    gl.texParameteri(gl.TEXTURE_2D, gl.TEXTURE_WRAP_T, gl.CLAMP_TO_EDGE);
    this.cellUV = [1 / COLS, 1 / rows];
  }

  /** Decide which aircraft get a label and where; fill the instance arrays. */
  place(matrix) {
    const s = this.store;
    const canvas = this.map.getCanvas();
    const width = canvas.clientWidth, height = canvas.clientHeight;
    const project = projector(matrix, width, height);
    const gw = Math.ceil(width / CELL) + 1, gh = Math.ceil(height / CELL) + 1;
    if (!this.grid || this.grid.length < gw * gh) this.grid = new Uint8Array(gw * gh);
    const grid = this.grid;
    grid.fill(0, 0, gw * gh);
    const px = new Float32Array(s.top), py = new Float32Array(s.top);
    const order = [];
    const out = [0, 0];
    for (let slot = 0; slot < s.top; slot++) {
      if (!s.active[slot] || !project(s.x[slot], s.y[slot], out)) continue;
      if (out[0] < -40 || out[1] < -40 || out[0] > width + 40 || out[1] > height + 40) continue;
      px[slot] = out[0]; py[slot] = out[1];
      order.push(slot);
      // the symbol itself is an obstacle for other labels
      const x0 = Math.max(0, Math.floor((out[0] - ICON_HALF) / CELL)), x1 = Math.min(gw - 1, Math.floor((out[0] + ICON_HALF) / CELL));
      const y0 = Math.max(0, Math.floor((out[1] - ICON_HALF) / CELL)), y1 = Math.min(gh - 1, Math.floor((out[1] + ICON_HALF) / CELL));
      for (let gy = y0; gy <= y1; gy++) for (let gx = x0; gx <= x1; gx++) grid[gy * gw + gx] = 1;
    }
    const selected = this.selected ?? -1;
    const rank = (slot) => (slot === selected ? 100 : 0) + s.stageRank[slot] * 10 + s.military[slot];
    order.sort((a, b) => rank(b) - rank(a) || a - b);
    const anchors = [], boxes = [], glyphs = [], colours = [];
    const theme = this.theme;
    const boxRgba = theme.labelBox;
    let placed = 0;
    const tryBox = (bx, by, w, h) => {
      const x0 = Math.floor(bx / CELL), x1 = Math.floor((bx + w) / CELL);
      const y0 = Math.floor(by / CELL), y1 = Math.floor((by + h) / CELL);
      if (x0 < 0 || y0 < 0 || x1 >= gw || y1 >= gh) return false;
      for (let gy = y0; gy <= y1; gy++) for (let gx = x0; gx <= x1; gx++) if (grid[gy * gw + gx]) return false;
      for (let gy = y0; gy <= y1; gy++) for (let gx = x0; gx <= x1; gx++) grid[gy * gw + gx] = 1;
      return true;
    };
    for (const slot of order) {
      const lines = labelLines(s, slot);
      const w = Math.max(lines[0].length, lines[1].length) * this.advance + 2 * PAD;
      const h = 2 * LINE_PX + 2 * PAD;
      const x = px[slot], y = py[slot];
      const candidates = [[x + 11, y - h / 2], [x - 11 - w, y - h / 2], [x + 6, y - 8 - h], [x + 6, y + 8]];
      let spot = null;
      for (const [bx, by] of candidates) if (tryBox(bx, by, w, h)) { spot = [bx - x, by - y]; break; }
      if (!spot) continue;
      placed++;
      const ax = s.x[slot], ay = s.y[slot];
      const stage = s.stage[slot];
      const text = stage ? STAGE_RGB[stage] : theme.labelText;
      anchors.push(ax, ay); boxes.push(spot[0], spot[1], w, h); glyphs.push(-1); colours.push(...boxRgba);
      lines.forEach((line, row) => {
        for (let i = 0; i < line.length; i++) {
          const g = this.index.get(line[i]) ?? this.index.get('?');
          if (line[i] === ' ') continue;
          anchors.push(ax, ay);
          boxes.push(spot[0] + PAD + i * this.advance - 1, spot[1] + PAD + row * LINE_PX, this.cellW, this.cellH);
          glyphs.push(g);
          colours.push(text[0], text[1], text[2], 255);
        }
      });
    }
    const gl = this.gl;
    upload(gl, this.anchorBuf, new Float32Array(anchors), this.sizes.anchor);
    upload(gl, this.boxBuf, new Float32Array(boxes), this.sizes.box);
    upload(gl, this.glyphBuf, new Float32Array(glyphs), this.sizes.glyph);
    upload(gl, this.colourBuf, new Uint8Array(colours), this.sizes.colour);
    this.instances = glyphs.length;
    this.placed = placed;
    this.placedAt = {zoom: this.map.getZoom(), bearing: this.map.getBearing(), width, height, time: performance.now()};
    this.dirty = false;
  }

  render(gl, matrix, map) {
    const at = this.placedAt;
    const canvas = map.getCanvas();
    const moved = at.zoom !== map.getZoom() || at.bearing !== map.getBearing()
      || at.width !== canvas.clientWidth || at.height !== canvas.clientHeight;
    if (this.dirty || (moved && (!map.isMoving() || performance.now() - at.time > 120))) this.place(matrix);
    else if (moved) map.triggerRepaint();   // place again once the motion settles
    if (!this.instances) return;
    gl.useProgram(this.prog.prog);
    const u = this.prog.uniforms;
    gl.uniformMatrix4fv(u.u_matrix, false, matrix);
    gl.uniform2f(u.u_viewport, gl.drawingBufferWidth, gl.drawingBufferHeight);
    gl.uniform1f(u.u_dpr, window.devicePixelRatio || 1);
    gl.uniform2f(u.u_cell, this.cellUV[0], this.cellUV[1]);
    gl.activeTexture(gl.TEXTURE0);
    gl.bindTexture(gl.TEXTURE_2D, this.texture);
    gl.uniform1i(u.u_atlas, 0);
    gl.bindVertexArray(this.vao);
    gl.drawArraysInstanced(gl.TRIANGLE_STRIP, 0, 4, this.instances);
    gl.bindVertexArray(null);
  }
}
