//! Writes a deterministic synthetic explainer for benchmarks, in lede's format, Hugo's or Zola's:
//!
//! ```sh
//! cargo run --release --example gen_corpus -- --pages 10000 --terms 1000 --out /tmp/corpus
//! lede --root /tmp/corpus/lede build --output-dir /tmp/out-lede
//! hugo --source /tmp/corpus/hugo --destination /tmp/out-hugo
//! cargo run --release --example gen_corpus -- --pages 10000 --terms 1000 --out /tmp/corpus --format zola
//! zola --root /tmp/corpus/zola build --output-dir /tmp/out-zola
//! ```
//!
//! DIR/lede/, DIR/hugo/ and DIR/zola/ hold the same pages, sections and terms; only the
//! link syntax (and where a term's names sit in front matter) differs. Hugo and Zola do no
//! auto-linking and have no "mentioned in" lists, so on the same corpus lede does more work. See `examples/corpus/mod.rs` for what is generated.

#[path = "corpus/mod.rs"]
mod corpus;

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use corpus::{Corpus, File, Format};
use rayon::prelude::*;

const USAGE: &str = "usage: gen_corpus --pages N --terms T --out DIR [--sources S] [--words W] [--format lede|hugo|zola|both]";

struct Args {
    pages: usize,
    terms: usize,
    sources: usize,
    words: usize,
    out: PathBuf,
    formats: Vec<Format>,
}

fn parse_args() -> Result<Args, String> {
    let mut pages = None;
    let mut terms = None;
    let mut out = None;
    let mut sources = 0;
    let mut words = corpus::DEFAULT_WORDS;
    let mut formats = vec![Format::Lede, Format::Hugo];
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = || args.next().ok_or_else(|| format!("{arg} needs a value"));
        match arg.as_str() {
            "--pages" => pages = Some(value()?.parse().map_err(|e| format!("--pages: {e}"))?),
            "--terms" => terms = Some(value()?.parse().map_err(|e| format!("--terms: {e}"))?),
            "--out" => out = Some(PathBuf::from(value()?)),
            "--words" => words = value()?.parse().map_err(|e| format!("--words: {e}"))?,
            "--sources" => sources = value()?.parse().map_err(|e| format!("--sources: {e}"))?,
            "--format" => {
                formats = match value()?.as_str() {
                    "lede" => vec![Format::Lede],
                    "hugo" => vec![Format::Hugo],
                    "zola" => vec![Format::Zola],
                    "both" => vec![Format::Lede, Format::Hugo],
                    other => return Err(format!("unknown format `{other}`")),
                }
            }
            "-h" | "--help" => return Err(String::new()),
            other => return Err(format!("unknown argument `{other}`")),
        }
    }
    Ok(Args {
        pages: pages.ok_or("--pages is required")?,
        terms: terms.ok_or("--terms is required")?,
        sources,
        words,
        out: out.ok_or("--out is required")?,
        formats,
    })
}

fn write(root: &Path, file: &File) -> std::io::Result<()> {
    let path = root.join(&file.path);
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    std::fs::write(&path, &file.text)
}

fn generate(corpus: &Corpus, root: &Path, format: Format) -> std::io::Result<()> {
    if root.exists() && std::fs::read_dir(root)?.next().is_some() {
        return Err(std::io::Error::other(format!(
            "{} exists and is not empty; remove it first",
            root.display()
        )));
    }
    for file in corpus.site_files(format) {
        write(root, &file)?;
    }
    let content = root.join("content");
    for file in corpus.index_files() {
        write(&content, &file)?;
    }
    for k in 0..corpus::SECTIONS {
        std::fs::create_dir_all(content.join(format!("section-{k}")))?;
    }
    std::fs::create_dir_all(content.join("glossary"))?;
    if format == Format::Lede && corpus.sources > 0 {
        std::fs::create_dir_all(content.join("sources"))?;
        (0..corpus.sources).into_par_iter().try_for_each(|s| {
            std::fs::write(content.join(Corpus::source_key(s)), corpus.source_page(s))
        })?;
    }
    (0..corpus.pages).into_par_iter().try_for_each(|i| {
        std::fs::write(content.join(Corpus::page_key(i)), corpus.page(i, format))
    })?;
    (0..corpus.terms.len()).into_par_iter().try_for_each(|t| {
        std::fs::write(
            content.join(Corpus::term_key(t)),
            corpus.term_page(t, format),
        )
    })
}

fn main() -> ExitCode {
    let args = match parse_args() {
        Ok(args) => args,
        Err(e) => {
            if !e.is_empty() {
                eprintln!("gen_corpus: {e}");
            }
            eprintln!("{USAGE}");
            return ExitCode::from(2);
        }
    };
    let started = Instant::now();
    let corpus = Corpus::new(args.pages, args.terms)
        .with_sources(args.sources)
        .with_words(args.words);
    for format in args.formats {
        let root = args.out.join(format.dir_name());
        if let Err(e) = generate(&corpus, &root, format) {
            eprintln!("gen_corpus: {}: {e}", root.display());
            return ExitCode::FAILURE;
        }
        println!(
            "Wrote {} pages, {} terms ({} format) to {} in {} ms",
            args.pages,
            args.terms,
            format.dir_name(),
            root.display(),
            started.elapsed().as_millis()
        );
    }
    ExitCode::SUCCESS
}
