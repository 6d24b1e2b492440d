//! New requests from trunks: INVITEs that start calls, and requests inside dialogs.
//!
//! A new INVITE is checked before anything is created: it must require no SIP extension but
//! session timers (another tag in `Require` gets 420 Bad Extension listing it in
//! `Unsupported`, RFC 3261 §8.2.2.3, so the caller can try again without it; Callbar does not
//! implement reliable provisional responses, for one), ask for no session interval below
//! the minimum (422 with `Min-SE`, see `session_timer`), carry an SDP offer of at most
//! [`MAX_BODY`] bytes and name a number. Then a server dialog is made, the server is
//! told ([`SipEvent::Incoming`]) and decides: reject (404, 503), early media, answer.
//! Requests inside a dialog go to it (re-INVITE, BYE, ACK, CANCEL); anything else is
//! answered here.

use std::time::Instant;

use rsipstack::dialog::dialog::Dialog;
use rsipstack::sip::{Header, HeadersExt, Method, StatusCode, ToTypedHeader};
use rsipstack::transaction::TransactionReceiver;
use rsipstack::transaction::transaction::Transaction;

use crate::MAX_BODY;
use crate::session_timer::{self, Asked, MIN_SE};
use crate::sip::{IncomingCall, Sip, SipEvent};

/// Reads new transactions until the endpoint stops.
pub(crate) async fn serve(sip: Sip, mut incoming: TransactionReceiver) {
    while let Some(tx) = incoming.recv().await {
        let (sip, received) = (sip.clone(), Instant::now());
        tokio::spawn(async move { handle(sip, tx, received).await });
    }
}

async fn handle(sip: Sip, mut tx: Transaction, received: Instant) {
    let new_invite = tx.original.method == Method::Invite
        && tx
            .original
            .to_header()
            .is_ok_and(|to| to.tag().ok().flatten().is_none());
    if new_invite {
        return invite(sip, tx, received).await;
    }
    match sip.inner.dialogs.match_dialog(&tx) {
        Some(Dialog::Invite(mut dialog)) => {
            if let Err(e) = dialog.handle(&mut tx).await {
                tracing::debug!("in-dialog {} failed: {e}", tx.original.method);
            }
        }
        _ => {
            let status = match tx.original.method {
                Method::Ack => return,
                Method::Options => StatusCode::OK,
                _ => StatusCode::CallTransactionDoesNotExist,
            };
            let _ = tx.reply(status).await;
        }
    }
}

/// A new call: check it, make the dialog, tell the server, then run the INVITE
/// transaction (100 Trying, our responses, CANCEL, the ACK).
async fn invite(sip: Sip, mut tx: Transaction, received: Instant) {
    let required = required_extensions(&tx.original);
    if !required.is_empty() {
        // `timer` is the one extension supported.
        let tags = required.join(", ");
        tracing::info!(%tags, "INVITE refused (420): it requires SIP extensions Callbar does not support");
        let unsupported = Header::Unsupported(tags.into());
        let _ = tx.reply_with(StatusCode::BadExtension, vec![unsupported], None).await;
        return;
    }
    let session = match session_timer::asked(&tx.original) {
        Asked::Nothing => None,
        Asked::Interval(seconds) => Some(seconds),
        Asked::TooSmall => {
            tracing::info!("INVITE refused (422): its session interval is below {MIN_SE} s");
            let min = Header::MinSE(MIN_SE.to_string().into());
            let _ = tx
                .reply_with(StatusCode::SessionIntervalTooSmall, vec![min], None)
                .await;
            return;
        }
    };
    let request = &tx.original;
    let refuse = |status: StatusCode, why: &str| {
        tracing::info!(from = %request.from_header().map(|f| f.value().to_owned()).unwrap_or_default(), "INVITE refused ({status}): {why}");
        status
    };
    let checked = (|| {
        if request.body.is_empty() {
            return Err(refuse(
                StatusCode::NotAcceptableHere,
                "no SDP offer (offerless INVITEs are not supported)",
            ));
        }
        if request.body.len() > MAX_BODY {
            return Err(refuse(StatusCode::NotAcceptableHere, "the SDP offer is too large"));
        }
        let to = request
            .uri
            .user()
            .map(str::to_owned)
            .or_else(|| request.to_header().ok()?.uri().ok()?.user().map(str::to_owned))
            .filter(|u| !u.is_empty())
            .ok_or_else(|| refuse(StatusCode::NotFound, "no number in the request URI or To"))?;
        let from = request
            .from_header()
            .ok()
            .and_then(|f| f.uri().ok())
            .and_then(|u| u.user().map(str::to_owned))
            .unwrap_or_default();
        let source = request
            .via_header()
            .ok()
            .and_then(|v| v.typed().ok())
            .and_then(|v| match v.received() {
                Some(Ok(ip)) => Some(ip),
                _ => v.sent_by().host.to_string().parse().ok(),
            });
        let trunk = sip
            .inner
            .trunks
            .iter()
            .find(|(_, sources)| source.is_some_and(|ip| sources.contains(&ip)))
            .map(|(t, _)| t.name.clone())
            .ok_or_else(|| refuse(StatusCode::Forbidden, "not from a trunk's address"))?;
        Ok((trunk, from, to, String::from_utf8_lossy(&request.body).into_owned()))
    })();
    let (trunk, from, to, offer) = match checked {
        Ok(c) => c,
        Err(status) => {
            let _ = tx.reply(status).await;
            return;
        }
    };
    let dialog = match sip.inner.dialogs.get_or_create_server_invite(
        &tx,
        sip.inner.state_tx.clone(),
        None,
        Some(sip.inner.contact.clone()),
    ) {
        Ok(d) => d,
        Err(e) => {
            tracing::warn!("could not create a dialog for an INVITE: {e}");
            let _ = tx.reply(StatusCode::ServerInternalError).await;
            return;
        }
    };
    let call = sip.new_call_id();
    sip.add(&call, dialog.clone(), session);
    let _ = sip.inner.events.send(SipEvent::Incoming(IncomingCall {
        call,
        trunk,
        from,
        to,
        offer,
        received,
    }));
    let mut dialog = dialog;
    if let Err(e) = dialog.handle(&mut tx).await {
        tracing::debug!("INVITE transaction ended: {e}");
    }
}

/// The option tags of a request's `Require` headers that Callbar does not support (all but
/// `timer`).
fn required_extensions(request: &rsipstack::sip::Request) -> Vec<String> {
    request
        .headers
        .iter()
        .filter_map(|h| match h {
            Header::Require(r) => Some(r.value()),
            _ => None,
        })
        .flat_map(|v| v.split(','))
        .map(|tag| tag.trim().chars().take(64).collect::<String>())
        .filter(|tag| !tag.is_empty() && !tag.eq_ignore_ascii_case("timer"))
        .take(16)
        .collect()
}
