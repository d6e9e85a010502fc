//! `lede check`: run load, parse and link, then report every problem. Writes nothing.
//!
//! Everything `build` refuses is an error here too; `check` adds what only matters before
//! publishing (pages without a description) and, with `--external`, the links that leave
//! the site, checked with a bounded number of requests at once.

use std::collections::BTreeMap;
use std::sync::Mutex;
use std::time::Duration;

use serde::Serialize;

use crate::content::PageKind;
use crate::diagnostics::Diagnostic;
use crate::render;
use crate::site::{Options, Site};

/// What `check` found.
pub struct Report {
    /// False when `site.toml` could not be read, so nothing else was checked (the counts
    /// are then 0): the problems listed are not all there are.
    pub complete: bool,
    pub pages: usize,
    pub terms: usize,
    pub links: usize,
    /// Errors first, then warnings, each in file order.
    pub problems: Vec<Diagnostic>,
    /// With `[sources] require = "paragraph"`: (paragraphs that cite a source, paragraphs).
    pub coverage: Option<(usize, usize)>,
}

/// How external links are checked.
#[derive(Debug, Clone)]
pub struct ExternalOptions {
    /// Requests in flight at once.
    pub concurrency: usize,
    /// The longest one request may take.
    pub timeout: Duration,
    /// How often a 429 or 503 answer is retried.
    pub retries: u32,
}

impl Default for ExternalOptions {
    fn default() -> Self {
        ExternalOptions {
            concurrency: 8,
            timeout: Duration::from_secs(10),
            retries: 2,
        }
    }
}

/// Checks the site at `options.root`; `external` also checks links that leave the site.
pub fn check(options: &Options, external: Option<&ExternalOptions>) -> Report {
    let options = Options {
        mode: crate::options::Mode::Check,
        ..options.clone()
    };
    let (site, mut problems) = match Site::load_all(&options) {
        Ok(loaded) => (loaded.site, loaded.problems),
        Err(problems) => {
            return Report {
                complete: false,
                pages: 0,
                terms: 0,
                links: 0,
                problems: sorted(problems),
                coverage: None,
            };
        }
    };
    // Everything `build` refuses, `check` reports: templates are compiled and every page
    // rendered (without its body's HTML, which check never makes), the files thrown away.
    let rendered = crate::load::read_templates(&site.root)
        .and_then(|texts| render::compile_templates(&texts))
        .and_then(|mut tera| render::render_to(&site, &mut tera, &|_| Ok(())));
    if let Err(errors) = rendered {
        problems.extend(errors);
    }
    let broken: std::collections::HashSet<std::path::PathBuf> = problems
        .iter()
        .filter(|d| d.is_error())
        .map(|d| d.path.clone())
        .collect();
    for page in site.pages.iter().filter(|p| !broken.contains(&p.path)) {
        let blank = page
            .meta
            .description
            .as_deref()
            .is_none_or(|d| d.trim().is_empty());
        if blank && !matches!(page.kind, PageKind::Term | PageKind::Source) {
            problems.push(no_description(page));
        }
    }
    if let Some(external) = external {
        problems.extend(check_external(&site, external));
    }
    let report = Report {
        complete: true,
        pages: site.pages.len(),
        terms: site.glossary.terms.len(),
        links: site.parsed.iter().map(|p| p.links).sum(),
        coverage: (site.config.sources.require == crate::config::Require::Paragraph)
            .then(|| crate::site::citation_coverage(&site)),
        problems: sorted(problems),
    };
    // As in `build`: nobody waits for a large site's memory to be freed.
    std::thread::spawn(move || drop(site));
    report
}

/// A page without a description; an empty `description = ""` is shown at its line.
fn no_description(page: &crate::content::Page) -> Diagnostic {
    let help = "add `description = \"...\"`: search engines and link previews show it";
    let d = match page.meta.description {
        Some(_) => {
            let message = "`description` is empty".to_string();
            let d = crate::content::front_matter::located(
                &page.path,
                &page.text,
                "description",
                message,
            );
            d.as_warning()
        }
        None => Diagnostic::warning(&page.path, "page has no `description`").at(&page.text, 0, 3),
    };
    d.with_help(help)
}

fn sorted(mut problems: Vec<Diagnostic>) -> Vec<Diagnostic> {
    problems
        .sort_by(|a, b| (a.level, &a.path, a.line, a.col).cmp(&(b.level, &b.path, b.line, b.col)));
    problems
}

/// Where an external URL is written: a link in a page, or a source's `url` / `archive_url`.
enum Place {
    Link {
        page: usize,
        offset: usize,
        len: usize,
    },
    Source {
        source: usize,
        key: &'static str,
    },
}

/// Checks every distinct external URL once, `concurrency` at a time; reports each failure
/// at every place that names it.
fn check_external(site: &Site, options: &ExternalOptions) -> Vec<Diagnostic> {
    let mut places: BTreeMap<&str, Vec<Place>> = BTreeMap::new();
    for (page, parsed) in site.parsed.iter().enumerate() {
        for link in &parsed.external {
            places.entry(&link.target).or_default().push(Place::Link {
                page,
                offset: link.offset,
                len: link.len,
            });
        }
    }
    for (source, s) in site.sources.sources.iter().enumerate() {
        let Some(meta) = site.pages.get(s.page.0).map(|p| &p.meta.source) else {
            continue;
        };
        for (key, url) in [("url", &meta.url), ("archive_url", &meta.archive_url)] {
            if let Some(url) = url {
                places
                    .entry(url.trim())
                    .or_default()
                    .push(Place::Source { source, key });
            }
        }
    }
    let urls: Vec<&str> = places.keys().copied().collect();
    let results = check_urls(&urls, options);
    let mut problems = Vec::new();
    for (url, result) in urls.iter().zip(results) {
        let Err(why) = result else { continue };
        for place in &places[url] {
            problems.push(external_problem(site, place, url, &why));
        }
    }
    problems
}

fn external_problem(site: &Site, place: &Place, url: &str, why: &str) -> Diagnostic {
    match *place {
        Place::Link { page, offset, len } => {
            let p = &site.pages[page];
            Diagnostic::error(&p.path, format!("external link {url}: {why}"))
                .at(&p.text, offset, len)
                .with_help("fix or remove the link, or link to an archived copy")
        }
        Place::Source { source, key } => {
            let s = &site.sources.sources[source];
            let page = &site.pages[s.page];
            let archive = page.meta.source.archive_url.as_deref();
            let help = match (key, archive) {
                ("url", Some(archive)) => {
                    format!("the source is gone from its address; its archived copy is {archive}")
                }
                ("url", None) => {
                    "the source is gone: add `archive_url` with an archived copy".to_string()
                }
                _ => "find another archived copy".to_string(),
            };
            crate::content::front_matter::located(
                &page.path,
                &page.text,
                key,
                format!("source `{}`: {key} {url}: {why}", s.key),
            )
            .with_help(help)
        }
    }
}

/// The result for each URL, in order: `Ok` if it answered with a success (after redirects).
pub fn check_urls(urls: &[&str], options: &ExternalOptions) -> Vec<Result<(), String>> {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .timeout_global(Some(options.timeout))
        .http_status_as_error(false)
        .max_redirects(10)
        .user_agent(concat!("lede/", env!("CARGO_PKG_VERSION"), " link checker"))
        .build()
        .into();
    let next = Mutex::new(0usize);
    let results = Mutex::new(vec![Ok(()); urls.len()]);
    std::thread::scope(|scope| {
        for _ in 0..options.concurrency.clamp(1, 64).min(urls.len().max(1)) {
            scope.spawn(|| {
                loop {
                    let i = {
                        let Ok(mut n) = next.lock() else { return };
                        *n += 1;
                        *n - 1
                    };
                    let Some(url) = urls.get(i) else { return };
                    let result = check_url(&agent, url, options.retries);
                    if let Ok(mut all) = results.lock() {
                        all[i] = result;
                    }
                }
            });
        }
    });
    results.into_inner().unwrap_or_default()
}

fn check_url(agent: &ureq::Agent, url: &str, retries: u32) -> Result<(), String> {
    let mut attempt = 0;
    loop {
        let status = match agent.head(url).call() {
            // Some servers refuse HEAD: ask again with GET.
            Ok(r) if matches!(r.status().as_u16(), 405 | 501) => agent.get(url).call(),
            other => other,
        };
        let response = status.map_err(|e| e.to_string())?;
        let code = response.status().as_u16();
        if matches!(code, 429 | 503) && attempt < retries {
            attempt += 1;
            let wait = response
                .headers()
                .get("retry-after")
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.trim().parse::<u64>().ok())
                .unwrap_or(1)
                .min(5);
            std::thread::sleep(Duration::from_secs(wait));
            continue;
        }
        return if response.status().is_success() {
            Ok(())
        } else {
            Err(format!("HTTP {code}"))
        };
    }
}

#[derive(Serialize)]
struct JsonReport<'a> {
    complete: bool,
    problems: Vec<JsonProblem<'a>>,
}

#[derive(Serialize)]
struct JsonProblem<'a> {
    level: String,
    path: String,
    line: usize,
    column: usize,
    message: &'a str,
    help: Option<&'a str>,
}

/// The report as JSON, for CI: `{"complete": true, "problems": [...]}`; `complete` is false
/// when the checks could not all run, so the list is not the whole story.
pub fn to_json(report: &Report) -> String {
    let problems: Vec<JsonProblem> = report
        .problems
        .iter()
        .map(|d| JsonProblem {
            level: d.level.to_string(),
            path: d.path.to_string_lossy().replace('\\', "/"),
            line: d.line,
            column: d.col,
            message: &d.message,
            help: d.help.as_deref(),
        })
        .collect();
    let json = JsonReport {
        complete: report.complete,
        problems,
    };
    serde_json::to_string_pretty(&json).unwrap_or_else(|_| "{\"complete\": false}".into())
}
