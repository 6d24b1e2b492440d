// The agent's audio devices: which microphone, speaker and ring device to use, and the
// plumbing every sound of the embed goes through.
//
// Why a ring device of its own: agents wear a headset for calls but want the ring on the
// desk speakers, where they hear it with the headset off. Every sound therefore plays
// through an `<audio>` element whose output (`setSinkId`) follows one of the choices;
// WebAudio sounds reach such an element through a MediaStreamAudioDestinationNode.
//
// The choices live in memory for the page. Storage is often blocked in a third-party
// iframe, so saving them in localStorage is only a bonus, and every access is guarded.
//
// Browsers may refuse to play sound before the user has interacted with the page. The
// first click or key press in the embed resumes the AudioContext and retries any element
// that could not start.

import { h } from '../shared/dom.js';

/** @typedef {'mic' | 'speaker' | 'ring'} DeviceRole */

const STORE_KEY = 'callbar.audioDevices';

/**
 * A value from the frame's localStorage, or null when storage is blocked.
 * @param {string} key
 */
export function stored(key) {
  try {
    return localStorage.getItem(key);
  } catch {
    return null;
  }
}

/** @type {Record<DeviceRole, string>} '' is the system default */
const chosen = { mic: '', speaker: '', ring: '' };
try {
  const saved = JSON.parse(stored(STORE_KEY) ?? '{}');
  for (const role of /** @type {DeviceRole[]} */ (['mic', 'speaker', 'ring'])) {
    if (typeof saved[role] === 'string') chosen[role] = saved[role];
  }
} catch {
  // A damaged entry: keep the defaults.
}

/** @param {DeviceRole} role */
export function choice(role) {
  return chosen[role];
}

/**
 * Chooses a device and moves the sounds of that role to it. Resolves to a problem to
 * show, or null.
 * @param {DeviceRole} role
 * @param {string} deviceId
 * @returns {Promise<string | null>}
 */
export async function choose(role, deviceId) {
  chosen[role] = deviceId;
  try {
    localStorage.setItem(STORE_KEY, JSON.stringify(chosen));
  } catch {
    // Storage blocked: the choice lasts for this page.
  }
  if (role === 'mic') return null;
  const problems = await Promise.all([...outputs].filter(([, r]) => r === role).map(([el]) => route(el, role)));
  return problems.find(Boolean) ?? null;
}

/** Whether this browser lets a page pick the output device of an `<audio>` element. */
export const canChooseOutput = typeof HTMLMediaElement !== 'undefined' && 'setSinkId' in HTMLMediaElement.prototype;

/**
 * The microphone as the agent chose it, or the default one when it is gone. Audio
 * processing (echo cancellation, noise suppression, gain control) is on for real agents;
 * browser tests that measure injected tones turn it off with
 * `localStorage['callbar.audioProcessing'] = 'off'`.
 * @returns {Promise<MediaStream>}
 */
export async function microphone() {
  const processing = stored('callbar.audioProcessing') !== 'off';
  /** @type {MediaTrackConstraints} */
  const audio = { echoCancellation: processing, noiseSuppression: processing, autoGainControl: processing };
  // Chrome treats a bare deviceId as a hint it may ignore, so ask for exactly this one.
  if (chosen.mic && chosen.mic !== 'default') {
    try {
      return await navigator.mediaDevices.getUserMedia({ audio: { ...audio, deviceId: { exact: chosen.mic } } });
    } catch (e) {
      const name = e instanceof DOMException ? e.name : '';
      if (name !== 'OverconstrainedError' && name !== 'NotFoundError') throw e;
    }
  }
  return navigator.mediaDevices.getUserMedia({ audio });
}

/**
 * A sentence for the agent about why the microphone could not be opened.
 * @param {unknown} error
 */
export function microphoneProblem(error) {
  const name = error instanceof DOMException ? error.name : '';
  if (name === 'NotAllowedError') return 'The browser blocked the microphone. Allow it for this page, then try again.';
  if (name === 'NotFoundError' || name === 'OverconstrainedError') return 'No microphone was found. Plug one in and choose it in Audio settings.';
  if (name === 'NotReadableError') return 'The microphone is in use by another application or cannot be read.';
  return `The microphone could not be opened${error instanceof Error ? `: ${error.message}` : ''}.`;
}

/** The audio devices by role; labels are empty until the page may use the microphone. */
export async function listDevices() {
  const all = (await navigator.mediaDevices?.enumerateDevices?.().catch(() => [])) ?? [];
  const outputs = all.filter((d) => d.kind === 'audiooutput');
  return { mic: all.filter((d) => d.kind === 'audioinput'), speaker: outputs, ring: outputs };
}

/** @param {() => void} listener  called when devices are plugged in or out */
export function onDeviceChange(listener) {
  navigator.mediaDevices?.addEventListener?.('devicechange', listener);
}

/** Output elements and the role whose device they play on. @type {Map<HTMLAudioElement, DeviceRole>} */
const outputs = new Map();

/**
 * The `<audio>` element with this id, created in the body (outside the views, so it
 * survives sign-out), playing on the device chosen for `role`.
 * @param {string} id
 * @param {'speaker' | 'ring'} role
 */
export function outputElement(id, role) {
  let el = /** @type {HTMLAudioElement | null} */ (document.getElementById(id));
  if (!el) {
    el = h('audio', { id });
    document.body.append(el);
  }
  outputs.set(el, role);
  route(el, role);
  return el;
}

/**
 * @param {HTMLAudioElement} el
 * @param {DeviceRole} role
 * @returns {Promise<string | null>}
 */
async function route(el, role) {
  if (!canChooseOutput || el.sinkId === chosen[role]) return null;
  try {
    await el.setSinkId(chosen[role]);
    return null;
  } catch (e) {
    return `This device cannot be used here${e instanceof Error ? ` (${e.message})` : ''}.`;
  }
}

/** @type {AudioContext | null} */
let context = null;

/** The embed's one AudioContext, made on first use. */
export function audioContext() {
  context ??= new AudioContext();
  if (context.state === 'suspended') context.resume().catch(() => {});
  return context;
}

/** Elements that could not start because no user gesture had happened yet. */
const blocked = new Set();

/** @param {HTMLMediaElement} el */
export function play(el) {
  el.play().then(
    () => blocked.delete(el),
    () => blocked.add(el),
  );
}

function unlock() {
  if (context?.state === 'suspended') context.resume().catch(() => {});
  for (const el of blocked) play(/** @type {HTMLMediaElement} */ (el));
}
window.addEventListener('pointerdown', unlock, true);
window.addEventListener('keydown', unlock, true);

/** @type {Map<string, MediaStreamAudioDestinationNode>} */
const destinations = new Map();

/**
 * Starts an output element that plays WebAudio (and so plays it on the element's device).
 * Connect sounds to the returned node; call `quiet(id)` when they are done, so the device
 * is not held open for silence.
 * @param {string} id  the element's id
 * @param {'speaker' | 'ring'} role
 */
export function soundOutput(id, role) {
  let destination = destinations.get(id);
  const el = outputElement(id, role);
  if (!destination) {
    destination = audioContext().createMediaStreamDestination();
    destinations.set(id, destination);
    el.srcObject = destination.stream;
  }
  audioContext();
  play(el);
  return destination;
}

/** @param {string} id  an element started by soundOutput */
export function quiet(id) {
  const el = /** @type {HTMLAudioElement | null} */ (document.getElementById(id));
  if (el) {
    el.pause();
    blocked.delete(el);
  }
}
