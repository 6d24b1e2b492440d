// Audio settings: which microphone, speaker and ring device to use, a microphone check,
// a test sound, and desktop notifications. Usable before and during calls: a new
// microphone is swapped into live calls, a new speaker takes over the call audio at once.
//
// Device names stay empty until the page may use the microphone, so until then the lists
// say "Microphone 1" and the panel offers "Allow microphone".
//
// Most sessions never open this panel, so main.js loads this module on the first click of
// its "Audio settings" disclosure, keeping it out of the embed's first load.

import { h, replace } from '../shared/dom.js';
import {
  audioContext,
  canChooseOutput,
  choice,
  choose,
  listDevices,
  microphone,
  microphoneProblem,
  onDeviceChange,
  quiet,
  soundOutput,
} from './devices.js';
import { enableNotifications, notificationPermission } from './ring.js';

/** @typedef {import('./devices.js').DeviceRole} DeviceRole */

const NOTIFICATION_TEXT = {
  granted: 'A desktop notification appears for incoming calls while this page is hidden.',
  denied: 'Notifications are blocked for this page. The ring still sounds.',
  default: 'Get a desktop notification for incoming calls while this page is hidden.',
  unsupported: 'This browser cannot show notifications here. The ring still sounds.',
};

/**
 * @param {{
 *   onMicrophoneChange: () => void,
 *   onTestRing: () => void,
 * }} options
 */
export function audioSettingsPanel({ onMicrophoneChange, onTestRing }) {
  const message = h('p', { class: 'muted', role: 'status' });
  const selects = {
    mic: deviceSelect('mic', 'Microphone'),
    speaker: deviceSelect('speaker', 'Speaker'),
    ring: deviceSelect('ring', 'Ring device'),
  };
  const allow = h('button', { type: 'button', hidden: true, on: { click: allowMicrophone } }, 'Allow microphone');

  const level = h('meter', { id: 'mic-level', min: 0, max: 1, low: 0.05, value: 0 });
  const checkHint = h('span', { class: 'hint' });
  const check = h('button', { type: 'button', class: 'toggle', 'aria-pressed': 'false', on: { click: () => (meter ? stopCheck() : startCheck()) } }, 'Check microphone');

  const notifyText = h('p', { class: 'hint' });
  const notify = h('button', { type: 'button', on: { click: askNotifications } }, 'Enable notifications');

  const body = h(
    'div',
    { id: 'audio-settings', class: 'settings', hidden: true },
    Object.values(selects).map((s) => s.field),
    allow,
    h('div', { class: 'level' }, h('label', { for: 'mic-level' }, 'Input level'), level, checkHint),
    h(
      'div',
      { class: 'call-buttons' },
      check,
      h('button', { type: 'button', on: { click: testSound } }, 'Play test sound'),
      h('button', { type: 'button', on: { click: onTestRing } }, 'Play test ring'),
    ),
    notify,
    notifyText,
    message,
  );
  /** @type {{ stop(): void } | null} */
  let meter = null;
  /** Counts checks started and stopped, so a microphone that opens late is let go. */
  let checks = 0;

  /** @param {boolean} open */
  function setOpen(open) {
    body.hidden = !open;
    if (open) {
      refresh();
      showNotificationState();
    } else stopCheck();
  }

  /**
   * @param {DeviceRole} role
   * @param {string} label
   */
  function deviceSelect(role, label) {
    const id = `device-${role}`;
    const select = h('select', { id });
    select.addEventListener('change', async () => {
      message.textContent = '';
      const problem = await choose(role, select.value);
      if (problem) message.textContent = problem;
      if (role === 'mic') {
        onMicrophoneChange();
        if (meter) startCheck();
      }
    });
    const field = h('div', { class: 'field' }, h('label', { for: id }, label), select);
    return { select, field, noun: role === 'mic' ? 'Microphone' : 'Speaker' };
  }

  async function refresh() {
    const devices = await listDevices();
    for (const role of /** @type {DeviceRole[]} */ (['mic', 'speaker', 'ring'])) {
      const { select, noun } = selects[role];
      fill(select, devices[role], noun, choice(role));
      if (role !== 'mic') select.disabled = !canChooseOutput;
    }
    allow.hidden = devices.mic.length > 0 && devices.mic.every((d) => d.label);
    if (!canChooseOutput) message.textContent = 'This browser plays every sound on its default output device.';
  }

  async function allowMicrophone() {
    try {
      const stream = await microphone();
      for (const t of stream.getTracks()) t.stop();
      message.textContent = '';
    } catch (e) {
      message.textContent = microphoneProblem(e);
    }
    await refresh();
  }

  async function startCheck() {
    stopCheck();
    const run = checks;
    meter = { stop() {} };
    check.setAttribute('aria-pressed', 'true');
    checkHint.textContent = 'Speak: the bar moves.';
    /** @type {MediaStream} */
    let stream;
    try {
      stream = await microphone();
    } catch (e) {
      if (run === checks) {
        stopCheck();
        message.textContent = microphoneProblem(e);
      }
      return;
    }
    if (run !== checks) return stream.getTracks().forEach((t) => t.stop());
    const ctx = audioContext();
    const source = ctx.createMediaStreamSource(stream);
    const analyser = ctx.createAnalyser();
    analyser.fftSize = 1024;
    source.connect(analyser);
    const samples = new Float32Array(analyser.fftSize);
    // 20 updates a second is smooth enough for a level bar and, unlike animation frames,
    // keeps running where frames are rarely drawn (headless browsers in tests).
    const timer = setInterval(() => {
      analyser.getFloatTimeDomainData(samples);
      let sum = 0;
      for (const s of samples) sum += s * s;
      // -60 dBFS and below is an empty bar, 0 dBFS a full one.
      const db = 10 * Math.log10(sum / samples.length || 1e-12);
      level.value = Math.min(1, Math.max(0, (db + 60) / 60));
    }, 50);
    refresh(); // Names become known once the microphone is allowed.
    meter = {
      stop() {
        clearInterval(timer);
        source.disconnect();
        for (const t of stream.getTracks()) t.stop();
      },
    };
  }

  function stopCheck() {
    checks += 1;
    meter?.stop();
    meter = null;
    level.value = 0;
    check.setAttribute('aria-pressed', 'false');
    checkHint.textContent = '';
  }

  function testSound() {
    const ctx = audioContext();
    const out = soundOutput('test-audio', 'speaker');
    const start = ctx.currentTime + 0.05;
    [660, 880].forEach((frequency, i) => {
      const at = start + i * 0.4;
      const o = ctx.createOscillator();
      const g = ctx.createGain();
      o.frequency.value = frequency;
      g.gain.setValueAtTime(0, at);
      g.gain.linearRampToValueAtTime(0.25, at + 0.02);
      g.gain.linearRampToValueAtTime(0, at + 0.35);
      o.connect(g).connect(out);
      o.start(at);
      o.stop(at + 0.36);
    });
    setTimeout(() => quiet('test-audio'), 1000);
  }

  async function askNotifications() {
    await enableNotifications();
    showNotificationState();
  }

  function showNotificationState() {
    const permission = notificationPermission();
    notify.hidden = permission !== 'default';
    notifyText.textContent = NOTIFICATION_TEXT[permission];
  }

  onDeviceChange(() => {
    if (!body.hidden) refresh();
  });

  return { root: body, setOpen };
}

/** @typedef {ReturnType<typeof audioSettingsPanel>} AudioSettingsPanel */

/**
 * @param {HTMLSelectElement} select
 * @param {MediaDeviceInfo[]} devices
 * @param {string} noun  for devices without a name yet: "Microphone 1"
 * @param {string} current
 */
function fill(select, devices, noun, current) {
  const options = [];
  const seen = new Set();
  if (!devices.some((d) => d.deviceId === 'default' || d.deviceId === '')) {
    options.push(h('option', { value: '' }, 'System default'));
    seen.add('');
  }
  devices.forEach((d, i) => {
    if (seen.has(d.deviceId)) return;
    seen.add(d.deviceId);
    options.push(h('option', { value: d.deviceId }, d.label || `${noun} ${i + 1}`));
  });
  replace(select, options);
  select.value = current;
  // The default device may be listed as "default" or "", and a chosen one may be gone.
  if (select.selectedIndex < 0) select.value = current === '' && seen.has('default') ? 'default' : '';
  if (select.selectedIndex < 0) select.selectedIndex = 0;
}
