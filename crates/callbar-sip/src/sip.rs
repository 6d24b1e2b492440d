//! The SIP endpoint: listening, the calls in progress, and what the server can do to them.
//!
//! One task reads new transactions ([`crate::inbound`]), one reads dialog state changes
//! (CANCEL, BYE, re-INVITEs, timeouts) and turns them into [`SipEvent`]s. Calls are known
//! by a [`CallId`] of our own; the map from rsipstack's dialog ids is kept here so the
//! server never sees SIP types.

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use rsipstack::EndpointBuilder;
use rsipstack::dialog::dialog::{DialogState, DialogStateReceiver, TerminatedReason, TransactionHandle};
use rsipstack::dialog::dialog_layer::DialogLayer;
use rsipstack::dialog::invite_dialog::InviteDialog;
use rsipstack::sip::{Header, Method, StatusCode};
use rsipstack::transaction::key::TransactionRole;
use rsipstack::transport::TransportLayer;
use rsipstack::transport::tcp_listener::TcpListenerConnection;
use rsipstack::transport::udp::UdpConnection;
use tokio::sync::{mpsc, oneshot};
use tokio_util::sync::CancellationToken;

use crate::info::InfoDtmf;
use crate::{MAX_BODY, SipConfig, SipError, TrunkConfig};

/// Our name for a call (not SIP's Call-ID).
pub type CallId = String;

/// A new call from a trunk, waiting for the server's decision.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IncomingCall {
    pub call: CallId,
    /// The trunk it came from.
    pub trunk: String,
    /// The caller: the From URI's user part (usually a phone number), as sent.
    pub from: String,
    /// The number called: the request URI's user part (or the To URI's), as sent.
    pub to: String,
    /// The caller's SDP offer.
    pub offer: String,
    /// When the INVITE's transaction reached Callbar (the start of the call's set-up).
    pub received: Instant,
}

/// How a call ended on the SIP side.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ended {
    /// The caller cancelled before it was answered.
    Cancelled,
    /// The far end sent BYE.
    Bye,
    /// No ACK, no answer, or the transport failed.
    Timeout,
    /// The far end answered our request with this final status.
    Status(u16),
}

/// What happens on the SIP side, for the server to act on.
#[derive(Debug)]
pub enum SipEvent {
    Incoming(IncomingCall),
    /// The far end ended the call (never sent for calls the server ended itself).
    Ended {
        call: CallId,
        how: Ended,
    },
    /// The far end sent a new offer (a re-INVITE: hold, resume, a new address). Reply with
    /// the answer SDP, or `None` to refuse it (488).
    Reoffered {
        call: CallId,
        offer: String,
        reply: oneshot::Sender<Option<String>>,
    },
    /// The far end pressed a key, signalled in a SIP INFO request (RFC 4733 events in the
    /// RTP stream reach the call's media instead).
    Dtmf {
        call: CallId,
        dtmf: InfoDtmf,
    },
}

/// The handle on the SIP endpoint. Cheap to clone.
#[derive(Clone)]
pub struct Sip {
    pub(crate) inner: Arc<Inner>,
}

pub(crate) struct Inner {
    pub(crate) dialogs: Arc<DialogLayer>,
    pub(crate) state_tx: rsipstack::dialog::dialog::DialogStateSender,
    pub(crate) events: mpsc::UnboundedSender<SipEvent>,
    pub(crate) contact: rsipstack::sip::Uri,
    pub(crate) trunks: Vec<(TrunkConfig, Vec<IpAddr>)>,
    pub(crate) local: SocketAddr,
    calls: Mutex<Calls>,
    next_id: std::sync::atomic::AtomicU64,
}

#[derive(Default)]
pub(crate) struct Calls {
    by_id: HashMap<CallId, Entry>,
    by_dialog: HashMap<String, CallId>,
}

struct Entry {
    dialog: InviteDialog,
    /// The server ended it: no `Ended` event when the dialog terminates.
    closing: bool,
    /// Our last SDP, for offerless re-INVITEs.
    local_sdp: Option<String>,
    /// The session interval the caller refreshes, in seconds (RFC 4028), if any.
    session: Option<u32>,
    /// The answer or the last refresh (a re-INVITE or UPDATE).
    refreshed: std::time::Instant,
}

fn sdp_headers() -> Option<Vec<Header>> {
    Some(vec![Header::ContentType("application/sdp".into())])
}

impl Sip {
    /// Listens (UDP and TCP on one port) and starts handling calls. Events arrive on the
    /// returned receiver until `cancel` fires.
    pub async fn start(
        config: &SipConfig,
        cancel: CancellationToken,
    ) -> Result<(Sip, mpsc::UnboundedReceiver<SipEvent>), SipError> {
        config.validate()?;
        let trunks = config
            .trunks
            .iter()
            .map(|t| Ok((t.clone(), t.sources()?)))
            .collect::<Result<Vec<_>, SipError>>()?;
        let listen_err = |addr, e: rsipstack::Error| SipError::Listen {
            addr,
            reason: e.to_string(),
        };
        let transport = TransportLayer::new(cancel.child_token());
        let udp = UdpConnection::create_connection(config.listen, config.public_addr, Some(cancel.child_token()))
            .await
            .map_err(|e| listen_err(config.listen, e))?;
        // TCP on the port UDP got (which matters when the configured port is 0).
        let local = udp
            .get_addr()
            .get_socketaddr()
            .map_err(|e| listen_err(config.listen, e))?;
        let local = SocketAddr::new(config.listen.ip(), local.port());
        let tcp = TcpListenerConnection::new(local, config.public_addr)
            .await
            .map_err(|e| listen_err(local, e))?;
        transport.add_transport(udp.into());
        transport.add_transport(tcp.into());
        let allowed: Arc<Vec<IpAddr>> = Arc::new(trunks.iter().flat_map(|(_, s)| s.iter().copied()).collect());
        transport.set_whitelist(move |ip: IpAddr| {
            let allowed = allowed.clone();
            async move { allowed.contains(&ip) }
        });
        let option = rsipstack::transaction::endpoint::EndpointOption {
            callid_suffix: Some("callbar".into()),
            ..Default::default()
        };
        let endpoint = EndpointBuilder::new()
            .with_user_agent("Callbar")
            .with_option(option)
            .with_cancel_token(cancel.clone())
            .with_transport_layer(transport)
            .build();
        let incoming = endpoint.incoming_transactions()?;
        let dialogs = Arc::new(DialogLayer::new(endpoint.inner.clone()));
        let (state_tx, state_rx) = dialogs.new_dialog_state_channel();
        let (events, events_rx) = mpsc::unbounded_channel();
        let public = config.public_addr.unwrap_or(local);
        let contact = rsipstack::sip::Uri::try_from(format!("sip:callbar@{public}").as_str())?;
        let sip = Sip {
            inner: Arc::new(Inner {
                dialogs,
                state_tx,
                events,
                contact,
                trunks,
                local,
                calls: Mutex::new(Calls::default()),
                next_id: std::sync::atomic::AtomicU64::new(1),
            }),
        };
        for (trunk, _) in sip.inner.trunks.iter().filter(|(t, _)| t.register) {
            let credential = crate::outbound::credential(trunk);
            let registration = rsipstack::dialog::registration::Registration::new(endpoint.inner.clone(), credential);
            tokio::spawn(register(registration, trunk.clone(), cancel.child_token()));
        }
        tokio::spawn(async move { endpoint.serve().await });
        tokio::spawn(crate::inbound::serve(sip.clone(), incoming));
        tokio::spawn(watch(sip.clone(), state_rx));
        Ok((sip, events_rx))
    }

    /// The trunk named `name` (`None`: the first), with the addresses its SIP comes from.
    pub(crate) fn trunk(&self, name: Option<&str>) -> Option<&(TrunkConfig, Vec<IpAddr>)> {
        match name {
            Some(name) => self.inner.trunks.iter().find(|(t, _)| t.name == name),
            None => self.inner.trunks.first(),
        }
    }

    /// The addresses a trunk's SIP may come from (its `allowed_sources`, or its address's);
    /// its media may come from them too, besides the address in its SDP. `None`: the first
    /// trunk, as in [`Dial`](crate::Dial). Empty for a trunk that is not configured.
    pub fn trunk_sources(&self, name: Option<&str>) -> Vec<IpAddr> {
        self.trunk(name).map(|(_, sources)| sources.clone()).unwrap_or_default()
    }

    /// Where SIP is received.
    pub fn local_addr(&self) -> SocketAddr {
        self.inner.local
    }

    /// Calls in progress.
    pub fn active(&self) -> usize {
        self.lock().by_id.len()
    }

    /// Refuses a new call with a final status (404 unknown number, 503 full, 480, 486…).
    pub fn reject(&self, call: &str, status: u16) -> Result<(), SipError> {
        let dialog = self.closing(call)?;
        dialog.reject(Some(StatusCode::from(status)), None)?;
        self.forget(call);
        Ok(())
    }

    /// Early media: 183 Session Progress with our SDP answer; the caller hears what we send
    /// (ringback, the queue tone) before the call is answered.
    pub fn progress(&self, call: &str, sdp: String) -> Result<(), SipError> {
        let dialog = self.remember_sdp(call, &sdp)?;
        dialog.ringing(sdp_headers(), Some(sdp.into_bytes()))?;
        Ok(())
    }

    /// Answers: 200 OK with our SDP.
    pub fn answer(&self, call: &str, sdp: String) -> Result<(), SipError> {
        let dialog = self.remember_sdp(call, &sdp)?;
        dialog.accept(self.answer_headers(call), Some(sdp.into_bytes()))?;
        self.refreshed(call);
        self.watch_session(call);
        Ok(())
    }

    /// Sends a new offer in the dialog (a re-INVITE: `sendonly` to hold, `sendrecv` to
    /// resume). Returns the far end's answer SDP, or the status it refused with.
    pub async fn reoffer(&self, call: &str, sdp: String) -> Result<String, SipError> {
        let dialog = self.remember_sdp(call, &sdp)?;
        match dialog.reinvite(sdp_headers(), Some(sdp.into_bytes())).await? {
            Some(r) if r.status_code.code() < 300 => {
                // A re-INVITE from either side refreshes the session (RFC 4028 §10): the
                // caller's next refresh is due from now.
                self.refreshed(call);
                Ok(String::from_utf8_lossy(&r.body).into_owned())
            }
            Some(r) => Err(SipError::Stack(format!(
                "the far end refused the re-INVITE: {}",
                r.status_code
            ))),
            None => Err(SipError::Stack("the call is not established".into())),
        }
    }

    /// Ends the call from our side: BYE once answered; before that, 480 to a caller or
    /// CANCEL toward a number we dialled. No `Ended` event follows.
    pub async fn hangup(&self, call: &str) {
        self.end(call, StatusCode::TemporarilyUnavailable).await;
    }

    /// [`Sip::hangup`], answering a caller who is not answered yet with `unanswered`.
    async fn end(&self, call: &str, unanswered: StatusCode) {
        let Ok(dialog) = self.closing(call) else { return };
        let answered = matches!(dialog.state(), DialogState::Confirmed(..) | DialogState::WaitAck(..));
        let result = match (answered, dialog.role()) {
            (true, _) => dialog.bye().await,
            (false, TransactionRole::Client) => dialog.hangup().await,
            (false, TransactionRole::Server) => dialog.reject(Some(unanswered), None),
        };
        if let Err(e) = result {
            tracing::debug!(%call, "hanging up: {e}");
        }
        self.forget(call);
    }

    /// Ends every call in progress, all at once, for a server that is stopping: BYE once
    /// answered, CANCEL toward a number we dialled, and 503 Service Unavailable to a caller
    /// not answered yet, which tells the trunk to try another server if it has one (RFC 3261
    /// §21.5.4). Waits for the far ends' answers for at most `within`, so a trunk that does
    /// not answer cannot hold up the stop.
    pub async fn hangup_all(&self, within: std::time::Duration) {
        let calls: Vec<CallId> = self.lock().by_id.keys().cloned().collect();
        if calls.is_empty() {
            return;
        }
        tracing::info!(calls = calls.len(), "ending the SIP calls in progress");
        let mut hangups = tokio::task::JoinSet::new();
        for call in calls {
            let sip = self.clone();
            hangups.spawn(async move { sip.end(&call, StatusCode::ServiceUnavailable).await });
        }
        let _ = tokio::time::timeout(within, async { while hangups.join_next().await.is_some() {} }).await;
    }

    pub(crate) fn new_call_id(&self) -> CallId {
        let n = self.inner.next_id.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        format!("sip-{n}")
    }

    pub(crate) fn add(&self, call: &CallId, dialog: InviteDialog, session: Option<u32>) {
        let mut calls = self.lock();
        calls.by_dialog.insert(dialog.id().to_string(), call.clone());
        calls.by_id.insert(
            call.clone(),
            Entry {
                dialog,
                closing: false,
                local_sdp: None,
                session,
                refreshed: std::time::Instant::now(),
            },
        );
    }

    /// The headers of a 2xx to an INVITE or UPDATE of `call`: the SDP's, and the session
    /// timer's when there is one.
    fn answer_headers(&self, call: &str) -> Option<Vec<Header>> {
        let mut headers = sdp_headers()?;
        if let Some(interval) = self.lock().by_id.get(call).and_then(|e| e.session) {
            headers.extend(crate::session_timer::headers(interval));
        }
        Some(headers)
    }

    /// A refresh of `call`'s session arrived (or the answer went out).
    fn refreshed(&self, call: &str) {
        if let Some(entry) = self.lock().by_id.get_mut(call) {
            entry.refreshed = std::time::Instant::now();
        }
    }

    /// Ends `call` with BYE once its session expires without a refresh (RFC 4028 §10), and
    /// reports it as timed out.
    fn watch_session(&self, call: &str) {
        let Some(interval) = self.lock().by_id.get(call).and_then(|e| e.session) else {
            return;
        };
        let (sip, call) = (self.clone(), call.to_owned());
        tokio::spawn(async move {
            loop {
                let expires = {
                    let calls = sip.lock();
                    let Some(entry) = calls.by_id.get(&call).filter(|e| !e.closing) else {
                        return;
                    };
                    crate::session_timer::expires(entry.refreshed, interval)
                };
                if std::time::Instant::now() < expires {
                    tokio::time::sleep_until(expires.into()).await;
                    continue;
                }
                tracing::info!(%call, "the session expired without a refresh: BYE");
                sip.hangup(&call).await;
                let _ = sip.inner.events.send(SipEvent::Ended {
                    call,
                    how: Ended::Timeout,
                });
                return;
            }
        });
    }

    fn closing(&self, call: &str) -> Result<InviteDialog, SipError> {
        let mut calls = self.lock();
        let entry = calls
            .by_id
            .get_mut(call)
            .ok_or_else(|| SipError::NoCall(call.to_owned()))?;
        entry.closing = true;
        Ok(entry.dialog.clone())
    }

    fn remember_sdp(&self, call: &str, sdp: &str) -> Result<InviteDialog, SipError> {
        if sdp.len() > MAX_BODY {
            return Err(SipError::Stack("the SDP is too large".into()));
        }
        let mut calls = self.lock();
        let entry = calls
            .by_id
            .get_mut(call)
            .ok_or_else(|| SipError::NoCall(call.to_owned()))?;
        entry.local_sdp = Some(sdp.to_owned());
        Ok(entry.dialog.clone())
    }

    pub(crate) fn forget(&self, call: &str) {
        let mut calls = self.lock();
        if let Some(entry) = calls.by_id.remove(call) {
            let id = entry.dialog.id().to_string();
            calls.by_dialog.remove(&id);
            self.inner.dialogs.remove_dialog(&entry.dialog.id());
        }
    }

    pub(crate) fn lock(&self) -> std::sync::MutexGuard<'_, Calls> {
        self.inner.calls.lock().expect("sip calls lock")
    }
}

/// How long a registration asks to last; it is refreshed at three quarters of what the
/// registrar grants.
const REGISTER_EXPIRES: u32 = 600;

/// Keeps the trunk's registration alive until `cancel`, and logs each outcome.
async fn register(
    mut registration: rsipstack::dialog::registration::Registration,
    trunk: TrunkConfig,
    cancel: CancellationToken,
) {
    use rsipstack::dialog::registration::RefreshOutcome;
    let server = match rsipstack::sip::Uri::try_from(format!("sip:{}", trunk.address).as_str()) {
        Ok(uri) => uri,
        Err(e) => return tracing::warn!(trunk = %trunk.name, "cannot register: {e}"),
    };
    let name = trunk.name.clone();
    registration
        .keep_alive(server, REGISTER_EXPIRES, cancel, move |outcome| match outcome {
            RefreshOutcome::Registered(_) => tracing::info!(trunk = %name, "registered with the trunk"),
            RefreshOutcome::Rejected(r) => {
                tracing::warn!(trunk = %name, status = %r.status_code, "the trunk refused our registration; check username and password")
            }
            RefreshOutcome::Failed(e) => tracing::warn!(trunk = %name, "registering with the trunk failed: {e}"),
        })
        .await;
}

/// Turns dialog state changes of inbound calls into events: the far end leaving, new
/// offers. (Outbound calls have a state channel each; see [`crate::outbound`].)
async fn watch(sip: Sip, mut states: DialogStateReceiver) {
    while let Some(state) = states.recv().await {
        let id = match &state {
            DialogState::Terminated(id, _)
            | DialogState::Updated(id, ..)
            | DialogState::Info(id, ..)
            | DialogState::Options(id, ..)
            | DialogState::Message(id, ..)
            | DialogState::Notify(id, ..)
            | DialogState::Publish(id, ..)
            | DialogState::Refer(id, ..) => id.to_string(),
            _ => continue,
        };
        let call = sip.lock().by_dialog.get(&id).cloned();
        sip.in_dialog(call, state).await;
    }
}

/// The final status an ended dialog stands for.
pub(crate) fn status_of(reason: &TerminatedReason) -> Ended {
    match reason {
        TerminatedReason::UacCancel => Ended::Cancelled,
        TerminatedReason::UacBye | TerminatedReason::UasBye => Ended::Bye,
        TerminatedReason::Timeout => Ended::Timeout,
        TerminatedReason::UacBusy | TerminatedReason::UasBusy => Ended::Status(486),
        TerminatedReason::UasDecline => Ended::Status(603),
        TerminatedReason::ProxyAuthRequired => Ended::Status(407),
        TerminatedReason::ProxyError(s) | TerminatedReason::UacOther(s) | TerminatedReason::UasOther(s) => {
            Ended::Status(s.code())
        }
    }
}

impl Sip {
    /// An in-dialog INFO: DTMF (see [`crate::info`]) is reported as [`SipEvent::Dtmf`] and
    /// answered 200, a DTMF body that cannot be read 400 with a `Warning` saying why, any
    /// other INFO 200.
    async fn info(&self, call: Option<CallId>, request: &rsipstack::sip::Request, handle: &TransactionHandle) {
        let content_type = request.headers.iter().find_map(|h| match h {
            Header::ContentType(c) => Some(c.value().to_owned()),
            _ => None,
        });
        let _ = match crate::info::parse(content_type.as_deref(), &request.body) {
            Ok(dtmf) => {
                if let (Some(dtmf), Some(call)) = (dtmf, call) {
                    let _ = self.inner.events.send(SipEvent::Dtmf { call, dtmf });
                }
                handle.reply(StatusCode::OK).await
            }
            Err(reason) => {
                tracing::debug!(reason, "unreadable DTMF in an INFO");
                let warning = Header::Warning(format!("399 callbar \"{reason}\"").into());
                handle.respond(StatusCode::BadRequest, Some(vec![warning]), None).await
            }
        };
    }

    /// Handles a state change of `call`'s dialog once it exists: the far end ending it,
    /// new offers, other in-dialog requests.
    pub(crate) async fn in_dialog(&self, call: Option<CallId>, state: DialogState) {
        match state {
            DialogState::Terminated(id, reason) => {
                self.inner.dialogs.remove_dialog(&id);
                let Some(call) = call else { return };
                let closing = {
                    let mut calls = self.lock();
                    calls.by_dialog.retain(|_, c| *c != call);
                    calls.by_id.remove(&call).is_some_and(|e| e.closing)
                };
                if !closing {
                    let how = status_of(&reason);
                    let _ = self.inner.events.send(SipEvent::Ended { call, how });
                }
            }
            DialogState::Updated(_, request, handle) => {
                let Some(call) = call else {
                    let _ = handle.reply(StatusCode::CallTransactionDoesNotExist).await;
                    return;
                };
                self.refreshed(&call);
                let local_sdp = self.lock().by_id.get(&call).and_then(|e| e.local_sdp.clone());
                let headers = self.answer_headers(&call);
                let events = self.inner.events.clone();
                tokio::spawn(async move {
                    let answer = if request.method == Method::Invite && !request.body.is_empty() {
                        let (reply, answer) = oneshot::channel();
                        let offer = String::from_utf8_lossy(&request.body).into_owned();
                        let _ = events.send(SipEvent::Reoffered { call, offer, reply });
                        answer.await.ok().flatten()
                    } else {
                        // An offerless re-INVITE (we offer what we had) or an UPDATE without SDP.
                        local_sdp
                    };
                    let _ = match answer {
                        Some(sdp) => handle.respond(StatusCode::OK, headers, Some(sdp.into_bytes())).await,
                        None => handle.reply(StatusCode::NotAcceptableHere).await,
                    };
                });
            }
            DialogState::Info(_, request, handle) => self.info(call, &request, &handle).await,
            DialogState::Options(_, _, handle)
            | DialogState::Message(_, _, handle)
            | DialogState::Notify(_, _, handle)
            | DialogState::Publish(_, _, handle) => {
                let _ = handle.reply(StatusCode::OK).await;
            }
            DialogState::Refer(_, _, handle) => {
                let _ = handle.reply(StatusCode::Forbidden).await;
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Transport;

    fn trunk(name: &str, address: &str, allowed_sources: Vec<IpAddr>) -> TrunkConfig {
        TrunkConfig {
            name: name.into(),
            address: address.into(),
            transport: Transport::Udp,
            username: None,
            password: None,
            register: false,
            allowed_sources,
        }
    }

    #[tokio::test]
    async fn a_trunks_media_may_come_from_where_its_sip_comes_from() {
        let carrier = trunk("carrier", "127.0.0.3:5060", vec![]);
        let pbx_sources = vec![IpAddr::from([127, 0, 0, 4]), IpAddr::from([127, 0, 0, 5])];
        let pbx = trunk("pbx", "127.0.0.4:5060", pbx_sources.clone());
        let config = SipConfig {
            listen: "127.0.0.1:0".parse().unwrap(),
            public_addr: None,
            trunks: vec![carrier, pbx],
        };
        let cancel = CancellationToken::new();
        let (sip, _events) = Sip::start(&config, cancel.clone()).await.unwrap();
        assert_eq!(sip.trunk_sources(Some("pbx")), pbx_sources);
        assert_eq!(sip.trunk_sources(Some("carrier")), [IpAddr::from([127, 0, 0, 3])]);
        assert_eq!(
            sip.trunk_sources(None),
            [IpAddr::from([127, 0, 0, 3])],
            "the first trunk"
        );
        assert!(sip.trunk_sources(Some("nobody")).is_empty());
        cancel.cancel();
    }
}
