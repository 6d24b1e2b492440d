// The demo CRM (web/demo-crm) is the example integration that CRM developers copy, so it
// must follow the protocol exactly. Most tests here play the softphone's part: they post
// messages to the demo page from inside the softphone frame (so `event.origin` and
// `event.source` are the real ones) and read what the page answers.

import { test, expect } from "./fixtures/test.mjs";
import { IFRAME_ID } from "./fixtures/host.mjs";
import { DEMO_AGENTS, sleep } from "./fixtures/server.mjs";

/**
 * Opens the demo CRM, waits until the softphone has loaded and the page answered its
 * init-config request, and returns helpers that act as the softphone.
 *
 * @param {import("@playwright/test").Page} page
 * @param {import("./fixtures/server.mjs").CallbarServer} callbar
 */
async function openDemo(page, callbar) {
  await page.goto(`${callbar.demoUrl}/`);
  await expect(logEntries(page, "out", "zcc-init-config-response")).toHaveCount(1, { timeout: 10_000 });
  const frame = page.frames().find((f) => f.url().startsWith(`${callbar.url}/cci/callbar/crm/`));
  if (!frame) throw new Error("the softphone frame is missing");
  // Record what the demo page posts to the frame from now on.
  await frame.evaluate(() => {
    window.__fromHost = [];
    window.addEventListener("message", (e) => {
      if (e.source === window.parent) window.__fromHost.push(e.data);
    });
  });
  return {
    frame,
    /** Posts `message` to the demo page as the softphone does. */
    post: (/** @type {unknown} */ message) =>
      frame.evaluate(([m, origin]) => window.parent.postMessage(m, origin), [message, callbar.demoUrl]),
    /**
     * The demo page's next message of `type` (the n-th since openDemo, counting from 0).
     *
     * @param {string} type
     * @param {number} [n]
     */
    answer: async (type, n = 0) => {
      const handle = await frame.waitForFunction(
        ([t, i]) => (window.__fromHost ?? []).filter((m) => m && m.type === t)[i],
        [type, n],
        { timeout: 5_000 },
      );
      return handle.jsonValue();
    },
    /** Everything the demo page posted to the frame since openDemo. */
    fromHost: () => frame.evaluate(() => window.__fromHost),
  };
}

/**
 * @param {import("@playwright/test").Page} page
 * @param {"in" | "out"} direction
 * @param {string} type
 */
function logEntries(page, direction, type) {
  return page.locator(`#log-entries [data-direction="${direction}"][data-type="${type}"]`);
}

/** @param {import("@playwright/test").Page} page @param {string} id */
function contactItem(page, id) {
  return page.locator(`.contact[data-contact-id="${id}"]`);
}

const GARCIA_HOUSEHOLD = "+13125550147";

test("answers every lookup with an array of records, [] when nothing matches", async ({ page, callbar }) => {
  const embed = await openDemo(page, callbar);
  const ids = (/** @type {any} */ m) => m.data.map((/** @type {any} */ r) => r.id);

  await embed.post({
    type: "zcc-incomingPhone-request",
    data: { incomingPhoneNumber: GARCIA_HOUSEHOLD, engagementId: "e1", channel: "voice" },
  });
  const shared = await embed.answer("zcc-incomingPhone-response", 0);
  expect(shared.data).toEqual([
    { id: "C-1003", name: "Maria Garcia", phone: GARCIA_HOUSEHOLD, email: "maria.garcia@example.com", entity: "contact" },
    { id: "L-2001", name: "Luis Garcia", phone: GARCIA_HOUSEHOLD, email: "luis.garcia@example.net", entity: "lead" },
  ]);

  await embed.post({
    type: "zcc-incomingPhone-request",
    data: { incomingPhoneNumber: "+19995550000", engagementId: "e2", channel: "sms" },
  });
  expect((await embed.answer("zcc-incomingPhone-response", 1)).data).toEqual([]);

  await embed.post({
    type: "zcc-incomingEmail-request",
    data: { email: "GRACE.KIM@example.COM", engagementId: "e3", channel: "chat" },
  });
  expect(ids(await embed.answer("zcc-incomingEmail-response", 0))).toEqual(["C-1008"]);

  await embed.post({
    type: "zcc-incomingEmail-request",
    data: { email: "stranger@example.com", engagementId: "e4", channel: "video" },
  });
  expect((await embed.answer("zcc-incomingEmail-response", 1)).data).toEqual([]);

  const searches = [
    ["+16505550123", ["C-1001"]],
    ["(650) 555-0123", ["C-1001"]],
    ["garcia", ["C-1003", "L-2001"]],
    [{ email: "Pat.Doe@example.com", type: "email" }, ["C-1001"]],
    ["nobody at all", []],
    ["", []],
  ];
  for (const [i, [query, expected]] of searches.entries()) {
    await embed.post({ type: "zcc-contact-search-event", data: { query } });
    expect(ids(await embed.answer("zcc-contact-search-response", i)), JSON.stringify(query)).toEqual(expected);
  }

  // Every message, both ways, is in the log.
  await expect(logEntries(page, "in", "zcc-incomingPhone-request")).toHaveCount(2);
  await expect(logEntries(page, "out", "zcc-incomingPhone-response")).toHaveCount(2);
  await expect(logEntries(page, "out", "zcc-contact-search-response")).toHaveCount(searches.length);
  await expect(page.locator("#log-entries > li").first()).toHaveAttribute("data-type", "zcc-contact-search-response");
});

test("screen pop highlights the record by id, phone number or email", async ({ page, callbar }) => {
  const embed = await openDemo(page, callbar);

  await embed.post({ type: "zcc-screen-pop", data: { id: "L-2001", engagementId: "e1" } });
  await expect(contactItem(page, "L-2001")).toHaveClass(/is-popped/);
  await expect(contactItem(page, "L-2001")).toBeInViewport();
  await expect(page.locator(".contact.is-popped")).toHaveCount(1);

  await embed.post({ type: "zcc-screen-pop", data: { id: "+14155550182" } });
  await expect(contactItem(page, "C-1002")).toHaveClass(/is-popped/);
  await expect(contactItem(page, "L-2001")).not.toHaveClass(/is-popped/);

  await embed.post({ type: "zcc-screen-pop", data: { id: "kenji.W@example.com" } });
  await expect(page.locator(".contact.is-popped")).toHaveCount(1);
  await expect(contactItem(page, "C-1004")).toHaveClass(/is-popped/);

  await embed.post({ type: "zcc-screen-pop", data: { id: "+19995550000" } });
  await expect(page.locator(".contact.is-popped")).toHaveCount(0);
  await expect(page.locator("#notice")).toContainText("no record for +19995550000");
});

test("zcc-resize sets the iframe's size", async ({ page, callbar }) => {
  const embed = await openDemo(page, callbar);
  await embed.post({ type: "zcc-resize", data: { widthInPixels: 1152, heightInPixels: 640 } });
  await expect
    .poll(async () => {
      const box = await page.locator(`#${IFRAME_ID}`).boundingBox();
      return box && [Math.round(box.width), Math.round(box.height)];
    })
    .toEqual([1152, 640]);
});

test("a call log is filed under the matched record, or as unmatched; payloads render as text", async ({
  page,
  callbar,
}) => {
  const embed = await openDemo(page, callbar);
  const hostile = '<img src=x onerror="window.__pwned = true">';
  const record = {
    callType: "inbound",
    from: "+12065550199",
    to: "+14155550100",
    callDuration: "3:05",
    callStartTime: "2024-05-06T12:53:24.000Z",
    callEndTime: "2024-05-06T12:56:29.000Z",
    callQueue: "Voice Support",
    agentExtension: "+14155550100",
    agentName: "Ada Lovelace",
    wrapUpTimeDuration: "00:00:42",
    notes: ["Asked about invoice 4411.", hostile],
    dispositionCode: "Resolved",
    type: "phone",
  };
  await embed.post({
    type: "zcc-phone-call-log",
    data: {
      objectRecord: record,
      engagementId: "e1",
      relateTo: "contact",
      user: { id: "C-1004", name: "Kenji Watanabe", phone: "+12065550199", email: "kenji.w@example.com", entity: "contact" },
    },
  });
  const filed = contactItem(page, "C-1004").locator(".activity-item");
  await expect(filed).toHaveCount(1);
  await expect(filed).toContainText("Inbound call · 3:05");
  await expect(filed).toContainText("Voice Support");
  await expect(filed).toContainText("Resolved");
  await expect(filed).toContainText(hostile);

  await embed.post({
    type: "zcc-phone-call-log",
    data: {
      objectRecord: { ...record, callType: "outbound", from: "+14155550100", to: "+19995550000", callDuration: "", callStartTime: "", callEndTime: "", notes: [] },
      engagementId: "e2",
      relateTo: "",
    },
  });
  await expect(page.locator("#unmatched-activity .activity-item")).toHaveCount(1);
  await expect(page.locator("#unmatched-activity")).toContainText("Outbound call · not connected");
  await expect(page.locator("#unmatched-empty")).toBeHidden();

  // The hostile note is text everywhere, in the activity and in the message log.
  await expect(logEntries(page, "in", "zcc-phone-call-log").filter({ hasText: "onerror" })).toHaveCount(1);
  expect(await page.locator("img").count()).toBe(0);
  expect(await page.evaluate(() => window.__pwned)).toBeUndefined();
});

test("shows the agent and their status from the softphone's messages", async ({ page, callbar }) => {
  const embed = await openDemo(page, callbar);
  await embed.post({
    type: "zcc-agent-info-response",
    data: { agentId: "a1", name: "Ada Lovelace", email: "ada@example.com", extension: "1001", statusCode: "1", status: "Ready" },
  });
  await expect(page.locator("#agent-name")).toHaveText("Ada Lovelace");
  await expect(page.locator("#agent-status")).toHaveText("Ready");

  await embed.post({
    type: "zcc-agent-status-notification",
    data: { statusCode: "21", parentStatusCode: "2", status: "Not Ready", subReason: "Lunch" },
  });
  await expect(page.locator("#agent-status")).toHaveText("Not Ready: Lunch");
  await expect(page.locator("#agent-status")).toHaveAttribute("data-status-code", "21");
  await expect(page.locator("#agent-name")).toHaveText("Ada Lovelace");
});

test("click-to-dial and the status buttons post the commands to the softphone", async ({ page, callbar }) => {
  const embed = await openDemo(page, callbar);

  await page.getByRole("button", { name: "Call Pat Doe at +16505550123" }).click();
  expect(await embed.answer("onclicktoact")).toEqual({
    type: "onclicktoact",
    data: { id: "C-1001", name: "Pat Doe", phone: "+16505550123", email: "pat.doe@example.com", userEntity: "contact" },
  });
  await expect(logEntries(page, "out", "onclicktoact")).toHaveCount(1);

  const expected = [
    ["Set Ready", "1"],
    ["Set Not Ready: Break", "20"],
    ["Set Offline", "30"],
  ];
  for (const [i, [label, id]] of expected.entries()) {
    await page.getByRole("button", { name: label, exact: true }).click();
    const sent = await embed.answer("zcc-agent-status-set-request", i);
    expect(sent.data.id).toBe(id);
    expect(typeof sent.data.requestId).toBe("string");
  }
  const requestIds = (await embed.fromHost())
    .filter((/** @type {any} */ m) => m.type === "zcc-agent-status-set-request")
    .map((/** @type {any} */ m) => m.data.requestId);
  expect(new Set(requestIds).size).toBe(3);

  // Before sign-in the softphone refuses commands; the page says what to do.
  await expect(page.locator("#notice")).toHaveText("Sign in to the softphone first.");
});

test("the page ignores messages that do not come from the softphone frame", async ({ page, callbar }) => {
  await openDemo(page, callbar);
  const before = await page.locator("#log-entries > li").count();

  // From the page's own origin.
  await page.evaluate(() => window.postMessage({ type: "zcc-screen-pop", data: { id: "C-1001" } }, "*"));
  // From another frame at the softphone's origin: right origin, wrong source.
  await page.evaluate((src) => {
    const other = document.createElement("iframe");
    other.id = "impostor";
    other.src = src;
    document.body.append(other);
  }, `${callbar.url}/healthz`);
  const impostor = page.frameLocator("#impostor");
  await expect(impostor.locator("body")).toContainText(/\S/);
  const frame = page.frames().find((f) => f.url() === `${callbar.url}/healthz`);
  await frame?.evaluate(() => window.parent.postMessage({ type: "zcc-screen-pop", data: { id: "C-1001" } }, "*"));

  await sleep(500);
  await expect(page.locator("#log-entries > li")).toHaveCount(before);
  await expect(page.locator(".contact.is-popped")).toHaveCount(0);
});

test("the page posts only to the softphone's origin, never '*'", async ({ page, callbar }) => {
  await openDemo(page, callbar);
  // Navigate the frame to another origin (the demo's own); what the page posts next must
  // not reach it.
  const other = `${callbar.demoUrl}/assets/demo-crm/styles.css`;
  await page.evaluate(([id, src]) => {
    /** @type {HTMLIFrameElement} */ (document.getElementById(id)).src = src;
  }, [IFRAME_ID, other]);
  await expect.poll(() => page.frames().some((f) => f.url() === other)).toBe(true);
  const frame = page.frames().find((f) => f.url() === other);
  await frame?.evaluate(() => {
    window.__got = [];
    window.addEventListener("message", (e) => window.__got.push(e.data));
  });

  await page.getByRole("button", { name: "Call Pat Doe at +16505550123" }).click();
  await page.getByRole("button", { name: "Set Ready", exact: true }).click();
  await expect(logEntries(page, "out", "onclicktoact")).toHaveCount(1);
  await sleep(500);
  expect(await frame?.evaluate(() => window.__got)).toEqual([]);
});

test("with a signed-in agent: identity, status and status changes show in the header", async ({ page, callbar }) => {
  await page.goto(`${callbar.demoUrl}/`);
  const agent = DEMO_AGENTS[0];
  const softphone = page.frameLocator(`#${IFRAME_ID}`);
  await softphone.getByLabel("Email").fill(agent.email);
  await softphone.getByLabel("Password").fill(agent.password);
  await softphone.getByRole("button", { name: "Sign in" }).click();

  await expect(page.locator("#agent-name")).toHaveText(agent.name, { timeout: 10_000 });
  await expect(logEntries(page, "in", "zcc-agent-info-response")).toHaveCount(1);

  await page.getByRole("button", { name: "Set Not Ready: Break", exact: true }).click();
  await expect(page.locator("#agent-status")).toHaveText("Not Ready: Break");
  await expect(logEntries(page, "in", "zcc-agent-status-set-response")).toHaveCount(1);
  await expect(logEntries(page, "in", "zcc-agent-status-set-response")).toContainText('"status": true');

  await page.getByRole("button", { name: "Set Ready", exact: true }).click();
  await expect(page.locator("#agent-status")).toHaveText("Ready");
  await expect(page.locator("#agent-status")).toHaveAttribute("data-status-code", "1");
});

test("is keyboard operable with a visible focus", async ({ page, callbar }) => {
  await openDemo(page, callbar);
  // Start from the header (the softphone may hold the focus, e.g. in its sign-in form).
  await page.getByRole("heading", { level: 1 }).click();
  await page.keyboard.press("Tab");
  await expect(page.getByRole("button", { name: "Set Ready", exact: true })).toBeFocused();
  const outline = await page.evaluate(() => getComputedStyle(/** @type {Element} */ (document.activeElement)).outlineStyle);
  expect(outline).not.toBe("none");

  const call = page.getByRole("button", { name: "Call Priya Raman at +14155550182" });
  await call.focus();
  await page.keyboard.press("Enter");
  await expect(logEntries(page, "out", "onclicktoact")).toHaveCount(1);
  await expect(logEntries(page, "out", "onclicktoact")).toContainText("C-1002");

  await page.locator("#log-clear").focus();
  await page.keyboard.press("Enter");
  await expect(page.locator("#log-entries > li")).toHaveCount(0);
});
