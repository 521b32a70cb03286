//! Feeding the hub from committed writes. With SQLite there is one process
//! and changes go straight to its hub. With PostgreSQL several processes
//! share the database: every change is sent with `NOTIFY`, and every
//! process (the writer's own included) feeds its hub from `LISTEN`, so a
//! write in any process reaches the subscribers of all of them.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::{Notify, mpsc};
use tokio_postgres::{AsyncMessage, Client, NoTls};

use super::hub::Hub;
use crate::store::postgres::tls::{self, Connector};
use crate::store::{Change, ChangeListener, LibraryId, StoreError, StoreResult};

/// The channel every process listens on.
const CHANNEL: &str = "shelfmark_changes";
/// Waits between attempts to reach the database again.
const RECONNECT_DELAYS_MS: [u64; 5] = [100, 500, 1_000, 2_000, 5_000];

/// One process: changes go straight to the hub.
#[derive(Debug)]
pub struct InProcess(pub Arc<Hub>);

impl ChangeListener for InProcess {
    fn changed(&self, change: Change) {
        self.0.deliver(change);
    }
}

/// Changes waiting to be sent, coalesced like a mailbox: writers never wait
/// for the database, and a backlog is one entry per library or user.
#[derive(Debug, Default)]
struct Outbox {
    versions: Mutex<(HashMap<LibraryId, u64>, HashSet<u64>)>,
    ready: Notify,
}

/// Several processes over one PostgreSQL database.
#[derive(Debug)]
pub struct Postgres {
    outbox: Arc<Outbox>,
}

impl ChangeListener for Postgres {
    fn changed(&self, change: Change) {
        if let Ok(mut pending) = self.outbox.versions.lock() {
            match change {
                Change::Library { library, version } => {
                    let entry = pending.0.entry(library).or_insert(version);
                    *entry = (*entry).max(version);
                }
                Change::Access { user_id } => {
                    pending.1.insert(user_id);
                }
            }
        }
        self.outbox.ready.notify_one();
    }
}

/// The text of a notification: `L <library> <version>` or `A <user>`.
fn payload(change: Change) -> String {
    match change {
        Change::Library { library, version } => format!("L {library} {version}"),
        Change::Access { user_id } => format!("A {user_id}"),
    }
}

fn parse_payload(text: &str) -> Option<Change> {
    let mut words = text.split(' ');
    let change = match words.next()? {
        "L" => Change::Library {
            library: words.next()?.parse().ok()?,
            version: words.next()?.parse().ok()?,
        },
        "A" => Change::Access {
            user_id: words.next()?.parse().ok()?,
        },
        _ => return None,
    };
    words.next().is_none().then_some(change)
}

/// How to reach the database, from the URL the store was opened with.
#[derive(Debug, Clone)]
struct Database {
    config: tokio_postgres::Config,
    connector: Connector,
}

impl Database {
    fn new(url: &str) -> StoreResult<Self> {
        let (url, settings) = tls::split_url(url)?;
        let mut config: tokio_postgres::Config =
            url.parse().map_err(|e: tokio_postgres::Error| {
                StoreError::Unsupported(format!("database URL: {e}"))
            })?;
        let connector = tls::connector(&settings, &mut config)?;
        Ok(Self { config, connector })
    }

    /// Connects; the connection's notifications go to `notifications`.
    async fn connect(&self, notifications: mpsc::UnboundedSender<String>) -> StoreResult<Client> {
        Ok(match &self.connector {
            Connector::Plain => {
                let (client, connection) = self.config.connect(NoTls).await?;
                tokio::spawn(drive(connection, notifications));
                client
            }
            Connector::Tls(tls) => {
                let (client, connection) = self.config.connect(tls.clone()).await?;
                tokio::spawn(drive(connection, notifications));
                client
            }
        })
    }
}

/// Runs a connection, passing on its notifications, until it ends.
async fn drive<S, T>(
    mut connection: tokio_postgres::Connection<S, T>,
    notifications: mpsc::UnboundedSender<String>,
) where
    S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin,
    T: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin,
{
    loop {
        match std::future::poll_fn(|cx| connection.poll_message(cx)).await {
            Some(Ok(AsyncMessage::Notification(n))) => {
                if notifications.send(n.payload().to_owned()).is_err() {
                    return;
                }
            }
            Some(Ok(_)) => {}
            Some(Err(e)) => {
                tracing::warn!(error = %e, "live updates: database connection ended");
                return;
            }
            None => return,
        }
    }
}

impl Postgres {
    /// Starts sending this process's changes and listening for everyone's,
    /// on connections of their own (reconnecting when they drop).
    pub fn start(url: &str, hub: Arc<Hub>) -> StoreResult<Self> {
        let database = Database::new(url)?;
        let outbox = Arc::new(Outbox::default());
        tokio::spawn(send_loop(database.clone(), Arc::clone(&outbox)));
        tokio::spawn(listen_loop(database, hub));
        Ok(Self { outbox })
    }
}

async fn send_loop(database: Database, outbox: Arc<Outbox>) {
    let mut failures = 0usize;
    loop {
        let (ignored, _) = mpsc::unbounded_channel();
        let client = match database.connect(ignored).await {
            Ok(client) => client,
            Err(e) => {
                tracing::warn!(error = %e, "live updates: cannot reach the database to announce changes");
                pause(&mut failures).await;
                continue;
            }
        };
        failures = 0;
        loop {
            outbox.ready.notified().await;
            let changes: Vec<Change> = match outbox.versions.lock() {
                Ok(mut pending) => {
                    let (versions, users) = std::mem::take(&mut *pending);
                    versions
                        .into_iter()
                        .map(|(library, version)| Change::Library { library, version })
                        .chain(users.into_iter().map(|user_id| Change::Access { user_id }))
                        .collect()
                }
                Err(_) => continue,
            };
            let mut sent_all = true;
            for change in changes {
                let text = payload(change);
                if let Err(e) = client
                    .execute("SELECT pg_notify($1, $2)", &[&CHANNEL, &text])
                    .await
                {
                    tracing::warn!(error = %e, "live updates: announcing a change failed");
                    sent_all = false;
                    break;
                }
            }
            if !sent_all || client.is_closed() {
                break;
            }
        }
    }
}

async fn listen_loop(database: Database, hub: Arc<Hub>) {
    let mut failures = 0usize;
    let mut connected_before = false;
    loop {
        let (sender, mut notifications) = mpsc::unbounded_channel();
        let client = match database.connect(sender).await {
            Ok(client) => client,
            Err(e) => {
                tracing::warn!(error = %e, "live updates: cannot reach the database to listen");
                pause(&mut failures).await;
                continue;
            }
        };
        if let Err(e) = client.batch_execute(&format!("LISTEN {CHANNEL}")).await {
            tracing::warn!(error = %e, "live updates: LISTEN failed");
            pause(&mut failures).await;
            continue;
        }
        failures = 0;
        if connected_before {
            // Changes made while not listening were missed: announce the
            // current version of every followed library instead.
            if let Err(e) = catch_up(&client, &hub).await {
                tracing::warn!(error = %e, "live updates: catching up after reconnecting failed");
            }
        }
        connected_before = true;
        while let Some(text) = notifications.recv().await {
            match parse_payload(&text) {
                Some(change) => hub.deliver(change),
                None => tracing::warn!(payload = %text, "live updates: unknown notification"),
            }
        }
        drop(client);
        pause(&mut failures).await;
    }
}

async fn catch_up(client: &Client, hub: &Hub) -> StoreResult<()> {
    let followed: Vec<LibraryId> = hub.followed_libraries();
    if followed.is_empty() {
        return Ok(());
    }
    let rows = client
        .query(
            "SELECT id, version FROM libraries WHERE id = ANY($1)",
            &[&followed],
        )
        .await?;
    for row in rows {
        let library: LibraryId = row.get(0);
        let version: i64 = row.get(1);
        hub.deliver(Change::Library {
            library,
            version: u64::try_from(version).unwrap_or_default(),
        });
    }
    Ok(())
}

async fn pause(failures: &mut usize) {
    let delay = RECONNECT_DELAYS_MS[(*failures).min(RECONNECT_DELAYS_MS.len() - 1)];
    *failures += 1;
    tokio::time::sleep(Duration::from_millis(delay)).await;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn notifications_round_trip_and_garbage_is_ignored() {
        for change in [
            Change::Library {
                library: 12,
                version: 3400,
            },
            Change::Access { user_id: 9 },
        ] {
            assert_eq!(parse_payload(&payload(change)), Some(change));
        }
        assert_eq!(parse_payload("L 1"), None);
        assert_eq!(parse_payload("L 1 2 3"), None);
        assert_eq!(parse_payload("X 1"), None);
        assert_eq!(parse_payload(""), None);
    }
}
