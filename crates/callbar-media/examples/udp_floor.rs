//! The kernel's share of a bridged call, measured alone: what one UDP datagram costs to send
//! and to receive on this machine, with no WebRTC, no SRTP and no Tokio.
//!
//! `cargo run --release -p callbar-media --example udp_floor -- [SOCKETS] [ROUNDS]`
//!
//! Each round sends one 172-byte datagram (a 20 ms PCMU packet with its RTP header) from each
//! of SOCKETS sockets to its own receiving socket on 127.0.0.1, then reads every receiving
//! socket until it is empty, the way a call's media clock reads its legs (one datagram and
//! one empty read). The CPU time of this thread (`/proc/thread-self/schedstat`, in ns) is
//! summed separately for the sends and for the reads.
//!
//! A bridged call moves four datagrams per 20 ms (one in and one out on each leg), so
//! `2 × send + 2 × receive` every 20 ms is the least CPU a call can cost with one system call
//! per datagram. The figure is a floor: nobody waits on the receiving sockets, so the
//! wake-up a real receiver costs the sender on loopback is not in it.

use std::net::UdpSocket;
use std::time::Duration;

/// This thread's CPU time so far.
fn thread_cpu() -> Duration {
    let stat = std::fs::read_to_string("/proc/thread-self/schedstat").unwrap_or_default();
    let ns = stat.split_whitespace().next().and_then(|v| v.parse().ok()).unwrap_or(0);
    Duration::from_nanos(ns)
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let sockets: usize = args.first().and_then(|v| v.parse().ok()).unwrap_or(200);
    let rounds: u32 = args.get(1).and_then(|v| v.parse().ok()).unwrap_or(2000);

    let bind = || {
        let s = UdpSocket::bind("127.0.0.1:0").expect("a loopback UDP socket");
        s.set_nonblocking(true).expect("non-blocking");
        s
    };
    let pairs: Vec<(UdpSocket, UdpSocket)> = (0..sockets).map(|_| (bind(), bind())).collect();
    let targets: Vec<_> = pairs.iter().map(|(_, r)| r.local_addr().expect("bound")).collect();
    let packet = [0x55u8; 172];
    let mut buf = [0u8; 2048];
    let (mut sending, mut receiving, mut received) = (Duration::ZERO, Duration::ZERO, 0u64);
    for _ in 0..rounds {
        let t = thread_cpu();
        for ((s, _), to) in pairs.iter().zip(&targets) {
            let _ = s.send_to(&packet, to);
        }
        let u = thread_cpu();
        for (_, r) in &pairs {
            while r.recv_from(&mut buf).is_ok() {
                received += 1;
            }
        }
        receiving += thread_cpu() - u;
        sending += u - t;
    }
    let sent = f64::from(rounds) * sockets as f64;
    let send_us = sending.as_secs_f64() * 1e6 / sent;
    let receive_us = receiving.as_secs_f64() * 1e6 / sent;
    let per_call = 2.0 * (send_us + receive_us) / 20_000.0 * 100.0;
    println!(
        "{{\"sockets\":{sockets},\"datagrams\":{sent},\"received\":{received},\"send_us\":{send_us:.2},\
         \"receive_us\":{receive_us:.2},\"floor_percent_per_call\":{per_call:.3}}}"
    );
}
