//! Why one identifier could not be looked up.

use std::fmt;
use std::time::Duration;

use super::config::Service;

/// Why an identifier brought no item. Nothing is added for it; the other
/// identifiers of the same text are not affected.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LookupError {
    /// The text is not a valid identifier (a wrong ISBN check digit, an
    /// arXiv id of no known shape, …).
    Malformed { reason: String },
    /// Every service asked answered that it does not know the identifier.
    NotFound { services: Vec<Service> },
    /// A service could not be reached (or kept failing) after the retries.
    Unreachable { service: Service, detail: String },
    /// A service asked to wait longer than the configured longest wait.
    RateLimited {
        service: Service,
        retry_after: Option<Duration>,
    },
    /// A service answered something that could not be read.
    BadAnswer { service: Service, detail: String },
}

impl LookupError {
    /// A short, stable name of the kind (for JSON output and the apps).
    pub fn kind(&self) -> &'static str {
        match self {
            Self::Malformed { .. } => "malformed",
            Self::NotFound { .. } => "not-found",
            Self::Unreachable { .. } => "unreachable",
            Self::RateLimited { .. } => "rate-limited",
            Self::BadAnswer { .. } => "bad-answer",
        }
    }
}

impl fmt::Display for LookupError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Malformed { reason } => write!(f, "malformed: {reason}"),
            Self::NotFound { services } => {
                let names: Vec<&str> = services.iter().map(|s| s.name()).collect();
                write!(f, "not found at {}", names.join(", "))
            }
            Self::Unreachable { service, detail } => {
                write!(f, "{service} could not be reached ({detail})")
            }
            Self::RateLimited {
                service,
                retry_after: Some(wait),
            } => write!(
                f,
                "{service} limits the rate of requests; try again in {} s",
                wait.as_secs().max(1)
            ),
            Self::RateLimited { service, .. } => {
                write!(f, "{service} limits the rate of requests; try again later")
            }
            Self::BadAnswer { service, detail } => {
                write!(f, "{service} answered something unreadable ({detail})")
            }
        }
    }
}

impl std::error::Error for LookupError {}
