//! The HTTP side of `lede serve` (axum on tokio): rendered pages from memory, `static/`
//! from disk, the live-reload script and event stream, and the guards that keep the
//! preview private.
//!
//! Every request passes [`Guard::check`] first: a `Host` that is not this server's address
//! or `localhost` is refused (DNS rebinding), and so is a foreign `Origin` (no page of
//! another site may read the drafts or listen for reloads); no response carries
//! `Access-Control-Allow-Origin`. Request paths are percent-decoded and refused if they hold
//! `..`, `.`, empty, backslash, drive or NUL parts; a static file is served only if its real
//! path (symlinks resolved) is inside `static/`. Nothing a request carries can panic the
//! server. Never builds and never writes a file.

use std::collections::HashMap;
use std::convert::Infallible;
use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::sync::{Arc, PoisonError, RwLock, RwLockReadGuard};
use std::time::Duration;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, Uri, header};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use tokio::sync::{broadcast, watch};

use super::reload::{self, EVENTS_PATH, ErrorInfo, Message, SCRIPT_PATH, STATUS_PATH, Timing};
use crate::{Diagnostic, NOT_FOUND_FILE, Refused, RequestPath, content_type};

/// What the server shows: the last good build and the state of the last rebuild.
#[derive(Default)]
pub struct Published {
    /// Rendered files by output path (`meeting/index.html`).
    pub files: HashMap<String, crate::Bytes>,
    /// Rebuilds so far, failed ones too (the first build is 1).
    pub build: u64,
    /// The last rebuild's errors (none if it was good).
    pub errors: Vec<ErrorInfo>,
    pub last_timing: Option<Timing>,
}

/// State shared by the request handlers and the rebuild thread.
pub struct Shared {
    pub published: RwLock<Published>,
    /// Live-reload messages, as JSON.
    pub events: broadcast::Sender<Arc<str>>,
    /// The site's `static/` folder.
    pub static_dir: PathBuf,
    pub guard: Guard,
    /// Tells this server process from a restarted one.
    pub instance: String,
    /// Becomes true when the server shuts down (ends the event streams).
    pub stopping: watch::Receiver<bool>,
}

impl Shared {
    pub fn published(&self) -> RwLockReadGuard<'_, Published> {
        self.published
            .read()
            .unwrap_or_else(PoisonError::into_inner)
    }

    pub fn publish(&self, change: impl FnOnce(&mut Published)) {
        let mut published = self
            .published
            .write()
            .unwrap_or_else(PoisonError::into_inner);
        change(&mut published);
    }
}

/// Who may talk to the server.
#[derive(Debug, Clone, Copy)]
pub struct Guard {
    pub interface: IpAddr,
    pub port: u16,
}

impl Guard {
    /// Refuses foreign `Host`s (DNS rebinding) and foreign `Origin`s.
    pub fn check(&self, headers: &HeaderMap, uri: &Uri) -> Result<(), &'static str> {
        let host = headers
            .get(header::HOST)
            .and_then(|h| h.to_str().ok())
            .or_else(|| uri.authority().map(|a| a.as_str()))
            .ok_or("a Host header is required")?;
        if !self.allows(host) {
            return Err("this server only answers to its own address and localhost");
        }
        if uri.authority().is_some_and(|a| !self.allows(a.as_str())) {
            return Err("this server only answers to its own address and localhost");
        }
        if let Some(origin) = headers.get(header::ORIGIN) {
            let allowed = origin
                .to_str()
                .ok()
                .and_then(|o| o.strip_prefix("http://"))
                .is_some_and(|authority| self.allows(authority));
            if !allowed {
                return Err("requests from other sites are refused");
            }
        }
        // Another site's page may link here (a navigation), but not fetch, embed or listen.
        let cross_site = headers
            .get("sec-fetch-site")
            .is_some_and(|v| v.as_bytes() == b"cross-site");
        let navigation = headers
            .get("sec-fetch-mode")
            .is_some_and(|v| v.as_bytes() == b"navigate");
        if cross_site && !navigation {
            return Err("requests from other sites are refused");
        }
        Ok(())
    }

    /// `localhost`, a loopback address or the address served on, with this server's port.
    fn allows(&self, authority: &str) -> bool {
        let Ok(authority) = authority.parse::<axum::http::uri::Authority>() else {
            return false;
        };
        if authority.as_str().contains('@') || authority.port_u16().unwrap_or(80) != self.port {
            return false;
        }
        let host = authority.host();
        match host
            .trim_start_matches('[')
            .trim_end_matches(']')
            .parse::<IpAddr>()
        {
            Ok(ip) => ip.is_loopback() || ip == self.interface || self.interface.is_unspecified(),
            Err(_) => host.eq_ignore_ascii_case("localhost"),
        }
    }
}

/// How long a client may take to send a request's headers, counted from when the
/// connection starts waiting for them (so an idle keep-alive connection is closed too):
/// no slow or idle client holds a connection open for good.
pub const HEADER_TIMEOUT: Duration = Duration::from_secs(5);

/// Serves until `stop` turns true (or Ctrl-C / SIGTERM, which turn it true); then lets
/// open requests finish for up to 3 seconds.
pub async fn run(
    listener: std::net::TcpListener,
    shared: Arc<Shared>,
    stop: watch::Sender<bool>,
) -> Result<(), Vec<Diagnostic>> {
    let failed = |e: std::io::Error| vec![Diagnostic::error("", format!("cannot serve: {e}"))];
    listener.set_nonblocking(true).map_err(failed)?;
    let listener = tokio::net::TcpListener::from_std(listener).map_err(failed)?;
    let app = Router::new().fallback(handle).with_state(shared);
    let service = TowerToHyperService::new(app);
    let graceful = GracefulShutdown::new();
    let mut stopping = stop.subscribe();
    let accept = async {
        loop {
            let (stream, _) = tokio::select! {
                accepted = listener.accept() => match accepted {
                    Ok(accepted) => accepted,
                    // Out of file descriptors and the like: wait a moment, keep serving.
                    Err(_) => {
                        tokio::time::sleep(Duration::from_millis(50)).await;
                        continue;
                    }
                },
                _ = stopping.wait_for(|s| *s) => return,
            };
            let connection = http1::Builder::new()
                .timer(TokioTimer::new())
                .header_read_timeout(HEADER_TIMEOUT)
                .serve_connection(TokioIo::new(stream), service.clone());
            let connection = graceful.watch(connection);
            tokio::spawn(async move {
                // A client that goes away or times out ends its own connection only.
                let _ = connection.await;
            });
        }
    };
    let signals = async {
        shutdown_signal().await;
        let _ = stop.send(true);
    };
    tokio::select! {
        () = accept => {}
        () = signals => {}
    }
    let _ = tokio::time::timeout(Duration::from_secs(3), graceful.shutdown()).await;
    Ok(())
}

async fn shutdown_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => {}
                    _ = term.recv() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}

async fn handle(State(shared): State<Arc<Shared>>, request: Request) -> Response {
    let (request, _body) = request.into_parts();
    let mut response = respond(&shared, &request).await;
    let headers = response.headers_mut();
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    response
}

async fn respond(shared: &Arc<Shared>, request: &Parts) -> Response {
    if let Err(why) = shared.guard.check(&request.headers, &request.uri) {
        return text(StatusCode::FORBIDDEN, why);
    }
    if request.method != Method::GET && request.method != Method::HEAD {
        let mut response = text(StatusCode::METHOD_NOT_ALLOWED, "only GET and HEAD");
        response
            .headers_mut()
            .insert(header::ALLOW, HeaderValue::from_static("GET, HEAD"));
        return response;
    }
    match request.uri.path() {
        SCRIPT_PATH => typed(StatusCode::OK, "reload.js", Body::from(reload::SCRIPT)),
        EVENTS_PATH => events(shared),
        STATUS_PATH => status(shared),
        path => site_file(shared, path).await,
    }
}

/// The live-reload stream: a `hello` with the current build, then one message per rebuild.
fn events(shared: &Arc<Shared>) -> Response {
    let receiver = shared.events.subscribe();
    let hello = {
        let published = shared.published();
        Message::hello(&shared.instance, published.build, &published.errors).to_json()
    };
    let resync = {
        let shared = shared.clone();
        move || {
            let build = shared.published().build;
            Message::resync(&shared.instance, build).to_json()
        }
    };
    let state = (Some(hello), receiver, shared.stopping.clone(), resync);
    let stream = futures_util::stream::unfold(
        state,
        |(first, mut receiver, mut stopping, resync)| async move {
            if let Some(hello) = first {
                let event = Event::default().data(hello);
                return Some((
                    Ok::<_, Infallible>(event),
                    (None, receiver, stopping, resync),
                ));
            }
            if *stopping.borrow() {
                return None;
            }
            let data = tokio::select! {
                message = receiver.recv() => match message {
                    Ok(json) => json.to_string(),
                    Err(broadcast::error::RecvError::Lagged(_)) => resync(),
                    Err(broadcast::error::RecvError::Closed) => return None,
                },
                _ = stopping.changed() => return None,
            };
            Some((
                Ok(Event::default().data(data)),
                (None, receiver, stopping, resync),
            ))
        },
    );
    Sse::new(stream)
        .keep_alive(KeepAlive::new().interval(Duration::from_secs(15)))
        .into_response()
}

/// The build number, errors and timing of the last rebuild, as JSON (for tests and benchmarks).
fn status(shared: &Arc<Shared>) -> Response {
    let published = shared.published();
    let json = serde_json::json!({
        "instance": shared.instance,
        "build": published.build,
        "ok": published.errors.is_empty(),
        "errors": published.errors,
        "files": published.files.len(),
        "timing": published.last_timing,
    });
    typed(StatusCode::OK, "status.json", Body::from(json.to_string()))
}

async fn site_file(shared: &Arc<Shared>, raw: &str) -> Response {
    let path = match RequestPath::parse(raw) {
        Ok(path) => path,
        Err(Refused::TooLong) => return text(StatusCode::URI_TOO_LONG, "path too long"),
        Err(Refused::Unsafe) => return text(StatusCode::BAD_REQUEST, "bad path"),
    };
    let (key, index) = (path.file(), path.index_file());
    {
        let published = shared.published();
        let found = if path.dir {
            published.files.get(&index).map(|b| (index.as_str(), b))
        } else {
            published.files.get(&key).map(|b| (key.as_str(), b))
        };
        if let Some((name, bytes)) = found {
            return page(shared, &published, StatusCode::OK, name, bytes);
        }
        if !path.dir && published.files.contains_key(&index) {
            return redirect(raw);
        }
    }
    let static_dir = shared.static_dir.clone();
    let parts = path.parts.clone();
    let dir = path.dir;
    let found = tokio::task::spawn_blocking(move || static_file(&static_dir, &parts, dir))
        .await
        .unwrap_or(StaticFile::Missing);
    match found {
        StaticFile::Found(bytes) => {
            let name = if path.dir {
                index.as_str()
            } else {
                key.as_str()
            };
            let published = shared.published();
            page(
                shared,
                &published,
                StatusCode::OK,
                name,
                &crate::Bytes::from(bytes),
            )
        }
        StaticFile::Folder => redirect(raw),
        StaticFile::Missing => not_found(shared),
    }
}

/// A file of the site; HTML gets the live-reload script.
fn page(
    shared: &Shared,
    published: &Published,
    status: StatusCode,
    name: &str,
    bytes: &crate::Bytes,
) -> Response {
    let body = if content_type(name).starts_with("text/html") {
        let not_found = status == StatusCode::NOT_FOUND;
        Body::from(reload::inject(
            bytes,
            published.build,
            &shared.instance,
            not_found,
        ))
    } else {
        Body::from(Bytes::from_owner(bytes.clone()))
    };
    typed(status, name, body)
}

fn not_found(shared: &Shared) -> Response {
    let published = shared.published();
    match published.files.get(NOT_FOUND_FILE) {
        Some(bytes) => page(
            shared,
            &published,
            StatusCode::NOT_FOUND,
            NOT_FOUND_FILE,
            bytes,
        ),
        None => {
            let html: crate::Bytes = Arc::from(
                &b"<!doctype html><meta charset=\"utf-8\"><title>Not found</title><h1>Not found</h1></body>"[..],
            );
            page(
                shared,
                &published,
                StatusCode::NOT_FOUND,
                NOT_FOUND_FILE,
                &html,
            )
        }
    }
}

enum StaticFile {
    Found(Vec<u8>),
    /// A folder asked for without its trailing `/`.
    Folder,
    Missing,
}

/// Reads `static/<parts>` (or its `index.html`) if its real path is inside `static/`.
fn static_file(dir: &Path, parts: &[String], wants_dir: bool) -> StaticFile {
    let Ok(base) = dir.canonicalize() else {
        return StaticFile::Missing;
    };
    let inside = |path: &Path| {
        path.canonicalize()
            .ok()
            .filter(|real| real.starts_with(&base))
    };
    let mut path = base.clone();
    path.extend(parts);
    let Some(real) = inside(&path) else {
        return StaticFile::Missing;
    };
    let file = if real.is_dir() {
        if !wants_dir {
            return StaticFile::Folder;
        }
        match inside(&real.join("index.html")) {
            Some(index) => index,
            None => return StaticFile::Missing,
        }
    } else if wants_dir {
        return StaticFile::Missing;
    } else {
        real
    };
    match std::fs::read(&file) {
        Ok(bytes) if file.is_file() => StaticFile::Found(bytes),
        _ => StaticFile::Missing,
    }
}

/// A folder URL without its trailing slash: relative links need it.
fn redirect(raw: &str) -> Response {
    let mut response = text(StatusCode::PERMANENT_REDIRECT, "moved");
    if let Ok(location) = HeaderValue::from_str(&format!("{raw}/")) {
        response.headers_mut().insert(header::LOCATION, location);
    }
    response
}

fn text(status: StatusCode, message: &'static str) -> Response {
    typed(status, "message.txt", Body::from(format!("{message}\n")))
}

fn typed(status: StatusCode, name: &str, body: Body) -> Response {
    let mut response = (status, body).into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_str(&content_type(name))
            .unwrap_or(HeaderValue::from_static("application/octet-stream")),
    );
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_own_hosts_and_origins() {
        let guard = Guard {
            interface: "127.0.0.1".parse().unwrap(),
            port: 1111,
        };
        let check = |host: &str, origin: Option<&str>| {
            let mut headers = HeaderMap::new();
            headers.insert(header::HOST, HeaderValue::from_str(host).unwrap());
            if let Some(o) = origin {
                headers.insert(header::ORIGIN, HeaderValue::from_str(o).unwrap());
            }
            guard.check(&headers, &Uri::from_static("/")).is_ok()
        };
        assert!(check("127.0.0.1:1111", None));
        assert!(check("localhost:1111", None));
        assert!(check("LOCALHOST:1111", Some("http://localhost:1111")));
        assert!(check("[::1]:1111", None));
        assert!(!check("evil.example:1111", None));
        assert!(!check("127.0.0.1.nip.io:1111", None));
        assert!(!check("localhost:2222", None));
        assert!(!check("localhost", None));
        assert!(!check("10.0.0.1:1111", None));
        assert!(!check("localhost:1111", Some("http://evil.example:1111")));
        assert!(!check("localhost:1111", Some("http://localhost:3000")));
        assert!(!check("localhost:1111", Some("null")));
        assert!(!check("localhost:1111", Some("https://localhost:1111")));
    }
}
