//! Configuration: command-line options and `SHELFMARK_*` environment
//! variables (clap), over an optional TOML file, over built-in defaults.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use clap::{Args, Parser, Subcommand};
use serde::Deserialize;
use shelfmark_lookup::LookupConfig;

/// The command line of `shelfmark-server`. Where the data is can be given
/// to every command; the service's own settings only when serving, so a
/// command's `--help` lists just the options it uses.
#[derive(Debug, Parser)]
#[command(
    name = "shelfmark-server",
    version,
    about = "Shelfmark's online service (Zotero Web API v3)"
)]
pub struct Cli {
    #[command(flatten)]
    pub data: DataOptions,
    #[command(flatten)]
    pub serve: ServeOptions,
    #[command(subcommand)]
    pub command: Option<Command>,
}

impl Cli {
    /// Every setting the command line and environment give, for
    /// [`Config::resolve`]; the service's settings after `serve` win over
    /// those before it.
    pub fn options(&self) -> Options {
        let serve = match &self.command {
            Some(Command::Serve(after)) => after.clone().or(self.serve.clone()),
            _ => self.serve.clone(),
        };
        let invite_url = match &self.command {
            Some(Command::User(UserCommand::Invite { public_url, .. })) => public_url.clone(),
            _ => None,
        };
        Options {
            config: self.data.config.clone(),
            data_dir: self.data.data_dir.clone(),
            database_url: self.data.database_url.clone(),
            listen: serve.listen,
            public_url: invite_url.or(serve.public_url),
            files_url: serve.files_url,
            max_group_members: serve.max_group_members,
            max_body_bytes: serve.max_body_bytes,
            max_file_bytes: serve.max_file_bytes,
            auth_failures: serve.auth_failures,
            auth_window_secs: serve.auth_window_secs,
            key_rate: serve.key_rate,
            key_burst: serve.key_burst,
            backoff_above: serve.backoff_above,
            backoff_secs: serve.backoff_secs,
            default_quota_mb: serve.default_quota_mb,
            signup: serve.signup,
            session_hours: serve.session_hours,
            stream_url: serve.stream_url,
        }
    }
}

/// Where the data is: read by every command.
#[derive(Debug, Clone, Default, Args)]
pub struct DataOptions {
    /// TOML configuration file.
    #[arg(long, env = "SHELFMARK_CONFIG", global = true)]
    pub config: Option<PathBuf>,
    /// Directory for the embedded database and files [default: ./shelfmark-data].
    #[arg(long, env = "SHELFMARK_DATA_DIR", global = true)]
    pub data_dir: Option<PathBuf>,
    /// Metadata database: `sqlite:<path>` or `postgres://user@host/db`
    /// [default: sqlite in the data directory].
    #[arg(long, env = "SHELFMARK_DATABASE_URL", global = true)]
    pub database_url: Option<String>,
}

/// The running service's settings (before any command, or after `serve`).
#[derive(Debug, Clone, Default, Args)]
pub struct ServeOptions {
    /// Address to listen on [default: 127.0.0.1:8080].
    #[arg(long, env = "SHELFMARK_LISTEN")]
    pub listen: Option<SocketAddr>,
    /// URL clients reach the service at, used in links [default: http://<listen>].
    #[arg(long, env = "SHELFMARK_PUBLIC_URL")]
    pub public_url: Option<String>,
    /// WebSocket URL clients reach live updates at, when a proxy serves them
    /// elsewhere [default: ws(s)://<public URL's host>/stream].
    #[arg(long, env = "SHELFMARK_STREAM_URL")]
    pub stream_url: Option<String>,
    /// Where attachment files are kept: `s3://bucket[/prefix]` (credentials
    /// from the `AWS_*` environment) [default: the data directory].
    #[arg(long, env = "SHELFMARK_FILES_URL")]
    pub files_url: Option<String>,
    /// Most members a group may have [default: 100].
    #[arg(long, env = "SHELFMARK_MAX_GROUP_MEMBERS")]
    pub max_group_members: Option<usize>,
    /// Largest request body in bytes [default: 16 MiB].
    #[arg(long, env = "SHELFMARK_MAX_BODY_BYTES")]
    pub max_body_bytes: Option<usize>,
    /// Largest attachment file in bytes [default: 4 GiB].
    #[arg(long, env = "SHELFMARK_MAX_FILE_BYTES")]
    pub max_file_bytes: Option<u64>,
    /// Failed authentications allowed per client address in the window [default: 5].
    #[arg(long, env = "SHELFMARK_AUTH_FAILURES")]
    pub auth_failures: Option<u32>,
    /// The failed-authentication window in seconds [default: 300].
    #[arg(long, env = "SHELFMARK_AUTH_WINDOW_SECS")]
    pub auth_window_secs: Option<u64>,
    /// Requests per second each API key may make on average; 0 for no limit [default: 50].
    #[arg(long, env = "SHELFMARK_KEY_RATE")]
    pub key_rate: Option<f64>,
    /// Requests each API key may make in a burst [default: 300].
    #[arg(long, env = "SHELFMARK_KEY_BURST")]
    pub key_burst: Option<f64>,
    /// Add `Backoff` to answers while more requests than this are in flight [default: 200].
    #[arg(long, env = "SHELFMARK_BACKOFF_ABOVE")]
    pub backoff_above: Option<usize>,
    /// Seconds a `Backoff` header asks clients to pause [default: 10].
    #[arg(long, env = "SHELFMARK_BACKOFF_SECS")]
    pub backoff_secs: Option<u64>,
    /// Storage quota per user in megabytes unless set per user [default: 300].
    #[arg(long, env = "SHELFMARK_DEFAULT_QUOTA_MB")]
    pub default_quota_mb: Option<u64>,
    /// Who may make an account on the web pages: `open` (anyone) or
    /// `invitation` (only with an administrator's invitation) [default: invitation].
    #[arg(long, env = "SHELFMARK_SIGNUP")]
    pub signup: Option<SignupMode>,
    /// Hours a web sign-in lasts [default: 336, two weeks].
    #[arg(long, env = "SHELFMARK_SESSION_HOURS")]
    pub session_hours: Option<u64>,
}

impl ServeOptions {
    /// These settings, each one missing taken from `other`.
    fn or(self, other: Self) -> Self {
        Self {
            listen: self.listen.or(other.listen),
            public_url: self.public_url.or(other.public_url),
            files_url: self.files_url.or(other.files_url),
            max_group_members: self.max_group_members.or(other.max_group_members),
            max_body_bytes: self.max_body_bytes.or(other.max_body_bytes),
            max_file_bytes: self.max_file_bytes.or(other.max_file_bytes),
            auth_failures: self.auth_failures.or(other.auth_failures),
            auth_window_secs: self.auth_window_secs.or(other.auth_window_secs),
            key_rate: self.key_rate.or(other.key_rate),
            key_burst: self.key_burst.or(other.key_burst),
            backoff_above: self.backoff_above.or(other.backoff_above),
            backoff_secs: self.backoff_secs.or(other.backoff_secs),
            default_quota_mb: self.default_quota_mb.or(other.default_quota_mb),
            signup: self.signup.or(other.signup),
            session_hours: self.session_hours.or(other.session_hours),
            stream_url: self.stream_url.or(other.stream_url),
        }
    }
}

/// Every setting that can come from the command line or the environment
/// (over the file, see [`Config::resolve`]).
#[derive(Debug, Clone, Default)]
pub struct Options {
    pub config: Option<PathBuf>,
    pub listen: Option<SocketAddr>,
    pub data_dir: Option<PathBuf>,
    pub public_url: Option<String>,
    pub database_url: Option<String>,
    pub files_url: Option<String>,
    pub max_group_members: Option<usize>,
    pub max_body_bytes: Option<usize>,
    pub max_file_bytes: Option<u64>,
    pub auth_failures: Option<u32>,
    pub auth_window_secs: Option<u64>,
    pub key_rate: Option<f64>,
    pub key_burst: Option<f64>,
    pub backoff_above: Option<usize>,
    pub backoff_secs: Option<u64>,
    pub default_quota_mb: Option<u64>,
    pub signup: Option<SignupMode>,
    pub session_hours: Option<u64>,
    pub stream_url: Option<String>,
}

/// Who may make an account.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum SignupMode {
    /// Anyone who reaches the sign-up page.
    Open,
    /// Only people holding an administrator's or group's invitation link.
    #[default]
    Invitation,
}

/// What to do; serving is the default.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve the API (the default).
    Serve(ServeOptions),
    /// Manage user accounts.
    #[command(subcommand)]
    User(UserCommand),
    /// Manage API keys.
    #[command(subcommand)]
    Key(KeyCommand),
    /// Manage storage quotas.
    #[command(subcommand)]
    Quota(QuotaCommand),
}

#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Create a user (with a personal library). Prints `user <id> <email>`.
    Add {
        /// E-mail address, used to sign in.
        #[arg(long)]
        email: String,
        /// User name (default: the e-mail's local part).
        #[arg(long)]
        username: Option<String>,
        /// Display name (default: the user name).
        #[arg(long)]
        name: Option<String>,
        /// Password; a random one is generated and printed when omitted.
        #[arg(long, env = "SHELFMARK_NEW_PASSWORD", hide_env_values = true)]
        password: Option<String>,
        /// Make the user an administrator.
        #[arg(long)]
        admin: bool,
    },
    /// List users.
    List,
    /// Invite someone to make an account: prints a one-time sign-up link
    /// (valid for 14 days).
    Invite {
        /// Their e-mail address.
        #[arg(long)]
        email: String,
        /// Who invites (id or e-mail address) [default: the first administrator].
        #[arg(long)]
        by: Option<String>,
        /// The URL the service is reached at, for the link [default: the
        /// configuration's, else http://<listen address>].
        #[arg(long, env = "SHELFMARK_PUBLIC_URL")]
        public_url: Option<String>,
    },
    /// Set a user's password (a random one is generated and printed when
    /// omitted). Ends the user's web sign-ins; device keys stay valid.
    Password {
        /// The user: id or e-mail address.
        #[arg(long)]
        user: String,
        /// The new password.
        #[arg(long, env = "SHELFMARK_NEW_PASSWORD", hide_env_values = true)]
        password: Option<String>,
    },
}

#[derive(Debug, Subcommand)]
pub enum KeyCommand {
    /// Create an API key and print it (it is shown only this once).
    Create {
        /// The user: id or e-mail address.
        #[arg(long)]
        user: String,
        /// A name to recognise the key by.
        #[arg(long, default_value = "API key")]
        name: String,
        /// Read-only key (no write access anywhere).
        #[arg(long)]
        read_only: bool,
        /// Hide notes from this key.
        #[arg(long)]
        no_notes: bool,
        /// No access to attachment files.
        #[arg(long)]
        no_files: bool,
        /// Access to all the user's groups: none, read or write.
        #[arg(long, default_value = "write")]
        groups: GroupAccessArg,
    },
    /// List a user's keys (ids and names, never the keys).
    List {
        /// The user: id or e-mail address.
        #[arg(long)]
        user: String,
    },
    /// Revoke a key, given the key itself or `--id`.
    Revoke {
        /// The API key.
        key: Option<String>,
        /// The key's id (see `key list`).
        #[arg(long)]
        id: Option<i64>,
    },
}

/// Group access of a new key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum GroupAccessArg {
    None,
    Read,
    Write,
}

#[derive(Debug, Subcommand)]
pub enum QuotaCommand {
    /// Set a user's storage quota in megabytes (`default` to use the server's).
    Set {
        /// The user: id or e-mail address.
        #[arg(long)]
        user: String,
        /// Megabytes, or `default`.
        megabytes: String,
    },
}

/// The TOML file: the same settings as [`Options`], in snake case.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileConfig {
    listen: Option<SocketAddr>,
    data_dir: Option<PathBuf>,
    public_url: Option<String>,
    database_url: Option<String>,
    files_url: Option<String>,
    max_group_members: Option<usize>,
    max_body_bytes: Option<usize>,
    max_file_bytes: Option<u64>,
    auth_failures: Option<u32>,
    auth_window_secs: Option<u64>,
    key_rate: Option<f64>,
    key_burst: Option<f64>,
    backoff_above: Option<usize>,
    backoff_secs: Option<u64>,
    default_quota_mb: Option<u64>,
    signup: Option<SignupMode>,
    session_hours: Option<u64>,
    stream_url: Option<String>,
    lookup: Option<LookupSection>,
}

/// Where metadata lives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DatabaseConfig {
    Sqlite(PathBuf),
    /// A `postgres://` URL.
    Postgres(String),
}

/// The settled configuration.
#[derive(Debug, Clone)]
pub struct Config {
    pub listen: SocketAddr,
    pub data_dir: PathBuf,
    pub public_url: String,
    /// False when `public_url` was derived from the listen address, so it can
    /// follow the port actually bound (listening on port 0).
    pub public_url_explicit: bool,
    pub database: DatabaseConfig,
    /// `s3://bucket[/prefix]`, or `None` for the data directory.
    pub files_url: Option<String>,
    pub max_group_members: usize,
    pub max_body_bytes: usize,
    pub max_file_bytes: u64,
    pub auth_failures: u32,
    pub auth_window_secs: u64,
    pub key_rate: f64,
    pub key_burst: f64,
    pub backoff_above: usize,
    pub backoff_secs: u64,
    pub default_quota_mb: u64,
    pub signup: SignupMode,
    pub session_hours: u64,
    /// Where clients reach live updates, when not `/stream` on the public URL.
    pub stream_url: Option<String>,
    /// Where the web pages' Add by identifier looks identifiers up.
    pub lookup: LookupConfig,
}

impl Config {
    /// Settles the configuration: options and environment first, then the file,
    /// then defaults.
    pub fn resolve(options: &Options) -> anyhow::Result<Self> {
        let file = match &options.config {
            Some(path) => read_file(path)?,
            None => FileConfig::default(),
        };
        let listen = options
            .listen
            .or(file.listen)
            .unwrap_or_else(|| SocketAddr::from(([127, 0, 0, 1], 8080)));
        let data_dir = options
            .data_dir
            .clone()
            .or(file.data_dir)
            .unwrap_or_else(|| PathBuf::from("./shelfmark-data"));
        let explicit_url = options.public_url.clone().or(file.public_url);
        let public_url_explicit = explicit_url.is_some();
        let public_url = explicit_url
            .unwrap_or_else(|| format!("http://{listen}"))
            .trim_end_matches('/')
            .to_owned();
        let database = match options.database_url.clone().or(file.database_url) {
            None => DatabaseConfig::Sqlite(data_dir.join("shelfmark.db")),
            Some(url) => parse_database_url(&url)?,
        };
        Ok(Self {
            listen,
            data_dir,
            public_url,
            public_url_explicit,
            database,
            files_url: options.files_url.clone().or(file.files_url),
            max_group_members: options
                .max_group_members
                .or(file.max_group_members)
                .unwrap_or(100),
            max_body_bytes: options
                .max_body_bytes
                .or(file.max_body_bytes)
                .unwrap_or(16 * 1024 * 1024),
            max_file_bytes: options
                .max_file_bytes
                .or(file.max_file_bytes)
                .unwrap_or(4 * 1024 * 1024 * 1024),
            auth_failures: options.auth_failures.or(file.auth_failures).unwrap_or(5),
            auth_window_secs: options
                .auth_window_secs
                .or(file.auth_window_secs)
                .unwrap_or(300),
            key_rate: options.key_rate.or(file.key_rate).unwrap_or(50.0),
            key_burst: options.key_burst.or(file.key_burst).unwrap_or(300.0),
            backoff_above: options.backoff_above.or(file.backoff_above).unwrap_or(200),
            backoff_secs: options.backoff_secs.or(file.backoff_secs).unwrap_or(10),
            default_quota_mb: options
                .default_quota_mb
                .or(file.default_quota_mb)
                .unwrap_or(300),
            signup: options.signup.or(file.signup).unwrap_or_default(),
            session_hours: options
                .session_hours
                .or(file.session_hours)
                .unwrap_or(14 * 24)
                .max(1),
            stream_url: options
                .stream_url
                .clone()
                .or(file.stream_url)
                .map(|url| url.trim_end_matches('/').to_owned()),
            lookup: lookup_config(file.lookup.as_ref()),
        })
    }
}

/// `[lookup]` in the file: the metadata services the web pages' Add by
/// identifier asks, each under the name of its `SHELFMARK_LOOKUP_*`
/// variable (which wins over the file): `doi_url = "https://doi.org"`…
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct LookupSection {
    /// An address the services can write to about this server's use.
    contact: Option<String>,
    ncbi_api_key: Option<String>,
    doi_url: Option<String>,
    crossref_url: Option<String>,
    datacite_url: Option<String>,
    openlibrary_url: Option<String>,
    googlebooks_url: Option<String>,
    ncbi_url: Option<String>,
    arxiv_url: Option<String>,
}

/// The core's lookup settings from the environment, then the file, then
/// the public services.
fn lookup_config(file: Option<&LookupSection>) -> LookupConfig {
    let from_file = |name: &str| -> Option<String> {
        let file = file?;
        let value = match name {
            "SHELFMARK_LOOKUP_CONTACT" => &file.contact,
            "SHELFMARK_NCBI_API_KEY" => &file.ncbi_api_key,
            "SHELFMARK_LOOKUP_DOI_URL" => &file.doi_url,
            "SHELFMARK_LOOKUP_CROSSREF_URL" => &file.crossref_url,
            "SHELFMARK_LOOKUP_DATACITE_URL" => &file.datacite_url,
            "SHELFMARK_LOOKUP_OPENLIBRARY_URL" => &file.openlibrary_url,
            "SHELFMARK_LOOKUP_GOOGLEBOOKS_URL" => &file.googlebooks_url,
            "SHELFMARK_LOOKUP_NCBI_URL" => &file.ncbi_url,
            "SHELFMARK_LOOKUP_ARXIV_URL" => &file.arxiv_url,
            _ => return None,
        };
        value.clone()
    };
    LookupConfig::from_vars(|name| std::env::var(name).ok().or_else(|| from_file(name)))
}

fn read_file(path: &Path) -> anyhow::Result<FileConfig> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("reading the configuration file {}", path.display()))?;
    toml::from_str(&text).with_context(|| format!("in the configuration file {}", path.display()))
}

fn parse_database_url(url: &str) -> anyhow::Result<DatabaseConfig> {
    if let Some(path) = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))
    {
        if path.is_empty() {
            bail!("database URL {url:?} names no file");
        }
        return Ok(DatabaseConfig::Sqlite(PathBuf::from(path)));
    }
    if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        return Ok(DatabaseConfig::Postgres(url.to_owned()));
    }
    bail!("unsupported database URL {url:?}; expected sqlite:<path> or postgres://…")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_without_anything() {
        let c = Config::resolve(&Options::default()).expect("defaults");
        assert_eq!(c.listen.to_string(), "127.0.0.1:8080");
        assert_eq!(c.public_url, "http://127.0.0.1:8080");
        assert_eq!(
            c.database,
            DatabaseConfig::Sqlite(PathBuf::from("./shelfmark-data/shelfmark.db"))
        );
        assert_eq!(c.max_group_members, 100);
        assert_eq!(c.signup, SignupMode::Invitation);
        assert_eq!(c.session_hours, 336);
    }

    #[test]
    fn options_override_the_file() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("server.toml");
        std::fs::write(
            &path,
            "listen = \"127.0.0.1:9000\"\ndata_dir = \"/srv/sm\"\nmax_group_members = 7\n",
        )
        .expect("write");
        let options = Options {
            config: Some(path),
            listen: Some("127.0.0.1:9100".parse().expect("addr")),
            ..Options::default()
        };
        let c = Config::resolve(&options).expect("resolves");
        assert_eq!(c.listen.port(), 9100);
        assert_eq!(c.data_dir, PathBuf::from("/srv/sm"));
        assert_eq!(c.max_group_members, 7);
    }

    #[test]
    fn lookup_services_are_the_public_ones_unless_the_file_names_others() {
        let c = Config::resolve(&Options::default()).expect("defaults");
        assert_eq!(
            c.lookup.base_url(shelfmark_lookup::Service::Crossref),
            "https://api.crossref.org"
        );
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("server.toml");
        std::fs::write(
            &path,
            "[lookup]\ncontact = \"admin@example.org\"\ndoi_url = \"http://127.0.0.1:9/doi/\"\n",
        )
        .expect("write");
        let options = Options {
            config: Some(path),
            ..Options::default()
        };
        let c = Config::resolve(&options).expect("resolves");
        assert_eq!(
            c.lookup.base_url(shelfmark_lookup::Service::DoiResolver),
            "http://127.0.0.1:9/doi"
        );
        assert_eq!(c.lookup.contact.as_deref(), Some("admin@example.org"));
    }

    #[test]
    fn the_example_file_is_valid() {
        let options = Options {
            config: Some(PathBuf::from(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/shelfmark-server.example.toml"
            ))),
            ..Options::default()
        };
        let c = Config::resolve(&options).expect("example parses");
        assert_eq!(c.key_burst, 300.0);
        assert_eq!(c.max_file_bytes, 4 * 1024 * 1024 * 1024);
    }

    #[test]
    fn unknown_file_keys_and_bad_urls_are_refused() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("server.toml");
        std::fs::write(&path, "listen_addr = \"x\"\n").expect("write");
        let options = Options {
            config: Some(path),
            ..Options::default()
        };
        assert!(Config::resolve(&options).is_err());
        assert!(parse_database_url("mysql://x").is_err());
        assert_eq!(
            parse_database_url("postgres://u@h/db").expect("postgres"),
            DatabaseConfig::Postgres("postgres://u@h/db".into())
        );
        assert_eq!(
            parse_database_url("sqlite:/tmp/x.db").expect("sqlite"),
            DatabaseConfig::Sqlite(PathBuf::from("/tmp/x.db"))
        );
    }
}
