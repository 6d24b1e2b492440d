// Acme Support's own script. It only shows that a page can open the Callbar widget from its
// own buttons through `window.CallbarWidget.open()`; the widget works without it.

(function () {
  'use strict';

  /** @returns {{ open(): void, close(): void } | undefined} */
  function widget() {
    return /** @type {any} */ (window).CallbarWidget;
  }

  /** Shows the page's "Call us" button once the widget is there. */
  function offerCall() {
    const button = document.getElementById('talk-button');
    const hint = document.getElementById('talk-hint');
    if (!button || !widget()) return;
    button.hidden = false;
    if (hint) hint.hidden = false;
    button.addEventListener('click', () => {
      const w = widget();
      if (w) w.open();
    });
  }

  // Both scripts are deferred and site.js comes first; the widget is ready by `load`.
  if (document.readyState === 'complete') offerCall();
  else window.addEventListener('load', offerCall, { once: true });
})();
