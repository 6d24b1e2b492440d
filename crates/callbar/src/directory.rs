//! A cache of the organization that hot paths read: agents' names and extensions, and the
//! not-ready reasons. It is reloaded from the store whenever an admin changes them, so
//! announcing a status or building a call log never waits on the database.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use callbar_store::{Role, StatusReason, Store, StoreError, User};

#[derive(Default)]
pub struct Directory {
    users: RwLock<HashMap<String, Arc<User>>>,
    reasons: RwLock<Arc<Vec<StatusReason>>>,
}

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
        *self.users.write().expect("directory lock") = users
            .into_iter()
            .map(|u| (u.id.clone(), Arc::new(u)))
            .collect();
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
