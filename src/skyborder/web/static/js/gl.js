// WebGL2 helpers for the custom map layers.

export function program(gl, vertexSource, fragmentSource) {
  const compile = (type, source) => {
    const shader = gl.createShader(type);
    gl.shaderSource(shader, source);
    gl.compileShader(shader);
    if (!gl.getShaderParameter(shader, gl.COMPILE_STATUS)) throw new Error(gl.getShaderInfoLog(shader));
    return shader;
  };
  const prog = gl.createProgram();
  gl.attachShader(prog, compile(gl.VERTEX_SHADER, vertexSource));
  gl.attachShader(prog, compile(gl.FRAGMENT_SHADER, fragmentSource));
  gl.linkProgram(prog);
  if (!gl.getProgramParameter(prog, gl.LINK_STATUS)) throw new Error(gl.getProgramInfoLog(prog));
  const uniforms = {};
  const count = gl.getProgramParameter(prog, gl.ACTIVE_UNIFORMS);
  for (let i = 0; i < count; i++) {
    const name = gl.getActiveUniform(prog, i).name;
    uniforms[name] = gl.getUniformLocation(prog, name);
  }
  return {prog, uniforms};
}

/** A vertex buffer bound to one attribute location of a vertex array. */
export function attribute(gl, location, size, type, {normalized = false, divisor = 0, bytes = 0} = {}) {
  const buffer = gl.createBuffer();
  gl.bindBuffer(gl.ARRAY_BUFFER, buffer);
  if (bytes) gl.bufferData(gl.ARRAY_BUFFER, bytes, gl.DYNAMIC_DRAW);
  gl.enableVertexAttribArray(location);
  gl.vertexAttribPointer(location, size, type, normalized, 0, 0);
  if (divisor) gl.vertexAttribDivisor(location, divisor);
  return buffer;
}

/** Replace the start of a buffer's data (growing the buffer when needed). */
export function upload(gl, buffer, data, capacityBytes) {
  gl.bindBuffer(gl.ARRAY_BUFFER, buffer);
  if (capacityBytes && data.byteLength > capacityBytes.value) {
    capacityBytes.value = Math.max(data.byteLength, capacityBytes.value * 2);
    gl.bufferData(gl.ARRAY_BUFFER, capacityBytes.value, gl.DYNAMIC_DRAW);
  }
  gl.bufferSubData(gl.ARRAY_BUFFER, 0, data);
}

/** Project Web Mercator (x, y) with a column-major 4x4 matrix into CSS pixels; returns [px, py, visible]. */
export function projector(matrix, width, height) {
  const m = matrix;
  return (x, y, out) => {
    const cx = m[0] * x + m[4] * y + m[12];
    const cy = m[1] * x + m[5] * y + m[13];
    const cw = m[3] * x + m[7] * y + m[15];
    out[0] = (cx / cw * 0.5 + 0.5) * width;
    out[1] = (0.5 - cy / cw * 0.5) * height;
    return cw > 0;
  };
}
