// What the agent sees: the sign-in form and the softphone shell.
//
// Views build DOM with `h()` (text only, never HTML from data) and update in place, so
// focus stays where the agent left it and nothing jumps around while state changes.

import { h, replace } from '../shared/dom.js';

/** @typedef {import('../types/protocol').AgentStatusInfo} AgentStatusInfo */
/** @typedef {import('../types/protocol').ReasonOption} ReasonOption */
/** @typedef {import('../types/protocol').AgentProfile} AgentProfile */

/** The two sizes the embed asks its host for (zcc-resize). */
export const SIZES = {
  wide: { widthInPixels: 840, heightInPixels: 700 },
  compact: { widthInPixels: 360, heightInPixels: 700 },
};

/**
 * @param {{
 *   notice?: string,
 *   onSubmit: (email: string, password: string) => Promise<string | null>,
 * }} options  onSubmit resolves to an error message, or null on success
 */
export function signInView({ notice, onSubmit }) {
  const email = h('input', { id: 'email', type: 'email', name: 'email', autocomplete: 'username', required: true });
  const password = h('input', {
    id: 'password',
    type: 'password',
    name: 'password',
    autocomplete: 'current-password',
    required: true,
  });
  const error = h('p', { class: 'form-error', role: 'alert', id: 'signin-error' });
  const info = h('p', { class: 'form-info', role: 'status' }, notice);
  const submit = h('button', { type: 'submit', class: 'primary' }, 'Sign in');
  const form = h(
    'form',
    {
      class: 'signin',
      'aria-labelledby': 'signin-title',
      'aria-describedby': 'signin-error',
      on: {
        submit: async (event) => {
          event.preventDefault();
          submit.disabled = true;
          submit.textContent = 'Signing in…';
          error.textContent = '';
          info.textContent = '';
          const problem = await onSubmit(email.value.trim(), password.value);
          if (problem) {
            error.textContent = problem;
            submit.disabled = false;
            submit.textContent = 'Sign in';
            password.value = '';
            password.focus();
          }
        },
      },
    },
    h('h1', { id: 'signin-title' }, 'Sign in to Callbar'),
    info,
    h('label', { for: 'email' }, 'Email'),
    email,
    h('label', { for: 'password' }, 'Password'),
    password,
    error,
    submit,
  );
  return h('main', { class: 'signin-page' }, h('div', { class: 'brand', 'aria-hidden': 'true' }, 'Callbar'), form);
}

/**
 * The signed-in shell. Returns the element and functions that update its parts.
 * @param {{
 *   agent: AgentProfile,
 *   onStatus: (code: string) => void,
 *   onSignOut: () => void,
 *   onToggleSize: () => void,
 *   wide: boolean,
 *   panels: HTMLElement[],
 *   settings: HTMLElement,
 * }} options  panels fill the workspace next to the agent's own panel
 */
export function softphoneView({ agent, onStatus, onSignOut, onToggleSize, wide, panels, settings }) {
  const statusSelect = h('select', {
    id: 'status',
    class: 'status-select',
    on: { change: () => onStatus(statusSelect.value) },
  });
  const statusDot = h('span', { class: 'status-dot', 'aria-hidden': 'true' });
  const sizeButton = h('button', { type: 'button', class: 'ghost', on: { click: onToggleSize } });
  const banner = h('div', { class: 'banner', role: 'status', 'aria-live': 'polite', hidden: true });
  const statusLine = h('p', { class: 'status-line' });

  const root = h(
    'div',
    { class: 'softphone' },
    h(
      'header',
      { class: 'topbar' },
      h(
        'div',
        { class: 'identity' },
        statusDot,
        h('div', {}, h('div', { class: 'agent-name' }, agent.name), h('div', { class: 'agent-meta' }, `Ext. ${agent.extension}`)),
      ),
      h(
        'div',
        { class: 'controls' },
        h('label', { for: 'status', class: 'visually-hidden' }, 'Status'),
        statusSelect,
        sizeButton,
        h('button', { type: 'button', class: 'ghost', on: { click: onSignOut } }, 'Sign out'),
      ),
    ),
    banner,
    h(
      'main',
      { class: 'workspace' },
      h(
        'section',
        { class: 'panel agent-panel', 'aria-labelledby': 'agent-title' },
        h('h2', { id: 'agent-title' }, 'My status'),
        statusLine,
        h('dl', { class: 'facts' }, h('dt', {}, 'Email'), h('dd', {}, agent.email), h('dt', {}, 'Extension'), h('dd', {}, agent.extension)),
        settings,
      ),
      panels,
    ),
  );

  return {
    root,
    /**
     * @param {AgentStatusInfo} status
     * @param {ReasonOption[]} reasons
     */
    setStatus(status, reasons) {
      const options = [h('option', { value: '1' }, 'Ready')];
      for (const r of reasons) options.push(h('option', { value: r.code }, `Not Ready: ${r.name}`));
      if (status.status === 'Occupied') options.push(h('option', { value: '3', disabled: true }, 'Occupied'));
      if (status.status === 'Not Ready' && !reasons.some((r) => r.code === status.statusCode)) {
        options.push(h('option', { value: status.statusCode, disabled: true }, 'Not Ready'));
      }
      options.push(h('option', { value: '30' }, 'Offline'));
      replace(statusSelect, options);
      statusSelect.value = status.statusCode;
      root.dataset.status = status.status;
      statusDot.dataset.status = status.status;
      statusLine.textContent = status.subReason ? `${status.status}: ${status.subReason}` : status.status;
    },
    /** @param {'connecting' | 'open' | 'reconnecting' | 'closed'} state */
    setConnection(state) {
      const text = state === 'reconnecting' ? 'Connection lost. Reconnecting…' : state === 'connecting' ? 'Connecting…' : '';
      banner.textContent = text;
      banner.hidden = !text;
      root.dataset.connection = state;
      statusSelect.disabled = state !== 'open';
    },
    /** @param {boolean} isWide */
    setWide(isWide) {
      sizeButton.textContent = isWide ? 'Compact view' : 'Wide view';
      sizeButton.setAttribute('aria-pressed', String(isWide));
    },
    init() {
      this.setWide(wide);
    },
  };
}

/**
 * A form of one text field (labelled for screen readers) and a button; submits the trimmed
 * value when it is not empty.
 * @param {{ input: HTMLInputElement, label: string, button: string, onSubmit: (value: string) => void, role?: string }} options
 */
function oneFieldForm({ input, label, button, onSubmit, role }) {
  const submit = (/** @type {Event} */ event) => {
    event.preventDefault();
    const value = input.value.trim();
    if (value) onSubmit(value);
  };
  return h(
    'form',
    { class: 'inline-form', ...(role ? { role } : {}), on: { submit } },
    h('label', { for: input.id, class: 'visually-hidden' }, label),
    input,
    h('button', { type: 'submit' }, button),
  );
}

/**
 * Finding a contact in the host application (`zcc-contact-search-event`). Whatever the
 * host returns is shown as text.
 * @param {{ onSearch: (query: string) => void }} options
 */
export function contactSearchView({ onSearch }) {
  const input = h('input', { id: 'contact-query', type: 'search', autocomplete: 'off', placeholder: 'Name, phone or email' });
  const results = h('ul', { class: 'contacts', 'aria-labelledby': 'contacts-title' });
  const state = h('p', { class: 'muted', role: 'status' });
  const root = h(
    'section',
    { class: 'panel contact-search', 'aria-labelledby': 'contacts-title' },
    h('h2', { id: 'contacts-title' }, 'Contacts'),
    oneFieldForm({ input, label: 'Search contacts', button: 'Search', onSubmit: onSearch, role: 'search' }),
    state,
    results,
  );
  return {
    root,
    pending() {
      state.textContent = 'Searching…';
      replace(results);
    },
    /** @param {import('../types/protocol').ContactRecord[]} matches */
    show(matches) {
      state.textContent = matches.length === 0 ? 'No matching contact.' : `${matches.length} found`;
      replace(
        results,
        matches.map((c) =>
          h(
            'li',
            { class: 'contact' },
            h('span', { class: 'contact-name' }, c.name || c.id || 'Unnamed'),
            h('span', { class: 'contact-meta' }, [c.phone, c.email, c.entity].filter(Boolean).join(' · ')),
          ),
        ),
      );
    },
    noAnswer() {
      state.textContent = 'The host application did not answer the search.';
    },
  };
}

/**
 * The dialpad: the agent calls a number through the server's SIP trunk. The server answers
 * with the new engagement (or a problem, shown with the engagements).
 * @param {{ onDial: (phone: string) => void }} options
 */
export function dialView({ onDial }) {
  const input = h('input', {
    id: 'dial-number',
    type: 'tel',
    autocomplete: 'off',
    inputmode: 'tel',
    maxlength: '32',
    placeholder: '+1 650 555 0123',
  });
  const root = h(
    'section',
    { class: 'panel dial', 'aria-labelledby': 'dial-title' },
    h('h2', { id: 'dial-title' }, 'Make a call'),
    oneFieldForm({ input, label: 'Number to call', button: 'Dial', onSubmit: onDial }),
  );
  return { root };
}

/** @param {string} text */
export function loadingView(text) {
  return h('main', { class: 'loading', role: 'status' }, text);
}
