//! A trunk leg: a plain RTP peer on a UDP socket in the test, bridged to a WebRTC agent.

mod common;

use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use callbar_media::client::Client;
use callbar_media::rtp::{EventPayload, RtpHeader, parse_packet, write_packet};
use callbar_media::tone::{Tone, ToneGenerator};
use callbar_media::{Call, CallConfig, CallEvent, CallEvents, CloseReason, Codec, EndReason, Media, sdp};
use common::*;
use tokio::net::UdpSocket;

#[derive(Default)]
struct Heard {
    audio: Vec<i16>,
    codecs: Vec<u8>,
    /// (marker, timestamp, event)
    events: Vec<(bool, u32, EventPayload)>,
}

/// A SIP-trunk-like RTP peer: sends a PCMA tone, records what it gets.
struct Peer {
    socket: Arc<UdpSocket>,
    heard: Arc<Mutex<Heard>>,
    sending: tokio::task::JoinHandle<()>,
}

impl Peer {
    async fn bind() -> (UdpSocket, u16) {
        let s = UdpSocket::bind("127.0.0.1:0").await.unwrap();
        let port = s.local_addr().unwrap().port();
        (s, port)
    }

    fn start(socket: UdpSocket, to: SocketAddr, freq: f32) -> Peer {
        let socket = Arc::new(socket);
        let heard = Arc::new(Mutex::new(Heard::default()));
        let (rx, h) = (socket.clone(), heard.clone());
        tokio::spawn(async move {
            let mut buf = [0u8; 2048];
            while let Ok(n) = rx.recv(&mut buf).await {
                let Some((header, payload)) = parse_packet(&buf[..n]) else {
                    continue;
                };
                let mut h = h.lock().unwrap();
                match header.payload_type {
                    8 => h.audio.extend(payload.iter().map(|&b| Codec::Pcma.decode(b))),
                    101 => h
                        .events
                        .push((header.marker, header.timestamp, EventPayload::parse(payload).unwrap())),
                    pt => h.codecs.push(pt),
                }
            }
        });
        let tx = socket.clone();
        let sending = tokio::spawn(async move {
            let mut tone = ToneGenerator::new(Tone::sine(freq, 0.3));
            let mut tick = tokio::time::interval(Duration::from_millis(20));
            for k in 0u32.. {
                tick.tick().await;
                let mut frame = [0u8; 160];
                tone.next_frame(Codec::Pcma, &mut frame);
                let header = RtpHeader {
                    marker: k == 0,
                    payload_type: 8,
                    sequence: k as u16,
                    timestamp: 1_000 + k * 160,
                    ssrc: 0xCAFE,
                };
                let mut packet = [0u8; 200];
                let n = write_packet(&header, &frame, &mut packet).unwrap();
                let _ = tx.send_to(&packet[..n], to).await;
            }
        });
        Peer { socket, heard, sending }
    }

    fn take_audio(&self) -> Vec<i16> {
        std::mem::take(&mut self.heard.lock().unwrap().audio)
    }

    async fn listen(&self, ms: u64) -> Vec<i16> {
        self.take_audio();
        tokio::time::sleep(Duration::from_millis(ms)).await;
        self.take_audio()
    }

    /// One RFC 4733 key press, as a phone sends it: marker, updates, end three times.
    async fn press(&self, to: SocketAddr, event: u8, seq: u16) {
        for (i, (end, duration)) in [
            (false, 160),
            (false, 320),
            (false, 480),
            (true, 800),
            (true, 800),
            (true, 800),
        ]
        .into_iter()
        .enumerate()
        {
            let header = RtpHeader {
                marker: i == 0,
                payload_type: 101,
                sequence: seq + i as u16,
                timestamp: 777_000,
                ssrc: 0xCAFE,
            };
            let payload = EventPayload {
                event,
                end,
                volume: 10,
                duration,
            }
            .to_bytes();
            let mut packet = [0u8; 16];
            let n = write_packet(&header, &payload, &mut packet).unwrap();
            self.socket.send_to(&packet[..n], to).await.unwrap();
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}

/// Attaches an agent (1000 Hz) and checks that it and `peer` (440 Hz) hear each other.
async fn attach_and_hear(media: &Media, call: &Call, events: &mut CallEvents, peer: &Peer) -> Client {
    let (agent, agent_leg) = client(media, 1000.0).await;
    call.attach_agent(agent_leg).await.unwrap();
    expect(events, |e| *e == CallEvent::AgentConnected).await;
    let (to_peer, to_agent) = tokio::join!(peer.listen(1200), listen(&agent, 1200));
    assert_tone(&to_peer, 1000.0, "the trunk hears the agent");
    assert_tone(&to_agent, 440.0, "the agent hears the trunk");
    agent
}

#[tokio::test]
async fn pcma_trunk_bridged_to_a_webrtc_agent() {
    let media = media_with(|c| c.inactivity_timeout_ms = 1500);
    let (socket, port) = Peer::bind().await;
    // A carrier's offer: PCMA first, telephone-event as PT 101, LF line ends.
    let offer = format!(
        "v=0\no=- 1 1 IN IP4 127.0.0.1\ns=-\nc=IN IP4 127.0.0.1\nt=0 0\nm=audio {port} RTP/AVP 8 0 101\n\
         a=rtpmap:8 PCMA/8000\na=rtpmap:101 telephone-event/8000\na=fmtp:101 0-15\na=ptime:20\na=sendrecv\n"
    );
    let (answer, leg) = media.rtp_answer(&offer, &[]).unwrap();
    let answer = answer.to_sdp();
    let ours = sdp::parse(&answer).unwrap();
    assert_eq!(ours.codec(), Some((Codec::Pcma, 8)));
    assert_eq!(ours.telephone_event(), Some(101));
    let to = SocketAddr::new(ours.address, ours.port);
    assert_eq!(to, leg.local_addr());

    let (call, mut events) = media.call(leg, CallConfig::default());
    expect(&mut events, |e| *e == CallEvent::CustomerConnected).await;
    let peer = Peer::start(socket, to, 440.0);

    // Ringback reaches the trunk as PCMA.
    let heard = peer.listen(800).await;
    assert!(energy_near(&heard, 440.0) > 0.3 && energy_near(&heard, 480.0) > 0.3);

    // PCMU from the agent reaches the trunk as PCMA, and the trunk's PCMA the agent as PCMU.
    let agent = attach_and_hear(&media, &call, &mut events, &peer).await;
    assert!(
        peer.heard.lock().unwrap().codecs.is_empty(),
        "only PCMA and events were sent"
    );
    assert_eq!(agent.stats().media.lost, 0);
    assert_eq!(call.customer_stats().lost, 0);

    // DTMF from the trunk: one event per press despite three end packets.
    peer.press(to, 7, 5000).await;
    let (e, before) = expect(&mut events, |e| matches!(e, CallEvent::CustomerDtmf(_))).await;
    assert!(
        matches!(e, CallEvent::CustomerDtmf(d) if d.digit == '7' && d.duration_ms == 100),
        "{e:?}"
    );
    assert!(before.is_empty());

    // DTMF toward the trunk: RFC 4733 with the negotiated PT, marker first, end last.
    call.send_dtmf("3#").await.unwrap();
    tokio::time::sleep(Duration::from_millis(600)).await;
    let sent = peer.heard.lock().unwrap().events.clone();
    let firsts: Vec<u8> = sent.iter().filter(|(m, _, _)| *m).map(|(_, _, e)| e.event).collect();
    assert_eq!(firsts, [3, 11], "{sent:?}");
    let ends: Vec<_> = sent.iter().filter(|(_, _, e)| e.end).collect();
    assert_eq!(ends.len(), 6, "three end packets per digit");
    assert!(ends.iter().all(|(_, _, e)| e.duration == 800));
    let stamps: Vec<u32> = ends.iter().map(|(_, ts, _)| *ts).collect();
    assert!(stamps[0] == stamps[2] && stamps[3] == stamps[5] && stamps[0] != stamps[3]);
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert_eq!(call.customer_stats().dtmf_out, 2);

    // The trunk goes silent: the inactivity timeout ends the call.
    peer.sending.abort();
    let (e, _) = expect(&mut events, |e| matches!(e, CallEvent::CustomerLeft(_))).await;
    assert_eq!(e, CallEvent::CustomerLeft(CloseReason::Inactivity));
    expect(&mut events, |e| *e == CallEvent::Ended(EndReason::CustomerLeft)).await;
}

#[tokio::test]
async fn outgoing_offer_and_symmetric_rtp() {
    let media = media();
    let (offer, pending) = media.rtp_offer().unwrap();
    let offer = offer.to_sdp();
    let ours = sdp::parse(&offer).unwrap();
    let pts: Vec<u8> = ours.formats.iter().map(|f| f.pt).collect();
    assert_eq!(pts, [0, 8, 101]);
    let to = pending.local_addr();
    assert_eq!(to.port(), ours.port);

    // SIPp's answer (PCMU only, no telephone-event) names one port; the peer sends from
    // another (behind NAT): we answer to where its RTP comes from.
    let (_named, named_port) = Peer::bind().await;
    let answer = format!("v=0\nc=IN IP4 127.0.0.1\nm=audio {named_port} RTP/AVP 0\n");
    let leg = pending.accept_answer(&answer, &[]).unwrap();
    let (call, mut events) = media.call(leg, CallConfig::default());
    expect(&mut events, |e| *e == CallEvent::CustomerConnected).await;
    let (socket, _) = Peer::bind().await;
    let peer = Peer::start(socket, to, 440.0);
    tokio::time::sleep(Duration::from_millis(300)).await;
    // PCMU ringback arrives at the latched address (the peer decodes only PT 8, so it
    // records the PT 0 packets in `codecs`).
    assert!(peer.heard.lock().unwrap().codecs.iter().filter(|&&pt| pt == 0).count() > 5);
    assert!(
        call.send_dtmf("1").await.is_ok(),
        "accepted, but not negotiated: nothing is sent"
    );
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert!(peer.heard.lock().unwrap().events.is_empty());
    call.hangup().await;
}

#[tokio::test]
async fn a_trunk_that_holds_us_is_not_inactive_until_it_resumes() {
    let media = media_with(|c| c.inactivity_timeout_ms = 1000);
    let (socket, port) = Peer::bind().await;
    let sdp = |direction: &str| {
        format!(
            "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio {port} RTP/AVP 0\r\n\
             a=rtpmap:0 PCMU/8000\r\na=ptime:20\r\na={direction}\r\n"
        )
    };
    let (answer, leg) = media.rtp_answer(&sdp("sendrecv"), &[]).unwrap();
    let to = SocketAddr::new(answer.address, answer.port);
    let (call, mut events) = media.call(leg, CallConfig::default());
    expect(&mut events, |e| *e == CallEvent::CustomerConnected).await;
    let peer = Peer::start(socket, to, 440.0);
    tokio::time::sleep(Duration::from_millis(300)).await;

    // A re-INVITE from the trunk: it holds us (sendonly toward us means it stops listening;
    // `inactive` means it stops sending too) and goes quiet. Not a dead call.
    call.update_customer(&sdp("inactive")).await.unwrap();
    peer.sending.abort();
    let quiet = tokio::time::timeout(Duration::from_millis(2500), async {
        expect(&mut events, |e| matches!(e, CallEvent::CustomerLeft(_))).await
    })
    .await;
    assert!(quiet.is_err(), "a held call is not closed for inactivity");

    // It resumes but sends nothing: now the silence is a dead call.
    call.update_customer(&sdp("sendrecv")).await.unwrap();
    let (e, _) = expect(&mut events, |e| matches!(e, CallEvent::CustomerLeft(_))).await;
    assert_eq!(e, CallEvent::CustomerLeft(CloseReason::Inactivity));

    // A WebRTC customer takes no SDP this way.
    let (_browser, webrtc) = client(&media, 440.0).await;
    let (other, _) = media.call(webrtc, CallConfig::default());
    assert!(other.update_customer(&sdp("sendonly")).await.is_err());
}

#[tokio::test]
async fn a_trunk_caller_who_waits_for_the_answer_before_sending_is_connected() {
    // Some callers send RTP only after the 200 OK; the server answers on AgentConnected, so
    // it must not wait for the caller's audio.
    let media = media();
    let (socket, port) = Peer::bind().await;
    let offer = format!(
        "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio {port} RTP/AVP 0\r\n\
         a=rtpmap:0 PCMU/8000\r\na=sendrecv\r\n"
    );
    let (_answer, leg) = media.rtp_answer(&offer, &[]).unwrap();
    let (call, mut events) = media.call(leg, CallConfig::default());
    let (_agent, agent_leg) = client(&media, 1000.0).await;
    call.attach_agent(agent_leg).await.unwrap();
    expect(&mut events, |e| *e == CallEvent::AgentConnected).await;
    drop(socket);
}

#[tokio::test]
async fn only_the_peers_addresses_may_take_a_trunk_legs_media() {
    let media = media();
    // A PBX behind NAT: its SDP names a private address; its media comes from the address its
    // SIP comes from (127.0.0.1 here), which the server trusts.
    let offer = "v=0\nc=IN IP4 192.0.2.10\nm=audio 4000 RTP/AVP 8\na=sendrecv\n";
    let (answer, leg) = media.rtp_answer(offer, &[IpAddr::from([127, 0, 0, 1])]).unwrap();
    let to = SocketAddr::new(answer.address, answer.port);
    let (call, mut events) = media.call(leg, CallConfig::default());

    // Someone else sprays RTP at the port before the PBX's first packet arrives.
    let attacker = Peer::start(UdpSocket::bind("127.0.0.2:0").await.unwrap(), to, 2000.0);
    tokio::time::sleep(Duration::from_millis(300)).await;
    let stats = call.customer_stats();
    assert_eq!(stats.packets_in, 0, "the stranger's media was taken: {stats:?}");
    assert!(stats.rejected > 5, "{stats:?}");

    let (socket, _) = Peer::bind().await;
    let pbx = Peer::start(socket, to, 440.0);
    // The agent hears the PBX's 440 Hz, not the stranger's 2000 Hz.
    attach_and_hear(&media, &call, &mut events, &pbx).await;
    let stranger_heard = {
        let heard = attacker.heard.lock().unwrap();
        heard.audio.len() + heard.codecs.len()
    };
    assert_eq!(stranger_heard, 0, "the stranger heard the call");
    call.hangup().await;
}
