//! Where API keys are kept: the operating system's keychain (macOS Keychain,
//! Windows Credential Manager, the Secret Service on Linux desktops). Where
//! no keychain service runs (headless Linux, CI) the key goes to a file only
//! its owner can read, `~/.config/shelfmark/credentials` (mode 0600). The
//! `SHELFMARK_API_KEY` variable, when set, is used before either;
//! `SHELFMARK_CREDENTIALS_FILE` names another file and skips the keychain. Keys are
//! never written to the library file or to logs; the library stores only the
//! name a key is kept under.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};

use crate::error::{Error, Result, io_err};

/// The keychain service name entries are filed under.
pub const KEYCHAIN_SERVICE: &str = "shelfmark";
/// An API key given in the environment, used before any stored one.
pub const API_KEY_ENV: &str = "SHELFMARK_API_KEY";
/// Keeps keys in this file instead of the keychain.
pub const CREDENTIALS_FILE_ENV: &str = "SHELFMARK_CREDENTIALS_FILE";

/// Where a sync keeps the API key between runs.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum CredentialStore {
    /// The OS keychain, or the credentials file where there is none.
    #[default]
    System,
    /// Only this file (created with mode 0600).
    File(PathBuf),
    /// Nowhere: the key is given with every sync.
    Nowhere,
}

/// Where a key was put.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeptIn {
    Keychain,
    File(PathBuf),
    Nowhere,
}

/// The fallback file: `$SHELFMARK_CREDENTIALS_FILE`, else
/// `$XDG_CONFIG_HOME/shelfmark/credentials`, else `~/.config/shelfmark/credentials`.
pub fn default_credentials_file() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os(CREDENTIALS_FILE_ENV).filter(|p| !p.is_empty()) {
        return Some(PathBuf::from(p));
    }
    let config = std::env::var_os("XDG_CONFIG_HOME")
        .filter(|p| !p.is_empty())
        .map(PathBuf::from)
        .or_else(|| {
            std::env::var_os("HOME")
                .or_else(|| std::env::var_os("USERPROFILE"))
                .map(|h| PathBuf::from(h).join(".config"))
        })?;
    Some(config.join("shelfmark").join("credentials"))
}

fn keychain_entry(key_ref: &str) -> Option<keyring::Entry> {
    keyring::Entry::new(KEYCHAIN_SERVICE, key_ref).ok()
}

fn read_file(path: &Path) -> Result<BTreeMap<String, String>> {
    match std::fs::read_to_string(path) {
        Ok(text) => serde_json::from_str(&text).map_err(|e| {
            Error::Corrupt(format!("{} is not a credentials file: {e}", path.display()))
        }),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(BTreeMap::new()),
        Err(e) => Err(io_err(path)(e)),
    }
}

/// Writes the whole file anew, readable by its owner only.
fn write_file(path: &Path, keys: &BTreeMap<String, String>) -> Result<()> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(io_err(dir))?;
    }
    let tmp = path.with_extension("tmp");
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options.open(&tmp).map_err(io_err(&tmp))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        file.set_permissions(std::fs::Permissions::from_mode(0o600))
            .map_err(io_err(&tmp))?;
    }
    file.write_all(serde_json::to_string_pretty(keys)?.as_bytes())
        .map_err(io_err(&tmp))?;
    file.sync_all().map_err(io_err(&tmp))?;
    std::fs::rename(&tmp, path).map_err(io_err(path))
}

impl CredentialStore {
    /// `System` becomes `File` when `SHELFMARK_CREDENTIALS_FILE` is set.
    fn resolved(&self) -> Self {
        match (self, std::env::var_os(CREDENTIALS_FILE_ENV)) {
            (Self::System, Some(p)) if !p.is_empty() => Self::File(PathBuf::from(p)),
            _ => self.clone(),
        }
    }

    /// The key kept under `key_ref`: `SHELFMARK_API_KEY` first, then the
    /// keychain, then the file.
    pub fn load(&self, key_ref: &str) -> Result<Option<String>> {
        if let Some(key) = std::env::var(API_KEY_ENV).ok().filter(|k| !k.is_empty()) {
            return Ok(Some(key));
        }
        let file = match self.resolved() {
            Self::Nowhere => return Ok(None),
            Self::File(path) => Some(path),
            Self::System => {
                if let Some(key) = keychain_entry(key_ref).and_then(|e| e.get_password().ok()) {
                    return Ok(Some(key));
                }
                default_credentials_file()
            }
        };
        match file {
            Some(path) => Ok(read_file(&path)?.remove(key_ref)),
            None => Ok(None),
        }
    }

    /// Keeps `key` under `key_ref`, in the keychain when there is one.
    pub fn save(&self, key_ref: &str, key: &str) -> Result<KeptIn> {
        let path = match self.resolved() {
            Self::Nowhere => return Ok(KeptIn::Nowhere),
            Self::File(path) => path,
            Self::System => {
                if keychain_entry(key_ref).is_some_and(|e| e.set_password(key).is_ok()) {
                    return Ok(KeptIn::Keychain);
                }
                default_credentials_file().ok_or_else(|| {
                    Error::invalid(
                        "there is no keychain here and no home folder for a credentials file; \
                         set SHELFMARK_API_KEY or SHELFMARK_CREDENTIALS_FILE",
                    )
                })?
            }
        };
        let mut keys = read_file(&path)?;
        keys.insert(key_ref.to_owned(), key.to_owned());
        write_file(&path, &keys)?;
        Ok(KeptIn::File(path))
    }

    /// Forgets the key kept under `key_ref`, wherever it is.
    pub fn remove(&self, key_ref: &str) -> Result<()> {
        let path = match self.resolved() {
            Self::Nowhere => return Ok(()),
            Self::File(path) => Some(path),
            Self::System => {
                if let Some(entry) = keychain_entry(key_ref) {
                    let _ = entry.delete_credential();
                }
                default_credentials_file()
            }
        };
        if let Some(path) = path {
            let mut keys = read_file(&path)?;
            if keys.remove(key_ref).is_some() {
                write_file(&path, &keys)?;
            }
        }
        Ok(())
    }
}

/// The name a key for `user_id` on `server_url` is kept under.
pub fn key_reference(server_url: &str, user_id: u64) -> String {
    format!("user {user_id} at {}", server_url.trim_end_matches('/'))
}
