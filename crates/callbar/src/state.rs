//! What every request handler and channel shares.

use std::sync::Arc;

use callbar_store::{Store, StoreError};
use tokio_util::sync::CancellationToken;

use crate::agents::lookups::Lookups;
use crate::agents::{AgentHub, Deliveries};
use crate::auth::Sessions;
use crate::config::Config;
use crate::directory::Directory;
use crate::engine::EngineHandle;
use crate::metrics::Metrics;
use crate::voice::Voice;
use crate::voice::widget::CustomerLimits;

pub struct AppState {
    pub config: Config,
    pub store: Arc<dyn Store>,
    pub sessions: Sessions,
    pub agents: Arc<AgentHub>,
    pub directory: Arc<Directory>,
    pub engine: EngineHandle,
    pub deliveries: Deliveries,
    pub lookups: Arc<Lookups>,
    pub voice: Arc<Voice>,
    pub customer_limits: CustomerLimits,
    /// Signs recording links (see `voice::recordings`).
    pub recording_key: [u8; 32],
    pub metrics: Arc<Metrics>,
    /// Cancelled when the server begins to shut down.
    pub shutdown: CancellationToken,
    /// Held while an organization change is carried to the directory and the engine, so
    /// that each reads the store after the one before has finished. Without it, two users
    /// created at once could each load the store, and the sync of the older load, arriving
    /// last, would remove the agent the other had just added.
    pub organization_sync: tokio::sync::Mutex<()>,
}

pub type SharedState = Arc<AppState>;

impl AppState {
    /// After an admin changed users, reasons, queues or dispositions: refresh the cache and
    /// bring the engine in step.
    pub async fn organization_changed(&self) -> anyhow::Result<()> {
        let _in_turn = self.organization_sync.lock().await;
        self.directory.reload(&self.store).await?;
        let org = crate::engine::recovery::Organization::load(&self.store).await?;
        self.engine.sync(org).await?;
        Ok(())
    }

    /// After a change only the directory caches (entry points): refresh it, in turn with
    /// organization changes so an older read never replaces a newer one.
    pub async fn directory_changed(&self) -> Result<(), StoreError> {
        let _in_turn = self.organization_sync.lock().await;
        self.directory.reload(&self.store).await
    }
}
