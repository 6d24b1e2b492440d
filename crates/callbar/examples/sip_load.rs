//! Load client for `scripts/bench sip`: calls from the phone network (SIPp through the SIP
//! trunk) answered by simulated agents over WebRTC, at rising concurrency.
//!
//! ```text
//! cargo run --release --example sip_load -- --url http://127.0.0.1:8080 --pid <server pid> \
//!     --number +15550100 --steps 50,100,200 [--ramp 5] [--window 6] [--recording never] \
//!     --sipp-dir <folder with tone.ulaw> \
//!     -- sipp -sf $PWD/tests/sip/uac-load-early.xml -s +15550100 127.0.0.1:5060 -i 127.0.0.1 \
//!        -p 5062 -mi 127.0.0.1 -mp 6000
//! ```
//! SIPp runs in `--sipp-dir` (its `rtp_stream` plays `tone.ulaw` from there, and the message
//! traces go there), so the scenario's path must be absolute. The server's trunk must have
//! SIPp's address (SIP from other addresses is dropped).
//! It makes `--number` a phone entry point of the voice queue (admin API), creates as many
//! agents as the largest step, signs them in, connects their agent channels and sets them
//! Ready. Each agent accepts every voice offer at once and brings up its WebRTC leg with the
//! media crate's str0m client, playing 1000 Hz; it closes wrap-up when the call ends.
//!
//! It reads the server's CPU time with no call for 3 s (the agents' channels and timers).
//! Then for each step of `C` concurrent calls it runs the SIPp command after `--`, adding
//! `-m C -l C -r C -rp <ramp> -d <hold>` (C calls spread over `--ramp` seconds, each held
//! long enough for all C to be up together for the CPU window) and message tracing. With all
//! calls up it reads the server's CPU time from /proc over `--window` seconds and checks that
//! each agent heard the caller's 440 Hz in the last second; when SIPp has ended the calls it
//! reads SIPp's call counts and SIP timestamps and the agents' loss counters, and prints one
//! JSON line. It stops rising after a step with a failed call, a lost packet or a call
//! without the tone.
//!
//! Set-up times (ms), per call, as p50, p99 and max; SIPp's message trace and this client
//! share the machine's clock (microseconds; SIPp's own response timers count whole ms):
//! - `invite_to_183`: SIPp sends the INVITE → receives the 183 with the early-media answer.
//!   Purely the server: SIP, entry point, media port, SDP answer.
//! - `invite_to_offer`: the INVITE → the offer (engagement `ringing`) at the agent's socket:
//!   the above, plus the engagement created and logged (SQLite), routed, sent.
//! - `server`: the server's share of the whole set-up: `invite_to_offer` + the agent's
//!   `accept` → `start-media` + `media-offer` → `media-answer`. It leaves out the agent's own
//!   work (creating its offer) and the WebRTC handshake, which the client paces.
//! - `dtls_to_200`: the agent's DTLS handshake done → the 200 OK at SIPp. The server answers
//!   once it has forwarded audio both ways, so this includes waiting for the next caller
//!   packet (they come every 20 ms).
//! - `accept_to_200`: the agent's `accept` → the 200 OK at SIPp: everything the agent's side
//!   adds, the client's ICE and DTLS included.
//! - `invite_to_200`: what the caller waits with an agent that answers at once.
//!
//! `server_timed_setup_ms` is the server's own measurement of its share
//! (`callbar_call_setup_seconds` in `/metrics`, read before and after the step): from the
//! INVITE reaching its SIP layer to the offer queued on the agent's channel, plus the accept's
//! arrival to `start-media` queued, plus the media offer's arrival to the answer. Unlike
//! `server` above it leaves out how long this client takes to read and answer the server's
//! messages. Histogram buckets give bounds: the p50 and p99 are at most the values shown.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use callbar_media::analysis::peak_frequency;
use callbar_media::client::{Client, ClientConfig, PendingClient};
use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message;

#[path = "support/load.rs"]
mod load;
// Only its socket helpers (`Socket`, `until`); `dial` is the website caller's.
#[allow(dead_code)]
#[path = "support/widget.rs"]
mod widget;
use load::{cpu_ticks, quantile, rss_mb};
use widget::Socket;

struct Args {
    url: String,
    pid: u32,
    number: String,
    steps: Vec<usize>,
    ramp: u64,
    window: u64,
    sipp_dir: PathBuf,
    /// The voice queue's recording policy for the run (`always`, `onDemand`, `never`);
    /// unset: as the queue has it (the demo's records every call).
    recording: Option<String>,
    sipp: Vec<String>,
}

fn args() -> Args {
    let mut a = Args {
        url: "http://127.0.0.1:8080".into(),
        pid: 0,
        number: "+15550100".into(),
        steps: vec![50, 100, 200],
        ramp: 5,
        window: 6,
        sipp_dir: PathBuf::from("."),
        recording: None,
        sipp: Vec::new(),
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        if flag == "--" {
            a.sipp = it.by_ref().collect();
            break;
        }
        let value = it.next().unwrap_or_else(|| panic!("{flag} needs a value"));
        match flag.as_str() {
            "--url" => a.url = value,
            "--pid" => a.pid = value.parse().expect("--pid is a number"),
            "--number" => a.number = value,
            "--steps" => {
                a.steps = value
                    .split(',')
                    .map(|s| s.trim().parse().expect("--steps: numbers, e.g. 50,100,200"))
                    .collect();
            }
            "--ramp" => a.ramp = value.parse().expect("--ramp is seconds"),
            "--window" => a.window = value.parse().expect("--window is seconds"),
            "--sipp-dir" => a.sipp_dir = value.into(),
            "--recording" => a.recording = Some(value),
            other => panic!("unknown flag {other}"),
        }
    }
    assert!(a.pid > 0, "--pid <server pid> is required");
    assert!(!a.sipp.is_empty(), "the SIPp command goes after --");
    a
}

/// Microseconds since the Unix epoch: the clock SIPp's message trace uses too.
fn now_us() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_micros() as i64
}

/// `at` (a client's `Instant`) on the epoch clock.
fn instant_us(at: Instant) -> i64 {
    now_us() - Instant::now().saturating_duration_since(at).as_micros() as i64
}

/// One offered call as its agent saw it; times in µs since the epoch.
#[derive(Default)]
struct Call {
    /// The caller: the From user, `load<SIPp call number>`.
    from: String,
    offered: i64,
    accepted: i64,
    start_media: Option<i64>,
    media_offer: Option<i64>,
    media_answer: Option<i64>,
    /// The agent's view says the call is connected (audio both ways).
    connected: Option<i64>,
    /// Wrap-up: the call ended.
    ended: Option<i64>,
    client: Option<Client>,
    problem: Option<String>,
}

/// The calls of the current step, by engagement.
type Calls = Arc<Mutex<HashMap<String, Call>>>;

/// An agent: Ready, accepts every voice offer at once, brings up its leg, closes wrap-up.
async fn agent(ws: Socket, welcome: Value, calls: Calls, ready: tokio::sync::mpsc::Sender<()>) {
    let (mut tx, mut rx) = ws.split();
    // Already Ready (a session of an earlier run): no status change will come.
    let mut announced = welcome["status"]["statusCode"] == "1";
    if announced {
        let _ = ready.send(()).await;
    } else {
        let set_ready = json!({ "op": "set-status", "code": "1" });
        tx.send(Message::text(set_ready.to_string())).await.unwrap();
    }
    let mut pending: HashMap<String, PendingClient> = HashMap::new();
    let mut closed: Vec<String> = Vec::new();
    let send = |op: Value| Message::text(op.to_string());
    while let Some(Ok(msg)) = rx.next().await {
        let Message::Text(text) = msg else { continue };
        let at = now_us();
        let op: Value = serde_json::from_str(&text).unwrap();
        let id = op["engagementId"].as_str().unwrap_or_default().to_owned();
        match op["op"].as_str().unwrap_or_default() {
            "status" if !announced && op["status"]["statusCode"] == "1" => {
                announced = true;
                let _ = ready.send(()).await;
            }
            "engagements" => {
                for e in op["engagements"].as_array().into_iter().flatten() {
                    let id = e["engagementId"].as_str().unwrap_or_default().to_owned();
                    let state = e["state"].as_str().unwrap_or_default();
                    let fresh = state == "ringing" && !calls.lock().unwrap().contains_key(&id);
                    if fresh && e["channel"] == "voice" {
                        let accepted = now_us();
                        let accept = json!({ "op": "accept", "engagementId": id });
                        tx.send(send(accept)).await.unwrap();
                        let call = Call {
                            from: e["from"].as_str().unwrap_or_default().to_owned(),
                            offered: at,
                            accepted,
                            ..Call::default()
                        };
                        calls.lock().unwrap().insert(id.clone(), call);
                    }
                    if let Some(call) = calls.lock().unwrap().get_mut(&id) {
                        if e["call"]["connected"] == true {
                            call.connected.get_or_insert(at);
                        }
                        if state == "wrapup" {
                            call.ended.get_or_insert(at);
                        }
                    }
                    if state == "wrapup" && !closed.contains(&id) {
                        closed.push(id.clone());
                        tx.send(send(json!({ "op": "close-wrap-up", "engagementId": id })))
                            .await
                            .unwrap();
                    }
                }
            }
            "start-media" => {
                let config = ClientConfig {
                    capture: Duration::from_secs(2),
                    ..ClientConfig::tone(1000.0)
                };
                let (offer, client) = Client::offer(config).unwrap();
                pending.insert(id.clone(), client);
                let media = json!({ "op": "media-offer", "engagementId": id, "sdp": offer });
                tx.send(send(media)).await.unwrap();
                if let Some(call) = calls.lock().unwrap().get_mut(&id) {
                    call.start_media = Some(at);
                    call.media_offer = Some(now_us());
                }
            }
            "media-answer" => {
                let sdp = op["sdp"].as_str().unwrap_or_default();
                let client = pending.remove(&id).map(|p| p.accept_answer(sdp));
                if let Some(call) = calls.lock().unwrap().get_mut(&id) {
                    call.media_answer = Some(at);
                    match client {
                        Some(Ok(client)) => call.client = Some(client),
                        Some(Err(e)) => call.problem = Some(format!("answer not usable: {e}")),
                        None => call.problem = Some("an answer without an offer".into()),
                    }
                }
            }
            "deliver" => {
                let ack = json!({ "op": "delivered", "outboxId": op["outboxId"] });
                tx.send(send(ack)).await.unwrap();
            }
            "problem" => eprintln!("agent channel problem: {}", op["message"]),
            _ => {}
        }
    }
}

/// One call in SIPp's message trace; times in µs since the epoch.
#[derive(Default, Debug)]
struct SippCall {
    invite: Option<i64>,
    early: Option<i64>,
    answered: Option<i64>,
}

/// Reads SIPp's `-trace_msg` log: per call number, when the INVITE left and the 183 and the
/// 200 to it arrived. Each entry starts with a line of dashes and the local time
/// (`2026-11-26 16:03:30.591374`); `local_offset_us` turns it into epoch time.
fn sipp_trace(log: &str, local_offset_us: i64) -> HashMap<u64, SippCall> {
    let mut calls: HashMap<u64, SippCall> = HashMap::new();
    for entry in log.split("----------------------------------------------- ").skip(1) {
        let (stamp, rest) = entry.split_once('\n').unwrap_or((entry, ""));
        let Some(at) = parse_local_time(stamp.trim()) else {
            continue;
        };
        let at = at - local_offset_us;
        let sent = rest.starts_with("UDP message sent");
        let mut lines = rest.lines().skip(2);
        let start = lines.next().unwrap_or_default();
        let (mut call_id, mut cseq) = ("", "");
        for line in lines.take_while(|l| !l.is_empty()) {
            if let Some(v) = line.strip_prefix("Call-ID:") {
                call_id = v.trim();
            } else if let Some(v) = line.strip_prefix("CSeq:") {
                cseq = v.trim();
            }
        }
        // Call-ID: <call number>-<pid>@<ip>
        let Some(n) = call_id.split('-').next().and_then(|n| n.parse().ok()) else {
            continue;
        };
        let call = calls.entry(n).or_default();
        let to_invite = cseq.ends_with("INVITE");
        if sent && start.starts_with("INVITE") {
            call.invite.get_or_insert(at);
        } else if !sent && to_invite && start.starts_with("SIP/2.0 183") {
            call.early.get_or_insert(at);
        } else if !sent && to_invite && start.starts_with("SIP/2.0 200") {
            call.answered.get_or_insert(at);
        }
    }
    calls
}

/// `YYYY-MM-DD HH:MM:SS.ffffff` (or tab-separated) as µs since the epoch, as if UTC.
fn parse_local_time(s: &str) -> Option<i64> {
    let s = s.replace('\t', " ");
    let (date, time) = s.split_once(' ')?;
    let d: Vec<i64> = date.split('-').map(|x| x.parse().ok()).collect::<Option<_>>()?;
    let (hms, frac) = time.trim().split_once('.')?;
    let t: Vec<i64> = hms.split(':').map(|x| x.parse().ok()).collect::<Option<_>>()?;
    let (y, m) = if d[1] <= 2 {
        (d[0] - 1, d[1] + 9)
    } else {
        (d[0], d[1] - 3)
    };
    // Days from the civil date (Howard Hinnant's algorithm).
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * m + 2) / 5 + d[2] - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    let micros: i64 = format!("{frac:0<6}")[..6].parse().ok()?;
    Some(((days * 24 + t[0]) * 60 + t[1]) * 60_000_000 + t[2] * 1_000_000 + micros)
}

/// The cumulative `label` value of SIPp's final statistics screen, e.g. "Successful call".
fn sipp_count(stdout: &str, label: &str) -> u64 {
    stdout
        .lines()
        .filter(|l| l.trim_start().starts_with(label))
        .filter_map(|l| l.split('|').nth(2)?.trim().parse().ok())
        .next_back()
        .unwrap_or(0)
}

/// Local time minus epoch time in SIPp's clock, from its screen's
/// `Start Time | 2026-11-26<TAB>16:03:30.485401<TAB>1795709010.485401`.
fn sipp_local_offset(stdout: &str) -> i64 {
    let Some(row) = stdout.lines().find(|l| l.trim_start().starts_with("Start Time")) else {
        return 0;
    };
    let value = row.split('|').nth(1).unwrap_or_default().trim();
    let parts: Vec<&str> = value.split('\t').collect();
    let (Some(local), Some(epoch)) = (
        parts.get(..2).and_then(|p| parse_local_time(&p.join(" "))),
        parts.get(2).and_then(|e| e.trim().parse::<f64>().ok()),
    ) else {
        return 0;
    };
    local - (epoch * 1e6).round() as i64
}

/// p50 and p99 of `values` (ms) as JSON.
fn summary(mut values: Vec<f64>) -> Value {
    values.sort_by(f64::total_cmp);
    let round = |v: f64| (v * 100.0).round() / 100.0;
    json!({
        "p50": round(quantile(&values, 0.5)),
        "p99": round(quantile(&values, 0.99)),
        "max": round(values.last().copied().unwrap_or(0.0)),
        "n": values.len(),
    })
}

/// The server's own set-up histograms (`/metrics`): per series (`total`, `offer`, `accept`,
/// `media`), the cumulative count of calls at each bucket bound (seconds).
type Timed = HashMap<String, Vec<(f64, u64)>>;

async fn server_timed(http: &reqwest::Client, url: &str) -> Timed {
    let response = http.get(format!("{url}/metrics")).send().await.unwrap();
    let text = response.text().await.unwrap();
    let label = |line: &str, name: &str| {
        let from = line.find(&format!("{name}=\""))? + name.len() + 2;
        Some(line[from..].split('"').next()?.to_owned())
    };
    let mut timed = Timed::new();
    for line in text.lines() {
        let series = if line.starts_with("callbar_call_setup_seconds_bucket{") {
            "total".to_owned()
        } else if line.starts_with("callbar_call_setup_stage_seconds_bucket{") {
            let Some(stage) = label(line, "stage") else { continue };
            stage
        } else {
            continue;
        };
        let le = label(line, "le").and_then(|v| {
            if v == "+Inf" {
                Some(f64::INFINITY)
            } else {
                v.parse().ok()
            }
        });
        let count = line.rsplit(' ').next().and_then(|v| v.parse().ok());
        if let (Some(le), Some(count)) = (le, count) {
            timed.entry(series).or_default().push((le, count));
        }
    }
    timed
}

/// The calls the server timed between two readings: how many, the bucket bounds their p50
/// and p99 are at most (ms), and the share within the 20 ms goal; per stretch the p99 bound.
fn timed_summary(before: &Timed, after: &Timed) -> Value {
    let delta = |series: &str| -> Vec<(f64, u64)> {
        let earlier = before.get(series);
        let Some(later) = after.get(series) else {
            return Vec::new();
        };
        later
            .iter()
            .map(|&(le, n)| {
                let was = earlier
                    .and_then(|e| e.iter().find(|(l, _)| *l == le))
                    .map_or(0, |x| x.1);
                (le, n - was)
            })
            .collect()
    };
    let at_most = |buckets: &[(f64, u64)], q: f64| -> Value {
        let n = buckets.last().map_or(0, |b| b.1);
        let bound = buckets
            .iter()
            .find(|b| b.1 as f64 >= q * n as f64)
            .map(|b| b.0 * 1000.0);
        match bound {
            Some(ms) if ms.is_finite() && n > 0 => json!((ms * 100.0).round() / 100.0),
            _ => Value::Null,
        }
    };
    let total = delta("total");
    let n = total.last().map_or(0, |b| b.1);
    let within = total.iter().find(|b| (b.0 - 0.02).abs() < 1e-9).map_or(0, |b| b.1);
    let mut out = json!({
        "n": n,
        "p50_at_most": at_most(&total, 0.5),
        "p99_at_most": at_most(&total, 0.99),
        "within_20ms_percent": if n == 0 { 0.0 } else { (within as f64 * 1000.0 / n as f64).round() / 10.0 },
    });
    for stage in ["offer", "accept", "media"] {
        out[format!("{stage}_p99_at_most")] = at_most(&delta(stage), 0.99);
    }
    out
}

/// Busy time of the whole machine (all processes, interrupts), in clock ticks.
fn machine_busy_ticks() -> u64 {
    let stat = std::fs::read_to_string("/proc/stat").expect("/proc/stat");
    let cpu: Vec<u64> = stat
        .lines()
        .next()
        .and_then(|l| l.strip_prefix("cpu "))
        .map(|l| l.split_whitespace().filter_map(|v| v.parse().ok()).collect())
        .unwrap_or_default();
    // user nice system idle iowait irq softirq steal …: all but idle and iowait.
    cpu.iter().take(8).sum::<u64>() - cpu.get(3).copied().unwrap_or(0) - cpu.get(4).copied().unwrap_or(0)
}

/// The server before the first call, with every agent Ready, and the queue's recording policy.
struct Idle {
    rss_mb: f64,
    cpu_cores: f64,
    recording: String,
}

/// Runs one step of `concurrent` calls; returns its JSON line and whether it was clean (every
/// call answered, up together, heard, without loss).
async fn step(a: &Args, http: &reqwest::Client, calls: &Calls, concurrent: usize, idle: &Idle) -> (Value, bool) {
    calls.lock().unwrap().clear();
    let timed_before = server_timed(http, &a.url).await;
    let ramp_ms = a.ramp * 1000;
    // All calls up together for the window, with room for set-up before and analysis after.
    let hold_ms = ramp_ms + (a.window + 4) * 1000;
    let messages = a.sipp_dir.join(format!("messages-{concurrent}.log"));
    let mut command = std::process::Command::new(&a.sipp[0]);
    command
        .args(&a.sipp[1..])
        .args(["-m", &concurrent.to_string(), "-l", &concurrent.to_string()])
        .args(["-r", &concurrent.to_string(), "-rp", &ramp_ms.to_string()])
        .args(["-d", &hold_ms.to_string(), "-nostdin", "-trace_msg", "-message_file"])
        .arg(&messages)
        .current_dir(&a.sipp_dir)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped());
    let sipp = command.spawn().expect("sipp runs");
    let sipp_pid = sipp.id();
    let own_pid = std::process::id();
    let sipp_out = tokio::task::spawn_blocking(move || sipp.wait_with_output());
    let began = Instant::now();

    // Wait for every call to be up (the agent's view says connected).
    let deadline = Instant::now() + Duration::from_secs(a.ramp + 20);
    let connected = || {
        let calls = calls.lock().unwrap();
        calls
            .values()
            .filter(|c| c.connected.is_some() && c.ended.is_none())
            .count()
    };
    while connected() < concurrent && Instant::now() < deadline && !sipp_out.is_finished() {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let all_up = connected() == concurrent;
    let mut window = json!(null);
    let mut heard: Vec<Vec<i16>> = Vec::new();
    // Packets the agents have missed so far (sequence-number gaps).
    let lost_now = || -> u64 {
        let calls = calls.lock().unwrap();
        calls
            .values()
            .filter_map(|c| c.client.as_ref())
            .map(|c| c.stats().media.lost)
            .sum()
    };
    let mut lost_at_start = lost_now();
    if all_up {
        tokio::time::sleep(Duration::from_secs(1)).await;
        lost_at_start = lost_now();
        let ticks = || {
            let processes = (cpu_ticks(a.pid), cpu_ticks(own_pid), cpu_ticks(sipp_pid));
            (processes, machine_busy_ticks())
        };
        let before = ticks();
        let t0 = Instant::now();
        tokio::time::sleep(Duration::from_secs(a.window)).await;
        let after = ticks();
        let lost_in_window = lost_now() - lost_at_start;
        let seconds = t0.elapsed().as_secs_f64();
        let cores = |b: u64, e: u64| (e - b) as f64 / 100.0 / seconds;
        let ((before, machine_before), (after, machine_after)) = (before, after);
        let server = cores(before.0, after.0);
        let rss = rss_mb(a.pid);
        let up_at_end = connected();
        // What each agent heard in the last second, analysed once the calls are over: the
        // analysis takes a core for seconds, and the calls' packets must not wait for it.
        heard = calls
            .lock()
            .unwrap()
            .values()
            .filter_map(|c| c.client.as_ref())
            .map(|client| {
                let received = client.take_received();
                received[received.len().saturating_sub(8000)..].to_vec()
            })
            .collect();
        window = json!({
            "seconds": (seconds * 10.0).round() / 10.0,
            "agent_packets_lost": lost_in_window,
            "calls_up_at_end": up_at_end,
            "server_cpu_cores": (server * 1000.0).round() / 1000.0,
            "server_cpu_percent_per_call": (server * 100.0 / concurrent as f64 * 1000.0).round() / 1000.0,
            "load_client_cpu_cores": (cores(before.1, after.1) * 1000.0).round() / 1000.0,
            "sipp_cpu_cores": (cores(before.2, after.2) * 1000.0).round() / 1000.0,
            "machine_busy_cores": (cores(machine_before, machine_after) * 1000.0).round() / 1000.0,
            "server_rss_mb": (rss * 10.0).round() / 10.0,
            "rss_per_call_kb": ((rss - idle.rss_mb) * 1024.0 / concurrent as f64).round(),
        });
    }

    // SIPp ends the calls (BYE after the hold); a stuck run is ended after a grace period.
    let waited = tokio::time::timeout(Duration::from_millis(hold_ms + 60_000), sipp_out).await;
    let output = match waited {
        Ok(Ok(Ok(output))) => output,
        _ => {
            // SAFETY: kill(2) on the pid of our own child, which has not been waited for.
            unsafe { libc::kill(sipp_pid as i32, libc::SIGTERM) };
            panic!("SIPp did not finish the step of {concurrent} calls")
        }
    };
    let stdout = String::from_utf8_lossy(&output.stdout);
    eprintln!("sipp done after {:.1?}", began.elapsed());
    let (ok, failed) = (
        sipp_count(&stdout, "Successful call"),
        sipp_count(&stdout, "Failed call"),
    );
    if output.status.code() != Some(0) {
        let stderr = String::from_utf8_lossy(&output.stderr);
        eprintln!("sipp exited with {:?}: {}", output.status.code(), stderr.trim());
    }
    // Wrap-up closed everywhere, so every agent is free for the next step.
    let deadline = Instant::now() + Duration::from_secs(10);
    while calls.lock().unwrap().values().any(|c| c.ended.is_none()) && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let open = calls.lock().unwrap().values().filter(|c| c.ended.is_none()).count();
    eprintln!("wrap-up after {:.1?}; {open} calls not ended", began.elapsed());
    tokio::time::sleep(Duration::from_millis(500)).await;

    // The peak between 300 and 1200 Hz (the caller's 440 Hz, the agent's own 1000 Hz, queue
    // tones), on both cores: the scan costs tens of ms a call.
    let heard = tokio::task::spawn_blocking(move || {
        let tone = |last: &Vec<i16>| (peak_frequency(last, 8000, 300.0, 1200.0) - 440.0).abs() <= 5.0;
        let (a, b) = heard.split_at(heard.len() / 2);
        std::thread::scope(|s| {
            let first = s.spawn(|| a.iter().filter(|l| tone(l)).count());
            b.iter().filter(|l| tone(l)).count() + first.join().unwrap()
        })
    })
    .await
    .unwrap();

    let log = std::fs::read_to_string(&messages).unwrap_or_default();
    let sip = sipp_trace(&log, sipp_local_offset(&stdout));
    let ms = |from: i64, to: i64| (to - from) as f64 / 1000.0;
    let mut t: HashMap<&str, Vec<f64>> = HashMap::new();
    for c in sip.values() {
        if let (Some(invite), Some(early)) = (c.invite, c.early) {
            t.entry("invite_to_183").or_default().push(ms(invite, early));
        }
        if let (Some(invite), Some(answered)) = (c.invite, c.answered) {
            t.entry("invite_to_200").or_default().push(ms(invite, answered));
        }
    }
    let (mut lost, mut packets, mut problems) = (0, 0, 0);
    for call in calls.lock().unwrap().values() {
        problems += usize::from(call.problem.is_some() || call.client.is_none());
        let Some(client) = &call.client else { continue };
        let stats = client.stats();
        lost += stats.media.lost;
        packets += stats.media.packets_in;
        let number = call.from.strip_prefix("load").and_then(|n| n.parse::<u64>().ok());
        let Some(s) = number.and_then(|n| sip.get(&n)) else {
            continue;
        };
        let (Some(invite), Some(answered)) = (s.invite, s.answered) else {
            continue;
        };
        let (Some(start), Some(offer), Some(answer)) = (call.start_media, call.media_offer, call.media_answer) else {
            continue;
        };
        let offered = ms(invite, call.offered);
        t.entry("invite_to_offer").or_default().push(offered);
        let server = offered + ms(call.accepted, start) + ms(offer, answer);
        t.entry("server").or_default().push(server);
        t.entry("accept_to_200").or_default().push(ms(call.accepted, answered));
        if let Some(dtls) = stats.connected_at {
            t.entry("dtls_to_200").or_default().push(ms(instant_us(dtls), answered));
        }
    }
    let timed = server_timed(http, &a.url).await;
    let mut setup = serde_json::Map::new();
    for name in [
        "invite_to_183",
        "invite_to_offer",
        "server",
        "dtls_to_200",
        "accept_to_200",
        "invite_to_200",
    ] {
        setup.insert(name.into(), summary(t.remove(name).unwrap_or_default()));
    }
    let offered = calls.lock().unwrap().len();
    let line = json!({
        "concurrent_calls": concurrent,
        "rate_per_s": concurrent as f64 / a.ramp as f64,
        "hold_s": hold_ms / 1000,
        "recording": idle.recording,
        "server_idle_cpu_cores": (idle.cpu_cores * 1000.0).round() / 1000.0,
        "sipp_ok": ok,
        "sipp_failed": failed,
        "offered_to_agents": offered,
        "all_up_together": all_up,
        "heard_440hz": heard,
        "agent_packets_in": packets,
        "agent_packets_lost": lost,
        "agent_packets_lost_before_window": lost_at_start,
        "agent_problems": problems,
        "window": window,
        "setup_ms": setup,
        "server_timed_setup_ms": timed_summary(&timed_before, &timed),
    });
    let clean = all_up && failed == 0 && ok == concurrent as u64 && lost == 0 && heard == concurrent && problems == 0;
    (line, clean)
}

/// Makes `--number` a phone entry point of the voice queue and applies `--recording`;
/// returns the queue's recording policy.
async fn phone_number(a: &Args, http: &reqwest::Client, admin: &str) -> String {
    let queues = load::get(http, &format!("{}/api/v1/queues", a.url), admin).await;
    let voice = queues["queues"]
        .as_array()
        .and_then(|q| q.iter().find(|q| q["channel"] == "voice"))
        .expect("a voice queue")["id"]
        .clone();
    let routing_url = format!("{}/api/v1/queues/{}/routing", a.url, voice.as_str().unwrap());
    if let Some(policy) = &a.recording {
        let change = json!({ "recording": policy });
        let r = http
            .patch(&routing_url)
            .bearer_auth(admin)
            .json(&change)
            .send()
            .await
            .unwrap();
        assert!(
            r.status().is_success(),
            "recording policy not set: {}",
            r.text().await.unwrap()
        );
    }
    let entry =
        json!({ "name": format!("Phone line {}", a.number), "kind": "phone", "address": a.number, "queue": voice });
    let created = load::post(http, &format!("{}/api/v1/entry-points", a.url), admin, entry).await;
    assert!(created["id"].is_string(), "entry point not created: {created}");
    let routing = load::get(http, &routing_url, admin).await;
    routing["settings"]["recording"]
        .as_str()
        .unwrap_or("onDemand")
        .to_owned()
}

#[tokio::main]
async fn main() {
    let a = args();
    let http = reqwest::Client::new();
    let admin = load::admin(&http, &a.url).await;
    let recording = phone_number(&a, &http, &admin).await;

    let most = a.steps.iter().copied().max().unwrap_or(0);
    let started = Instant::now();
    let sockets = load::agents(&http, &a.url, &admin, "phone", most).await;
    let calls: Calls = Arc::default();
    let (ready_tx, mut ready_rx) = tokio::sync::mpsc::channel(most.max(1));
    for (ws, welcome) in sockets {
        tokio::spawn(agent(ws, welcome, calls.clone(), ready_tx.clone()));
    }
    for _ in 0..most {
        ready_rx.recv().await.expect("every agent becomes Ready");
    }
    eprintln!("{most} agents Ready in {:.1?}", started.elapsed());
    tokio::time::sleep(Duration::from_secs(1)).await;
    let before = cpu_ticks(a.pid);
    let t0 = Instant::now();
    tokio::time::sleep(Duration::from_secs(3)).await;
    let idle = Idle {
        rss_mb: rss_mb(a.pid),
        cpu_cores: (cpu_ticks(a.pid) - before) as f64 / 100.0 / t0.elapsed().as_secs_f64(),
        recording,
    };

    for &concurrent in &a.steps {
        let started = Instant::now();
        let (line, clean) = step(&a, &http, &calls, concurrent, &idle).await;
        println!("{line}");
        eprintln!("step of {concurrent} calls took {:.1?}", started.elapsed());
        if !clean {
            eprintln!("not clean at {concurrent} concurrent calls: not rising further");
            break;
        }
    }
}
