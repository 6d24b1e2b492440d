// The SIP test peers themselves (fixtures/sip.mjs, tests/sip/*.xml), without a Callbar
// server: baresip against SIPp scenarios and against another baresip. This is the contract
// the SIP trunk's tests and benchmark rely on — if one of these fails, fix the harness
// before reading anything into a trunk test. Calls are kept to a few seconds: CPU is scarce.

import { expect, test } from "@playwright/test";

import { sendGarbage, sippCallCounts, startBaresip, startSipp, toneShareOf } from "./fixtures/sip.mjs";

/** @param {number} ms */
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/**
 * Runs `body` with the peers it starts, stopping every one of them afterwards.
 * @template T
 * @param {(track: <P extends { stop: () => Promise<void> }>(peer: Promise<P>) => Promise<P>) => Promise<T>} body
 */
async function withPeers(body) {
  /** @type {{ stop: () => Promise<void> }[]} */
  const peers = [];
  try {
    return await body(async (peer) => {
      const p = await peer;
      peers.push(p);
      return p;
    });
  } finally {
    await Promise.all(peers.map((p) => p.stop()));
  }
}

test("baresip calls SIPp's answering peer: echoed tone, hold and resume re-INVITEs answered, BYE", async () => {
  await withPeers(async (track) => {
    const sipp = await track(startSipp({ scenario: "uas-answer" }));
    const phone = await track(startBaresip({ toneHz: 440 }));

    await phone.dial(sipp.uri);
    const established = await phone.waitFor("CALL_ESTABLISHED", 5_000);
    expect(established).toMatchObject({ class: "call", direction: "outgoing", peeruri: sipp.uri });
    await sipp.waitForLog(/^answered$/);
    // baresip records what it hears only until the first hold (see fixtures/sip.mjs): talk first.
    await sleep(1_600);

    await phone.hold();
    const held = await sipp.waitForLog(/^reinvite /);
    expect(held).toMatch(/offered=sendonly answered=recvonly$/);
    await sleep(300);
    await phone.resume();
    await sipp.waitForLog(/offered=sendrecv answered=sendrecv$/);
    await sleep(300);
    expect(phone.events.find((e) => e.type === "CALL_CLOSED")).toBeUndefined();

    await phone.hangup();
    const closed = await phone.waitFor("CALL_CLOSED", 5_000);
    expect(closed.param).toBe("Connection reset by user");
    const { code } = await sipp.done;
    expect(code).toBe(0);

    const messages = await sipp.messages();
    const summary = messages.map((m) => `${m.direction === "sent" ? ">" : "<"} ${m.status ?? m.method}`);
    expect(summary).toEqual([
      "< INVITE", "> 100", "> 180", "> 200", "< ACK",
      "< INVITE", "> 200", "< ACK",
      "< INVITE", "> 200", "< ACK",
      "< BYE", "> 200",
    ]);
    const reinvites = messages.filter((m) => m.method === "INVITE" && m.status === null).slice(1);
    expect(reinvites.map((m) => m.direction_sdp)).toEqual(["sendonly", "sendrecv"]);
    const answers = messages.filter((m) => m.direction === "sent" && m.status === 200 && m.method === "INVITE");
    expect(answers.map((m) => m.direction_sdp)).toEqual(["sendrecv", "recvonly", "sendrecv"]);
    expect(messages[0].body).toMatch(/^m=audio \d+ RTP\/AVP 0 101$/m);

    const heard = await phone.received();
    expect(heard).not.toBeNull();
    expect(await toneShareOf(/** @type {string} */ (heard), 440, { fromSec: 0.4, toSec: 1.4 })).toBeGreaterThan(0.5);
  });
});

/** Each refusing SIPp peer, and the final status baresip must report in CALL_CLOSED. */
const REFUSALS = [
  { scenario: "uas-busy", status: "486 Busy Here", ringing: false },
  { scenario: "uas-no-answer-480", status: "480 Temporarily Unavailable", ringing: true },
  { scenario: "uas-timeout-408", status: "408 Request Timeout", ringing: false },
  { scenario: "uas-not-found", status: "404 Not Found", ringing: false },
  { scenario: "uas-address-incomplete", status: "484 Address Incomplete", ringing: false },
  { scenario: "uas-decline", status: "603 Decline", ringing: false },
];

test("refusing SIPp peers: baresip sees each final status, SIPp gets the ACK", async () => {
  await withPeers(async (track) => {
    const phone = await track(startBaresip());
    for (const { scenario, status, ringing } of REFUSALS) {
      const sipp = await startSipp({ scenario });
      try {
        const after = phone.events.length;
        await phone.dial(sipp.uri);
        const closed = await phone.waitFor("CALL_CLOSED", 5_000, { after });
        expect(closed.param, scenario).toBe(status);
        const types = phone.events.slice(after).map((e) => e.type);
        expect(types.includes("CALL_RINGING"), scenario).toBe(ringing);
        expect(types, scenario).not.toContain("CALL_ESTABLISHED");
        const { code } = await sipp.done;
        expect(code, scenario).toBe(0);
        const summary = (await sipp.messages()).map((m) => `${m.direction === "sent" ? ">" : "<"} ${m.status ?? m.method}`);
        const code3 = status.slice(0, 3);
        expect(summary, scenario).toEqual(["< INVITE", "> 100", ...(ringing ? ["> 180"] : []), `> ${code3}`, "< ACK"]);
      } finally {
        await sipp.stop();
      }
    }
  });
});

test("a peer that rings forever: baresip hangs up while ringing, SIPp answers the CANCEL and 487s the INVITE", async () => {
  await withPeers(async (track) => {
    const sipp = await track(startSipp({ scenario: "uas-ring-forever" }));
    const phone = await track(startBaresip());
    await phone.dial(sipp.uri);
    await phone.waitFor("CALL_RINGING", 5_000);
    await sleep(300);
    await phone.hangup();
    const closed = await phone.waitFor("CALL_CLOSED", 5_000);
    expect(closed.param).toBe("Connection reset by user");
    expect((await sipp.done).code).toBe(0);
    const messages = await sipp.messages();
    expect(messages.map((m) => `${m.direction === "sent" ? ">" : "<"} ${m.status ?? m.method}`)).toEqual([
      "< INVITE", "> 100", "> 180", "< CANCEL", "> 200", "> 487", "< ACK",
    ]);
    const [invite, , , , okCancel, terminated] = messages;
    expect(okCancel.header("CSeq")).toMatch(/ CANCEL$/);
    expect(terminated.header("CSeq")).toBe(invite.header("CSeq"));
  });
});

test("two baresips: auto-answer, tones both ways, RFC 4733 DTMF reported by the receiver", async () => {
  await withPeers(async (track) => {
    const callee = await track(startBaresip({ toneHz: 1000, autoAnswer: true, user: "callee" }));
    const caller = await track(startBaresip({ toneHz: 440 }));
    await caller.dial(callee.uri);
    await caller.waitFor("CALL_ESTABLISHED", 5_000);
    const answered = await callee.waitFor("CALL_ESTABLISHED", 5_000);
    expect(answered).toMatchObject({ direction: "incoming", peeruri: "sip:test@127.0.0.1" });
    await sleep(1_000);

    await caller.sendDtmf("159#*0", 150);
    await callee.sendDtmf("7", 150);
    await expect.poll(() => callee.dtmfReceived().join(""), { timeout: 3_000 }).toBe("159#*0");
    await expect.poll(() => caller.dtmfReceived().join(""), { timeout: 3_000 }).toBe("7");
    // Each digit's end comes as CALL_DTMF_END (no param) once the event's end packets arrive.
    await expect.poll(() => callee.events.filter((e) => e.type === "CALL_DTMF_END").length, { timeout: 3_000 }).toBe(6);

    await callee.hangup();
    expect((await caller.waitFor("CALL_CLOSED", 5_000)).param).toBe("Connection reset by peer");
    expect((await callee.waitFor("CALL_CLOSED", 5_000)).param).toBe("Connection reset by user");

    const callerHeard = /** @type {string} */ (await caller.received());
    const calleeHeard = /** @type {string} */ (await callee.received());
    expect(await toneShareOf(callerHeard, 1000, { fromSec: 0.3, toSec: 1.3 })).toBeGreaterThan(0.5);
    expect(await toneShareOf(calleeHeard, 440, { fromSec: 0.3, toSec: 1.3 })).toBeGreaterThan(0.5);
  });
});

test("SIPp's load caller: INVITE, RTP tone from rtp_stream, BYE after -d", async () => {
  await withPeers(async (track) => {
    const callee = await track(startBaresip({ toneHz: 1000, autoAnswer: true }));
    const sipp = await track(
      startSipp({ scenario: "uac-load", remote: `127.0.0.1:${callee.sipPort}`, service: "test", calls: 1, extraArgs: ["-d", "1500"] }),
    );
    const { code, stdout } = await sipp.done;
    expect(code).toBe(0);
    expect(sippCallCounts(stdout)).toEqual({ created: 1, successful: 1, failed: 0 });
    const closed = await callee.waitFor("CALL_CLOSED", 5_000);
    expect(closed.param).toBe("Connection reset by peer");
    const summary = (await sipp.messages()).map((m) => `${m.direction === "sent" ? ">" : "<"} ${m.status ?? m.method}`);
    expect(summary).toEqual(["> INVITE", "< 180", "< 200", "> ACK", "> BYE", "< 200"]);
    const heard = /** @type {string} */ (await callee.received());
    expect(await toneShareOf(heard, 440, { fromSec: 0.3, toSec: 1.3 })).toBeGreaterThan(0.5);
  });
});

test("malformed SIP: every kind is sent, and a SIP stack on the other end survives it", async () => {
  await withPeers(async (track) => {
    const target = await track(startBaresip({ autoAnswer: true }));
    const { sent, responses } = await sendGarbage("127.0.0.1", target.sipPort);
    expect(sent.length).toBeGreaterThanOrEqual(25);
    expect(sent.find((s) => s.kind === "60 KB body")?.bytes).toBeGreaterThan(60_000);
    // baresip answers what it can parse (404 for the unknown user, 481 for BYE and CANCEL).
    expect(responses.length).toBeGreaterThan(0);
    for (const r of responses) expect(r.startLine).toMatch(/^SIP\/2\.0 [4-6]\d\d /);

    // Still alive and answering calls.
    const caller = await track(startBaresip());
    await caller.dial(target.uri);
    await caller.waitFor("CALL_ESTABLISHED", 5_000);
    await caller.hangup();
    await target.waitFor("CALL_CLOSED", 5_000);
  });
});
