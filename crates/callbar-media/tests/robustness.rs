//! Hostile input and timeouts: nothing panics, calls survive garbage, dead legs close.

mod common;

use std::net::SocketAddr;
use std::time::Duration;

use callbar_media::client::{Client, ClientConfig};
use callbar_media::{Call, CallConfig, CallEvent, CloseReason, LegEvent, MediaError};
use common::*;
use tokio::net::UdpSocket;

#[tokio::test]
async fn bad_offers_are_refused_clearly() {
    let media = media();
    for bad in ["", "garbage", "v=0\r\n", &"a=x\r\n".repeat(20_000)] {
        assert!(
            matches!(media.webrtc_leg(bad), Err(MediaError::BadOffer(_))),
            "{bad:.20}"
        );
    }
    // A real offer with PCMU removed.
    let (offer, _pending) = Client::offer(ClientConfig::tone(440.0)).unwrap();
    let opus_only = offer
        .replace("RTP/SAVPF 0 101", "RTP/SAVPF 111")
        .replace("a=rtpmap:0 PCMU/8000", "a=rtpmap:111 opus/48000/2");
    assert!(opus_only.contains("RTP/SAVPF 111"), "{offer}");
    assert!(matches!(media.webrtc_leg(&opus_only), Err(MediaError::NoPcmu)));
    assert!(matches!(
        media.rtp_answer("m=audio 1 RTP/AVP 18\r\nc=IN IP4 1.2.3.4\r\n", &[]),
        Err(MediaError::Sdp(_))
    ));
}

/// Every kind of garbage, once to every port of the test media's range.
async fn spray_garbage(attacker: &UdpSocket) {
    let junk: Vec<Vec<u8>> = vec![
        vec![],
        vec![0x80; 12],
        vec![0x80, 0x00, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1],
        vec![0x00, 0x01, 0x00, 0x00, 0x21, 0x12, 0xA4, 0x42], // truncated STUN
        vec![22, 254, 253, 0, 0],                             // truncated DTLS
        vec![0xFF; 1500],
        vec![0x80; 9000], // larger than the receive buffer
    ];
    for port in 42000..=42999 {
        for j in &junk {
            let _ = attacker.send_to(j, SocketAddr::from(([127, 0, 0, 1], port))).await;
        }
    }
}

/// Waits until the bridged customer leg at `target` no longer reads datagrams from strangers
/// (its socket is connected to the customer once the call is on the media clock): probes from
/// `stranger` until one is not counted within five clock ticks, for at most 5 s.
async fn wait_until_guarded(call: &Call, stranger: &UdpSocket, target: SocketAddr) {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
    loop {
        let before = call.customer_stats().rejected;
        stranger.send_to(&[0xFF; 4], target).await.unwrap();
        tokio::time::sleep(Duration::from_millis(100)).await;
        if call.customer_stats().rejected == before {
            return;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "the bridged leg still reads datagrams from strangers"
        );
    }
}

#[tokio::test]
async fn garbage_datagrams_do_not_disturb_a_call() {
    let media = media();
    let attacker = UdpSocket::bind("127.0.0.1:0").await.unwrap();
    // Ringing: the customer's leg reads from anyone (its peer is not proven yet), and counts
    // what it cannot use.
    let (customer, leg) = client(&media, 440.0).await;
    let target = leg.local_addr();
    let (call, mut events) = media.call(leg, CallConfig::default());
    spray_garbage(&attacker).await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    let rejected = call.customer_stats().rejected;
    assert!(rejected > 0, "garbage reached the ringing leg and was counted");

    // Bridged, on the media clock: the legs' sockets are connected to their peers, so the
    // kernel drops what comes from elsewhere before the call ever reads it.
    let (agent, agent_leg) = client(&media, 1000.0).await;
    call.attach_agent(agent_leg).await.unwrap();
    expect(&mut events, |e| *e == CallEvent::AgentConnected).await;
    wait_until_guarded(&call, &attacker, target).await;
    let rejected = call.customer_stats().rejected;
    for _ in 0..5 {
        spray_garbage(&attacker).await;
    }
    let (to_customer, to_agent) = tokio::join!(listen(&customer, 1000), listen(&agent, 1000));
    assert_tone(&to_customer, 1000.0, "customer after garbage");
    assert_tone(&to_agent, 440.0, "agent after garbage");
    assert_eq!(
        call.customer_stats().rejected,
        rejected,
        "nothing from elsewhere was read"
    );
    call.hangup().await;
}

#[tokio::test]
async fn a_flood_from_elsewhere_does_not_push_out_a_bridged_calls_audio() {
    let media = media();
    let (customer, leg) = client(&media, 440.0).await;
    let target = leg.local_addr();
    let (call, mut events) = media.call(leg, CallConfig::default());
    let (agent, agent_leg) = client(&media, 1000.0).await;
    call.attach_agent(agent_leg).await.unwrap();
    expect(&mut events, |e| *e == CallEvent::AgentConnected).await;
    let attacker = UdpSocket::bind("127.0.0.1:0").await.unwrap();
    wait_until_guarded(&call, &attacker, target).await;
    let before = call.customer_stats();

    // A second of RTP-looking datagrams at the customer leg's port, as fast as one task sends
    // them: many times what a socket buffer holds, which a socket that read from anyone would
    // fill, dropping the customer's own packets.
    let flood = tokio::spawn(async move {
        let mut packet = [0u8; 172];
        packet[0] = 0x80;
        let (mut sent, until) = (0u64, tokio::time::Instant::now() + Duration::from_secs(1));
        while tokio::time::Instant::now() < until {
            for _ in 0..100 {
                packet[2..4].copy_from_slice(&(sent as u16).to_be_bytes());
                let _ = attacker.send_to(&packet, target).await;
                sent += 1;
            }
            tokio::task::yield_now().await;
        }
        sent
    });
    let (to_customer, to_agent) = tokio::join!(listen(&customer, 1000), listen(&agent, 1000));
    let sent = flood.await.unwrap();
    assert!(sent > 10_000, "the flood sent only {sent} datagrams");
    assert_tone(&to_customer, 1000.0, "customer during the flood");
    assert_tone(&to_agent, 440.0, "agent during the flood");
    let after = call.customer_stats();
    assert_eq!(after.lost, before.lost, "no packet of the customer's was lost");
    assert_eq!(after.rejected, before.rejected, "the flood was never read");
    assert!(after.packets_in >= before.packets_in + 45, "{before:?} -> {after:?}");
    call.hangup().await;
}

#[tokio::test]
async fn a_leg_that_never_connects_times_out() {
    let media = media_with(|c| c.connect_timeout_ms = 500);
    let (offer, _pending) = Client::offer(ClientConfig::tone(440.0)).unwrap();
    let (_answer, mut leg) = media.webrtc_leg(&offer).unwrap();
    let e = tokio::time::timeout(Duration::from_secs(3), leg.next_event())
        .await
        .unwrap();
    assert_eq!(e, Some(LegEvent::Closed(CloseReason::ConnectTimeout)));
    assert_eq!(leg.next_event().await, None);
}

#[tokio::test]
async fn a_browser_that_stops_sending_is_closed_for_inactivity() {
    let media = media_with(|c| c.inactivity_timeout_ms = 800);
    let (offer, pending) = Client::offer(ClientConfig::tone(440.0)).unwrap();
    let (answer, mut leg) = media.webrtc_leg(&offer).unwrap();
    let client = pending.accept_answer(&answer).unwrap();
    assert_eq!(leg.next_event().await, Some(LegEvent::Connected));
    assert!(client.wait_connected(Duration::from_secs(2)).await);
    drop(client); // closes with DTLS close_notify: the leg sees the remote close first
    let e = tokio::time::timeout(Duration::from_secs(3), leg.next_event())
        .await
        .unwrap();
    assert_eq!(e, Some(LegEvent::Closed(CloseReason::Remote)));

    // A client that just vanishes (no close): inactivity, long before ICE consent expires.
    let (offer, pending) = Client::offer(ClientConfig::tone(440.0)).unwrap();
    let (answer, mut leg) = media.webrtc_leg(&offer).unwrap();
    let client = pending.accept_answer(&answer).unwrap();
    assert_eq!(leg.next_event().await, Some(LegEvent::Connected));
    tokio::time::sleep(Duration::from_millis(300)).await;
    client.vanish();
    let started = std::time::Instant::now();
    let e = tokio::time::timeout(Duration::from_secs(3), leg.next_event())
        .await
        .unwrap();
    assert_eq!(e, Some(LegEvent::Closed(CloseReason::Inactivity)));
    let waited = started.elapsed();
    assert!(
        waited >= Duration::from_millis(700) && waited < Duration::from_millis(1500),
        "{waited:?}"
    );
    assert!(leg.stats().packets_in > 10);
}
