//! Managing the organization: the rules for users, approved domains and not-ready
//! reasons, shared by the `callbar` subcommands and the admin REST API so both validate
//! the same way.

use std::sync::Arc;

use callbar_store::{NewUser, Role, StatusReason, Store, StoreError, User, UserUpdate};

use crate::auth::password;
use crate::origin::normalize_origin;

/// Why an organization change was refused.
#[derive(Debug, thiserror::Error)]
pub enum OrgError {
    #[error("{0}")]
    Invalid(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

pub type OrgResult<T> = Result<T, OrgError>;

fn invalid<T>(msg: impl Into<String>) -> OrgResult<T> {
    Err(OrgError::Invalid(msg.into()))
}

/// A user to add, as given by an admin.
pub struct UserInput {
    pub email: String,
    pub name: String,
    pub role: String,
    pub extension: Option<String>,
    pub password: String,
}

pub fn parse_role(role: &str) -> OrgResult<Role> {
    Role::parse(role)
        .ok_or_else(|| OrgError::Invalid(format!("role {role:?} is unknown; use agent, supervisor or admin")))
}

fn check_email(email: &str) -> OrgResult<String> {
    let email = email.trim();
    let valid = email.len() <= 254
        && !email.chars().any(|c| c.is_whitespace() || c.is_control())
        && email
            .split_once('@')
            .is_some_and(|(local, domain)| !local.is_empty() && domain.contains('.') && !domain.starts_with('.'));
    if !valid {
        return invalid(format!("{email:?} is not an email address like ada@example.com"));
    }
    Ok(email.to_owned())
}

fn check_name(name: &str) -> OrgResult<String> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 100 || name.chars().any(char::is_control) {
        return invalid("the name must have 1 to 100 characters, without control characters");
    }
    Ok(name.to_owned())
}

fn check_extension(ext: &str) -> OrgResult<String> {
    if ext.is_empty() || ext.len() > 16 || !ext.chars().all(|c| c.is_ascii_digit()) {
        return invalid(format!("extension {ext:?} must be 1 to 16 digits"));
    }
    Ok(ext.to_owned())
}

/// Hashes on a blocking thread: Argon2id takes tens of milliseconds on purpose.
async fn hash_password(password: &str) -> OrgResult<String> {
    password::check_policy(password).map_err(OrgError::Invalid)?;
    let password = password.to_owned();
    tokio::task::spawn_blocking(move || password::hash(&password))
        .await
        .map_err(|e| OrgError::Store(StoreError::Backend(format!("hashing failed: {e}"))))
}

pub async fn add_user(store: &Arc<dyn Store>, input: UserInput) -> OrgResult<User> {
    let email = check_email(&input.email)?;
    let name = check_name(&input.name)?;
    let role = parse_role(&input.role)?;
    let extension = input.extension.as_deref().map(check_extension).transpose()?;
    let password_hash = hash_password(&input.password).await?;
    Ok(store
        .create_user(NewUser {
            email,
            name,
            role,
            password_hash,
            extension,
        })
        .await?)
}

/// Changes to a user, as given by an admin.
#[derive(Default)]
pub struct UserChange {
    pub name: Option<String>,
    pub role: Option<String>,
    pub extension: Option<String>,
    pub password: Option<String>,
}

pub async fn change_user(store: &Arc<dyn Store>, id: &str, change: UserChange) -> OrgResult<User> {
    let update = UserUpdate {
        name: change.name.as_deref().map(check_name).transpose()?,
        role: change.role.as_deref().map(parse_role).transpose()?,
        extension: change.extension.as_deref().map(check_extension).transpose()?,
        password_hash: match change.password {
            Some(p) => Some(hash_password(&p).await?),
            None => None,
        },
    };
    let new_password = update.password_hash.is_some();
    let user = store.update_user(id, update).await?;
    if new_password {
        store.delete_sessions_of(id).await?;
    }
    Ok(user)
}

pub async fn user_by_email(store: &Arc<dyn Store>, email: &str) -> OrgResult<User> {
    store
        .credentials(email.trim())
        .await?
        .map(|(u, _)| u)
        .ok_or_else(|| OrgError::Store(StoreError::NotFound(format!("user {email:?}"))))
}

pub async fn add_domain(store: &Arc<dyn Store>, raw: &str) -> OrgResult<String> {
    let origin = normalize_origin(raw).map_err(OrgError::Invalid)?;
    store.add_domain(&origin).await?;
    Ok(origin)
}

pub async fn remove_domain(store: &Arc<dyn Store>, raw: &str) -> OrgResult<String> {
    let origin = normalize_origin(raw).map_err(OrgError::Invalid)?;
    store.remove_domain(&origin).await?;
    Ok(origin)
}

const RESERVED_STATUS_NAMES: [&str; 4] = ["ready", "not ready", "occupied", "offline"];

pub async fn add_reason(store: &Arc<dyn Store>, name: &str) -> OrgResult<StatusReason> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 50 || name.chars().any(char::is_control) {
        return invalid("a not-ready reason needs a name of 1 to 50 characters");
    }
    if RESERVED_STATUS_NAMES.contains(&name.to_lowercase().as_str()) {
        return invalid(format!("{name:?} is a status, not a reason; choose another name"));
    }
    Ok(store.add_status_reason(name).await?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use callbar_store::SqliteStore;

    async fn store() -> Arc<dyn Store> {
        Arc::new(SqliteStore::in_memory().await.unwrap())
    }

    fn input(email: &str) -> UserInput {
        UserInput {
            email: email.into(),
            name: "Ada".into(),
            role: "agent".into(),
            extension: None,
            password: "long enough".into(),
        }
    }

    #[tokio::test]
    async fn users_get_extensions_and_validated_fields() {
        let s = store().await;
        let a = add_user(&s, input("a@example.com")).await.unwrap();
        let b = add_user(&s, input("b@example.com")).await.unwrap();
        assert_eq!((a.extension.as_str(), b.extension.as_str()), ("1001", "1002"));

        for (bad, field) in [
            (
                UserInput {
                    email: "nope".into(),
                    ..input("")
                },
                "email",
            ),
            (
                UserInput {
                    role: "root".into(),
                    ..input("c@example.com")
                },
                "role",
            ),
            (
                UserInput {
                    password: "short".into(),
                    ..input("c@example.com")
                },
                "password",
            ),
            (
                UserInput {
                    extension: Some("12a".into()),
                    ..input("c@example.com")
                },
                "extension",
            ),
            (
                UserInput {
                    name: " ".into(),
                    ..input("c@example.com")
                },
                "name",
            ),
        ] {
            let e = add_user(&s, bad).await.unwrap_err().to_string();
            assert!(e.contains(field), "{e}");
        }
        assert_eq!(s.user_count().await.unwrap(), 2, "nothing was added by bad input");
    }

    #[tokio::test]
    async fn domains_are_normalized_and_reasons_checked() {
        let s = store().await;
        assert_eq!(
            add_domain(&s, "HTTPS://CRM.example.com:443").await.unwrap(),
            "https://crm.example.com"
        );
        assert!(s.domain_approved("https://crm.example.com").await.unwrap());
        assert!(add_domain(&s, "crm.example.com").await.is_err());
        assert!(add_reason(&s, "Offline").await.is_err());
        assert_eq!(add_reason(&s, "Lunch").await.unwrap().code, "20");
    }
}
