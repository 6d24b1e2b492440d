// The only door between the embed and its host page.
//
// Outgoing: every message goes to `window.parent` with targetOrigin set to the approved
// host origin the server put in the page, never '*', so nothing leaks to another page.
// Incoming: a message counts only if it comes from the parent window and its
// `event.origin` is exactly that origin; everything else is dropped unread.

/** @typedef {import('../types/protocol').EmbedMessage} EmbedMessage */

/**
 * @param {{ hostOrigin: string, onMessage: (message: Record<string, unknown>) => void }} options
 */
export function createHostBridge({ hostOrigin, onMessage }) {
  const parent = window.parent;
  const embedded = parent !== window;

  window.addEventListener('message', (event) => {
    if (!embedded || event.source !== parent || event.origin !== hostOrigin) return;
    const message = event.data;
    if (message === null || typeof message !== 'object' || Array.isArray(message)) return;
    onMessage(/** @type {Record<string, unknown>} */ (message));
  });

  return {
    hostOrigin,
    /** @param {EmbedMessage} message */
    post(message) {
      if (embedded) parent.postMessage(message, hostOrigin);
    },
  };
}

/** @typedef {ReturnType<typeof createHostBridge>} HostBridge */
