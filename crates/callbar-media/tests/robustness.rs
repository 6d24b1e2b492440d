//! Hostile input and timeouts: nothing panics, calls survive garbage, dead legs close.

mod common;

use std::net::SocketAddr;
use std::time::Duration;

use callbar_media::client::{Client, ClientConfig};
use callbar_media::{CloseReason, LegEvent, MediaError};
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
        media.rtp_answer("m=audio 1 RTP/AVP 18\r\nc=IN IP4 1.2.3.4\r\n"),
        Err(MediaError::Sdp(_))
    ));
}

#[tokio::test]
async fn garbage_datagrams_do_not_disturb_a_bridged_call() {
    let media = media();
    let (call, _events, customer, agent) = bridged(&media).await;
    let attacker = UdpSocket::bind("127.0.0.1:0").await.unwrap();
    // The server's legs are the ports in the media range that the clients talk to; aim at
    // every port of the range the test media uses that is bound.
    let targets: Vec<SocketAddr> = (42000..=42999).map(|p| SocketAddr::from(([127, 0, 0, 1], p))).collect();
    let junk: Vec<Vec<u8>> = vec![
        vec![],
        vec![0x80; 12],
        vec![0x80, 0x00, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1],
        vec![0x00, 0x01, 0x00, 0x00, 0x21, 0x12, 0xA4, 0x42], // truncated STUN
        vec![22, 254, 253, 0, 0],                             // truncated DTLS
        vec![0xFF; 1500],
        vec![0x80; 9000], // larger than the receive buffer
    ];
    for _ in 0..5 {
        for to in &targets {
            for j in &junk {
                let _ = attacker.send_to(j, to).await;
            }
        }
    }
    let (to_customer, to_agent) = tokio::join!(listen(&customer, 1000), listen(&agent, 1000));
    assert_tone(&to_customer, 1000.0, "customer after garbage");
    assert_tone(&to_agent, 440.0, "agent after garbage");
    assert!(call.customer_stats().rejected > 0, "garbage is counted");
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
