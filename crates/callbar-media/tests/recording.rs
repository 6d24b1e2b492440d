//! Recording a bridged call: customer left, agent right, pauses as silence, one timeline.

mod common;

use std::time::Duration;

use callbar_media::analysis::rms;
use callbar_media::{CallEvent, MediaError};
use common::*;

fn channels(path: &std::path::Path) -> (Vec<i16>, Vec<i16>) {
    let mut r = hound::WavReader::open(path).unwrap();
    let spec = r.spec();
    assert_eq!((spec.channels, spec.sample_rate, spec.bits_per_sample), (2, 8000, 16));
    let s: Vec<i16> = r.samples::<i16>().map(Result::unwrap).collect();
    (
        s.iter().step_by(2).copied().collect(),
        s.iter().skip(1).step_by(2).copied().collect(),
    )
}

fn secs(v: &[i16], from: f64, to: f64) -> &[i16] {
    &v[(from * 8000.0) as usize..(to * 8000.0) as usize]
}

#[tokio::test]
async fn two_channels_with_a_silent_pause_on_one_timeline() {
    let media = media();
    let (call, mut events, _customer, _agent) = bridged(&media).await;
    assert!(matches!(call.stop_recording().await, Err(MediaError::NotRecording)));
    let path = call.start_recording("rec/call.wav").await.unwrap();
    assert!(path.starts_with(&media.config().recordings_dir));
    assert!(matches!(
        call.start_recording("rec/again.wav").await,
        Err(MediaError::AlreadyRecording)
    ));

    tokio::time::sleep(Duration::from_millis(1000)).await;
    call.pause_recording(true).await.unwrap();
    tokio::time::sleep(Duration::from_millis(1000)).await;
    call.pause_recording(false).await.unwrap();
    tokio::time::sleep(Duration::from_millis(1000)).await;
    // The file is valid while the call still runs (flushed every second).
    assert!(hound::WavReader::open(&path).unwrap().len() > 8000);
    let summary = call.stop_recording().await.unwrap();

    assert_eq!(summary.path, path);
    assert_eq!(summary.error, None);
    let d = summary.duration.as_secs_f64();
    assert!((d - 3.0).abs() < 0.15, "duration {d}");
    assert!((summary.paused.as_secs_f64() - 1.0).abs() < 0.1, "{:?}", summary.paused);
    let (left, right) = channels(&path);
    // The file is exactly as long as the recording: missing audio is silence, not lost time.
    assert_eq!(left.len(), (summary.duration.as_micros() * 8 / 1000) as usize);

    assert_tone(secs(&left, 0.2, 0.9), 440.0, "left: the customer");
    assert_tone(secs(&right, 0.2, 0.9), 1000.0, "right: the agent");
    assert!(rms(secs(&left, 1.15, 1.95)) < 1.0, "paused left is silent");
    assert!(rms(secs(&right, 1.15, 1.95)) < 1.0, "paused right is silent");
    assert_tone(secs(&left, 2.2, 2.9), 440.0, "left after the pause");
    assert_tone(secs(&right, 2.2, 2.9), 1000.0, "right after the pause");

    // Hold is recorded as the customer hears it: the hold tone on the right.
    let path = call.start_recording("rec/held.wav").await.unwrap();
    call.set_hold(true).await.unwrap();
    tokio::time::sleep(Duration::from_millis(1200)).await;
    call.hangup().await;
    let (e, _) = expect(&mut events, |e| matches!(e, CallEvent::RecordingFinished(_))).await;
    let CallEvent::RecordingFinished(summary) = e else {
        unreachable!()
    };
    assert_eq!(summary.path, path);
    let (left, right) = channels(&path);
    assert_tone(secs(&left, 0.2, 1.0), 440.0, "the held customer is still recorded");
    assert!(
        energy_near(secs(&right, 0.0, 1.0), 600.0) > 0.9,
        "hold tone on the right"
    );
    std::fs::remove_dir_all(&media.config().recordings_dir).unwrap();
}
