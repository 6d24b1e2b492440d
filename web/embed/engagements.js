// The agent's engagements: offers with a countdown, the live engagement, and the wrap-up
// form. Cards are keyed by engagement and updated in place, so a note being typed, the
// chosen disposition and the keyboard focus survive every update from the server.
// A call's card also carries its controls (voice.js) and, when the host found several
// records for the caller, lets the agent say which one is calling.

import { h, replace } from '../shared/dom.js';
import { callControls } from './voice.js';

/** @typedef {import('../types/protocol').EngagementView} EngagementView */
/** @typedef {import('../types/protocol').ClientOp} ClientOp */
/** @typedef {import('../types/protocol').QueueStatsView} QueueStatsView */
/** @typedef {import('../types/protocol').ContactRecord} ContactRecord */
/** @typedef {{ dtmf: (engagementId: string, digit: string) => void }} Media */

/** The engagement is live (audio flows, or the customer is on hold). @param {string} state */
const isLive = (state) => state === 'connected' || state === 'held';

const CHANNEL_NAMES = {
  voice: 'Call',
  video: 'Video',
  chat: 'Chat',
  sms: 'SMS',
  work_item: 'Work item',
};

/** @param {number} ms */
function seconds(ms) {
  return Math.max(0, Math.ceil(ms / 1000));
}

/** @param {number} ms */
function clock(ms) {
  const s = Math.max(0, Math.floor(ms / 1000));
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
}

/**
 * @param {{ send: (op: ClientOp) => void, media: Media }} options
 */
export function engagementsView({ send, media }) {
  const list = h('div', { class: 'cards' });
  const empty = h(
    'p',
    { class: 'empty' },
    'No engagements right now. Calls, chats and work items appear here when they are offered to you.',
  );
  const problem = h('p', { class: 'form-error', role: 'alert' });
  const root = h(
    'section',
    { class: 'panel engagements', 'aria-labelledby': 'engagements-title' },
    h('h2', { id: 'engagements-title' }, 'Engagements'),
    problem,
    empty,
    list,
  );
  /** @type {Map<string, ReturnType<typeof card>>} */
  const cards = new Map();

  // One timer drives every countdown.
  setInterval(() => {
    for (const c of cards.values()) c.tick();
  }, 1000);

  return {
    root,
    /** @param {EngagementView[]} engagements */
    update(engagements) {
      problem.textContent = '';
      const seen = new Set();
      for (const view of engagements) {
        seen.add(view.engagementId);
        let c = cards.get(view.engagementId);
        if (!c) {
          c = card(view, send, media);
          cards.set(view.engagementId, c);
          list.append(c.root);
        }
        c.update(view);
      }
      for (const [id, c] of cards) {
        if (!seen.has(id)) {
          c.root.remove();
          cards.delete(id);
        }
      }
      empty.hidden = cards.size > 0;
    },
    /** @param {string} message */
    problem(message) {
      problem.textContent = message;
    },
    /**
     * A problem with a call's audio, shown on its card (null clears it).
     * @param {string} engagementId @param {string | null} message
     */
    mediaProblem(engagementId, message) {
      const c = cards.get(engagementId)?.call;
      if (c) c.problem(message);
      else if (message) problem.textContent = message;
    },
  };
}

/**
 * One engagement's card.
 * @param {EngagementView} first
 * @param {(op: ClientOp) => void} send
 * @param {Media} media
 */
function card(first, send, media) {
  const id = first.engagementId;
  const title = h('h3', { class: 'card-title' });
  const badge = h('span', { class: 'badge' });
  const meta = h('p', { class: 'card-meta' });
  const countdown = h('p', { class: 'countdown', 'aria-live': 'off' });
  const details = h('dl', { class: 'facts' });
  const notes = h('ol', { class: 'notes', 'aria-label': 'Notes' });
  const actions = h('div', { class: 'actions' });
  const caller = callerView(id, send);
  const call = first.channel === 'voice' ? callControls({ id, send, dtmf: media.dtmf }) : null;

  const noteInput = h('textarea', { id: `note-${id}`, rows: 2, maxLength: 4000 });
  const noteForm = h(
    'form',
    {
      class: 'note-form',
      on: {
        submit: (event) => {
          event.preventDefault();
          const note = noteInput.value.trim();
          if (!note) return;
          send({ op: 'add-note', engagementId: id, note });
          noteInput.value = '';
        },
      },
    },
    h('label', { for: `note-${id}` }, 'Add a note'),
    noteInput,
    h('button', { type: 'submit' }, 'Add note'),
  );
  const disposition = h('select', {
    id: `disposition-${id}`,
    on: {
      change: () => {
        if (disposition.value) send({ op: 'set-disposition', engagementId: id, dispositionId: disposition.value });
      },
    },
  });
  const dispositionField = h(
    'div',
    { class: 'field' },
    h('label', { for: `disposition-${id}` }, 'Disposition'),
    disposition,
  );

  const root = h(
    'article',
    { class: 'card', 'aria-labelledby': `title-${id}`, dataset: { engagementId: id } },
    h('header', { class: 'card-header' }, badge, title),
    meta,
    countdown,
    caller.root,
    call?.root,
    details,
    notes,
    noteForm,
    dispositionField,
    actions,
  );
  title.id = `title-${id}`;

  /** @type {EngagementView} */
  let view = first;
  let state = '';

  /** @param {string} label @param {ClientOp['op']} op @param {string} [cls] */
  const button = (label, op, cls) =>
    h('button', { type: 'button', class: cls, on: { click: () => send(/** @type {ClientOp} */ ({ op, engagementId: id })) } }, label);

  function tick() {
    const now = Date.now();
    if (view.state === 'ringing' && view.offerExpiresAt) {
      countdown.textContent = `Ringing — ${seconds(view.offerExpiresAt - now)} s left to accept`;
    } else if (isLive(view.state) && view.acceptTs) {
      countdown.textContent = `${view.channel === 'voice' ? 'On call' : 'In progress'} ${clock(now - view.acceptTs)}`;
    } else if (view.state === 'wrapup') {
      countdown.textContent = view.wrapUpDeadline
        ? `Wrap-up — closes on its own in ${seconds(view.wrapUpDeadline - now)} s`
        : 'Wrap-up';
    } else {
      countdown.textContent = '';
    }
  }

  /** @param {EngagementView} next */
  function update(next) {
    view = next;
    const channel = CHANNEL_NAMES[view.channel] ?? view.channel;
    badge.textContent = channel;
    badge.dataset.channel = view.channel;
    title.textContent = view.subject || view.customerName || view.from || channel;
    meta.textContent = [view.queueName, view.customerName, view.customerEmail || view.customerPhone]
      .filter(Boolean)
      .join(' · ');
    root.dataset.state = view.state;

    replace(
      details,
      view.variables.flatMap((v) => [h('dt', {}, v.globalVariableDisplayName), h('dd', {}, v.value)]),
    );
    replace(notes, view.notes.map((n) => h('li', {}, n)));

    caller.update(view);
    call?.update(view);
    const phase = isLive(view.state) ? 'live' : view.state;
    if (state !== phase) {
      state = phase;
      const ringing = state === 'ringing';
      noteForm.hidden = ringing;
      dispositionField.hidden = state !== 'wrapup';
      const hadFocus = actions.contains(document.activeElement);
      if (ringing) {
        replace(actions, button('Accept', 'accept', 'primary'), button('Reject', 'reject'));
      } else if (state === 'live') {
        replace(actions, button(view.channel === 'voice' ? 'Hang up' : 'End', 'end', 'danger'));
      } else {
        replace(actions, button('Close wrap-up', 'close-wrap-up', 'primary'));
      }
      // The button pressed is gone: hand focus to the one that took its place.
      if (hadFocus) /** @type {HTMLElement | null} */ (actions.firstElementChild)?.focus();
    }
    const chosen = view.dispositionId ?? '';
    replace(
      disposition,
      h('option', { value: '' }, 'Choose…'),
      view.dispositions.map((d) => h('option', { value: d.dispositionId }, d.name)),
    );
    disposition.value = chosen;
    tick();
  }

  return { root, update, tick, call };
}

/**
 * Who is calling: the record the engagement is linked to, or, when the host found several
 * and none is chosen yet, all of them with a button each to choose. Host data is text only.
 * @param {string} id
 * @param {(op: ClientOp) => void} send
 */
function callerView(id, send) {
  const root = h('div', { class: 'caller' });
  let shown = '';

  /** @param {ContactRecord} c */
  const describe = (c) => [c.entity, c.phone, c.email].filter(Boolean).join(' · ');

  return {
    root,
    /** @param {EngagementView} view */
    update(view) {
      const choosing = !view.contact && view.matches.length > 1;
      const key = JSON.stringify(choosing ? view.matches : view.contact ?? null);
      if (key === shown) return; // Unchanged: keep focus and screen-reader position.
      shown = key;
      if (view.contact) {
        const c = view.contact;
        replace(root, h('p', { class: 'caller-line' }, 'Caller: ', h('strong', { class: 'caller-name' }, c.name || c.id), describe(c) && ` · ${describe(c)}`));
      } else if (choosing) {
        replace(
          root,
          h('p', { class: 'caller-line', id: `matches-${id}` }, `${view.matches.length} records match this caller. Who is calling?`),
          h(
            'ul',
            { class: 'matches', 'aria-labelledby': `matches-${id}` },
            view.matches.map((c, i) =>
              h(
                'li',
                { class: 'match', dataset: { contactId: c.id } },
                h('span', { class: 'caller-name', id: `match-${id}-${i}` }, c.name || c.id),
                h('span', { class: 'contact-meta' }, describe(c)),
                h(
                  'button',
                  {
                    type: 'button',
                    'aria-describedby': `match-${id}-${i}`,
                    on: { click: () => send({ op: 'pick-contact', engagementId: id, contactId: c.id }) },
                  },
                  'This is the caller',
                ),
              ),
            ),
          ),
        );
      } else {
        replace(root);
      }
    },
  };
}

/**
 * Live figures of the queues the user works in.
 */
export function queuesView() {
  const body = h('tbody');
  const root = h(
    'section',
    { class: 'panel queues', 'aria-labelledby': 'queues-title' },
    h('h2', { id: 'queues-title' }, 'Queues'),
    h(
      'table',
      { class: 'stats' },
      h(
        'thead',
        {},
        h('tr', {}, h('th', { scope: 'col' }, 'Queue'), h('th', { scope: 'col' }, 'Waiting'), h('th', { scope: 'col' }, 'Longest'), h('th', { scope: 'col' }, 'Ready'), h('th', { scope: 'col' }, 'SL')),
      ),
      body,
    ),
  );
  return {
    root,
    /** @param {QueueStatsView[]} queues */
    update(queues) {
      replace(
        body,
        queues.map((q) =>
          h(
            'tr',
            { dataset: { queue: q.queueName } },
            h('th', { scope: 'row' }, q.queueName),
            h('td', { class: 'waiting' }, q.waiting),
            h('td', {}, q.waiting ? clock(q.longestWaitMs) : '—'),
            h('td', {}, q.ready),
            h('td', {}, q.serviceLevel === undefined ? '—' : `${Math.round(q.serviceLevel * 100)}%`),
          ),
        ),
      );
    },
  };
}
