//! The index, written in Pagefind 1.6's format: what its `pagefind.js` and WebAssembly read.
//!
//! - `pagefind.<hash>.pf_meta`: the version, every page (its fragment's name and its word
//!   count), the word chunks (the first and last word of each), the filters, and the names
//!   of the meta fields (`aliases`, `title`).
//! - `index/<hash>.pf_index`: a chunk of the words in byte order, each with the pages it is
//!   on, page numbers delta-coded, with its positions in the body (weight changes as negative
//!   numbers) and in the meta fields (field changes as negative numbers); a word's forms
//!   with diacritics (`café` of `cafe`) as variants with pages of their own. A chunk closes
//!   once it holds 20,000 positions.
//! - `fragment/<hash>.pf_fragment`: one page as JSON: its URL, its text (what excerpts are
//!   cut from), word count, filters and meta.
//! - `filter/<hash>.pf_filter`: each value of a filter (`kind`) and its pages.
//!
//! The index files are CBOR (the fragments JSON), each gzipped with Pagefind's signature in
//! front of its bytes, and named by a hash of their contents (the shortest prefix of at
//! least 7 hex digits that no other file of the same sort shares), so that they can be
//! cached for ever. Pages are handled in parallel, in batches: one batch is split while the
//! one before is added to the index. A page's positions are encoded once, into the bytes the
//! chunk will hold; nothing of a page is kept after its batch but those bytes.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use pagefind_stem::Stemmer;
use rayon::prelude::*;
use serde::Serialize;

use super::Record;
use super::cbor;
use super::words::{self, BODY_WEIGHT, Indexed};

/// In front of every compressed file's bytes, inside the gzip: Pagefind's WebAssembly checks
/// for it.
const SIGNATURE: &[u8] = b"pagefind_dcd";

/// The gzip level of the index files, libdeflate's (0–12): its level 1 writes them as small
/// as zlib's level 2, in less time. Pagefind uses 9; see the README's Search section for the
/// time and size of each.
pub const GZIP_LEVEL: u32 = 1;

/// A word chunk is closed once it holds this many positions (Pagefind's default).
const CHUNK_SIZE: usize = 20_000;

/// Pages split in parallel at a time.
const BATCH: usize = 512;

/// The shortest name of an index file: this many hex digits of its hash.
const NAME_DIGITS: usize = 7;

/// The written index: its files (paths under `pagefind/`) and what the entry file says of it.
pub struct Index {
    pub files: Vec<(String, Vec<u8>)>,
    /// The meta file without its head and version ([`Index::meta_file`] writes it); `None`
    /// when no page has a word to index (then there is no index, as with Pagefind).
    meta: Option<Vec<u8>>,
    pub page_count: usize,
}

/// Writes the index of `records`, whose text is in `language` (an ISO 639-1 code), gzipped
/// at `level`. A record whose text has no word to index is left out, as Pagefind leaves it
/// out.
pub fn write(records: &[Record], language: &str, level: u32) -> Index {
    let records = distinct(records);
    let fields = MetaFields::of(&records);
    let vocabulary = Mutex::new(Vocabulary::default());
    // One worker per thread of rayon's pool, and one for a caller outside it.
    let threads = rayon::current_num_threads() + 1;
    let workers: Vec<Mutex<Worker>> = (0..threads)
        .map(|_| Mutex::new(Worker::new(language, &vocabulary, level)))
        .collect();
    let split = |batch: &[&Record]| -> Vec<Page> {
        batch
            .par_iter()
            .filter_map(|record| {
                let slot = rayon::current_thread_index().unwrap_or(threads - 1);
                let mut worker = workers[slot % threads]
                    .lock()
                    .unwrap_or_else(|poisoned| poisoned.into_inner());
                worker.page(record, &fields)
            })
            .collect()
    };
    let mut index = Merged::default();
    let mut batches = records.chunks(BATCH);
    let mut pending = batches.next().map(split).unwrap_or_default();
    for batch in batches {
        let ((), next) = rayon::join(|| index.add(std::mem::take(&mut pending)), || split(batch));
        pending = next;
    }
    index.add(pending);
    drop(workers);
    let vocabulary = vocabulary
        .into_inner()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    index.finish(language, &vocabulary, &fields, level)
}

/// The records with distinct URLs: where two have the same, the later replaces the earlier in
/// its place (as in Pagefind, where a page added again replaces the one before).
fn distinct(records: &[Record]) -> Vec<&Record> {
    // Where each URL is first and last.
    let mut at: foldhash::HashMap<&str, (usize, usize)> = Default::default();
    for (i, record) in records.iter().enumerate() {
        at.entry(&record.url).or_insert((i, i)).1 = i;
    }
    records
        .iter()
        .enumerate()
        .filter_map(|(i, record)| {
            let (first, last) = at[record.url.as_str()];
            (i == first).then(|| &records[last])
        })
        .collect()
}

/// The meta fields: `title` on every page, `aliases` on the pages of terms that have them.
/// Pagefind numbers them in byte order across the site.
struct MetaFields {
    names: Vec<&'static str>,
    title: u16,
    aliases: u16,
}

impl MetaFields {
    fn of(records: &[&Record]) -> Self {
        if records.iter().any(|r| !r.aliases.is_empty()) {
            MetaFields {
                names: vec!["aliases", "title"],
                title: 1,
                aliases: 0,
            }
        } else {
            MetaFields {
                names: vec!["title"],
                title: 0,
                aliases: u16::MAX,
            }
        }
    }
}

/// Every word of the index, numbered as it is first met; a word's form with diacritics
/// (`cafe` as `café`) is numbered apart from the word.
#[derive(Default)]
struct Vocabulary {
    ids: foldhash::HashMap<(Arc<str>, Option<Arc<str>>), u32>,
    words: Vec<(Arc<str>, Option<Arc<str>>)>,
}

impl Vocabulary {
    fn id(&mut self, word: &Indexed) -> u32 {
        let key = (word.word.clone(), word.original.clone());
        if let Some(&id) = self.ids.get(&key) {
            return id;
        }
        let id = u32::try_from(self.words.len()).unwrap_or(u32::MAX);
        self.words.push(key.clone());
        self.ids.insert(key, id);
        id
    }
}

/// Pieces of text a worker remembers the words of, at most (for the body and the titles
/// each): a news site's vocabulary is smaller, and text that never repeats is bounded.
const REMEMBERED: usize = 200_000;

/// What a thread splits pages with: the stemmer, the words of the pieces it has seen (a
/// page repeats its words, and stemming is the costly part), the places of the page being
/// split, and a compressor to reuse.
struct Worker<'a> {
    stemmer: Option<Stemmer>,
    vocabulary: &'a Mutex<Vocabulary>,
    /// A piece of the body, or of a meta field: its list in `lists`.
    body: foldhash::HashMap<Box<str>, u32>,
    meta: foldhash::HashMap<Box<str>, u32>,
    /// Each piece's words: (word id, weight in the body).
    lists: Vec<Box<[(u32, u8)]>>,
    /// The places of each word on the page being split, by word id; and the words it has.
    places: Vec<Places>,
    touched: Vec<u32>,
    /// Scratch for one word's encoded places.
    locs: Vec<i64>,
    gzip: Gzip,
}

#[derive(Default)]
struct Places {
    /// (weight, position) in the body.
    body: Vec<(u8, u32)>,
    /// (field, position) in the meta fields.
    meta: Vec<(u16, u32)>,
}

impl<'a> Worker<'a> {
    fn new(language: &str, vocabulary: &'a Mutex<Vocabulary>, level: u32) -> Self {
        Worker {
            stemmer: words::stemmer(language),
            vocabulary,
            body: Default::default(),
            meta: Default::default(),
            lists: Vec::new(),
            places: Vec::new(),
            touched: Vec::new(),
            locs: Vec::new(),
            gzip: Gzip::new(level),
        }
    }

    /// The list (in `lists`) of the words of `piece` of the body (`body`) or of a meta field.
    #[inline]
    fn list(&mut self, piece: &str, body: bool) -> usize {
        let seen = if body { &self.body } else { &self.meta };
        match seen.get(piece) {
            Some(&list) => list as usize,
            None => self.new_list(piece, body),
        }
    }

    /// [`Worker::list`] of a piece not seen before.
    #[inline(never)]
    fn new_list(&mut self, piece: &str, body: bool) -> usize {
        let words = words::indexed(piece, self.stemmer.as_ref(), body);
        let parts = words.iter().filter(|w| w.part).count();
        let part_weight = match parts {
            0 => 0,
            n => (BODY_WEIGHT / u8::try_from(n).unwrap_or(u8::MAX)).max(1),
        };
        let list: Box<[(u32, u8)]> = {
            let mut vocabulary = self
                .vocabulary
                .lock()
                .unwrap_or_else(|poisoned| poisoned.into_inner());
            words
                .iter()
                .map(|w| {
                    let weight = if w.part { part_weight } else { BODY_WEIGHT };
                    (vocabulary.id(w), weight)
                })
                .collect()
        };
        if let Some(max) = list.iter().map(|&(id, _)| id as usize).max()
            && max >= self.places.len()
        {
            self.places.resize_with(max + 1, Default::default);
        }
        let index = self.lists.len();
        self.lists.push(list);
        let seen = if body { &mut self.body } else { &mut self.meta };
        seen.insert(piece.into(), index as u32);
        index
    }

    /// One page, split; `None` if its text has no word to index.
    fn page(&mut self, record: &Record, fields: &MetaFields) -> Option<Page> {
        if self.lists.len() >= REMEMBERED {
            self.body.clear();
            self.meta.clear();
            self.lists.clear();
        }
        let text = record.content.as_str();
        let mut position: u32 = 0;
        // Zero-width spaces are not text (Pagefind marks word breaks with them).
        let zero_width = text.contains('\u{200B}');
        // The fragment's text is the pieces, one space between them: while the text is
        // that already (`single`: most pages), it is not copied; `next` is where its next
        // piece starts then. Past the first place where it is not, the pieces are copied.
        let mut content = String::new();
        let mut single = !zero_width;
        let mut next = 0;
        for piece in pieces(text) {
            let piece = if zero_width && piece.contains('\u{200B}') {
                std::borrow::Cow::Owned(piece.replace('\u{200B}', ""))
            } else {
                std::borrow::Cow::Borrowed(piece)
            };
            if piece.is_empty() {
                continue;
            }
            if single {
                // Without zero-width spaces every piece is a slice of the text.
                let start = piece.as_ptr() as usize - text.as_ptr() as usize;
                if start == next && (start == 0 || text.as_bytes()[start - 1] == b' ') {
                    next = start + piece.len() + 1;
                } else {
                    single = false;
                    content.reserve(text.len());
                    content.push_str(&text[..next]);
                }
            }
            if !single {
                content.push_str(&piece);
                content.push(' ');
            }
            let list = self.list(&piece, true);
            for &(id, weight) in self.lists[list].iter() {
                let places = &mut self.places[id as usize];
                if places.body.is_empty() {
                    self.touched.push(id);
                }
                places.body.push((weight, position));
            }
            position = position.saturating_add(1);
        }
        // A page without a word to find is not indexed (its title alone does not count,
        // as with Pagefind).
        if self.touched.is_empty() {
            return None;
        }
        let content = if single {
            &text[..next - 1]
        } else {
            content.pop();
            content.as_str()
        };
        let aliases = record.aliases.join(", ");
        for (field, value) in [(fields.title, &record.title), (fields.aliases, &aliases)] {
            for (at, piece) in value.split_whitespace().enumerate() {
                let at = u32::try_from(at).unwrap_or(u32::MAX);
                let list = self.list(piece, false);
                for &(id, _) in self.lists[list].iter() {
                    let places = &mut self.places[id as usize];
                    if places.body.is_empty() && places.meta.is_empty() {
                        self.touched.push(id);
                    }
                    places.meta.push((field, at));
                }
            }
        }

        let mut positions = Vec::with_capacity(self.touched.len() * 8);
        let mut words = Vec::with_capacity(self.touched.len());
        let locs = &mut self.locs;
        for id in self.touched.drain(..) {
            let places = &mut self.places[id as usize];
            let start = positions.len();
            encode_body(&mut places.body, locs);
            let size = locs.len();
            write_ints(&mut positions, locs);
            encode_meta(&mut places.meta, locs);
            let size = size + locs.len() + 1;
            write_ints(&mut positions, locs);
            places.body.clear();
            places.meta.clear();
            words.push(PageWord {
                id,
                start: start as u32,
                end: positions.len() as u32,
                size: u32::try_from(size).unwrap_or(u32::MAX),
            });
        }

        let mut meta = BTreeMap::from([("title", record.title.as_str())]);
        if !record.aliases.is_empty() {
            meta.insert("aliases", aliases.as_str());
        }
        let fragment = Fragment {
            url: &record.url,
            content,
            word_count: position,
            filters: BTreeMap::from([("kind", [record.kind])]),
            meta,
            anchors: [],
        };
        let mut json = Vec::with_capacity(SIGNATURE.len() + content.len() + 256);
        json.extend_from_slice(SIGNATURE);
        fragment.write(&mut json);
        Some(Page {
            word_count: position,
            fragment_hash: blake3::hash(&json[SIGNATURE.len()..]),
            fragment: self.gzip.signed(&json),
            kind: record.kind,
            words,
            positions,
        })
    }
}

/// The pieces of `text` between whitespace: `text.split_whitespace()`, byte by byte for
/// ASCII (most text), which is several times faster.
fn pieces(text: &str) -> impl Iterator<Item = &str> {
    let bytes = text.as_bytes();
    let mut at = 0;
    // Whether there is whitespace at `at` (not printable ASCII), and how long the character
    // there is.
    let space = move |at: usize| -> (bool, usize) {
        match bytes[at] {
            b'\t'..=b'\r' | b' ' => (true, 1),
            0..0x80 => (false, 1),
            _ => match text[at..].chars().next() {
                Some(c) => (c.is_whitespace(), c.len_utf8()),
                None => (false, 1),
            },
        }
    };
    std::iter::from_fn(move || {
        loop {
            if at >= bytes.len() {
                return None;
            }
            let (is_space, len) = space(at);
            if !is_space {
                break;
            }
            at += len;
        }
        let start = at;
        while at < bytes.len() {
            // Printable ASCII, the common case.
            if (b'!'..0x80).contains(&bytes[at]) {
                at += 1;
                continue;
            }
            let (is_space, len) = space(at);
            if is_space {
                break;
            }
            at += len;
        }
        Some(&text[start..at])
    })
}

/// One page, split: its fragment, and each word's positions encoded.
struct Page {
    word_count: u32,
    fragment: Vec<u8>,
    fragment_hash: blake3::Hash,
    kind: &'static str,
    words: Vec<PageWord>,
    /// Each word's positions, encoded as the chunk holds them: the array of body positions,
    /// then the array of meta positions.
    positions: Vec<u8>,
}

struct PageWord {
    id: u32,
    start: u32,
    end: u32,
    /// Positions and meta positions, plus one: what a chunk's size counts.
    size: u32,
}

#[derive(Serialize)]
struct Fragment<'a> {
    url: &'a str,
    content: &'a str,
    word_count: u32,
    filters: BTreeMap<&'a str, [&'a str; 1]>,
    meta: BTreeMap<&'a str, &'a str>,
    anchors: [(); 0],
}

impl Fragment<'_> {
    /// The fragment as JSON, byte for byte what `serde_json` writes of it, but for the text:
    /// it is copied as it is when it has nothing to escape (most pages).
    fn write(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(b"{\"url\":");
        json_str(out, self.url);
        out.extend_from_slice(b",\"content\":");
        json_str(out, self.content);
        out.extend_from_slice(b",\"word_count\":");
        out.extend_from_slice(itoa::Buffer::new().format(self.word_count).as_bytes());
        out.extend_from_slice(b",\"filters\":{");
        for (i, (name, [value])) in self.filters.iter().enumerate() {
            if i > 0 {
                out.push(b',');
            }
            json_str(out, name);
            out.extend_from_slice(b":[");
            json_str(out, value);
            out.push(b']');
        }
        out.extend_from_slice(b"},\"meta\":{");
        for (i, (name, value)) in self.meta.iter().enumerate() {
            if i > 0 {
                out.push(b',');
            }
            json_str(out, name);
            out.push(b':');
            json_str(out, value);
        }
        out.extend_from_slice(b"},\"anchors\":[]}");
    }
}

/// `text` as a JSON string, as `serde_json` writes it.
fn json_str(out: &mut Vec<u8>, text: &str) {
    // Without stopping at the first: the compiler checks many bytes at a time.
    let escaped = text.bytes().fold(false, |any, b| {
        any | (b < 0x20) | (b == b'"') | (b == b'\\')
    });
    if !escaped {
        out.push(b'"');
        out.extend_from_slice(text.as_bytes());
        out.push(b'"');
    } else {
        // Serialising to memory cannot fail.
        let _ = serde_json::to_writer(&mut *out, text);
    }
}

/// A word's body positions as Pagefind lists them: by weight (24, the body's, first), then
/// by position; each position as the difference from the one before, and a change of weight
/// as `-(weight + 1)` followed by the position itself.
fn encode_body(places: &mut [(u8, u32)], out: &mut Vec<i64>) {
    out.clear();
    places.sort_unstable_by_key(|&(weight, at)| (if weight == 25 { 0 } else { weight }, at));
    let (mut weight, mut last) = (25, 0);
    for &(w, at) in places.iter() {
        if w != weight {
            out.extend([-i64::from(w) - 1, i64::from(at)]);
            weight = w;
        } else {
            out.push(i64::from(at) - i64::from(last));
        }
        last = at;
    }
}

/// A word's meta positions as Pagefind lists them: by field, then position; a field as
/// `-(field + 1)`, then each position as the difference from the one before in that field.
fn encode_meta(places: &mut [(u16, u32)], out: &mut Vec<i64>) {
    out.clear();
    places.sort_unstable();
    let (mut field, mut last) = (None, 0);
    for &(f, at) in places.iter() {
        if field != Some(f) {
            out.push(-i64::from(f) - 1);
            field = Some(f);
            last = 0;
        }
        out.push(i64::from(at) - i64::from(last));
        last = at;
    }
}

fn write_ints(out: &mut Vec<u8>, ints: &[i64]) {
    cbor::array(out, ints.len());
    for &i in ints {
        cbor::int(out, i);
    }
}

/// The pages of a word (or of one of its variants), encoded as the chunk holds them.
#[derive(Default)]
struct Postings {
    bytes: Vec<u8>,
    count: usize,
    last_page: u32,
    /// What a chunk's size counts of them.
    size: usize,
}

impl Postings {
    fn push(&mut self, page: u32, positions: &[u8], size: u32) {
        cbor::array(&mut self.bytes, 3);
        cbor::uint(&mut self.bytes, u64::from(page - self.last_page));
        self.bytes.extend_from_slice(positions);
        self.count += 1;
        self.last_page = page;
        self.size += size as usize;
    }

    fn write(&self, out: &mut Vec<u8>) {
        cbor::array(out, self.count);
        out.extend_from_slice(&self.bytes);
    }
}

/// A word of the index and its variants, as a chunk lists it.
struct Entry<'a> {
    word: &'a str,
    pages: Option<&'a Postings>,
    variants: Vec<(&'a str, &'a Postings)>,
    size: usize,
}

/// The index as pages are added, in page order.
#[derive(Default)]
struct Merged {
    /// By word id.
    words: Vec<Postings>,
    /// Each page's fragment hash and word count, by page number.
    pages: Vec<(blake3::Hash, u32)>,
    fragments: Vec<(blake3::Hash, Vec<u8>)>,
    kinds: BTreeMap<&'static str, Vec<u32>>,
}

impl Merged {
    fn add(&mut self, pages: Vec<Page>) {
        for page in pages {
            let number = self.pages.len() as u32;
            self.pages.push((page.fragment_hash, page.word_count));
            self.kinds.entry(page.kind).or_default().push(number);
            for w in page.words {
                let id = w.id as usize;
                if id >= self.words.len() {
                    self.words.resize_with(id + 1, Default::default);
                }
                let positions = &page.positions[w.start as usize..w.end as usize];
                self.words[id].push(number, positions, w.size);
            }
            self.fragments.push((page.fragment_hash, page.fragment));
        }
    }

    fn finish(
        self,
        language: &str,
        vocabulary: &Vocabulary,
        fields: &MetaFields,
        level: u32,
    ) -> Index {
        let page_count = self.pages.len();
        if page_count == 0 {
            return Index {
                files: Vec::new(),
                meta: None,
                page_count,
            };
        }
        // The words in byte order, each with its variants (`None`, the word itself, first).
        let empty = Postings::default();
        let mut ids: Vec<usize> = (0..self.words.len())
            .filter(|&id| self.words[id].count > 0)
            .collect();
        ids.par_sort_unstable_by(|&a, &b| vocabulary.words[a].cmp(&vocabulary.words[b]));
        let mut words: Vec<Entry> = Vec::new();
        for id in ids {
            let (word, variant) = &vocabulary.words[id];
            let postings = &self.words[id];
            if words.last().is_none_or(|e| e.word != &**word) {
                words.push(Entry {
                    word,
                    pages: None,
                    variants: Vec::new(),
                    size: 0,
                });
            }
            let entry = words.last_mut().expect("just pushed");
            entry.size += postings.size;
            match variant {
                None => entry.pages = Some(postings),
                Some(form) => {
                    entry.variants.push((form, postings));
                    entry.size += 1;
                }
            }
        }
        let mut chunks: Vec<&[Entry]> = Vec::new();
        let (mut start, mut size) = (0, 0);
        for (i, entry) in words.iter().enumerate() {
            size += entry.size;
            if size >= CHUNK_SIZE {
                chunks.push(&words[start..=i]);
                (start, size) = (i + 1, 0);
            }
        }
        if start < words.len() {
            chunks.push(&words[start..]);
        }
        let encoded: Vec<(blake3::Hash, Vec<u8>)> = chunks
            .par_iter()
            .map_init(
                || Gzip::new(level),
                |gzip, chunk| {
                    let mut out = Vec::from(SIGNATURE);
                    cbor::array(&mut out, 1);
                    cbor::array(&mut out, chunk.len());
                    for entry in chunk.iter() {
                        cbor::array(&mut out, 3);
                        cbor::text(&mut out, entry.word);
                        entry.pages.unwrap_or(&empty).write(&mut out);
                        cbor::array(&mut out, entry.variants.len());
                        for (form, postings) in &entry.variants {
                            cbor::array(&mut out, 2);
                            cbor::text(&mut out, form);
                            postings.write(&mut out);
                        }
                    }
                    (blake3::hash(&out[SIGNATURE.len()..]), gzip.signed(&out))
                },
            )
            .collect();
        let ranges = chunk_ranges(&chunks);

        let mut files = Vec::with_capacity(self.fragments.len() + encoded.len() + 2);
        let fragment_names = names(language, self.fragments.iter().map(|f| &f.0));
        let mut written = foldhash::HashSet::default();
        for (hash, gz) in self.fragments {
            // Two pages with the same fragment share its file.
            if written.insert(hash) {
                files.push((
                    format!("fragment/{}.pf_fragment", fragment_names[&hash]),
                    gz,
                ));
            }
        }
        let chunk_names = names(language, encoded.iter().map(|c| &c.0));
        let mut meta_chunks = Vec::with_capacity(encoded.len());
        for ((hash, gz), (from, to)) in encoded.into_iter().zip(ranges) {
            let name = &chunk_names[&hash];
            meta_chunks.push((from, to, name.clone()));
            if written.insert(hash) {
                files.push((format!("index/{name}.pf_index"), gz));
            }
        }

        let mut filter = Vec::new();
        cbor::array(&mut filter, 2);
        cbor::text(&mut filter, "kind");
        cbor::array(&mut filter, self.kinds.len());
        for (value, pages) in &self.kinds {
            cbor::array(&mut filter, 2);
            cbor::text(&mut filter, value);
            cbor::array(&mut filter, pages.len());
            for &page in pages {
                cbor::uint(&mut filter, u64::from(page));
            }
        }
        let filter_hash = blake3::hash(&filter);
        let filter_name = format!("{language}_{}", &filter_hash.to_hex()[..NAME_DIGITS]);
        files.push((
            format!("filter/{filter_name}.pf_filter"),
            gzip(&filter, level),
        ));

        // The meta file but for its head and version: see [`Index::meta_file`].
        let mut meta = Vec::new();
        cbor::array(&mut meta, self.pages.len());
        for (hash, word_count) in &self.pages {
            cbor::array(&mut meta, 3);
            cbor::text(&mut meta, &fragment_names[hash]);
            cbor::uint(&mut meta, u64::from(*word_count));
            cbor::text(&mut meta, "");
        }
        cbor::array(&mut meta, meta_chunks.len());
        for (from, to, name) in &meta_chunks {
            cbor::array(&mut meta, 3);
            cbor::text(&mut meta, from);
            cbor::text(&mut meta, to);
            cbor::text(&mut meta, name);
        }
        cbor::array(&mut meta, 1);
        cbor::array(&mut meta, 2);
        cbor::text(&mut meta, "kind");
        cbor::text(&mut meta, &filter_name);
        // No sort orders.
        cbor::array(&mut meta, 0);
        cbor::array(&mut meta, fields.names.len());
        for name in &fields.names {
            cbor::text(&mut meta, name);
        }
        Index {
            files,
            meta: Some(meta),
            page_count,
        }
    }
}

impl Index {
    /// The meta file, for Pagefind `version`: its path under `pagefind/`, its name (for the
    /// entry file) and its bytes. `None` when no page has a word to index.
    pub fn meta_file(
        &self,
        language: &str,
        version: &str,
        level: u32,
    ) -> Option<(String, String, Vec<u8>)> {
        let rest = self.meta.as_ref()?;
        let mut meta = Vec::with_capacity(rest.len() + 16);
        cbor::array(&mut meta, 6);
        cbor::text(&mut meta, version);
        meta.extend_from_slice(rest);
        let name = format!("{language}_{}", &blake3::hash(&meta).to_hex()[..10]);
        Some((format!("pagefind.{name}.pf_meta"), name, gzip(&meta, level)))
    }
}

/// The first and last word a chunk is loaded for. Between two chunks, the end of the first
/// and the start of the second are cut to one character past what they have in common
/// (`apple`, `apricot` → `app`, `apr`), so that a query between them finds the right one;
/// the end is cut only where it stays at or after the chunk's start.
fn chunk_ranges(chunks: &[&[Entry]]) -> Vec<(String, String)> {
    let mut ranges: Vec<(String, String)> = chunks
        .iter()
        .map(|c| {
            let first = c.first().map(|e| e.word.to_string()).unwrap_or_default();
            let last = c.last().map(|e| e.word.to_string()).unwrap_or_default();
            (first, last)
        })
        .collect();
    for i in 1..ranges.len() {
        let (a, b) = (&ranges[i - 1].1, &ranges[i].0);
        let common = a.chars().zip(b.chars()).take_while(|(x, y)| x == y).count();
        let a_cut: String = a.chars().take(common + 1).collect();
        let b_cut: String = b.chars().take(common + 1).collect();
        if a_cut >= ranges[i - 1].0 {
            ranges[i - 1].1 = a_cut;
        }
        ranges[i].0 = b_cut;
    }
    ranges
}

/// The name of each distinct hash: the language, then the shortest prefix of its hex digits
/// (at least [`NAME_DIGITS`]) that no other hash starts with.
fn names<'a>(
    language: &str,
    hashes: impl Iterator<Item = &'a blake3::Hash>,
) -> foldhash::HashMap<blake3::Hash, String> {
    let mut hexes: Vec<_> = hashes.map(|h| (*h, h.to_hex())).collect();
    hexes.sort_unstable_by_key(|h| h.1);
    hexes.dedup_by(|a, b| a.0 == b.0);
    let common = |a: &str, b: &str| a.bytes().zip(b.bytes()).take_while(|(x, y)| x == y).count();
    let mut out = foldhash::HashMap::default();
    for (i, (hash, hex)) in hexes.iter().enumerate() {
        let mut digits = NAME_DIGITS;
        if let Some((_, before)) = i.checked_sub(1).map(|j| &hexes[j]) {
            digits = digits.max(common(before, hex) + 1);
        }
        if let Some((_, after)) = hexes.get(i + 1) {
            digits = digits.max(common(hex, after) + 1);
        }
        let hex = hex.as_str();
        out.insert(
            *hash,
            format!("{language}_{}", &hex[..digits.min(hex.len())]),
        );
    }
    out
}

/// `bytes` gzipped, with Pagefind's signature in front.
fn gzip(bytes: &[u8], level: u32) -> Vec<u8> {
    Gzip::new(level).signed(&[SIGNATURE, bytes].concat())
}

/// A gzip compressor to reuse, with its output buffer (libdeflate compresses a whole buffer
/// at once, into room for the worst case).
struct Gzip(libdeflater::Compressor, Vec<u8>);

impl Gzip {
    fn new(level: u32) -> Self {
        let level = i32::try_from(level)
            .ok()
            .and_then(|l| libdeflater::CompressionLvl::new(l).ok())
            .unwrap_or_default();
        Gzip(libdeflater::Compressor::new(level), Vec::new())
    }

    /// `signed` (which starts with Pagefind's signature) as a gzip file (RFC 1952: no name,
    /// no time).
    fn signed(&mut self, signed: &[u8]) -> Vec<u8> {
        debug_assert!(signed.starts_with(SIGNATURE));
        let Gzip(compressor, room) = self;
        room.resize(compressor.gzip_compress_bound(signed.len()), 0);
        // The room is the bound: compressing into it cannot fail.
        let written = compressor.gzip_compress(signed, room).unwrap_or(0);
        room[..written].to_vec()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fragments_are_the_json_serde_writes() {
        for (content, aliases) in [
            ("plain text &amp; more", ""),
            (
                "a \"quoted\" back\\slash \u{1} tab\t café 🌦️",
                "Donbass, \"Donbas\"",
            ),
            ("", ""),
        ] {
            let mut meta = BTreeMap::from([("title", "A \"title\"")]);
            if !aliases.is_empty() {
                meta.insert("aliases", aliases);
            }
            let fragment = Fragment {
                url: "/a/\u{e9}/",
                content,
                word_count: 1234,
                filters: BTreeMap::from([("kind", ["term"])]),
                meta,
                anchors: [],
            };
            let mut ours = Vec::new();
            fragment.write(&mut ours);
            assert_eq!(ours, serde_json::to_vec(&fragment).unwrap());
        }
    }

    #[test]
    fn pieces_are_split_at_whitespace_as_the_standard_library_splits() {
        let odd = "  a\tb\nc\u{0B}d\u{0C}e\rf\u{85}g\u{A0}h\u{1680}i\u{2003}j\u{2028}k\u{202F}l\
                   \u{3000}m\u{200B}n\u{FEFF}o café 東京  ";
        for text in ["", " ", "one", " two  words ", odd, "\u{3000}", "é\u{A0}"] {
            let ours: Vec<&str> = pieces(text).collect();
            let std: Vec<&str> = text.split_whitespace().collect();
            assert_eq!(ours, std, "{text:?}");
        }
    }

    proptest::proptest! {
        #[test]
        fn pieces_of_any_text_are_split_whitespaces(text in "(\\PC|\\s| |\u{85}|\u{A0}){0,40}") {
            let ours: Vec<&str> = pieces(&text).collect();
            let std: Vec<&str> = text.split_whitespace().collect();
            proptest::prop_assert_eq!(ours, std);
        }
    }

    #[test]
    fn body_positions_are_weighted_and_delta_coded() {
        let mut out = Vec::new();
        encode_body(&mut [(24, 7), (24, 2), (12, 5), (24, 9)], &mut out);
        // Parts (weight 12) first, then the body's weight; absolute after each change.
        assert_eq!(out, [-13, 5, -25, 2, 5, 2]);
        encode_body(&mut [], &mut out);
        assert!(out.is_empty());
    }

    #[test]
    fn meta_positions_are_grouped_by_field() {
        let mut out = Vec::new();
        encode_meta(&mut [(1, 3), (0, 0), (1, 0), (0, 5)], &mut out);
        assert_eq!(out, [-1, 0, 5, -2, 0, 3]);
    }

    #[test]
    fn chunk_ends_are_cut_to_what_tells_them_apart() {
        let word = |word| Entry {
            word,
            pages: None,
            variants: Vec::new(),
            size: 0,
        };
        let a = [word("apple")];
        let b = [word("apricot"), word("banana")];
        let c = [word("peach")];
        let ranges = chunk_ranges(&[&a, &b, &c]);
        assert_eq!(
            ranges,
            [
                ("apple".into(), "apple".into()),
                ("apr".into(), "b".into()),
                ("p".into(), "peach".into())
            ]
        );
    }

    #[test]
    fn names_are_unique_prefixes_of_at_least_seven_digits() {
        let hashes: Vec<blake3::Hash> = (0..20_000u32)
            .map(|i| blake3::hash(&i.to_le_bytes()))
            .collect();
        let names = names("en", hashes.iter());
        assert_eq!(names.len(), hashes.len());
        let distinct: foldhash::HashSet<&String> = names.values().collect();
        assert_eq!(distinct.len(), hashes.len());
        assert!(names.values().all(|n| n.len() >= 3 + NAME_DIGITS));
        // No name is a prefix of another's hash: each is found again from its own hash.
        for (hash, name) in &names {
            assert!(hash.to_hex().starts_with(&name[3..]));
        }
    }
}

#[cfg(test)]
mod gzip_tests {
    use super::*;
    use std::io::Read as _;

    #[test]
    fn a_reused_compressor_writes_whole_gzip_files() {
        let mut gzip = Gzip::new(GZIP_LEVEL);
        let big: Vec<u8> = SIGNATURE
            .iter()
            .copied()
            .chain((0..300_000u32).flat_map(|i| (i % 251).to_le_bytes()))
            .collect();
        for input in [SIGNATURE.to_vec(), big, [SIGNATURE, b"pagefind"].concat()] {
            let gz = gzip.signed(&input);
            let mut out = Vec::new();
            flate2::read::GzDecoder::new(&gz[..])
                .read_to_end(&mut out)
                .expect("gzip");
            assert_eq!(out, input);
        }
    }
}
