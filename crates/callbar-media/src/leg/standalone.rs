//! The task that drives a leg until a call takes it.
//!
//! It answers ICE and DTLS, watches the timeouts and reports [`LegEvent`]s on the leg's
//! channel. Audio received before the leg joins a call is dropped, and nothing is sent: the
//! call decides what a leg hears.

use std::time::Instant;

use tokio::sync::mpsc;

use super::{CloseReason, Control, LegCore, LegEvent, LegOutput};

pub(super) async fn run(
    mut core: LegCore,
    mut control: mpsc::UnboundedReceiver<Control>,
    events: mpsc::UnboundedSender<LegEvent>,
) {
    let mut buf = vec![0u8; crate::RECV_BUFFER];
    let mut emit = |o: LegOutput<'_>| {
        if let LegOutput::Event(e) = o {
            let _ = events.send(e);
        }
    };
    let sleep = tokio::time::sleep_until(core.deadline().into());
    tokio::pin!(sleep);
    while !core.is_closed() {
        sleep.as_mut().reset(core.deadline().into());
        tokio::select! {
            c = control.recv() => match c {
                Some(Control::Handover(to)) => {
                    if let Err(core) = to.send(core) {
                        // The call went away while taking it: nobody owns the leg now.
                        let mut core = core;
                        core.close(Instant::now(), CloseReason::Local, &mut emit);
                    }
                    return;
                }
                None => core.close(Instant::now(), CloseReason::Local, &mut emit),
            },
            r = core.socket.recv_from(&mut buf) => match r {
                Ok((n, from)) => core.on_datagram(Instant::now(), &buf[..n], from, &mut emit),
                Err(e) => tracing::debug!(leg = %core.id, error = %e, "udp receive error"),
            },
            () = &mut sleep => core.on_timeout(Instant::now(), &mut emit),
        }
    }
}
