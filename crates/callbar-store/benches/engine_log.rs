//! The engine's log on SQLite: how long the engine waits for its commands to be durable.
//!
//! The engine appends every command it applies before any effect leaves the process, so each
//! append is on the path of every call set-up. This times `append_commands` with one
//! command (a typical 350-byte engagement) and with a batch of eight, on a file database as
//! the server opens it, in a runtime of two worker threads. Three rounds of 3,000 appends
//! each; prints one JSON line per case with the mean, p50, p99 and max in microseconds.
//!
//! `cargo bench -p callbar-store --bench engine_log`

use std::time::Instant;

use callbar_store::{SqliteStore, Store};
use serde_json::json;

const ROUNDS: usize = 3;
const APPENDS: usize = 3_000;

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("a runtime");
    runtime.block_on(async {
        let dir = tempfile::tempdir().expect("a temporary folder");
        let store = SqliteStore::open(dir.path()).await.expect("the database opens");
        for batch in [1, 8] {
            let mut times = Vec::with_capacity(ROUNDS * APPENDS);
            for i in 0..ROUNDS * APPENDS {
                let commands: Vec<(i64, String)> = (0..batch)
                    .map(|j| {
                        let id = format!("{i}-{j}");
                        let command = json!({ "CreateEngagement": { "id": id, "subject": "x".repeat(300) } });
                        (i as i64, command.to_string())
                    })
                    .collect();
                let began = Instant::now();
                store.append_commands(&commands, &[]).await.expect("appended");
                times.push(began.elapsed().as_micros() as u64);
            }
            times.sort_unstable();
            let at = |q: f64| times[((times.len() - 1) as f64 * q) as usize];
            let mean = times.iter().sum::<u64>() as f64 / times.len() as f64;
            let line = json!({
                "bench": "engine_log_append",
                "commands_per_append": batch,
                "appends": times.len(),
                "mean_us": mean.round(),
                "p50_us": at(0.5),
                "p99_us": at(0.99),
                "max_us": times.last(),
            });
            println!("{line}");
        }
    });
}
