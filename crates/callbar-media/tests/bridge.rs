//! A customer and an agent, each a WebRTC client on loopback, bridged through a `Call`.

mod common;

use std::time::{Duration, Instant};

use callbar_media::{CallConfig, CallEvent, CloseReason, EndReason};
use common::*;

#[tokio::test]
async fn ringback_then_two_way_audio_without_loss() {
    let media = media();
    let (customer, leg) = client(&media, 440.0).await;
    let (call, mut events) = media.call(leg, CallConfig::default());
    expect(&mut events, |e| *e == CallEvent::CustomerConnected).await;

    // Before an agent: ringback (440 + 480 Hz; the first 2 s of its cadence are on).
    let heard = listen(&customer, 1200).await;
    let (a, b) = (energy_near(&heard, 440.0), energy_near(&heard, 480.0));
    assert!(a > 0.3 && b > 0.3, "ringback: 440 Hz {a:.2}, 480 Hz {b:.2}");

    let (agent, agent_leg) = client(&media, 1000.0).await;
    let attached = Instant::now();
    call.attach_agent(agent_leg).await.unwrap();
    expect(&mut events, |e| *e == CallEvent::AgentConnected).await;
    let accept_to_audio = attached.elapsed();
    assert!(accept_to_audio < Duration::from_millis(300), "{accept_to_audio:?}");

    let (to_customer, to_agent) = tokio::join!(listen(&customer, 1500), listen(&agent, 1500));
    assert_tone(&to_customer, 1000.0, "customer hears the agent");
    assert_tone(&to_agent, 440.0, "agent hears the customer");

    let (c, a) = (customer.stats().media, agent.stats().media);
    assert_eq!((c.lost, a.lost), (0, 0), "loss on loopback: customer {c:?} agent {a:?}");
    assert!(c.packets_in > 100 && a.packets_in >= 70, "{c:?} {a:?}");
    let (sc, sa) = (call.customer_stats(), call.agent_stats().unwrap());
    assert_eq!((sc.lost, sa.lost), (0, 0));
    assert!(sc.packets_out > 100 && sa.packets_out >= 70 && sc.last_packet_at.is_some());

    call.hangup().await;
    expect(&mut events, |e| *e == CallEvent::Ended(EndReason::Hangup)).await;
}

#[tokio::test]
async fn hold_and_mute() {
    let media = media();
    let (call, _events, customer, agent) = bridged(&media).await;

    call.set_hold(true).await.unwrap();
    tokio::time::sleep(Duration::from_millis(100)).await;
    let (to_customer, to_agent) = tokio::join!(listen(&customer, 2100), listen(&agent, 2100));
    assert!(
        energy_near(&to_customer, 1000.0) < 0.01,
        "held customer still hears the agent"
    );
    assert!(energy_near(&to_customer, 600.0) > 0.9, "the hold tone is 600 Hz");
    assert!(level(&to_customer) > 300.0, "the hold tone is audible");
    assert!(
        level(&to_agent) < 10.0,
        "the held agent hears silence, rms {}",
        level(&to_agent)
    );
    assert!(to_agent.len() > 12_000, "the agent still receives (silent) packets");

    call.set_hold(false).await.unwrap();
    tokio::time::sleep(Duration::from_millis(100)).await;
    let (to_customer, to_agent) = tokio::join!(listen(&customer, 1000), listen(&agent, 1000));
    assert_tone(&to_customer, 1000.0, "resumed customer");
    assert_tone(&to_agent, 440.0, "resumed agent");

    call.set_mute(true).await.unwrap();
    tokio::time::sleep(Duration::from_millis(100)).await;
    let (to_customer, to_agent) = tokio::join!(listen(&customer, 1000), listen(&agent, 1000));
    assert!(level(&to_customer) < 10.0, "muted agent is silent to the customer");
    assert!(to_customer.len() > 6000, "silence frames keep flowing");
    assert_tone(&to_agent, 440.0, "muted agent still hears the customer");

    call.set_mute(false).await.unwrap();
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert_tone(&listen(&customer, 1000).await, 1000.0, "unmuted");
    assert_eq!(customer.stats().media.lost, 0);
    call.hangup().await;
}

#[tokio::test]
async fn dtmf_from_the_agent_and_from_the_server_reach_the_customer_in_order() {
    let media = media();
    let (call, mut events, customer, agent) = bridged(&media).await;

    agent.send_dtmf("12#").unwrap();
    for digit in ['1', '2', '#'] {
        let (e, _) = expect(&mut events, |e| matches!(e, CallEvent::AgentDtmf(_))).await;
        assert!(matches!(e, CallEvent::AgentDtmf(d) if d.digit == digit && d.duration_ms >= 90));
    }
    call.send_dtmf("*9A").await.unwrap();
    assert!(call.send_dtmf("12x").await.is_err());

    let deadline = Instant::now() + Duration::from_secs(5);
    while customer.dtmf_received().len() < 6 && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let digits: String = customer.dtmf_received().iter().map(|d| d.digit).collect();
    assert_eq!(digits, "12#*9A");
    assert!(
        customer
            .dtmf_received()
            .iter()
            .all(|d| (90..=110).contains(&d.duration_ms))
    );
    // Digits travel as events, not as audio: the customer heard only the agent's tone.
    assert_tone(&listen(&customer, 600).await, 1000.0, "no in-band DTMF");

    customer.send_dtmf("5").unwrap();
    let (e, before) = expect(&mut events, |e| matches!(e, CallEvent::CustomerDtmf(_))).await;
    assert!(matches!(e, CallEvent::CustomerDtmf(d) if d.digit == '5'), "{e:?}");
    assert!(before.is_empty(), "one report per key press: {before:?}");
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(call.customer_stats().dtmf_in, 1);
    assert!(
        agent.dtmf_received().is_empty(),
        "customer digits are reported, not forwarded"
    );
    call.hangup().await;
}

#[tokio::test]
async fn the_customer_leaving_ends_the_call() {
    let media = media();
    let (_call, mut events, customer, agent) = bridged(&media).await;
    customer.close();
    let (e, _) = expect(&mut events, |e| matches!(e, CallEvent::CustomerLeft(_))).await;
    assert_eq!(e, CallEvent::CustomerLeft(CloseReason::Remote));
    expect(&mut events, |e| *e == CallEvent::Ended(EndReason::CustomerLeft)).await;
    assert!(events.next().await.is_none());
    // The agent's leg was closed by us: its client sees the DTLS close.
    let deadline = Instant::now() + Duration::from_secs(2);
    while agent.stats().closed.is_none() && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(agent.stats().closed, Some(CloseReason::Remote));
}

#[tokio::test]
async fn the_agent_leaving_puts_the_customer_back_on_ringback() {
    let media = media();
    let (call, mut events, customer, agent) = bridged(&media).await;
    agent.close();
    let (e, _) = expect(&mut events, |e| matches!(e, CallEvent::AgentLeft(_))).await;
    assert_eq!(e, CallEvent::AgentLeft(CloseReason::Remote));
    tokio::time::sleep(Duration::from_millis(100)).await;
    let heard = listen(&customer, 1000).await;
    assert!(energy_near(&heard, 480.0) > 0.3, "ringback again");
    // Another agent can take over.
    let (agent2, leg2) = client(&media, 1000.0).await;
    call.attach_agent(leg2).await.unwrap();
    expect(&mut events, |e| *e == CallEvent::AgentConnected).await;
    assert_tone(&listen(&agent2, 1000).await, 440.0, "second agent");
    call.hangup().await;
    expect(&mut events, |e| *e == CallEvent::Ended(EndReason::Hangup)).await;
    assert!(call.set_hold(true).await.is_err(), "commands fail after the end");
}

#[tokio::test]
async fn queue_tone_follows_ringback_when_configured() {
    let media = media();
    let (customer, leg) = client(&media, 440.0).await;
    let config = CallConfig {
        queue_tone: Some((Duration::from_millis(500), callbar_media::Tone::queue())),
        ..CallConfig::default()
    };
    let (call, _events) = media.call(leg, config);
    tokio::time::sleep(Duration::from_millis(600)).await;
    let heard = listen(&customer, 600).await;
    assert!(energy_near(&heard, 523.25) + energy_near(&heard, 659.25) > 0.8);
    call.hangup().await;
}

#[tokio::test]
async fn behind_nat_legs_bind_every_interface_and_advertise_one_address() {
    // As on a cloud host: sockets on 0.0.0.0, the reachable address in the SDP.
    let media = media_with(|c| c.bind_ip = std::net::Ipv4Addr::UNSPECIFIED.into());
    let (call, mut events, customer, agent) = bridged(&media).await;
    assert_eq!(call.customer_stats().lost, 0);
    let (to_customer, to_agent) = tokio::join!(listen(&customer, 1000), listen(&agent, 1000));
    assert_tone(&to_customer, 1000.0, "customer hears the agent");
    assert_tone(&to_agent, 440.0, "agent hears the customer");
    call.hangup().await;
    expect(&mut events, |e| *e == CallEvent::Ended(EndReason::Hangup)).await;
}
