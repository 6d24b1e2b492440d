// What the host sees for each way an inbound call can go, with an agent in the demo CRM
// (microphone 1000 Hz) and a website caller (the media crate's client, 440 Hz):
// - several CRM records match the caller: no automatic pop, the agent picks one, the host
//   pops it and the call log carries it as `user`; the call is recorded with a pause, and
//   the recording holds 440 Hz on the left, 1000 Hz on the right and silence where paused;
// - nobody answers (missed), then the caller hangs up while it rings again.

import { test, expect } from "./fixtures/test.mjs";
import { DEMO_AGENTS } from "./fixtures/server.mjs";
import { blockToneShare, hostReceived, longestSilence, readWav, withAgentAndCaller } from "./fixtures/voice.mjs";

test.setTimeout(90_000);

/** @param {{ type: string }[]} received @param {string[]} types */
const only = (received, types) => received.filter((m) => types.includes(m.type));

/** Zoom's inbound call sequence, from ringing to the recording. */
const INBOUND = [
  "zcc-call-ringing",
  "zcc-incomingPhone-request",
  "zcc-screen-pop",
  "zcc-call-connected",
  "zcc-call-ended",
  "zcc-end-post-engagement",
  "zcc-phone-call-log",
  "zcc-call-recording",
];

test("a caller matching two records: the agent picks one, the host pops it, logs it, and gets the recording", async ({
  playwright,
  launchOptions,
  callbar,
}) => {
  // Maria and Luis Garcia share +1 312 555 0147 in the demo CRM.
  const fixtures = { playwright, launchOptions, callbar };
  await withAgentAndCaller(fixtures, DEMO_AGENTS[0], { phone: "+13125550147" }, async ({ crm, phone, caller }) => {
    const card = phone.locator('article[data-state="ringing"]');
    await expect(card.getByText("2 records match this caller. Who is calling?")).toBeVisible();
    await card.locator('li[data-contact-id="L-2001"]').getByRole("button", { name: "This is the caller" }).click();
    await expect(crm.locator('#log-entries [data-direction="in"][data-type="zcc-screen-pop"]')).toHaveCount(1);
    await card.getByRole("button", { name: "Accept" }).click();
    await expect.poll(() => caller.reached("connected"), { timeout: 10_000 }).toBe(true);

    // The demo voice queue records every call from the accept. Pause while a card number
    // is read, resume, hang up, close wrap-up.
    const live = phone.locator("article[data-engagement-id]").first();
    await live.page().waitForTimeout(1500);
    await live.getByRole("button", { name: "Pause recording" }).click();
    await expect(live.getByRole("button", { name: "Resume recording" })).toBeVisible();
    await live.page().waitForTimeout(1500);
    await live.getByRole("button", { name: "Resume recording" }).click();
    await expect(live.getByRole("button", { name: "Pause recording" })).toBeVisible();
    await live.page().waitForTimeout(1500);
    await live.getByRole("button", { name: "Hang up" }).click();
    await expect(live).toHaveAttribute("data-state", "wrapup");
    await live.getByRole("button", { name: "Close wrap-up" }).click();
    await expect(crm.locator('#log-entries [data-direction="in"][data-type="zcc-call-recording"]')).toHaveCount(1);

    const received = await hostReceived(crm);
    const flow = only(received, INBOUND);
    expect(flow.map((m) => m.type)).toEqual(INBOUND);
    const [ringing, , pop, , , , log, recording] = flow;
    expect(pop.data.id).toBe("L-2001");
    expect(log.data.user.id).toBe("L-2001");
    expect(log.data.objectRecord.from).toBe("+13125550147");
    expect(log.data.engagementId).toBe(ringing.data.engagementId);

    // The recording, fetched with the signed link as the CRM would (no sign-in).
    const response = await fetch(recording.data.recordingUrl);
    expect(response.status).toBe(200);
    const { rate, channels } = readWav(Buffer.from(await response.arrayBuffer()));
    expect(channels).toHaveLength(2);
    const [left, right] = channels;
    // The last whole second before hang-up: the caller on the left, the agent on the right,
    // each sounding for most of it.
    const end = left.length - rate / 2;
    for (const [side, samples, freq] of [
      ["caller (left)", left, 440],
      ["agent (right)", right, 1000],
    ]) {
      const { share, sounding } = blockToneShare(samples.subarray(end - rate, end), rate, freq);
      expect(share, `${side}: share of ${freq} Hz`).toBeGreaterThan(0.8);
      expect(sounding, `${side}: share of the second that sounds`).toBeGreaterThan(0.5);
    }
    // The pause: about 1.5 s of silence on both channels, inside the timeline.
    const silence = longestSilence(channels, rate);
    expect(silence).toBeGreaterThan(1.2);
    expect(silence).toBeLessThan(2.2);
    const forged = recording.data.recordingUrl.replace("sig=", "sig=0");
    expect((await fetch(forged)).status).toBe(403);
  });
});

test("a call nobody answers is missed, then the caller hangs up while it rings again", async ({
  playwright,
  launchOptions,
  callbar,
}) => {
  // Offers on the voice queue ring for 2 s.
  const admin = await callbar.signIn();
  const { body } = await callbar.api("GET", "/api/v1/queues", { token: admin });
  const voice = body.queues.find((/** @type {any} */ q) => q.channel === "voice");
  const patched = await callbar.api("PATCH", `/api/v1/queues/${voice.id}/routing`, {
    token: admin,
    body: { ringTimeoutMs: 2000 },
  });
  expect(patched.status).toBe(200);

  const fixtures = { playwright, launchOptions, callbar };
  await withAgentAndCaller(fixtures, DEMO_AGENTS[0], { phone: "+16505550123" }, async ({ crm, caller }) => {
    const notConnected = crm.locator('#log-entries [data-direction="in"][data-type="zcc-inbound-not-connected"]');
    await expect(notConnected).toHaveCount(1, { timeout: 10_000 });
    // Back in the queue, it is offered again; the caller gives up while it rings.
    const ringing = crm.locator('#log-entries [data-direction="in"][data-type="zcc-call-ringing"]');
    await expect(ringing).toHaveCount(2, { timeout: 10_000 });
    caller.hangUp();
    await expect(notConnected).toHaveCount(2);
    await expect.poll(() => caller.said.some((l) => l.closed)).toBe(true);

    const flow = only(await hostReceived(crm), [
      "zcc-call-ringing",
      "zcc-screen-pop",
      "zcc-call-connected",
      "zcc-inbound-not-connected",
      "zcc-call-ended",
      "zcc-phone-call-log",
    ]);
    expect(flow.map((m) => m.type)).toEqual([
      "zcc-call-ringing",
      "zcc-screen-pop",
      "zcc-inbound-not-connected",
      "zcc-call-ringing",
      "zcc-screen-pop",
      "zcc-inbound-not-connected",
    ]);
    expect(flow[2].data).toEqual({ reasonCode: "missed", message: expect.any(String), engagementId: flow[0].data.engagementId });
    expect(flow[5].data).toEqual({
      reasonCode: "customer-hangup",
      message: "Consumer hung up.",
      engagementId: flow[0].data.engagementId,
    });
    expect(flow[1].data.id).toBe("+16505550123");
  });
});
