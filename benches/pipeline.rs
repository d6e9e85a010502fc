//! Micro-benchmarks of the build stages that dominate, on the synthetic corpus of
//! `examples/corpus/` held in memory (no disk I/O): 1,000 pages and 1,000 glossary terms.
//!
//! ```sh
//! cargo bench --bench pipeline
//! cargo bench --bench pipeline -- markdown     # only the benchmarks matching a filter
//! ```

#[path = "../examples/corpus/mod.rs"]
mod corpus;

use std::path::{Path, PathBuf};
use std::sync::LazyLock;

use corpus::{Corpus, Format};
use divan::Bencher;
use divan::counter::ItemsCount;
use lede::config::Config;
use lede::load::Source;
use lede::markdown;
use lede::{Site, render};

const PAGES: usize = 1_000;
const TERMS: usize = 1_000;

fn main() {
    divan::main();
}

struct Fixture {
    /// Site root on disk: only `site.toml`, `templates/` and `static/` (for
    /// `render::load_templates`), in cargo's temp folder for benchmarks.
    root: PathBuf,
    config: Config,
    sources: Vec<Source>,
    site: Site,
}

static FIXTURE: LazyLock<Fixture> = LazyLock::new(|| {
    let corpus = Corpus::new(PAGES, TERMS);
    let root = Path::new(env!("CARGO_TARGET_TMPDIR")).join("pipeline-site");
    let mut config_text = String::new();
    for file in corpus.site_files(Format::Lede) {
        let path = root.join(&file.path);
        std::fs::create_dir_all(path.parent().expect("a parent")).expect("mkdir");
        std::fs::write(&path, &file.text).expect("write");
        if file.path == "site.toml" {
            config_text = file.text;
        }
    }
    let config = Config::parse(&config_text).expect("the generated site.toml parses");
    let mut sources: Vec<Source> = corpus
        .content_files(Format::Lede)
        .into_iter()
        .map(|f| Source {
            key: f.path,
            text: f.text,
        })
        .collect();
    sources.sort_by(|a, b| a.key.cmp(&b.key));
    let site = load(&root, &config, &sources);
    Fixture {
        root,
        config,
        sources,
        site,
    }
});

fn load(root: &Path, config: &Config, sources: &[Source]) -> Site {
    match Site::parse_and_link(
        lede::load::Inputs::in_memory(root.to_path_buf(), config.clone(), sources.to_vec()),
        &lede::Options::default(),
    )
    .into_site()
    {
        Ok(site) => site,
        Err(errors) => panic!("the synthetic corpus has errors: {errors:?}"),
    }
}

/// The regular pages (not sections, not terms): what most of a build is.
fn page_indices(site: &Site) -> Vec<usize> {
    (0..site.pages.len())
        .filter(|&i| {
            site.pages[i].key.starts_with("section-") && !site.pages[i].key.ends_with("_index.md")
        })
        .collect()
}

/// TOML front matter of every page and term (2,012 files).
#[divan::bench]
fn front_matter(bencher: Bencher) {
    let f = &*FIXTURE;
    bencher.counter(ItemsCount::new(f.sources.len())).bench(|| {
        for s in &f.sources {
            let path = PathBuf::from(&s.key);
            let parsed = lede::content::front_matter::parse(&path, &s.text);
            divan::black_box(parsed.expect("front matter parses"));
        }
    });
}

/// Markdown to HTML with links resolved and auto-linking against 1,000 terms, one thread,
/// for 100 pages of about 700 words.
#[divan::bench]
fn markdown_autolink(bencher: Bencher) {
    let f = &*FIXTURE;
    let site = &f.site;
    let env = site.env(lede::Mode::Build);
    let pages: Vec<usize> = page_indices(site).into_iter().take(100).collect();
    bencher.counter(ItemsCount::new(pages.len())).bench(|| {
        for &i in &pages {
            divan::black_box(markdown::parse(&env, i));
        }
    });
}

/// Only the term-name scan of auto-linking (the automaton over 1,000 terms' names), one
/// thread, over the bodies of 100 pages.
#[divan::bench]
fn term_scan(bencher: Bencher) {
    let f = &*FIXTURE;
    let site = &f.site;
    let pages: Vec<usize> = page_indices(site).into_iter().take(100).collect();
    bencher.counter(ItemsCount::new(pages.len())).bench(|| {
        let mut found = 0;
        for &i in &pages {
            found += site.glossary.mentions(site.pages[i].body()).count();
        }
        divan::black_box(found)
    });
}

/// Everything `check` does in memory: front matter, paths, glossary, Markdown and
/// auto-linking, anchors, backlinks (all threads), for 1,000 pages and 1,000 terms.
#[divan::bench(sample_count = 10)]
fn site_from_sources(bencher: Bencher) {
    let f = &*FIXTURE;
    bencher
        .counter(ItemsCount::new(f.sources.len()))
        .with_inputs(|| f.sources.clone())
        .bench_local_values(|sources| {
            Site::parse_and_link(
                lede::load::Inputs::in_memory(f.root.clone(), f.config.clone(), sources),
                &lede::Options::default(),
            )
            .into_site()
            .map(|s| s.pages.len())
            .unwrap_or(0)
        });
}

/// Template rendering of the whole site (all threads): 1,000 pages, 1,000 term pages with
/// their mentions lists, 10 sections listing 100 pages each, the glossary.
#[divan::bench(sample_count = 10)]
fn render_site(bencher: Bencher) {
    let f = &*FIXTURE;
    let mut tera =
        render::compile_templates(&lede::load::read_templates(&f.root).expect("templates read"))
            .expect("templates compile");
    bencher
        .counter(ItemsCount::new(f.site.pages.len()))
        .bench_local(|| {
            let files = render::render(&f.site, &mut tera).expect("the site renders");
            files.len()
        });
}

/// `render_pages` for one page: the global context (the 1,000-term glossary), the page
/// through its template, and the site-wide files (sitemap, feed).
#[divan::bench]
fn render_one_page(bencher: Bencher) {
    let f = &*FIXTURE;
    let mut tera =
        render::compile_templates(&lede::load::read_templates(&f.root).expect("templates read"))
            .expect("templates compile");
    let page = page_indices(&f.site)[0];
    bencher.bench_local(|| {
        let files = render::render_pages(&f.site, &mut tera, &[page], render::NotFoundPage::Skip)
            .expect("the page renders");
        files.len()
    });
}
