//! From engine outputs to what agents, hosts and the outbox receive.
//!
//! Each output is translated right after the command that produced it, against the engine
//! state of that moment; the resulting [`Effect`]s wait until the command is in the log.

use callbar_engine::{CallLog, Engine, OfferEndReason, Output, ReportedStatus};
use callbar_protocol::channel::ServerOp;
use callbar_protocol::{
    CallConnected, CallRinging, Channel, ChatRinging, EmbedMessage, EngagementEnded,
    EngagementStarted, InboundNotConnected, InboundReason, SmsRinging, VideoRinging,
    WorkItemRinging,
};

use crate::agents::status;
use crate::directory::Directory;

/// Something to do once the commands are logged, in order.
pub enum Effect {
    /// Post a protocol message to the agent's host.
    Post {
        agent: String,
        message: EmbedMessage,
    },
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
}

pub fn translate(engine: &Engine, outputs: &[Output], fx: &mut Vec<Effect>) {
    for output in outputs {
        match output {
            Output::Offered {
                engagement, agent, ..
            } => {
                if let Some(message) = ringing(engine, engagement) {
                    fx.push(Effect::Post {
                        agent: agent.clone(),
                        message,
                    });
                }
                fx.push(Effect::Refresh {
                    agent: agent.clone(),
                });
            }
            Output::OfferEnded {
                engagement,
                agent,
                reason,
            } => {
                let reason_code = match reason {
                    OfferEndReason::Rejected => InboundReason::AgentRejected,
                    OfferEndReason::CustomerLeft | OfferEndReason::Cancelled => {
                        InboundReason::CustomerHangup
                    }
                    OfferEndReason::TimedOut
                    | OfferEndReason::AgentUnavailable
                    | OfferEndReason::AgentDisconnected
                    | OfferEndReason::AgentRemoved => InboundReason::Missed,
                };
                fx.push(Effect::Post {
                    agent: agent.clone(),
                    message: EmbedMessage::InboundNotConnected(InboundNotConnected {
                        reason_code,
                        message: reason_code.message().to_owned(),
                        engagement_id: engagement.clone(),
                    }),
                });
                fx.push(Effect::Refresh {
                    agent: agent.clone(),
                });
            }
            Output::Accepted { engagement, agent } => {
                if let Some(message) = started(engine, engagement) {
                    fx.push(Effect::Post {
                        agent: agent.clone(),
                        message,
                    });
                }
                fx.push(Effect::Refresh {
                    agent: agent.clone(),
                });
            }
            Output::LiveEnded {
                engagement, agent, ..
            } => {
                if let Some(message) = ended(engine, engagement) {
                    fx.push(Effect::Post {
                        agent: agent.clone(),
                        message,
                    });
                }
                fx.push(Effect::Refresh {
                    agent: agent.clone(),
                });
            }
            Output::NoteAdded { agent, .. } | Output::DispositionSet { agent, .. } => {
                fx.push(Effect::Refresh {
                    agent: agent.clone(),
                });
            }
            Output::VariableSet { engagement, .. } => {
                if let Some(agent) = engine.engagement(engagement).and_then(|e| e.state.agent()) {
                    fx.push(Effect::Refresh {
                        agent: agent.to_owned(),
                    });
                }
            }
            Output::Closed {
                engagement,
                call_log,
            } => {
                if let Some(agent) = &call_log.agent_id {
                    fx.push(Effect::Outbox {
                        agent: agent.clone(),
                        engagement: engagement.clone(),
                        log: call_log.clone(),
                    });
                    fx.push(Effect::Refresh {
                        agent: agent.clone(),
                    });
                }
            }
            Output::AgentStatus {
                agent,
                status,
                chosen,
            } => {
                let chosen = match chosen {
                    callbar_engine::AgentStatus::Ready => {
                        callbar_protocol::status_code::READY.to_owned()
                    }
                    callbar_engine::AgentStatus::NotReady { code } => code.clone(),
                    callbar_engine::AgentStatus::Offline => {
                        callbar_protocol::status_code::OFFLINE.to_owned()
                    }
                };
                fx.push(Effect::Status {
                    agent: agent.clone(),
                    chosen,
                    reported: status.clone(),
                });
            }
            // Queue movements and endings before anyone took the engagement show in the
            // queue statistics; no agent holds them.
            Output::Queued { .. }
            | Output::Overflowed { .. }
            | Output::Abandoned { .. }
            | Output::Cancelled { .. } => {}
        }
    }
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
        ServerOp::Status {
            status: info.clone(),
        },
        ServerOp::Post {
            message: EmbedMessage::AgentStatusNotification(info),
        },
    ]
}
