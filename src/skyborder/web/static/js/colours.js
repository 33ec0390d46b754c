// Colours: aircraft by State of registry, warning stages, and the two themes.

// twelve hues that stay apart on a dark scope and on paper
const PALETTE = [
  [255, 99, 99], [79, 209, 255], [255, 210, 63], [163, 230, 53], [199, 146, 234], [255, 159, 28],
  [45, 212, 191], [244, 114, 182], [147, 197, 253], [250, 250, 210], [190, 242, 100], [253, 186, 116],
];
const UNKNOWN = [150, 160, 155];

/** RGB of a State of registry (ISO alpha-3): fixed per code, grey when unknown. */
export function countryColour(code) {
  if (!code) return UNKNOWN;
  let hash = 0;
  for (let i = 0; i < code.length; i++) hash = (hash * 31 + code.charCodeAt(i)) >>> 0;
  return PALETTE[hash % PALETTE.length];
}

export const css = (rgb, alpha = 1) => `rgba(${rgb[0]}, ${rgb[1]}, ${rgb[2]}, ${alpha})`;

export const STAGE_RGB = {predicted: [255, 210, 63], imminent: [255, 140, 26], inside: [255, 59, 59]};
export const STAGE_RANK = {'': 0, predicted: 1, imminent: 2, inside: 3};

export const THEMES = {
  dark: {
    background: '#04100b', area: '#0a1d15', areaWatched: '#163726', border: '#2e6b4f', borderWatched: '#7cfc9a',
    disputed: '#ff9f1c', zone: '#4fd1ff', ring: '#1f5a3e', ringText: '#5fa383', text: '#d6f5e3', halo: '#04100b',
    labelText: [214, 245, 227], labelBox: [4, 16, 11, 190], trail: [124, 252, 154], vector: [214, 245, 227],
    path: '#ffffff', inside: '#ff3b3b', context: '#6c8a7b',
  },
  light: {
    background: '#ffffff', area: '#f1f4f2', areaWatched: '#dcefe3', border: '#8aa596', borderWatched: '#0a7a3a',
    disputed: '#c25e00', zone: '#0067a3', ring: '#b9c7bf', ringText: '#4d6157', text: '#0d1a14', halo: '#ffffff',
    labelText: [13, 26, 20], labelBox: [255, 255, 255, 210], trail: [10, 122, 58], vector: [13, 26, 20],
    path: '#000000', inside: '#c40000', context: '#8a9a92',
  },
};
