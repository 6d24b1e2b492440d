// The agent channel: one WebSocket to the server that carries all state.
//
// It authenticates with the session token in its first message (never in the URL), or
// with the session cookie when the frame was reloaded, and
// reconnects on its own after a network blip, backing off from 250 ms to 5 s, so the
// agent only has to watch the "Reconnecting…" banner disappear.

/** @typedef {import('../types/protocol').ServerOp} ServerOp */
/** @typedef {import('../types/protocol').ClientOp} ClientOp */
/** @typedef {'connecting' | 'open' | 'reconnecting' | 'closed'} ChannelState */

const MAX_BACKOFF_MS = 5000;

/**
 * @param {{
 *   token: string | null,
 *   onOp: (op: ServerOp) => void,
 *   onState: (state: ChannelState) => void,
 * }} options
 */
export function openChannel({ token, onOp, onState }) {
  const url = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/api/v1/agent/channel`;
  /** @type {WebSocket | null} */
  let socket = null;
  let attempt = 0;
  let stopped = false;
  /** @type {ReturnType<typeof setTimeout> | undefined} */
  let timer;

  function connect() {
    onState(attempt === 0 ? 'connecting' : 'reconnecting');
    const ws = new WebSocket(url);
    socket = ws;
    // Without a token the server uses the session cookie the socket was opened with.
    const hello = /** @type {ClientOp} */ (token ? { op: 'hello', token } : { op: 'hello' });
    ws.onopen = () => ws.send(JSON.stringify(hello));
    ws.onmessage = (event) => {
      /** @type {ServerOp} */
      let op;
      try {
        op = JSON.parse(event.data);
      } catch {
        return;
      }
      if (op.op === 'welcome') {
        attempt = 0;
        onState('open');
      }
      if (op.op === 'closed' && op.reason !== 'shutting-down') stopped = true;
      onOp(op);
    };
    ws.onclose = () => {
      if (socket !== ws) return;
      socket = null;
      if (stopped) {
        onState('closed');
        return;
      }
      attempt += 1;
      onState('reconnecting');
      const backoff = Math.min(MAX_BACKOFF_MS, 250 * 2 ** (attempt - 1));
      timer = setTimeout(connect, backoff / 2 + Math.random() * (backoff / 2));
    };
  }

  // Coming back online: try at once instead of waiting out the backoff.
  const retryNow = () => {
    if (!stopped && !socket) {
      clearTimeout(timer);
      connect();
    }
  };
  window.addEventListener('online', retryNow);
  connect();

  return {
    /** @param {ClientOp} op @returns {boolean} whether it was sent */
    send(op) {
      if (socket?.readyState !== WebSocket.OPEN) return false;
      socket.send(JSON.stringify(op));
      return true;
    },
    close() {
      stopped = true;
      clearTimeout(timer);
      window.removeEventListener('online', retryNow);
      socket?.close(1000);
      socket = null;
    },
  };
}

/** @typedef {ReturnType<typeof openChannel>} Channel */
