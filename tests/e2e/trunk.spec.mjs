// Calls from the phone network: baresip (a real SIP phone, 440 Hz) calls a number of a
// Callbar server whose SIP trunk points at it; an agent in Chromium (microphone 1000 Hz)
// answers in the softphone on the demo CRM. Each hears the other within ±5 Hz; holding
// re-INVITEs the phone with `sendonly`; digits the caller presses reach the engagement and
// digits the agent presses reach the phone as RFC 4733 events; a burst of malformed SIP
// leaves the call's audio alone; the caller's BYE sends the agent to wrap-up. Cancelling
// while it rings, unknown numbers (404) and a full server (503) are tested too, and so are
// digits a caller signals in SIP INFO requests, required extensions (420), session timers
// (RFC 4028: granted, refreshed, expired; 422), ringback while an outbound call rings without
// early media, and the queue's outbound trunk (SIPp). So are callers answered while the
// database is locked, callers who cancel at once, and a server that stops mid-call.

import { spawn } from "node:child_process";
import dgram from "node:dgram";
import { once } from "node:events";
import path from "node:path";
import { test, expect } from "./fixtures/test.mjs";
import { measure, toneBrowser } from "./fixtures/audio.mjs";
import { DEMO_AGENTS, startCallbar } from "./fixtures/server.mjs";
import { freePort, readWavFile, sendGarbage, startBaresip, startSipp, toneShareOf } from "./fixtures/sip.mjs";
import { hostReceived, readyAgent } from "./fixtures/voice.mjs";

const AT_AGENT = "return document.getElementById('remote-audio')";
const NUMBER = "+15550100";

test.setTimeout(90_000);

/** @param {number} ms */
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/**
 * Takes the write lock of a server's database with the sqlite3 shell, as a long write by
 * another connection would, until `release()`. Release it within the server's 5 s busy
 * timeout: a write that waits longer fails, and the engine stops.
 * @param {string} dataDir
 */
async function lockDatabase(dataDir) {
  const shell = spawn("sqlite3", ["-batch", path.join(dataDir, "callbar.db")], { stdio: ["pipe", "pipe", "inherit"] });
  shell.stdin.write("BEGIN EXCLUSIVE;\nSELECT 'locked';\n");
  await new Promise((resolve) => shell.stdout.on("data", (d) => String(d).includes("locked") && resolve(undefined)));
  return {
    release: async () => {
      shell.stdin.end("ROLLBACK;\n.quit\n");
      await once(shell, "close");
    },
  };
}

/**
 * A Callbar server whose trunk is the phone at `phonePort`, with the number NUMBER routed
 * to the demo voice queue. Returns the server and its SIP URI for NUMBER.
 * @param {number} phonePort
 * @param {string[]} [args]
 */
async function trunkServer(phonePort, args = []) {
  const sipPort = await freePort();
  const callbar = await startCallbar({
    args: ["--sip-listen", `127.0.0.1:${sipPort}`, ...args],
    config: `[[trunks]]\nname = "carrier"\naddress = "127.0.0.1:${phonePort}"\n`,
  });
  const admin = await callbar.signIn();
  const { body } = await callbar.api("GET", "/api/v1/queues", { token: admin });
  const voice = body.queues.find((/** @type {any} */ q) => q.channel === "voice");
  const created = await callbar.api("POST", "/api/v1/entry-points", {
    token: admin,
    body: { name: "Main line", kind: "phone", address: NUMBER, queue: voice.id },
  });
  expect(created.status).toBe(201);
  const address = `127.0.0.1:${sipPort}`;
  return { callbar, admin, address, uri: (/** @type {string} */ number) => `sip:${number}@${address}` };
}

/**
 * A trunk server with an agent Ready in Chromium (microphone 1000 Hz), who accepts a call
 * from the SIPp caller `scenario`. `close()` stops SIPp, the browser and the server.
 * @param {any} playwright
 * @param {any} launchOptions
 * @param {string} scenario
 */
async function sippCallAccepted(playwright, launchOptions, scenario) {
  const sippPort = await freePort();
  const { callbar, admin, address } = await trunkServer(sippPort);
  const agentBrowser = await toneBrowser(playwright, launchOptions, 1000);
  /** @type {Awaited<ReturnType<typeof startSipp>> | undefined} */
  let sipp;
  const close = async () => {
    await sipp?.stop();
    await agentBrowser.close();
    await callbar.dispose();
  };
  try {
    const { phone: softphone } = await readyAgent(agentBrowser, callbar, DEMO_AGENTS[0]);
    sipp = await startSipp({ scenario, port: sippPort, remote: address, service: NUMBER });
    const card = softphone.locator('article[data-state="ringing"]');
    await expect(card).toBeVisible();
    await card.getByRole("button", { name: "Accept" }).click();
    return { callbar, admin, sipp, softphone, close };
  } catch (e) {
    await close();
    throw e;
  }
}

/**
 * The share of `hz` in the last whole second of what baresip has recorded so far. libsndfile
 * writes its buffer out in chunks, so during a call the file can end a little before what the
 * phone has heard: callers poll this rather than read it once.
 *
 * @param {{ received: () => Promise<string | null> }} phone
 * @param {number} hz
 */
async function lastSecondShare(phone, hz) {
  const heard = await phone.received();
  if (!heard) return 0;
  const { rate, samples } = await readWavFile(heard);
  const end = Math.floor(samples.length / rate);
  return end < 1 ? 0 : toneShareOf(heard, hz, { fromSec: end - 1, toSec: end });
}

/**
 * The states of the server's engagements, as "state: reason".
 * @param {Awaited<ReturnType<typeof startCallbar>>} callbar
 * @param {string} admin
 */
async function engagementStates(callbar, admin) {
  const { body } = await callbar.api("GET", "/api/v1/engagements", { token: admin });
  return body.engagements.map((/** @type {any} */ e) => `${e.state.state}: ${e.state.reason}`);
}

test("a phone caller and an agent hear each other; hold, DTMF both ways, a malformed SIP burst, BYE", async ({
  playwright,
  launchOptions,
}) => {
  // Pat Doe's number in the demo CRM: the host pops the contact.
  const phone = await startBaresip({ toneHz: 440, user: "+16505550123" });
  const { callbar, admin, uri } = await trunkServer(phone.sipPort);
  const agentBrowser = await toneBrowser(playwright, launchOptions, 1000);
  try {
    const { crm, phone: softphone, embed } = await readyAgent(agentBrowser, callbar, DEMO_AGENTS[0]);
    await phone.dial(uri(NUMBER));
    const card = softphone.locator('article[data-state="ringing"]');
    await expect(card).toBeVisible();
    await card.getByRole("button", { name: "Accept" }).click();
    await phone.waitFor("CALL_ESTABLISHED", 10_000);
    const live = softphone.locator("article[data-engagement-id]").first();
    await expect(live.locator('.call[data-audio="connected"]')).toBeVisible();
    const engagementId = await live.getAttribute("data-engagement-id");

    // Two-way audio (baresip records what it hears until the first hold: measure first).
    const atAgent = await measure(embed(), AT_AGENT, 1500);
    expect(Math.abs(atAgent.peak - 440)).toBeLessThanOrEqual(5);
    // The last whole second the phone heard (before it: ringback as early media).
    await expect.poll(() => lastSecondShare(phone, 1000)).toBeGreaterThan(0.5);
    // The server timed its share of the call's set-up from the INVITE: once, each stretch.
    const metrics = await (await fetch(`${callbar.url}/metrics`)).text();
    expect(metrics).toContain("callbar_call_setup_seconds_count 1\n");
    for (const stage of ["offer", "accept", "media"]) {
      expect(metrics).toContain(`callbar_call_setup_stage_seconds_count{stage="${stage}"} 1\n`);
    }

    // A burst of malformed SIP at the server's SIP port, from the trunk's address and from
    // elsewhere, while the call goes on: the audio does not notice.
    const sipPort = Number(new URL(uri(NUMBER).replace("sip:", "http://")).port);
    await sendGarbage("127.0.0.1", sipPort, 200);
    const afterBurst = await measure(embed(), AT_AGENT, 1000);
    expect(Math.abs(afterBurst.peak - 440)).toBeLessThanOrEqual(5);
    expect(phone.events.find((e) => e.type === "CALL_CLOSED")).toBeUndefined();

    // The caller presses 4 2: the engagement's CallerInput is "42".
    await phone.sendDtmf("42");
    await expect
      .poll(async () => (await callbar.api("GET", `/api/v1/engagements/${engagementId}`, { token: admin })).body.customVariables?.CallerInput)
      .toBe("42");
    // The agent presses 7 on the keypad: the phone hears it as an RFC 4733 event.
    await live.getByRole("button", { name: "Keypad" }).click();
    await live.getByRole("group", { name: "Keypad digits" }).getByRole("button", { name: "7", exact: true }).click();
    await expect.poll(() => phone.dtmfReceived().join("")).toBe("7");

    // Hold: a re-INVITE with sendonly that the phone answers (recvonly); resume: sendrecv.
    await live.getByRole("button", { name: "Hold" }).click();
    await expect.poll(() => phone.events.filter((e) => e.type === "CALL_REMOTE_SDP").length).toBeGreaterThanOrEqual(2);
    await live.getByRole("button", { name: "Hold" }).click();
    await expect.poll(() => phone.events.filter((e) => e.type === "CALL_REMOTE_SDP").length).toBeGreaterThanOrEqual(3);
    const stillHears = await measure(embed(), AT_AGENT, 1000);
    expect(Math.abs(stillHears.peak - 440)).toBeLessThanOrEqual(5);

    // The caller hangs up: BYE; the agent is in wrap-up, the host saw the inbound sequence.
    await phone.hangup();
    await expect(live).toHaveAttribute("data-state", "wrapup");
    const flow = (await hostReceived(crm))
      .map((m) => m.type)
      .filter((t) => ["zcc-call-ringing", "zcc-screen-pop", "zcc-call-connected", "zcc-call-ended"].includes(t));
    expect(flow).toEqual(["zcc-call-ringing", "zcc-screen-pop", "zcc-call-connected", "zcc-call-ended"]);
    const ringing = (await hostReceived(crm)).find((m) => m.type === "zcc-call-ringing");
    expect(ringing?.data).toMatchObject({ from: "+16505550123", to: NUMBER, channel: "voice" });
  } finally {
    await agentBrowser.close();
    await phone.stop();
    await callbar.dispose();
  }
});

test("a caller that sends its digits as SIP INFO: they reach the engagement; an unreadable one gets 400", async ({
  playwright,
  launchOptions,
}) => {
  // INFO dtmf-relay "Signal=4" and application/dtmf "2", each answered 200, then
  // "Signal=X", which must be answered 400: SIPp exits 0 only if all of that happened.
  const { callbar, admin, sipp, softphone, close } = await sippCallAccepted(playwright, launchOptions, "uac-info-dtmf");
  try {
    const live = softphone.locator("article[data-engagement-id]").first();
    const engagementId = await live.getAttribute("data-engagement-id");
    const result = await sipp.done;
    expect(result.code, `${await sipp.errors()}\n${result.stdout.slice(-3000)}`).toBe(0);
    const refused = (await sipp.messages()).find((m) => m.direction === "received" && m.status === 400);
    expect(refused?.header("Warning")).toMatch(/^399 callbar "Signal must be one digit/);
    await expect
      .poll(async () => (await callbar.api("GET", `/api/v1/engagements/${engagementId}`, { token: admin })).body.customVariables?.CallerInput)
      .toBe("42");
  } finally {
    await close();
  }
});

test("INVITEs Callbar cannot take as asked: an unsupported required extension gets 420, a session interval below 90 s 422; neither creates anything", async () => {
  const sippPort = await freePort();
  const { callbar, admin, address: server } = await trunkServer(sippPort);
  try {
    for (const [scenario, logged] of /** @type {const} */ ([
      // Require: 100rel, timer: session timers are supported, reliable provisionals are not.
      ["uac-require", /^unsupported= *100rel$/m],
      ["uac-session-too-small", /^min-se= *90$/m],
    ])) {
      const sipp = await startSipp({ scenario, port: sippPort, remote: server, service: NUMBER });
      try {
        const result = await sipp.done;
        expect(result.code, `${scenario}: ${await sipp.errors()}\n${result.stdout.slice(-3000)}`).toBe(0);
        expect((await sipp.logs()).join("\n")).toMatch(logged);
      } finally {
        await sipp.stop();
      }
    }
    const { status, body } = await callbar.api("GET", "/api/v1/engagements", { token: admin });
    expect(status).toBe(200);
    expect(body.engagements).toEqual([]);
  } finally {
    await callbar.dispose();
  }
});

test("while the database is locked, callers still get early media: one call's engagement does not hold up the next caller's 183", async () => {
  const sippPort = await freePort();
  const { callbar, admin, address: server } = await trunkServer(sippPort);
  const lock = await lockDatabase(callbar.dataDir);
  let locked = true;
  try {
    // Two callers, each cancelling once its 183 arrives. The first call's engagement cannot
    // be logged until the lock goes; the second caller must get its 183 regardless.
    const sipp = await startSipp({ scenario: "uac-cancel-at-once", port: sippPort, remote: server, service: NUMBER, calls: 2 });
    try {
      const result = await Promise.race([sipp.done, sleep(3_000).then(() => null)]);
      expect(result, "the second caller got no 183 while the first call's engagement waited for the database").not.toBeNull();
      expect(result?.code, `${await sipp.errors()}\n${result?.stdout.slice(-3000)}`).toBe(0);
    } finally {
      await lock.release();
      locked = false;
      await sipp.stop();
    }
    // Once the database is free, both engagements are created and end abandoned.
    await expect.poll(() => engagementStates(callbar, admin)).toEqual(Array(2).fill("abandoned: customerLeft"));
  } finally {
    if (locked) await lock.release();
    await callbar.dispose();
  }
});

test("callers who hang up the moment early media starts: every engagement is created, then abandoned; none stays queued; the server stops without waiting", async () => {
  const sippPort = await freePort();
  const { callbar, admin, address: server } = await trunkServer(sippPort);
  try {
    // Five callers in a row, each sending CANCEL as soon as the 183 arrives, while the server
    // may still be creating the call's engagement. Nobody is Ready, so a lost CANCEL would
    // leave its engagement queued.
    const sipp = await startSipp({ scenario: "uac-cancel-at-once", port: sippPort, remote: server, service: NUMBER, calls: 5 });
    try {
      const result = await sipp.done;
      expect(result.code, `${await sipp.errors()}\n${result.stdout.slice(-3000)}`).toBe(0);
    } finally {
      await sipp.stop();
    }
    await expect.poll(() => engagementStates(callbar, admin)).toEqual(Array(5).fill("abandoned: customerLeft"));
    // A graceful stop with a trunk configured: nothing is left running, so the server does
    // not wait out its drain time.
    await callbar.stop();
    expect(callbar.tail(200)).toContain("shutting down");
    expect(callbar.tail(200)).not.toContain("still open");
  } finally {
    await callbar.dispose();
  }
});

test("a server that stops tells its trunk: a caller waiting in the queue gets 503, so the trunk can try another server", async () => {
  const sippPort = await freePort();
  const { callbar, admin, address: server } = await trunkServer(sippPort);
  const sipp = await startSipp({ scenario: "uac-wait", port: sippPort, remote: server, service: NUMBER });
  try {
    const queued = async () => (await callbar.api("GET", "/api/v1/engagements", { token: admin })).body.engagements.length;
    await expect.poll(queued).toBe(1);
    await callbar.stop();
    // SIPp exits 0 only if the 503 came (it waits 30 s for it).
    const result = await sipp.done;
    expect(result.code, `${await sipp.errors()}\n${result.stdout.slice(-3000)}`).toBe(0);
    expect(callbar.tail(200)).toContain("ending the SIP calls in progress");
    expect(callbar.tail(200)).not.toContain("still open");
  } finally {
    await sipp.stop();
    await callbar.dispose();
  }
});

test("a server that stops tells its trunk: an answered call gets BYE", async ({ playwright, launchOptions }) => {
  const { callbar, sipp, close } = await sippCallAccepted(playwright, launchOptions, "uac-answered");
  try {
    await sipp.waitForLog(/^answered$/, 15_000);
    await callbar.stop();
    // SIPp exits 0 only if the BYE came (it waits 60 s for it) and it answered it.
    const result = await sipp.done;
    expect(result.code, `${await sipp.errors()}\n${result.stdout.slice(-3000)}`).toBe(0);
    expect((await sipp.logs()).join("\n")).toMatch(/^bye$/m);
    expect(callbar.tail(200)).toContain("ending the SIP calls in progress");
  } finally {
    await close();
  }
});

test("session timers: the caller's interval is granted with the caller refreshing; without a refresh the call ends with BYE", async ({
  playwright,
  launchOptions,
}) => {
  test.setTimeout(150_000);
  // SIPp checks the 200 OK (Session-Expires: 90;refresher=uac, Require: timer) and the
  // 200 to its UPDATE refresh, then waits for the server's BYE.
  const { sipp, softphone, close } = await sippCallAccepted(playwright, launchOptions, "uac-session-timer");
  try {
    const live = softphone.locator("article[data-engagement-id]").first();
    await sipp.waitForLog(/^refreshed session-expires= *90;refresher=uac$/, 15_000);
    const result = await sipp.done;
    expect(result.code, `${await sipp.errors()}\n${result.stdout.slice(-3000)}`).toBe(0);
    // The BYE came 60 s after the refresh (90 s less 30), not earlier: the refresh counted.
    const messages = await sipp.messages();
    const update = messages.find((m) => m.direction === "sent" && m.method === "UPDATE");
    const bye = messages.find((m) => m.direction === "received" && m.method === "BYE");
    const seconds = (/** @type {string} */ t) => Date.parse(t.replace(" ", "T") + "Z") / 1000;
    const waited = seconds(/** @type {any} */ (bye).time) - seconds(/** @type {any} */ (update).time);
    expect(waited).toBeGreaterThan(58);
    expect(waited).toBeLessThan(63);
    await expect(live).toHaveAttribute("data-state", "wrapup");
  } finally {
    await close();
  }
});

test("a caller who hangs up while it rings, an unknown number, and a full server", async ({ playwright, launchOptions }) => {
  const phone = await startBaresip({ toneHz: 440, user: "+16505550123" });
  // Four media ports, three of them taken by another program: one call fits, the next
  // finds the server full.
  const first = 30000 + 4 * Math.floor(Math.random() * 2000);
  const squatters = await Promise.all(
    [1, 2, 3].map(async (i) => {
      const socket = dgram.createSocket("udp4");
      await new Promise((resolve) => socket.bind(first + i, "127.0.0.1", () => resolve(undefined)));
      return socket;
    }),
  );
  const { callbar, uri } = await trunkServer(phone.sipPort, ["--media-ports", `${first}-${first + 3}`]);
  const agentBrowser = await toneBrowser(playwright, launchOptions, 1000);
  try {
    const { crm, phone: softphone } = await readyAgent(agentBrowser, callbar, DEMO_AGENTS[0]);

    // Ringing at the agent, the caller gives up: CANCEL → zcc-inbound-not-connected.
    await phone.dial(uri(NUMBER));
    await expect(softphone.locator('article[data-state="ringing"]')).toBeVisible();
    await phone.hangup();
    const notConnected = crm.locator('#log-entries [data-direction="in"][data-type="zcc-inbound-not-connected"]');
    await expect(notConnected).toHaveCount(1);
    const [message] = (await hostReceived(crm)).filter((m) => m.type === "zcc-inbound-not-connected");
    expect(message.data).toMatchObject({ reasonCode: "customer-hangup" });
    await phone.waitFor("CALL_CLOSED");

    // A number that is not an entry point: 404, and nothing rings.
    await phone.dial(uri("+15559999"));
    const closed = await phone.waitFor((e) => e.type === "CALL_CLOSED" && /404/.test(String(e.param)), 5_000);
    expect(closed.param).toMatch(/404 Not Found/);

    // The agent is busy elsewhere (Not Ready), one call waits holding the only media port;
    // the next is refused with 503.
    await softphone.getByLabel("Status", { exact: true }).selectOption({ label: "Not Ready: Lunch" });
    const other = await startBaresip({ toneHz: 440, user: "+14155550182" });
    try {
      await other.dial(uri(NUMBER));
      await other.waitFor((e) => e.type === "CALL_REMOTE_SDP" || e.type === "CALL_PROGRESS", 5_000).catch(() => {});
      await sleep(500);
      await phone.dial(uri(NUMBER));
      const full = await phone.waitFor((e) => e.type === "CALL_CLOSED" && /503/.test(String(e.param)), 5_000);
      expect(full.param).toMatch(/503/);
      expect(other.events.find((e) => e.type === "CALL_CLOSED")).toBeUndefined();
    } finally {
      await other.stop();
    }
  } finally {
    await agentBrowser.close();
    await phone.stop();
    await callbar.dispose();
    for (const socket of squatters) socket.close();
  }
});

test("click-to-dial from the CRM: the phone answers, both hear each other, the call log says outbound", async ({
  playwright,
  launchOptions,
}) => {
  // The called phone answers by itself; it is Pat Doe's number in the demo CRM.
  const phone = await startBaresip({ toneHz: 440, user: "+16505550123", autoAnswer: true });
  const { callbar } = await trunkServer(phone.sipPort);
  const agentBrowser = await toneBrowser(playwright, launchOptions, 1000);
  try {
    const { crm, phone: softphone, embed } = await readyAgent(agentBrowser, callbar, DEMO_AGENTS[0]);
    await crm.getByRole("button", { name: "Call Pat Doe at +16505550123" }).click();
    await phone.waitFor("CALL_ESTABLISHED", 10_000);
    const live = softphone.locator("article[data-engagement-id]").first();
    await expect(live.locator('.call[data-audio="connected"]')).toBeVisible();
    await expect(crm.locator('#log-entries [data-direction="in"][data-type="zcc-call-connected"]')).toHaveCount(1);

    const atAgent = await measure(embed(), AT_AGENT, 1500);
    expect(Math.abs(atAgent.peak - 440)).toBeLessThanOrEqual(5);
    await expect.poll(() => lastSecondShare(phone, 1000)).toBeGreaterThan(0.5);

    // The agent hangs up (BYE to the phone) and closes wrap-up: the log is outbound.
    await live.getByRole("button", { name: "Hang up" }).click();
    await phone.waitFor("CALL_CLOSED");
    await live.getByRole("button", { name: "Close wrap-up" }).click();
    await expect(crm.locator('#log-entries [data-direction="in"][data-type="zcc-phone-call-log"]')).toHaveCount(1);
    const received = await hostReceived(crm);
    const flow = received
      .map((m) => m.type)
      .filter((t) => ["zcc-outbound-call-started", "zcc-call-connected", "zcc-call-ended", "zcc-phone-call-log"].includes(t));
    expect(flow).toEqual(["zcc-outbound-call-started", "zcc-call-connected", "zcc-call-ended", "zcc-phone-call-log"]);
    const started = received.find((m) => m.type === "zcc-outbound-call-started");
    expect(started?.data).toMatchObject({ to: "+16505550123" });
    expect(received.find((m) => m.type === "zcc-call-connected")?.data).toMatchObject({ direction: "outbound" });
    const log = received.find((m) => m.type === "zcc-phone-call-log")?.data;
    expect(log.objectRecord).toMatchObject({ callType: "outbound", to: "+16505550123" });
    expect(log.user?.id).toBe("C-1001");
  } finally {
    await agentBrowser.close();
    await phone.stop();
    await callbar.dispose();
  }
});

test("calls that do not connect say why (dialpad and onclicktoact): busy, no answer, invalid number, declined, cancelled", async ({
  playwright,
  launchOptions,
}) => {
  const peerPort = await freePort();
  const { callbar } = await trunkServer(peerPort);
  const agentBrowser = await toneBrowser(playwright, launchOptions, 1000);
  try {
    const { crm, phone: softphone } = await readyAgent(agentBrowser, callbar, DEMO_AGENTS[0]);
    const dial = () =>
      crm.evaluate(
        ([origin]) => {
          const frame = /** @type {HTMLIFrameElement} */ (document.getElementById("zoom-embeddable-phone-iframe"));
          frame.contentWindow?.postMessage({ type: "onclicktoact", data: { phone: "+1 (415) 555-0199" } }, origin);
        },
        [callbar.url],
      );
    const cases = [
      ["uas-busy", "outbound-call-busy"],
      ["uas-no-answer-480", "outbound-call-no-answer"],
      ["uas-timeout-408", "outbound-call-no-answer"],
      ["uas-not-found", "outbound-call-invalid-number"],
      ["uas-address-incomplete", "outbound-call-invalid-number"],
      ["uas-decline", "outbound-call-declined"],
      ["uas-ring-forever", "outbound-call-canceled"],
    ];
    const notConnected = crm.locator('#log-entries [data-direction="in"][data-type="zcc-outbound-not-connected"]');
    for (const [i, [scenario, reason]] of cases.entries()) {
      const sipp = await startSipp({ scenario, port: peerPort });
      try {
        if (i === 0) {
          // The first from the softphone's own dialpad, the others from the host.
          await softphone.getByLabel("Number to call").fill("+1 415 555 0199");
          await softphone.getByRole("button", { name: "Dial", exact: true }).click();
        } else {
          await dial();
        }
        const live = softphone.locator("article[data-engagement-id]").first();
        if (scenario === "uas-ring-forever") {
          // The agent gives up while it rings: CANCEL, and the peer answers 487.
          await sipp.waitForMessage(/180 Ringing/, 5_000);
          await live.getByRole("button", { name: "Hang up" }).click();
        }
        await expect(notConnected).toHaveCount(i + 1, { timeout: 10_000 });
        const messages = (await hostReceived(crm)).filter((m) => m.type === "zcc-outbound-not-connected");
        expect(messages[i].data.reasonCode, scenario).toBe(reason);
        expect((await sipp.done).code, `${scenario}: SIPp saw the exchange it expects`).toBe(0);
        await expect(live).toHaveAttribute("data-state", "wrapup");
        await live.getByRole("button", { name: "Close wrap-up" }).click();
        await expect(softphone.locator("article[data-engagement-id]")).toHaveCount(0);
      } finally {
        await sipp.stop();
      }
    }
  } finally {
    await agentBrowser.close();
    await callbar.dispose();
  }
});

test("a trunk with registration registers, answering the registrar's digest challenge", async () => {
  const peerPort = await freePort();
  const sipp = await startSipp({ scenario: "uas-register", port: peerPort });
  const sipPort = await freePort();
  const callbar = await startCallbar({
    args: ["--sip-listen", `127.0.0.1:${sipPort}`],
    config: [
      "[[trunks]]",
      'name = "carrier"',
      `address = "127.0.0.1:${peerPort}"`,
      'username = "trunkuser"',
      'password = "trunk-secret-1234"',
      "register = true",
      "",
    ].join("\n"),
  });
  try {
    expect((await sipp.done).code).toBe(0);
    const sent = (await sipp.messages()).filter((m) => m.direction === "sent").map((m) => m.status);
    expect(sent).toEqual([401, 200]);
    await expect.poll(() => callbar.output.some((line) => line.includes("registered with the trunk"))).toBe(true);
    // The password never reaches the log.
    expect(callbar.output.join("\n")).not.toContain("trunk-secret-1234");
  } finally {
    await sipp.stop();
    await callbar.dispose();
  }
});

test("a trunk that cannot be reached: the call says so after RFC 3261's 32 s (TCP, nobody listening)", async ({
  playwright,
  launchOptions,
}) => {
  const closedPort = await freePort();
  const sipPort = await freePort();
  const callbar = await startCallbar({
    args: ["--sip-listen", `127.0.0.1:${sipPort}`],
    config: `[[trunks]]\nname = "carrier"\naddress = "127.0.0.1:${closedPort}"\ntransport = "tcp"\n`,
  });
  const agentBrowser = await toneBrowser(playwright, launchOptions, 1000);
  try {
    const { crm, phone: softphone } = await readyAgent(agentBrowser, callbar, DEMO_AGENTS[0]);
    await softphone.getByLabel("Number to call").fill("+14155550199");
    await softphone.getByRole("button", { name: "Dial", exact: true }).click();
    const notConnected = crm.locator('#log-entries [data-direction="in"][data-type="zcc-outbound-not-connected"]');
    // No connection: the INVITE is retried until Timer B (64 × T1 = 32 s) gives up.
    await expect(notConnected).toHaveCount(1, { timeout: 45_000 });
    const [message] = (await hostReceived(crm)).filter((m) => m.type === "zcc-outbound-not-connected");
    expect(message.data).toMatchObject({
      reasonCode: "outbound-call-customer-unreachable",
      message: "Couldn't reach the consumer.",
    });
    await expect(softphone.locator("article[data-engagement-id]").first()).toHaveAttribute("data-state", "wrapup");
  } finally {
    await agentBrowser.close();
    await callbar.dispose();
  }
});

test("an outbound call that rings without early media: the agent hears ringback until the answer", async ({
  playwright,
  launchOptions,
}) => {
  // The phone sends 180 Ringing without SDP and answers 4 s later, echoing what it hears.
  const peerPort = await freePort();
  const sipp = await startSipp({ scenario: "uas-answer", port: peerPort, extraArgs: ["-d", "4000"] });
  const { callbar } = await trunkServer(peerPort);
  const agentBrowser = await toneBrowser(playwright, launchOptions, 1000);
  try {
    const { phone: softphone, embed } = await readyAgent(agentBrowser, callbar, DEMO_AGENTS[0]);
    await softphone.getByLabel("Number to call").fill("+14155550199");
    await softphone.getByRole("button", { name: "Dial", exact: true }).click();
    const live = softphone.locator("article[data-engagement-id]").first();
    await expect(live.locator('.call[data-audio="alerting"]')).toBeVisible();
    await expect(live.locator(".call-status")).toHaveText("Ringing…");
    // 440 Hz + 480 Hz, on for the first 2 s of every 6.
    const ringback = await measure(embed(), "return document.getElementById('ringback-audio')", 1000, [440, 480]);
    expect(ringback.share[440] + ringback.share[480]).toBeGreaterThan(0.8);

    // The answer: the ringback stops, the call's audio (the agent's own 1000 Hz, echoed) plays.
    await sipp.waitForLog(/^answered$/, 10_000);
    await expect(live.locator('.call[data-audio="connected"]')).toBeVisible();
    await expect.poll(() => embed().evaluate(() => /** @type {HTMLAudioElement} */ (document.getElementById("ringback-audio")).paused)).toBe(true);
    const atAgent = await measure(embed(), AT_AGENT, 1000);
    expect(Math.abs(atAgent.peak - 1000)).toBeLessThanOrEqual(5);
    await live.getByRole("button", { name: "Hang up" }).click();
    await sipp.waitForLog(/^bye$/, 5_000);
  } finally {
    await sipp.stop();
    await agentBrowser.close();
    await callbar.dispose();
  }
});

test("a queue's outbound trunk carries the calls its agents place", async ({ playwright, launchOptions }) => {
  const [first, second] = [await freePort(), await freePort()];
  const carrier = await startSipp({ scenario: "uas-answer", port: first });
  const backup = await startSipp({ scenario: "uas-answer", port: second });
  const callbar = await startCallbar({
    args: ["--sip-listen", `127.0.0.1:${await freePort()}`],
    config: `[[trunks]]\nname = "carrier"\naddress = "127.0.0.1:${first}"\n\n[[trunks]]\nname = "backup"\naddress = "127.0.0.1:${second}"\n`,
  });
  const agentBrowser = await toneBrowser(playwright, launchOptions, 1000);
  try {
    const admin = await callbar.signIn();
    const { body } = await callbar.api("GET", "/api/v1/queues", { token: admin });
    const voice = body.queues.find((/** @type {any} */ q) => q.channel === "voice");
    const unknown = await callbar.api("PATCH", `/api/v1/queues/${voice.id}/routing`, { token: admin, body: { outboundTrunk: "other" } });
    expect(unknown.status).toBe(400);
    const set = await callbar.api("PATCH", `/api/v1/queues/${voice.id}/routing`, { token: admin, body: { outboundTrunk: "backup" } });
    expect(set.status).toBe(200);

    const { phone: softphone } = await readyAgent(agentBrowser, callbar, DEMO_AGENTS[0]);
    await softphone.getByLabel("Number to call").fill("+14155550199");
    await softphone.getByRole("button", { name: "Dial", exact: true }).click();
    await backup.waitForLog(/^answered$/, 10_000);
    const live = softphone.locator("article[data-engagement-id]").first();
    await expect(live.locator('.call[data-audio="connected"]')).toBeVisible();
    await live.getByRole("button", { name: "Hang up" }).click();
    await backup.waitForLog(/^bye$/, 5_000);
    // The first trunk, the default without the setting, was never called.
    expect(await carrier.messages()).toEqual([]);
  } finally {
    await carrier.stop();
    await backup.stop();
    await agentBrowser.close();
    await callbar.dispose();
  }
});

test("hold toward a SIP peer is a sendonly re-INVITE it answers; resume is sendrecv", async ({ playwright, launchOptions }) => {
  const peerPort = await freePort();
  const sipp = await startSipp({ scenario: "uas-answer", port: peerPort });
  const { callbar } = await trunkServer(peerPort);
  const agentBrowser = await toneBrowser(playwright, launchOptions, 1000);
  try {
    const { phone: softphone } = await readyAgent(agentBrowser, callbar, DEMO_AGENTS[0]);
    await softphone.getByLabel("Number to call").fill("+14155550199");
    await softphone.getByRole("button", { name: "Dial", exact: true }).click();
    await sipp.waitForLog(/^answered$/, 10_000);
    const live = softphone.locator("article[data-engagement-id]").first();
    await expect(live.locator('.call[data-audio="connected"]')).toBeVisible();
    await live.getByRole("button", { name: "Hold" }).click();
    await sipp.waitForLog(/offered=sendonly answered=recvonly$/, 5_000);
    await live.getByRole("button", { name: "Hold" }).click();
    await sipp.waitForLog(/offered=sendrecv answered=sendrecv$/, 5_000);
    await live.getByRole("button", { name: "Hang up" }).click();
    await sipp.waitForLog(/^bye$/, 5_000);
    expect((await sipp.done).code).toBe(0);
  } finally {
    await sipp.stop();
    await agentBrowser.close();
    await callbar.dispose();
  }
});
