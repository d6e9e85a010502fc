//! The search index (issue 19): written into `pagefind/` by `lede build`, absent with
//! `[search] enabled = false`, never holding a page with `search = false`; what lede hands
//! the indexer (the records) is checked through the library. The index is read back from
//! Pagefind's fragment files, one gzipped JSON document per page.

use std::io::Read as _;

use lede::search;

use super::*;

/// The pages in the built index: the `url` of every fragment under `public/pagefind/`.
fn indexed_urls(site: &TestSite) -> Vec<String> {
    let mut urls: Vec<String> = tree(&site.path("public/pagefind/fragment"))
        .into_values()
        .map(|gz| {
            let mut json = Vec::new();
            flate2::read::GzDecoder::new(&gz[..])
                .read_to_end(&mut json)
                .expect("a gzipped fragment");
            // Pagefind's own signature precedes the JSON.
            let json = json
                .strip_prefix(b"pagefind_dcd")
                .expect("Pagefind's signature");
            let fragment: serde_json::Value = serde_json::from_slice(json).expect("fragment JSON");
            fragment["url"].as_str().expect("a url").to_string()
        })
        .collect();
    urls.sort();
    urls
}

fn entry(site: &TestSite) -> serde_json::Value {
    serde_json::from_str(&site.read("public/pagefind/pagefind-entry.json")).expect("entry JSON")
}

#[test]
fn every_page_is_indexed_and_only_what_the_search_box_loads_is_written() {
    let site = TestSite::fixture("basic");
    site.build_ok(&[]);
    assert_eq!(
        indexed_urls(&site),
        [
            "/",
            "/a/",
            "/b/",
            "/glossary/",
            "/glossary/donbas/",
            "/glossary/kremlin/",
            "/sub/",
            "/sub/c/"
        ],
        "every page, section and term; not the 404 page"
    );
    assert_eq!(entry(&site)["languages"]["en"]["page_count"], 8);
    let files = tree(&site.path("public/pagefind"));
    for needed in ["pagefind.js", "pagefind-worker.js", "wasm.en.pagefind"] {
        assert!(files.contains_key(needed), "missing pagefind/{needed}");
    }
    assert!(files.keys().any(|f| f.ends_with(".pf_meta")));
    assert!(files.keys().any(|f| f.starts_with("index/")));
    for unused in ["pagefind-ui.js", "pagefind-ui.css", "wasm.unknown.pagefind"] {
        assert!(!files.contains_key(unused), "pagefind/{unused} is written");
    }
}

#[test]
fn search_off_leaves_no_index_even_where_a_build_left_one() {
    let site = TestSite::fixture("basic");
    site.build_ok(&[]);
    assert!(site.path("public/pagefind/pagefind.js").is_file());
    let config = site.read("site.toml");
    site.write(
        "site.toml",
        format!("{config}\n[search]\nenabled = false\n"),
    );
    site.build_ok(&[]);
    assert!(!site.path("public/pagefind").exists(), "pagefind/ is left");
    // And the staging folder (the build before last) does not keep it either.
    site.build_ok(&[]);
    assert!(!site.path("public/pagefind").exists());
}

#[test]
fn a_page_with_search_false_is_not_in_the_index() {
    let site = TestSite::fixture("basic");
    let page = site.read("content/a.md");
    site.write(
        "content/a.md",
        page.replacen("weight = 2\n", "weight = 2\nsearch = false\n", 1),
    );
    site.build_ok(&[]);
    let urls = indexed_urls(&site);
    assert!(!urls.contains(&"/a/".to_string()), "{urls:?}");
    assert!(urls.contains(&"/b/".to_string()), "{urls:?}");
    assert_eq!(entry(&site)["languages"]["en"]["page_count"], 7);
    assert!(
        site.path("public/a/index.html").is_file(),
        "the page itself is still built"
    );
}

#[test]
fn search_must_be_true_or_false() {
    let site = TestSite::fixture("basic");
    let page = site.read("content/a.md");
    site.write(
        "content/a.md",
        page.replacen("weight = 2\n", "weight = 2\nsearch = \"no\"\n", 1),
    );
    let err = site.build_err(&[]);
    assert!(
        err.contains("content/a.md:6") && err.contains("true or false"),
        "{err}"
    );
}

#[test]
fn an_unknown_search_setting_suggests_the_right_one() {
    let site = TestSite::fixture("basic");
    let config = site.read("site.toml");
    site.write("site.toml", format!("{config}\n[search]\nenable = false\n"));
    let err = site.build_err(&[]);
    assert!(
        err.contains("`enable`") && err.contains("`enabled`"),
        "{err}"
    );
}

#[test]
fn records_carry_titles_aliases_kinds_and_escaped_text_without_hover_definitions() {
    let site = TestSite::fixture("basic");
    site.write(
        "content/e.md",
        "+++\ntitle = \"Extra\"\ndescription = \"About <b> & more.\"\n+++\nMentions Donbas twice: Donbas.\n",
    );
    let loaded = lede::Site::load(&lede::Options {
        root: site.root().to_path_buf(),
        ..Default::default()
    })
    .expect("the site loads");
    let records = search::records(&loaded);
    let find = |url: &str| {
        records
            .iter()
            .find(|r| r.url == url)
            .unwrap_or_else(|| panic!("no record for {url}"))
    };
    let term = find("/glossary/donbas/");
    assert_eq!((term.title.as_str(), term.kind), ("Donbas", "term"));
    assert_eq!(term.aliases, ["Donbass"]);
    assert_eq!(
        term.content, "Ukraine&#39;s eastern industrial region. A region; see the Kremlin.",
        "a term's text is its summary, then its definition"
    );
    let e = find("/e/");
    assert_eq!((e.kind, e.aliases.len()), ("page", 0));
    assert_eq!(
        e.content,
        "About &lt;b&gt; &amp; more. Mentions Donbas twice: Donbas."
    );
    // The hover definition of the linked mention is not part of the page's text.
    assert!(!e.content.contains("eastern industrial"), "{}", e.content);
}

// --- lede's index against Pagefind's own ---------------------------------------------------

/// An index read back as the WebAssembly reads it: pages by URL, never by number or hash.
#[derive(Debug, PartialEq)]
struct Decoded {
    page_count: u64,
    /// Each page's fragment (its JSON), by URL; and its word count in the meta file.
    fragments: BTreeMap<String, (serde_json::Value, u64)>,
    /// Each word, and each of its variants (`word` or `word/form`): the pages it is on,
    /// with its (weight, position) in the body and (field, position) in the meta fields.
    words: BTreeMap<String, BTreeMap<String, Places>>,
    /// The first and last word of each chunk, in order.
    chunks: Vec<(String, String)>,
    /// Each filter's values and their pages.
    filters: BTreeMap<String, BTreeMap<String, Vec<String>>>,
    meta_fields: Vec<String>,
    entry_languages: Vec<(String, serde_json::Value, serde_json::Value)>,
    include_characters: serde_json::Value,
}

type Places = (Vec<(i64, i64)>, Vec<(i64, i64)>);

#[derive(Debug, Clone)]
enum Cbor {
    Int(i64),
    Text(String),
    Array(Vec<Cbor>),
}

impl Cbor {
    fn read(bytes: &[u8]) -> Cbor {
        let mut d = minicbor::Decoder::new(bytes);
        let value = Cbor::decode(&mut d);
        assert_eq!(d.position(), bytes.len(), "bytes after the CBOR value");
        value
    }

    fn decode(d: &mut minicbor::Decoder) -> Cbor {
        use minicbor::data::Type;
        match d.datatype().expect("a CBOR item") {
            Type::U8 | Type::U16 | Type::U32 | Type::U64 => {
                Cbor::Int(d.u64().expect("uint") as i64)
            }
            Type::I8 | Type::I16 | Type::I32 | Type::I64 => Cbor::Int(d.i64().expect("int")),
            Type::String => Cbor::Text(d.str().expect("text").to_string()),
            Type::Array => {
                let n = d.array().expect("array").expect("a definite array");
                Cbor::Array((0..n).map(|_| Cbor::decode(d)).collect())
            }
            other => panic!("Pagefind's files hold no {other:?}"),
        }
    }

    fn int(&self) -> i64 {
        match self {
            Cbor::Int(i) => *i,
            other => panic!("not an integer: {other:?}"),
        }
    }

    fn text(&self) -> &str {
        match self {
            Cbor::Text(t) => t,
            other => panic!("not text: {other:?}"),
        }
    }

    fn array(&self) -> &[Cbor] {
        match self {
            Cbor::Array(a) => a,
            other => panic!("not an array: {other:?}"),
        }
    }
}

/// A gzipped file, with Pagefind's signature stripped.
fn gunzip(gz: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    flate2::read::GzDecoder::new(gz)
        .read_to_end(&mut out)
        .expect("a gzipped file");
    out.strip_prefix(b"pagefind_dcd")
        .expect("Pagefind's signature")
        .to_vec()
}

/// A page's places, read as the WebAssembly reads them (weight 25 until a marker; a
/// position after a marker is absolute, the others are deltas).
fn places(page: &[Cbor]) -> Places {
    let mut body = Vec::new();
    let (mut weight, mut last) = (25, 0);
    for loc in page[1].array() {
        let loc = loc.int();
        if loc < 0 {
            weight = -loc - 1;
            last = 0;
        } else {
            last += loc;
            body.push((weight, last));
        }
    }
    let mut meta = Vec::new();
    let (mut field, mut last) = (0, 0);
    for loc in page.get(2).map_or(&[][..], |m| m.array()) {
        let loc = loc.int();
        if loc < 0 {
            field = -loc - 1;
            last = 0;
        } else {
            last += loc;
            meta.push((field, last));
        }
    }
    // Positions of equal weight are listed in order; compare them as sets of places.
    body.sort();
    meta.sort();
    (body, meta)
}

impl Decoded {
    fn of(files: &BTreeMap<String, Vec<u8>>) -> Decoded {
        let entry: serde_json::Value =
            serde_json::from_slice(&files["pagefind-entry.json"]).expect("entry JSON");
        let languages = entry["languages"].as_object().expect("languages");
        let mut entry_languages = Vec::new();
        let mut decoded = Decoded {
            page_count: 0,
            fragments: BTreeMap::new(),
            words: BTreeMap::new(),
            chunks: Vec::new(),
            filters: BTreeMap::new(),
            meta_fields: Vec::new(),
            entry_languages: Vec::new(),
            include_characters: entry["include_characters"].clone(),
        };
        for (language, index) in languages {
            entry_languages.push((
                language.clone(),
                index["wasm"].clone(),
                index["page_count"].clone(),
            ));
            decoded.page_count += index["page_count"].as_u64().expect("page_count");
            let hash = index["hash"].as_str().expect("hash");
            let meta = Cbor::read(&gunzip(&files[&format!("pagefind.{hash}.pf_meta")]));
            let meta = meta.array();
            assert_eq!(meta.len(), 6);
            assert!(meta[0].text().starts_with("1.6."), "{:?}", meta[0]);
            let mut urls = Vec::new();
            for page in meta[1].array() {
                let page = page.array();
                assert_eq!(page[2].text(), "", "no fragment groups");
                let fragment = gunzip(&files[&format!("fragment/{}.pf_fragment", page[0].text())]);
                let fragment: serde_json::Value =
                    serde_json::from_slice(&fragment).expect("fragment JSON");
                let url = fragment["url"].as_str().expect("url").to_string();
                urls.push(url.clone());
                decoded
                    .fragments
                    .insert(url, (fragment, page[1].int() as u64));
            }
            for chunk in meta[2].array() {
                let chunk = chunk.array();
                decoded
                    .chunks
                    .push((chunk[0].text().into(), chunk[1].text().into()));
                let words = Cbor::read(&gunzip(
                    &files[&format!("index/{}.pf_index", chunk[2].text())],
                ));
                for word in words.array()[0].array() {
                    let word = word.array();
                    let mut lists = vec![(word[0].text().to_string(), word[1].clone())];
                    for variant in word[2].array() {
                        let variant = variant.array();
                        let key = format!("{}/{}", word[0].text(), variant[0].text());
                        lists.push((key, variant[1].clone()));
                    }
                    for (key, pages) in lists {
                        let mut number = 0;
                        let mut on = BTreeMap::new();
                        for page in pages.array() {
                            let page = page.array();
                            number += page[0].int();
                            on.insert(urls[number as usize].clone(), places(page));
                        }
                        assert!(
                            decoded.words.insert(key.clone(), on).is_none(),
                            "{key} twice"
                        );
                    }
                }
            }
            for filter in meta[3].array() {
                let filter = filter.array();
                let chunk = Cbor::read(&gunzip(
                    &files[&format!("filter/{}.pf_filter", filter[1].text())],
                ));
                let chunk = chunk.array();
                assert_eq!(chunk[0].text(), filter[0].text());
                let values = chunk[1]
                    .array()
                    .iter()
                    .map(|value| {
                        let value = value.array();
                        let pages = value[1]
                            .array()
                            .iter()
                            .map(|p| urls[p.int() as usize].clone())
                            .collect();
                        (value[0].text().to_string(), pages)
                    })
                    .collect();
                decoded.filters.insert(filter[0].text().into(), values);
            }
            assert!(meta[4].array().is_empty(), "no sorts");
            decoded.meta_fields = meta[5].array().iter().map(|f| f.text().into()).collect();
        }
        decoded.entry_languages = entry_languages;
        decoded
    }
}

/// The index Pagefind's own indexer writes for `records` (as lede called it before it wrote
/// the index itself): only the files lede keeps.
fn pagefinds_index(records: &[search::Record], language: &str) -> BTreeMap<String, Vec<u8>> {
    use pagefind::api::PagefindIndex;
    use pagefind::options::PagefindServiceConfig;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("a runtime");
    let files = runtime.block_on(async {
        let options = PagefindServiceConfig::builder()
            .force_language(language.to_string())
            .build();
        let mut index = PagefindIndex::new(Some(options)).expect("an index");
        for record in records {
            let mut meta = BTreeMap::from([("title".to_string(), record.title.clone())]);
            if !record.aliases.is_empty() {
                meta.insert("aliases".into(), record.aliases.join(", "));
            }
            let filters = BTreeMap::from([("kind".to_string(), vec![record.kind.to_string()])]);
            index
                .add_custom_record(
                    record.url.clone(),
                    record.content.clone(),
                    language.to_string(),
                    Some(meta),
                    Some(filters),
                    None,
                )
                .await
                .expect("a record");
        }
        index.get_files().await.expect("files")
    });
    files
        .into_iter()
        .map(|f| (f.filename.to_string_lossy().replace('\\', "/"), f.contents))
        .collect()
}

fn ledes_index(records: &[search::Record], language: &str) -> BTreeMap<String, Vec<u8>> {
    search::index(records, language)
        .expect("lede's index")
        .into_iter()
        .map(|f| {
            let path = f.path.strip_prefix("pagefind/").expect("under pagefind/");
            (path.to_string(), f.contents)
        })
        .collect()
}

fn record(
    url: &str,
    title: &str,
    kind: &'static str,
    aliases: &[&str],
    content: &str,
) -> search::Record {
    search::Record {
        url: url.into(),
        title: title.into(),
        kind,
        aliases: aliases.iter().map(|a| a.to_string()).collect(),
        content: content.into(),
    }
}

/// Text that takes every path of the word splitter.
fn awkward_records() -> Vec<search::Record> {
    let long_word = "x".repeat(5_000);
    let dotted = format!("a.{}", "B".repeat(100));
    vec![
        record(
            "/glossary/donbas/",
            "Donbas",
            "term",
            &["Donbass", "Donbás region"],
            "Ukraine&#39;s eastern industrial region. Ukraine’s DONBAS, Donbas; donbas.",
        ),
        record(
            "/points/",
            "The 27 points",
            "source",
            &[],
            "The 27-point plan (27 points) of 2025: covid19, WKWebView2, three_antelopes, \
             sysconfig.is_python_build and e.g. U.S.A. — “quoted” (parenthesised) [1] x²",
        ),
        record(
            "/accents/",
            "Café Zürich",
            "page",
            &[],
            "Café, café, CAFÉ and cafe; Zürich–Kyiv; naïve façade; Đakovo; İstanbul; ß; Ǆ",
        ),
        record(
            "/scripts/",
            "Донбасс",
            "page",
            &[],
            "Донбасс и Луганск. Ελληνικά γράμματα. バックアップ テスト 東京 한국어 วิกิพีเดีย العربية",
        ),
        record(
            "/emoji/",
            "Weather 🌦️",
            "page",
            &[],
            "cloud🌦️cannon 👋👨‍👩‍👧‍👦🌾 #1 1️⃣ ©2025 ™ plain",
        ),
        record(
            "/odd/",
            "Odd   spacing",
            "page",
            &[],
            &format!(
                "  leading and\ttabs\nnew\r\nlines \u{200B} zero\u{200B}width {long_word} {dotted} \
                 &amp; &lt;b&gt; ___PAGEFIND_X the-the the_the .hidden trailing. ..."
            ),
        ),
        record("/empty/", "Empty", "page", &[], ""),
        record(
            "/punctuation/",
            "Only punctuation",
            "page",
            &[],
            "— … !!! ,",
        ),
        record("/same/", "Same", "page", &[], "Donbas region region"),
        record("/same-again/", "Same", "page", &[], "Donbas region region"),
    ]
}

#[test]
fn the_index_is_the_one_pagefind_writes_for_the_same_records() {
    let site = TestSite::fixture("basic");
    let loaded = lede::Site::load(&lede::Options {
        root: site.root().to_path_buf(),
        ..Default::default()
    })
    .expect("the site loads");
    let mut records = search::records(&loaded);
    records.extend(awkward_records());
    let ours = Decoded::of(&ledes_index(&records, "en"));
    let theirs = Decoded::of(&pagefinds_index(&records, "en"));
    // Pages without a word to index are left out by both; a URL given twice is the later
    // record's (the fixture's Donbas term is replaced by the awkward one).
    assert!(!ours.fragments.contains_key("/empty/"));
    assert!(!ours.fragments.contains_key("/punctuation/"));
    assert_eq!(ours.page_count, records.len() as u64 - 3);
    assert_eq!(ours.page_count, theirs.page_count);
    assert_eq!(ours.entry_languages, theirs.entry_languages);
    assert_eq!(ours.include_characters, theirs.include_characters);
    assert_eq!(ours.meta_fields, ["aliases", "title"]);
    assert_eq!(ours.meta_fields, theirs.meta_fields);
    assert_eq!(ours.filters, theirs.filters);
    assert_eq!(ours.fragments.len(), theirs.fragments.len());
    for (url, fragment) in &theirs.fragments {
        assert_eq!(ours.fragments.get(url), Some(fragment), "fragment of {url}");
    }
    let our_words: Vec<&String> = ours.words.keys().collect();
    let their_words: Vec<&String> = theirs.words.keys().collect();
    assert_eq!(our_words, their_words, "the same words");
    for (word, pages) in &theirs.words {
        assert_eq!(&ours.words[word], pages, "the pages and places of {word:?}");
    }
    assert_eq!(ours.chunks, theirs.chunks);
    assert_eq!(ours, theirs);
    // Stemmed, and found by its other names.
    assert!(ours.words["donbass"].contains_key("/glossary/donbas/"));
    assert!(ours.words.contains_key("region") && !ours.words.contains_key("regions"));
    assert!(ours.words.contains_key("cafe/café"));
}

#[test]
fn large_sites_are_split_into_chunks_as_pagefind_splits_them() {
    // Enough distinct words and places for several chunks, and for fragment names that
    // share their first seven digits.
    let records: Vec<search::Record> = (0..400)
        .map(|i| {
            let text: Vec<String> = (0..150)
                .map(|j| {
                    format!(
                        "w{}x{} common{} région{}",
                        (i * 7 + j) % 900,
                        j % 13,
                        j % 5,
                        j % 3
                    )
                })
                .collect();
            record(
                &format!("/p{i}/"),
                &format!("Page {i}"),
                "page",
                &[],
                &text.join(" "),
            )
        })
        .collect();
    let ours = Decoded::of(&ledes_index(&records, "en"));
    let theirs = Decoded::of(&pagefinds_index(&records, "en"));
    assert!(ours.chunks.len() > 3, "{} chunks", ours.chunks.len());
    assert_eq!(ours, theirs);
}

#[test]
fn a_site_with_nothing_to_index_has_an_entry_file_and_no_index() {
    let records = vec![record("/empty/", "Empty", "page", &[], "")];
    for records in [Vec::new(), records] {
        let ours = ledes_index(&records, "en");
        let theirs = pagefinds_index(&records, "en");
        let mut names: Vec<&String> = ours.keys().collect();
        names.sort();
        assert_eq!(
            names,
            [
                "pagefind-entry.json",
                "pagefind-worker.js",
                "pagefind.js",
                "wasm.en.pagefind"
            ]
        );
        assert_eq!(Decoded::of(&ours), Decoded::of(&theirs));
    }
}

#[test]
fn a_language_without_a_stemmer_gets_the_generic_webassembly() {
    let records = vec![record(
        "/a/",
        "東京",
        "page",
        &[],
        "東京 タワー Tokyo towers",
    )];
    let ours = ledes_index(&records, "ja");
    assert!(ours.contains_key("wasm.unknown.pagefind"));
    assert!(!ours.keys().any(|k| k.starts_with("wasm.ja")));
    let theirs = pagefinds_index(&records, "ja");
    assert_eq!(Decoded::of(&ours), Decoded::of(&theirs));
    // Unstemmed.
    assert!(Decoded::of(&ours).words.contains_key("towers"));
}
