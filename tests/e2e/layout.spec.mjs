// The softphone's layout and accessibility from its smallest supported size (350×600) to
// Zoom's default (840×700): nothing overflows sideways, axe finds no WCAG 2 AA violation
// (contrast, labels, roles), every control is reachable by keyboard with a visible focus,
// and nothing jumps when state changes (the "Reconnecting…" banner floats).

import AxeBuilder from "@axe-core/playwright";

import { test, expect } from "./fixtures/test.mjs";
import { hostPage, IFRAME_ID } from "./fixtures/host.mjs";
import { DEMO_AGENTS } from "./fixtures/server.mjs";

const HOST = "http://crm-a.test";
const SIZES = [
  { width: 350, height: 600 },
  { width: 840, height: 700 },
];

test.beforeEach(async ({ callbar }) => {
  await callbar.approveOrigin(HOST);
});

/**
 * Opens the host with the iframe at `size`.
 * @param {import("@playwright/test").Page} page
 */
async function open(page, callbar, size) {
  const host = await hostPage(page, HOST, { server: callbar.url });
  await page.evaluate(({ id, width, height }) => {
    const f = document.getElementById(id);
    f.style.width = `${width}px`;
    f.style.height = `${height}px`;
  }, { id: IFRAME_ID, ...size });
  await host.waitForMessage("zcc-init-config-request");
  const frame = page.frame({ url: /\/cci\/callbar\/crm\// });
  // Record layout shifts inside the softphone from now on.
  await frame.evaluate(() => {
    window.__shifts = 0;
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) if (!e.hadRecentInput) window.__shifts += e.value;
    }).observe({ type: "layout-shift", buffered: false });
  });
  return { host, frame, phone: page.frameLocator(`#${IFRAME_ID}`) };
}

/** Fails on any WCAG 2 A/AA violation axe finds in the softphone frame. */
async function expectAccessible(page) {
  const results = await new AxeBuilder({ page })
    .include(`#${IFRAME_ID}`)
    .withTags(["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"])
    // The <iframe> element and its title belong to the host page (Zoom's snippet has none).
    .disableRules(["frame-title"])
    .analyze();
  const problems = results.violations.map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(" ")).join(", ")})`);
  expect(problems).toEqual([]);
}

/** Nothing is wider than the frame. */
async function expectNoSidewaysOverflow(frame) {
  const { scroll, client } = await frame.evaluate(() => ({
    scroll: document.documentElement.scrollWidth,
    client: document.documentElement.clientWidth,
  }));
  expect(scroll).toBeLessThanOrEqual(client);
}

for (const size of SIZES) {
  test(`sign-in and the softphone at ${size.width}×${size.height}`, async ({ page, callbar }) => {
    const { frame, phone } = await open(page, callbar, size);
    await expect(phone.getByRole("button", { name: "Sign in" })).toBeVisible();
    await expectNoSidewaysOverflow(frame);
    await expectAccessible(page);

    // Keyboard only: Tab into the form, type, submit with Enter.
    await phone.getByLabel("Email").focus();
    await page.keyboard.type(DEMO_AGENTS[0].email);
    await page.keyboard.press("Tab");
    await expect(phone.getByLabel("Password")).toBeFocused();
    await page.keyboard.type(DEMO_AGENTS[0].password);
    await page.keyboard.press("Enter");
    const status = phone.getByLabel("Status", { exact: true });
    await expect(status).toBeEnabled();
    await expectNoSidewaysOverflow(frame);
    await expectAccessible(page);

    // Every control is reachable with Tab, and the focused one shows a visible outline.
    const reached = [];
    await status.focus();
    for (let i = 0; i < 10; i++) {
      const info = await frame.evaluate(() => {
        const el = document.activeElement;
        if (!el || el === document.body) return null;
        const style = getComputedStyle(el);
        return {
          name: el.getAttribute("aria-label") || el.id || el.textContent?.trim() || el.tagName,
          outline: `${style.outlineStyle} ${style.outlineWidth}`,
        };
      });
      if (!info) break; // Tab left the softphone for the host page.
      reached.push(info.name);
      expect(info.outline, `focus on ${info.name} is visible`).toMatch(/solid [1-9]/);
      await page.keyboard.press("Tab");
    }
    expect(reached).toEqual(expect.arrayContaining(["status", "Compact view", "Sign out", "contact-query", "Search"]));

    // State changes move nothing: the status, then the connection banner.
    const shiftsBefore = await frame.evaluate(() => window.__shifts);
    await status.selectOption({ label: "Ready" });
    await expect(status).toHaveValue("1");
    await callbar.stop();
    await expect(phone.getByText("Connection lost. Reconnecting…")).toBeVisible();
    await callbar.start();
    await expect(phone.getByText("Connection lost. Reconnecting…")).toBeHidden({ timeout: 15_000 });
    const shifts = (await frame.evaluate(() => window.__shifts)) - shiftsBefore;
    expect(shifts).toBeLessThan(0.01);
  });
}
