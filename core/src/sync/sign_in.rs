//! Signing in with an e-mail address (or user name) and password: the
//! server makes an API key for this device (`POST /keys`), the way Zotero's
//! own apps sign in; the key is then kept and used like any other. Signing
//! out revokes the device's key on the server (`DELETE /keys/current`).

use std::time::Duration;

use reqwest::StatusCode;
use serde::Deserialize;
use serde_json::json;

use super::error::{SyncError, SyncErrorKind};
use super::transport::Transport;
use crate::{Error, Result};
use shelfmark_protocol::headers;

/// The key a server made for this device.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedIn {
    pub user_id: u64,
    pub username: String,
    pub display_name: String,
    /// The new API key, to keep in the keychain; shown by nothing.
    pub api_key: String,
    /// The name the key was given (the device's).
    pub key_name: String,
}

/// The part of the server's key object sign-in needs.
#[derive(Debug, Deserialize)]
struct KeyAnswer {
    key: String,
    #[serde(rename = "userID")]
    user_id: u64,
    #[serde(default)]
    username: String,
    #[serde(rename = "displayName", default)]
    display_name: String,
    #[serde(default)]
    name: String,
}

/// Checks a server address: `http(s)://host[:port][/path]`, no query or
/// credentials. Returns it without a trailing slash.
pub fn check_server_url(server_url: &str) -> Result<String> {
    let trimmed = server_url.trim();
    let invalid = |why: &str| {
        Error::InvalidInput(format!(
            "server address {trimmed:?}: {why} (expected something like https://sync.example.org)"
        ))
    };
    let url = reqwest::Url::parse(trimmed).map_err(|_| invalid("not a web address"))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(invalid("it must start with https:// or http://"));
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err(invalid("it names no host"));
    }
    if url.query().is_some() || url.fragment().is_some() || !url.username().is_empty() {
        return Err(invalid("it must not carry a query, fragment or user name"));
    }
    Ok(trimmed.trim_end_matches('/').to_owned())
}

/// How long signing in or out waits for the server: a person is waiting.
const SIGN_IN_TIMEOUT: Duration = Duration::from_secs(60);

/// Signs in to `server_url` with `login` (an e-mail address or user name)
/// and `password`, asking for a full-access key named `device_name`.
/// A wrong password is an `Auth` sync error; an unreachable server a
/// `Network` one; a malformed address or empty field invalid input.
pub async fn sign_in(
    server_url: &str,
    login: &str,
    password: &str,
    device_name: &str,
) -> Result<SignedIn> {
    let base = check_server_url(server_url)?;
    let login = login.trim();
    if login.is_empty() {
        return Err(Error::InvalidInput(
            "e-mail address: enter the address you signed up with".into(),
        ));
    }
    if password.is_empty() {
        return Err(Error::InvalidInput("password: enter your password".into()));
    }
    let device_name = match device_name.trim() {
        "" => "Shelfmark",
        name => name,
    };
    let member = if login.contains('@') {
        "email"
    } else {
        "username"
    };
    let body = json!({
        member: login,
        "password": password,
        "name": device_name,
        "access": {
            "user": {"library": true, "notes": true, "write": true, "files": true},
            "groups": {"all": {"library": true, "write": true}},
        },
    });
    let response = Transport::Api
        .client()?
        .post(format!("{base}/keys"))
        .header(headers::API_VERSION, "3")
        .json(&body)
        .timeout(SIGN_IN_TIMEOUT)
        .send()
        .await
        .map_err(|e| SyncError::network(&e))?;
    let status = response.status();
    if status == StatusCode::CREATED || status == StatusCode::OK {
        let answer: KeyAnswer = response.json().await.map_err(SyncError::bad_response)?;
        return Ok(SignedIn {
            user_id: answer.user_id,
            username: answer.username,
            display_name: answer.display_name,
            api_key: answer.key,
            key_name: answer.name,
        });
    }
    let retry = response
        .headers()
        .get("retry-after")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok());
    let detail: String = response
        .text()
        .await
        .unwrap_or_default()
        .trim()
        .chars()
        .take(300)
        .collect();
    let error = match status {
        StatusCode::FORBIDDEN | StatusCode::UNAUTHORIZED => {
            SyncError::new(SyncErrorKind::Auth, "Wrong e-mail address or password.")
        }
        StatusCode::TOO_MANY_REQUESTS => {
            let mut e = SyncError::new(
                SyncErrorKind::RateLimited,
                match retry {
                    Some(s) => format!(
                        "Too many sign-in attempts from this network; try again in {} minute(s).",
                        s.div_ceil(60)
                    ),
                    None => "Too many sign-in attempts from this network; try again later.".into(),
                },
            );
            e.retry_after = retry.map(Duration::from_secs);
            e
        }
        StatusCode::NOT_FOUND | StatusCode::METHOD_NOT_ALLOWED => SyncError::new(
            SyncErrorKind::Auth,
            "This server does not offer signing in with a password; sign in with an API key \
             created on its web pages instead.",
        ),
        _ => SyncError::from_status(status.as_u16(), &detail, "/keys"),
    };
    Err(error.into())
}

/// Revokes `api_key` on the server (signing this device out). A key the
/// server no longer knows counts as revoked.
pub async fn revoke_key(server_url: &str, api_key: &str) -> Result<()> {
    let base = check_server_url(server_url)?;
    let response = Transport::Api
        .client()?
        .delete(format!("{base}/keys/current"))
        .header(headers::API_VERSION, "3")
        .header(headers::API_KEY, api_key)
        .timeout(SIGN_IN_TIMEOUT)
        .send()
        .await
        .map_err(|e| SyncError::network(&e))?;
    let status = response.status();
    if status.is_success() || status == StatusCode::FORBIDDEN || status == StatusCode::NOT_FOUND {
        return Ok(());
    }
    let detail = response.text().await.unwrap_or_default();
    Err(SyncError::from_status(status.as_u16(), &detail, "/keys/current").into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn server_addresses_are_checked_before_anything_is_sent() {
        assert_eq!(
            check_server_url(" https://sync.example.org/ ").expect("valid"),
            "https://sync.example.org"
        );
        assert_eq!(
            check_server_url("http://127.0.0.1:8080").expect("valid"),
            "http://127.0.0.1:8080"
        );
        for bad in [
            "sync.example.org",
            "ftp://sync.example.org",
            "https://",
            "https://sync.example.org/?key=1",
            "https://ada@sync.example.org",
            "",
        ] {
            let e = check_server_url(bad).expect_err(bad);
            assert!(
                matches!(&e, Error::InvalidInput(m) if m.starts_with("server address")),
                "{e}"
            );
        }
    }
}
