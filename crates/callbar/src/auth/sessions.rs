//! Sign-in, authentication of bearer tokens, and sign-out.

use std::net::IpAddr;
use std::sync::Arc;
use std::time::Instant;

use base64::Engine;
use callbar_store::{Session, Store, StoreError, User, now_ms, random_bytes};
use sha2::{Digest, Sha256};

use super::{Throttle, password};

/// A valid session and its user.
#[derive(Debug, Clone)]
pub struct Authenticated {
    pub user: User,
    pub token_hash: Vec<u8>,
    pub expires_at: i64,
}

#[derive(Debug, thiserror::Error)]
pub enum SignInError {
    #[error("Email or password is incorrect.")]
    Invalid,
    #[error("Too many failed sign-in attempts. Try again in {retry_after_secs} seconds.")]
    Throttled { retry_after_secs: u64 },
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Why a token was not accepted.
#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    #[error("Sign in first: this request needs `Authorization: Bearer <token>` from POST /api/v1/sessions.")]
    Missing,
    #[error("The session is unknown or has ended. Sign in again.")]
    Invalid,
    #[error("The session has expired. Sign in again.")]
    Expired,
    #[error(transparent)]
    Store(#[from] StoreError),
}

pub struct Sessions {
    store: Arc<dyn Store>,
    ttl_ms: i64,
    throttle: Throttle,
}

impl Sessions {
    pub fn new(store: Arc<dyn Store>, ttl_secs: u64, throttle: Throttle) -> Self {
        Sessions {
            store,
            ttl_ms: ttl_secs as i64 * 1000,
            throttle,
        }
    }

    /// Checks the credentials and starts a session. Returns the token (shown to the
    /// client once, never stored) and the session.
    pub async fn sign_in(
        &self,
        email: &str,
        password: &str,
        client: IpAddr,
    ) -> Result<(String, Authenticated), SignInError> {
        let keys = self.throttle.keys(email, client);
        if let Err(wait) = self.throttle.check(&keys, Instant::now()) {
            return Err(SignInError::Throttled {
                retry_after_secs: wait.as_secs().max(1),
            });
        }
        let found = self.store.credentials(email).await?;
        let candidate = password.to_owned();
        let (user, matches) = tokio::task::spawn_blocking(move || match found {
            Some((user, hash)) => {
                let ok = password::verify(&candidate, &hash);
                (Some(user), ok)
            }
            None => {
                password::verify(&candidate, password::decoy());
                (None, false)
            }
        })
        .await
        .map_err(|e| StoreError::Backend(format!("password check failed: {e}")))?;
        let Some(user) = user.filter(|_| matches) else {
            if let Some(lock) = self.throttle.failed(&keys, Instant::now()) {
                tracing::warn!(%client, lock_secs = lock.as_secs(), "sign-in locked after repeated failures");
            }
            return Err(SignInError::Invalid);
        };
        self.throttle.succeeded(&keys);

        let token = new_token("cb_");
        let now = now_ms();
        let session = Session {
            token_hash: hash_token(&token),
            user_id: user.id.clone(),
            created_at: now,
            expires_at: now + self.ttl_ms,
        };
        self.store.create_session(session.clone()).await?;
        tracing::info!(user = %user.id, "signed in");
        Ok((
            token,
            Authenticated {
                user,
                token_hash: session.token_hash,
                expires_at: session.expires_at,
            },
        ))
    }

    /// The session a bearer token stands for.
    pub async fn authenticate(&self, token: &str) -> Result<Authenticated, AuthError> {
        if token.is_empty() || token.len() > 128 {
            return Err(AuthError::Invalid);
        }
        let token_hash = hash_token(token);
        let session = self.store.session(&token_hash).await?.ok_or(AuthError::Invalid)?;
        if session.expires_at <= now_ms() {
            self.store.delete_session(&token_hash).await?;
            return Err(AuthError::Expired);
        }
        let user = self.store.user(&session.user_id).await?.ok_or(AuthError::Invalid)?;
        Ok(Authenticated {
            user,
            token_hash,
            expires_at: session.expires_at,
        })
    }

    pub async fn sign_out(&self, session: &Authenticated) -> Result<(), StoreError> {
        tracing::info!(user = %session.user.id, "signed out");
        self.store.delete_session(&session.token_hash).await
    }
}

/// What the database keeps of a token.
pub fn hash_token(token: &str) -> Vec<u8> {
    Sha256::digest(token.as_bytes()).to_vec()
}

/// A new random token: `prefix` and 256 bits in base64url.
pub fn new_token(prefix: &str) -> String {
    format!(
        "{prefix}{}",
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(random_bytes::<32>())
    )
}
