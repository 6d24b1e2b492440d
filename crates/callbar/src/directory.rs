//! A cache of the organization that hot paths read: agents' names and extensions, the
//! queues, and the not-ready reasons. It is reloaded from the store whenever an admin changes them, so
//! announcing a status or building a call log never waits on the database.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};

use callbar_store::{ApiToken, EntryPoint, Queue, Role, StatusReason, Store, StoreError, User};

#[derive(Default)]
pub struct Directory {
    users: RwLock<HashMap<String, Arc<User>>>,
    reasons: RwLock<Arc<Vec<StatusReason>>>,
    queues: RwLock<Arc<Vec<Queue>>>,
    entry_points: RwLock<Arc<Vec<EntryPoint>>>,
    /// API tokens recently found, by hash, with when they were looked up.
    api_tokens: Mutex<HashMap<Vec<u8>, (ApiToken, Instant)>>,
}

/// How long a found API token is trusted without asking the store again: a token revoked
/// by `callbar token revoke` stops working within this time (at once through the API).
const API_TOKEN_TTL: Duration = Duration::from_secs(10);

/// The name of the not-ready reason the engine sets after too many missed offers. It is
/// created when missing and cannot be removed.
pub const MISSED_REASON: &str = "Missed";

impl Directory {
    pub async fn load(store: &Arc<dyn Store>) -> Result<Directory, StoreError> {
        let d = Directory::default();
        d.reload(store).await?;
        Ok(d)
    }

    /// Reads users and reasons again.
    pub async fn reload(&self, store: &Arc<dyn Store>) -> Result<(), StoreError> {
        let users = store.users().await?;
        let reasons = store.status_reasons().await?;
        let queues = store.queues().await?;
        *self.queues.write().expect("directory lock") = Arc::new(queues);
        let entry_points = store.entry_points().await?;
        *self.entry_points.write().expect("directory lock") = Arc::new(entry_points);
        *self.users.write().expect("directory lock") = users.into_iter().map(|u| (u.id.clone(), Arc::new(u))).collect();
        *self.reasons.write().expect("directory lock") = Arc::new(reasons);
        Ok(())
    }

    pub fn user(&self, id: &str) -> Option<Arc<User>> {
        self.users.read().expect("directory lock").get(id).cloned()
    }

    /// Users who handle engagements.
    pub fn agents(&self) -> Vec<Arc<User>> {
        let mut agents: Vec<_> = self
            .users
            .read()
            .expect("directory lock")
            .values()
            .filter(|u| u.role == Role::Agent)
            .cloned()
            .collect();
        agents.sort_by(|a, b| a.id.cmp(&b.id));
        agents
    }

    /// The API token with this hash, if it exists.
    pub async fn api_token(&self, store: &Arc<dyn Store>, hash: &[u8]) -> Result<Option<ApiToken>, StoreError> {
        if let Some((token, at)) = self.api_tokens.lock().expect("directory lock").get(hash)
            && at.elapsed() < API_TOKEN_TTL
        {
            return Ok(Some(token.clone()));
        }
        let found = store.api_token(hash).await?;
        let mut cache = self.api_tokens.lock().expect("directory lock");
        match &found {
            Some(token) => {
                cache.insert(hash.to_vec(), (token.clone(), Instant::now()));
            }
            None => {
                cache.remove(hash);
            }
        }
        Ok(found)
    }

    /// Forgets cached API tokens (one was revoked).
    pub fn forget_api_tokens(&self) {
        self.api_tokens.lock().expect("directory lock").clear();
    }

    pub fn entry_points(&self) -> Arc<Vec<EntryPoint>> {
        self.entry_points.read().expect("directory lock").clone()
    }

    pub fn queues(&self) -> Arc<Vec<Queue>> {
        self.queues.read().expect("directory lock").clone()
    }

    pub fn reasons(&self) -> Arc<Vec<StatusReason>> {
        self.reasons.read().expect("directory lock").clone()
    }

    /// Records a status the engine set, so the cache matches the store.
    pub fn set_status_code(&self, user_id: &str, code: &str) {
        let mut users = self.users.write().expect("directory lock");
        if let Some(u) = users.get_mut(user_id) {
            let mut changed = User::clone(u);
            changed.status_code = code.to_owned();
            *u = Arc::new(changed);
        }
    }
}
