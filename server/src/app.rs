//! The application: shared state, the router and the middleware stack.

use std::net::SocketAddr;
use std::ops::Deref;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::Duration;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::{Extensions, HeaderMap, HeaderValue, Request, StatusCode, Version, header};
use axum::routing::{MethodRouter, get, post, put};
use tower_http::CompressionLevel;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::compression::CompressionLayer;
use tower_http::compression::predicate::{DefaultPredicate, Predicate};
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::request_id::{
    MakeRequestId, PropagateRequestIdLayer, RequestId, SetRequestIdLayer,
};
use tower_http::trace::{DefaultOnResponse, TraceLayer};
use tracing::Level;

use crate::api;
use crate::api::files::DownloadGrants;
use crate::api::write::{Collections, Items, Searches};
use crate::auth::ratelimit::{FailureLimiter, KeyLimiter};
use crate::auth::secrets::{hash_api_key, looks_like_api_key};
use crate::auth::{Caller, KeyCache, KeyUse};
use crate::config::Config;
use crate::error::ApiError;
use crate::files::BlobStore;
use crate::store::Store;
use crate::stream::{self, Streams};

/// State shared by every request.
#[derive(Debug)]
pub struct Inner {
    pub store: Arc<dyn Store>,
    pub blobs: Arc<dyn BlobStore>,
    pub config: Config,
    /// Wrong passwords per address (sign-in for a key or a web session).
    pub limiter: FailureLimiter,
    /// Wrong API keys per address.
    pub key_failures: FailureLimiter,
    pub key_limiter: KeyLimiter,
    pub downloads: DownloadGrants,
    /// Requests being handled now, for `Backoff`.
    pub in_flight: AtomicUsize,
    pub key_cache: KeyCache,
    pub key_use: KeyUse,
    /// Add by identifier's lookup client (web pages).
    pub lookups: crate::web::add::Lookups,
    /// Live updates (WebSocket streams) of this process.
    pub streams: Streams,
}

/// A cheap handle on the shared state.
#[derive(Debug, Clone)]
pub struct AppState(Arc<Inner>);

impl Deref for AppState {
    type Target = Inner;
    fn deref(&self) -> &Inner {
        &self.0
    }
}

impl AppState {
    /// State over a metadata store, a blob store and configuration.
    pub fn new(store: Arc<dyn Store>, blobs: Arc<dyn BlobStore>, config: Config) -> Self {
        let limiter = FailureLimiter::new(
            config.auth_failures,
            Duration::from_secs(config.auth_window_secs),
        );
        let key_failures = FailureLimiter::new(
            config.auth_failures,
            Duration::from_secs(config.auth_window_secs),
        );
        let key_limiter = KeyLimiter::new(config.key_rate, config.key_burst);
        let streams = Streams::start(&config, store.as_ref());
        Self(Arc::new(Inner {
            store,
            blobs,
            config,
            limiter,
            key_failures,
            key_limiter,
            downloads: DownloadGrants::default(),
            in_flight: AtomicUsize::new(0),
            key_cache: KeyCache::default(),
            key_use: KeyUse::default(),
            lookups: crate::web::add::Lookups::default(),
            streams,
        }))
    }

    /// Tells live-update streams that what a user's keys may read changed
    /// (a group joined or left, a key revoked).
    pub fn access_changed(&self, user_id: u64) {
        self.store
            .change_feed()
            .publish(crate::store::Change::Access { user_id });
    }

    /// Reclaims the bytes of files nothing refers to any more, in the
    /// background (after deletions and replaced files).
    pub fn reclaim_files_later(&self) {
        let state = self.clone();
        tokio::spawn(async move {
            match crate::files::reclaim(state.store.as_ref(), state.blobs.as_ref()).await {
                Ok(0) => {}
                Ok(n) => tracing::info!(removed = n, "reclaimed unreferenced files"),
                Err(e) => tracing::warn!(error = %e, "reclaiming files failed"),
            }
        });
    }

    /// The caller owning a presented key, if the key is live. Live keys are
    /// remembered for a few seconds so that a sync's burst of requests does
    /// not look the key up each time; revoking through the API forgets at once.
    pub async fn lookup_key(&self, key: &str) -> Result<Option<Caller>, ApiError> {
        if !looks_like_api_key(key) {
            return Ok(None);
        }
        let hash = hash_api_key(key);
        if let Some(caller) = self.key_cache.get(&hash) {
            self.record_key_use(&caller);
            return Ok(Some(caller));
        }
        let Some(record) = self.store.key_by_hash(&hash).await? else {
            return Ok(None);
        };
        let Some(user) = self.store.user(record.user_id).await? else {
            return Ok(None);
        };
        let caller = Caller { key: record, user };
        self.key_cache.put(hash, caller.clone());
        self.record_key_use(&caller);
        Ok(Some(caller))
    }

    /// Writes when a key was last used, in the background and at most once
    /// a minute per key: the request never waits for it.
    fn record_key_use(&self, caller: &Caller) {
        if !self.key_use.due(caller.key.id) {
            return;
        }
        let store = Arc::clone(&self.store);
        let key_id = caller.key.id;
        tokio::spawn(async move {
            if let Err(e) = store.touch_key(key_id, crate::clock::now_iso()).await {
                tracing::warn!(error = %e, key = key_id, "recording a key's last use failed");
            }
        });
    }
}

/// Request ids: a random prefix per process and a counter, so that the logs
/// of several processes behind one address can be told apart.
#[derive(Debug, Clone)]
struct Counter {
    process: Arc<str>,
    next: Arc<AtomicU64>,
}

impl Default for Counter {
    fn default() -> Self {
        use rand::RngExt;
        let process: u32 = rand::rng().random();
        Self {
            process: format!("{process:08x}").into(),
            next: Arc::default(),
        }
    }
}

impl MakeRequestId for Counter {
    fn make_request_id<B>(&mut self, _: &Request<B>) -> Option<RequestId> {
        let n = self.next.fetch_add(1, Ordering::Relaxed) + 1;
        HeaderValue::from_str(&format!("{}-{n:08x}", self.process))
            .ok()
            .map(RequestId::new)
    }
}

/// API routes being built, with the path of each kept: the OpenAPI contract
/// test holds the document to exactly these (see [`api_route_paths`]).
#[derive(Default)]
struct ApiRoutes {
    router: Router<AppState>,
    paths: Vec<String>,
}

impl ApiRoutes {
    fn route(mut self, path: &str, methods: MethodRouter<AppState>) -> Self {
        self.paths.push(path.to_owned());
        self.router = self.router.route(path, methods);
        self
    }
}

/// The routes of one library, under `/users/{lib}` or `/groups/{lib}`.
fn library_routes(router: ApiRoutes, prefix: &str) -> ApiRoutes {
    let p = |rest: &str| format!("{prefix}{rest}");
    router
        .route(
            &p("/items"),
            get(api::items::list)
                .post(api::items::post)
                .delete(api::items::delete_many),
        )
        .route(&p("/items/top"), get(api::items::list_top))
        .route(&p("/items/trash"), get(api::items::list_trash))
        .route(&p("/items/tags"), get(api::items::tags_all))
        .route(&p("/items/top/tags"), get(api::items::tags_top))
        .route(&p("/items/trash/tags"), get(api::items::tags_trash))
        .route(&p("/items/{key}/tags"), get(api::items::tags_of_item))
        .route(
            &p("/collections/{key}/tags"),
            get(api::items::tags_of_collection),
        )
        .route(
            &p("/collections/{key}/items/tags"),
            get(api::items::tags_of_collection),
        )
        .route(
            &p("/collections/{key}/items/top/tags"),
            get(api::items::tags_of_collection_top),
        )
        .route(&p("/tags/{tag}"), get(api::library::tag_by_name))
        .route(
            &p("/items/{key}"),
            get(api::object::get_one::<Items>)
                .put(api::object::put::<Items>)
                .patch(api::object::patch::<Items>)
                .delete(api::object::delete_one::<Items>),
        )
        .route(&p("/items/{key}/children"), get(api::items::list_children))
        .route(
            &p("/items/{key}/file"),
            get(api::files::download).post(api::files::authorize_or_register),
        )
        .route(&p("/items/{key}/file/view"), get(api::files::download))
        .route(
            &p("/items/{key}/fulltext"),
            get(api::fulltext::get_one).put(api::fulltext::put),
        )
        .route(
            &p("/fulltext"),
            get(api::fulltext::versions).post(api::fulltext::post),
        )
        .route(
            &p("/collections"),
            get(api::collections::list)
                .post(api::collections::post)
                .delete(api::collections::delete_many),
        )
        .route(&p("/collections/top"), get(api::collections::list_top))
        .route(
            &p("/collections/{key}"),
            get(api::object::get_one::<Collections>)
                .put(api::object::put::<Collections>)
                .patch(api::object::patch::<Collections>)
                .delete(api::object::delete_one::<Collections>),
        )
        .route(
            &p("/collections/{key}/collections"),
            get(api::collections::list_sub),
        )
        .route(
            &p("/collections/{key}/items"),
            get(api::items::list_in_collection),
        )
        .route(
            &p("/collections/{key}/items/top"),
            get(api::items::list_top_in_collection),
        )
        .route(
            &p("/searches"),
            get(api::searches::list)
                .post(api::searches::post)
                .delete(api::searches::delete_many),
        )
        .route(
            &p("/searches/{key}"),
            get(api::object::get_one::<Searches>)
                .put(api::object::put::<Searches>)
                .patch(api::object::patch::<Searches>)
                .delete(api::object::delete_one::<Searches>),
        )
        .route(
            &p("/tags"),
            get(api::library::tags).delete(api::library::delete_tags),
        )
        .route(
            &p("/settings"),
            get(api::library::settings).post(api::library::post_settings),
        )
        .route(
            &p("/settings/{key}"),
            get(api::library::setting)
                .put(api::library::put_setting)
                .delete(api::library::delete_setting),
        )
        .route(&p("/deleted"), get(api::library::deleted))
}

/// Every API route but file uploads and downloads, which have body limits
/// of their own.
fn api_routes() -> ApiRoutes {
    let router = ApiRoutes::default()
        .route("/health", get(api::health))
        .route("/openapi.json", get(api::openapi::openapi))
        .route(
            "/shelfmark/capabilities",
            get(api::capabilities::capabilities),
        )
        .route("/keys", post(api::keys::create))
        .route(
            "/keys/current",
            get(api::keys::current).delete(api::keys::delete_current),
        )
        .route(
            "/keys/{key}",
            get(api::keys::get_key).delete(api::keys::delete_key),
        )
        .route("/users/{lib}/groups", get(api::groups::of_user))
        .route("/groups", post(api::groups::create))
        .route("/groups/{id}", get(api::groups::get_one))
        .route("/groups/{id}/members", get(api::groups::members))
        .route(
            "/groups/{id}/members/{user}",
            put(api::groups::put_member).delete(api::groups::delete_member),
        )
        .route("/itemTypes", get(api::schema::item_types))
        .route("/itemFields", get(api::schema::item_fields))
        .route("/itemTypeFields", get(api::schema::item_type_fields))
        .route(
            "/itemTypeCreatorTypes",
            get(api::schema::item_type_creator_types),
        )
        .route("/creatorFields", get(api::schema::creator_fields))
        .route("/items/new", get(api::schema::new_item))
        .route("/schema", get(api::schema::schema_doc));
    let router = library_routes(router, "/users/{lib}");
    library_routes(router, "/groups/{lib}")
}

fn upload_routes() -> ApiRoutes {
    ApiRoutes::default().route("/uploads/{upload}", post(api::files::receive))
}

fn download_routes() -> ApiRoutes {
    ApiRoutes::default().route("/downloads/{grant}", get(api::files::serve))
}

fn stream_routes() -> ApiRoutes {
    ApiRoutes::default().route(stream::PATH, get(stream::upgrade))
}

/// The path of every API route (as axum writes them: `/users/{lib}/items`).
pub fn api_route_paths() -> Vec<String> {
    [
        api_routes(),
        upload_routes(),
        download_routes(),
        stream_routes(),
    ]
    .into_iter()
    .flat_map(|routes| routes.paths)
    .collect()
}

/// The whole API with its middleware.
pub fn router(state: AppState) -> Router {
    let mut router = api_routes().router;
    // The web pages, at paths of their own (see `web::routes`).
    router = router.merge(crate::web::routes());
    let body_limit = state.config.max_body_bytes;
    // File bytes have their own, larger limit (multipart framing included).
    let file_limit = usize::try_from(state.config.max_file_bytes)
        .unwrap_or(usize::MAX)
        .saturating_add(64 * 1024);
    let uploads = upload_routes()
        .router
        .layer(RequestBodyLimitLayer::new(file_limit));
    let downloads = download_routes().router;
    let load_state = state.clone();
    // Streams live for hours: they stay outside the request middleware
    // (load shedding counts requests in flight; compression has no body).
    let streams = stream_routes().router.with_state(state.clone());
    router
        .layer(RequestBodyLimitLayer::new(body_limit))
        .merge(uploads)
        .merge(downloads)
        .fallback(api::not_found)
        .with_state(state)
        .layer(axum::middleware::map_response(api::add_api_headers))
        .layer(axum::middleware::from_fn(api::group_versions::answer))
        .layer(axum::middleware::from_fn(move |req, next| {
            api::backoff_under_load(load_state.clone(), req, next)
        }))
        .layer(DefaultBodyLimit::disable())
        // The fastest level: JSON still shrinks several times, and a large
        // first-sync page is not held up compressing.
        .layer(
            CompressionLayer::new()
                .gzip(true)
                .quality(CompressionLevel::Fastest)
                .compress_when(
                    // File downloads keep their bytes as stored, so ranges work.
                    DefaultPredicate::new().and(
                        |_: StatusCode, _: Version, headers: &HeaderMap, _: &Extensions| {
                            !headers.contains_key(header::ACCEPT_RANGES)
                        },
                    ),
                ),
        )
        .layer(CatchPanicLayer::custom(|_| {
            use axum::response::IntoResponse;
            ApiError::internal().into_response()
        }))
        .layer(PropagateRequestIdLayer::x_request_id())
        .layer(
            TraceLayer::new_for_http()
                .make_span_with(|req: &Request<_>| {
                    let id = req
                        .extensions()
                        .get::<RequestId>()
                        .and_then(|id| id.header_value().to_str().ok())
                        .unwrap_or("-")
                        .to_owned();
                    // The path only: query strings may carry `key=`.
                    tracing::info_span!(
                        "request",
                        id = %id,
                        method = %req.method(),
                        path = %req.uri().path(),
                    )
                })
                .on_response(DefaultOnResponse::new().level(Level::INFO)),
        )
        .layer(SetRequestIdLayer::x_request_id(Counter::default()))
        .merge(streams)
}

/// Serves until `shutdown` completes, then stops accepting and lets requests
/// in flight (and their writes) finish.
pub async fn serve(
    state: AppState,
    listener: tokio::net::TcpListener,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    let app = router(state.clone());
    // Open streams are closed first, telling clients to come back later.
    let shutdown = async move {
        shutdown.await;
        state.streams.stop();
    };
    axum::serve(
        listener,
        app.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown)
    .await?;
    Ok(())
}

/// Completes on SIGINT or SIGTERM. The handlers are installed before this
/// returns, so a signal sent right after start-up is not missed.
pub fn shutdown_signal() -> anyhow::Result<impl Future<Output = ()> + Send + 'static> {
    #[cfg(unix)]
    let mut terminate = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())?;
    #[cfg(unix)]
    let mut interrupt = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::interrupt())?;
    Ok(async move {
        #[cfg(unix)]
        tokio::select! {
            _ = terminate.recv() => {},
            _ = interrupt.recv() => {},
        }
        #[cfg(not(unix))]
        let _ = tokio::signal::ctrl_c().await;
        tracing::info!("shutting down: finishing requests in flight");
    })
}
