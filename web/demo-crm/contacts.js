// @ts-check
/**
 * The demo CRM's records, and the lookups the softphone asks for.
 *
 * A real CRM would query its database here. The rules are the part worth copying:
 *
 * - Phone numbers are compared by their digits only, so "+1 (650) 555-0123", "16505550123"
 *   and "+16505550123" are the same number. The softphone sends E.164 ("+16505550123").
 * - Email addresses are compared without regard to case.
 * - A lookup returns every record that matches, as an array, and `[]` when none does. With
 *   several matches the softphone lets the agent pick one, so do not guess for them.
 *
 * @module
 */

/** @typedef {import("../types/protocol").ContactRecord} ContactRecord */
/** @typedef {import("../types/protocol").ContactQuery} ContactQuery */

/**
 * A record of this CRM. `entity` is the record type, sent to the softphone as `entity`
 * (lookups) and as `userEntity` (click-to-dial); it comes back in the call log.
 *
 * @typedef {object} Contact
 * @property {string} id
 * @property {string} name
 * @property {string} phone  E.164
 * @property {string} email
 * @property {"contact" | "lead"} entity
 * @property {string} company
 */

/**
 * The records. Phone numbers are fictional (555-01xx in North America, Ofcom's drama
 * ranges in the UK). Maria and Luis Garcia share a household number, so a call from
 * +13125550147 matches two records and the agent has to choose.
 *
 * @type {readonly Contact[]}
 */
export const CONTACTS = Object.freeze([
  { id: "C-1001", name: "Pat Doe", phone: "+16505550123", email: "pat.doe@example.com", entity: "contact", company: "Doe Hardware" },
  { id: "C-1002", name: "Priya Raman", phone: "+14155550182", email: "priya.raman@example.org", entity: "contact", company: "Raman Analytics" },
  { id: "C-1003", name: "Maria Garcia", phone: "+13125550147", email: "maria.garcia@example.com", entity: "contact", company: "Garcia Catering" },
  { id: "L-2001", name: "Luis Garcia", phone: "+13125550147", email: "luis.garcia@example.net", entity: "lead", company: "Garcia Catering" },
  { id: "C-1004", name: "Kenji Watanabe", phone: "+12065550199", email: "kenji.w@example.com", entity: "contact", company: "Northwind Traders" },
  { id: "L-2002", name: "Amara Okafor", phone: "+447700900461", email: "amara.okafor@example.co.uk", entity: "lead", company: "Okafor Design" },
  { id: "C-1005", name: "Sofia Rossi", phone: "+442079460958", email: "sofia.rossi@example.it", entity: "contact", company: "Rossi & Figli" },
  { id: "C-1006", name: "Daniel Cohen", phone: "+12125550134", email: "dcohen@example.com", entity: "contact", company: "Cohen Legal" },
  { id: "L-2003", name: "Emily Nguyen", phone: "+17135550116", email: "emily.nguyen@example.org", entity: "lead", company: "Bayou Bikes" },
  { id: "C-1007", name: "Oliver Schmidt", phone: "+13035550171", email: "oliver.schmidt@example.de", entity: "contact", company: "Alpine Outfitters" },
  { id: "C-1008", name: "Grace Kim", phone: "+16175550108", email: "Grace.Kim@Example.com", entity: "contact", company: "Harbor Dental" },
  { id: "L-2004", name: "Mateo Fernández", phone: "+13055550162", email: "mateo.fernandez@example.com", entity: "lead", company: "Fernández Imports" },
]);

/** The softphone accepts at most 50 records per answer. */
const MAX_MATCHES = 50;

/** Shorter digit strings than this are too vague to search by number. */
const MIN_SEARCH_DIGITS = 7;

/**
 * The digits of a phone number, without `+`, spaces or punctuation.
 *
 * @param {string} phone
 * @returns {string}
 */
export function phoneDigits(phone) {
  return String(phone).replace(/\D/g, "");
}

/**
 * Whether two phone numbers are the same, by their digits. A number given without its
 * country code ("6505550123") also matches the full number ("+16505550123").
 *
 * @param {string} a
 * @param {string} b
 * @returns {boolean}
 */
export function samePhone(a, b) {
  const x = phoneDigits(a);
  const y = phoneDigits(b);
  if (x.length < MIN_SEARCH_DIGITS || y.length < MIN_SEARCH_DIGITS) return false;
  return x === y || x.endsWith(y) || y.endsWith(x);
}

/**
 * Whether two email addresses are the same, ignoring case and surrounding spaces.
 *
 * @param {string} a
 * @param {string} b
 * @returns {boolean}
 */
export function sameEmail(a, b) {
  const x = String(a).trim().toLowerCase();
  return x !== "" && x === String(b).trim().toLowerCase();
}

/**
 * A record as the softphone expects it in a lookup answer: exactly the five
 * `ContactRecord` fields, all strings.
 *
 * @param {Contact} contact
 * @returns {ContactRecord}
 */
export function toRecord({ id, name, phone, email, entity }) {
  return { id, name, phone, email, entity };
}

/**
 * Records whose phone number is `phone` (for `zcc-incomingPhone-request`).
 *
 * @param {string} phone
 * @returns {ContactRecord[]}
 */
export function findByPhone(phone) {
  return answer(CONTACTS.filter((c) => samePhone(c.phone, phone)));
}

/**
 * Records whose email address is `email` (for `zcc-incomingEmail-request`).
 *
 * @param {string} email
 * @returns {ContactRecord[]}
 */
export function findByEmail(email) {
  return answer(CONTACTS.filter((c) => sameEmail(c.email, email)));
}

/**
 * Answers `zcc-contact-search-event`. Its `query` comes in two forms, and hosts must
 * handle both:
 *
 * - a string: a phone number (E.164 when it is one), a name, or other text the agent typed;
 * - an object `{ email, type: "email" }` for an email lookup.
 *
 * @param {ContactQuery | null | undefined} query
 * @returns {ContactRecord[]}
 */
export function searchContacts(query) {
  if (query && typeof query === "object") {
    return typeof query.email === "string" ? findByEmail(query.email) : [];
  }
  const text = typeof query === "string" ? query.trim() : "";
  if (text === "") return [];
  if (text.includes("@")) return findByEmail(text);
  if (/^[+\d\s().-]+$/.test(text)) {
    return phoneDigits(text).length >= MIN_SEARCH_DIGITS ? findByPhone(text) : [];
  }
  const needle = text.toLowerCase();
  return answer(
    CONTACTS.filter(
      (c) => c.name.toLowerCase().includes(needle) || c.company.toLowerCase().includes(needle),
    ),
  );
}

/**
 * The records a `zcc-screen-pop` points at. Its `id` is either the `id` of the record the
 * agent picked, or, for an automatic pop, the customer's phone number or email address:
 * try it as a record id first, then as a number or an address.
 *
 * @param {string} id
 * @returns {Contact[]}
 */
export function findForScreenPop(id) {
  const value = String(id ?? "").trim();
  if (value === "") return [];
  const byId = CONTACTS.filter((c) => c.id === value);
  if (byId.length > 0) return byId;
  if (value.includes("@")) return CONTACTS.filter((c) => sameEmail(c.email, value));
  return CONTACTS.filter((c) => samePhone(c.phone, value));
}

/**
 * The contact with this record id, if any.
 *
 * @param {string | undefined} id
 * @returns {Contact | undefined}
 */
export function contactById(id) {
  return CONTACTS.find((c) => c.id === id);
}

/**
 * @param {readonly Contact[]} matches
 * @returns {ContactRecord[]}
 */
function answer(matches) {
  return matches.slice(0, MAX_MATCHES).map(toRecord);
}
