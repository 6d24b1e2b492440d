//! Server CPU per bridged call, measured in one process.
//!
//! `cargo run --release -p callbar-media --example bridge_load -- [CALLS] [SECONDS] [--record] [--rtp]`
//!
//! With `--rtp` the customers are plain RTP legs, as trunk callers are: one client socket
//! sends every call's 440 Hz PCMU stream every 20 ms (the way SIPp's `rtp_stream` does) and
//! counts what comes back.
//!
//! The media engine runs on its own single-threaded Tokio runtime (thread "callbar-media");
//! the customer and agent clients run on another ("load-client"). Once every call reports
//! `AgentConnected`, the CPU time of the engine's thread is sampled from /proc over the
//! measuring window, so the figure is the server side only. Everything stays on 127.0.0.1.

use std::time::{Duration, Instant};

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use callbar_media::client::{Client, ClientConfig};
use callbar_media::rtp::{RtpHeader, write_packet};
use callbar_media::tone::ToneGenerator;
use callbar_media::{CallConfig, CallEvent, Codec, Media, MediaConfig, Tone};
use tokio::net::UdpSocket;

/// The trunk side of `--rtp`: one socket, every call's stream, packets back counted.
struct Trunk {
    socket: Arc<UdpSocket>,
    targets: Arc<std::sync::Mutex<Vec<SocketAddr>>>,
    received: Arc<AtomicU64>,
}

impl Trunk {
    async fn start() -> Trunk {
        let socket = Arc::new(UdpSocket::bind("127.0.0.1:0").await.unwrap());
        let targets = Arc::new(std::sync::Mutex::new(Vec::<SocketAddr>::new()));
        let received = Arc::new(AtomicU64::new(0));
        let (rx, count) = (socket.clone(), received.clone());
        tokio::spawn(async move {
            let mut buf = [0u8; 1500];
            while rx.recv(&mut buf).await.is_ok() {
                count.fetch_add(1, Ordering::Relaxed);
            }
        });
        let (tx, to) = (socket.clone(), targets.clone());
        tokio::spawn(async move {
            let mut tone = ToneGenerator::new(Tone::sine(440.0, 0.3));
            let mut tick = tokio::time::interval(std::time::Duration::from_millis(20));
            for k in 0u32.. {
                tick.tick().await;
                let mut frame = [0u8; 160];
                tone.next_frame(Codec::Pcmu, &mut frame);
                let header = RtpHeader {
                    marker: k == 0,
                    payload_type: 0,
                    sequence: k as u16,
                    timestamp: k.wrapping_mul(160),
                    ssrc: 0x5150,
                };
                let mut packet = [0u8; 200];
                let n = write_packet(&header, &frame, &mut packet).unwrap();
                let targets = to.lock().unwrap().clone();
                for target in targets {
                    let _ = tx.send_to(&packet[..n], target).await;
                }
            }
        });
        Trunk {
            socket,
            targets,
            received,
        }
    }

    /// A caller's SDP offer: PCMU from the trunk's socket.
    fn offer(&self) -> String {
        let port = self.socket.local_addr().unwrap().port();
        format!(
            "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio {port} RTP/AVP 0 101\r\na=rtpmap:101 telephone-event/8000\r\n"
        )
    }
}

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
    let rtp = args.iter().any(|a| a == "--rtp");

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
        let trunk = if rtp { Some(Trunk::start().await) } else { None };
        let setup = Instant::now();
        for i in 0..calls {
            let (leg, customer) = if let Some(trunk) = &trunk {
                let _in_server = handle.enter();
                let (answer, leg) = media.rtp_answer(&trunk.offer(), &[]).unwrap();
                trunk.targets.lock().unwrap().push(SocketAddr::new(answer.address, answer.port));
                (leg, None)
            } else {
                let (offer, pending) = Client::offer(ClientConfig::tone(440.0)).unwrap();
                let (answer, leg) = {
                    let _in_server = handle.enter();
                    media.webrtc_leg(&offer).unwrap()
                };
                (leg, Some(pending.accept_answer(&answer).unwrap()))
            };
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
        let customers = running.iter().filter_map(|r| r.2.as_ref());
        let lost: u64 = customers.clone().map(|c| c.stats().media.lost).sum::<u64>()
            + running.iter().map(|r| r.3.stats().media.lost).sum::<u64>();
        let packets: u64 = customers.map(|c| c.stats().media.packets_in).sum::<u64>()
            + running.iter().map(|r| r.3.stats().media.packets_in).sum::<u64>()
            + trunk.as_ref().map_or(0, |t| t.received.load(Ordering::Relaxed));
        println!(
            "server: {:.1}% of a core for {calls} bridged calls = {:.3}% per call{}{}; clients: {:.1}%; {packets} packets received by clients, {lost} lost",
            server * 100.0,
            server * 100.0 / calls as f64,
            if rtp { " (RTP customers)" } else { "" },
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
