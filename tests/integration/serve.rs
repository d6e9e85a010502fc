//! `lede serve` (issue 5): the real binary on a free loopback port, with its real watcher,
//! on a temporary copy of a fixture. Saves in every editor style show over HTTP within 2 s
//! and cost one rebuild; broken saves keep the last good page; nothing leaks outside the
//! served root; foreign hosts and origins are refused; the output folder is never written.
//! Rebuilds are counted with `/__lede/status`. Requests go over raw TCP: clients would
//! normalise the hostile paths.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use super::*;

/// The upper bound for a save to show.
const SHOWS_WITHIN: Duration = Duration::from_secs(2);

/// A running `lede serve`; killed when dropped.
struct Server {
    child: Child,
    port: u16,
    stdout: Arc<Mutex<String>>,
    stderr: Arc<Mutex<String>>,
}

impl Server {
    fn start(site: &TestSite, args: &[&str]) -> Server {
        Server::start_with(site, args, &[])
    }

    fn start_with(site: &TestSite, args: &[&str], env: &[(&str, &str)]) -> Server {
        let mut child = Command::new(env!("CARGO_BIN_EXE_lede"))
            .arg("--root")
            .arg(site.root())
            .arg("serve")
            .args(if args.contains(&"--port") {
                &[][..]
            } else {
                &["--port", "0"][..]
            })
            .args(args)
            .envs(env.iter().copied())
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start lede serve");
        let stdout = collect(child.stdout.take().expect("stdout"));
        let stderr = collect(child.stderr.take().expect("stderr"));
        let deadline = Instant::now() + Duration::from_secs(30);
        let port = loop {
            let out = stdout.lock().unwrap().clone();
            if let Some(port) = served_port(&out) {
                break port;
            }
            if Instant::now() > deadline || child.try_wait().ok().flatten().is_some() {
                let _ = child.kill();
                panic!(
                    "lede serve did not start:\n{out}\n{}",
                    stderr.lock().unwrap()
                );
            }
            thread::sleep(Duration::from_millis(20));
        };
        Server {
            child,
            port,
            stdout,
            stderr,
        }
    }

    fn get(&self, target: &str) -> Reply {
        self.request(target, &[])
    }

    /// A raw HTTP/1.1 request with this server's Host unless `headers` names another.
    fn request(&self, target: &str, headers: &[(&str, &str)]) -> Reply {
        let host = format!("127.0.0.1:{}", self.port);
        let mut head = format!("GET {target} HTTP/1.1\r\nConnection: close\r\n");
        if !headers.iter().any(|(k, _)| k.eq_ignore_ascii_case("host")) {
            head.push_str(&format!("Host: {host}\r\n"));
        }
        for (k, v) in headers {
            head.push_str(&format!("{k}: {v}\r\n"));
        }
        head.push_str("\r\n");
        self.raw(head.as_bytes())
    }

    /// Sends bytes as they are and reads the reply to the end.
    fn raw(&self, bytes: &[u8]) -> Reply {
        let mut stream = TcpStream::connect(("127.0.0.1", self.port)).expect("connect");
        stream
            .set_read_timeout(Some(Duration::from_secs(10)))
            .unwrap();
        stream.write_all(bytes).expect("send");
        let mut reply = Vec::new();
        let _ = stream.read_to_end(&mut reply);
        Reply::parse(&reply)
    }

    fn status(&self) -> serde_json::Value {
        let reply = self.get("/__lede/status");
        assert_eq!(reply.status, 200, "status: {}", reply.body);
        serde_json::from_str(&reply.body).expect("status JSON")
    }

    fn builds(&self) -> u64 {
        self.status()["build"].as_u64().expect("build number")
    }

    /// Waits (up to `SHOWS_WITHIN`) until `path` answers with `status` and contains `text`.
    fn wait_for(&self, path: &str, status: u16, text: &str) {
        let deadline = Instant::now() + SHOWS_WITHIN;
        loop {
            let reply = self.get(path);
            if reply.status == status && reply.body.contains(text) {
                return;
            }
            if Instant::now() > deadline {
                panic!(
                    "{path} did not show {text:?} (status {status}) within {SHOWS_WITHIN:?}; \
                     last: {} {}\n--- stdout\n{}\n--- stderr\n{}",
                    reply.status,
                    reply.body,
                    self.stdout.lock().unwrap(),
                    self.stderr.lock().unwrap()
                );
            }
            thread::sleep(Duration::from_millis(25));
        }
    }

    /// The build number once no rebuild has happened for a while (one batch of a save must
    /// not be followed by a second).
    fn settled_builds(&self) -> u64 {
        let mut last = self.builds();
        loop {
            thread::sleep(Duration::from_millis(400));
            let now = self.builds();
            if now == last {
                return now;
            }
            last = now;
        }
    }

    fn stderr(&self) -> String {
        self.stderr.lock().unwrap().clone()
    }

    /// Waits (up to `SHOWS_WITHIN`) until stderr contains `text`; returns all of it.
    fn stderr_with(&self, text: &str) -> String {
        let deadline = Instant::now() + SHOWS_WITHIN;
        loop {
            let stderr = self.stderr();
            if stderr.contains(text) {
                return stderr;
            }
            assert!(
                Instant::now() < deadline,
                "stderr has no {text:?}:\n{stderr}"
            );
            thread::sleep(Duration::from_millis(20));
        }
    }

    fn stdout(&self) -> String {
        self.stdout.lock().unwrap().clone()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Reads a pipe into a string on a thread (so the pipe never fills).
fn collect(pipe: impl Read + Send + 'static) -> Arc<Mutex<String>> {
    let text = Arc::new(Mutex::new(String::new()));
    let sink = text.clone();
    thread::spawn(move || {
        for line in BufReader::new(pipe).lines().map_while(Result::ok) {
            let mut s = sink.lock().unwrap();
            s.push_str(&line);
            s.push('\n');
        }
    });
    text
}

fn served_port(stdout: &str) -> Option<u16> {
    let rest = stdout.split("Serving at http://127.0.0.1:").nth(1)?;
    rest.split('/').next()?.parse().ok()
}

struct Reply {
    status: u16,
    head: String,
    body: String,
}

impl Reply {
    fn parse(bytes: &[u8]) -> Reply {
        let text = String::from_utf8_lossy(bytes).into_owned();
        let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
        let status = head
            .split(' ')
            .nth(1)
            .and_then(|s| s.parse().ok())
            .unwrap_or(0);
        Reply {
            status,
            head: head.to_ascii_lowercase(),
            body: body.to_string(),
        }
    }

    fn header(&self, name: &str) -> Option<&str> {
        let wanted = format!("{name}:");
        self.head
            .lines()
            .find(|l| l.starts_with(&wanted))
            .map(|l| l[wanted.len()..].trim())
    }
}

fn rename(site: &TestSite, from: &str, to: &str) {
    fs::rename(site.path(from), site.path(to)).unwrap();
}

/// Every way editors save a file: the new text must show, with one rebuild per save.
#[test]
fn every_save_style_shows_within_two_seconds_with_one_rebuild() {
    let site = TestSite::fixture("basic");
    site.write(
        "content/gone.md",
        "+++\ntitle = \"Gone soon\"\n+++\nTo be deleted.\n",
    );
    let server = Server::start(&site, &[]);
    server.wait_for("/gone/", 200, "To be deleted.");
    let page = site.read("content/a.md");
    type Save<'a> = Box<dyn Fn(&str) + 'a>;
    let saves: Vec<(&str, Save)> = vec![
        (
            "in-place write",
            Box::new(|text| site.write("content/a.md", text)),
        ),
        (
            "write a temporary file, rename it over (VS Code, atomic savers)",
            Box::new(|text| {
                site.write("content/.a.md.tmp-123", text);
                rename(&site, "content/.a.md.tmp-123", "content/a.md");
            }),
        ),
        (
            "rename to a backup, write anew, delete the backup (vim)",
            Box::new(|text| {
                rename(&site, "content/a.md", "content/a.md~");
                site.write("content/4913", "");
                site.remove("content/4913");
                site.write("content/a.md", text);
                site.remove("content/a.md~");
            }),
        ),
        (
            "JetBrains safe write",
            Box::new(|text| {
                site.write("content/a.md___jb_tmp___", text);
                rename(&site, "content/a.md", "content/a.md___jb_old___");
                rename(&site, "content/a.md___jb_tmp___", "content/a.md");
                site.remove("content/a.md___jb_old___");
            }),
        ),
    ];
    for (i, (style, save)) in saves.iter().enumerate() {
        let before = server.settled_builds();
        let marker = format!("Saved by style {i}");
        save(&page.replace("Intro about", &marker));
        server.wait_for("/a/", 200, &marker);
        assert_eq!(server.settled_builds(), before + 1, "{style}: one rebuild");
    }

    // Deleting a page: it is gone.
    let before = server.settled_builds();
    site.remove("content/gone.md");
    server.wait_for("/gone/", 404, "Not found");
    assert_eq!(
        server.settled_builds(),
        before + 1,
        "a deletion: one rebuild"
    );

    // A new folder with a file written right after `mkdir -p`.
    let before = server.settled_builds();
    fs::create_dir_all(site.path("content/new/deeper")).unwrap();
    site.write(
        "content/new/deeper/fresh.md",
        "+++\ntitle = \"Fresh\"\n+++\nWritten right after mkdir.\n",
    );
    server.wait_for("/new/deeper/fresh/", 200, "Written right after mkdir.");
    assert_eq!(
        server.settled_builds(),
        before + 1,
        "mkdir -p and a file: one rebuild"
    );

    // A renamed folder: the old URLs go, the new ones come.
    rename(&site, "content/new", "content/renamed");
    server.wait_for("/renamed/deeper/fresh/", 200, "Written right after mkdir.");
    server.wait_for("/new/deeper/fresh/", 404, "Not found");

    assert!(
        !site.path("public").exists(),
        "serve never writes the output folder"
    );
    assert!(!site.path(".public.lede-staging").exists());
    assert!(!server.stderr().contains("panicked"), "{}", server.stderr());
}

#[test]
fn polling_fallback_sees_saves_too() {
    let site = TestSite::fixture("basic");
    let server = Server::start_with(&site, &[], &[("LEDE_WATCH", "poll")]);
    assert!(
        server.stdout().contains("Polling for changes"),
        "{}",
        server.stdout()
    );
    let page = site.read("content/a.md");
    site.write(
        "content/a.md",
        page.replace("Intro about", "Polled intro about"),
    );
    server.wait_for("/a/", 200, "Polled intro about");
    fs::create_dir_all(site.path("content/polled")).unwrap();
    site.write(
        "content/polled/p.md",
        "+++\ntitle = \"P\"\n+++\nFound by polling.\n",
    );
    server.wait_for("/polled/p/", 200, "Found by polling.");
}

#[test]
fn templates_static_files_and_site_toml_are_watched() {
    let site = TestSite::fixture("basic");
    let server = Server::start(&site, &[]);
    site.write(
        "templates/page.html",
        site.read("templates/page.html")
            .replace("<h1>", "<h1 class=\"edited\">"),
    );
    server.wait_for("/a/", 200, "<h1 class=\"edited\">");
    site.write("static/style.css", "body { color: rebeccapurple; }\n");
    server.wait_for("/style.css", 200, "rebeccapurple");
    site.write(
        "static/img/new.svg",
        "<svg xmlns=\"http://www.w3.org/2000/svg\"/>",
    );
    server.wait_for("/img/new.svg", 200, "<svg");
    // site.toml replaced by a rename, twice: it is still watched.
    for title in ["Renamed title one", "Renamed title two"] {
        let toml = fs::read_to_string(site.path("site.toml")).unwrap();
        let new = toml
            .replace("Basic fixture", title)
            .replace("Renamed title one", title);
        site.write("site.toml.tmp", new);
        rename(&site, "site.toml.tmp", "site.toml");
        server.wait_for("/", 200, title);
    }
}

#[test]
fn a_broken_save_keeps_the_last_good_page_and_reports_the_error() {
    let site = TestSite::fixture("basic");
    let server = Server::start(&site, &[]);
    let page = site.read("content/a.md");
    let mut events = Events::open(&server);
    let hello = events.next();
    assert_eq!(hello["kind"], "hello");

    site.write(
        "content/a.md",
        page.replace("[C](sub/c.md)", "[C](sub/missing.md)"),
    );
    let message = events.next();
    let errors = message["errors"].as_array().expect("errors");
    assert_eq!(errors.len(), 1, "{message}");
    assert!(
        errors[0]["location"]
            .as_str()
            .unwrap()
            .starts_with("content/a.md:11:"),
        "{message}"
    );
    assert!(
        errors[0]["message"]
            .as_str()
            .unwrap()
            .contains("sub/missing.md")
    );
    let status = server.status();
    assert_eq!(status["ok"], false);
    let old = server.get("/a/");
    assert_eq!(old.status, 200);
    assert!(
        old.body.contains("Intro about"),
        "the last good page is still served"
    );
    server.stderr_with("content/a.md:11:");
    server.stderr_with("still serving the last good build");

    // The next good save clears the error and reloads the page.
    site.write(
        "content/a.md",
        page.replace("Intro about", "Fixed intro about"),
    );
    let message = events.next();
    assert_eq!(
        message["errors"].as_array().map(Vec::len),
        Some(0),
        "{message}"
    );
    let pages: Vec<&str> = message["pages"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|p| p.as_str())
        .collect();
    assert!(pages.contains(&"/a/"), "{message}");
    assert!(message["timing"]["build_ms"].is_number(), "{message}");
    server.wait_for("/a/", 200, "Fixed intro about");
    assert_eq!(server.status()["ok"], true);

    // A CSS save swaps stylesheets: no page is listed.
    site.write("static/style.css", "body { color: teal; }\n");
    let message = events.next();
    assert_eq!(message["css"][0], "/style.css", "{message}");
    assert_eq!(message["pages"].as_array().map(Vec::len), Some(0));
    assert_eq!(message["all"], false);
}

#[test]
fn a_broken_template_or_site_toml_keeps_serving() {
    let site = TestSite::fixture("basic");
    let server = Server::start(&site, &[]);
    let base = site.read("templates/base.html");
    site.write("templates/base.html", format!("{base}{{% if %}}"));
    let deadline = Instant::now() + SHOWS_WITHIN;
    while server.status()["ok"] == true {
        assert!(
            Instant::now() < deadline,
            "the broken template was not reported"
        );
        thread::sleep(Duration::from_millis(25));
    }
    assert!(server.get("/a/").body.contains("Intro about"));
    site.write("templates/base.html", &base);
    site.write("site.toml", "title = \"T\"\nbogus = 1\n");
    thread::sleep(Duration::from_millis(300));
    let status = server.status();
    assert_eq!(status["ok"], false, "{status}");
    assert!(
        status["errors"][0]["location"]
            .as_str()
            .unwrap()
            .starts_with("site.toml")
    );
    assert_eq!(server.get("/a/").status, 200);
}

#[test]
fn a_burst_of_saves_gives_one_or_two_rebuilds() {
    let site = TestSite::fixture("basic");
    let server = Server::start(&site, &[]);
    let before = server.settled_builds();
    // Like a `git checkout`: many files in a new folder and edits to existing ones.
    fs::create_dir_all(site.path("content/burst")).unwrap();
    for i in 0..300 {
        site.write(
            &format!("content/burst/p{i}.md"),
            format!("+++\ntitle = \"Burst {i}\"\n+++\nPage {i} of the burst.\n"),
        );
    }
    let page = site.read("content/b.md");
    site.write(
        "content/b.md",
        page.replace("Back to", "Last of the burst, back to"),
    );
    server.wait_for("/burst/p299/", 200, "Page 299 of the burst.");
    server.wait_for("/b/", 200, "Last of the burst");
    let rebuilds = server.settled_builds() - before;
    assert!(
        (1..=2).contains(&rebuilds),
        "{rebuilds} rebuilds for one burst"
    );
}

/// A live-reload event stream, read over raw TCP.
struct Events {
    reader: BufReader<TcpStream>,
}

impl Events {
    fn open(server: &Server) -> Events {
        let mut stream = TcpStream::connect(("127.0.0.1", server.port)).unwrap();
        stream
            .set_read_timeout(Some(Duration::from_secs(10)))
            .unwrap();
        write!(
            stream,
            "GET /__lede/events HTTP/1.1\r\nHost: localhost:{}\r\nOrigin: http://localhost:{}\r\n\r\n",
            server.port, server.port
        )
        .unwrap();
        let mut reader = BufReader::new(stream);
        let mut head = String::new();
        loop {
            let mut line = String::new();
            reader.read_line(&mut line).unwrap();
            if line == "\r\n" || line.is_empty() {
                break;
            }
            head.push_str(&line.to_ascii_lowercase());
        }
        assert!(head.starts_with("http/1.1 200"), "{head}");
        assert!(head.contains("content-type: text/event-stream"), "{head}");
        assert!(!head.contains("access-control-allow-origin"), "{head}");
        Events { reader }
    }

    /// The next message's JSON (chunk sizes and keep-alive comments are skipped).
    fn next(&mut self) -> serde_json::Value {
        loop {
            let mut line = String::new();
            let n = self
                .reader
                .read_line(&mut line)
                .expect("an event within 10 s");
            assert!(n > 0, "the event stream ended");
            if let Some(data) = line.trim_end().strip_prefix("data: ") {
                return serde_json::from_str(data).expect("event JSON");
            }
        }
    }
}

#[test]
fn pages_static_files_404_and_content_types() {
    let site = TestSite::fixture("basic");
    let server = Server::start(&site, &[]);
    let home = server.get("/");
    assert_eq!(home.status, 200);
    assert_eq!(
        home.header("content-type"),
        Some("text/html; charset=utf-8")
    );
    assert!(
        home.body.contains("<script src=\"/__lede/reload.js\""),
        "the reload script is injected"
    );
    assert!(
        home.body.contains("http://127.0.0.1:"),
        "base_url is the served address"
    );
    let css = server.get("/style.css");
    assert_eq!(css.status, 200);
    assert_eq!(css.header("content-type"), Some("text/css; charset=utf-8"));
    assert_eq!(css.body, site.read("static/style.css"));
    let script = server.get("/__lede/reload.js");
    assert_eq!(
        script.header("content-type"),
        Some("text/javascript; charset=utf-8")
    );
    assert!(script.body.contains("EventSource"));
    let folder = server.get("/sub");
    assert_eq!(folder.status, 308);
    assert_eq!(folder.header("location"), Some("/sub/"));
    assert_eq!(server.get("/sub/index.html").status, 200);
    let missing = server.get("/no/such/page/");
    assert_eq!(missing.status, 404);
    assert!(missing.body.contains("Not found"), "the site's 404 page");
    let head = server.raw(
        format!(
            "HEAD /a/ HTTP/1.1\r\nHost: 127.0.0.1:{}\r\nConnection: close\r\n\r\n",
            server.port
        )
        .as_bytes(),
    );
    assert_eq!(head.status, 200);
    assert!(head.body.is_empty());
    let post = server.raw(
        format!(
            "POST /a/ HTTP/1.1\r\nHost: 127.0.0.1:{}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
            server.port
        )
        .as_bytes(),
    );
    assert_eq!(post.status, 405);
    for reply in [home, css, script] {
        assert_eq!(reply.header("access-control-allow-origin"), None);
        assert_eq!(reply.header("cache-control"), Some("no-store"));
    }
}

#[test]
fn hostile_paths_never_leak_and_the_server_keeps_answering() {
    let site = TestSite::fixture("basic");
    let outside = tempfile::tempdir().unwrap();
    let secret = "SENTINEL-3f9a1c-do-not-serve";
    fs::write(outside.path().join("secret.txt"), secret).unwrap();
    // In the site root but outside static/ and the rendered pages.
    site.write("x", secret);
    let server = Server::start(&site, &[]);
    // Links out of static/ make the build fail (issue 13); made while serving, the server
    // keeps the last good site, and its own file guard must still refuse them.
    #[cfg(unix)]
    {
        std::os::unix::fs::symlink(
            outside.path().join("secret.txt"),
            site.path("static/leak.txt"),
        )
        .unwrap();
        std::os::unix::fs::symlink(outside.path(), site.path("static/leakdir")).unwrap();
        server.wait_for("/__lede/status", 200, "symlink points outside");
    }
    let long = format!("/{}", "a".repeat(10 * 1024));
    let targets = [
        "/../x",
        "/%2e%2e/x",
        "/..%2fx",
        "/%2e%2e%5cx",
        "/..\\x",
        "/%2E%2E/%2E%2E/x",
        "/static/../../x",
        "/./x",
        "//etc/passwd",
        "/%2fetc%2fpasswd",
        "/leak.txt",
        "/leakdir/secret.txt",
        "/leakdir/",
        "/%00",
        "/%ff%fe",
        "/C:/x",
        "*",
        "http://127.0.0.1/../x",
        long.as_str(),
    ];
    for target in targets {
        let reply = server.get(target);
        assert!(!reply.body.contains(secret), "{target} leaked the sentinel");
        assert!(
            !reply.body.contains("root:x:"),
            "{target} leaked /etc/passwd"
        );
        assert!(reply.status >= 300, "{target}: {}", reply.status);
    }
    // Malformed requests: the server answers or closes, and keeps serving.
    for garbage in [
        &b"GARBAGE\r\n\r\n"[..],
        b"GET\r\n\r\n",
        b"GET /a/ HTTP/9.9\r\n\r\n",
        b"GET /\xff\xfe HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n",
        b"\x00\x01\x02\x03",
    ] {
        let reply = server.raw(garbage);
        assert!(!reply.body.contains(secret));
    }
    assert_eq!(server.get("/a/").status, 200, "still answering");
    assert!(!server.stderr().contains("panicked"), "{}", server.stderr());
}

#[test]
fn foreign_hosts_and_origins_are_refused() {
    let site = TestSite::fixture("basic");
    let server = Server::start(&site, &[]);
    let port = server.port.to_string();
    let own = format!("localhost:{port}");
    assert_eq!(server.request("/", &[("Host", &own)]).status, 200);
    for host in [
        format!("evil.example:{port}"),
        format!("127.0.0.1.nip.io:{port}"),
        "localhost:1".to_string(),
        String::new(),
    ] {
        let reply = server.request("/", &[("Host", &host)]);
        assert_eq!(reply.status, 403, "Host {host:?}: {}", reply.status);
        assert!(!reply.body.contains("<html"));
    }
    for origin in [
        "http://evil.example".to_string(),
        format!("http://evil.example:{port}"),
        "http://localhost:3000".to_string(),
        "null".to_string(),
    ] {
        for path in ["/__lede/events", "/a/", "/__lede/status"] {
            let reply = server.request(path, &[("Origin", &origin)]);
            assert_eq!(reply.status, 403, "Origin {origin} on {path}");
            assert_eq!(reply.header("access-control-allow-origin"), None);
        }
    }
    let cross = server.request("/a/", &[("Sec-Fetch-Site", "cross-site")]);
    assert_eq!(
        cross.status, 403,
        "another site's script may not read a page"
    );
    let link = server.request(
        "/a/",
        &[
            ("Sec-Fetch-Site", "cross-site"),
            ("Sec-Fetch-Mode", "navigate"),
        ],
    );
    assert_eq!(link.status, 200, "another site may link to a page");
}

#[test]
fn ctrl_c_frees_the_port_and_leaves_the_output_untouched() {
    let site = TestSite::fixture("basic");
    site.build_ok(&[]);
    let built = tree(&site.path("public"));
    let server = Server::start(&site, &[]);
    let page = site.read("content/a.md");
    site.write(
        "content/a.md",
        page.replace("Intro about", "Served intro about"),
    );
    server.wait_for("/a/", 200, "Served intro about");
    let mut server = server;
    let interrupted = Command::new("kill")
        .args(["-INT", &server.child.id().to_string()])
        .status()
        .expect("kill -INT");
    assert!(interrupted.success());
    let deadline = Instant::now() + Duration::from_secs(10);
    let status = loop {
        if let Some(status) = server.child.try_wait().unwrap() {
            break status;
        }
        assert!(Instant::now() < deadline, "serve did not stop on Ctrl-C");
        thread::sleep(Duration::from_millis(25));
    };
    assert!(status.success(), "exit status {status}");
    thread::sleep(Duration::from_millis(100));
    assert!(server.stdout().contains("Stopped."), "{}", server.stdout());
    TcpListener::bind(("127.0.0.1", server.port)).expect("the port is free again");
    assert!(tree(&site.path("public")) == built, "public/ is untouched");
}

#[test]
fn a_taken_port_moves_to_the_next_and_says_so() {
    let site = TestSite::fixture("basic");
    let taken = TcpListener::bind(("127.0.0.1", 0)).unwrap();
    let port = taken.local_addr().unwrap().port().to_string();
    let server = Server::start(&site, &["--port", &port]);
    assert_ne!(server.port.to_string(), port);
    assert!(
        server
            .stdout()
            .contains(&format!("Port {port} is in use; using ")),
        "{}",
        server.stdout()
    );
    assert_eq!(server.get("/").status, 200);
}

#[test]
fn a_site_that_does_not_build_yet_is_served_once_fixed() {
    let site = TestSite::fixture("basic");
    let page = site.read("content/a.md");
    site.write("content/a.md", page.replace("+++\ntitle", "+++\ntitel"));
    let server = Server::start(&site, &[]);
    server.stderr_with("content/a.md:2:");
    let reply = server.get("/a/");
    assert_eq!(reply.status, 404);
    assert!(
        reply.body.contains("/__lede/reload.js"),
        "the error overlay can show"
    );
    site.write("content/a.md", &page);
    server.wait_for("/a/", 200, "Intro about");
}

#[test]
fn a_non_loopback_interface_warns() {
    let site = TestSite::fixture("basic");
    let server = Server::start(&site, &["--interface", "0.0.0.0"]);
    server.stderr_with("warning: serving on 0.0.0.0");
    assert_eq!(server.get("/").status, 200);
}

#[test]
fn a_replaced_folder_is_watched_again() {
    let site = TestSite::fixture("basic");
    let server = Server::start(&site, &[]);
    // Like switching branches: the whole content/ folder goes and comes back.
    rename(&site, "content", "content.old");
    copy_tree(&site.path("content.old"), &site.path("content"));
    fs::remove_dir_all(site.path("content.old")).unwrap();
    server.wait_for("/a/", 200, "Intro about");
    let page = site.read("content/a.md");
    site.write(
        "content/a.md",
        page.replace("Intro about", "After the switch"),
    );
    server.wait_for("/a/", 200, "After the switch");
    let css = site.read("static/style.css");
    rename(&site, "static", "static.old");
    copy_tree(&site.path("static.old"), &site.path("static"));
    site.write("static/style.css", css.replace("black", "navy"));
    server.wait_for("/style.css", 200, "navy");
    site.write("static/style.css", css.replace("black", "olive"));
    server.wait_for("/style.css", 200, "olive");
}

#[test]
fn the_search_index_is_served_and_follows_edits() {
    let site = TestSite::fixture("basic");
    let server = Server::start(&site, &[]);
    // Built in the background after the first build: 8 pages.
    server.wait_for("/pagefind/pagefind-entry.json", 200, "\"page_count\":8");
    assert_eq!(server.get("/pagefind/pagefind.js").status, 200);
    let page = site.read("content/a.md");
    site.write(
        "content/a.md",
        page.replacen("weight = 2\n", "weight = 2\nsearch = false\n", 1),
    );
    server.wait_for("/pagefind/pagefind-entry.json", 200, "\"page_count\":7");
    let config = site.read("site.toml");
    site.write(
        "site.toml",
        format!("{config}\n[search]\nenabled = false\n"),
    );
    server.wait_for("/pagefind/pagefind-entry.json", 404, "");
    assert_eq!(server.get("/pagefind/pagefind.js").status, 404);
}

/// Issue 13: a client that connects and sends nothing, or sends half a request, is cut off
/// after the header timeout (5 s) instead of holding a connection for good; the server keeps
/// answering everyone else.
#[test]
fn idle_and_slow_clients_are_cut_off() {
    let site = TestSite::fixture("basic");
    let server = Server::start(&site, &[]);
    let half = format!("GET /a/ HTTP/1.1\r\nHost: 127.0.0.1:{}\r\n", server.port);
    let idle_after_reply = format!("{half}\r\n");
    let cases: [&[u8]; 3] = [b"", half.as_bytes(), idle_after_reply.as_bytes()];
    let waiting: Vec<_> = cases
        .iter()
        .map(|bytes| {
            let mut stream = TcpStream::connect(("127.0.0.1", server.port)).unwrap();
            stream
                .set_read_timeout(Some(Duration::from_secs(30)))
                .unwrap();
            stream.write_all(bytes).unwrap();
            thread::spawn(move || {
                let started = Instant::now();
                let mut sink = Vec::new();
                let closed = stream.read_to_end(&mut sink).is_ok();
                (closed, started.elapsed())
            })
        })
        .collect();
    assert_eq!(server.get("/a/").status, 200, "others are served meanwhile");
    for (case, handle) in waiting.into_iter().enumerate() {
        let (closed, after) = handle.join().unwrap();
        assert!(
            closed,
            "case {case}: the read timed out: the server kept the connection"
        );
        assert!(
            after < Duration::from_secs(20),
            "case {case}: closed after {after:?}"
        );
    }
    assert_eq!(server.get("/a/").status, 200);
}

/// Issue 13: deleting content/ while serving keeps the last good site and shows the error.
#[test]
fn a_deleted_content_folder_keeps_the_last_good_site() {
    let site = TestSite::fixture("basic");
    let server = Server::start(&site, &[]);
    server.wait_for("/a/", 200, "First page");
    fs::remove_dir_all(site.path("content")).unwrap();
    server.wait_for("/__lede/status", 200, "there is no content/ folder");
    let page = server.get("/a/");
    assert_eq!(page.status, 200);
    assert!(page.body.contains("First page"));
}

#[test]
fn embargoed_pages_show_in_the_preview_with_a_banner() {
    let site = TestSite::fixture_with_bundled_theme("living");
    let server = Server::start(&site, &[]);
    let page = server.get("/secret/");
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(page.body.contains("Secret Plan Zebra"));
    assert!(
        page.body.contains("class=\"embargo-banner")
            && page.body.contains("1 January 2030, 06:00 (UTC)"),
        "{}",
        page.body
    );
    // Published pages have no banner.
    let meeting = server.get("/meeting/");
    assert_eq!(meeting.status, 200);
    assert!(!meeting.body.contains("embargo-banner"));
}
