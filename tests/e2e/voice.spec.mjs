// Real two-way audio between two browsers on different origins: a customer on the demo
// customer website (its microphone plays 440 Hz) calls through the widget; an agent in the
// softphone on the demo CRM (microphone 1000 Hz) answers. Each must hear the other's tone
// within ±5 Hz, with no packet loss; hold and mute must cut the agent's tone at the
// customer; the CRM receives Zoom's inbound sequence; a customer who closes the tab sends
// the agent to wrap-up. Digits from the agent's keypad and from the host's zcc-send-dtmf
// reach the caller's leg as RFC 4733 events, in order.

import { test, expect } from "./fixtures/test.mjs";
import { measure, toneBrowser } from "./fixtures/audio.mjs";
import { DEMO_AGENTS } from "./fixtures/server.mjs";
import { readyAgent, websiteEntryPoint, withAgentAndCaller } from "./fixtures/voice.mjs";

const AT_AGENT = "return document.getElementById('remote-audio')";
const AT_CUSTOMER = "return document.querySelector('#callbar-widget').shadowRoot.querySelector('#callbar-remote-audio')";

test.setTimeout(90_000);

test("a website caller and an agent in the CRM hear each other; hold, mute and hang-up work", async ({
  playwright,
  launchOptions,
  callbar,
}) => {
  const agentBrowser = await toneBrowser(playwright, launchOptions, 1000);
  const customerBrowser = await toneBrowser(playwright, launchOptions, 440);
  try {
    // The agent signs in to the softphone in the demo CRM and becomes Ready.
    const { crm, phone, embed } = await readyAgent(agentBrowser, callbar, DEMO_AGENTS[0]);

    // The customer calls from a page of the customer website's origin (audio processing
    // off for measurable tones; otherwise the widget as any site includes it).
    const entryPoint = await websiteEntryPoint(callbar);
    const site = customerBrowser.pages()[0] ?? (await customerBrowser.newPage());
    await site.route(`${callbar.siteUrl}/voice-test`, (route) =>
      route.fulfill({
        contentType: "text/html",
        body: `<!doctype html><html lang="en"><title>Acme</title><body><h1>Acme</h1>
<script src="${callbar.url}/widget.js" data-entry-point="${entryPoint}" data-audio-processing="off" defer></script></body></html>`,
      }),
    );
    await site.goto(`${callbar.siteUrl}/voice-test`);
    const widget = site.locator("#callbar-widget");
    await widget.getByRole("button", { name: "Call us", exact: true }).click();
    await widget.getByLabel("Name").fill("Pat Doe");
    await widget.getByLabel("Phone").fill("+1 650 555 0123");
    await widget.getByRole("button", { name: "Call", exact: true }).click();
    await expect(widget.getByRole("status")).toHaveText(/Waiting for an agent|Connecting you to an agent/);

    // It rings in the softphone; the CRM looks the number up and pops Pat Doe.
    const card = phone.locator('article[data-state="ringing"]');
    await expect(card).toBeVisible();
    await expect(crm.locator('#log-entries [data-direction="in"][data-type="zcc-call-ringing"]')).toHaveCount(1);
    await card.getByRole("button", { name: "Accept" }).click();
    await expect(widget.getByRole("status")).toHaveText("Connected with Ada Lovelace");
    const live = phone.locator("article[data-engagement-id]").first();
    await expect(live.locator('.call[data-audio="connected"]')).toBeVisible();

    const atAgent = await measure(embed(), AT_AGENT, 1500);
    const atCustomer = await measure(site, AT_CUSTOMER, 1500);
    expect(Math.abs(atAgent.peak - 440)).toBeLessThanOrEqual(5);
    expect(Math.abs(atCustomer.peak - 1000)).toBeLessThanOrEqual(5);
    const lost = await embed().evaluate(async () => {
      const stats = await window.__callbarPeer.getStats();
      let lost = 0;
      let received = 0;
      stats.forEach((s) => {
        if (s.type === "inbound-rtp" && s.kind === "audio") {
          lost += s.packetsLost;
          received += s.packetsReceived;
        }
      });
      return { lost, received };
    });
    expect(lost.received).toBeGreaterThan(50);
    expect(lost.lost).toBe(0);

    // Hold: the customer hears the hold tone, not the agent; resume restores the agent.
    await live.getByRole("button", { name: "Hold" }).click();
    await expect(widget.getByRole("status")).toHaveText("On hold");
    await site.waitForTimeout(300); // what was already in the jitter buffer plays out
    const held = await measure(site, AT_CUSTOMER, 2200, [1000, 600]);
    expect(held.share[1000]).toBeLessThan(0.05);
    expect(held.share[600]).toBeGreaterThan(0.5); // the hold tone
    await live.getByRole("button", { name: "Hold" }).click();
    await expect(widget.getByRole("status")).toHaveText("Connected with Ada Lovelace");
    const resumed = await measure(site, AT_CUSTOMER, 1000);
    expect(Math.abs(resumed.peak - 1000)).toBeLessThanOrEqual(5);

    // Mute: the customer no longer hears the agent; the agent still hears the customer.
    await live.getByRole("button", { name: "Mute" }).click();
    await expect(live.getByRole("button", { name: "Mute" })).toHaveAttribute("aria-pressed", "true");
    await site.waitForTimeout(300);
    const muted = await measure(site, AT_CUSTOMER, 1000, [1000]);
    const stillHears = await measure(embed(), AT_AGENT, 1000);
    expect(muted.rms).toBeLessThan(0.01);
    expect(muted.share[1000]).toBeLessThan(0.05);
    expect(Math.abs(stillHears.peak - 440)).toBeLessThanOrEqual(5);
    await live.getByRole("button", { name: "Mute" }).click();

    // The customer closes the tab: the call ends and the agent is in wrap-up.
    await site.close();
    await expect(phone.locator("article[data-engagement-id]").first()).toHaveAttribute("data-state", "wrapup");

    // What the CRM received, oldest first.
    const types = (
      await crm.locator('#log-entries [data-direction="in"]').evaluateAll((els) => els.map((e) => e.dataset.type))
    ).reverse();
    const flow = types.filter((t) =>
      ["zcc-call-ringing", "zcc-incomingPhone-request", "zcc-screen-pop", "zcc-call-connected", "zcc-call-ended"].includes(t),
    );
    expect(flow).toEqual(["zcc-call-ringing", "zcc-incomingPhone-request", "zcc-screen-pop", "zcc-call-connected", "zcc-call-ended"]);
  } finally {
    await agentBrowser.close();
    await customerBrowser.close();
  }
});

test("digits from the agent's keypad and from zcc-send-dtmf reach the caller as RFC 4733 events, in order", async ({
  playwright,
  launchOptions,
  callbar,
}) => {
  // The caller is the media crate's WebRTC client (examples/widget_caller.rs): unlike a
  // browser, it reports the telephone-events that arrive on its leg.
  const fixtures = { playwright, launchOptions, callbar };
  await withAgentAndCaller(fixtures, DEMO_AGENTS[1], { phone: "+16505550199" }, async ({ crm, phone, caller }) => {
    const { said, digits } = caller;
    const card = phone.locator('article[data-state="ringing"]');
    await card.getByRole("button", { name: "Accept" }).click();
    await expect.poll(() => caller.reached("connected"), { timeout: 10_000 }).toBe(true);
    await expect.poll(() => said.some((l) => l.heard && Math.abs(l.heard - 1000) <= 5 && l.lost === 0)).toBe(true);

    // The agent opens the keypad and presses 1 2 # 9.
    const live = phone.locator("article[data-engagement-id]").first();
    await live.getByRole("button", { name: "Keypad" }).click();
    const keypad = live.getByRole("group", { name: "Keypad digits" });
    for (const key of ["1", "2", "#", "9"]) await keypad.getByRole("button", { name: key, exact: true }).click();
    await expect.poll(digits, { timeout: 10_000 }).toBe("12#9");

    // The host sends 4 * through the protocol and gets its answer.
    const engagementId = await live.getAttribute("data-engagement-id");
    await crm.evaluate(
      ([id, origin]) => {
        const frame = /** @type {HTMLIFrameElement} */ (document.getElementById("zoom-embeddable-phone-iframe"));
        frame.contentWindow?.postMessage(
          { type: "zcc-send-dtmf", data: { engagementId: id, digits: "4*", requestId: "dtmf-1" } },
          origin,
        );
      },
      [engagementId, callbar.url],
    );
    await expect(
      crm.locator('#log-entries [data-direction="in"][data-type="zcc-send-dtmf-response"]'),
    ).toHaveCount(1);
    await expect.poll(digits, { timeout: 10_000 }).toBe("12#94*");
  });
});
