//! The style sheet and the script, compiled into the binary.

use axum::http::header;
use axum::response::{IntoResponse, Response};

/// Where the style sheet is served.
pub const CSS_PATH: &str = "/static/web.css";
/// Where the script is served.
pub const JS_PATH: &str = "/static/web.js";

const CSS: &str = include_str!("../../assets/web.css");
const JS: &str = include_str!("../../assets/web.js");

fn asset(content_type: &'static str, body: &'static str) -> Response {
    (
        [
            (header::CONTENT_TYPE, content_type),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        body,
    )
        .into_response()
}

/// `GET /static/web.css`.
pub async fn css() -> Response {
    asset("text/css; charset=utf-8", CSS)
}

/// `GET /static/web.js`.
pub async fn js() -> Response {
    asset("text/javascript; charset=utf-8", JS)
}
