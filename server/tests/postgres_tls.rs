//! TLS to PostgreSQL against a real server that only accepts encrypted
//! connections to one database. `run-scale-out.sh` sets it up: a throw-away
//! cluster with `ssl = on`, a certificate signed by a throw-away CA, and
//! `hostnossl … reject` for the database named here. Without
//! `SHELFMARK_TEST_TLS_DATABASE_URL` the test has nothing to connect to and
//! says so.

use shelfmark_server::store::Store;
use shelfmark_server::store::postgres::PgStore;

struct Setup {
    /// `postgres://user@host:port/db` of the TLS-only database.
    url: String,
    /// The CA that signed the server's certificate (PEM).
    ca: String,
    /// A CA that did not (PEM).
    other_ca: String,
}

fn setup() -> Option<Setup> {
    let var = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
    Some(Setup {
        url: var("SHELFMARK_TEST_TLS_DATABASE_URL")?,
        ca: var("SHELFMARK_TEST_TLS_CA")?,
        other_ca: var("SHELFMARK_TEST_TLS_OTHER_CA")?,
    })
}

async fn works(url: &str) -> Result<(), String> {
    let store = PgStore::connect(url).await.map_err(|e| e.to_string())?;
    store.users().await.map_err(|e| e.to_string())?;
    Ok(())
}

#[tokio::test]
async fn connections_follow_sslmode() {
    let Some(s) = setup() else {
        eprintln!("SHELFMARK_TEST_TLS_DATABASE_URL is not set: no TLS-only PostgreSQL to test");
        return;
    };
    let url = &s.url;
    let err = works(&format!("{url}?sslmode=disable"))
        .await
        .expect_err("the server refuses plain connections to this database");
    assert!(
        err.contains("no encryption") || err.contains("pg_hba"),
        "{err}"
    );

    works(&format!("{url}?sslmode=require"))
        .await
        .expect("require: encrypted, certificate not checked");
    works(url).await.expect("prefer (the default) takes TLS");
    works(&format!("{url}?sslmode=verify-full&sslrootcert={}", s.ca))
        .await
        .expect("verify-full against the signing CA");

    let err = works(&format!(
        "{url}?sslmode=verify-full&sslrootcert={}",
        s.other_ca
    ))
    .await
    .expect_err("verify-full refuses a certificate from another CA");
    assert!(err.to_lowercase().contains("certificate"), "{err}");
    let err = works(&format!("{url}?sslmode=verify-full"))
        .await
        .expect_err("verify-full needs a CA file");
    assert!(err.contains("sslrootcert"), "{err}");
}
