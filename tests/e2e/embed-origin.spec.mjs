// The embed talks only to approved origins, and only approved origins can frame it
// (docs/protocol.md, section 2).

import { test, expect } from "./fixtures/test.mjs";
import { hostPage, IFRAME_ID } from "./fixtures/host.mjs";
import { sleep } from "./fixtures/server.mjs";

const APPROVED = "http://crm-a.test";
const UNAPPROVED = "http://crm-b.test";

/** How long a page must stay silent to count as "sends no message at all". */
const SILENCE_MS = 2_000;

test.beforeEach(async ({ callbar }) => {
  await callbar.approveOrigin(APPROVED);
});

/**
 * The response to the iframe's navigation, once it arrives.
 *
 * @param {import("@playwright/test").Page} page
 * @param {string} serverUrl
 */
function embedResponse(page, serverUrl) {
  return page.waitForResponse(
    (r) => r.url().startsWith(`${serverUrl}/cci/callbar/crm/`) || r.url().startsWith(`${serverUrl}/crm-int/callbar/`),
  );
}

test("an approved origin receives zcc-init-config-request from the server origin", async ({ page, callbar }) => {
  const response = embedResponse(page, callbar.url);
  const host = await hostPage(page, APPROVED, { server: callbar.url });

  const served = await response;
  expect(served.status()).toBe(200);
  expect(served.headers()["content-security-policy"]).toContain(`frame-ancestors ${APPROVED}`);

  const message = await host.waitForMessage("zcc-init-config-request");
  expect(message.origin).toBe(callbar.url);
  expect(message.fromFrame).toBe(true);
  expect(message.data).toEqual({ type: "zcc-init-config-request" });

  // Every message reached this page from the softphone, at the server origin.
  for (const m of await host.received()) {
    expect(m.origin).toBe(callbar.url);
    expect(m.fromFrame).toBe(true);
  }
});

test("the legacy path /crm-int/callbar/ works the same", async ({ page, callbar }) => {
  const host = await hostPage(page, APPROVED, { server: callbar.url, embedPath: "/crm-int/callbar/" });
  const message = await host.waitForMessage("zcc-init-config-request");
  expect(message.origin).toBe(callbar.url);
});

test("an unapproved origin gets the explanatory page and no message", async ({ page, callbar }) => {
  const response = embedResponse(page, callbar.url);
  const host = await hostPage(page, UNAPPROVED, { server: callbar.url });

  expect((await response).status()).toBe(403);
  const body = host.frameLocator.locator("body");
  await expect(body).toContainText("not approved");
  await expect(body).toContainText(UNAPPROVED);
  await expect(body).toContainText(`callbar domain add ${UNAPPROVED}`);
  await expect(body).toContainText("POST /api/v1/domains");

  await sleep(SILENCE_MS);
  expect(await host.received()).toEqual([]);
});

test("a page on another origin cannot frame the softphone by claiming an approved origin", async ({ page, callbar }) => {
  const consoleLines = [];
  page.on("console", (m) => consoleLines.push(m.text()));
  const response = embedResponse(page, callbar.url);
  const host = await hostPage(page, UNAPPROVED, { server: callbar.url, originParam: APPROVED });

  // The server serves the softphone for crm-a.test, with frame-ancestors crm-a.test…
  const served = await response;
  expect(served.status()).toBe(200);
  expect(served.headers()["content-security-policy"]).toContain(`frame-ancestors ${APPROVED}`);

  // …and Chromium refuses to show it inside crm-b.test: the frame holds an error page,
  // not a document of the server, so no softphone script runs.
  await sleep(SILENCE_MS);
  const frame = page.frames().find((f) => f.parentFrame() === page.mainFrame());
  expect(frame, "the iframe exists").toBeTruthy();
  expect(frame?.url()).not.toContain(callbar.url);
  const frameOrigin = await frame?.evaluate(() => window.origin).catch(() => "unreachable");
  expect(frameOrigin).not.toBe(callbar.url);
  expect(await host.received()).toEqual([]);
  expect(consoleLines.join("\n")).toContain("frame-ancestors");
});

test("a missing ?origin= gets the explanatory page and no message", async ({ page, callbar }) => {
  const response = embedResponse(page, callbar.url);
  const host = await hostPage(page, APPROVED, { server: callbar.url, originParam: null });

  expect((await response).status()).toBe(403);
  const body = host.frameLocator.locator("body");
  await expect(body).toContainText("?origin=");
  await expect(body).toContainText(`${callbar.url}/cci/callbar/crm/?origin=https://crm.example.com`);

  await sleep(SILENCE_MS);
  expect(await host.received()).toEqual([]);
});

for (const malformed of [
  "crm-a.test",
  `${APPROVED}/some/path`,
  "javascript:alert(1)",
  "null",
  "",
]) {
  test(`a malformed ?origin=${JSON.stringify(malformed)} gets the explanatory page and no message`, async ({
    page,
    callbar,
  }) => {
    const response = embedResponse(page, callbar.url);
    const host = await hostPage(page, APPROVED, { server: callbar.url, originParam: malformed });

    expect((await response).status()).toBe(403);
    const body = host.frameLocator.locator("body");
    await expect(body).toContainText("origin");
    await expect(body).toContainText("https://crm.example.com");
    // The explanatory page has no script at all.
    expect(await host.frameLocator.locator("script").count()).toBe(0);

    await sleep(SILENCE_MS / 2);
    expect(await host.received()).toEqual([]);
  });
}

test("the demo CRM embeds the softphone and logs zcc-init-config-request", async ({ page, callbar }) => {
  await page.goto(`${callbar.demoUrl}/`);
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Acme CRM (demo)");

  const iframe = page.locator(`#${IFRAME_ID}`);
  await expect(iframe).toHaveAttribute(
    "src",
    `${callbar.url}/cci/callbar/crm/?origin=${callbar.demoUrl}`,
  );
  const box = await iframe.boundingBox();
  expect(box && [Math.round(box.width), Math.round(box.height)]).toEqual([840, 700]);

  const request = page.locator('#log-entries [data-direction="in"][data-type="zcc-init-config-request"]');
  await expect(request).toHaveCount(1, { timeout: 10_000 });
  const answer = page.locator('#log-entries [data-direction="out"][data-type="zcc-init-config-response"]');
  await expect(answer).toHaveCount(1);
  await expect(answer).toContainText('"screenPopEvent": "RINGING"');
});
