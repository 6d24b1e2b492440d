// Building DOM without innerHTML: every string becomes a text node, so data from a host
// or a server (contact names, reasons, messages) can never inject markup or script.

/**
 * @typedef {{ [key: string]: unknown, on?: Record<string, EventListener>, class?: string, dataset?: Record<string, string> }} Props
 * @typedef {Node | string | number | null | undefined | false} Child
 */

/**
 * Creates an element. Props starting with `aria-`, `data-` or listed in ATTRS are set as
 * attributes; `on` holds event listeners; everything else is set as a property.
 * @template {keyof HTMLElementTagNameMap} K
 * @param {K} tag
 * @param {Props} [props]
 * @param {...(Child | Child[])} children
 * @returns {HTMLElementTagNameMap[K]}
 */
export function h(tag, props = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) {
    if (value === undefined || value === null || value === false) continue;
    if (key === 'on') {
      for (const [event, listener] of Object.entries(/** @type {Record<string, EventListener>} */ (value))) {
        el.addEventListener(event, listener);
      }
    } else if (key === 'class') {
      el.className = String(value);
    } else if (key === 'dataset') {
      Object.assign(el.dataset, value);
    } else if (key.startsWith('aria-') || key.startsWith('data-') || ATTRS.has(key)) {
      el.setAttribute(key, value === true ? '' : String(value));
    } else {
      /** @type {any} */ (el)[key] = value;
    }
  }
  append(el, children);
  return el;
}

const ATTRS = new Set(['role', 'for', 'autocomplete', 'inputmode', 'tabindex', 'hidden']);

/**
 * @param {Element} parent
 * @param {(Child | Child[])[]} children
 */
function append(parent, children) {
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    parent.append(typeof child === 'object' ? child : String(child));
  }
}

/**
 * Replaces the children of `parent`.
 * @param {Element} parent
 * @param {...(Child | Child[])} children
 */
export function replace(parent, ...children) {
  parent.replaceChildren();
  append(parent, children);
}
