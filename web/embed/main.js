// The embed's start-up and wiring: host bridge ⇄ this module ⇄ agent channel, and views.
//
// The server owns all state. This module keeps only what the screen needs, posts the
// zcc-* messages the server hands it to the host unchanged, and forwards host messages to
// the server, which parses and answers them. Before sign-in it answers host commands
// itself with `agent-not-authenticated`. Call audio (call.js) starts when the server says
// `start-media` and ends when the engagement leaves its live states or the agent signs
// out; offers of calls ring (ring.js) until they are answered or gone.

import { createHostBridge } from './host-bridge.js';
import { openChannel } from './channel.js';
import { resumeSession, signIn, signOut, forgetSession } from './session.js';
import { signInView, softphoneView, contactSearchView, dialView, loadingView, SIZES } from './views.js';
import { engagementsView, queuesView } from './engagements.js';
import { createCalls } from './call.js';
import { createRingback, createRinger } from './ring.js';
import { h, replace } from '../shared/dom.js';

/** @typedef {import('../types/protocol').ServerOp} ServerOp */
/** @typedef {import('../types/protocol').EmbedMessage} EmbedMessage */
/** @typedef {import('../types/protocol').RequestId} RequestId */

/** The largest host message forwarded, as JSON text (the server enforces the same). */
const MAX_MESSAGE = 64 * 1024;
/** Answers to the embed's own lookups: never an error, even before sign-in. */
const ANSWERS = new Set([
  'zcc-init-config-response',
  'zcc-contact-search-response',
  'zcc-incomingPhone-response',
  'zcc-incomingEmail-response',
]);

const app = /** @type {HTMLElement} */ (document.getElementById('app'));
const hostOrigin = document.querySelector('meta[name="callbar-host-origin"]')?.getAttribute('content') ?? '';

/** @type {import('./channel.js').Channel | null} */
let channel = null;
/** @type {ReturnType<typeof softphoneView> | null} */
let softphone = null;
/** @type {ReturnType<typeof contactSearchView> | null} */
let contacts = null;
/** @type {ReturnType<typeof engagementsView> | null} */
let engagements = null;
/** @type {ReturnType<typeof queuesView> | null} */
let queues = null;
/** @type {ReturnType<typeof audioSettings> | null} */
let settings = null;
/** Outbox entries this page has posted to its host: a redelivery is confirmed, not posted again. */
const delivered = new Set();
let signedIn = false;
let wide = true;
/** @type {import('../types/protocol').ReasonOption[]} */
let reasons = [];
/** How long the host has to answer a contact search. */
const SEARCH_TIMEOUT_MS = 5000;
/** @type {ReturnType<typeof setTimeout> | undefined} */
let searchTimer;
/** The host's zcc-init-config-response, forwarded to the server once signed in. */
/** @type {import('../types/protocol').JsonValue | null} */
let hostConfig = null;

const calls = createCalls({
  send: (op) => channel?.send(op) ?? false,
  onProblem: (id, message) => engagements?.mediaProblem(id, message),
});
const ringer = createRinger();
const ringback = createRingback();

const bridge = createHostBridge({ hostOrigin, onMessage: fromHost });
bridge.post({ type: 'zcc-init-config-request' });

replace(app, loadingView('Loading…'));
resumeSession().then((session) => (session ? connect(session.token) : showSignIn()));

/** @param {Record<string, unknown>} message */
function fromHost(message) {
  const type = message.type;
  if (typeof type !== 'string' || !(type.startsWith('zcc-') || type === 'onclicktoact')) return;
  const requestId = requestIdOf(message.data);
  let text;
  try {
    text = JSON.stringify(message);
  } catch {
    return reject('invalid-input', `${type}: the message cannot be read (it must be plain JSON data)`, requestId);
  }
  if (text.length > MAX_MESSAGE) {
    return reject('invalid-input', `${type}: the message is ${text.length} bytes; the limit is ${MAX_MESSAGE}`, requestId);
  }
  const plain = JSON.parse(text);
  if (type === 'zcc-init-config-response') hostConfig = plain;
  if (!signedIn) {
    if (ANSWERS.has(type)) return;
    const why =
      type === 'zcc-agent-info-request'
        ? 'Agent identity is available only after login.'
        : `${type} needs a signed-in agent; the agent has not signed in to the softphone yet.`;
    return reject('agent-not-authenticated', why, requestId);
  }
  if (!channel?.send({ op: 'host', message: plain })) {
    reject('unavailable', 'The softphone is reconnecting to the Callbar server; try again in a moment.', requestId);
  }
}

/**
 * @param {import('../types/protocol').ErrorCode} code
 * @param {string} message
 * @param {RequestId | undefined} requestId
 */
function reject(code, message, requestId) {
  bridge.post({ type: 'zcc-error', data: requestId === undefined ? { code, message } : { code, message, requestId } });
}

/** @param {unknown} data @returns {RequestId | undefined} */
function requestIdOf(data) {
  if (data && typeof data === 'object' && 'requestId' in data) {
    const id = /** @type {{ requestId: unknown }} */ (data).requestId;
    if ((typeof id === 'string' && id.length > 0 && id.length <= 128) || Number.isSafeInteger(id)) {
      return /** @type {RequestId} */ (id);
    }
  }
  return undefined;
}

/** @param {string} [notice] */
function showSignIn(notice) {
  signedIn = false;
  calls.stopAll();
  ringer.stop();
  ringback.stop();
  settings?.close();
  settings = null;
  softphone = null;
  contacts = null;
  engagements = null;
  queues = null;
  replace(
    app,
    signInView({
      notice,
      onSubmit: async (email, password) => {
        try {
          const s = await signIn(email, password);
          connect(s.token);
          return null;
        } catch (e) {
          const err = /** @type {import('./session.js').SignInError} */ (e);
          return err.message;
        }
      },
    }),
  );
}

/** @param {string | null} token  null: the session cookie authenticates the channel */
function connect(token) {
  channel?.close();
  replace(app, loadingView('Connecting to Callbar…'));
  channel = openChannel({
    token,
    onOp,
    onState: (state) => {
      if (softphone) softphone.setConnection(state);
      else if (state === 'reconnecting') replace(app, loadingView('Cannot reach the Callbar server. Retrying…'));
    },
  });
}

/** @param {ServerOp} op */
function onOp(op) {
  switch (op.op) {
    case 'welcome': {
      signedIn = true;
      if (!softphone) {
        const search = contactSearchView({
          onSearch: (query) => {
            search.pending();
            clearTimeout(searchTimer);
            searchTimer = setTimeout(() => search.noAnswer(), SEARCH_TIMEOUT_MS);
            // Zoom's embed sends email lookups as an object, everything else as a string.
            const q = query.includes('@') ? { email: query, type: 'email' } : query;
            bridge.post({ type: 'zcc-contact-search-event', data: { query: q } });
          },
        });
        contacts = search;
        engagements = engagementsView({
          send: (op) => {
            // The ring stops at the click; the server's answer follows.
            if (op.op === 'accept' || op.op === 'reject') ringer.dismiss(op.engagementId);
            channel?.send(op);
          },
          media: calls,
        });
        queues = queuesView();
        settings = audioSettings();
        const dialpad = dialView({ onDial: (phone) => channel?.send({ op: 'dial', phone }) });
        softphone = softphoneView({
          panels: [engagements.root, dialpad.root, search.root, queues.root],
          settings: settings.root,
          agent: op.agent,
          wide,
          onStatus: (code) => channel?.send({ op: 'set-status', code }),
          onSignOut: async () => {
            // The server sets the agent Offline (the host hears it on this channel), then
            // closes the channel with "You signed out.".
            if (!(await signOut())) {
              channel?.close();
              channel = null;
              showSignIn('You signed out.');
            }
          },
          onToggleSize: () => {
            wide = !wide;
            softphone?.setWide(wide);
            bridge.post({ type: 'zcc-resize', data: wide ? SIZES.wide : SIZES.compact });
          },
        });
        softphone.init();
        replace(app, softphone.root);
      }
      calls.reset();
      softphone.setStatus(op.status, op.reasons);
      reasons = op.reasons;
      softphone.setConnection('open');
      if (hostConfig) channel?.send({ op: 'host', message: hostConfig });
      break;
    }
    case 'status':
      softphone?.setStatus(op.status, reasons);
      break;
    case 'post':
      bridge.post(op.message);
      break;
    case 'engagements':
      engagements?.update(op.engagements);
      calls.sync(op.engagements);
      ringer.update(op.engagements);
      ringback.update(op.engagements);
      break;
    case 'start-media':
      calls.start(op.engagementId, op.iceServers);
      break;
    case 'media-answer':
      calls.answer(op.engagementId, op.sdp);
      break;
    case 'queue-stats':
      queues?.update(op.queues);
      break;
    case 'deliver':
      // Post once per page, confirm every time (the confirmation may have been lost).
      if (!delivered.has(op.outboxId)) {
        delivered.add(op.outboxId);
        for (const message of op.messages) bridge.post(message);
      }
      channel?.send({ op: 'delivered', outboxId: op.outboxId });
      break;
    case 'contact-search-result':
      clearTimeout(searchTimer);
      contacts?.show(op.matches);
      break;
    case 'problem':
      engagements?.problem(op.message);
      break;
    case 'closed':
      if (op.reason === 'shutting-down') break;
      channel?.close();
      channel = null;
      forgetSession();
      showSignIn(op.message);
      break;
  }
}

/**
 * The "Audio settings" disclosure in the agent's panel. The panel's code loads on the
 * first open: most sessions never need it, and the embed's first load stays small.
 */
function audioSettings() {
  const button = h('button', { type: 'button', class: 'disclosure', 'aria-expanded': 'false' }, 'Audio settings');
  const root = h('div', { class: 'audio-settings' }, button);
  /** @type {Promise<import('./audio-settings.js').AudioSettingsPanel> | null} */
  let panel = null;
  const load = () =>
    (panel ??= import('./audio-settings.js').then(({ audioSettingsPanel }) => {
      const p = audioSettingsPanel({ onMicrophoneChange: () => calls.changeMicrophone(), onTestRing: () => ringer.test() });
      root.append(p.root);
      button.setAttribute('aria-controls', p.root.id);
      return p;
    }));
  /** @param {boolean} open */
  const setOpen = async (open) => {
    button.setAttribute('aria-expanded', String(open));
    try {
      (await load()).setOpen(open);
    } catch {
      // The module could not load (offline?): stay closed; the next click tries again.
      panel = null;
      button.setAttribute('aria-expanded', 'false');
    }
  };
  button.addEventListener('click', () => setOpen(button.getAttribute('aria-expanded') !== 'true'));
  return {
    root,
    /** Closes the panel and stops its microphone check (sign-out). */
    close: () => panel && setOpen(false),
  };
}
