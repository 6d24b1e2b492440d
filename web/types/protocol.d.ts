// Generated from crates/callbar-protocol by `UPDATE_TS=1 cargo test -p callbar-protocol`.
// Do not edit: the test `typescript_is_fresh` fails when this file is stale.

export type AddNote = { comment: string, 
/**
 * Callbar addition.
 */
engagementId?: string, };

export type AgentInfo = { requestId?: RequestId, agentId: string, name: string, email: string, 
/**
 * The agent's extension (the agent-side number in call logs).
 */
extension: string, 
/**
 * `"1"`, `"3"`, `"30"`, or the code of a not-ready reason.
 */
statusCode: string, 
/**
 * `"2"` for a not-ready reason; absent otherwise.
 */
parentStatusCode?: string, status: StatusName, 
/**
 * The not-ready reason's name.
 */
subReason?: string, };

export type AgentProfile = { agentId: string, name: string, email: string, extension: string, 
/**
 * `agent`, `supervisor` or `admin`.
 */
role: string, };

export type AgentStatusInfo = { 
/**
 * `"1"`, `"3"`, `"30"`, or the code of a not-ready reason.
 */
statusCode: string, 
/**
 * `"2"` for a not-ready reason; absent otherwise.
 */
parentStatusCode?: string, status: StatusName, 
/**
 * The not-ready reason's name.
 */
subReason?: string, };

export type AgentStatusSet = { id: string, requestId?: RequestId, };

export type CallConnected = { 
/**
 * Always sent by Callbar; optional because real captures lack it.
 */
acceptTs?: number, direction: Direction, engagementId: string, from: string, queueId: string, queueName: string, to: string, };

export type CallLogConfigs = { 
/**
 * Send `zcc-call-recording` after the call log when the engagement was recorded.
 * Callbar's default is `true`.
 */
autoUpdateCallURL?: boolean, };

export type CallLogRecord = { callType: Direction, from: string, to: string, 
/**
 * `"m:ss"` from accept to end; `""` when never connected.
 */
callDuration: string, 
/**
 * ISO 8601 time of accept, or `""`.
 */
callStartTime: string, 
/**
 * ISO 8601 time of the end of the live part, or `""`.
 */
callEndTime: string, callQueue: string, 
/**
 * The agent-side number: `from` for outbound, `to` for inbound.
 */
agentExtension: string, agentName: string, 
/**
 * `"HH:MM:SS"` spent in wrap-up.
 */
wrapUpTimeDuration: string, 
/**
 * Agent notes, oldest first.
 */
notes: Array<string>, 
/**
 * Disposition name; `""` when none was chosen.
 */
dispositionCode: string, 
/**
 * Callbar addition: the disposition's id.
 */
dispositionId?: string, 
/**
 * Task type: `"phone"`, `"video"`, `"chat"`, `"sms"` (Zoom's) or `"work_item"`
 * (Callbar's).
 */
type: string, };

export type CallPhase = "waiting" | "ringing" | "connected" | "held" | "ended";

export type CallRecording = { engagementId: string, recordingUrl: string, };

export type CallRinging = { channel: Channel, createTs: number, engagementId: string, from: string, queueName: string, to: string, isConference: boolean, isTransfer: boolean, 
/**
 * Callbar addition.
 */
queueId?: string, };

export type CallTransfer = { engagementId: string, transferType: TransferKind, targetType: TargetType, targetId: string, targetName: string, };

export type CallView = { 
/**
 * Audio flows both ways.
 */
connected: boolean, muted: boolean, held: boolean, recording?: RecordingState, 
/**
 * An outbound call whose far end is ringing without sending audio of its own (SIP 180
 * without early media): the embed plays ringback until the call's audio starts.
 */
alerting: boolean, };

export type Channel = "voice" | "video" | "chat" | "sms" | "work_item";

export type ChannelConfig = { 
/**
 * `"RINGING"`: pop the record as soon as the lookup returns at most one match.
 * Any other value (`"ANSWER"`, `"CONNECTED"`) pops when the engagement connects.
 */
screenPopEvent?: string, callLogConfigs?: CallLogConfigs, };

export type ChannelUpgradeInfo = { fromChannel: Channel, toChannel: Channel, upgradeTs: number, };

export type ChatRinging = { queueId: string, queueName: string, engagementId: string, customerName: string, customerEmail: string, };

export type ClickToAct = { phone?: string, id?: string, name?: string, email?: string, userEntity?: string, };

export type ClientOp = { "op": "hello", token?: string, } | { "op": "set-status", code: string, } | { "op": "host", message: JsonValue, } | { "op": "accept", engagementId: string, } | { "op": "reject", engagementId: string, } | { "op": "end", engagementId: string, } | { "op": "add-note", engagementId: string, note: string, } | { "op": "set-disposition", engagementId: string, dispositionId: string, } | { "op": "close-wrap-up", engagementId: string, } | { "op": "delivered", outboxId: number, } | { "op": "media-offer", engagementId: string, sdp: string, } | { "op": "set-mute", engagementId: string, mute: boolean, } | { "op": "set-hold", engagementId: string, hold: boolean, } | { "op": "set-recording", engagementId: string, action: RecordingAction, } | { "op": "send-dtmf", engagementId: string, digits: string, } | { "op": "pick-contact", engagementId: string, contactId: string, } | { "op": "dial", phone: string, };

export type CloseReason = "invalid-session" | "expired" | "signed-out" | "shutting-down";

export type CommandResponse = { status: boolean, requestId?: RequestId, engagementId?: string, errorCode?: ErrorCode, 
/**
 * A short error name (same as `errorCode`), for hosts that read `error`.
 */
error?: string, message?: string, };

export type ConsultResponse = { consultState?: ConsultState, holdState?: HoldState, destinationSummary?: DestinationSummary, status: boolean, requestId?: RequestId, engagementId?: string, errorCode?: ErrorCode, 
/**
 * A short error name (same as `errorCode`), for hosts that read `error`.
 */
error?: string, message?: string, };

export type ConsultState = "ringing" | "connected" | "conference" | "none";

export type ContactMatches = Array<{ id: string, name: string, phone: string, email: string, entity: string, }>;

export type ContactQuery = string | { email: string, type: string, };

export type ContactRecord = { id: string, name: string, phone: string, email: string, entity: string, };

export type ContactSearch = { query: ContactQuery, };

export type CustomerOp = { "op": "call", entryPoint: string, name: string, email: string, phone: string, sdp: string, } | { "op": "hang-up" };

export type CustomerServerOp = { "op": "answer", engagementId: string, sdp: string, } | { "op": "phase", phase: CallPhase, 
/**
 * The agent's name once connected.
 */
agentName?: string, } | { "op": "problem", message: string, };

export type DestinationSummary = { targetType: TargetType, targetId: string, targetName: string, };

export type Direction = "inbound" | "outbound";

export type Disposition = { dispositionId: string, name: string, queueId: string, };

export type DispositionCodesResponse = { 
/**
 * Empty when the command failed.
 */
dispositions: Array<Disposition>, status: boolean, requestId?: RequestId, engagementId?: string, errorCode?: ErrorCode, 
/**
 * A short error name (same as `errorCode`), for hosts that read `error`.
 */
error?: string, message?: string, };

export type EmbedMessage = { "type": "zcc-init-config-request" } | { "type": "zcc-agent-info-response", "data": AgentInfo } | { "type": "zcc-error", "data": ZccError } | { "type": "zcc-resize", "data": Resize } | { "type": "zcc-contact-search-event", "data": ContactSearch } | { "type": "zcc-incomingPhone-request", "data": IncomingPhoneRequest } | { "type": "zcc-incomingEmail-request", "data": IncomingEmailRequest } | { "type": "zcc-screen-pop", "data": ScreenPop } | { "type": "zcc-call-ringing", "data": CallRinging } | { "type": "zcc-call-connected", "data": CallConnected } | { "type": "zcc-outbound-call-started", "data": OutboundCallStarted } | { "type": "zcc-call-ended", "data": EngagementEnded } | { "type": "zcc-inbound-not-connected", "data": InboundNotConnected } | { "type": "zcc-outbound-not-connected", "data": OutboundNotConnected } | { "type": "zcc-call-transfer", "data": CallTransfer } | { "type": "zcc-add-note", "data": AddNote } | { "type": "zcc-end-post-engagement", "data": EndPostEngagement } | { "type": "zcc-phone-call-log", "data": PhoneCallLog } | { "type": "zcc-call-recording", "data": CallRecording } | { "type": "zcc-engagement-log-url", "data": EngagementLogUrl } | { "type": "zcc-chat-ringing", "data": ChatRinging } | { "type": "zcc-chat-started", "data": EngagementStarted } | { "type": "zcc-chat-ended", "data": EngagementEnded } | { "type": "zcc-video-ringing", "data": VideoRinging } | { "type": "zcc-video-started", "data": EngagementStarted } | { "type": "zcc-video-ended", "data": EngagementEnded } | { "type": "zcc-video-participant-info", "data": VideoParticipantInfo } | { "type": "zcc-sms-ringing", "data": SmsRinging } | { "type": "zcc-sms-started", "data": EngagementStarted } | { "type": "zcc-sms-ended", "data": EngagementEnded } | { "type": "zcc-work-item-ringing", "data": WorkItemRinging } | { "type": "zcc-work-item-started", "data": EngagementStarted } | { "type": "zcc-work-item-ended", "data": EngagementEnded } | { "type": "zcc-accept-engagement-response", "data": CommandResponse } | { "type": "zcc-reject-engagement-response", "data": CommandResponse } | { "type": "zcc-terminate-engagement-response", "data": CommandResponse } | { "type": "zcc-set-engagement-disposition-response", "data": CommandResponse } | { "type": "zcc-close-engagement-wrapup-response", "data": CommandResponse } | { "type": "zcc-engagement-status-response", "data": EngagementStatusResponse } | { "type": "zcc-get-disposition-codes-response", "data": DispositionCodesResponse } | { "type": "zcc-set-mute-response", "data": MuteResponse } | { "type": "zcc-set-hold-response", "data": HoldResponse } | { "type": "zcc-send-dtmf-response", "data": CommandResponse } | { "type": "zcc-set-recording-response", "data": RecordingResponse } | { "type": "zcc-transfer-engagement-response", "data": ConsultResponse } | { "type": "zcc-add-call-response", "data": ConsultResponse } | { "type": "zcc-cancel-consult-response", "data": ConsultResponse } | { "type": "zcc-complete-transfer-response", "data": ConsultResponse } | { "type": "zcc-merge-consult-response", "data": ConsultResponse } | { "type": "zcc-upgrade-to-video-response", "data": CommandResponse } | { "type": "zcc-agent-status-notification", "data": AgentStatusInfo } | { "type": "zcc-agent-status-set-response", "data": CommandResponse } | { "type": "zcc-get-variables-response", "data": VariablesResponse };

export type EndPostEngagement = { engagementId: string, 
/**
 * Disposition name; `""` when none was chosen.
 */
dispositionCode: string, 
/**
 * Same as `dispositionCode` (Zoom's documented field).
 */
name: string, };

export type EngagementCommand = { engagementId: string, channelType?: Channel, requestId?: RequestId, };

export type EngagementEnded = { completeTs: number, engagementId: string, };

export type EngagementLogUrl = { engagementId: string, url: string, };

export type EngagementStarted = { engagementId: string, createTs: number, };

export type EngagementState = "ringing" | "connected" | "held" | "wrapup";

export type EngagementStatusResponse = { requestId?: RequestId, active: Array<EngagementSummary>, wrapup: Array<EngagementSummary>, };

export type EngagementSummary = { engagementId: string, channel: Channel, engagementDirection: Direction, from: string, to: string, queueId: string, queueName: string, state: EngagementState, createTs: number, acceptTs?: number, customerName?: string, customerEmail?: string, };

export type EngagementView = { engagementId: string, channel: Channel, state: EngagementState, direction: Direction, queueId: string, queueName: string, subject: string, customerName: string, customerEmail: string, customerPhone: string, from: string, to: string, createTs: number, 
/**
 * While ringing: when the offer runs out.
 */
offerExpiresAt?: number, acceptTs?: number, completeTs?: number, 
/**
 * In wrap-up: when it closes on its own with the queue's default disposition.
 */
wrapUpDeadline?: number, notes: Array<string>, dispositionId?: string, 
/**
 * The dispositions of its queue.
 */
dispositions: Array<Disposition>, variables: Array<Variable>, 
/**
 * Host records that matched the customer (from `zcc-incomingPhone-response` or
 * `zcc-incomingEmail-response`); with several, the agent picks one.
 */
matches: Array<ContactRecord>, 
/**
 * The record the engagement is linked to (it goes into the call log as `user`).
 */
contact?: ContactRecord, 
/**
 * Voice and video: the state of the audio.
 */
call?: CallView, };

export type ErrorCode = "invalid-input" | "agent-not-authenticated" | "no-phone" | "unknown-message" | "engagement-not-found" | "invalid-state" | "not-allowed" | "unavailable";

export type GetDispositionCodes = { engagementId?: string, requestId?: RequestId, };

export type GetVariables = { engagementId: string, requestId?: RequestId, };

export type HoldResponse = { holdState?: HoldState, status: boolean, requestId?: RequestId, engagementId?: string, errorCode?: ErrorCode, 
/**
 * A short error name (same as `errorCode`), for hosts that read `error`.
 */
error?: string, message?: string, };

export type HoldState = "held" | "active";

export type HostMessage = { "type": "zcc-init-config-response", "data": InitConfig } | { "type": "zcc-agent-info-request", "data": PlainRequest } | { "type": "zcc-contact-search-response", "data": ContactMatches } | { "type": "zcc-incomingPhone-response", "data": ContactMatches } | { "type": "zcc-incomingEmail-response", "data": ContactMatches } | { "type": "zcc-accept-engagement", "data": EngagementCommand } | { "type": "zcc-reject-engagement", "data": EngagementCommand } | { "type": "zcc-terminate-engagement", "data": EngagementCommand } | { "type": "zcc-set-engagement-disposition", "data": SetDisposition } | { "type": "zcc-close-engagement-wrapup", "data": EngagementCommand } | { "type": "zcc-engagement-status-request", "data": PlainRequest } | { "type": "zcc-get-disposition-codes", "data": GetDispositionCodes } | { "type": "zcc-set-mute", "data": SetMute } | { "type": "zcc-set-hold", "data": SetHold } | { "type": "zcc-send-dtmf", "data": SendDtmf } | { "type": "zcc-set-recording", "data": SetRecording } | { "type": "zcc-transfer-engagement", "data": TransferTarget } | { "type": "zcc-add-call", "data": TransferTarget } | { "type": "zcc-cancel-consult", "data": EngagementCommand } | { "type": "zcc-complete-transfer", "data": EngagementCommand } | { "type": "zcc-merge-consult", "data": EngagementCommand } | { "type": "zcc-upgrade-to-video", "data": EngagementCommand } | { "type": "zcc-agent-status-set-request", "data": AgentStatusSet } | { "type": "zcc-get-variables", "data": GetVariables } | { "type": "onclicktoact", "data": ClickToAct };

export type IceServer = { urls: Array<string>, username?: string, credential?: string, };

export type InboundNotConnected = { reasonCode: InboundReason, message: string, engagementId: string, };

export type InboundReason = "customer-hangup" | "agent-rejected" | "answered-elsewhere" | "missed";

export type IncomingEmailRequest = { email: string, engagementId: string, channel: Channel, };

export type IncomingPhoneRequest = { incomingPhoneNumber: string, engagementId: string, channel: Channel, };

export type InitConfig = { phone?: ChannelConfig, chat?: ChannelConfig, sms?: ChannelConfig, video?: ChannelConfig, workItem?: ChannelConfig, };

export type JsonValue = number | string | boolean | Array<JsonValue> | { [key in string]: JsonValue } | null;

export type MuteResponse = { 
/**
 * The agent's microphone state after the command.
 */
muted?: boolean, status: boolean, requestId?: RequestId, engagementId?: string, errorCode?: ErrorCode, 
/**
 * A short error name (same as `errorCode`), for hosts that read `error`.
 */
error?: string, message?: string, };

export type OutboundCallStarted = { engagementId: string, from: string, to: string, queueName: string, startTs: number, };

export type OutboundNotConnected = { engagementId: string, reasonCode: OutboundReason, message: string, };

export type OutboundReason = "outbound-call-canceled" | "outbound-call-agent-failed" | "outbound-call-customer-failed" | "outbound-call-customer-unreachable" | "outbound-call-no-answer" | "outbound-call-busy" | "outbound-call-declined" | "outbound-call-invalid-number" | "outbound-call-failed";

export type ParticipantInfo = { engagementId: string, participants: Array<VideoParticipant>, };

export type PhoneCallLog = { objectRecord: CallLogRecord, engagementId: string, 
/**
 * The matched record's entity type, or `""`.
 */
relateTo: string, 
/**
 * The contact the agent matched, as the host returned it.
 */
user?: ContactRecord, channelUpgradeInfo?: ChannelUpgradeInfo, smartNotes?: Array<string>, };

export type PlainRequest = { requestId?: RequestId, };

export type QueueStatsView = { queueId: string, queueName: string, channel: Channel, 
/**
 * Engagements waiting (not ringing).
 */
waiting: number, 
/**
 * How long the oldest waiting engagement has waited.
 */
longestWaitMs: number, ready: number, notReady: number, occupied: number, offline: number, 
/**
 * Share answered within the queue's threshold over the last 30 minutes (0–1); none
 * before anything was answered or abandoned.
 */
serviceLevel?: number, 
/**
 * When these figures were taken.
 */
at: number, };

export type ReasonOption = { code: string, name: string, };

export type RecordingAction = "start" | "stop" | "pause" | "resume";

export type RecordingResponse = { recordingState?: RecordingState, status: boolean, requestId?: RequestId, engagementId?: string, errorCode?: ErrorCode, 
/**
 * A short error name (same as `errorCode`), for hosts that read `error`.
 */
error?: string, message?: string, };

export type RecordingState = "recording" | "paused" | "stopped";

export type RequestId = string | number;

export type Resize = { widthInPixels: number, heightInPixels: number, };

export type ScreenPop = { id: string, 
/**
 * Callbar addition: the engagement the pop belongs to.
 */
engagementId?: string, };

export type SendDtmf = { engagementId: string, digits: string, requestId?: RequestId, };

export type ServerOp = { "op": "welcome", agent: AgentProfile, status: AgentStatusInfo, reasons: Array<ReasonOption>, sessionExpiresAt: number, } | { "op": "status", status: AgentStatusInfo, } | { "op": "post", message: EmbedMessage, } | { "op": "contact-search-result", matches: Array<ContactRecord>, } | { "op": "engagements", engagements: Array<EngagementView>, } | { "op": "deliver", outboxId: number, messages: Array<EmbedMessage>, } | { "op": "queue-stats", queues: Array<QueueStatsView>, } | { "op": "start-media", engagementId: string, 
/**
 * Empty unless a TURN relay is configured.
 */
iceServers: Array<IceServer>, } | { "op": "media-answer", engagementId: string, sdp: string, } | { "op": "problem", message: string, } | { "op": "closed", reason: CloseReason, message: string, };

export type SetDisposition = { engagementId: string, channelType?: Channel, requestId?: RequestId, 
/**
 * The `dispositionId` from `zcc-get-disposition-codes-response`.
 */
dispositionId: string, };

export type SetHold = { engagementId: string, hold: boolean, requestId?: RequestId, };

export type SetMute = { engagementId: string, mute: boolean, requestId?: RequestId, };

export type SetRecording = { engagementId: string, action: RecordingAction, requestId?: RequestId, };

export type SmsRinging = { queueId: string, queueName: string, engagementId: string, customerName: string, customerEmail: string, incomingPhoneNumber: string, };

export type StatusName = "Ready" | "Not Ready" | "Occupied" | "Offline";

export type TargetType = "agent" | "queue" | "phone";

export type TransferKind = "blind" | "warm";

export type TransferTarget = { engagementId: string, channelType?: Channel, requestId?: RequestId, targetType: TargetType, 
/**
 * An agent id, a queue id, or a phone number.
 */
targetId: string, };

export type Variable = { 
/**
 * e.g. `Consumer.email`.
 */
globalVariableName: string, globalVariableDisplayName: string, value: string, kind: VariableKind, };

export type VariableKind = "system" | "custom";

export type VariablesResponse = { 
/**
 * Empty when the command failed.
 */
variables: Array<Variable>, status: boolean, requestId?: RequestId, engagementId?: string, errorCode?: ErrorCode, 
/**
 * A short error name (same as `errorCode`), for hosts that read `error`.
 */
error?: string, message?: string, };

export type VideoParticipant = { participantId: string, name: string, 
/**
 * `"agent"` or `"customer"`.
 */
role: string, audio: boolean, video: boolean, };

export type VideoParticipantInfo = { participantInfo: ParticipantInfo, engagementId: string, };

export type VideoRinging = { queueId: string, queueName: string, engagementId: string, customerEmail: string, };

export type WorkItemRinging = { queueId: string, queueName: string, engagementId: string, subject: string, customerName: string, customerEmail: string, createTs: number, };

export type ZccError = { code: ErrorCode, 
/**
 * What was wrong and what to do, for a developer reading the console.
 */
message: string, requestId?: RequestId, };
