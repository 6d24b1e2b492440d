//! From engine outputs to what agents, hosts and the outbox receive.
//!
//! Each output is translated right after the command that produced it, against the engine
//! state of that moment; the resulting [`Effect`]s wait until the command is in the log.

use callbar_engine::{CallLog, Engine, OfferEndReason, Output, ReportedStatus};
use callbar_protocol::channel::{CallPhase, ServerOp};
use callbar_protocol::{
    CallConnected, CallRinging, Channel, ChatRinging, EmbedMessage, EngagementEnded, EngagementStarted,
    InboundNotConnected, InboundReason, IncomingEmailRequest, IncomingPhoneRequest, OutboundCallStarted, SmsRinging,
    VideoRinging, WorkItemRinging,
};

use crate::agents::lookups::LookupKind;
use crate::agents::status;
use crate::directory::Directory;

/// Something to do once the commands are logged, in order.
pub enum Effect {
    /// Post a protocol message to the agent's host.
    Post { agent: String, message: EmbedMessage },
    /// The agent's status changed: persist the chosen code, announce the reported one.
    Status {
        agent: String,
        chosen: String,
        reported: ReportedStatus,
    },
    /// A closed engagement's messages for the host, through the outbox.
    Outbox {
        agent: String,
        engagement: String,
        log: Box<CallLog>,
    },
    /// The agent's engagements changed: send the embed its new list.
    Refresh { agent: String },
    /// Ask the agent's host who the customer is (after recording the question).
    Lookup {
        agent: String,
        kind: LookupKind,
        engagement: String,
        address: String,
        message: EmbedMessage,
    },
    /// The engagement connected: a screen pop may be due.
    Connected { agent: String, engagement: String },
    /// The engagement is over: forget what was linked to it.
    Finished { engagement: String },
    /// Voice: tell the customer where the call stands.
    Phase { engagement: String, phase: CallPhase },
    /// Voice: the agent accepted; their embed opens its audio leg.
    CallAccepted {
        engagement: String,
        agent: String,
        queue: String,
    },
    /// Voice: the live part ended; hang up the audio.
    HangUp { engagement: String },
    /// Voice: the agent placed a call; send it through the trunk.
    Dial {
        engagement: String,
        agent: String,
        from: String,
        to: String,
        queue_id: String,
        queue_name: String,
    },
}

pub fn translate(engine: &Engine, outputs: &[Output], fx: &mut Vec<Effect>) {
    let post = |fx: &mut Vec<Effect>, agent: &str, message: Option<EmbedMessage>| {
        if let Some(message) = message {
            fx.push(Effect::Post {
                agent: agent.to_owned(),
                message,
            });
        }
    };
    let refresh = |fx: &mut Vec<Effect>, agent: &str| {
        fx.push(Effect::Refresh {
            agent: agent.to_owned(),
        })
    };
    for output in outputs {
        match output {
            Output::Dialed { engagement, agent } => {
                if let Some(e) = engine.engagement(engagement) {
                    let queue_name = engine
                        .queue_config(&e.queue_id)
                        .map(|q| q.name.clone())
                        .unwrap_or_default();
                    let started = OutboundCallStarted {
                        engagement_id: e.id.clone(),
                        from: e.from.clone(),
                        to: e.to.clone(),
                        queue_name: queue_name.clone(),
                        start_ts: e.created_at,
                    };
                    post(fx, agent, Some(EmbedMessage::OutboundCallStarted(started)));
                    fx.push(Effect::Dial {
                        engagement: engagement.clone(),
                        agent: agent.clone(),
                        from: e.from.clone(),
                        to: e.to.clone(),
                        queue_id: e.queue_id.clone(),
                        queue_name,
                    });
                }
                refresh(fx, agent);
            }
            Output::Offered { engagement, agent, .. } => {
                phase(fx, engine, engagement, CallPhase::Ringing);
                post(fx, agent, ringing(engine, engagement));
                if let Some(lookup) = lookup(engine, agent, engagement) {
                    fx.push(lookup);
                }
                refresh(fx, agent);
            }
            Output::OfferEnded {
                engagement,
                agent,
                reason,
            } => {
                let reason_code = match reason {
                    OfferEndReason::Rejected => InboundReason::AgentRejected,
                    OfferEndReason::CustomerLeft | OfferEndReason::Cancelled => InboundReason::CustomerHangup,
                    OfferEndReason::TimedOut
                    | OfferEndReason::AgentUnavailable
                    | OfferEndReason::AgentDisconnected
                    | OfferEndReason::AgentRemoved => InboundReason::Missed,
                };
                let message = EmbedMessage::InboundNotConnected(InboundNotConnected {
                    reason_code,
                    message: reason_code.message().to_owned(),
                    engagement_id: engagement.clone(),
                });
                post(fx, agent, Some(message));
                if engine
                    .engagement(engagement)
                    .is_some_and(|e| matches!(e.state, callbar_engine::EngagementState::Queued))
                {
                    phase(fx, engine, engagement, CallPhase::Waiting);
                }
                refresh(fx, agent);
            }
            Output::Accepted { engagement, agent } => {
                if let Some(e) = engine.engagement(engagement).filter(|e| e.channel == Channel::Voice) {
                    fx.push(Effect::CallAccepted {
                        engagement: engagement.clone(),
                        agent: agent.clone(),
                        queue: e.queue_id.clone(),
                    });
                }
                post(fx, agent, started(engine, engagement));
                fx.push(Effect::Connected {
                    agent: agent.clone(),
                    engagement: engagement.clone(),
                });
                refresh(fx, agent);
            }
            Output::LiveEnded { engagement, agent, .. } => {
                fx.push(Effect::HangUp {
                    engagement: engagement.clone(),
                });
                post(fx, agent, ended(engine, engagement));
                refresh(fx, agent);
            }
            Output::NoteAdded { agent, .. } | Output::DispositionSet { agent, .. } => refresh(fx, agent),
            Output::VariableSet { engagement, .. } => {
                if let Some(agent) = engine.engagement(engagement).and_then(|e| e.state.agent()) {
                    refresh(fx, agent);
                }
            }
            Output::Closed { engagement, call_log } => {
                if let Some(agent) = &call_log.agent_id {
                    fx.push(Effect::Outbox {
                        agent: agent.clone(),
                        engagement: engagement.clone(),
                        log: call_log.clone(),
                    });
                    refresh(fx, agent);
                }
                fx.push(Effect::Finished {
                    engagement: engagement.clone(),
                });
            }
            Output::Abandoned { engagement, .. } | Output::Cancelled { engagement } => {
                fx.push(Effect::Finished {
                    engagement: engagement.clone(),
                });
            }
            Output::AgentStatus { agent, status, chosen } => {
                let chosen = match chosen {
                    callbar_engine::AgentStatus::Ready => callbar_protocol::status_code::READY.to_owned(),
                    callbar_engine::AgentStatus::NotReady { code } => code.clone(),
                    callbar_engine::AgentStatus::Offline => callbar_protocol::status_code::OFFLINE.to_owned(),
                };
                fx.push(Effect::Status {
                    agent: agent.clone(),
                    chosen,
                    reported: status.clone(),
                });
            }
            // Queue movements show in the queue statistics; no agent holds the engagement.
            Output::Queued { .. } | Output::Overflowed { .. } => {}
        }
    }
}

/// A voice engagement's phase for its customer.
fn phase(fx: &mut Vec<Effect>, engine: &Engine, engagement: &str, phase: CallPhase) {
    if engine
        .engagement(engagement)
        .is_some_and(|e| e.channel == Channel::Voice)
    {
        fx.push(Effect::Phase {
            engagement: engagement.to_owned(),
            phase,
        });
    }
}

/// The question to the host about an offered engagement's customer: by number for voice
/// and SMS, by email for the rest (when one is known).
fn lookup(engine: &Engine, agent: &str, id: &str) -> Option<Effect> {
    let e = engine.engagement(id)?;
    let (kind, address, message) = match e.channel {
        Channel::Voice | Channel::Sms => {
            let number = if e.customer.phone.is_empty() {
                e.from.clone()
            } else {
                e.customer.phone.clone()
            };
            let message = EmbedMessage::IncomingPhoneRequest(IncomingPhoneRequest {
                incoming_phone_number: number.clone(),
                engagement_id: e.id.clone(),
                channel: e.channel,
            });
            (LookupKind::Phone, number, message)
        }
        _ if !e.customer.email.is_empty() => {
            let message = EmbedMessage::IncomingEmailRequest(IncomingEmailRequest {
                email: e.customer.email.clone(),
                engagement_id: e.id.clone(),
                channel: e.channel,
            });
            (LookupKind::Email, e.customer.email.clone(), message)
        }
        _ => return None,
    };
    Some(Effect::Lookup {
        agent: agent.to_owned(),
        kind,
        engagement: e.id.clone(),
        address,
        message,
    })
}

/// The ringing message of an offered engagement, by channel.
fn ringing(engine: &Engine, id: &str) -> Option<EmbedMessage> {
    let e = engine.engagement(id)?;
    let queue_name = engine.queue_config(&e.queue_id)?.name.clone();
    let queue_id = e.queue_id.clone();
    let engagement_id = e.id.clone();
    Some(match e.channel {
        Channel::Voice => EmbedMessage::CallRinging(CallRinging {
            channel: e.channel,
            create_ts: e.created_at,
            engagement_id,
            from: e.from.clone(),
            queue_name,
            to: e.to.clone(),
            is_conference: false,
            is_transfer: false,
            queue_id: Some(queue_id),
        }),
        Channel::Chat => EmbedMessage::ChatRinging(ChatRinging {
            queue_id,
            queue_name,
            engagement_id,
            customer_name: e.customer.name.clone(),
            customer_email: e.customer.email.clone(),
        }),
        Channel::Sms => EmbedMessage::SmsRinging(SmsRinging {
            queue_id,
            queue_name,
            engagement_id,
            customer_name: e.customer.name.clone(),
            customer_email: e.customer.email.clone(),
            incoming_phone_number: e.from.clone(),
        }),
        Channel::Video => EmbedMessage::VideoRinging(VideoRinging {
            queue_id,
            queue_name,
            engagement_id,
            customer_email: e.customer.email.clone(),
        }),
        Channel::WorkItem => EmbedMessage::WorkItemRinging(WorkItemRinging {
            queue_id,
            queue_name,
            engagement_id,
            subject: e.subject.clone(),
            customer_name: e.customer.name.clone(),
            customer_email: e.customer.email.clone(),
            create_ts: e.created_at,
        }),
    })
}

/// The message that an engagement was accepted, by channel.
fn started(engine: &Engine, id: &str) -> Option<EmbedMessage> {
    let e = engine.engagement(id)?;
    let s = EngagementStarted {
        engagement_id: e.id.clone(),
        create_ts: e.created_at,
    };
    Some(match e.channel {
        Channel::Voice => EmbedMessage::CallConnected(CallConnected {
            accept_ts: e.accepted_at,
            direction: e.direction,
            engagement_id: e.id.clone(),
            from: e.from.clone(),
            queue_id: e.queue_id.clone(),
            queue_name: engine.queue_config(&e.queue_id)?.name.clone(),
            to: e.to.clone(),
        }),
        Channel::Chat => EmbedMessage::ChatStarted(s),
        Channel::Sms => EmbedMessage::SmsStarted(s),
        Channel::Video => EmbedMessage::VideoStarted(s),
        Channel::WorkItem => EmbedMessage::WorkItemStarted(s),
    })
}

/// The message that the live part ended, by channel.
fn ended(engine: &Engine, id: &str) -> Option<EmbedMessage> {
    let e = engine.engagement(id)?;
    let m = EngagementEnded {
        complete_ts: e.ended_at?,
        engagement_id: e.id.clone(),
    };
    Some(match e.channel {
        Channel::Voice => EmbedMessage::CallEnded(m),
        Channel::Chat => EmbedMessage::ChatEnded(m),
        Channel::Sms => EmbedMessage::SmsEnded(m),
        Channel::Video => EmbedMessage::VideoEnded(m),
        Channel::WorkItem => EmbedMessage::WorkItemEnded(m),
    })
}

/// The ops that announce a reported status to the agent's embed and host.
pub fn status_ops(directory: &Directory, reported: &ReportedStatus) -> [ServerOp; 2] {
    let info = status::describe(reported.status_code(), &directory.reasons());
    [
        ServerOp::Status { status: info.clone() },
        ServerOp::Post {
            message: EmbedMessage::AgentStatusNotification(info),
        },
    ]
}
