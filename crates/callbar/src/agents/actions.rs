//! What an agent does with an engagement, whether from the embed's own buttons or from the
//! host (`zcc-accept-engagement` and friends): both go through here, so both obey the same
//! rules. The engine checks that the engagement is the agent's.

use callbar_engine::{Command, EngineError};
use callbar_protocol::ErrorCode;

use crate::engine::RunError;
use crate::state::AppState;

/// The longest note accepted.
pub const MAX_NOTE_CHARS: usize = 4000;

pub enum Action {
    Accept,
    Reject,
    End,
    AddNote(String),
    SetDisposition(String),
    CloseWrapUp,
}

/// Why an action was refused, as the protocol reports it.
#[derive(Debug)]
pub struct Refusal {
    pub code: ErrorCode,
    pub message: String,
}

pub async fn act(state: &AppState, agent: &str, engagement: &str, action: Action) -> Result<(), Refusal> {
    let (agent, engagement) = (agent.to_owned(), engagement.to_owned());
    let command = match action {
        Action::Accept => {
            state.voice.accepting(&engagement);
            Command::Accept { agent, engagement }
        }
        Action::Reject => Command::Reject { agent, engagement },
        Action::End => Command::End { agent, engagement },
        Action::AddNote(note) => {
            let note = note.trim().to_owned();
            if note.is_empty() || note.chars().count() > MAX_NOTE_CHARS {
                return Err(Refusal {
                    code: ErrorCode::InvalidInput,
                    message: format!("a note needs 1 to {MAX_NOTE_CHARS} characters"),
                });
            }
            Command::AddNote {
                agent,
                engagement,
                note,
            }
        }
        Action::SetDisposition(disposition) => Command::SetDisposition {
            agent,
            engagement,
            disposition,
        },
        Action::CloseWrapUp => Command::CloseWrapUp { agent, engagement },
    };
    state.engine.run(command).await.map(|_| ()).map_err(refusal)
}

/// The protocol's view of an engine refusal. Another agent's engagement is reported as
/// not found, so nobody learns which engagements exist.
pub fn refusal(e: RunError) -> Refusal {
    let (code, message) = match e {
        RunError::Refused(EngineError::UnknownEngagement(id))
        | RunError::Refused(EngineError::NotYourEngagement { engagement: id, .. }) => (
            ErrorCode::EngagementNotFound,
            format!("no engagement {id:?} belongs to you; zcc-engagement-status-request lists yours"),
        ),
        RunError::Refused(e @ (EngineError::InvalidState { .. } | EngineError::CannotDial { .. })) => {
            (ErrorCode::InvalidState, e.to_string())
        }
        RunError::Refused(e @ (EngineError::UnknownDisposition { .. } | EngineError::InvalidInput(_))) => {
            (ErrorCode::InvalidInput, e.to_string())
        }
        RunError::Refused(EngineError::UnknownAgent(_)) => (
            ErrorCode::NotAllowed,
            "only users with the agent role handle engagements".to_owned(),
        ),
        RunError::Refused(e) => (ErrorCode::InvalidInput, e.to_string()),
        RunError::Gone(e) => (ErrorCode::Unavailable, format!("{e}; try again shortly")),
    };
    Refusal { code, message }
}
