// The agent's engagements: offers with a countdown, the live engagement, and the wrap-up
// form. Cards are keyed by engagement and updated in place, so a note being typed, the
// chosen disposition and the keyboard focus survive every update from the server.

import { h, replace } from '../shared/dom.js';

/** @typedef {import('../types/protocol').EngagementView} EngagementView */
/** @typedef {import('../types/protocol').ClientOp} ClientOp */
/** @typedef {import('../types/protocol').QueueStatsView} QueueStatsView */

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
 * @param {{ send: (op: ClientOp) => void }} options
 */
export function engagementsView({ send }) {
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
          c = card(view, send);
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
  };
}

/**
 * One engagement's card.
 * @param {EngagementView} first
 * @param {(op: ClientOp) => void} send
 */
function card(first, send) {
  const id = first.engagementId;
  const title = h('h3', { class: 'card-title' });
  const badge = h('span', { class: 'badge' });
  const meta = h('p', { class: 'card-meta' });
  const countdown = h('p', { class: 'countdown', 'aria-live': 'off' });
  const details = h('dl', { class: 'facts' });
  const notes = h('ol', { class: 'notes', 'aria-label': 'Notes' });
  const actions = h('div', { class: 'actions' });

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
    } else if (view.state === 'connected' && view.acceptTs) {
      countdown.textContent = `In progress ${clock(now - view.acceptTs)}`;
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

    if (state !== view.state) {
      state = view.state;
      const ringing = state === 'ringing';
      noteForm.hidden = ringing;
      dispositionField.hidden = state !== 'wrapup';
      if (ringing) {
        replace(actions, button('Accept', 'accept', 'primary'), button('Reject', 'reject'));
      } else if (state === 'connected') {
        replace(actions, button(view.channel === 'voice' ? 'Hang up' : 'End', 'end', 'danger'));
      } else {
        replace(actions, button('Close wrap-up', 'close-wrap-up', 'primary'));
      }
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

  return { root, update, tick };
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
