//! What a page answers when it cannot do what was asked: a page with the
//! reason and the matching status, or a redirect to the sign-in page.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};

use super::pages::{ErrorPage, Nav, render_with_status};
use crate::error::ApiError;
use crate::store::StoreError;

/// A page that could not be shown or a form that could not be done.
#[derive(Debug)]
pub enum WebError {
    /// Not signed in (or the session ended): go to the sign-in page.
    SignIn,
    /// Refused, with the reason shown.
    Status {
        status: StatusCode,
        message: String,
        nav: Option<Nav>,
    },
    /// Too many failed sign-ins from this address.
    TooManyAttempts(u64),
}

/// Shorthand for page results.
pub type WebResult<T> = Result<T, WebError>;

impl WebError {
    /// A status with a message shown on the page.
    pub fn new(status: StatusCode, message: impl Into<String>) -> Self {
        Self::Status {
            status,
            message: message.into(),
            nav: None,
        }
    }

    /// 404: no such page, or one this account may not see (which is not told apart).
    pub fn not_found() -> Self {
        Self::new(StatusCode::NOT_FOUND, "There is no such page.")
    }

    /// 403 with a reason.
    pub fn forbidden(message: impl Into<String>) -> Self {
        Self::new(StatusCode::FORBIDDEN, message)
    }

    /// 400 with a reason.
    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, message)
    }

    /// The same error shown with the signed-in navigation.
    pub fn with_nav(self, nav: &Nav) -> Self {
        match self {
            Self::Status {
                status, message, ..
            } => Self::Status {
                status,
                message,
                nav: Some(nav.clone()),
            },
            other => other,
        }
    }
}

impl From<ApiError> for WebError {
    fn from(e: ApiError) -> Self {
        if e.status == StatusCode::NOT_FOUND {
            return Self::not_found();
        }
        let message = match e.status {
            StatusCode::PRECONDITION_FAILED => {
                "It was changed elsewhere in the meantime (perhaps by a sync); \
                 reload the page and make the change again."
                    .to_owned()
            }
            StatusCode::INTERNAL_SERVER_ERROR => "Something went wrong on the server.".to_owned(),
            _ => e.message,
        };
        Self::new(e.status, message)
    }
}

impl From<StoreError> for WebError {
    fn from(e: StoreError) -> Self {
        ApiError::from(e).into()
    }
}

impl IntoResponse for WebError {
    fn into_response(self) -> Response {
        match self {
            Self::SignIn => Redirect::to("/signin").into_response(),
            Self::TooManyAttempts(wait) => {
                let page = ErrorPage {
                    nav: None,
                    title: "Too many attempts".into(),
                    message: format!(
                        "Too many failed sign-ins from this address; try again in {wait} seconds."
                    ),
                };
                let mut r = render_with_status(StatusCode::TOO_MANY_REQUESTS, &page);
                if let Ok(v) = HeaderValue::from_str(&wait.to_string()) {
                    r.headers_mut().insert(header::RETRY_AFTER, v);
                }
                r
            }
            Self::Status {
                status,
                message,
                nav,
            } => {
                let title = status.canonical_reason().unwrap_or("Error").to_owned();
                render_with_status(
                    status,
                    &ErrorPage {
                        nav,
                        title,
                        message,
                    },
                )
            }
        }
    }
}
