// A work item created through the API rings in the softphone on the demo CRM, is accepted,
// noted, given a disposition and wrapped up, and the CRM receives the documented messages
// in order: ringing, started, ended, then one zcc-add-note per note, zcc-end-post-engagement
// and zcc-phone-call-log.

import { test, expect } from "./fixtures/test.mjs";
import { DEMO_AGENTS } from "./fixtures/server.mjs";

test("a work item from the API is worked in the softphone and logged in the CRM", async ({ page, callbar }) => {
  const admin = await callbar.signIn();
  const { body: created } = await callbar.api("POST", "/api/v1/api-tokens", { token: admin, body: { name: "e2e" } });
  const apiToken = created.token;

  await page.goto(`${callbar.demoUrl}/`);
  const phone = page.frameLocator("#zoom-embeddable-phone-iframe");
  await phone.getByLabel("Email").fill(DEMO_AGENTS[0].email);
  await phone.getByLabel("Password").fill(DEMO_AGENTS[0].password);
  await phone.getByRole("button", { name: "Sign in" }).click();
  await phone.getByLabel("Status", { exact: true }).selectOption({ label: "Ready" });
  await expect(page.locator("#agent-status")).toHaveAttribute("data-status-code", "1");

  const r = await callbar.api("POST", "/api/v1/engagements", {
    token: apiToken,
    body: {
      queue: "Back Office",
      subject: "Refund order 42",
      customer: { name: "Pat Doe", email: "pat.doe@example.com" },
      variables: { orderId: "42" },
    },
  });
  expect(r.status).toBe(201);
  const id = r.body.engagementId;

  const offer = phone.locator(`article[data-engagement-id="${id}"]`);
  await expect(offer).toHaveAttribute("data-state", "ringing");
  await expect(offer.getByRole("heading", { name: "Refund order 42" })).toBeVisible();
  await expect(offer.getByText(/Ringing — \d+ s left to accept/)).toBeVisible();
  await offer.getByRole("button", { name: "Accept" }).click();
  await expect(offer).toHaveAttribute("data-state", "connected");
  await expect(page.locator("#agent-status")).toHaveAttribute("data-status-code", "3");

  for (const note of ["Refund approved", "Customer notified by email"]) {
    await offer.getByLabel("Add a note").fill(note);
    await offer.getByRole("button", { name: "Add note" }).click();
    await expect(offer.getByRole("listitem").filter({ hasText: note })).toBeVisible();
  }
  await offer.getByRole("button", { name: "End" }).click();
  await expect(offer).toHaveAttribute("data-state", "wrapup");
  await offer.getByLabel("Disposition").selectOption({ label: "Resolved" });
  await expect(offer.getByLabel("Disposition")).toHaveValue(/.+/);
  await offer.getByRole("button", { name: "Close wrap-up" }).click();
  await expect(offer).toHaveCount(0);

  // What the CRM received, oldest first (the log shows the newest on top).
  const log = page.locator('#log-entries [data-direction="in"]');
  await expect(page.locator('#log-entries [data-direction="in"][data-type="zcc-phone-call-log"]')).toHaveCount(1);
  const types = (await log.evaluateAll((els) => els.map((e) => e.dataset.type))).reverse();
  const flow = types.filter((t) => t.startsWith("zcc-work-item") || ["zcc-add-note", "zcc-end-post-engagement", "zcc-phone-call-log"].includes(t));
  expect(flow).toEqual([
    "zcc-work-item-ringing",
    "zcc-work-item-started",
    "zcc-work-item-ended",
    "zcc-add-note",
    "zcc-add-note",
    "zcc-end-post-engagement",
    "zcc-phone-call-log",
  ]);

  // The call log carries the work item's record.
  const callLog = await page
    .locator('#log-entries [data-direction="in"][data-type="zcc-phone-call-log"]')
    .first()
    .innerText();
  for (const text of ['"type": "work_item"', '"dispositionCode": "Resolved"', '"callQueue": "Back Office"', "Refund approved", id]) {
    expect(callLog).toContain(text);
  }
});
