// The agent's side of the softphone inside a cross-site host page: sign-in with
// third-party cookies blocked, wrong passwords, throttling, sign-out, status from the
// embed and from the host (persisting across a reload), reconnecting after a server
// restart, what the embed accepts from other windows, and how it posts to its host.

import { test, expect } from "./fixtures/test.mjs";
import { hostPage, IFRAME_ID } from "./fixtures/host.mjs";
import { DEMO_AGENTS, sleep } from "./fixtures/server.mjs";

const HOST = "http://crm-a.test";
const OTHER = "http://crm-b.test";
const ADA = DEMO_AGENTS[0];
/** The throttling test locks this account; every other test signs in as Ada. */
const GRACE = DEMO_AGENTS[1];

test.beforeEach(async ({ callbar }) => {
  await callbar.approveOrigin(HOST);
});

/** The softphone frame's locator of a host opened with `hostPage`. */
const softphone = (page) => page.frameLocator(`#${IFRAME_ID}`);

/**
 * Signs in inside the softphone as a person would.
 * @param {import("@playwright/test").Page} page
 */
async function signIn(page, { email = ADA.email, password = ADA.password } = {}) {
  const phone = softphone(page);
  await phone.getByLabel("Email").fill(email);
  await phone.getByLabel("Password").fill(password);
  await phone.getByRole("button", { name: "Sign in" }).click();
}

/** Messages of `type` the host has received, oldest first. */
async function received(host, type) {
  return (await host.received()).filter((m) => m.data?.type === type);
}

test("an agent signs in with third-party cookies blocked, and the host learns who and in what status", async ({ page, callbar }) => {
  const host = await hostPage(page, HOST, { server: callbar.url });
  await signIn(page);
  await expect(softphone(page).getByLabel("Status", { exact: true })).toBeEnabled();

  const info = await host.waitForMessage("zcc-agent-info-response");
  expect(info.origin).toBe(callbar.url);
  expect(info.data.data).toMatchObject({ name: ADA.name, email: ADA.email, extension: "1001", statusCode: "30", status: "Offline" });
  expect(typeof info.data.data.agentId).toBe("string");
  const status = await host.waitForMessage("zcc-agent-status-notification");
  expect(status.data.data).toEqual({ statusCode: "30", status: "Offline" });

  // The host asks again later, with a request id.
  await host.send({ type: "zcc-agent-info-request", data: { requestId: "who-1" } });
  await expect.poll(async () => (await received(host, "zcc-agent-info-response")).length).toBe(2);
  const again = (await received(host, "zcc-agent-info-response"))[1];
  expect(again.data.data.requestId).toBe("who-1");
});

test("before sign-in, commands are answered with agent-not-authenticated", async ({ page, callbar }) => {
  const host = await hostPage(page, HOST, { server: callbar.url });
  await host.waitForMessage("zcc-init-config-request");
  await expect(softphone(page).getByRole("button", { name: "Sign in" })).toBeVisible();
  await host.send({ type: "zcc-agent-info-request", data: { requestId: "r-7" } });
  const error = await host.waitForMessage("zcc-error");
  expect(error.data.data).toEqual({
    code: "agent-not-authenticated",
    message: "Agent identity is available only after login.",
    requestId: "r-7",
  });
  // Answers to lookups are not commands: no error for them.
  await host.send({ type: "zcc-contact-search-response", data: [] });
  await sleep(500);
  expect(await received(host, "zcc-error")).toHaveLength(1);
});

test("a wrong password says so, and repeated failures are throttled", async ({ page, callbar }) => {
  await hostPage(page, HOST, { server: callbar.url });
  const phone = softphone(page);
  await signIn(page, { email: GRACE.email, password: "not the password" });
  await expect(phone.getByRole("alert")).toHaveText("Email or password is incorrect.");
  await expect(phone.getByLabel("Password")).toHaveValue("");

  // Five failures in all lock the account (the default limit), even for the right password.
  for (let i = 0; i < 4; i++) {
    await signIn(page, { email: GRACE.email, password: `wrong ${i}` });
    await expect(phone.getByRole("alert")).toHaveText(/incorrect|Too many/);
  }
  await signIn(page, GRACE);
  await expect(phone.getByRole("alert")).toHaveText(/Too many failed sign-in attempts\. Try again in \d+ seconds\./);
  await expect(phone.getByLabel("Status", { exact: true })).toHaveCount(0);
});

test("signing out returns to sign-in and tells the host the agent is Offline", async ({ page, callbar }) => {
  const host = await hostPage(page, HOST, { server: callbar.url });
  await signIn(page);
  const phone = softphone(page);
  await phone.getByLabel("Status", { exact: true }).selectOption({ label: "Ready" });
  await expect.poll(async () => (await received(host, "zcc-agent-status-notification")).at(-1)?.data.data.statusCode).toBe("1");

  await phone.getByRole("button", { name: "Sign out" }).click();
  await expect(phone.getByRole("button", { name: "Sign in" })).toBeVisible();
  await expect(phone.getByRole("status").filter({ hasText: "You signed out." })).toBeVisible();
  await expect.poll(async () => (await received(host, "zcc-agent-status-notification")).at(-1)?.data.data.statusCode).toBe("30");

  // The session is over: a reload shows sign-in.
  await page.reload();
  await expect(phone.getByRole("button", { name: "Sign in" })).toBeVisible();
});

test("status changes from the embed and from the host are announced with the right codes and survive a reload", async ({ page, callbar }) => {
  const host = await hostPage(page, HOST, { server: callbar.url });
  await signIn(page);
  const phone = softphone(page);
  const select = phone.getByLabel("Status", { exact: true });
  const lastStatus = async () => (await received(host, "zcc-agent-status-notification")).at(-1)?.data.data;

  await select.selectOption({ label: "Not Ready: Lunch" });
  await expect.poll(lastStatus).toEqual({ statusCode: "21", parentStatusCode: "2", status: "Not Ready", subReason: "Lunch" });
  await select.selectOption({ label: "Ready" });
  await expect.poll(lastStatus).toEqual({ statusCode: "1", status: "Ready" });

  await host.send({ type: "zcc-agent-status-set-request", data: { id: "20", requestId: "s-1" } });
  await expect.poll(lastStatus).toEqual({ statusCode: "20", parentStatusCode: "2", status: "Not Ready", subReason: "Break" });
  await expect(select).toHaveValue("20");
  const response = await host.waitForMessage("zcc-agent-status-set-response");
  expect(response.data.data).toEqual({ status: true, requestId: "s-1" });

  // Occupied is the system's to set.
  await host.send({ type: "zcc-agent-status-set-request", data: { id: "3", requestId: "s-2" } });
  const error = await host.waitForMessage("zcc-error");
  expect(error.data.data).toMatchObject({ code: "invalid-input", requestId: "s-2" });

  // Reload the host page: the agent is still signed in and still on Break.
  await page.reload();
  await expect(select).toHaveValue("20");
  const after = await host.waitForMessage("zcc-agent-status-notification");
  expect(after.data.data).toEqual({ statusCode: "20", parentStatusCode: "2", status: "Not Ready", subReason: "Break" });
  const me = await callbar.api("GET", "/api/v1/me", { token: await callbar.signIn({ email: ADA.email, password: ADA.password }) });
  expect(me.body.status.statusCode).toBe("20");
});

test("the size toggle asks the host to resize", async ({ page, callbar }) => {
  const host = await hostPage(page, HOST, { server: callbar.url });
  await signIn(page);
  await softphone(page).getByRole("button", { name: "Compact view" }).click();
  const resize = await host.waitForMessage("zcc-resize");
  expect(resize.data.data).toEqual({ widthInPixels: 360, heightInPixels: 700 });
  await expect(softphone(page).getByRole("button", { name: "Wide view" })).toHaveAttribute("aria-pressed", "false");
});

test("a contact name returned by the host is shown as text, never as markup", async ({ page, callbar }) => {
  const host = await hostPage(page, HOST, { server: callbar.url });
  const dialogs = [];
  page.on("dialog", (d) => {
    dialogs.push(d.message());
    d.dismiss();
  });
  await signIn(page);
  const phone = softphone(page);
  await phone.getByLabel("Search contacts").fill("pat@example.com");
  await phone.getByRole("button", { name: "Search" }).click();
  const search = await host.waitForMessage("zcc-contact-search-event");
  expect(search.data.data).toEqual({ query: { email: "pat@example.com", type: "email" } });

  const evil = "<img src=x onerror=alert(1)>";
  await host.send({ type: "zcc-contact-search-response", data: { id: "c-1", name: evil, phone: "+16505550123", email: "pat@example.com", entity: "contact" } });
  await expect(phone.locator(".contact-name")).toHaveText(evil);
  await expect(phone.locator(".contacts img")).toHaveCount(0);
  await sleep(300);
  expect(dialogs).toEqual([]);
});

test("messages from a window on another origin are ignored", async ({ page, callbar }) => {
  const host = await hostPage(page, HOST, { server: callbar.url });
  await signIn(page);
  await host.waitForMessage("zcc-agent-info-response");
  const token = await callbar.signIn({ email: ADA.email, password: ADA.password });
  await callbar.api("PUT", "/api/v1/me/status", { token, body: { code: "21" } });
  const before = (await callbar.api("GET", "/api/v1/me", { token })).body.status.statusCode;
  expect(before).toBe("21");

  // A frame from another origin inside the host page posts to the softphone with '*'.
  await page.route(`${OTHER}/**`, (route) =>
    route.fulfill({ contentType: "text/html", body: "<!doctype html><title>other</title>" }),
  );
  await page.evaluate((src) => {
    const f = document.createElement("iframe");
    f.id = "intruder";
    f.src = src;
    document.body.append(f);
    return new Promise((resolve) => (f.onload = resolve));
  }, `${OTHER}/`);
  const intruder = page.frame({ url: `${OTHER}/` });
  await intruder.evaluate(() => {
    const softphone = window.parent.frames[0];
    softphone.postMessage({ type: "zcc-agent-info-request", data: { requestId: "intruder" } }, "*");
    softphone.postMessage({ type: "zcc-agent-status-set-request", data: { id: "1", requestId: "intruder-2" } }, "*");
  });
  // The same request from the host itself is answered: the softphone is listening.
  await host.send({ type: "zcc-agent-info-request", data: { requestId: "host" } });
  await expect.poll(async () => (await received(host, "zcc-agent-info-response")).map((m) => m.data.data.requestId)).toContain("host");
  await sleep(500);
  const ids = (await host.received()).map((m) => m.data?.data?.requestId).filter(Boolean);
  expect(ids).not.toContain("intruder");
  expect(ids).not.toContain("intruder-2");
  const after = (await callbar.api("GET", "/api/v1/me", { token })).body.status.statusCode;
  expect(after).toBe(before);
});

test("every message to the host names the host origin, never '*'", async ({ page, callbar }) => {
  // Record each postMessage the softphone makes to its parent (window.parent is
  // [Replaceable], so the softphone's own script picks up this recorder).
  await page.context().addInitScript((server) => {
    if (location.origin !== server || window.parent === window) return;
    const real = window.parent;
    const targets = [];
    Object.defineProperty(window, "__targets", { value: targets });
    Object.defineProperty(window, "parent", {
      configurable: true,
      value: new Proxy(real, {
        get(target, prop) {
          if (prop === "postMessage") {
            return (message, targetOrigin) => {
              targets.push({ type: message?.type, targetOrigin });
              real.postMessage(message, targetOrigin);
            };
          }
          const v = Reflect.get(target, prop);
          return typeof v === "function" ? v.bind(target) : v;
        },
      }),
    });
  }, callbar.url);
  const host = await hostPage(page, HOST, { server: callbar.url });
  await signIn(page);
  await host.waitForMessage("zcc-agent-status-notification");
  await softphone(page).getByRole("button", { name: "Compact view" }).click();
  await host.waitForMessage("zcc-resize");
  const frame = page.frame({ url: /\/cci\/callbar\/crm\// });
  const targets = await frame.evaluate(() => window.__targets);
  const types = targets.map((t) => t.type);
  expect(types).toEqual(expect.arrayContaining(["zcc-init-config-request", "zcc-agent-info-response", "zcc-agent-status-notification", "zcc-resize"]));
  expect(new Set(targets.map((t) => t.targetOrigin))).toEqual(new Set([HOST]));
});

test("the softphone reconnects on its own after the server restarts, and says so meanwhile", async ({ page, callbar }) => {
  const host = await hostPage(page, HOST, { server: callbar.url });
  await signIn(page);
  const phone = softphone(page);
  await phone.getByLabel("Status", { exact: true }).selectOption({ label: "Ready" });
  await expect(phone.getByLabel("Status", { exact: true })).toHaveValue("1");
  // The select changes at once; stop the server only once it has confirmed Ready (an earlier
  // test may have left this agent Not Ready, and a change still in flight would be lost).
  await expect.poll(async () => (await received(host, "zcc-agent-status-notification")).at(-1)?.data.data.statusCode).toBe("1");

  await callbar.stop();
  await expect(phone.getByText("Connection lost. Reconnecting…")).toBeVisible();
  await expect(phone.getByLabel("Status", { exact: true })).toBeDisabled();
  await callbar.start();
  await expect(phone.getByText("Connection lost. Reconnecting…")).toBeHidden({ timeout: 15_000 });
  await expect(phone.getByLabel("Status", { exact: true })).toBeEnabled();
  await expect(phone.getByLabel("Status", { exact: true })).toHaveValue("1");
  // Still signed in, and the host hears the status again after the reconnect.
  await expect.poll(async () => (await received(host, "zcc-agent-info-response")).length).toBeGreaterThanOrEqual(2);
});
