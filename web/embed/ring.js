// The ring of an incoming call, and a desktop notification when the agent is looking at
// another tab; and the ringback of an outbound call whose far end rings without sending
// audio of its own (SIP 180 without early media: the server marks the call `alerting`).
//
// The ring is synthesized (no audio file to download): the North American ring, 440 Hz
// plus 480 Hz, two seconds on and four off. The cadence is made inside the audio graph
// rather than with timers, because browsers throttle timers in hidden tabs, which is
// exactly when the ring matters: a 1/6 Hz triangle wave through a wave shaper that opens
// above a threshold drives the gain (a sawtooth would click: its jump sweeps through the
// open range). The ring plays on the ring device; the ringback, the same tone (which is
// also the North American ringback), plays on the speaker, like the call it stands for.
//
// Chrome refuses notification permission prompts from cross-origin iframes unless they
// come from a user gesture (and some setups refuse them outright), so permission is
// asked only from the "Enable notifications" button in Audio settings; without it the
// ring still sounds and nothing else happens.

import { audioContext, soundOutput, quiet } from './devices.js';

/** @typedef {import('../types/protocol').EngagementView} EngagementView */

const RING_ID = 'ring-audio';
// Browser tests find it by id and analyse its srcObject.
const RINGBACK_ID = 'ringback-audio';
/** Channels whose offers ring. */
const RINGS = new Set(['voice', 'video']);
const VOLUME = 0.2;
/** Seconds of one ring cycle, and the part of it that sounds. */
const CYCLE = 6;
const ON = 2;

export function createRinger() {
  /** @type {{ stop(): void } | null} */
  let tone = null;
  /** @type {EngagementView[]} */
  let offers = [];
  /** Offers the agent answered here (rings stop at the click, before the server confirms). */
  const dismissed = new Set();
  /** @type {Map<string, Notification>} */
  const notices = new Map();
  /** A test ring from Audio settings sounds until then. */
  let testUntil = 0;

  function refresh() {
    const ringing = offers.filter((e) => !dismissed.has(e.engagementId));
    const sound = ringing.length > 0 || Date.now() < testUntil;
    if (sound && !tone) tone = ring(RING_ID, 'ring');
    if (!sound && tone) {
      tone.stop();
      tone = null;
    }
    for (const [id, n] of notices) {
      if (!ringing.some((e) => e.engagementId === id)) {
        n.close();
        notices.delete(id);
      }
    }
    if (document.hidden) for (const e of ringing) notify(e);
  }

  /** @param {EngagementView} e */
  function notify(e) {
    if (notices.has(e.engagementId) || typeof Notification === 'undefined' || Notification.permission !== 'granted') return;
    try {
      const n = new Notification(e.channel === 'video' ? 'Incoming video call' : 'Incoming call', {
        body: [e.customerName || e.from, e.queueName].filter(Boolean).join(' · '),
        tag: `callbar-${e.engagementId}`,
        requireInteraction: true,
      });
      n.onclick = () => {
        window.focus();
        n.close();
      };
      notices.set(e.engagementId, n);
    } catch {
      // Some browsers allow notifications only from a service worker: the ring must do.
    }
  }

  document.addEventListener('visibilitychange', refresh);

  return {
    /** @param {EngagementView[]} engagements  all of the agent's engagements */
    update(engagements) {
      offers = engagements.filter((e) => e.state === 'ringing' && RINGS.has(e.channel));
      for (const id of dismissed) if (!offers.some((e) => e.engagementId === id)) dismissed.delete(id);
      refresh();
    },
    /** The agent accepted or rejected this offer here. @param {string} engagementId */
    dismiss(engagementId) {
      dismissed.add(engagementId);
      refresh();
    },
    /** Silence everything (sign-out). */
    stop() {
      offers = [];
      testUntil = 0;
      refresh();
    },
    /** One ring cycle on the ring device, for Audio settings. */
    test() {
      testUntil = Date.now() + ON * 1000;
      refresh();
      setTimeout(refresh, ON * 1000 + 50);
    },
  };
}

/**
 * Ringback while one of the agent's calls is `alerting`.
 * @returns {{ update(engagements: EngagementView[]): void, stop(): void }}
 */
export function createRingback() {
  /** @type {{ stop(): void } | null} */
  let tone = null;
  /** @param {boolean} sound */
  function set(sound) {
    if (sound && !tone) tone = ring(RINGBACK_ID, 'speaker');
    if (!sound && tone) {
      tone.stop();
      tone = null;
    }
  }
  return {
    update(engagements) {
      set(engagements.some((e) => e.state !== 'wrapup' && e.call?.alerting === true));
    },
    stop() {
      set(false);
    },
  };
}

/**
 * Starts the ring tone on the output element `id`, routed to the `role` device; returns
 * its stop.
 * @param {string} id
 * @param {'speaker' | 'ring'} role
 */
function ring(id, role) {
  const ctx = audioContext();
  const out = soundOutput(id, role);
  const gain = ctx.createGain();
  gain.gain.value = 0;
  gain.connect(out);

  // The cadence: a triangle spends a share s of its cycle above 1 - 2s; it is shifted to
  // start at that threshold, rising, so the first ring begins at once.
  const threshold = 1 - (2 * ON) / CYCLE;
  const cadence = ctx.createOscillator();
  cadence.setPeriodicWave(triangle(ctx, threshold / 4));
  cadence.frequency.value = 1 / CYCLE;
  const shaper = ctx.createWaveShaper();
  shaper.curve = gate(1201, threshold);
  cadence.connect(shaper).connect(gain.gain);

  const tones = [440, 480].map((frequency) => {
    const o = ctx.createOscillator();
    o.frequency.value = frequency;
    o.connect(gain);
    return o;
  });
  for (const o of [cadence, ...tones]) o.start();

  return {
    stop() {
      for (const o of [cadence, ...tones]) o.stop();
      gain.disconnect();
      quiet(id);
    },
  };
}

/**
 * A triangle wave (peak 1) advanced by `shift` of a cycle.
 * @param {BaseAudioContext} ctx
 * @param {number} shift
 */
function triangle(ctx, shift) {
  const n = 64;
  const real = new Float32Array(n);
  const imag = new Float32Array(n);
  for (let k = 1; k < n; k += 2) {
    const b = (8 * Math.sin((k * Math.PI) / 2)) / (Math.PI * k) ** 2;
    imag[k] = b * Math.cos(2 * Math.PI * k * shift);
    real[k] = b * Math.sin(2 * Math.PI * k * shift);
  }
  return ctx.createPeriodicWave(real, imag, { disableNormalization: true });
}

/**
 * A wave-shaper curve over [-1, 1]: 0 up to `threshold`, then a short ramp (no click) up
 * to VOLUME.
 * @param {number} points
 * @param {number} threshold
 */
function gate(points, threshold) {
  const curve = new Float32Array(points);
  for (let i = 0; i < points; i++) {
    const x = (2 * i) / (points - 1) - 1;
    curve[i] = VOLUME * Math.min(1, Math.max(0, (x - threshold) / 0.02));
  }
  return curve;
}

/**
 * Asks for notification permission (call from a click). Resolves to the outcome.
 * @returns {Promise<NotificationPermission | 'unsupported'>}
 */
export async function enableNotifications() {
  if (typeof Notification === 'undefined') return 'unsupported';
  try {
    return await Notification.requestPermission();
  } catch {
    return 'denied';
  }
}

/** @returns {NotificationPermission | 'unsupported'} */
export function notificationPermission() {
  return typeof Notification === 'undefined' ? 'unsupported' : Notification.permission;
}
