// Callbar customer widget: a "Call us" button for any website.
//
// A company adds one tag to its pages:
//
//   <script src="https://<callbar-server>/widget.js" data-entry-point="<entry point id>" defer></script>
//
// This is a classic script (not a module) so that it works on any site, and everything lives
// in this one function: the only global is `window.CallbarWidget` ({ open(), close() }).
// The UI lives in a Shadow DOM root attached to `#callbar-widget`, styled through a
// constructed stylesheet (`adoptedStyleSheets`), so the host page's CSS cannot break the
// widget, the widget cannot break the page, and a strict CSP without 'unsafe-inline'
// styles does not block it. Text from the server (agent names, problems) only ever becomes
// text nodes.
//
// A call: the microphone (getUserMedia), an RTCPeerConnection with no ICE servers and one
// sendrecv audio transceiver, the offer sent at once (the server is ICE-lite and learns our
// address from our first connectivity check, so we do not wait for ICE gathering), over a
// WebSocket to `/api/v1/widget/channel`:
//
//   -> {op:"call", entryPoint, name, email, phone, sdp}
//   <- {op:"answer", engagementId, sdp}      then setRemoteDescription
//   <- {op:"phase", phase, agentName?}       waiting | ringing | connected | held | ended
//   <- {op:"problem", message}
//   -> {op:"hang-up"}
//
// The remote audio (the queue tone while waiting, then the agent) plays through
// `<audio id="callbar-remote-audio" autoplay>` inside the shadow root.
//
// Script tag attributes:
//   data-entry-point        the entry point's id (required)
//   data-audio-processing   "off" turns off echo cancellation, noise suppression and
//                           automatic gain (for measurements); default on

(function () {
  'use strict';

  // This file is pure ASCII (non-ASCII text is written as \u escapes): a classic script
  // served without a charset is decoded with the host page's encoding, whatever that is.

  /** @typedef {import('../types/protocol').CustomerOp} CustomerOp */
  /** @typedef {import('../types/protocol').CustomerServerOp} CustomerServerOp */
  /** @typedef {import('../types/protocol').CallPhase} CallPhase */
  /**
   * The widget's own states: the server's phases plus the time before the first phase.
   * @typedef {'idle' | 'starting' | CallPhase} State
   */

  const HOST_ID = 'callbar-widget';
  const CHANNEL_PATH = '/api/v1/widget/channel';
  /** How long to wait for the server's answer to our offer. */
  const ANSWER_TIMEOUT_MS = 20000;
  const LIMITS = { name: 100, email: 254, phone: 32 };

  const script = findScript();
  if (!script) {
    console.error('Callbar widget: cannot find its <script> tag; load widget.js with a plain <script src> tag.');
    return;
  }
  const entryPoint = (script.getAttribute('data-entry-point') || '').trim();
  if (!entryPoint) {
    console.error('Callbar widget: the <script> tag needs data-entry-point="<entry point id>".');
    return;
  }
  const serverOrigin = new URL(script.src, document.baseURI).origin;
  const channelUrl = serverOrigin.replace(/^http/, 'ws') + CHANNEL_PATH;
  const audioProcessing = script.getAttribute('data-audio-processing') !== 'off';

  if (document.getElementById(HOST_ID)) {
    console.warn('Callbar widget: already on this page; the second copy does nothing.');
    return;
  }

  /**
   * The widget's own <script> element: `document.currentScript` while this classic script
   * runs, else (should someone load it oddly) the first matching tag.
   * @returns {HTMLScriptElement | null}
   */
  function findScript() {
    const current = document.currentScript;
    if (current instanceof HTMLScriptElement && current.src) return current;
    const tags = document.querySelectorAll('script[src][data-entry-point]');
    for (const tag of tags) {
      if (tag instanceof HTMLScriptElement && /\/widget\.js(\?|#|$)/.test(tag.src)) return tag;
    }
    return null;
  }

  /**
   * Builds the widget in `body` and wires it up.
   * @param {HTMLElement} body
   */
  function mount(body) {
    const host = document.createElement('div');
    host.id = HOST_ID;
    // Properties that host-page CSS could set on a div and that would displace a fixed
    // child. Set through the CSSOM, which a CSP without 'unsafe-inline' does not block.
    for (const [prop, value] of [
      ['display', 'block'], ['position', 'static'], ['transform', 'none'], ['filter', 'none'],
      ['contain', 'none'], ['width', '0'], ['height', '0'], ['margin', '0'], ['padding', '0'],
    ]) {
      host.style.setProperty(prop, value, 'important');
    }
    const root = host.attachShadow({ mode: 'open' });
    adoptStyles(root);

    // ---- The DOM -------------------------------------------------------------------

    const ids = {
      panel: 'cb-panel', title: 'cb-title', hint: 'cb-hint',
      name: 'cb-name', email: 'cb-email', phone: 'cb-phone',
    };

    const launcher = el('button', { type: 'button', class: 'launcher', 'aria-expanded': 'false', 'aria-controls': ids.panel },
      phoneIcon(), el('span', { class: 'launcher-label' }, 'Call us'),
      el('span', { class: 'live-dot', 'aria-hidden': 'true' }));

    const closeButton = el('button', { type: 'button', class: 'icon-button', 'aria-label': 'Close' }, closeIcon());

    const fields = {
      name: field('name', 'Name', { type: 'text', autocomplete: 'name', maxlength: String(LIMITS.name) }),
      email: field('email', 'Email', { type: 'email', autocomplete: 'email', inputmode: 'email', maxlength: String(LIMITS.email), spellcheck: 'false' }),
      phone: field('phone', 'Phone', { type: 'tel', autocomplete: 'tel', inputmode: 'tel', maxlength: String(LIMITS.phone) }),
    };

    const callButton = el('button', { type: 'submit', class: 'primary' }, phoneIcon(), el('span', {}, 'Call'));
    const details = el('div', { class: 'details' },
      el('p', { class: 'hint', id: ids.hint }, 'All fields are optional. They help the agent find your account.'),
      fields.name.row, fields.email.row, fields.phone.row);
    const form = el('form', { class: 'form', novalidate: '', 'aria-describedby': ids.hint },
      el('p', { class: 'subtitle' }, 'A free call from your browser. We will ask to use your microphone.'),
      details, callButton);

    // The live region is in the page from the start (so that changes are announced) and
    // takes no room while it is empty.
    const status = el('p', { class: 'status', role: 'status', 'aria-live': 'polite', 'aria-atomic': 'true' });
    const timer = el('p', { class: 'timer', role: 'timer', 'aria-label': 'Call time', hidden: '' });
    const hangUpButton = el('button', { type: 'button', class: 'danger', hidden: '' }, hangUpIcon(), el('span', {}, 'Hang up'));
    const againButton = el('button', { type: 'button', class: 'primary', hidden: '' }, phoneIcon(), el('span', {}, 'Call again'));
    const editButton = el('button', { type: 'button', class: 'secondary', hidden: '' }, 'Change details');
    const audio = el('audio', { id: 'callbar-remote-audio', autoplay: '' });

    const panel = el('div', { class: 'panel', id: ids.panel, role: 'dialog', 'aria-modal': 'false', 'aria-labelledby': ids.title, hidden: '' },
      el('div', { class: 'panel-header' },
        el('h2', { class: 'title', id: ids.title }, 'Talk to us'),
        closeButton),
      form,
      el('div', { class: 'call' }, status, timer),
      el('div', { class: 'actions' }, hangUpButton, againButton, editButton),
      audio);

    root.append(el('div', { class: 'widget' }, panel, launcher));
    body.append(host);

    // ---- State ---------------------------------------------------------------------

    /** @type {State} */
    let state = 'idle';
    /** @type {Call | null} */
    let call = null;
    /** The server's last `problem`: shown until the next phase, and kept when the call ends. */
    let problem = '';

    /**
     * @typedef {object} Call
     * @property {boolean} over  set once; everything that resolves later checks it
     * @property {WebSocket | null} ws
     * @property {RTCPeerConnection | null} pc
     * @property {MediaStream | null} mic
     * @property {string} engagementId
     * @property {number} connectedAt  performance.now() of the first `connected`, or 0
     * @property {number} tick  the timer's interval id, or 0
     * @property {number} answerTimeout  its timeout id, or 0
     */

    // ---- Panel ---------------------------------------------------------------------

    function open() {
      if (!panel.hidden) return;
      panel.hidden = false;
      launcher.setAttribute('aria-expanded', 'true');
      focusForState();
    }

    /** @param {{ restoreFocus?: boolean }} [opts] */
    function close(opts = {}) {
      if (panel.hidden) return;
      const hadFocus = root.activeElement !== null && panel.contains(root.activeElement);
      panel.hidden = true;
      launcher.setAttribute('aria-expanded', 'false');
      if (opts.restoreFocus || hadFocus) launcher.focus();
    }

    function focusForState() {
      if (!hangUpButton.hidden) hangUpButton.focus();
      else if (!againButton.hidden) againButton.focus();
      else fields.name.input.focus();
    }

    launcher.addEventListener('click', () => (panel.hidden ? open() : close({ restoreFocus: true })));
    closeButton.addEventListener('click', () => close({ restoreFocus: true }));
    panel.addEventListener('keydown', (event) => {
      if (event.key === 'Escape') {
        event.stopPropagation();
        close({ restoreFocus: true });
      }
    });

    // ---- Form ----------------------------------------------------------------------

    form.addEventListener('submit', (event) => {
      event.preventDefault();
      if (state !== 'idle' && state !== 'ended') return;
      const details = readDetails();
      if (!details) return;
      startCall(details);
    });
    for (const f of Object.values(fields)) {
      // Errors clear as soon as the visitor edits the field.
      f.input.addEventListener('input', () => setFieldError(f, ''));
    }
    hangUpButton.addEventListener('click', hangUp);
    againButton.addEventListener('click', () => {
      const details = readDetails();
      if (details) startCall(details);
    });
    editButton.addEventListener('click', () => {
      showForm();
      setStatus('');
      fields.name.input.focus();
    });

    /**
     * Validates the optional fields lightly. Returns what to send, or null after marking
     * the first bad field and focusing it.
     * @returns {{ name: string, email: string, phone: string } | null}
     */
    function readDetails() {
      const name = fields.name.input.value.trim().replace(/\s+/g, ' ');
      const email = fields.email.input.value.trim();
      const phoneRaw = fields.phone.input.value.trim();
      /** @type {Field[]} */
      const bad = [];
      setFieldError(fields.name, '');
      setFieldError(fields.email, '');
      setFieldError(fields.phone, '');
      if (email && !/^[^\s@]+@[^\s@.]+(\.[^\s@.]+)+$/.test(email)) {
        setFieldError(fields.email, 'Enter an email address like name@example.com, or leave it empty.');
        bad.push(fields.email);
      }
      let phone = '';
      if (phoneRaw) {
        const digits = phoneRaw.replace(/\D/g, '');
        if (!/^\+?[\d\s().\-/]+$/.test(phoneRaw) || digits.length < 3 || digits.length > 20) {
          setFieldError(fields.phone, 'Use digits only, optionally starting with +, or leave it empty.');
          bad.push(fields.phone);
        } else {
          phone = (phoneRaw.startsWith('+') ? '+' : '') + digits;
        }
      }
      if (bad.length > 0) {
        showForm();
        setStatus('Please check the highlighted field.', 'error');
        bad[0].input.focus();
        return null;
      }
      return { name, email, phone };
    }

    // ---- The call ------------------------------------------------------------------

    /** @param {{ name: string, email: string, phone: string }} details */
    async function startCall(details) {
      if (call) teardown(call);
      problem = '';
      /** @type {Call} */
      const c = { over: false, ws: null, pc: null, mic: null, engagementId: '', connectedAt: 0, tick: 0, answerTimeout: 0 };
      call = c;
      enter('starting');
      setStatus('Starting your microphone\u2026');
      hangUpButton.focus();

      try {
        c.mic = await getMicrophone();
      } catch (err) {
        if (!c.over) fail(c, microphoneProblem(err), false);
        return;
      }
      if (c.over) {
        stopTracks(c.mic);
        return;
      }
      setStatus('Calling\u2026');

      // The socket opens (after the microphone prompt, so a slow answer to the prompt
      // cannot time it out) while the browser prepares the offer.
      const ws = new WebSocket(channelUrl);
      c.ws = ws;
      /** @type {Promise<void>} */
      const opened = new Promise((resolve, reject) => {
        ws.addEventListener('open', () => resolve(), { once: true });
        ws.addEventListener('close', () => reject(new Error('closed')), { once: true });
      });
      opened.catch(() => {}); // onSocketClosed reports it
      ws.addEventListener('message', (event) => onMessage(c, event));
      ws.addEventListener('close', () => onSocketClosed(c));

      /** @type {string} */
      let sdp;
      try {
        const pc = new RTCPeerConnection({ iceServers: [] });
        c.pc = pc;
        const track = c.mic.getAudioTracks()[0];
        pc.addTransceiver(track, { direction: 'sendrecv', streams: [c.mic] });
        pc.addEventListener('track', (event) => {
          if (c.over) return;
          audio.srcObject = event.streams[0] || new MediaStream([event.track]);
          audio.play().catch(() => {
            // Autoplay refused (unusual right after the click on Call): the element keeps
            // the stream and plays on the next interaction with the page.
          });
        });
        pc.addEventListener('connectionstatechange', () => {
          if (!c.over && pc.connectionState === 'failed') {
            fail(c, 'The audio connection failed. Check your network connection and try again.', true);
          }
        });
        const offer = await pc.createOffer();
        await pc.setLocalDescription(offer);
        // Sent at once, without waiting for ICE gathering: the server is ICE-lite.
        sdp = (pc.localDescription && pc.localDescription.sdp) || offer.sdp || '';
      } catch {
        if (!c.over) fail(c, 'This browser cannot make the call (WebRTC is not available).', true);
        return;
      }
      if (c.over) return;

      try {
        await opened;
      } catch {
        return;
      }
      if (c.over) return;
      send(c, { op: 'call', entryPoint, name: details.name, email: details.email, phone: details.phone, sdp });
      c.answerTimeout = window.setTimeout(() => {
        if (!c.over && !c.engagementId) fail(c, 'The call service did not answer. Please try again later.', true);
      }, ANSWER_TIMEOUT_MS);
    }

    /** @returns {Promise<MediaStream>} */
    function getMicrophone() {
      if (!navigator.mediaDevices || typeof navigator.mediaDevices.getUserMedia !== 'function') {
        const err = new Error('no mediaDevices');
        err.name = window.isSecureContext ? 'NotSupportedError' : 'InsecureContext';
        return Promise.reject(err);
      }
      const on = audioProcessing;
      return navigator.mediaDevices.getUserMedia({
        audio: { echoCancellation: on, noiseSuppression: on, autoGainControl: on },
        video: false,
      });
    }

    /** @param {unknown} err */
    function microphoneProblem(err) {
      const name = err instanceof Error ? err.name : '';
      switch (name) {
        case 'NotAllowedError':
        case 'SecurityError':
          return 'Microphone access was blocked. Allow this site to use your microphone and try again.';
        case 'NotFoundError':
        case 'OverconstrainedError':
          return 'No microphone was found. Connect one and try again.';
        case 'NotReadableError':
        case 'AbortError':
          return 'Your microphone could not be started. It may be in use by another app.';
        case 'InsecureContext':
          return 'Calls from the browser need a secure (https) page.';
        default:
          return 'This browser cannot use a microphone here. Please try another browser.';
      }
    }

    /**
     * @param {Call} c
     * @param {MessageEvent} event
     */
    async function onMessage(c, event) {
      if (c.over || typeof event.data !== 'string') return;
      /** @type {CustomerServerOp} */
      let msg;
      try {
        msg = JSON.parse(event.data);
      } catch {
        return;
      }
      if (!msg || typeof msg !== 'object') return;
      switch (msg.op) {
        case 'answer':
          c.engagementId = String(msg.engagementId || '');
          window.clearTimeout(c.answerTimeout);
          if (!c.pc) return;
          try {
            await c.pc.setRemoteDescription({ type: 'answer', sdp: String(msg.sdp) });
          } catch {
            if (!c.over) fail(c, 'The call could not be connected (the audio setup was refused).', true);
          }
          return;
        case 'phase':
          onPhase(c, msg.phase, typeof msg.agentName === 'string' ? msg.agentName : '');
          return;
        case 'problem':
          problem = String(msg.message || '');
          if (problem) setStatus(problem, 'error');
          return;
        default:
          // An op from a newer server: ignore it.
          return;
      }
    }

    /**
     * @param {Call} c
     * @param {CallPhase} phase
     * @param {string} agentName
     */
    function onPhase(c, phase, agentName) {
      if (phase === 'ended') {
        finish(c, problem ? `Call ended. ${problem}` : 'Call ended', false, problem ? 'error' : '');
        return;
      }
      /** @type {Record<string, string>} */
      const text = {
        waiting: 'Waiting for an agent\u2026',
        ringing: 'Connecting you to an agent\u2026',
        connected: agentName ? `Connected with ${agentName}` : 'Connected with an agent',
        held: 'On hold',
      };
      if (!(phase in text)) return; // a phase from a newer server
      problem = '';
      if (phase === 'connected') startTimer(c);
      enter(phase);
      setStatus(text[phase]);
    }

    /** @param {Call} c */
    function onSocketClosed(c) {
      if (c.over) return;
      if (problem) {
        finish(c, state === 'starting' ? problem : `Call ended. ${problem}`, false, 'error');
      } else if (state === 'starting') {
        finish(c, 'We could not reach the call service. Please try again later.', false, 'error');
      } else {
        finish(c, 'The call was disconnected.', false, 'error');
      }
    }

    /**
     * Ends the call because of a problem on our side, telling the server if asked.
     * @param {Call} c
     * @param {string} message
     * @param {boolean} tellServer
     */
    function fail(c, message, tellServer) {
      finish(c, message, tellServer, 'error');
    }

    /** The visitor hangs up (the button, or leaving the page). */
    function hangUp() {
      if (call && !call.over) finish(call, 'Call ended', true);
    }

    /**
     * Ends the call once: tells the server (if asked), releases the microphone, the peer
     * connection and the socket, and shows the ended state with `message`.
     * @param {Call} c
     * @param {string} message
     * @param {boolean} tellServer
     * @param {'' | 'error'} [tone]
     */
    function finish(c, message, tellServer, tone = '') {
      if (c.over) return;
      if (tellServer) send(c, { op: 'hang-up' });
      teardown(c);
      if (call !== c) return;
      const focusWasOnHangUp = root.activeElement === hangUpButton;
      enter('ended');
      setStatus(message, tone);
      if (focusWasOnHangUp) againButton.focus();
    }

    /** @param {Call} c */
    function teardown(c) {
      c.over = true;
      window.clearTimeout(c.answerTimeout);
      window.clearInterval(c.tick);
      stopTracks(c.mic);
      if (c.pc) c.pc.close();
      if (c.ws && c.ws.readyState <= WebSocket.OPEN) c.ws.close(1000);
      if (call === c) {
        audio.pause();
        audio.srcObject = null;
      }
    }

    /**
     * @param {Call} c
     * @param {CustomerOp} op
     */
    function send(c, op) {
      if (c.ws && c.ws.readyState === WebSocket.OPEN) c.ws.send(JSON.stringify(op));
    }

    /** @param {MediaStream | null} stream */
    function stopTracks(stream) {
      if (stream) for (const track of stream.getTracks()) track.stop();
    }

    /** @param {Call} c */
    function startTimer(c) {
      if (c.connectedAt) return;
      c.connectedAt = performance.now();
      const show = () => {
        timer.textContent = formatDuration(performance.now() - c.connectedAt);
      };
      show();
      c.tick = window.setInterval(show, 1000);
    }

    // The server notices a closed socket anyway; saying so is quicker and unambiguous.
    window.addEventListener('pagehide', hangUp);

    // ---- Rendering -----------------------------------------------------------------

    /** @param {State} next */
    function enter(next) {
      state = next;
      const live = next !== 'idle' && next !== 'ended';
      form.hidden = next !== 'idle';
      hangUpButton.hidden = !live;
      againButton.hidden = next !== 'ended';
      editButton.hidden = next !== 'ended';
      // The call time shows from the first `connected` on, and stays at its last value.
      timer.hidden = !(call && call.connectedAt) || next === 'idle';
      launcher.classList.toggle('in-call', live);
      host.dataset.state = next;
    }

    function showForm() {
      enter('idle');
    }

    /**
     * @param {string} text
     * @param {'' | 'error'} [tone]
     */
    function setStatus(text, tone = '') {
      status.textContent = text;
      status.classList.toggle('error', tone === 'error');
    }

    enter('idle');

    // ---- The page's handle -----------------------------------------------------------

    /** @type {any} */ (window).CallbarWidget = Object.freeze({ open, close: () => close() });
  }

  // ---- Helpers ---------------------------------------------------------------------

  /**
   * @typedef {object} Field
   * @property {HTMLDivElement} row
   * @property {HTMLInputElement} input
   * @property {HTMLParagraphElement} error
   */

  /**
   * A labelled input with a slot for its error.
   * @param {string} key
   * @param {string} label
   * @param {Record<string, string>} attrs
   * @returns {Field}
   */
  function field(key, label, attrs) {
    const id = `cb-${key}`;
    const errorId = `${id}-error`;
    const input = el('input', { ...attrs, id, name: key, 'aria-describedby': errorId });
    const error = el('p', { class: 'field-error', id: errorId });
    const row = el('div', { class: 'field' }, el('label', { for: id }, label), input, error);
    return { row, input, error };
  }

  /**
   * @param {Field} f
   * @param {string} message
   */
  function setFieldError(f, message) {
    f.error.textContent = message;
    if (message) f.input.setAttribute('aria-invalid', 'true');
    else f.input.removeAttribute('aria-invalid');
  }

  /**
   * Creates an element; attributes are set as attributes, children as nodes or text.
   * @template {keyof HTMLElementTagNameMap} K
   * @param {K} tag
   * @param {Record<string, string>} attrs
   * @param {...(Node | string)} children
   * @returns {HTMLElementTagNameMap[K]}
   */
  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(attrs)) node.setAttribute(key, value);
    node.append(...children);
    return node;
  }

  /**
   * A decorative inline SVG icon (24x24 view box, one path).
   * @param {string} d
   */
  function icon(d) {
    const ns = 'http://www.w3.org/2000/svg';
    const svg = document.createElementNS(ns, 'svg');
    svg.setAttribute('viewBox', '0 0 24 24');
    svg.setAttribute('aria-hidden', 'true');
    svg.setAttribute('focusable', 'false');
    svg.setAttribute('class', 'icon');
    const path = document.createElementNS(ns, 'path');
    path.setAttribute('d', d);
    path.setAttribute('fill', 'currentColor');
    svg.append(path);
    return svg;
  }

  function phoneIcon() {
    return icon('M6.6 10.8a15.1 15.1 0 0 0 6.6 6.6l2.2-2.2a1 1 0 0 1 1-.25c1.1.37 2.3.57 3.6.57a1 1 0 0 1 1 1V20a1 1 0 0 1-1 1A17 17 0 0 1 3 4a1 1 0 0 1 1-1h3.5a1 1 0 0 1 1 1c0 1.25.2 2.45.57 3.57a1 1 0 0 1-.25 1z');
  }

  function hangUpIcon() {
    return icon('M12 9c-1.6 0-3.15.25-4.6.72v3.1a1 1 0 0 1-.56.9 11.5 11.5 0 0 0-2.66 1.85 1 1 0 0 1-1.41-.02L.29 13.08a1 1 0 0 1 0-1.41C3.34 8.77 7.46 7 12 7s8.66 1.77 11.71 4.67a1 1 0 0 1 0 1.41l-2.48 2.48a1 1 0 0 1-1.41.02 11.3 11.3 0 0 0-2.66-1.85 1 1 0 0 1-.56-.9v-3.1A14.9 14.9 0 0 0 12 9z');
  }

  function closeIcon() {
    return icon('M18.3 5.71a1 1 0 0 0-1.41 0L12 10.59 7.11 5.7A1 1 0 0 0 5.7 7.11L10.59 12 5.7 16.89a1 1 0 1 0 1.41 1.41L12 13.41l4.89 4.89a1 1 0 0 0 1.41-1.41L13.41 12l4.89-4.89a1 1 0 0 0 0-1.4z');
  }

  /** @param {number} ms */
  function formatDuration(ms) {
    const total = Math.max(0, Math.floor(ms / 1000));
    const h = Math.floor(total / 3600);
    const m = Math.floor((total % 3600) / 60);
    const s = String(total % 60).padStart(2, '0');
    return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${s}` : `${m}:${s}`;
  }

  /**
   * Styles the shadow root with a constructed stylesheet (not blocked by a page's CSP);
   * a <style> element only where constructed stylesheets are missing (older browsers).
   * @param {ShadowRoot} root
   */
  function adoptStyles(root) {
    try {
      const sheet = new CSSStyleSheet();
      sheet.replaceSync(CSS);
      root.adoptedStyleSheets = [sheet];
    } catch {
      const style = document.createElement('style');
      style.textContent = CSS;
      root.append(style);
    }
  }

  // Colours meet WCAG AA against their backgrounds: text #1b2230 and #4a5563 on white,
  // white on #1f5fd1 (accent) and #b42318 (hang up), #b42318 errors on white.
  const CSS = `
:host { all: initial; }
.widget {
  --accent: #1f5fd1;
  --accent-strong: #184ba8;
  --danger: #b42318;
  --danger-strong: #8f1c13;
  --text: #1b2230;
  --muted: #4a5563;
  --line: #c9d0d9;
  --surface: #ffffff;
  --focus: #0b57d0;
  color-scheme: light;
  font: 16px/1.4 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif;
  color: var(--text);
  -webkit-text-size-adjust: 100%;
  text-size-adjust: 100%;
}
*, *::before, *::after { box-sizing: border-box; }
[hidden] { display: none !important; }

button {
  font: inherit;
  font-weight: 600;
  display: inline-flex;
  align-items: center;
  justify-content: center;
  gap: 8px;
  min-height: 44px;
  padding: 8px 16px;
  border-radius: 999px;
  border: 2px solid transparent;
  cursor: pointer;
  line-height: 1.2;
}
button:focus { outline: none; }
button:focus-visible, input:focus-visible {
  outline: 3px solid var(--focus);
  outline-offset: 2px;
  box-shadow: 0 0 0 2px #ffffff;
}
.icon { width: 20px; height: 20px; flex: 0 0 auto; }

.launcher {
  position: fixed;
  right: 16px;
  bottom: 16px;
  z-index: 2147483000;
  background: var(--accent);
  color: #ffffff;
  padding: 12px 20px;
  min-height: 52px;
  box-shadow: 0 4px 14px rgba(16, 24, 40, 0.28);
}
.launcher:hover { background: var(--accent-strong); }
.live-dot { display: none; width: 10px; height: 10px; border-radius: 50%; background: #7ee2a8; box-shadow: 0 0 0 2px #ffffff; }
.launcher.in-call .live-dot { display: inline-block; }

.panel {
  position: fixed;
  right: 16px;
  bottom: 80px;
  z-index: 2147483001;
  width: 340px;
  max-width: calc(100vw - 24px);
  max-height: calc(100vh - 96px);
  overflow: auto;
  background: var(--surface);
  color: var(--text);
  border: 1px solid var(--line);
  border-radius: 14px;
  box-shadow: 0 12px 32px rgba(16, 24, 40, 0.24);
  padding: 16px 18px 18px;
}
@supports (height: 100dvh) { .panel { max-height: calc(100dvh - 96px); } }
@media (max-width: 400px) {
  .panel { right: 12px; left: 12px; width: auto; max-width: none; }
  .launcher { right: 12px; bottom: 12px; }
}
.panel-header { display: flex; align-items: center; justify-content: space-between; gap: 8px; }
.title { margin: 0; font-size: 18px; line-height: 1.3; font-weight: 700; color: var(--text); }
.subtitle, .hint { margin: 0; color: var(--muted); font-size: 14px; }
.subtitle { margin-top: 4px; }
.icon-button {
  background: transparent;
  color: var(--muted);
  min-width: 44px;
  padding: 8px;
  margin: -8px -10px -8px 0;
}
.icon-button:hover { background: #eef1f5; color: var(--text); }

.form { display: flex; flex-direction: column; gap: 12px; margin: 0 0 4px; }
.details { display: flex; flex-direction: column; gap: 8px; }
.field { display: flex; flex-direction: column; gap: 4px; }
label { font-size: 14px; font-weight: 600; color: var(--text); }
input {
  font: inherit;
  font-size: 16px;
  color: var(--text);
  background: #ffffff;
  width: 100%;
  min-height: 44px;
  padding: 8px 12px;
  border: 1px solid #7a8494;
  border-radius: 8px;
  margin: 0;
}
input[aria-invalid="true"] { border-color: var(--danger); border-width: 2px; }
.field-error { margin: 0; font-size: 13px; color: var(--danger); }
.field-error:empty { display: none; }

.primary { background: var(--accent); color: #ffffff; width: 100%; }
.primary:hover { background: var(--accent-strong); }
.danger { background: var(--danger); color: #ffffff; width: 100%; }
.secondary { background: transparent; color: var(--accent-strong); width: 100%; min-height: 40px; text-decoration: underline; font-weight: 600; }
.secondary:hover { background: #eef3fc; }
.actions > .secondary { margin-top: 4px; }
.danger:hover { background: var(--danger-strong); }

.status { margin: 0; font-size: 16px; font-weight: 600; color: var(--text); overflow-wrap: anywhere; }
.status:not(:empty) { margin-top: 12px; }
.status.error { color: var(--danger); }
.timer { margin: 2px 0 0; font-size: 15px; color: var(--muted); font-variant-numeric: tabular-nums; }
.actions > button { margin-top: 12px; }

@media (forced-colors: active) {
  button { border-color: ButtonText; }
  .panel { border: 2px solid CanvasText; }
}
`;

  // Everything above is declared; start once the page has a body (the tag may sit in <head>
  // without `defer`).
  if (document.body) {
    mount(document.body);
  } else {
    document.addEventListener('DOMContentLoaded', () => mount(document.body), { once: true });
  }
})();
