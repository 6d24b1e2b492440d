//! Request extractors that answer bad input with [`ApiError`]s instead of plain text.

use axum::extract::rejection::JsonRejection;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use callbar_store::Role;
use serde::de::DeserializeOwned;

use super::error::ApiError;
use crate::auth::{AuthError, Authenticated, hash_token, request_token};
use crate::state::SharedState;

/// A JSON body, with errors that name the problem.
pub struct Body<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for Body<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, ApiError> {
        match axum::Json::<T>::from_request(req, state).await {
            Ok(axum::Json(v)) => Ok(Body(v)),
            Err(JsonRejection::MissingJsonContentType(_)) => Err(ApiError::invalid(
                "send the body as JSON with `Content-Type: application/json`",
            )),
            Err(e) => Err(ApiError::invalid(format!(
                "the JSON body is not usable: {}",
                e.body_text()
            ))),
        }
    }
}

/// A signed-in user: `Authorization: Bearer <token>`, or the session cookie on a
/// same-origin request (the embed).
pub struct Signed(pub Authenticated);

impl FromRequestParts<SharedState> for Signed {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &SharedState) -> Result<Self, ApiError> {
        let token = request_token(&parts.headers).ok_or(AuthError::Missing)?;
        Ok(Signed(state.sessions.authenticate(token).await?))
    }
}

/// A signed-in admin.
pub struct Admin(pub Authenticated);

impl FromRequestParts<SharedState> for Admin {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &SharedState) -> Result<Self, ApiError> {
        let Signed(auth) = Signed::from_request_parts(parts, state).await?;
        if auth.user.role != Role::Admin {
            return Err(ApiError::forbidden("this needs the admin role"));
        }
        Ok(Admin(auth))
    }
}

/// A signed-in supervisor or admin (only the role is checked).
pub struct Supervisor;

impl FromRequestParts<SharedState> for Supervisor {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &SharedState) -> Result<Self, ApiError> {
        let Signed(auth) = Signed::from_request_parts(parts, state).await?;
        if auth.user.role < Role::Supervisor {
            return Err(ApiError::forbidden("this needs the supervisor or admin role"));
        }
        Ok(Supervisor)
    }
}

/// Who may create and manage engagements through the API: a back-office system with an
/// API token (`Authorization: Bearer cbt_…`, created by an admin), or a signed-in
/// supervisor or admin.
pub struct Backoffice {
    /// The API token's name, or the user's email, for logs.
    pub name: String,
}

impl FromRequestParts<SharedState> for Backoffice {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &SharedState) -> Result<Self, ApiError> {
        let token = request_token(&parts.headers).ok_or(AuthError::Missing)?;
        if token.starts_with(API_TOKEN_PREFIX) {
            return match state.directory.api_token(&state.store, &hash_token(token)).await? {
                Some(t) => Ok(Backoffice { name: t.name }),
                None => Err(ApiError::new(
                    axum::http::StatusCode::UNAUTHORIZED,
                    "not-authenticated",
                    "the API token is unknown or was revoked; an admin creates one with `callbar token create <name>`",
                )),
            };
        }
        let auth = state.sessions.authenticate(token).await?;
        if auth.user.role < Role::Supervisor {
            return Err(ApiError::forbidden(
                "this needs an API token, or the supervisor or admin role",
            ));
        }
        Ok(Backoffice { name: auth.user.email })
    }
}

/// API tokens start with this, so they are told apart from session tokens at a glance.
pub const API_TOKEN_PREFIX: &str = "cbt_";
