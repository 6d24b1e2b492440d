// The audio of the agent's voice engagements: one RTCPeerConnection per engagement to
// the Callbar server, which bridges it to the customer's leg.
//
// The server is ICE-lite and offers a host candidate in its answer, so the embed needs no
// ICE servers and never waits for candidate gathering: it sends its offer as soon as the
// local description is set, and the server learns the browser's address from the first
// STUN check. When the server has a TURN relay configured, `start-media` carries it with
// short-lived credentials; checks from relay candidates gathered after the offer reach the
// server the same way. The server decides when audio starts
// (`start-media`, after an accept from the embed or the host) and owns mute, hold and
// recording; this module only carries the audio and in-band DTMF.
//
// Offers and answers pair up by order on the agent channel: the server answers every
// `media-offer` once, on the channel it came from. When `start-media` comes again for the
// same engagement (after a reconnect, or to renegotiate), the old connection is closed and
// a new one offered; an answer to an older offer still in flight on the same channel is
// recognized by counting and ignored.

import { microphone, microphoneProblem, outputElement, play, stored } from './devices.js';

/** @typedef {import('../types/protocol').ClientOp} ClientOp */
/** @typedef {import('../types/protocol').EngagementView} EngagementView */
/**
 * @typedef {{
 *   pc: RTCPeerConnection,
 *   stream: MediaStream | null,
 *   sender: RTCRtpSender | null,
 *   remote: MediaStream | null,
 *   closed: boolean,
 * }} Session
 */

/** @param {MediaStream | null} stream */
function stopTracks(stream) {
  for (const t of stream?.getTracks() ?? []) t.stop();
}

/**
 * @param {{
 *   send: (op: ClientOp) => boolean,
 *   onProblem: (engagementId: string, message: string | null) => void,
 * }} options  onProblem(id, null) clears a problem shown earlier
 */
export function createCalls({ send, onProblem }) {
  // The customer's voice. Browser tests find it by id and analyse its srcObject.
  const remoteAudio = outputElement('remote-audio', 'speaker');
  remoteAudio.autoplay = true;
  /** @type {Map<string, Session>} */
  const sessions = new Map();
  /** Offers sent on the current channel and not answered yet, per engagement. */
  const unanswered = new Map();
  // Read when a call starts: tests set the flag in the frame after it has loaded.
  const testHooks = () => stored('callbar.testHooks') === 'on';

  /**
   * @param {string} id
   * @param {RTCIceServer[]} [iceServers]
   */
  async function start(id, iceServers = []) {
    stop(id);
    onProblem(id, null);
    /** @type {Session} */
    const s = { pc: new RTCPeerConnection({ iceServers }), stream: null, sender: null, remote: null, closed: false };
    sessions.set(id, s);
    if (testHooks()) /** @type {any} */ (window).__callbarPeer = s.pc;
    s.pc.ontrack = (event) => {
      s.remote = event.streams[0] ?? new MediaStream([event.track]);
      remoteAudio.srcObject = s.remote;
      play(remoteAudio);
    };
    s.pc.onconnectionstatechange = () => {
      if (s.pc.connectionState === 'failed') onProblem(id, 'The call audio was interrupted.');
    };
    try {
      try {
        s.stream = await microphone();
      } catch (e) {
        // Still connect: the agent hears the customer while fixing the microphone.
        onProblem(id, `${microphoneProblem(e)} The customer cannot hear you.`);
      }
      if (s.closed) return stopTracks(s.stream);
      const track = s.stream?.getAudioTracks()[0];
      s.sender = s.pc.addTransceiver(track ?? 'audio', { direction: 'sendrecv' }).sender;
      await s.pc.setLocalDescription(await s.pc.createOffer());
      const sdp = s.pc.localDescription?.sdp;
      if (s.closed || !sdp) return;
      if (send({ op: 'media-offer', engagementId: id, sdp })) unanswered.set(id, (unanswered.get(id) ?? 0) + 1);
    } catch (e) {
      if (!s.closed) onProblem(id, `The call audio could not start${e instanceof Error ? `: ${e.message}` : ''}.`);
    }
  }

  /** @param {string} id @param {string} sdp */
  function answer(id, sdp) {
    const left = Math.max(0, (unanswered.get(id) ?? 1) - 1);
    unanswered.set(id, left);
    const s = sessions.get(id);
    // A newer offer is still waiting for its answer: this one is stale.
    if (left > 0 || !s || s.pc.signalingState !== 'have-local-offer') return;
    s.pc.setRemoteDescription({ type: 'answer', sdp }).catch((e) => {
      if (!s.closed) onProblem(id, `The call audio could not start: ${e instanceof Error ? e.message : e}.`);
    });
  }

  /** @param {string} id */
  function stop(id) {
    const s = sessions.get(id);
    if (!s) return;
    s.closed = true;
    sessions.delete(id);
    s.pc.close();
    stopTracks(s.stream);
    if (s.remote && remoteAudio.srcObject === s.remote) remoteAudio.srcObject = null;
    if (/** @type {any} */ (window).__callbarPeer === s.pc) delete (/** @type {any} */ (window).__callbarPeer);
  }

  return {
    start,
    answer,
    /**
     * Closes the audio of engagements that are over or in wrap-up. A ringing one keeps
     * its audio: `start-media` can overtake the list that shows the accept.
     * @param {EngagementView[]} engagements
     */
    sync(engagements) {
      for (const id of sessions.keys()) {
        const view = engagements.find((e) => e.engagementId === id);
        if (!view || view.state === 'wrapup') stop(id);
      }
      for (const id of unanswered.keys()) if (!engagements.some((e) => e.engagementId === id)) unanswered.delete(id);
    },
    /** A new channel: answers to offers sent on the old one will never come. */
    reset() {
      unanswered.clear();
    },
    /** Sign-out: every call's audio ends. */
    stopAll() {
      for (const id of [...sessions.keys()]) stop(id);
      unanswered.clear();
    },
    /**
     * Sends one DTMF digit in-band (RFC 4733 through the peer connection) when it can,
     * else asks the server to send it.
     * @param {string} id @param {string} digit
     */
    dtmf(id, digit) {
      const dtmf = sessions.get(id)?.sender?.dtmf;
      // insertDTMF replaces what is still queued, so queue after it.
      if (dtmf?.canInsertDTMF) dtmf.insertDTMF(dtmf.toneBuffer + digit, 100, 70);
      else send({ op: 'send-dtmf', engagementId: id, digits: digit });
    },
    /** The agent chose another microphone: swap it into every call without renegotiating. */
    async changeMicrophone() {
      for (const [id, s] of sessions) {
        if (!s.sender) continue;
        try {
          const stream = await microphone();
          if (s.closed) {
            stopTracks(stream);
            continue;
          }
          await s.sender.replaceTrack(stream.getAudioTracks()[0]);
          stopTracks(s.stream);
          s.stream = stream;
          onProblem(id, null);
        } catch (e) {
          onProblem(id, microphoneProblem(e));
        }
      }
    },
  };
}

/** @typedef {ReturnType<typeof createCalls>} Calls */
