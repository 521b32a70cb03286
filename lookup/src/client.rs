//! The HTTP side of lookups: one `reqwest` client with the configured
//! `User-Agent` and time-out, each service behind its own rate gate, and
//! retries with doubling backoff for dropped connections, time-outs, 5xx
//! answers and 429s (waiting what `Retry-After` asks, up to a limit).

use std::time::Duration;

use reqwest::StatusCode;
use reqwest::header::{ACCEPT, HeaderMap, RETRY_AFTER};

use thiserror::Error;

use super::config::{LookupConfig, Service};
use super::error::LookupError;
use super::rate_limit::Gate;

/// What a service said about one request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Answer {
    Body(String),
    /// 404 or 410: the service does not know it.
    NotFound,
    /// Another 4xx: the service refuses the request as it is.
    Refused(StatusCode),
}

/// The HTTP client for lookups could not be made (a contact that cannot be
/// sent in `User-Agent`, or TLS that would not start).
#[derive(Debug, Error)]
#[error("cannot set up HTTP for lookups: {0}")]
pub struct ClientError(#[from] reqwest::Error);

/// A lookup client: cheap to share, lookups through it run concurrently.
#[derive(Debug)]
pub struct LookupClient {
    http: reqwest::Client,
    config: LookupConfig,
    /// Indexed by `Service as usize`.
    gates: Vec<Gate>,
}

impl LookupClient {
    pub fn new(config: LookupConfig) -> Result<Self, ClientError> {
        let http = reqwest::Client::builder()
            .user_agent(config.user_agent())
            .connect_timeout(config.timeout.min(Duration::from_secs(10)))
            .timeout(config.timeout)
            .redirect(reqwest::redirect::Policy::limited(5))
            .build()?;
        let gates = Service::ALL
            .iter()
            .map(|&service| {
                let mut limit = config.settings(service).limit;
                // An API key raises E-utilities' limit from 3 to 10 a second.
                if service == Service::Ncbi
                    && config.ncbi_api_key.is_some()
                    && limit == service.default_limit()
                {
                    limit.requests = 10;
                }
                Gate::new(limit)
            })
            .collect();
        Ok(Self {
            http,
            config,
            gates,
        })
    }

    pub fn config(&self) -> &LookupConfig {
        &self.config
    }

    /// `base URL of service` + `path`.
    pub(crate) fn url(&self, service: Service, path: &str) -> String {
        format!("{}{path}", self.config.base_url(service))
    }

    /// GETs `url` from `service`, asking for `accept`.
    pub(crate) async fn get(
        &self,
        service: Service,
        url: &str,
        accept: &str,
    ) -> Result<Answer, LookupError> {
        let gate = &self.gates[service as usize];
        let mut backoff = self.config.backoff;
        let mut attempt = 0;
        loop {
            let last_try = attempt >= self.config.retries;
            attempt += 1;
            let permit = gate.enter().await;
            let sent = self.http.get(url).header(ACCEPT, accept).send().await;
            let response = match sent {
                Ok(response) => response,
                Err(e) => {
                    drop(permit);
                    if last_try {
                        return Err(LookupError::Unreachable {
                            service,
                            detail: describe(&e),
                        });
                    }
                    tokio::time::sleep(backoff).await;
                    backoff *= 2;
                    continue;
                }
            };
            let status = response.status();
            if status.is_success() {
                let body = response.text().await;
                drop(permit);
                match body {
                    Ok(body) => return Ok(Answer::Body(body)),
                    Err(e) if last_try => {
                        return Err(LookupError::Unreachable {
                            service,
                            detail: describe(&e),
                        });
                    }
                    Err(_) => {
                        tokio::time::sleep(backoff).await;
                        backoff *= 2;
                        continue;
                    }
                }
            }
            drop(permit);
            match status {
                StatusCode::NOT_FOUND | StatusCode::GONE => return Ok(Answer::NotFound),
                StatusCode::TOO_MANY_REQUESTS => {
                    let asked = retry_after(response.headers());
                    let wait = asked.unwrap_or(backoff);
                    if last_try || wait > self.config.max_retry_after {
                        return Err(LookupError::RateLimited {
                            service,
                            retry_after: asked,
                        });
                    }
                    gate.close_for(wait);
                    backoff *= 2;
                }
                _ if status.is_server_error() => {
                    if last_try {
                        return Err(LookupError::Unreachable {
                            service,
                            detail: format!("HTTP {status}"),
                        });
                    }
                    let wait = retry_after(response.headers())
                        .filter(|w| *w <= self.config.max_retry_after)
                        .unwrap_or(backoff);
                    tokio::time::sleep(wait).await;
                    backoff *= 2;
                }
                _ => return Ok(Answer::Refused(status)),
            }
        }
    }
}

/// `Retry-After` as seconds or as an HTTP date.
fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    let value = headers.get(RETRY_AFTER)?.to_str().ok()?.trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    let format = time::macros::format_description!(
        "[weekday repr:short], [day] [month repr:short] [year] [hour]:[minute]:[second] GMT"
    );
    let date = time::PrimitiveDateTime::parse(value, &format)
        .ok()?
        .assume_utc();
    let wait = date - time::OffsetDateTime::now_utc();
    Some(Duration::try_from(wait).unwrap_or(Duration::ZERO))
}

/// A transport error in words: what failed, without the URL's noise.
fn describe(error: &reqwest::Error) -> String {
    if error.is_timeout() {
        "no answer in time".to_owned()
    } else if error.is_connect() {
        "connection failed".to_owned()
    } else {
        let mut text = error.to_string();
        let mut source = std::error::Error::source(error);
        while let Some(s) = source {
            text = format!("{text}: {s}");
            source = s.source();
        }
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_after_in_seconds_and_as_a_date() {
        let mut headers = HeaderMap::new();
        headers.insert(RETRY_AFTER, "7".parse().expect("header"));
        assert_eq!(retry_after(&headers), Some(Duration::from_secs(7)));
        headers.insert(
            RETRY_AFTER,
            "Wed, 21 Oct 2015 07:28:00 GMT".parse().expect("header"),
        );
        assert_eq!(retry_after(&headers), Some(Duration::ZERO));
    }
}
