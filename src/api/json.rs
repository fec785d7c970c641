//! The API's JSON body extractor: every rejection (malformed JSON, a missing or unknown
//! field, a wrong type) becomes our JSON error, not axum's plain-text one.

use axum::Json;
use axum::extract::{FromRequest, Request};
use axum::http::StatusCode;
use serde::de::DeserializeOwned;

use crate::errors::AppError;

pub struct ApiJson<T>(pub T);

impl<S, T> FromRequest<S> for ApiJson<T>
where
    S: Send + Sync,
    T: DeserializeOwned,
{
    type Rejection = AppError;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        match Json::<T>::from_request(request, state).await {
            Ok(Json(value)) => Ok(ApiJson(value)),
            Err(rejection) => match rejection.status() {
                status @ (StatusCode::PAYLOAD_TOO_LARGE | StatusCode::UNSUPPORTED_MEDIA_TYPE) => {
                    Err(AppError::Rejected(status))
                }
                _ => {
                    tracing::debug!(error = %rejection, "JSON body refused");
                    Err(AppError::InvalidInput("error-invalid-json"))
                }
            },
        }
    }
}
