//! Request extractors that answer bad input with [`ApiError`]s instead of plain text.

use axum::extract::rejection::JsonRejection;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use callbar_store::Role;
use serde::de::DeserializeOwned;

use super::error::ApiError;
use crate::auth::{AuthError, Authenticated, request_token};
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
            return Err(ApiError::forbidden(
                "this needs the supervisor or admin role",
            ));
        }
        Ok(Supervisor)
    }
}
