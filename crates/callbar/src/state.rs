//! What every request handler and channel shares.

use std::sync::Arc;

use callbar_store::Store;
use tokio_util::sync::CancellationToken;

use crate::agents::AgentHub;
use crate::auth::Sessions;
use crate::config::Config;
use crate::metrics::Metrics;

pub struct AppState {
    pub config: Config,
    pub store: Arc<dyn Store>,
    pub sessions: Sessions,
    pub agents: AgentHub,
    pub metrics: Metrics,
    /// Cancelled when the server begins to shut down.
    pub shutdown: CancellationToken,
}

pub type SharedState = Arc<AppState>;
