//! `callbar`: the contact-center server, and the commands that manage its organization.

use std::process::ExitCode;

use callbar::cli::Cli;
use clap::Parser;

fn main() -> ExitCode {
    return_freed_memory();
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(callbar::run(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

/// Makes glibc hand large freed blocks back to the system.
///
/// Argon2id allocates 19 MiB per password check. glibc's dynamic mmap threshold would
/// move such blocks into its heap arenas after the first free and keep them for good,
/// leaving an idle server at over 100 MB. A fixed threshold (the default's starting value)
/// and two arenas keep an idle server near 10 MB (docs/benchmarks.md).
fn return_freed_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only changes allocator tuning; it runs before any thread starts.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, 128 * 1024);
        libc::mallopt(libc::M_ARENA_MAX, 2);
    }
}
