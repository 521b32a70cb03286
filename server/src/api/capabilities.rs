//! `GET /shelfmark/capabilities`: the extensions this server offers beyond
//! the Zotero Web API v3, for Shelfmark clients to discover. Plain Zotero
//! clients never ask for it and never need it.

use axum::extract::State;
use axum::response::Response;
use serde_json::json;

use super::paging::{MAX_LIMIT, MAX_LIMIT_LARGE};
use super::plain_json;
use crate::app::AppState;

/// The capabilities document.
pub async fn capabilities(State(state): State<AppState>) -> Response {
    plain_json(&json!({
        "server": "shelfmark-server",
        "version": env!("CARGO_PKG_VERSION"),
        "apiVersion": 3,
        "schemaVersion": shelfmark_protocol::schema::schema().version,
        "openapi": "/openapi.json",
        "extensions": {
            "largePages": {
                "header": "Shelfmark-Large-Pages: 1",
                "defaultMaxLimit": MAX_LIMIT,
                "maxLimit": MAX_LIMIT_LARGE,
            },
            "groupVersions": {"header": "Shelfmark-Group-Versions: 1"},
            "groupCreation": {"method": "POST", "path": "/groups"},
            "groupMembers": {"path": "/groups/{groupID}/members"},
            "streaming": {
                "url": crate::stream::stream_url(&state.config),
                "protocol": "zotero-streaming-v1",
                "retryMs": crate::stream::connection::RETRY_MS,
            },
        },
        "limits": {
            "writeBatch": shelfmark_protocol::limits::WRITE_BATCH_MAX,
            "maxGroupMembers": state.config.max_group_members,
            "maxBodyBytes": state.config.max_body_bytes,
        },
    }))
}
