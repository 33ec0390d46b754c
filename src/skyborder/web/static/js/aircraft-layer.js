// The live aircraft on the map, drawn by one MapLibre custom layer in WebGL2:
// heading-rotated symbols coloured by State of registry (military as a delta), a ring around
// warned aircraft that blinks in the colour of its stage, trails (the last TRAIL_LEN updates,
// fading with age), one-minute speed vectors, and collision-aware labels (labels.js).
//
// Why not GeoJSON sources and symbol layers: they rebuild vector tiles and re-run symbol
// placement for every update, ~250 ms of main-thread time at 5,000 aircraft on the test machine
// (benchmarks/bench_web.py); here an update is a few uploads of typed arrays that the page's
// worker has already packed (live-worker.js).
import {program, attribute, upload} from './gl.js';
import {LabelLayer} from './labels.js';
import {TRAIL_LEN} from './store.js';
const ICON_PX = 18;

const ICON_VS = `#version 300 es
precision highp float;
layout(location=0) in vec2 a_corner;
layout(location=1) in vec2 a_pos;
layout(location=2) in float a_track;
layout(location=3) in float a_flags;
layout(location=4) in vec4 a_colour;
uniform mat4 u_matrix;
uniform vec2 u_viewport;
uniform float u_size;
uniform float u_bearing;
uniform float u_ring;
uniform float u_blink;
uniform float u_dim;
uniform int u_selected;
out vec2 v_uv;
out vec4 v_colour;
out vec4 v_outline;
void main() {
  float military = mod(a_flags, 2.0);
  float stage = mod(floor(a_flags / 2.0), 4.0);
  float selected = gl_InstanceID == u_selected ? 1.0 : 0.0;
  vec4 clip = u_matrix * vec4(a_pos, 0.0, 1.0);
  float cell;
  float size = u_size;
  v_colour = vec4(a_colour.rgb * u_dim, 1.0);
  v_outline = vec4(0.0, 0.0, 0.0, 0.85);
  float angle = 0.0;
  if (u_ring > 0.5) {
    // the ring pass: warned (stage > 0) or selected aircraft only
    if (stage < 0.5 && selected < 0.5) { gl_Position = vec4(2.0, 2.0, 2.0, 1.0); return; }
    cell = 3.0;
    size = u_size * 2.0;
    vec3 rgb = stage > 2.5 ? vec3(1.0, 0.231, 0.231) : stage > 1.5 ? vec3(1.0, 0.549, 0.102) : stage > 0.5 ? vec3(1.0, 0.824, 0.247) : vec3(1.0);
    float on = (stage > 0.5 && u_blink > 0.5 && stage > 1.5) ? 0.35 : 1.0;
    v_colour = vec4(rgb * on, on);
    v_outline = vec4(0.0);
  } else {
    cell = a_track < 0.0 ? 2.0 : military;
    angle = a_track < 0.0 ? 0.0 : radians(a_track) - u_bearing;
  }
  vec2 corner = a_corner * size * 0.5;
  float c = cos(angle), s = sin(angle);
  vec2 turned = vec2(corner.x * c + corner.y * s, -corner.x * s + corner.y * c);
  clip.xy += turned * 2.0 / u_viewport * clip.w;
  gl_Position = clip;
  v_uv = vec2((cell + a_corner.x * 0.5 + 0.5) / 4.0, 0.5 - a_corner.y * 0.5);
}`;

const ICON_FS = `#version 300 es
precision mediump float;
uniform sampler2D u_atlas;
in vec2 v_uv;
in vec4 v_colour;
in vec4 v_outline;
out vec4 colour;
void main() {
  vec4 t = texture(u_atlas, v_uv);
  // red channel: fill, green channel: outline around the fill
  vec4 fill = v_colour * t.r;
  vec4 line = v_outline * t.g * (1.0 - t.r);
  colour = vec4(fill.rgb * fill.a + line.rgb * line.a, max(fill.a, line.a));
  if (colour.a < 0.01) discard;
}`;

const LINE_VS = `#version 300 es
precision highp float;
layout(location=0) in vec2 a_pos;
layout(location=1) in float a_time;
uniform mat4 u_matrix;
uniform float u_now;
uniform float u_span;
uniform vec4 u_colour;
out vec4 v_colour;
void main() {
  float age = u_now - a_time;
  if (a_time <= 0.0 || age > u_span) { gl_Position = vec4(2.0, 2.0, 2.0, 1.0); v_colour = vec4(0.0); return; }
  gl_Position = u_matrix * vec4(a_pos, 0.0, 1.0);
  float alpha = u_colour.a * (1.0 - age / u_span * 0.85);
  v_colour = vec4(u_colour.rgb * alpha, alpha);
}`;

const LINE_FS = `#version 300 es
precision mediump float;
in vec4 v_colour;
out vec4 colour;
void main() { colour = v_colour; }`;

/** The symbol atlas: four 64x64 cells (civil aircraft, military delta, no heading, ring). */
function iconAtlas() {
  const cell = 64;
  const canvas = document.createElement('canvas');
  canvas.width = cell * 4;
  canvas.height = cell;
  const g = canvas.getContext('2d');
  const shapes = [
    (p) => { // civil: an airliner seen from above, nose up
      p.moveTo(32, 4); p.lineTo(36, 14); p.lineTo(36, 24); p.lineTo(58, 36); p.lineTo(58, 41); p.lineTo(36, 35);
      p.lineTo(35, 50); p.lineTo(43, 56); p.lineTo(43, 60); p.lineTo(32, 57); p.lineTo(21, 60); p.lineTo(21, 56);
      p.lineTo(29, 50); p.lineTo(28, 35); p.lineTo(6, 41); p.lineTo(6, 36); p.lineTo(28, 24); p.lineTo(28, 14); p.closePath();
    },
    (p) => { // military: a delta
      p.moveTo(32, 3); p.lineTo(56, 56); p.lineTo(32, 47); p.lineTo(8, 56); p.closePath();
    },
    (p) => { // no heading known: a diamond
      p.moveTo(32, 12); p.lineTo(52, 32); p.lineTo(32, 52); p.lineTo(12, 32); p.closePath();
    },
  ];
  const draw = (channel, width, index, fillOnly) => {
    const off = document.createElement('canvas');
    off.width = cell; off.height = cell;
    const o = off.getContext('2d');
    o.fillStyle = o.strokeStyle = '#fff';
    o.lineJoin = 'round';
    if (index === 3) {
      o.lineWidth = 5;
      o.beginPath(); o.arc(32, 32, 27, 0, Math.PI * 2); o.stroke();
    } else {
      o.beginPath(); shapes[index](o); o.fill();
      if (!fillOnly) { o.lineWidth = width; o.stroke(); }
    }
    return o.getImageData(0, 0, cell, cell).data;
  };
  const out = g.createImageData(cell * 4, cell);
  for (let index = 0; index < 4; index++) {
    const fill = draw('r', 0, index, true);
    const outline = draw('g', 7, index, false);
    for (let y = 0; y < cell; y++) {
      for (let x = 0; x < cell; x++) {
        const src = (y * cell + x) * 4 + 3;
        const dst = (y * cell * 4 + index * cell + x) * 4;
        out.data[dst] = fill[src];
        out.data[dst + 1] = index === 3 ? 0 : outline[src];
        out.data[dst + 3] = 255;
      }
    }
  }
  return out;
}

export class AircraftLayer {
  /** @param store the AircraftStore; @param theme a THEMES entry */
  constructor(store, theme) {
    this.id = 'aircraft';
    this.type = 'custom';
    this.renderingMode = '2d';
    this.store = store;
    this.theme = theme;
    this.options = {labels: true, trails: true, vectors: true};
    this.blink = 0;
    this.selected = -1;
    this.count = 0;
    this.order = new Int32Array(0);
    this.frameTime = 0;
    this.labels = new LabelLayer(store);
  }

  onAdd(map, gl) {
    this.map = map;
    this.gl = gl;
    const cap = this.capacity = 8192;
    this.icons = program(gl, ICON_VS, ICON_FS);
    this.lines = program(gl, LINE_VS, LINE_FS);

    this.iconVao = gl.createVertexArray();
    gl.bindVertexArray(this.iconVao);
    attribute(gl, 0, 2, gl.FLOAT);
    gl.bufferData(gl.ARRAY_BUFFER, new Float32Array([-1, -1, 1, -1, -1, 1, 1, 1]), gl.STATIC_DRAW);
    this.iconPos = attribute(gl, 1, 2, gl.FLOAT, {divisor: 1, bytes: cap * 8});
    this.iconTrack = attribute(gl, 2, 1, gl.FLOAT, {divisor: 1, bytes: cap * 4});
    this.iconFlags = attribute(gl, 3, 1, gl.FLOAT, {divisor: 1, bytes: cap * 4});
    this.iconColour = attribute(gl, 4, 4, gl.UNSIGNED_BYTE, {normalized: true, divisor: 1, bytes: cap * 4});

    this.atlas = gl.createTexture();
    gl.bindTexture(gl.TEXTURE_2D, this.atlas);
    gl.texImage2D(gl.TEXTURE_2D, 0, gl.RGBA, gl.RGBA, gl.UNSIGNED_BYTE, iconAtlas());
    gl.generateMipmap(gl.TEXTURE_2D);
    gl.texParameteri(gl.TEXTURE_2D, gl.TEXTURE_MIN_FILTER, gl.LINEAR_MIPMAP_LINEAR);
    gl.texParameteri(gl.TEXTURE_2D, gl.TEXTURE_MAG_FILTER, gl.LINEAR);
    gl.texParameteri(gl.TEXTURE_2D, gl.TEXTURE_WRAP_S, gl.CLAMP_TO_EDGE);

    // trails: TRAIL_LEN blocks of `cap` segments (two vertices each); block k holds update k mod TRAIL_LEN
    this.trailVao = gl.createVertexArray();
    gl.bindVertexArray(this.trailVao);
    this.trailPos = attribute(gl, 0, 2, gl.FLOAT, {bytes: TRAIL_LEN * cap * 2 * 8});
    this.trailTime = attribute(gl, 1, 1, gl.FLOAT, {bytes: TRAIL_LEN * cap * 2 * 4});
    this.block = 0;
    this.blocksUsed = 0;
    this.trailTop = 0;
    this.segmentTimes = new Float32Array(cap * 2);

    this.vectorVao = gl.createVertexArray();
    gl.bindVertexArray(this.vectorVao);
    this.vectorPos = attribute(gl, 0, 2, gl.FLOAT, {bytes: cap * 2 * 8});
    this.vectorTime = attribute(gl, 1, 1, gl.FLOAT, {bytes: cap * 2 * 4});
    this.vectorTimes = new Float32Array(cap * 2);
    gl.bindVertexArray(null);
    this.labels.onAdd(map, gl);
  }

  /** Upload what the worker packed for one frame (see live-worker.js). */
  update(drawn) {
    const gl = this.gl;
    if (!gl) return;
    if (drawn) {
      const n = drawn.order.length;
      this.count = n;
      this.order = drawn.order;
      this.frameTime = drawn.trailTime;
      upload(gl, this.iconPos, drawn.pos);
      upload(gl, this.iconTrack, drawn.track);
      upload(gl, this.iconFlags, drawn.flags);
      upload(gl, this.iconColour, drawn.colour);
      upload(gl, this.vectorPos, drawn.vector);
      this.vectorTimes.fill(drawn.trailTime, 0, n * 2);
      upload(gl, this.vectorTime, this.vectorTimes.subarray(0, n * 2));
      // one block of the trail ring: every slot's newest segment (empty slots get time 0)
      const top = drawn.segmentTime.length, k = this.block, cap = this.capacity;
      for (let slot = 0; slot < top; slot++) {
        this.segmentTimes[slot * 2] = this.segmentTimes[slot * 2 + 1] = drawn.segmentTime[slot];
      }
      gl.bindBuffer(gl.ARRAY_BUFFER, this.trailPos);
      gl.bufferSubData(gl.ARRAY_BUFFER, k * cap * 16, drawn.segment);
      gl.bindBuffer(gl.ARRAY_BUFFER, this.trailTime);
      gl.bufferSubData(gl.ARRAY_BUFFER, k * cap * 8, this.segmentTimes.subarray(0, top * 2));
      this.block = (k + 1) % TRAIL_LEN;
      this.blocksUsed = Math.min(TRAIL_LEN, this.blocksUsed + 1);
      this.trailTop = Math.max(this.trailTop, top);
    }
    this.selectedInstance = this.order.indexOf(this.selected);
    this.labels.invalidate();
    this.map.triggerRepaint();
  }

  setTheme(theme) { this.theme = theme; this.labels.setTheme(theme); this.update(null); }

  render(gl, args) {
    const matrix = args.defaultProjectionData ? args.defaultProjectionData.mainMatrix : args.modelViewProjectionMatrix;
    const bearing = this.map.getBearing() * Math.PI / 180;
    const dpr = window.devicePixelRatio || 1;
    const viewport = [gl.drawingBufferWidth, gl.drawingBufferHeight];
    gl.enable(gl.BLEND);
    gl.blendFunc(gl.ONE, gl.ONE_MINUS_SRC_ALPHA);
    const now = this.frameTime;
    const lines = (colour, alpha, span) => {
      gl.useProgram(this.lines.prog);
      gl.uniformMatrix4fv(this.lines.uniforms.u_matrix, false, matrix);
      gl.uniform1f(this.lines.uniforms.u_now, now);
      gl.uniform1f(this.lines.uniforms.u_span, span);
      gl.uniform4f(this.lines.uniforms.u_colour, colour[0] / 255, colour[1] / 255, colour[2] / 255, alpha);
    };
    if (this.options.trails && this.blocksUsed) {
      // trail segments are stamped with the frame time (s): those older than TRAIL_LEN frames fade out
      lines(this.theme.trail, 0.55, TRAIL_LEN * 1.05);
      gl.bindVertexArray(this.trailVao);
      for (let k = 0; k < this.blocksUsed; k++) gl.drawArrays(gl.LINES, k * this.capacity * 2, this.trailTop * 2);
    }
    if (this.options.vectors && this.count) {
      lines(this.theme.vector, 0.5, 1e9);
      gl.bindVertexArray(this.vectorVao);
      gl.drawArrays(gl.LINES, 0, this.count * 2);
    }
    if (this.count) {
      gl.useProgram(this.icons.prog);
      const u = this.icons.uniforms;
      gl.uniformMatrix4fv(u.u_matrix, false, matrix);
      gl.uniform2f(u.u_viewport, viewport[0], viewport[1]);
      gl.uniform1f(u.u_size, ICON_PX * dpr);
      gl.uniform1f(u.u_bearing, bearing);
      gl.uniform1f(u.u_blink, this.blink);
      gl.uniform1f(u.u_dim, this.theme.name === 'light' ? 0.62 : 1);
      gl.uniform1i(u.u_selected, this.selectedInstance ?? -1);
      gl.activeTexture(gl.TEXTURE0);
      gl.bindTexture(gl.TEXTURE_2D, this.atlas);
      gl.uniform1i(u.u_atlas, 0);
      gl.bindVertexArray(this.iconVao);
      gl.uniform1f(u.u_ring, 1);
      gl.drawArraysInstanced(gl.TRIANGLE_STRIP, 0, 4, this.count);
      gl.uniform1f(u.u_ring, 0);
      gl.drawArraysInstanced(gl.TRIANGLE_STRIP, 0, 4, this.count);
    }
    gl.bindVertexArray(null);
    if (this.options.labels) this.labels.render(gl, matrix, this.map);
  }

  /** The slot of the aircraft drawn nearest to a CSS-pixel point (within `radius` px), or -1. */
  pick(point, radius = 12) {
    const s = this.store;
    let best = -1, bestD = radius * radius;
    s.forEach((slot) => {
      const p = this.map.project([s.lon[slot], s.lat[slot]]);
      const d = (p.x - point.x) ** 2 + (p.y - point.y) ** 2;
      if (d < bestD) { bestD = d; best = slot; }
    });
    return best;
  }
}

