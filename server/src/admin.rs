//! Opening the store and the administration commands of the binary
//! (`user add|list`, `key create|list|revoke`, `quota set`).

use std::sync::Arc;

use anyhow::{Context, bail};

use crate::accounts;
use crate::auth::secrets::{hash_api_key, hash_password, new_password};
use crate::config::{
    Config, DatabaseConfig, GroupAccessArg, KeyCommand, QuotaCommand, UserCommand,
};
use crate::files::BlobStore;
use crate::files::local::LocalBlobs;
use crate::files::s3::S3Blobs;
use crate::store::postgres::PgStore;
use crate::store::sqlite::SqliteStore;
use crate::store::{Access, GroupGrant, NewUser, Store, StoreError, User};

/// The e-mail address of the administrator made on first start.
pub const FIRST_ADMIN_EMAIL: &str = "admin@localhost";

/// Opens the configured metadata store, creating the data directory.
pub async fn open_store(config: &Config) -> anyhow::Result<Arc<dyn Store>> {
    std::fs::create_dir_all(&config.data_dir)
        .with_context(|| format!("creating the data directory {}", config.data_dir.display()))?;
    match &config.database {
        DatabaseConfig::Sqlite(path) => {
            if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
                std::fs::create_dir_all(parent)
                    .with_context(|| format!("creating {}", parent.display()))?;
            }
            let store = SqliteStore::open(path)
                .with_context(|| format!("opening the database {}", path.display()))?;
            Ok(Arc::new(store))
        }
        DatabaseConfig::Postgres(url) => {
            let store = PgStore::connect(url)
                .await
                .context("connecting to the PostgreSQL database")?;
            Ok(Arc::new(store))
        }
    }
}

/// Opens the file store: S3-compatible storage when configured, else a
/// directory under the data directory.
pub fn open_blobs(config: &Config) -> anyhow::Result<Arc<dyn BlobStore>> {
    if let Some(url) = &config.files_url {
        let temp = config.data_dir.join("upload-tmp");
        let blobs =
            S3Blobs::new(url, temp).with_context(|| format!("opening the file store {url}"))?;
        return Ok(Arc::new(blobs));
    }
    let root = config.data_dir.join("files");
    let blobs = LocalBlobs::new(root.clone())
        .with_context(|| format!("opening the file store {}", root.display()))?;
    Ok(Arc::new(blobs))
}

/// Creates the administrator account when there are no users yet; returns it
/// with its generated password. Several processes starting at once on one
/// database all see no users: the account's unique e-mail address lets one
/// of them make it, and the others go on without.
pub async fn ensure_admin(store: &dyn Store) -> anyhow::Result<Option<(User, String)>> {
    if !store.users().await?.is_empty() {
        return Ok(None);
    }
    let password = new_password();
    let created = store
        .create_user(NewUser {
            email: FIRST_ADMIN_EMAIL.into(),
            username: "admin".into(),
            display_name: "Administrator".into(),
            password_hash: hash_password(&password)?,
            is_admin: true,
        })
        .await;
    match created {
        Ok(user) => Ok(Some((user, password))),
        Err(StoreError::AlreadyExists(_))
            if store.user_by_email(FIRST_ADMIN_EMAIL).await?.is_some() =>
        {
            Ok(None)
        }
        Err(e) => Err(e.into()),
    }
}

/// Refuses to run a command that works on existing accounts against an
/// SQLite database that does not exist (rather than leaving an empty one
/// behind): most likely the service keeps its data elsewhere.
pub fn require_existing_database(config: &Config) -> anyhow::Result<()> {
    match &config.database {
        DatabaseConfig::Sqlite(path) if !path.exists() => bail!(
            "there is no database at {}: start the server first, or name the server's data with --data-dir or --database-url",
            path.display()
        ),
        _ => Ok(()),
    }
}

/// The command that makes an API key for `email` against this
/// configuration's data (a database password left out).
pub fn key_create_hint(
    config: &Config,
    config_file: Option<&std::path::Path>,
    email: &str,
) -> String {
    let mut command = format!(
        "shelfmark-server --data-dir {}",
        shell_word(&config.data_dir.display().to_string())
    );
    if let Some(file) = config_file {
        command.push_str(&format!(
            " --config {}",
            shell_word(&file.display().to_string())
        ));
    }
    let default_sqlite = DatabaseConfig::Sqlite(config.data_dir.join("shelfmark.db"));
    if config.database != default_sqlite {
        let url = match &config.database {
            DatabaseConfig::Sqlite(path) => format!("sqlite:{}", path.display()),
            DatabaseConfig::Postgres(url) => without_password(url),
        };
        command.push_str(&format!(" --database-url {}", shell_word(&url)));
    }
    command.push_str(&format!(" key create --user {}", shell_word(email)));
    command
}

/// A PostgreSQL URL with its password (if any) replaced by `PASSWORD`.
fn without_password(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_owned();
    };
    let authority_end = rest.find(['/', '?']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(authority_end);
    match authority.rsplit_once('@') {
        Some((credentials, host)) if credentials.contains(':') => {
            let user = credentials.split(':').next().unwrap_or_default();
            format!("{scheme}://{user}:PASSWORD@{host}{tail}")
        }
        _ => url.to_owned(),
    }
}

/// `word` quoted for a POSIX shell when it needs it.
fn shell_word(word: &str) -> String {
    let plain = !word.is_empty()
        && word
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "@%+=:,./_-".contains(c));
    if plain {
        word.to_owned()
    } else {
        format!("'{}'", word.replace('\'', "'\\''"))
    }
}

/// Finds a user by id or e-mail address.
async fn find_user(store: &dyn Store, spec: &str) -> anyhow::Result<User> {
    let found = match spec.parse::<u64>() {
        Ok(id) => store.user(id).await?,
        Err(_) => store.user_by_email(spec).await?,
    };
    found.with_context(|| format!("no user {spec:?}"))
}

/// `user add|list|invite|password`.
pub async fn user(store: &dyn Store, config: &Config, command: UserCommand) -> anyhow::Result<()> {
    match command {
        UserCommand::Add {
            email,
            username,
            name,
            password,
            admin,
        } => {
            accounts::check_email(&email)?;
            let username =
                username.unwrap_or_else(|| email.split('@').next().unwrap_or_default().to_owned());
            let generated = password.is_none();
            let password = password.unwrap_or_else(new_password);
            let user = store
                .create_user(NewUser {
                    email: email.clone(),
                    display_name: name.unwrap_or_else(|| username.clone()),
                    username,
                    password_hash: hash_password(&password)?,
                    is_admin: admin,
                })
                .await?;
            println!("user {} {}", user.id, user.email);
            if generated {
                println!("password {password}");
            }
        }
        UserCommand::List => {
            for u in store.users().await? {
                let quota = u
                    .quota_mb
                    .map_or_else(|| "default".to_owned(), |q| format!("{q} MB"));
                println!(
                    "{}\t{}\t{}\t{}\tquota {}",
                    u.id,
                    u.email,
                    u.username,
                    if u.is_admin { "admin" } else { "user" },
                    quota
                );
            }
        }
        UserCommand::Invite { email, by, .. } => {
            let inviter = match by {
                Some(spec) => find_user(store, &spec).await?,
                None => store
                    .users()
                    .await?
                    .into_iter()
                    .find(|u| u.is_admin)
                    .context("there is no administrator to invite in the name of; give --by")?,
            };
            let (invitation, token) = accounts::invite(store, &email, inviter.id, None).await?;
            eprintln!(
                "Invitation for {} (valid until {}); the link works once:",
                invitation.email, invitation.expires
            );
            println!("{}", accounts::sign_up_link(&config.public_url, &token));
        }
        UserCommand::Password { user, password } => {
            let user = find_user(store, &user).await?;
            let generated = password.is_none();
            let password = password.unwrap_or_else(new_password);
            accounts::set_password(store, user.id, &password).await?;
            println!("password of user {} ({}) set", user.id, user.email);
            if generated {
                println!("password {password}");
            }
        }
    }
    Ok(())
}

/// `key create|list|revoke`.
pub async fn key(store: &dyn Store, command: KeyCommand) -> anyhow::Result<()> {
    match command {
        KeyCommand::Create {
            user,
            name,
            read_only,
            no_notes,
            no_files,
            groups,
        } => {
            let user = find_user(store, &user).await?;
            let all_groups = match groups {
                GroupAccessArg::None => None,
                GroupAccessArg::Read => Some(GroupGrant {
                    library: true,
                    write: false,
                }),
                GroupAccessArg::Write => Some(GroupGrant {
                    library: true,
                    write: !read_only,
                }),
            };
            let access = Access {
                library: true,
                notes: !no_notes,
                write: !read_only,
                files: !no_files,
                all_groups,
                groups: Default::default(),
            };
            let (record, key) = accounts::create_key(store, &user, &name, access).await?;
            eprintln!(
                "API key {} for user {} ({}); it is shown only now:",
                record.id, user.id, user.email
            );
            println!("{key}");
        }
        KeyCommand::List { user } => {
            let user = find_user(store, &user).await?;
            for k in store.keys_of_user(user.id).await? {
                println!(
                    "{}\t{}\t{}\tlast used {}",
                    k.id,
                    k.name,
                    k.created,
                    k.last_used.as_deref().unwrap_or("never")
                );
            }
        }
        KeyCommand::Revoke { key, id } => {
            let id = match (key, id) {
                (_, Some(id)) => id,
                (Some(key), None) => store
                    .key_by_hash(&hash_api_key(&key))
                    .await?
                    .map(|k| k.id)
                    .context("no live key matches")?,
                (None, None) => bail!("give the key or --id"),
            };
            if !store.revoke_key(id).await? {
                bail!("no live key with id {id}");
            }
            println!("revoked key {id}");
        }
    }
    Ok(())
}

/// `quota set`.
pub async fn quota(store: &dyn Store, command: QuotaCommand) -> anyhow::Result<()> {
    let QuotaCommand::Set { user, megabytes } = command;
    let user = find_user(store, &user).await?;
    let value = if megabytes == "default" {
        None
    } else {
        Some(
            megabytes
                .parse::<u64>()
                .with_context(|| format!("{megabytes:?} is not a number of megabytes"))?,
        )
    };
    store.set_quota(user.id, value).await?;
    match value {
        Some(mb) => println!("quota of user {} set to {mb} MB", user.id),
        None => println!("quota of user {} set to the default", user.id),
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Options;

    #[test]
    fn the_key_hint_names_the_database_the_service_uses() {
        let sqlite = Config::resolve(&Options {
            data_dir: Some("/srv/shelf mark".into()),
            ..Options::default()
        })
        .expect("config");
        assert_eq!(
            key_create_hint(&sqlite, None, "admin@localhost"),
            "shelfmark-server --data-dir '/srv/shelf mark' key create --user admin@localhost"
        );
        let postgres = Config::resolve(&Options {
            data_dir: Some("/srv/sm".into()),
            database_url: Some(
                "postgres://sm:s3cret@db.example.org:5432/shelfmark?sslmode=require".into(),
            ),
            ..Options::default()
        })
        .expect("config");
        let hint = key_create_hint(
            &postgres,
            Some(std::path::Path::new("/etc/sm.toml")),
            "admin@localhost",
        );
        assert_eq!(
            hint,
            "shelfmark-server --data-dir /srv/sm --config /etc/sm.toml --database-url 'postgres://sm:PASSWORD@db.example.org:5432/shelfmark?sslmode=require' key create --user admin@localhost"
        );
        assert_eq!(without_password("postgres://sm@h/db"), "postgres://sm@h/db");
        assert_eq!(shell_word("it's"), "'it'\\''s'");
    }
}
