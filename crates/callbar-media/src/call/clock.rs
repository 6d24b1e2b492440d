//! The media clock: a few tasks that drive every bridged call's 20 ms step.
//!
//! Why: once a call is bridged its legs' sockets are read on the clock (see [`task`]), and
//! each call used to keep its own timer and be woken as its own task every 20 ms. At a few
//! hundred calls that wake-up (a timer-wheel entry, a task scheduled and polled, its
//! command channel polled) was a tenth of the server's CPU. Now a bridged call is handed to
//! one of the clock's shards (one per core): each tick, the shard steps each of its calls in
//! turn under an uncontended lock. The call's own task stays parked on its command channel
//! and wakes only for a command, which it carries out under the same lock.
//!
//! A call goes back to its own task when it needs to wait for something: attaching an agent
//! (the new leg's ICE and DTLS are handled as datagrams arrive, not on the clock). A call
//! that ends on the clock (a leg closed, a watchdog fired) is dropped by its shard, which
//! wakes the call's task so that it finishes too.
//!
//! [`task`]: super::task

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Instant;

use tokio::sync::{Notify, mpsc};

use super::Command;
use super::task::{Attach, CallTask, next_poll};

/// A handle on the clock's shards; cheap to clone. The shards stop once every handle is
/// dropped and their last call has ended.
#[derive(Clone)]
pub(crate) struct Clock {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for Clock {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Clock")
            .field("shards", &self.inner.shards.len())
            .finish()
    }
}

struct Inner {
    shards: Vec<mpsc::UnboundedSender<Arc<Entry>>>,
    next: AtomicUsize,
    /// Calls on the clock now.
    riding: AtomicUsize,
}

/// Counts a call on the clock while it lives.
struct Riding<'a>(&'a AtomicUsize);

impl<'a> Riding<'a> {
    fn new(count: &'a AtomicUsize) -> Riding<'a> {
        count.fetch_add(1, Ordering::Relaxed);
        Riding(count)
    }
}

impl Drop for Riding<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::Relaxed);
    }
}

/// A call on the clock, shared by its shard and its own task.
struct Entry {
    /// `None` once the call has left the clock (back to its task) or ended.
    call: Mutex<Option<CallTask>>,
    /// Tells the call's task that its call ended on the clock.
    ended: Notify,
}

impl Entry {
    fn lock(&self) -> MutexGuard<'_, Option<CallTask>> {
        self.call.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

/// Why a call's task takes its call back from the clock.
pub(super) enum Back {
    /// An agent to attach (the command's reply is sent once the leg is ready).
    Attach(CallTask, Attach),
    /// The clock is gone (its runtime is shutting down): the task drives the call itself.
    NoClock(CallTask),
}

impl Clock {
    /// Starts one shard per core on the current Tokio runtime.
    pub(crate) fn start() -> Clock {
        let count = std::thread::available_parallelism().map_or(1, usize::from);
        let shards = (0..count)
            .map(|_| {
                let (tx, rx) = mpsc::unbounded_channel();
                tokio::spawn(shard(rx));
                tx
            })
            .collect();
        Clock {
            inner: Arc::new(Inner {
                shards,
                next: AtomicUsize::new(0),
                riding: AtomicUsize::new(0),
            }),
        }
    }

    /// Hands `call` to a shard and serves its commands until the call ends (`None`) or its
    /// task must take it back.
    pub(super) async fn ride(&self, call: CallTask, commands: &mut mpsc::UnboundedReceiver<Command>) -> Option<Back> {
        let entry = Arc::new(Entry {
            call: Mutex::new(Some(call)),
            ended: Notify::new(),
        });
        let at = self.inner.next.fetch_add(1, Ordering::Relaxed) % self.inner.shards.len();
        if self.inner.shards[at].send(entry.clone()).is_err() {
            return entry.lock().take().map(Back::NoClock);
        }
        let _riding = Riding::new(&self.inner.riding);
        loop {
            let command = tokio::select! {
                c = commands.recv() => c,
                () = entry.ended.notified() => return None,
            };
            let mut slot = entry.lock();
            // Ended on the clock between the wake-up and the lock.
            let call = slot.as_mut()?;
            let now = Instant::now();
            let Some(command) = command else {
                // Every handle is gone: hang up.
                call.end(super::EndReason::Hangup);
                slot.take();
                return None;
            };
            if let Some(attach) = call.on_command(command, now) {
                return slot.take().map(|call| Back::Attach(call, attach));
            }
            call.after_input(now);
            if call.ended() {
                slot.take();
                return None;
            }
        }
    }

    /// How many calls are on the clock.
    #[cfg(test)]
    pub(crate) fn riding(&self) -> usize {
        self.inner.riding.load(Ordering::Relaxed)
    }
}

/// A shard: every 20 ms, one step of each of its calls.
async fn shard(mut arrivals: mpsc::UnboundedReceiver<Arc<Entry>>) {
    let mut calls: Vec<Arc<Entry>> = Vec::new();
    let mut open = true;
    let sleep = tokio::time::sleep_until(next_poll(Instant::now()).into());
    tokio::pin!(sleep);
    loop {
        tokio::select! {
            entry = arrivals.recv(), if open => match entry {
                Some(entry) => calls.push(entry),
                None if calls.is_empty() => return,
                None => open = false,
            },
            () = &mut sleep => {
                let now = Instant::now();
                calls.retain(|entry| step(entry, now));
                if !open && calls.is_empty() {
                    return;
                }
                sleep.as_mut().reset(next_poll(Instant::now()).into());
            }
        }
    }
}

/// One step of a call on the clock; `false` once it is no longer on it.
fn step(entry: &Entry, now: Instant) -> bool {
    let mut slot = entry.lock();
    let Some(call) = slot.as_mut() else {
        return false;
    };
    call.poll(now);
    call.after_input(now);
    if call.ended() {
        slot.take();
        entry.ended.notify_one();
        return false;
    }
    true
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use crate::client::{Client, ClientConfig};
    use crate::{Call, CallConfig, CallEvent, CallEvents, CloseReason, EndReason, Leg, Media, MediaConfig};

    fn media() -> Media {
        Media::new(MediaConfig {
            ports: 46000..=46099,
            ..MediaConfig::default()
        })
    }

    async fn client(media: &Media, freq: f32) -> (Client, Leg) {
        let (offer, pending) = Client::offer(ClientConfig::tone(freq)).unwrap();
        let (answer, leg) = media.webrtc_leg(&offer).unwrap();
        let client = pending.accept_answer(&answer).unwrap();
        assert!(client.wait_connected(Duration::from_secs(5)).await);
        (client, leg)
    }

    async fn until(what: &str, mut done: impl FnMut() -> bool) {
        for _ in 0..250 {
            if done() {
                return;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        panic!("timed out waiting until {what}");
    }

    async fn event(events: &mut CallEvents, want: CallEvent) {
        let found = tokio::time::timeout(Duration::from_secs(5), async {
            while let Some(e) = events.next().await {
                if e == want {
                    return true;
                }
            }
            false
        });
        assert_eq!(found.await, Ok(true), "no {want:?}");
    }

    fn riding(media: &Media) -> usize {
        media.clock().map_or(0, super::Clock::riding)
    }

    /// A customer (440 Hz) and an agent (1000 Hz) bridged, once their call is on the clock.
    async fn on_the_clock(media: &Media) -> (Call, CallEvents, Client, Client) {
        let (customer, leg) = client(media, 440.0).await;
        let (call, mut events) = media.call(leg, CallConfig::default());
        assert_eq!(riding(media), 0, "not before an agent");
        let (agent, agent_leg) = client(media, 1000.0).await;
        call.attach_agent(agent_leg).await.unwrap();
        event(&mut events, CallEvent::AgentConnected).await;
        until("the call is on the clock", || riding(media) == 1).await;
        (call, events, customer, agent)
    }

    /// Audio `client` receives over the next 400 ms.
    async fn heard(client: &Client) -> usize {
        client.take_received();
        tokio::time::sleep(Duration::from_millis(400)).await;
        client.take_received().len()
    }

    #[tokio::test]
    async fn a_bridged_call_rides_the_clock_and_leaves_it_to_attach_an_agent() {
        let media = media();
        let (call, mut events, customer, agent) = on_the_clock(&media).await;
        assert!(
            heard(&customer).await > 2400 && heard(&agent).await > 2400,
            "audio on the clock"
        );

        // The agent leaves: the customer, alone, stays on the clock and hears ringback.
        agent.close();
        event(&mut events, CallEvent::AgentLeft(CloseReason::Remote)).await;
        assert_eq!(riding(&media), 1);
        assert!(heard(&customer).await > 2400, "ringback on the clock");

        // A new agent: the call's task takes it back for the leg's set-up, then returns it.
        let (agent2, leg2) = client(&media, 1000.0).await;
        call.attach_agent(leg2).await.unwrap();
        event(&mut events, CallEvent::AgentConnected).await;
        until("the call is back on the clock", || riding(&media) == 1).await;
        assert!(heard(&agent2).await > 2400, "the second agent hears the customer");

        call.hangup().await;
        event(&mut events, CallEvent::Ended(EndReason::Hangup)).await;
        assert_eq!(riding(&media), 0);
    }

    #[tokio::test]
    async fn a_call_that_ends_on_the_clock_ends_its_task() {
        let media = media();
        let (call, mut events, customer, _agent) = on_the_clock(&media).await;
        customer.close();
        event(&mut events, CallEvent::Ended(EndReason::CustomerLeft)).await;
        let after = tokio::time::timeout(Duration::from_secs(2), events.next()).await;
        assert_eq!(after, Ok(None), "the task ended and dropped its events");
        assert_eq!(riding(&media), 0);
        assert!(call.set_hold(true).await.is_err(), "commands fail after the end");
    }

    #[test]
    fn a_call_whose_clock_is_gone_runs_on_its_own_task() {
        let gone = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let clock = gone.block_on(async { super::Clock::start() });
        drop(gone);
        let runtime = tokio::runtime::Runtime::new().unwrap();
        runtime.block_on(async {
            let media = media();
            let (customer, leg) = client(&media, 440.0).await;
            let (call, mut events) = Call::start(leg, CallConfig::default(), std::env::temp_dir(), clock.clone());
            let (agent, agent_leg) = client(&media, 1000.0).await;
            call.attach_agent(agent_leg).await.unwrap();
            event(&mut events, CallEvent::AgentConnected).await;
            assert!(
                heard(&customer).await > 2400 && heard(&agent).await > 2400,
                "audio both ways without the clock"
            );
            assert_eq!(clock.riding(), 0);
            call.set_hold(true).await.unwrap();
            call.hangup().await;
            event(&mut events, CallEvent::Ended(EndReason::Hangup)).await;
        });
    }

    #[tokio::test]
    async fn dropping_every_handle_hangs_up_a_call_on_the_clock() {
        let media = media();
        let (call, mut events, _customer, agent) = on_the_clock(&media).await;
        call.set_mute(true).await.unwrap();
        drop(call);
        event(&mut events, CallEvent::Ended(EndReason::Hangup)).await;
        until("the agent's leg is closed", || agent.stats().closed.is_some()).await;
        assert_eq!(riding(&media), 0);
    }
}
