//! Where identifiers are looked up and how politely: each service's base
//! URL (the public services by default; a mirror, a proxy or a test server
//! instead), the contact address sent with every request, timeouts, retries
//! and each service's rate limit.

use std::fmt;
use std::time::Duration;

/// A metadata service asked about identifiers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Service {
    /// The DOI resolver, asked for CSL-JSON by content negotiation; it hands
    /// the request to the DOI's registration agency.
    DoiResolver,
    /// Crossref's REST API (`/works/{doi}`).
    Crossref,
    /// DataCite's REST API (`/dois/{doi}`).
    DataCite,
    /// Open Library's books API (`/api/books`).
    OpenLibrary,
    /// Google Books (`/books/v1/volumes?q=isbn:`), for ISBNs Open Library lacks.
    GoogleBooks,
    /// NCBI E-utilities (`efetch` for PubMed, `esummary` for PubMed Central).
    Ncbi,
    /// The arXiv API's Atom feed (`/api/query`).
    Arxiv,
}

impl Service {
    pub const ALL: [Service; 7] = [
        Self::DoiResolver,
        Self::Crossref,
        Self::DataCite,
        Self::OpenLibrary,
        Self::GoogleBooks,
        Self::Ncbi,
        Self::Arxiv,
    ];

    /// The name shown to users and noted as an item's catalogue.
    pub fn name(self) -> &'static str {
        match self {
            Self::DoiResolver => "DOI.org",
            Self::Crossref => "Crossref",
            Self::DataCite => "DataCite",
            Self::OpenLibrary => "Open Library",
            Self::GoogleBooks => "Google Books",
            Self::Ncbi => "PubMed",
            Self::Arxiv => "arXiv.org",
        }
    }

    /// The word in its environment variable (`SHELFMARK_LOOKUP_<WORD>_URL`).
    pub fn env_word(self) -> &'static str {
        match self {
            Self::DoiResolver => "DOI",
            Self::Crossref => "CROSSREF",
            Self::DataCite => "DATACITE",
            Self::OpenLibrary => "OPENLIBRARY",
            Self::GoogleBooks => "GOOGLEBOOKS",
            Self::Ncbi => "NCBI",
            Self::Arxiv => "ARXIV",
        }
    }

    /// The public service's base URL.
    pub fn default_base_url(self) -> &'static str {
        match self {
            Self::DoiResolver => "https://doi.org",
            Self::Crossref => "https://api.crossref.org",
            Self::DataCite => "https://api.datacite.org",
            Self::OpenLibrary => "https://openlibrary.org",
            Self::GoogleBooks => "https://www.googleapis.com",
            Self::Ncbi => "https://eutils.ncbi.nlm.nih.gov/entrez/eutils",
            Self::Arxiv => "https://export.arxiv.org",
        }
    }

    /// What each service documents as acceptable use, for one client.
    pub fn default_limit(self) -> RateLimit {
        match self {
            // Crossref (which answers the resolver's requests for its DOIs):
            // 50 requests a second, 5 at a time.
            Self::DoiResolver | Self::Crossref => RateLimit::new(50, Duration::from_secs(1), 5),
            // DataCite: 3,000 requests in 5 minutes.
            Self::DataCite => RateLimit::new(10, Duration::from_secs(1), 4),
            Self::OpenLibrary => RateLimit::new(3, Duration::from_secs(1), 2),
            Self::GoogleBooks => RateLimit::new(5, Duration::from_secs(1), 2),
            // E-utilities: 3 requests a second without an API key.
            Self::Ncbi => RateLimit::new(3, Duration::from_secs(1), 1),
            // arXiv: one request every three seconds.
            Self::Arxiv => RateLimit::new(1, Duration::from_secs(3), 1),
        }
    }
}

impl fmt::Display for Service {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// At most `requests` per `per`, and at most `concurrent` at a time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateLimit {
    pub requests: u32,
    pub per: Duration,
    pub concurrent: usize,
}

impl RateLimit {
    pub const fn new(requests: u32, per: Duration, concurrent: usize) -> Self {
        Self {
            requests,
            per,
            concurrent,
        }
    }
}

/// One service's settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServiceSettings {
    pub base_url: String,
    pub limit: RateLimit,
}

/// How lookups reach the services.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LookupConfig {
    /// An e-mail address the services can write to about this client's use
    /// (sent in the `User-Agent`, and to Crossref as `mailto`, which puts the
    /// requests in its "polite" pool).
    pub contact: Option<String>,
    /// An NCBI API key, which raises E-utilities' limit to 10 a second.
    pub ncbi_api_key: Option<String>,
    /// How long one request may take, connection included.
    pub timeout: Duration,
    /// Further tries after a failed request (a dropped connection, a time-out,
    /// a 5xx or a 429), with backoff doubling from `backoff`.
    pub retries: u32,
    pub backoff: Duration,
    /// The longest `Retry-After` waited for; a longer one fails the lookup as
    /// rate limited.
    pub max_retry_after: Duration,
    /// Indexed by `Service as usize`, in the order of [`Service::ALL`].
    services: [ServiceSettings; Service::ALL.len()],
}

impl Default for LookupConfig {
    fn default() -> Self {
        Self {
            contact: None,
            ncbi_api_key: None,
            timeout: Duration::from_secs(20),
            retries: 2,
            backoff: Duration::from_millis(500),
            max_retry_after: Duration::from_secs(30),
            services: Service::ALL.map(|s| ServiceSettings {
                base_url: s.default_base_url().to_owned(),
                limit: s.default_limit(),
            }),
        }
    }
}

impl LookupConfig {
    /// The defaults with what the environment sets: `SHELFMARK_LOOKUP_CONTACT`,
    /// `SHELFMARK_NCBI_API_KEY`, and `SHELFMARK_LOOKUP_<SERVICE>_URL` for each
    /// service (`DOI`, `CROSSREF`, `DATACITE`, `OPENLIBRARY`, `GOOGLEBOOKS`,
    /// `NCBI`, `ARXIV`).
    pub fn from_env() -> Self {
        Self::from_vars(|name| std::env::var(name).ok())
    }

    /// Like [`Self::from_env`], reading variables through `var`.
    pub fn from_vars(var: impl Fn(&str) -> Option<String>) -> Self {
        let mut config = Self::default();
        let set = |name: &str| {
            var(name)
                .map(|v| v.trim().to_owned())
                .filter(|v| !v.is_empty())
        };
        config.contact = set("SHELFMARK_LOOKUP_CONTACT");
        config.ncbi_api_key = set("SHELFMARK_NCBI_API_KEY");
        for service in Service::ALL {
            if let Some(url) = set(&format!("SHELFMARK_LOOKUP_{}_URL", service.env_word())) {
                config.set_base_url(service, &url);
            }
        }
        config
    }

    /// Every service at `base_url` + its own path segment (`/doi`,
    /// `/crossref`, …): one server standing in for all of them.
    pub fn all_at(base_url: &str) -> Self {
        let mut config = Self::default();
        let base = base_url.trim_end_matches('/');
        for service in Service::ALL {
            config.set_base_url(
                service,
                &format!("{base}/{}", service.env_word().to_ascii_lowercase()),
            );
        }
        config
    }

    pub fn settings(&self, service: Service) -> &ServiceSettings {
        &self.services[service as usize]
    }

    fn settings_mut(&mut self, service: Service) -> &mut ServiceSettings {
        &mut self.services[service as usize]
    }

    pub fn base_url(&self, service: Service) -> &str {
        &self.settings(service).base_url
    }

    pub fn set_base_url(&mut self, service: Service, url: &str) {
        self.settings_mut(service).base_url = url.trim_end_matches('/').to_owned();
    }

    pub fn set_limit(&mut self, service: Service, limit: RateLimit) {
        self.settings_mut(service).limit = limit;
    }

    /// `Shelfmark/<version> (<project URL>; mailto:<contact>)`, as the
    /// services ask clients to identify themselves.
    pub fn user_agent(&self) -> String {
        let project = env!("CARGO_PKG_REPOSITORY");
        match &self.contact {
            Some(contact) => format!(
                "Shelfmark/{} ({project}; mailto:{contact})",
                env!("CARGO_PKG_VERSION")
            ),
            None => format!("Shelfmark/{} ({project})", env!("CARGO_PKG_VERSION")),
        }
    }
}
