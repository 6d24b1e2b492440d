// The controls of a live call on its card: mute, hold, the DTMF keypad and recording.
//
// The server owns the call's state (`EngagementView.call`): a button sends the op and
// shows the new state only when the server's view says so, so the card and the host
// (`zcc-set-mute` and friends act on the same state) never disagree. Toggles keep their
// label and carry `aria-pressed`; buttons are only hidden, never rebuilt, so keyboard
// focus stays put across updates.

import { h } from '../shared/dom.js';

/** @typedef {import('../types/protocol').ClientOp} ClientOp */
/** @typedef {import('../types/protocol').EngagementView} EngagementView */
/** @typedef {import('../types/protocol').RecordingAction} RecordingAction */

const KEYS = ['1', '2', '3', '4', '5', '6', '7', '8', '9', '*', '0', '#'];

/**
 * @param {{
 *   id: string,
 *   send: (op: ClientOp) => void,
 *   dtmf: (engagementId: string, digit: string) => void,
 * }} options
 */
export function callControls({ id, send, dtmf }) {
  const status = h('span', { class: 'call-status' });
  const recording = h('span', { class: 'rec', hidden: true });
  const problem = h('p', { class: 'form-error', role: 'alert' });
  const sent = h('output', { class: 'dtmf-sent', 'aria-live': 'polite' });

  /** @param {string} label @param {(pressed: boolean) => ClientOp} op */
  const toggle = (label, op) => {
    const b = h('button', { type: 'button', class: 'toggle', 'aria-pressed': 'false' }, label);
    b.addEventListener('click', () => send(op(b.getAttribute('aria-pressed') !== 'true')));
    return b;
  };
  const mute = toggle('Mute', (mute) => ({ op: 'set-mute', engagementId: id, mute }));
  const hold = toggle('Hold', (hold) => ({ op: 'set-hold', engagementId: id, hold }));

  /** @param {string} digit */
  const press = (digit) => {
    dtmf(id, digit);
    sent.textContent = `${sent.textContent || 'Sent: '}${digit}`;
  };
  const keypad = h(
    'div',
    {
      id: `keypad-${id}`,
      class: 'keypad',
      role: 'group',
      'aria-label': 'Keypad digits',
      hidden: true,
      on: {
        // Typing a digit while the keypad has focus sends it too.
        keydown: (event) => {
          const key = /** @type {KeyboardEvent} */ (event).key;
          if (KEYS.includes(key)) {
            event.preventDefault();
            press(key);
          }
        },
      },
    },
    KEYS.map((k) => h('button', { type: 'button', on: { click: () => press(k) } }, k)),
  );
  const keypadToggle = h('button', { type: 'button', 'aria-expanded': 'false', 'aria-controls': keypad.id }, 'Keypad');
  keypadToggle.addEventListener('click', () => {
    const open = keypad.hidden;
    keypad.hidden = !open;
    keypadToggle.setAttribute('aria-expanded', String(open));
  });

  /** @param {string} label @param {RecordingAction} action */
  const rec = (label, action) =>
    h('button', { type: 'button', on: { click: () => send({ op: 'set-recording', engagementId: id, action }) } }, label);
  const recButtons = {
    start: rec('Start recording', 'start'),
    pause: rec('Pause recording', 'pause'),
    resume: rec('Resume recording', 'resume'),
    stop: rec('Stop recording', 'stop'),
  };
  const recGroup = h('div', { class: 'call-buttons', role: 'group', 'aria-label': 'Recording' }, Object.values(recButtons));

  const root = h(
    'div',
    { class: 'call' },
    h('p', { class: 'call-line' }, recording, status),
    h('div', { class: 'call-buttons' }, mute, hold, keypadToggle),
    keypad,
    sent,
    recGroup,
    problem,
  );

  return {
    root,
    /** @param {EngagementView} view */
    update(view) {
      const call = view.call ?? { connected: false, muted: false, held: false, alerting: false };
      root.hidden = view.state !== 'connected' && view.state !== 'held';
      mute.setAttribute('aria-pressed', String(call.muted));
      hold.setAttribute('aria-pressed', String(call.held));
      status.textContent = call.held
        ? 'On hold: the customer hears the hold tone'
        : call.alerting
          ? 'Ringing…'
          : !call.connected
            ? 'Connecting audio…'
            : call.muted
              ? 'Muted: the customer cannot hear you'
              : 'Audio connected';
      root.dataset.audio = call.connected ? 'connected' : call.alerting ? 'alerting' : 'connecting';

      const state = call.recording ?? 'stopped';
      recording.hidden = state === 'stopped';
      recording.textContent = state === 'paused' ? 'Recording paused' : 'Recording';
      recording.dataset.recording = state;
      const focused = document.activeElement;
      recButtons.start.hidden = state !== 'stopped';
      recButtons.pause.hidden = state !== 'recording';
      recButtons.resume.hidden = state !== 'paused';
      recButtons.stop.hidden = state === 'stopped';
      // The button just used may have gone: keep focus on its successor in the group.
      if (focused instanceof HTMLElement && focused.hidden && recGroup.contains(focused)) {
        Object.values(recButtons).find((b) => !b.hidden)?.focus();
      }
    },
    /** @param {string | null} message */
    problem(message) {
      problem.textContent = message ?? '';
    },
  };
}
