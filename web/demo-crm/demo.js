// @ts-check
/**
 * Acme CRM (demo): an example host of the Callbar softphone.
 *
 * This is the whole integration a CRM needs. It
 *
 * 1. listens for messages from the softphone iframe, accepting only those from the Callbar
 *    server's origin and from that iframe, and starts listening before the iframe loads;
 * 2. posts to the iframe with the Callbar origin as `targetOrigin`, never `'*'`;
 * 3. answers the softphone's requests: its configuration and the contact lookups;
 * 4. reacts to its notifications: screen pop, resize, call log, agent identity and status;
 * 5. sends commands: click-to-dial (`onclicktoact`) and status changes.
 *
 * Everything else on the page (the message log) is there to show what goes over the wire.
 * The message types are declared in `web/types/protocol.d.ts`; see `docs/protocol.md`.
 *
 * @module
 */

import {
  CONTACTS,
  contactById,
  findByEmail,
  findByPhone,
  findForScreenPop,
  searchContacts,
} from "./contacts.js";

/** @typedef {import("../types/protocol").EmbedMessage} EmbedMessage */
/** @typedef {import("../types/protocol").HostMessage} HostMessage */
/** @typedef {import("../types/protocol").AgentStatusInfo} AgentStatusInfo */
/** @typedef {import("../types/protocol").PhoneCallLog} PhoneCallLog */
/** @typedef {import("./contacts.js").Contact} Contact */

// The iframe (Zoom's snippet) waits in a <template> until the message listener below is
// attached; see the end of this file.
const softphoneTemplate = /** @type {HTMLTemplateElement} */ (
  document.getElementById("softphone-template")
);
const softphone = document.importNode(softphoneTemplate.content, true);
const iframe = /** @type {HTMLIFrameElement} */ (softphone.querySelector("iframe"));

/**
 * The Callbar server's origin, e.g. "https://callbar.example.com". A CRM would usually
 * configure it as a constant; taking it from the iframe's own `src` keeps the two in step.
 * Every message from the softphone must come from it, and every message to the softphone
 * is posted to it.
 */
const CALLBAR_ORIGIN = new URL(iframe.src).origin;

/** The most log entries kept on the page; older ones are dropped. */
const LOG_LIMIT = 500;

// ---------------------------------------------------------------------------------------
// Talking to the softphone
// ---------------------------------------------------------------------------------------

/**
 * Posts a message to the softphone.
 *
 * `targetOrigin` is the Callbar origin: if the frame has navigated anywhere else, the
 * browser drops the message instead of handing customer data to an unknown document.
 *
 * @param {HostMessage} message
 */
function send(message) {
  const target = iframe.contentWindow;
  if (!target) return;
  target.postMessage(message, CALLBAR_ORIGIN);
  messageLog.add("out", message.type, message.data);
}

window.addEventListener("message", (event) => {
  // Any window can post to this page. Accept only the softphone: the right origin, and
  // the right frame (another iframe from the same server must not speak for it).
  if (event.origin !== CALLBAR_ORIGIN || event.source !== iframe.contentWindow) return;
  const message = event.data;
  if (!message || typeof message !== "object" || typeof message.type !== "string") return;
  messageLog.add("in", message.type, message.data);
  handle(/** @type {EmbedMessage} */ (message));
});

/**
 * Reacts to one message from the softphone. Messages this page has no use for are only
 * logged; new message types may appear, so there is no error for an unknown one.
 *
 * @param {EmbedMessage} message
 */
function handle(message) {
  switch (message.type) {
    // Sent once when the softphone loads. Answer at once; until then it uses defaults.
    case "zcc-init-config-request":
      send({ type: "zcc-init-config-response", data: { phone: { screenPopEvent: "RINGING" } } });
      break;

    // Lookups. Answer every one exactly once, with an array (`[]` when nothing matches).
    case "zcc-contact-search-event":
      send({ type: "zcc-contact-search-response", data: searchContacts(message.data?.query) });
      break;
    case "zcc-incomingPhone-request":
      send({
        type: "zcc-incomingPhone-response",
        data: findByPhone(message.data?.incomingPhoneNumber ?? ""),
      });
      break;
    case "zcc-incomingEmail-request":
      send({ type: "zcc-incomingEmail-response", data: findByEmail(message.data?.email ?? "") });
      break;

    case "zcc-screen-pop":
      screenPop(message.data?.id ?? "");
      break;

    case "zcc-resize":
      resizeSoftphone(message.data?.widthInPixels, message.data?.heightInPixels);
      break;

    // Wrap-up is closed: this is the activity to file against the record.
    case "zcc-phone-call-log":
      fileCallLog(message.data);
      break;

    case "zcc-agent-info-response":
      showAgent(message.data.name, message.data);
      break;
    case "zcc-agent-status-notification":
      showAgent(undefined, message.data);
      break;
    case "zcc-agent-status-set-response":
      if (!message.data.status) {
        notify(message.data.message || "The softphone refused the status change.");
      }
      break;

    // The softphone rejected something this page sent.
    case "zcc-error":
      notify(
        message.data.code === "agent-not-authenticated"
          ? "Sign in to the softphone first."
          : `The softphone refused a message (${message.data.code}): ${message.data.message}`,
      );
      break;

    default:
      break;
  }
}

// ---------------------------------------------------------------------------------------
// Commands from this page
// ---------------------------------------------------------------------------------------

/**
 * Click-to-dial. The extended form carries the record, so the call log comes back with
 * it (`user`, `relateTo`) without a lookup.
 *
 * @param {Contact} contact
 */
function callContact(contact) {
  send({
    type: "onclicktoact",
    data: {
      id: contact.id,
      name: contact.name,
      phone: contact.phone,
      email: contact.email,
      userEntity: contact.entity,
    },
  });
}

let requestCounter = 0;

/**
 * Asks the softphone to change the agent's status. `id` is a status code: "1" Ready,
 * "30" Offline, or a not-ready reason's code ("20" is Break in the demo organization;
 * reason codes come from the Callbar administrator). The answer is
 * `zcc-agent-status-set-response` with the same `requestId`, and the new status arrives
 * as `zcc-agent-status-notification`.
 *
 * @param {string} id
 */
function setStatus(id) {
  requestCounter += 1;
  send({
    type: "zcc-agent-status-set-request",
    data: { id, requestId: `status-${Date.now()}-${requestCounter}` },
  });
}

for (const button of document.querySelectorAll("button[data-status-id]")) {
  const id = /** @type {HTMLButtonElement} */ (button).dataset.statusId ?? "";
  button.addEventListener("click", () => setStatus(id));
}

// ---------------------------------------------------------------------------------------
// The page: contacts, screen pop, activity, agent
// ---------------------------------------------------------------------------------------

/** @type {Map<string, HTMLLIElement>} contact id → its list item */
const contactItems = new Map();

function renderContacts() {
  const list = /** @type {HTMLUListElement} */ (document.getElementById("contact-list"));
  for (const contact of CONTACTS) {
    const item = document.createElement("li");
    item.className = "contact";
    item.dataset.contactId = contact.id;

    const header = document.createElement("div");
    header.className = "contact-header";

    const details = document.createElement("div");
    details.className = "contact-details";
    const name = document.createElement("h3");
    name.className = "contact-name";
    name.textContent = contact.name;
    const badge = document.createElement("span");
    badge.className = `badge badge-${contact.entity}`;
    badge.textContent = contact.entity === "lead" ? "Lead" : "Contact";
    name.append(" ", badge);
    const meta = document.createElement("p");
    meta.className = "contact-meta";
    const phone = document.createElement("span");
    phone.className = "contact-phone";
    phone.textContent = contact.phone;
    const email = document.createElement("span");
    email.className = "contact-email";
    email.textContent = contact.email;
    const company = document.createElement("span");
    company.className = "contact-company";
    company.textContent = contact.company;
    meta.append(company, phone, email);
    details.append(name, meta);

    const call = document.createElement("button");
    call.type = "button";
    call.className = "call-button";
    call.textContent = "Call";
    call.setAttribute("aria-label", `Call ${contact.name} at ${contact.phone}`);
    call.addEventListener("click", () => callContact(contact));

    header.append(details, call);

    const activity = document.createElement("ul");
    activity.className = "activity";
    activity.setAttribute("aria-label", `Activity for ${contact.name}`);

    item.append(header, activity);
    list.append(item);
    contactItems.set(contact.id, item);
  }
}

/**
 * Opens ("pops") the record the softphone points at: highlights it and scrolls it into
 * view. Focus stays where it is, so an agent typing in the softphone is not interrupted.
 *
 * @param {string} id  a record id, or a phone number or email address
 */
function screenPop(id) {
  for (const item of document.querySelectorAll(".contact.is-popped")) {
    item.classList.remove("is-popped");
    item.removeAttribute("aria-current");
  }
  const matches = findForScreenPop(id);
  if (matches.length === 0) {
    notify(`Screen pop: no record for ${id}.`);
    return;
  }
  for (const contact of matches) {
    const item = contactItems.get(contact.id);
    item?.classList.add("is-popped");
    item?.setAttribute("aria-current", "true");
  }
  const first = contactItems.get(matches[0].id);
  first?.scrollIntoView({ block: "center", behavior: prefersReducedMotion() ? "auto" : "smooth" });
  notify(`Screen pop: ${matches.map((c) => c.name).join(", ")}.`);
}

/**
 * Applies a size the softphone asked for (the agent toggled its size buttons).
 *
 * @param {unknown} width
 * @param {unknown} height
 */
function resizeSoftphone(width, height) {
  /** @param {unknown} n */
  const usable = (n) => typeof n === "number" && Number.isFinite(n) && n > 0 && n <= 10000;
  if (usable(width)) iframe.style.width = `${width}px`;
  if (usable(height)) iframe.style.height = `${height}px`;
}

/**
 * Files a call log as an activity under the record the agent matched (`user`), or in
 * the "Unmatched activity" list when the agent matched none.
 *
 * @param {PhoneCallLog} log
 */
function fileCallLog(log) {
  const record = log.objectRecord;
  const entry = document.createElement("li");
  entry.className = "activity-item";
  entry.dataset.engagementId = log.engagementId;

  const title = document.createElement("p");
  title.className = "activity-title";
  const direction = record.callType === "outbound" ? "Outbound" : "Inbound";
  const duration = record.callDuration ? ` · ${record.callDuration}` : " · not connected";
  title.textContent = `${direction} ${channelName(record.type)}${duration}`;

  const meta = document.createElement("p");
  meta.className = "activity-meta";
  const started = record.callStartTime ? new Date(record.callStartTime).toLocaleString() : "";
  meta.textContent = [
    started,
    record.callType === "outbound" ? `to ${record.to}` : `from ${record.from}`,
    record.callQueue,
    record.agentName,
    record.dispositionCode,
  ]
    .filter(Boolean)
    .join(" · ");

  entry.append(title, meta);
  for (const note of record.notes ?? []) {
    const p = document.createElement("p");
    p.className = "activity-note";
    p.textContent = note;
    entry.append(p);
  }

  const contact = contactById(log.user?.id);
  const item = contact ? contactItems.get(contact.id) : undefined;
  const list = item?.querySelector(".activity") ?? document.getElementById("unmatched-activity");
  list?.prepend(entry);
  if (!item) document.getElementById("unmatched-empty")?.setAttribute("hidden", "");
}

/**
 * The call log's task type, for people. New types may appear, hence the default.
 *
 * @param {string} type
 */
function channelName(type) {
  switch (type) {
    case "phone":
      return "call";
    case "video":
      return "video session";
    case "chat":
      return "chat";
    case "sms":
      return "SMS conversation";
    case "work_item":
      return "work item";
    default:
      return type || "engagement";
  }
}

/**
 * Shows the agent and their status in the header.
 *
 * @param {string | undefined} name  the agent's name, when known
 * @param {AgentStatusInfo} status
 */
function showAgent(name, status) {
  if (name) {
    /** @type {HTMLElement} */ (document.getElementById("agent-name")).textContent = name;
  }
  const pill = /** @type {HTMLElement} */ (document.getElementById("agent-status"));
  // Detect Not Ready by its parent code, not by a list of reason codes: reasons are
  // defined by the administrator and can be added at any time.
  const notReady = status.parentStatusCode === "2" || status.status === "Not Ready";
  pill.textContent = notReady && status.subReason ? `Not Ready: ${status.subReason}` : status.status;
  pill.dataset.statusCode = status.statusCode;
  pill.dataset.state = notReady ? "not-ready" : status.status.toLowerCase();
}

/** @param {string} text */
function notify(text) {
  /** @type {HTMLElement} */ (document.getElementById("notice")).textContent = text;
}

function prefersReducedMotion() {
  return window.matchMedia("(prefers-reduced-motion: reduce)").matches;
}

// ---------------------------------------------------------------------------------------
// The message log
// ---------------------------------------------------------------------------------------

const messageLog = {
  list: /** @type {HTMLOListElement} */ (document.getElementById("log-entries")),

  /**
   * Adds one message at the top. Payloads come from another origin: they are rendered
   * with `textContent` only, never as HTML.
   *
   * @param {"in" | "out"} direction  "in": from the softphone; "out": to it
   * @param {string} type
   * @param {unknown} data
   */
  add(direction, type, data) {
    const entry = document.createElement("li");
    entry.className = `log-entry log-${direction}`;
    entry.dataset.direction = direction;
    entry.dataset.type = type;

    const header = document.createElement("div");
    header.className = "log-header";
    const arrow = document.createElement("span");
    arrow.className = "log-direction";
    arrow.textContent = direction === "in" ? "← received" : "→ sent";
    const time = document.createElement("time");
    const now = new Date();
    time.dateTime = now.toISOString();
    time.textContent = clockTime(now);
    const name = document.createElement("code");
    name.className = "log-type";
    name.textContent = type;
    header.append(arrow, time, name);

    const body = document.createElement("pre");
    body.className = "log-data";
    body.textContent = data === undefined ? "(no data)" : prettyJson(data);

    entry.append(header, body);
    this.list.prepend(entry);
    while (this.list.childElementCount > LOG_LIMIT) this.list.lastElementChild?.remove();
  },

  clear() {
    this.list.replaceChildren();
  },
};

document.getElementById("log-clear")?.addEventListener("click", () => messageLog.clear());

/** @param {unknown} value */
function prettyJson(value) {
  try {
    return JSON.stringify(value, null, 2) ?? String(value);
  } catch {
    return String(value);
  }
}

/**
 * "14:03:07.512", local time.
 *
 * @param {Date} date
 */
function clockTime(date) {
  /** @param {number} n @param {number} width */
  const pad = (n, width) => String(n).padStart(width, "0");
  return `${pad(date.getHours(), 2)}:${pad(date.getMinutes(), 2)}:${pad(date.getSeconds(), 2)}.${pad(date.getMilliseconds(), 3)}`;
}

renderContacts();

// Everything is listening: load the softphone. Its first message cannot be missed now.
softphoneTemplate.replaceWith(softphone);
