//! `lede serve`: a local preview server that rebuilds on every save and reloads the browser.
//! A layer on top of the build core; the core knows nothing about it.
//!
//! Four parts, one file each: [`watch`] turns file events into batches of touched paths;
//! [`incremental`] keeps the site built in memory and re-renders what a batch affects;
//! [`http`] serves the rendered pages from memory and `static/` from disk; [`reload`] tells
//! open pages what changed. This file starts them and carries each rebuild from the first
//! to the last, then has the search index rebuilt in the background. Renders only to
//! memory: the output folder is never touched.

/// `println!` that never panics: a closed terminal or pipe must not take the server down.
macro_rules! say {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stdout(), $($arg)*);
    }};
}

/// `eprintln!` that never panics.
macro_rules! say_err {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stderr(), $($arg)*);
    }};
}

pub mod http;
pub mod reload;
pub mod watch;

use std::net::{IpAddr, SocketAddr, TcpListener};
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::mpsc::{self, Receiver, Sender};
use std::time::{SystemTime, UNIX_EPOCH};

use tokio::sync::{broadcast, watch as signal};

use self::http::{Guard, Published, Shared};
use self::reload::{ErrorInfo, Message, Timing};
use self::watch::{Msg, Watcher};
use crate::{Delta, Diagnostic, Engine, IndexJob, Options, STATIC_DIR};

/// What `lede serve` was asked to do.
#[derive(Debug, Clone)]
pub struct ServeOptions {
    pub site: Options,
    pub interface: IpAddr,
    pub port: u16,
    pub open: bool,
}

/// How many ports after a taken one are tried.
const PORT_TRIES: u16 = 20;

/// Serves the site until Ctrl-C (or SIGTERM). Returns an error only if it cannot start.
pub fn serve(options: &ServeOptions) -> Result<(), Vec<Diagnostic>> {
    let root = site_root(options)?;
    let runtime = crate::runtime("the server")?;
    let (listener, address) = listen(options)?;
    let url = format!("http://{}/", shown_address(address));
    let mut site = Engine::new(Options {
        root: root.clone(),
        base_url: Some(url.clone()),
        // The preview shows embargoed pages, each with a banner saying until when.
        clock: crate::Clock {
            at: None,
            show_embargoed: true,
        },
        ..options.site.clone()
    });
    let (stop, stopping) = signal::channel(false);
    let shared = Arc::new(Shared {
        published: Default::default(),
        events: broadcast::channel(64).0,
        static_dir: root.join(STATIC_DIR),
        guard: Guard {
            interface: options.interface,
            port: address.port(),
        },
        instance: instance_id(),
        stopping,
    });
    let mut publisher = Publisher {
        shared: shared.clone(),
        failing: false,
    };
    if let Some(first) = supervised(&mut site, |site| Some(site.full())) {
        publisher.publish(first, None);
    }
    let search = index_in_background(shared.clone());
    send_search_job(&site, &search);

    let (tx, rx) = mpsc::channel();
    let watcher = Watcher::start(&root, tx.clone()).map_err(|d| vec![d])?;
    say!("Serving at {url} (Ctrl-C to stop)");
    if options.open {
        open_browser(&url);
    }
    let rebuilder = std::thread::Builder::new()
        .name("lede-rebuild".into())
        .spawn(move || rebuild_loop(site, watcher, &rx, publisher, &search))
        .map_err(|e| vec![Diagnostic::error("", format!("cannot start watching: {e}"))])?;

    let served = runtime.block_on(http::run(listener, shared, stop));
    let _ = tx.send(Msg::Stop);
    let _ = rebuilder.join();
    runtime.shutdown_background();
    say!("Stopped.");
    served
}

/// The site folder, absolute: the watcher reports absolute paths.
fn site_root(options: &ServeOptions) -> Result<PathBuf, Vec<Diagnostic>> {
    std::fs::canonicalize(&options.site.root).map_err(|e| {
        let shown = options.site.root.display();
        vec![
            Diagnostic::error("", format!("cannot open the site folder {shown}: {e}"))
                .with_help("run lede in the folder that holds site.toml, or pass --root DIR"),
        ]
    })
}

/// Listens where asked (or on the next free port), warning when others can connect.
fn listen(options: &ServeOptions) -> Result<(TcpListener, SocketAddr), Vec<Diagnostic>> {
    let listener = bind(options.interface, options.port)?;
    let address = listener.local_addr().map_err(|e| {
        vec![Diagnostic::error(
            "",
            format!("cannot start the server: {e}"),
        )]
    })?;
    if !options.interface.is_loopback() {
        say_err!(
            "warning: serving on {}: anyone on your network can read the preview, drafts included",
            options.interface
        );
    }
    Ok((listener, address))
}

/// Waits for batches of file events and rebuilds after each, until told to stop.
fn rebuild_loop(
    mut site: Engine,
    mut watcher: Watcher,
    rx: &Receiver<Msg>,
    mut publisher: Publisher,
    search: &Sender<IndexJob>,
) {
    let mut ignored = ignored_dirs(&site);
    while let Some(batch) = watcher.next_batch(rx, &ignored) {
        for area in &batch.rewatch {
            watcher.rewatch(area);
        }
        if let Some(result) = supervised(&mut site, |site| site.apply(&batch.touched)) {
            let good = result.is_ok();
            publisher.publish(result, Some(batch.first_event));
            ignored = ignored_dirs(&site);
            if good {
                send_search_job(&site, search);
            }
        }
    }
}

/// Asks for the index of the last good build (after its pages are published and reloaded).
fn send_search_job(site: &Engine, search: &Sender<IndexJob>) {
    if let Some(job) = site.index_job() {
        let _ = search.send(job);
    }
}

/// Rebuilds the search index on a thread of its own, so that no reload waits for it, and
/// serves it. Jobs that arrive while one runs are skipped for the newest: the index served
/// is never more than one rebuild behind.
fn index_in_background(shared: Arc<Shared>) -> Sender<IndexJob> {
    let (tx, rx) = mpsc::channel::<IndexJob>();
    let indexer = move || {
        while let Ok(mut job) = rx.recv() {
            while let Ok(newer) = rx.try_recv() {
                job = newer;
            }
            let files = match job.run() {
                Ok(files) => files,
                Err(d) => {
                    say_err!("{d}");
                    continue;
                }
            };
            shared.publish(|p| {
                p.files.retain(|path, _| !IndexJob::owns(path));
                p.files.extend(files);
            });
        }
    };
    if let Err(e) = std::thread::Builder::new()
        .name("lede-search".into())
        .spawn(indexer)
    {
        say_err!("warning: cannot start the search indexer ({e}); search is off in this preview");
    }
    tx
}

/// Runs one rebuild, catching a panic (a bug in lede: there should be none) so the preview
/// keeps running: the panic is shown as an error in the terminal and the browser, and the
/// next save rebuilds everything from the files.
fn supervised<T>(
    site: &mut Engine,
    rebuild: impl FnOnce(&mut Engine) -> Option<Result<T, Vec<Diagnostic>>>,
) -> Option<Result<T, Vec<Diagnostic>>> {
    let caught = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| rebuild(&mut *site)));
    caught.unwrap_or_else(|panic| {
        let why = panic
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| panic.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "unknown cause".into());
        site.forget();
        Some(Err(vec![
            Diagnostic::error("", format!("lede crashed while rebuilding: {why}")).with_help(
                "this is a bug in lede, please report it; save a file to rebuild everything",
            ),
        ]))
    })
}

/// The output folder and its staging folder: serve never writes there, and ignores them.
fn ignored_dirs(site: &Engine) -> Vec<PathBuf> {
    site.output_dirs()
}

/// Shows each rebuild: in the terminal, to the server, and to the open pages.
struct Publisher {
    shared: Arc<Shared>,
    /// The last build failed.
    failing: bool,
}

impl Publisher {
    fn publish(&mut self, result: Result<Delta, Vec<Diagnostic>>, first_event: Option<SystemTime>) {
        let instance = self.shared.instance.clone();
        let mut build = 0;
        let message = match &result {
            Ok(rebuilt) => {
                let timing = first_event.map(|at| Timing {
                    event_unix_ms: unix_ms(at),
                    sent_unix_ms: unix_ms(SystemTime::now()),
                    build_ms: rebuilt.elapsed.as_secs_f64() * 1000.0,
                });
                self.shared.publish(|p: &mut Published| {
                    p.build += 1;
                    build = p.build;
                    for (path, bytes) in &rebuilt.changed {
                        p.files.insert(path.clone(), bytes.clone());
                    }
                    for path in &rebuilt.removed {
                        p.files.remove(path);
                    }
                    p.errors.clear();
                    p.last_timing = timing;
                });
                Message {
                    timing,
                    ..Message::built(&instance, build, rebuilt)
                }
            }
            Err(diagnostics) => {
                let errors: Vec<ErrorInfo> = diagnostics.iter().map(ErrorInfo::from).collect();
                self.shared.publish(|p| {
                    p.build += 1;
                    build = p.build;
                    p.errors = errors.clone();
                    p.last_timing = None;
                });
                Message::failed(&instance, build, &errors)
            }
        };
        self.report(&result, build);
        // No page may be listening yet: that is fine.
        let _ = self.shared.events.send(Arc::from(message.to_json()));
    }

    /// One line per rebuild on stdout; problems on stderr, rustc-style.
    fn report(&mut self, result: &Result<Delta, Vec<Diagnostic>>, build: u64) {
        match result {
            Ok(rebuilt) => {
                for warning in &rebuilt.warnings {
                    say_err!("{warning}");
                }
                let ms = rebuilt.elapsed.as_secs_f64() * 1000.0;
                let fixed = if self.failing { " (fixed)" } else { "" };
                if build == 1 {
                    say!(
                        "Built {} pages, {} terms in {ms:.0} ms",
                        rebuilt.pages,
                        rebuilt.terms
                    );
                } else if rebuilt.rendered == 0 && !rebuilt.statics.is_empty() {
                    say!("{} changed: {}{fixed}", clock(), rebuilt.statics.join(", "));
                } else if rebuilt.rendered == 0 && self.failing {
                    // A fix that restores what was last built (a template put right).
                    say!(
                        "{} fixed: the site builds again, no page differs from the last good build",
                        clock()
                    );
                } else if rebuilt.rendered == 0 {
                    say!("{} rebuilt: no page changed", clock());
                } else {
                    let what = if rebuilt.full {
                        "everything"
                    } else {
                        "incrementally"
                    };
                    say!(
                        "{} rebuilt {what} in {ms:.1} ms: {} rendered, {} changed{fixed}",
                        clock(),
                        rebuilt.rendered,
                        rebuilt.changed.len() + rebuilt.removed.len()
                    );
                }
                self.failing = false;
            }
            Err(diagnostics) => {
                for d in diagnostics {
                    say_err!("{d}");
                }
                let errors = diagnostics.iter().filter(|d| d.is_error()).count();
                let plural = if errors == 1 { "error" } else { "errors" };
                if build == 1 {
                    say_err!(
                        "error: the site does not build ({errors} {plural}); fix it and the preview appears"
                    );
                } else {
                    say_err!(
                        "{} error: rebuild failed with {errors} {plural}; still serving the last good build",
                        clock()
                    );
                }
                self.failing = true;
            }
        }
    }
}

/// Listens on `port`, or the next free one (and says so); port 0 lets the system choose.
fn bind(interface: IpAddr, port: u16) -> Result<TcpListener, Vec<Diagnostic>> {
    let tries = if port == 0 { 1 } else { PORT_TRIES };
    let mut last = port;
    for offset in 0..tries {
        let Some(candidate) = port.checked_add(offset) else {
            break;
        };
        last = candidate;
        match TcpListener::bind((interface, candidate)) {
            Ok(listener) => {
                if candidate != port {
                    say!("Port {port} is in use; using {candidate} instead");
                }
                return Ok(listener);
            }
            Err(e) if e.kind() == std::io::ErrorKind::AddrInUse => continue,
            Err(e) => {
                return Err(vec![
                    Diagnostic::error("", format!("cannot listen on {interface}:{candidate}: {e}"))
                        .with_help("choose another address with --interface or port with --port"),
                ]);
            }
        }
    }
    Err(vec![
        Diagnostic::error("", format!("ports {port} to {last} are all in use"))
            .with_help("choose another port with --port N (0 lets the system choose)"),
    ])
}

/// The address as it goes into a URL: loopback for "every interface", IPv6 in brackets.
fn shown_address(address: SocketAddr) -> String {
    let ip = match address.ip() {
        IpAddr::V4(ip) if ip.is_unspecified() => IpAddr::from([127, 0, 0, 1]),
        IpAddr::V6(ip) if ip.is_unspecified() => IpAddr::from(std::net::Ipv6Addr::LOCALHOST),
        ip => ip,
    };
    SocketAddr::new(ip, address.port()).to_string()
}

fn instance_id() -> String {
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or_default();
    format!("{:x}-{:x}", std::process::id(), nanos & 0xffff_ffff_ffff)
}

fn unix_ms(at: SystemTime) -> u64 {
    at.duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or_default()
}

/// `HH:MM:SS.mmm` (UTC), for the rebuild lines.
fn clock() -> String {
    let ms = unix_ms(SystemTime::now()) % 86_400_000;
    format!(
        "{:02}:{:02}:{:02}.{:03}",
        ms / 3_600_000,
        ms / 60_000 % 60,
        ms / 1000 % 60,
        ms % 1000
    )
}

/// Opens the URL in the default browser, if there is one (without waiting for it).
fn open_browser(url: &str) {
    if let Err(e) = open::that_detached(url) {
        say_err!("warning: cannot open a browser ({e}); open {url} yourself");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_panicking_rebuild_becomes_an_error_and_the_next_one_runs() {
        let mut site = Engine::new(Options::default());
        let result: Option<Result<(), _>> = supervised(&mut site, |_| panic!("boom"));
        let errors = result.expect("a result").expect_err("an error");
        assert!(errors[0].message.contains("crashed while rebuilding: boom"));
        let again: Option<Result<u8, Vec<Diagnostic>>> = supervised(&mut site, |_| Some(Ok(7)));
        assert_eq!(again.expect("a result").expect("ok"), 7);
    }
}
