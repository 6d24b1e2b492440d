//! Calls we place through a trunk (click-to-dial).
//!
//! Each outbound call gets a dialog state channel of its own, so its provisional responses
//! (180, 183 with early media) and its outcome reach the caller of [`Sip::dial`] in order as
//! [`Progress`]; once answered, the far end's BYE and re-INVITEs become [`SipEvent`]s like
//! an inbound call's. Digest challenges (401/407) are answered with the trunk's credentials
//! by rsipstack.

use rsipstack::dialog::authenticate::Credential;
use rsipstack::dialog::dialog::{DialogState, DialogStateReceiver};
use rsipstack::dialog::invitation::{InviteAsyncResult, InviteOption};
use rsipstack::transport::SipAddr;
use tokio::sync::mpsc;

use crate::sip::{CallId, Sip};
use crate::{SipError, Transport};

/// A call to place.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dial {
    /// The trunk's name (`None`: the first trunk).
    pub trunk: Option<String>,
    /// The caller ID to present (the From user part).
    pub from: String,
    /// The number to call.
    pub to: String,
    /// Our SDP offer.
    pub offer: String,
}

/// How an outbound call gets on, in order: any number of `Ringing`, then `Answered` or
/// `Failed`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Progress {
    /// 180 or 183; `sdp` is the far end's answer when it sends early media.
    Ringing { sdp: Option<String> },
    /// 200 OK with the far end's answer.
    Answered { sdp: String },
    /// A final failure: the status (486 busy, 404…), or `None` when the trunk did not
    /// answer at all (unreachable, timeout).
    Failed { status: Option<u16> },
}

impl Sip {
    /// Places a call through a trunk. Returns the call and its progress; hang it up (or
    /// cancel it while it rings) with [`Sip::hangup`].
    pub fn dial(&self, dial: Dial) -> Result<(CallId, mpsc::UnboundedReceiver<Progress>), SipError> {
        let trunk = self
            .trunk(dial.trunk.as_deref())
            .map(|(t, _)| t.clone())
            .ok_or_else(|| {
                SipError::Config(match &dial.trunk {
                    Some(name) => format!("no trunk named {name:?} is configured"),
                    None => "no SIP trunk is configured".into(),
                })
            })?;
        let valid = |s: &str| !s.is_empty() && s.len() <= 32 && s.chars().all(|c| c.is_ascii_digit() || c == '+');
        if !valid(&dial.to) || !(dial.from.is_empty() || valid(&dial.from)) {
            return Err(SipError::Stack(format!(
                "numbers must be digits with an optional leading + (to {:?}, from {:?})",
                dial.to, dial.from
            )));
        }
        let peer = trunk.peer()?;
        let transport = match trunk.transport {
            Transport::Udp => rsipstack::sip::Transport::Udp,
            Transport::Tcp => rsipstack::sip::Transport::Tcp,
        };
        let param = if trunk.transport == Transport::Tcp {
            ";transport=tcp"
        } else {
            ""
        };
        let uri = |s: String| rsipstack::sip::Uri::try_from(s.as_str()).map_err(SipError::from);
        let from = if dial.from.is_empty() {
            "callbar".to_owned()
        } else {
            dial.from.clone()
        };
        let option = InviteOption {
            caller: uri(format!("sip:{from}@{}", self.inner.contact.host_with_port))?,
            callee: uri(format!("sip:{}@{peer}{param}", dial.to))?,
            contact: self.inner.contact.clone(),
            destination: Some(SipAddr {
                r#type: Some(transport),
                addr: peer.into(),
            }),
            content_type: Some("application/sdp".into()),
            offer: Some(dial.offer.into_bytes()),
            credential: credential(&trunk),
            ..Default::default()
        };
        let (state_tx, states) = self.inner.dialogs.new_dialog_state_channel();
        let (dialog, outcome) = self.inner.dialogs.do_invite_async(option, state_tx)?;
        let call = self.new_call_id();
        self.add(&call, dialog, None);
        let (progress, progress_rx) = mpsc::unbounded_channel();
        tokio::spawn(follow(self.clone(), call.clone(), states, outcome, progress));
        Ok((call, progress_rx))
    }
}

/// The trunk's digest credentials, if it has them.
pub(crate) fn credential(trunk: &crate::TrunkConfig) -> Option<Credential> {
    match (&trunk.username, &trunk.password) {
        (Some(username), Some(password)) => Some(Credential {
            username: username.clone(),
            password: password.clone(),
            realm: None,
            auth_username: None,
        }),
        _ => None,
    }
}

/// Reports an outbound call's progress, then its in-dialog events.
async fn follow(
    sip: Sip,
    call: CallId,
    mut states: DialogStateReceiver,
    outcome: tokio::task::JoinHandle<InviteAsyncResult>,
    progress: mpsc::UnboundedSender<Progress>,
) {
    let mut outcome = Some(outcome);
    // Whether the trunk answered anything: a 408 without any provisional response is the
    // stack's own Timer B, i.e. the trunk is unreachable, not a far end that did not answer.
    let mut heard = false;
    loop {
        tokio::select! {
            state = states.recv() => match state {
                Some(DialogState::Trying(_)) => heard = true,
                Some(DialogState::Early(_, response)) => {
                    heard = true;
                    let sdp = (!response.body.is_empty()).then(|| String::from_utf8_lossy(&response.body).into_owned());
                    let _ = progress.send(Progress::Ringing { sdp });
                }
                Some(DialogState::Terminated(id, _)) if outcome.is_some() => {
                    // Ended before the INVITE finished (our CANCEL, a failure): the
                    // outcome below reports it.
                    sip.inner.dialogs.remove_dialog(&id);
                }
                Some(state) => sip.in_dialog(Some(call.clone()), state).await,
                None => return,
            },
            result = async { outcome.as_mut().expect("checked").await }, if outcome.is_some() => {
                outcome = None;
                let report = match result {
                    Ok(Ok((_, Some(response)))) if response.status_code.code() < 300 => {
                        Progress::Answered { sdp: String::from_utf8_lossy(&response.body).into_owned() }
                    }
                    Ok(Ok((_, Some(response)))) if response.status_code.code() == 408 && !heard => {
                        Progress::Failed { status: None }
                    }
                    Ok(Ok((_, Some(response)))) => Progress::Failed { status: Some(response.status_code.code()) },
                    Ok(Ok((_, None))) => Progress::Failed { status: None },
                    Ok(Err(e)) => {
                        tracing::info!(%call, "the INVITE failed: {e}");
                        match e {
                            rsipstack::Error::DialogError(_, _, status) if status.code() != 408 || heard => {
                                Progress::Failed { status: Some(status.code()) }
                            }
                            _ => Progress::Failed { status: None },
                        }
                    }
                    Err(_) => Progress::Failed { status: None },
                };
                let failed = matches!(report, Progress::Failed { .. });
                let _ = progress.send(report);
                if failed {
                    sip.forget(&call);
                    return;
                }
            }
        }
    }
}
