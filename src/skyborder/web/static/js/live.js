// The live push: one EventSource per page (server-sent events, reconnecting by itself).
export const EVENT_KINDS = ['warning', 'warning_cleared', 'passage_opened', 'passage_closed', 'feed_down', 'feed_up', 'acknowledged', 'resync'];

export function connect({onFrame, onEvent, onState}) {
  const source = new EventSource('/api/stream');
  source.addEventListener('aircraft', (message) => onFrame(JSON.parse(message.data)));
  for (const kind of EVENT_KINDS) source.addEventListener(kind, (message) => onEvent(kind, JSON.parse(message.data)));
  source.addEventListener('open', () => onState('connected'));
  source.addEventListener('error', () => onState(source.readyState === EventSource.CLOSED ? 'closed' : 'reconnecting'));
  return source;
}
