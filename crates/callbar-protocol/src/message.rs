//! The two message enums, each variant carrying its exact wire name.
//!
//! On the wire a message is `{ type: "<wire name>", data: <payload> }` (`data` absent when
//! there is none). One table per direction defines the variants, their wire names and
//! payload types; the macro derives the enum, its wire names and payload decoding from it,
//! so a name is written once.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::commands::*;
use crate::notifications::*;
use crate::responses::*;
use crate::{AgentStatusInfo, ContactMatches, ErrorCode, PhoneCallLog, RequestId, ZccError};

macro_rules! messages {
    (
        $(#[$meta:meta])*
        pub enum $name:ident {
            $( $(#[$vmeta:meta])* $wire:literal => $variant:ident $(($payload:ty))? ),* $(,)?
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
        #[serde(tag = "type", content = "data")]
        pub enum $name {
            $( $(#[$vmeta])* #[serde(rename = $wire)] $variant $(($payload))? ),*
        }

        impl $name {
            /// Every wire name of this direction.
            pub const WIRE_TYPES: &'static [&'static str] = &[$($wire),*];

            /// The wire name (`type`) of this message.
            pub fn wire_type(&self) -> &'static str {
                match self {
                    $( messages!(@pattern $name $variant $($payload)?) => $wire ),*
                }
            }

            /// Decodes `data` for the message named `wire`; `None` if the name is not of
            /// this direction.
            pub fn decode(
                wire: &str,
                data: serde_json::Value,
            ) -> Option<Result<Self, serde_json::Error>> {
                let _ = &data;
                match wire {
                    $( $wire => Some(messages!(@decode $name $variant data $($payload)?)), )*
                    _ => None,
                }
            }
        }
    };
    (@pattern $name:ident $variant:ident $payload:ty) => { $name::$variant(..) };
    (@pattern $name:ident $variant:ident) => { $name::$variant };
    (@decode $name:ident $variant:ident $data:ident $payload:ty) => {
        serde_json::from_value::<$payload>($data).map($name::$variant)
    };
    (@decode $name:ident $variant:ident $data:ident) => { Ok($name::$variant) };
}

messages! {
    /// Messages the embed posts to its host.
    pub enum EmbedMessage {
        // Initialization, identity, layout, errors (2.1)
        "zcc-init-config-request" => InitConfigRequest,
        "zcc-agent-info-response" => AgentInfoResponse(AgentInfo),
        "zcc-error" => Error(ZccError),
        "zcc-resize" => Resize(Resize),
        // Contact lookup and screen pop (2.2)
        "zcc-contact-search-event" => ContactSearchEvent(ContactSearch),
        "zcc-incomingPhone-request" => IncomingPhoneRequest(IncomingPhoneRequest),
        "zcc-incomingEmail-request" => IncomingEmailRequest(IncomingEmailRequest),
        "zcc-screen-pop" => ScreenPop(ScreenPop),
        // Voice call lifecycle (2.3)
        "zcc-call-ringing" => CallRinging(CallRinging),
        "zcc-call-connected" => CallConnected(CallConnected),
        "zcc-outbound-call-started" => OutboundCallStarted(OutboundCallStarted),
        "zcc-call-ended" => CallEnded(EngagementEnded),
        "zcc-inbound-not-connected" => InboundNotConnected(InboundNotConnected),
        "zcc-outbound-not-connected" => OutboundNotConnected(OutboundNotConnected),
        "zcc-call-transfer" => CallTransfer(CallTransfer),
        // Wrap-up, logging, notes, recording (2.4)
        "zcc-add-note" => AddNote(AddNote),
        "zcc-end-post-engagement" => EndPostEngagement(EndPostEngagement),
        "zcc-phone-call-log" => PhoneCallLog(Box<PhoneCallLog>),
        "zcc-call-recording" => CallRecording(CallRecording),
        "zcc-engagement-log-url" => EngagementLogUrl(EngagementLogUrl),
        // Digital channels (2.5)
        "zcc-chat-ringing" => ChatRinging(ChatRinging),
        "zcc-chat-started" => ChatStarted(EngagementStarted),
        "zcc-chat-ended" => ChatEnded(EngagementEnded),
        "zcc-video-ringing" => VideoRinging(VideoRinging),
        "zcc-video-started" => VideoStarted(EngagementStarted),
        "zcc-video-ended" => VideoEnded(EngagementEnded),
        "zcc-video-participant-info" => VideoParticipantInfo(VideoParticipantInfo),
        "zcc-sms-ringing" => SmsRinging(SmsRinging),
        "zcc-sms-started" => SmsStarted(EngagementStarted),
        "zcc-sms-ended" => SmsEnded(EngagementEnded),
        "zcc-work-item-ringing" => WorkItemRinging(WorkItemRinging),
        "zcc-work-item-started" => WorkItemStarted(EngagementStarted),
        "zcc-work-item-ended" => WorkItemEnded(EngagementEnded),
        // Command responses (2.6–2.9)
        "zcc-accept-engagement-response" => AcceptEngagementResponse(CommandResponse),
        "zcc-reject-engagement-response" => RejectEngagementResponse(CommandResponse),
        "zcc-terminate-engagement-response" => TerminateEngagementResponse(CommandResponse),
        "zcc-set-engagement-disposition-response" => SetEngagementDispositionResponse(CommandResponse),
        "zcc-close-engagement-wrapup-response" => CloseEngagementWrapupResponse(CommandResponse),
        "zcc-engagement-status-response" => EngagementStatusResponse(EngagementStatusResponse),
        "zcc-get-disposition-codes-response" => GetDispositionCodesResponse(DispositionCodesResponse),
        "zcc-set-mute-response" => SetMuteResponse(MuteResponse),
        "zcc-set-hold-response" => SetHoldResponse(HoldResponse),
        "zcc-send-dtmf-response" => SendDtmfResponse(CommandResponse),
        "zcc-set-recording-response" => SetRecordingResponse(RecordingResponse),
        "zcc-transfer-engagement-response" => TransferEngagementResponse(ConsultResponse),
        "zcc-add-call-response" => AddCallResponse(ConsultResponse),
        "zcc-cancel-consult-response" => CancelConsultResponse(ConsultResponse),
        "zcc-complete-transfer-response" => CompleteTransferResponse(ConsultResponse),
        "zcc-merge-consult-response" => MergeConsultResponse(ConsultResponse),
        "zcc-upgrade-to-video-response" => UpgradeToVideoResponse(CommandResponse),
        // Agent status, variables (2.9)
        "zcc-agent-status-notification" => AgentStatusNotification(AgentStatusInfo),
        "zcc-agent-status-set-response" => AgentStatusSetResponse(CommandResponse),
        "zcc-get-variables-response" => GetVariablesResponse(VariablesResponse),
    }
}

messages! {
    /// Messages a host posts to the embed.
    pub enum HostMessage {
        "zcc-init-config-response" => InitConfigResponse(InitConfig),
        "zcc-agent-info-request" => AgentInfoRequest(PlainRequest),
        "zcc-contact-search-response" => ContactSearchResponse(ContactMatches),
        "zcc-incomingPhone-response" => IncomingPhoneResponse(ContactMatches),
        "zcc-incomingEmail-response" => IncomingEmailResponse(ContactMatches),
        "zcc-accept-engagement" => AcceptEngagement(EngagementCommand),
        "zcc-reject-engagement" => RejectEngagement(EngagementCommand),
        "zcc-terminate-engagement" => TerminateEngagement(EngagementCommand),
        "zcc-set-engagement-disposition" => SetEngagementDisposition(SetDisposition),
        "zcc-close-engagement-wrapup" => CloseEngagementWrapup(EngagementCommand),
        "zcc-engagement-status-request" => EngagementStatusRequest(PlainRequest),
        "zcc-get-disposition-codes" => GetDispositionCodes(GetDispositionCodes),
        "zcc-set-mute" => SetMute(SetMute),
        "zcc-set-hold" => SetHold(SetHold),
        "zcc-send-dtmf" => SendDtmf(SendDtmf),
        "zcc-set-recording" => SetRecording(SetRecording),
        "zcc-transfer-engagement" => TransferEngagement(TransferTarget),
        "zcc-add-call" => AddCall(TransferTarget),
        "zcc-cancel-consult" => CancelConsult(EngagementCommand),
        "zcc-complete-transfer" => CompleteTransfer(EngagementCommand),
        "zcc-merge-consult" => MergeConsult(EngagementCommand),
        "zcc-upgrade-to-video" => UpgradeToVideo(EngagementCommand),
        "zcc-agent-status-set-request" => AgentStatusSetRequest(AgentStatusSet),
        "zcc-get-variables" => GetVariables(GetVariables),
        "onclicktoact" => ClickToAct(ClickToAct),
    }
}

impl HostMessage {
    /// Checks every field strictly (after tolerant decoding).
    pub fn validate(&self) -> Result<(), String> {
        use HostMessage as H;
        match self {
            H::InitConfigResponse(p) => p.validate(),
            H::AgentInfoRequest(p) | H::EngagementStatusRequest(p) => p.validate(),
            H::ContactSearchResponse(p) | H::IncomingPhoneResponse(p) | H::IncomingEmailResponse(p) => p.validate(),
            H::AcceptEngagement(p)
            | H::RejectEngagement(p)
            | H::TerminateEngagement(p)
            | H::CloseEngagementWrapup(p)
            | H::CancelConsult(p)
            | H::CompleteTransfer(p)
            | H::MergeConsult(p)
            | H::UpgradeToVideo(p) => p.validate(),
            H::SetEngagementDisposition(p) => p.validate(),
            H::GetDispositionCodes(p) => p.validate(),
            H::SetMute(p) => p.validate(),
            H::SetHold(p) => p.validate(),
            H::SendDtmf(p) => p.validate(),
            H::SetRecording(p) => p.validate(),
            H::TransferEngagement(p) | H::AddCall(p) => p.validate(),
            H::AgentStatusSetRequest(p) => p.validate(),
            H::GetVariables(p) => p.validate(),
            H::ClickToAct(p) => p.validate(),
        }
    }

    /// The name of the response message for a command (`<type>-response`), or `None`
    /// for messages that are themselves answers or that are answered by events
    /// (`onclicktoact` is answered by `zcc-outbound-call-started`).
    pub fn response_type(&self) -> Option<&'static str> {
        use HostMessage as H;
        Some(match self {
            H::InitConfigResponse(_)
            | H::ContactSearchResponse(_)
            | H::IncomingPhoneResponse(_)
            | H::IncomingEmailResponse(_)
            | H::ClickToAct(_) => return None,
            H::AgentInfoRequest(_) => "zcc-agent-info-response",
            H::EngagementStatusRequest(_) => "zcc-engagement-status-response",
            H::AgentStatusSetRequest(_) => "zcc-agent-status-set-response",
            H::AcceptEngagement(_) => "zcc-accept-engagement-response",
            H::RejectEngagement(_) => "zcc-reject-engagement-response",
            H::TerminateEngagement(_) => "zcc-terminate-engagement-response",
            H::SetEngagementDisposition(_) => "zcc-set-engagement-disposition-response",
            H::CloseEngagementWrapup(_) => "zcc-close-engagement-wrapup-response",
            H::GetDispositionCodes(_) => "zcc-get-disposition-codes-response",
            H::SetMute(_) => "zcc-set-mute-response",
            H::SetHold(_) => "zcc-set-hold-response",
            H::SendDtmf(_) => "zcc-send-dtmf-response",
            H::SetRecording(_) => "zcc-set-recording-response",
            H::TransferEngagement(_) => "zcc-transfer-engagement-response",
            H::AddCall(_) => "zcc-add-call-response",
            H::CancelConsult(_) => "zcc-cancel-consult-response",
            H::CompleteTransfer(_) => "zcc-complete-transfer-response",
            H::MergeConsult(_) => "zcc-merge-consult-response",
            H::UpgradeToVideo(_) => "zcc-upgrade-to-video-response",
            H::GetVariables(_) => "zcc-get-variables-response",
        })
    }
}

impl HostMessage {
    /// The `requestId` and `engagementId` the message carries, if any.
    pub fn ids(&self) -> (Option<&RequestId>, Option<&str>) {
        use HostMessage as H;
        match self {
            H::InitConfigResponse(_)
            | H::ContactSearchResponse(_)
            | H::IncomingPhoneResponse(_)
            | H::IncomingEmailResponse(_)
            | H::ClickToAct(_) => (None, None),
            H::AgentInfoRequest(p) | H::EngagementStatusRequest(p) => (p.request_id.as_ref(), None),
            H::AgentStatusSetRequest(p) => (p.request_id.as_ref(), None),
            H::GetDispositionCodes(p) => (p.request_id.as_ref(), p.engagement_id.as_deref()),
            H::AcceptEngagement(p)
            | H::RejectEngagement(p)
            | H::TerminateEngagement(p)
            | H::CloseEngagementWrapup(p)
            | H::CancelConsult(p)
            | H::CompleteTransfer(p)
            | H::MergeConsult(p)
            | H::UpgradeToVideo(p) => (p.request_id.as_ref(), Some(&p.engagement_id)),
            H::SetEngagementDisposition(p) => (p.request_id.as_ref(), Some(&p.engagement_id)),
            H::SetMute(p) => (p.request_id.as_ref(), Some(&p.engagement_id)),
            H::SetHold(p) => (p.request_id.as_ref(), Some(&p.engagement_id)),
            H::SendDtmf(p) => (p.request_id.as_ref(), Some(&p.engagement_id)),
            H::SetRecording(p) => (p.request_id.as_ref(), Some(&p.engagement_id)),
            H::TransferEngagement(p) | H::AddCall(p) => (p.request_id.as_ref(), Some(&p.engagement_id)),
            H::GetVariables(p) => (p.request_id.as_ref(), Some(&p.engagement_id)),
        }
    }

    /// The `<type>-response` that reports this command as failed, with the command's
    /// `requestId` and `engagementId`; for messages that are not commands, `zcc-error`.
    pub fn failure(&self, code: ErrorCode, message: impl Into<String>) -> EmbedMessage {
        let (request_id, engagement_id) = self.ids();
        let (request_id, engagement_id) = (request_id.cloned(), engagement_id.map(str::to_owned));
        let message = message.into();
        let Some(response_type) = self.response_type() else {
            return EmbedMessage::Error(ZccError::new(code, message).with_request_id(request_id));
        };
        let failed = crate::CommandResponse::failed(request_id.clone(), engagement_id, code, message.clone());
        let data = serde_json::to_value(failed).expect("responses serialize");
        match EmbedMessage::decode(response_type, data) {
            Some(Ok(response)) => response,
            // Responses whose payload needs more than the common fields.
            _ => EmbedMessage::Error(ZccError::new(code, message).with_request_id(request_id)),
        }
    }
}
