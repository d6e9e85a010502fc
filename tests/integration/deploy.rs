//! `lede deploy` (issue 21), to a `file://` folder (always) and to a real S3-protocol server,
//! `s3s-fs`, started on 127.0.0.1 by the tests in `s3`. Those need the server binary and are
//! `#[ignore]`d in a plain `cargo test` (reported as ignored, never as passed);
//! `.ci/deploy.sh` installs s3s-fs and runs them with `--ignored`, where a missing server
//! fails them.

use std::collections::BTreeSet;
use std::path::Path;
use std::process::Command;

use super::*;

/// The secret every deploy runs with: it must never show in any output.
const SECRET: &str = "lede-test-SECRET-7f3a9c";
const ACCESS_KEY: &str = "AKIDLEDETEST";
const MANIFEST: &str = ".lede-manifest.json";

/// The basic fixture with one `[[deploy]]` target named `production`.
fn site_deploying_to(url: &str) -> TestSite {
    let site = TestSite::fixture("basic");
    let config = site.read("site.toml");
    // Search off: its index chunks are named by their contents, so one page edit replaces
    // some of them, and these tests count the files an edit changes.
    site.write(
        "site.toml",
        format!(
            "{config}\n[[deploy]]\nname = \"production\"\nurl = \"{url}\"\n\n\
             [[deploy.headers]]\nglob = \"*.css\"\ncache_control = \"public, max-age=600\"\n\n\
             [search]\nenabled = false\n"
        ),
    );
    site
}

/// The basic fixture deploying to a new temporary folder (`file://`).
fn site_deploying_to_a_folder() -> (tempfile::TempDir, TestSite) {
    let target = tempfile::tempdir().unwrap();
    let site = site_deploying_to(&format!("file://{}", target.path().display()));
    (target, site)
}

/// Checks that `text` says each of `said`.
fn assert_says(text: &str, said: &[&str]) {
    for s in said {
        assert!(text.contains(s), "missing {s:?} in:\n{text}");
    }
}

/// Runs `lede deploy` with the test credentials; checks the secret never shows.
fn deploy(site: &TestSite, args: &[&str]) -> Run {
    deploy_with_secret(site, args, SECRET)
}

fn deploy_with_secret(site: &TestSite, args: &[&str], secret: &str) -> Run {
    let output = deploy_command(site, args, secret)
        .output()
        .expect("run lede deploy");
    finished(output, secret)
}

/// `lede deploy` with the test credentials (and no others from the environment).
fn deploy_command(site: &TestSite, args: &[&str], secret: &str) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_lede"));
    command
        .arg("--root")
        .arg(site.root())
        .arg("deploy")
        .args(args)
        .env("AWS_ACCESS_KEY_ID", ACCESS_KEY)
        .env("AWS_SECRET_ACCESS_KEY", secret)
        .env_remove("AWS_ENDPOINT_URL")
        .env_remove("AWS_SESSION_TOKEN");
    command
}

/// The run of a finished deploy; checks that `secret` shows nowhere in its output.
fn finished(output: std::process::Output, secret: &str) -> Run {
    let run = Run {
        code: output.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    };
    for text in [&run.stdout, &run.stderr] {
        assert!(!text.contains(secret), "the secret was printed:\n{text}");
        assert!(!text.contains("panicked"), "panic:\n{text}");
    }
    run
}

fn deploy_ok(site: &TestSite, args: &[&str]) -> Run {
    let run = deploy(site, args);
    assert_eq!(run.code, 0, "deploy failed:\n{}{}", run.stdout, run.stderr);
    run
}

/// The keys of the `uploaded KEY` lines, in order.
fn uploaded(run: &Run) -> Vec<String> {
    keys(run, "uploaded ")
}

fn keys(run: &Run, prefix: &str) -> Vec<String> {
    run.stdout
        .lines()
        .filter_map(|l| l.strip_prefix(prefix))
        .map(str::to_string)
        .collect()
}

/// The built files that a deploy publishes (everything but lede's marker).
fn published(out: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut files = tree(out);
    files.remove(".lede-output");
    files
}

fn summary(run: &Run) -> &str {
    run.stdout
        .lines()
        .find(|l| l.starts_with("Deployed to production: ") || l.starts_with("Dry run for"))
        .unwrap_or_else(|| panic!("no summary line:\n{}", run.stdout))
}

/// The keys whose bytes differ between two builds, or that only one has.
fn changed(
    before: &BTreeMap<String, Vec<u8>>,
    after: &BTreeMap<String, Vec<u8>>,
) -> BTreeSet<String> {
    let keys: BTreeSet<&String> = before.keys().chain(after.keys()).collect();
    keys.into_iter()
        .filter(|k| before.get(*k) != after.get(*k))
        .cloned()
        .collect()
}

/// Checks the order guarantee on one run's lines: assets, then pages, then the entrances,
/// then the manifest, then deletions.
fn assert_stage_order(run: &Run) {
    let rank = |line: &str| {
        let (verb, key) = line.split_once(' ').unwrap();
        match (verb, key) {
            ("deleted", _) => 5,
            (_, MANIFEST) => 4,
            (_, "index.html" | "robots.txt") => 3,
            (_, k) if k.ends_with(".xml") => 3,
            (_, k) if k.ends_with(".html") => 2,
            _ => 1,
        }
    };
    let ranks: Vec<u8> = run
        .stdout
        .lines()
        .filter(|l| l.starts_with("uploaded ") || l.starts_with("deleted "))
        .map(rank)
        .collect();
    assert!(!ranks.is_empty(), "no actions:\n{}", run.stdout);
    assert!(ranks.is_sorted(), "out of order:\n{}", run.stdout);
}

/// The edit used by the "one page" tests: a sentence that mentions two terms.
fn edit_one_page(site: &TestSite) {
    let a = site.read("content/a.md");
    site.write(
        "content/a.md",
        a.replace(
            "Intro about Donbas and the Kremlin.",
            "Intro about Donbas, then the Kremlin.",
        ),
    );
}

/// Removes page B and the link to it.
fn remove_page_b(site: &TestSite) {
    site.remove("content/b.md");
    let a = site.read("content/a.md");
    site.write(
        "content/a.md",
        a.replace("[part two of B](b.md#part-two), ", ""),
    );
}

#[test]
fn first_deploy_uploads_everything_in_order_then_nothing() {
    let (target, site) = site_deploying_to_a_folder();
    let first = deploy_ok(&site, &["--build"]);
    let built = published(&site.path("public"));
    let sent: BTreeSet<String> = uploaded(&first).into_iter().collect();
    let mut expected: BTreeSet<String> = built.keys().cloned().collect();
    expected.insert(MANIFEST.into());
    assert_eq!(sent, expected);
    assert_stage_order(&first);
    assert!(summary(&first).contains(&format!("uploaded {} files", built.len())));
    let mut on_target = tree(target.path());
    assert!(on_target.remove(MANIFEST).is_some());
    assert_eq!(on_target, built, "the folder holds exactly the output");

    let second = deploy_ok(&site, &[]);
    assert_eq!(uploaded(&second), Vec::<String>::new(), "{}", second.stdout);
    assert!(
        summary(&second).contains(&format!(
            "uploaded 0 files, 0 B; deleted 0; {} unchanged",
            built.len()
        )),
        "{}",
        second.stdout
    );
}

#[test]
fn one_page_edit_uploads_exactly_the_files_it_changed() {
    let (_target, site) = site_deploying_to_a_folder();
    deploy_ok(&site, &["--build"]);
    let before = published(&site.path("public"));
    edit_one_page(&site);
    let run = deploy_ok(&site, &["--build"]);
    let changed = changed(&before, &published(&site.path("public")));
    let mut sent: BTreeSet<String> = uploaded(&run).into_iter().collect();
    assert!(sent.remove(MANIFEST), "the manifest is rewritten");
    assert_eq!(sent, changed, "uploads are exactly the changed files");
    for expected in [
        "a/index.html",
        "glossary/donbas/index.html",
        "glossary/kremlin/index.html",
    ] {
        assert!(
            sent.contains(expected),
            "{expected} changed but was not sent: {sent:?}"
        );
    }
    assert!(
        !sent.contains("style.css") && !sent.contains("b/index.html"),
        "{sent:?}"
    );
    assert_stage_order(&run);
}

#[test]
fn a_removed_page_is_deleted_last_and_keep_leaves_it_for_later() {
    let (target, site) = site_deploying_to_a_folder();
    deploy_ok(&site, &["--build"]);
    remove_page_b(&site);
    let kept = deploy_ok(&site, &["--build", "--keep"]);
    assert!(keys(&kept, "deleted ").is_empty(), "{}", kept.stdout);
    assert!(
        target.path().join("b/index.html").is_file(),
        "--keep deletes nothing"
    );

    let run = deploy_ok(&site, &[]);
    assert_eq!(keys(&run, "deleted "), ["b/index.html"]);
    let last = run
        .stdout
        .lines()
        .rfind(|l| l.starts_with("uploaded ") || l.starts_with("deleted "));
    assert_eq!(
        last,
        Some("deleted b/index.html"),
        "deletions come last:\n{}",
        run.stdout
    );
    assert_stage_order(&run);
    assert!(!target.path().join("b/index.html").exists());
    let manifest = fs::read_to_string(target.path().join(MANIFEST)).unwrap();
    assert!(
        !manifest.contains("\"b/index.html\"") && manifest.contains("\"a/index.html\""),
        "the manifest forgets deleted objects: {manifest}"
    );
    assert!(summary(&run).contains("deleted 1;"), "{}", run.stdout);
}

#[test]
fn delete_flag_removes_foreign_objects_and_the_default_leaves_them() {
    let (target, site) = site_deploying_to_a_folder();
    fs::write(target.path().join("foreign.txt"), "not lede's").unwrap();
    deploy_ok(&site, &["--build"]);
    assert!(
        target.path().join("foreign.txt").is_file(),
        "the default deletes only lede's"
    );
    let run = deploy_ok(&site, &["--delete"]);
    assert_eq!(keys(&run, "deleted "), ["foreign.txt"]);
    assert!(!target.path().join("foreign.txt").exists());
}

#[test]
fn dry_run_lists_and_changes_nothing() {
    let (target, site) = site_deploying_to_a_folder();
    deploy_ok(&site, &["--build"]);
    remove_page_b(&site);
    site.build_ok(&[]);
    let before = tree(target.path());
    let run = deploy_ok(&site, &["--dry-run"]);
    assert_eq!(tree(target.path()), before, "a dry run changes nothing");
    assert!(
        run.stdout.contains("upload a/index.html (changed, "),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout
            .contains(&format!("write {MANIFEST}\ndelete b/index.html\n")),
        "{}",
        run.stdout
    );
    assert!(
        summary(&run).starts_with("Dry run for production: would upload "),
        "{}",
        run.stdout
    );
    assert!(summary(&run).contains("would delete 1;"), "{}", run.stdout);
}

#[test]
fn deploy_needs_a_built_site() {
    let (target, site) = site_deploying_to_a_folder();
    let run = deploy(&site, &[]);
    assert_eq!(run.code, 1);
    assert!(
        run.stderr.contains("holds no site built by lede"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("lede deploy --build"), "{}", run.stderr);
    assert!(tree(target.path()).is_empty(), "nothing was uploaded");
}

#[test]
fn config_errors_name_site_toml_and_the_line() {
    let (_target, site) = site_deploying_to_a_folder();
    let run = deploy(&site, &["--target", "prodution"]);
    assert_eq!(run.code, 1);
    let wanted = "no deploy target `prodution` in site.toml";
    assert_says(
        &run.stderr,
        &[wanted, "--> site.toml:6:1", "did you mean `production`?"],
    );

    let config = site.read("site.toml");
    site.write(
        "site.toml",
        config.replace("url = \"file://", "url = \"ftp://"),
    );
    let run = deploy(&site, &[]);
    assert_says(
        &run.stderr,
        &["unknown URL scheme `ftp:`", "--> site.toml:7:7"],
    );

    site.write("site.toml", config.replace("name = ", "nmae = "));
    let run = deploy(&site, &[]);
    assert_says(
        &run.stderr,
        &["unknown site.toml key `nmae`", "did you mean `name`?"],
    );

    site.write("site.toml", "title = \"T\"\n");
    let run = deploy(&site, &[]);
    assert_says(&run.stderr, &["site.toml has no [[deploy]] target"]);
}

/// Against a real S3-protocol server: `s3s-fs`, which keeps objects as files, so a test
/// can stop it, look at what it holds, and start it again on the same data.
mod s3 {
    use std::net::{TcpListener, TcpStream};
    use std::path::PathBuf;
    use std::process::{Child, Stdio};
    use std::time::{Duration, Instant};

    use object_store::aws::{AmazonS3, AmazonS3Builder};
    use object_store::path::Path as Key;
    use object_store::{Attribute, ObjectStoreExt};

    use super::*;

    const BUCKET: &str = "site-bucket";

    /// The server binary: `$LEDE_S3_SERVER`, else `s3s-fs` on the PATH. Missing is a failure:
    /// these tests only run when asked for (`--ignored`).
    fn server_binary() -> PathBuf {
        if let Some(path) = std::env::var_os("LEDE_S3_SERVER") {
            return path.into();
        }
        let on_path = std::env::var_os("PATH").and_then(|paths| {
            std::env::split_paths(&paths)
                .map(|dir| dir.join("s3s-fs"))
                .find(|p| p.is_file())
        });
        on_path.unwrap_or_else(|| {
            panic!("s3s-fs is not installed: `cargo install s3s-fs@0.14.1 --features binary --locked` or set LEDE_S3_SERVER")
        })
    }

    /// A running s3s-fs on 127.0.0.1 over a temporary folder; killed when dropped.
    struct Server {
        child: Option<Child>,
        port: u16,
        data: tempfile::TempDir,
    }

    impl Server {
        fn start() -> Server {
            let data = tempfile::tempdir().unwrap();
            fs::create_dir(data.path().join(BUCKET)).unwrap();
            let port = TcpListener::bind("127.0.0.1:0")
                .unwrap()
                .local_addr()
                .unwrap()
                .port();
            let mut server = Server {
                child: None,
                port,
                data,
            };
            server.restart();
            server
        }

        /// Starts the server (again) on the same port and data.
        fn restart(&mut self) {
            let child = Command::new(server_binary())
                .args(["--host", "127.0.0.1", "--port", &self.port.to_string()])
                .args(["--access-key", ACCESS_KEY, "--secret-key", SECRET])
                .arg(self.data.path())
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .expect("start s3s-fs");
            self.child = Some(child);
            let deadline = Instant::now() + Duration::from_secs(20);
            while TcpStream::connect(("127.0.0.1", self.port)).is_err() {
                assert!(
                    Instant::now() < deadline,
                    "s3s-fs did not start on port {}",
                    self.port
                );
                std::thread::sleep(Duration::from_millis(20));
            }
        }

        fn stop(&mut self) {
            if let Some(mut child) = self.child.take() {
                let _ = child.kill();
                let _ = child.wait();
            }
        }

        fn url(&self) -> String {
            format!(
                "s3://{BUCKET}/explainer?endpoint=http://127.0.0.1:{}&region=us-east-1&allow_http=true",
                self.port
            )
        }

        /// The objects under the prefix, read straight from the server's folder.
        fn objects(&self) -> BTreeMap<String, Vec<u8>> {
            let prefix = self.data.path().join(BUCKET).join("explainer");
            if prefix.exists() {
                tree(&prefix)
            } else {
                BTreeMap::new()
            }
        }

        fn client(&self) -> AmazonS3 {
            AmazonS3Builder::new()
                .with_endpoint(format!("http://127.0.0.1:{}", self.port))
                .with_allow_http(true)
                .with_region("us-east-1")
                .with_bucket_name(BUCKET)
                .with_access_key_id(ACCESS_KEY)
                .with_secret_access_key(SECRET)
                .build()
                .unwrap()
        }

        /// `(Content-Type, Cache-Control)` of an object, read back over HTTP.
        fn headers(&self, key: &str) -> (String, String) {
            let client = self.client();
            let runtime = tokio::runtime::Runtime::new().unwrap();
            let got = runtime
                .block_on(client.get(&Key::from(format!("explainer/{key}"))))
                .unwrap_or_else(|e| panic!("GET {key}: {e}"));
            let header = |a: &Attribute| {
                got.attributes
                    .get(a)
                    .map(|v| v.to_string())
                    .unwrap_or_default()
            };
            (
                header(&Attribute::ContentType),
                header(&Attribute::CacheControl),
            )
        }
    }

    impl Drop for Server {
        fn drop(&mut self) {
            self.stop();
        }
    }

    #[test]
    #[ignore = "needs the s3s-fs S3 server: .ci/deploy.sh runs it"]
    fn first_deploy_then_nothing_then_one_page_then_a_deletion() {
        let server = Server::start();
        let site = site_deploying_to(&server.url());
        let first = deploy_ok(&site, &["--build"]);
        assert_stage_order(&first);
        let built = published(&site.path("public"));
        let mut objects = server.objects();
        assert!(objects.remove(MANIFEST).is_some());
        assert_eq!(objects, built, "the bucket holds exactly the output");

        let second = deploy_ok(&site, &[]);
        assert!(uploaded(&second).is_empty(), "{}", second.stdout);

        edit_one_page(&site);
        let third = deploy_ok(&site, &["--build"]);
        let after = published(&site.path("public"));
        let mut sent: BTreeSet<String> = uploaded(&third).into_iter().collect();
        assert!(sent.remove(MANIFEST));
        assert_eq!(sent, changed(&built, &after));
        assert!(sent.contains("a/index.html") && sent.contains("glossary/donbas/index.html"));

        remove_page_b(&site);
        let fourth = deploy_ok(&site, &["--build"]);
        assert_stage_order(&fourth);
        assert_eq!(keys(&fourth, "deleted "), ["b/index.html"]);
        let mut objects = server.objects();
        objects.remove(MANIFEST);
        assert_eq!(objects, published(&site.path("public")));
    }

    #[test]
    #[ignore = "needs the s3s-fs S3 server: .ci/deploy.sh runs it"]
    fn objects_carry_content_types_and_cache_headers() {
        let server = Server::start();
        let site = site_deploying_to(&server.url());
        deploy_ok(&site, &["--build"]);
        let html = (
            "text/html; charset=utf-8".to_string(),
            "public, max-age=60".to_string(),
        );
        assert_eq!(server.headers("a/index.html"), html);
        assert_eq!(server.headers("index.html"), html);
        assert_eq!(
            server.headers("style.css"),
            (
                "text/css; charset=utf-8".into(),
                "public, max-age=600".into()
            ),
            "the [[deploy.headers]] rule for *.css"
        );
        let (feed_type, feed_cache) = server.headers("atom.xml");
        assert!(feed_type.contains("xml"), "{feed_type}");
        assert_eq!(feed_cache, "public, max-age=60");
        assert_eq!(server.headers(MANIFEST).0, "application/json");
    }

    /// Adds a section of `n` new pages of about 4 KB each: a deploy long enough to stop.
    fn add_bulk_pages(site: &TestSite, n: usize) {
        for i in 0..n {
            let body = format!(
                "+++\ntitle = \"Bulk {i}\"\n+++\n{}\n",
                "Filler text. ".repeat(300)
            );
            site.write(&format!("content/bulk/p{i}.md"), body);
        }
        site.write(
            "content/bulk/_index.md",
            "+++\ntitle = \"Bulk\"\n+++\nMany pages.\n",
        );
    }

    /// Whether a page (`pN/index.html`) is complete in `dir` (s3s-fs renames finished files).
    fn has_a_page(dir: &Path) -> bool {
        fs::read_dir(dir).is_ok_and(|mut entries| {
            entries.any(|e| e.is_ok_and(|e| e.path().join("index.html").is_file()))
        })
    }

    #[test]
    #[ignore = "needs the s3s-fs S3 server: .ci/deploy.sh runs it"]
    fn a_server_stopped_half_way_leaves_the_previous_site_and_a_rerun_completes() {
        let mut server = Server::start();
        let site = site_deploying_to(&server.url());
        deploy_ok(&site, &["--build"]);
        let previous = server.objects();
        add_bulk_pages(&site, 800);
        site.build_ok(&[]);

        let child = deploy_command(&site, &[], SECRET)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start lede deploy");
        let bulk = server.data.path().join(BUCKET).join("explainer/bulk");
        let deadline = Instant::now() + Duration::from_secs(60);
        while !has_a_page(&bulk) {
            assert!(Instant::now() < deadline, "no new page reached the server");
            std::thread::sleep(Duration::from_millis(1));
        }
        server.stop();
        let run = finished(child.wait_with_output().expect("lede deploy"), SECRET);

        assert_eq!(
            run.code, 1,
            "the deploy must fail once the server is gone:\n{}",
            run.stdout
        );
        assert_says(
            &run.stderr,
            &[
                "stopped while uploading new pages",
                "not uploaded (",
                "the manifest was not updated",
                "run `lede deploy` again",
            ],
        );
        let during = server.objects();
        for (key, bytes) in &previous {
            assert!(
                during.get(key) == Some(bytes),
                "{key} of the previous site changed or went missing"
            );
        }
        let arrived = during.keys().filter(|k| k.starts_with("bulk/")).count();
        assert!(
            arrived > 0 && arrived < 800,
            "{arrived} new pages arrived: not half-way"
        );
        eprintln!("the server stopped after {arrived} of 800 new pages");
        let reported = uploaded(&run).len();
        assert!(
            reported <= arrived,
            "said {reported} uploaded, the server has {arrived}"
        );

        server.restart();
        let rerun = deploy_ok(&site, &[]);
        assert!(
            uploaded(&rerun).len() >= 800 - arrived,
            "{}",
            summary(&rerun)
        );
        let mut objects = server.objects();
        assert!(objects.remove(MANIFEST).is_some());
        assert_eq!(objects.len(), published(&site.path("public")).len());
        assert!(
            objects == published(&site.path("public")),
            "the rerun completes the site"
        );
        assert!(
            uploaded(&deploy_ok(&site, &[])).is_empty(),
            "and nothing is left to do"
        );
    }

    #[test]
    #[ignore = "needs the s3s-fs S3 server: .ci/deploy.sh runs it"]
    fn wrong_credentials_fail_without_printing_them() {
        let server = Server::start();
        let site = site_deploying_to(&server.url());
        site.build_ok(&[]);
        let wrong = "wrong-SECRET-0b1d2e";
        let run = deploy_with_secret(&site, &[], wrong);
        assert_eq!(run.code, 1, "{}", run.stdout);
        assert!(
            run.stderr.contains("cannot read the target's manifest"),
            "{}",
            run.stderr
        );
        assert!(
            run.stderr.contains("403") || run.stderr.contains("Forbidden"),
            "{}",
            run.stderr
        );
        assert!(server.objects().is_empty(), "nothing was uploaded");
    }
}
