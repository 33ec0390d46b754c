// The live push: server-sent events (one stream per page), read and parsed in a worker
// (live-worker.js) that hands the page ready-made typed arrays.
export const EVENT_KINDS = ['warning', 'warning_cleared', 'passage_opened', 'passage_closed', 'feed_down', 'feed_up', 'acknowledged', 'resync'];

/** Start the worker; returns an object with close(). */
export function connect({onFrame, onEvent, onState}) {
  const worker = new Worker('/static/js/live-worker.js', {type: 'module', name: 'skyborder-live'});
  worker.onmessage = ({data}) => {
    if (data.kind === 'frame') onFrame(data);
    else if (data.kind === 'event') onEvent(data.event, data.data);
    else if (data.kind === 'state') onState(data.state);
  };
  worker.onerror = (error) => onState(`error ${error.message || ''}`);
  return {close: () => { worker.postMessage('close'); worker.terminate(); }};
}
