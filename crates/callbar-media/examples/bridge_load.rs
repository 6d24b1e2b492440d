//! Server CPU per bridged call, measured in one process.
//!
//! `cargo run --release -p callbar-media --example bridge_load -- [CALLS] [SECONDS] [--record]`
//!
//! The media engine runs on its own single-threaded Tokio runtime (thread "callbar-media");
//! the customer and agent clients run on another ("load-client"). Once every call reports
//! `AgentConnected`, the CPU time of the engine's thread is sampled from /proc over the
//! measuring window, so the figure is the server side only. Everything stays on 127.0.0.1.

use std::time::{Duration, Instant};

use callbar_media::client::{Client, ClientConfig};
use callbar_media::{CallConfig, CallEvent, Media, MediaConfig};

fn thread_cpu(name: &str) -> Duration {
    let ticks_per_sec = 100.0; // USER_HZ on Linux
    let mut total = 0.0;
    for task in std::fs::read_dir("/proc/self/task").unwrap().flatten() {
        let comm = std::fs::read_to_string(task.path().join("comm")).unwrap_or_default();
        if !comm.trim().starts_with(name) {
            continue;
        }
        let stat = std::fs::read_to_string(task.path().join("stat")).unwrap_or_default();
        // Fields after the ")" of the command: utime and stime are the 12th and 13th.
        let Some(rest) = stat.rsplit(')').next() else { continue };
        let f: Vec<&str> = rest.split_whitespace().collect();
        let utime: f64 = f.get(11).and_then(|v| v.parse().ok()).unwrap_or(0.0);
        let stime: f64 = f.get(12).and_then(|v| v.parse().ok()).unwrap_or(0.0);
        total += (utime + stime) / ticks_per_sec;
    }
    Duration::from_secs_f64(total)
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let calls: usize = args.first().and_then(|v| v.parse().ok()).unwrap_or(50);
    let secs: u64 = args.get(1).and_then(|v| v.parse().ok()).unwrap_or(10);
    let record = args.iter().any(|a| a == "--record");

    let server = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let server_thread_rt = std::sync::Arc::new(server);
    let rt = server_thread_rt.clone();
    let handle = rt.handle().clone();
    // Drive the engine's runtime on its own named thread.
    let (stop_tx, stop_rx) = std::sync::mpsc::channel::<()>();
    let engine = std::thread::Builder::new()
        .name("callbar-media".into())
        .spawn(move || rt.block_on(async move { tokio::task::spawn_blocking(move || stop_rx.recv()).await }))
        .unwrap();
    let clients = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .thread_name("load-client")
        .enable_all()
        .build()
        .unwrap();

    let media = {
        let _in_server = handle.enter();
        Media::new(MediaConfig {
            ports: 43000..=44999,
            recordings_dir: std::env::temp_dir().join("callbar-load"),
            ..MediaConfig::default()
        })
    };
    clients.block_on(async {
        let mut running = Vec::new();
        let mut handshakes = Vec::new();
        let setup = Instant::now();
        for i in 0..calls {
            let (offer, pending) = Client::offer(ClientConfig::tone(440.0)).unwrap();
            let (answer, leg) = {
                let _in_server = handle.enter();
                media.webrtc_leg(&offer).unwrap()
            };
            let customer = pending.accept_answer(&answer).unwrap();
            let (call, mut events) = {
                let _in_server = handle.enter();
                media.call(leg, CallConfig::default())
            };
            let (offer, pending) = Client::offer(ClientConfig::tone(1000.0)).unwrap();
            let (answer, leg) = {
                let _in_server = handle.enter();
                media.webrtc_leg(&offer).unwrap()
            };
            // Accept-to-audio as the server sees it: from the agent's answer (the agent
            // accepted and its offer arrived) to audio both ways. It includes the client's own
            // ICE and DTLS set-up, which `handshake` isolates.
            let accepted = Instant::now();
            let agent = pending.accept_answer(&answer).unwrap();
            call.attach_agent(leg).await.unwrap();
            assert!(agent.wait_connected(Duration::from_secs(5)).await);
            handshakes.push(accepted.elapsed());
            loop {
                match events.next().await {
                    Some(CallEvent::AgentConnected) => break,
                    Some(CallEvent::Ended(r)) => panic!("call {i} ended: {r:?}"),
                    Some(_) => {}
                    None => panic!("call {i} gone"),
                }
            }
            let accept_to_audio = accepted.elapsed();
            if record {
                call.start_recording(format!("load-{i}.wav")).await.unwrap();
            }
            running.push((call, events, customer, agent, accept_to_audio));
        }
        let mut a2a: Vec<Duration> = running.iter().map(|r| r.4).collect();
        a2a.sort();
        handshakes.sort();
        println!(
            "{calls} calls set up in {:?}; accept-to-audio p50 {:?} p95 {:?}, of which the client's ICE+DTLS p50 {:?}",
            setup.elapsed(),
            a2a[a2a.len() / 2],
            a2a[a2a.len() * 95 / 100],
            handshakes[handshakes.len() / 2],
        );
        tokio::time::sleep(Duration::from_secs(1)).await;
        let (cpu0, t0) = (thread_cpu("callbar-media"), Instant::now());
        let client_cpu0 = thread_cpu("load-client");
        tokio::time::sleep(Duration::from_secs(secs)).await;
        let (cpu1, wall) = (thread_cpu("callbar-media"), t0.elapsed());
        let client_cpu1 = thread_cpu("load-client");
        let server = (cpu1 - cpu0).as_secs_f64() / wall.as_secs_f64();
        let client = (client_cpu1 - client_cpu0).as_secs_f64() / wall.as_secs_f64();
        let lost: u64 = running.iter().map(|r| r.2.stats().media.lost + r.3.stats().media.lost).sum();
        let packets: u64 = running.iter().map(|r| r.2.stats().media.packets_in + r.3.stats().media.packets_in).sum();
        println!(
            "server: {:.1}% of a core for {calls} bridged calls = {:.3}% per call{}; clients: {:.1}%; {packets} packets received by clients, {lost} lost",
            server * 100.0,
            server * 100.0 / calls as f64,
            if record { " (recording)" } else { "" },
            client * 100.0,
        );
        for (call, _, _, _, _) in &running {
            call.hangup().await;
        }
    });
    stop_tx.send(()).unwrap();
    engine.join().unwrap().unwrap().unwrap();
    let _ = std::fs::remove_dir_all(std::env::temp_dir().join("callbar-load"));
}
