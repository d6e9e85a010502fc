//! `lede init` round trip, and `check --external` against a local HTTP server.

use super::*;
use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use lede::check::{ExternalOptions, check_urls};

#[test]
fn init_then_build_then_check_is_clean() {
    let dir = tempfile::tempdir().unwrap();
    let site = dir.path().join("new");
    let run = lede_in(Path::new("."), &["init", site.to_str().unwrap()]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let check = lede_in(&site, &["check", "--format", "short"]);
    assert_eq!(
        (check.code, check.stdout.as_str()),
        (0, ""),
        "{}",
        check.stderr
    );
    let build = lede_in(&site, &["build"]);
    assert_eq!(build.code, 0, "{}", build.stderr);
    assert!(
        build.stdout.starts_with("Built 7 pages, 2 terms"),
        "{}",
        build.stdout
    );
    assert_internal_links_resolve(&site.join("public"), "/");
    let story = fs::read_to_string(site.join("public/story/index.html")).unwrap();
    assert!(
        story.contains("href=\"/glossary/envoy/\" id=\"mention-envoy-1\""),
        "terms are linked"
    );
    // One source, cited once: its note, and its page listing the story.
    assert!(
        story.contains("<li id=\"fn-wire\" class=\"source-note\">"),
        "{story}"
    );
    let source = fs::read_to_string(site.join("public/sources/wire/index.html")).unwrap();
    assert!(source.contains("href=\"/story/#fnref-wire\""), "{source}");
    // A second init into the same (now non-empty) folder is refused and changes nothing.
    let before = tree(&site);
    let again = lede_in(Path::new("."), &["init", site.to_str().unwrap()]);
    assert_eq!(again.code, 1);
    assert!(again.stderr.contains("it is not empty"), "{}", again.stderr);
    assert_eq!(tree(&site), before);
}

/// A tiny HTTP server on loopback: `/ok` 200, `/missing` 404, `/moved` 301 to `/ok`,
/// `/slow` answers after 3 s, `/busy` answers 429 once and then 200. Counts requests.
fn server() -> (String, Arc<AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let hits = Arc::new(AtomicUsize::new(0));
    let busy_seen = Arc::new(AtomicUsize::new(0));
    let counter = hits.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let (counter, busy_seen) = (counter.clone(), busy_seen.clone());
            std::thread::spawn(move || {
                let mut reader = BufReader::new(stream.try_clone().unwrap());
                let mut request = String::new();
                reader.read_line(&mut request).unwrap();
                loop {
                    let mut header = String::new();
                    if reader.read_line(&mut header).unwrap_or(0) == 0 || header == "\r\n" {
                        break;
                    }
                }
                counter.fetch_add(1, Ordering::SeqCst);
                let path = request.split_whitespace().nth(1).unwrap_or("/");
                let (status, extra) = match path {
                    "/ok" => ("200 OK", ""),
                    "/moved" => ("301 Moved Permanently", "Location: /ok\r\n"),
                    "/slow" => {
                        std::thread::sleep(Duration::from_secs(3));
                        ("200 OK", "")
                    }
                    "/busy" if busy_seen.fetch_add(1, Ordering::SeqCst) == 0 => {
                        ("429 Too Many Requests", "Retry-After: 0\r\n")
                    }
                    "/busy" => ("200 OK", ""),
                    _ => ("404 Not Found", ""),
                };
                let mut stream = stream;
                let _ = write!(
                    stream,
                    "HTTP/1.1 {status}\r\n{extra}Content-Length: 0\r\nConnection: close\r\n\r\n"
                );
            });
        }
    });
    (base, hits)
}

#[test]
fn external_links_ok_missing_redirect_slow_and_retried() {
    let (base, _) = server();
    let urls: Vec<String> = ["/ok", "/missing", "/moved", "/slow", "/busy"]
        .iter()
        .map(|p| format!("{base}{p}"))
        .collect();
    let refs: Vec<&str> = urls.iter().map(String::as_str).collect();
    let options = ExternalOptions {
        concurrency: 2,
        timeout: Duration::from_millis(800),
        retries: 2,
    };
    let results = check_urls(&refs, &options);
    assert_eq!(results[0], Ok(()));
    assert_eq!(results[1], Err("HTTP 404".to_string()));
    assert_eq!(results[2], Ok(()), "redirects are followed");
    assert!(
        results[3].as_ref().is_err_and(
            |e| e.to_lowercase().contains("timeout") || e.to_lowercase().contains("timed out")
        ),
        "{:?}",
        results[3]
    );
    assert_eq!(results[4], Ok(()), "429 is retried");
}

#[test]
fn check_external_reports_each_place_and_checks_each_url_once() {
    let (base, hits) = server();
    let site = TestSite::fixture("basic");
    site.write("content/a.md", format!("+++\ntitle = \"A\"\ndescription = \"d\"\n+++\n[bad]({base}/missing) and [good]({base}/ok)\n"));
    site.write(
        "content/b.md",
        format!("+++\ntitle = \"B\"\ndescription = \"d\"\n+++\n[again]({base}/missing)\n"),
    );
    let run = site.lede(&["check", "--external", "--format", "short"]);
    assert_eq!(run.code, 1, "{}{}", run.stdout, run.stderr);
    let errors: Vec<&str> = run
        .stdout
        .lines()
        .filter(|l| l.contains("error:"))
        .collect();
    assert_eq!(errors.len(), 2, "{errors:#?}");
    assert!(
        errors[0].starts_with(&format!(
            "content/a.md:5:1: error: external link {base}/missing: HTTP 404"
        )),
        "{errors:#?}"
    );
    assert!(
        errors[1].starts_with("content/b.md:5:1: error: external link"),
        "{errors:#?}"
    );
    // HEAD for each distinct URL once: /missing and /ok.
    assert_eq!(hits.load(Ordering::SeqCst), 2);
    // Without --external, nothing is fetched.
    let run = site.lede(&["check", "--format", "short"]);
    assert_eq!(run.code, 0, "{}", run.stdout);
    assert_eq!(hits.load(Ordering::SeqCst), 2);
}

/// Issue 15: `check --external` also requests every source's `url` and `archive_url`; a
/// source whose address is gone is reported at its `url` line, naming its archived copy.
#[test]
fn check_external_requests_source_addresses() {
    let (base, hits) = server();
    let site = TestSite::fixture("sources");
    site.write(
        "content/sources/wire.md",
        format!(
            "+++\ntitle = \"Envoys meet Putin\"\npublisher = \"Wire\"\nurl = \"{base}/gone\"\narchive_url = \"{base}/ok\"\n+++\n"
        ),
    );
    site.write(
        "content/sources/paper.md",
        format!("+++\ntitle = \"Paper\"\nurl = \"{base}/missing\"\n+++\n"),
    );
    let run = site.lede(&["check", "--external", "--format", "short"]);
    assert_eq!(run.code, 1, "{}{}", run.stdout, run.stderr);
    let errors: Vec<&str> = run
        .stdout
        .lines()
        .filter(|l| l.contains("error:"))
        .collect();
    assert_eq!(errors.len(), 2, "{errors:#?}");
    assert!(
        errors.contains(
            &format!(
                "content/sources/paper.md:3:1: error: source `paper`: url {base}/missing: HTTP 404 \
             (the source is gone: add `archive_url` with an archived copy)"
            )
            .as_str()
        ),
        "{errors:#?}"
    );
    assert!(
        errors.contains(
            &format!(
                "content/sources/wire.md:4:1: error: source `wire`: url {base}/gone: HTTP 404 \
             (the source is gone from its address; its archived copy is {base}/ok)"
            )
            .as_str()
        ),
        "{errors:#?}"
    );
    // /gone, /ok (the archive) and /missing, each once.
    assert_eq!(hits.load(Ordering::SeqCst), 3);
}
