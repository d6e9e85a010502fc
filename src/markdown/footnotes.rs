//! Footnotes and citations: numbered notes, a page's own and the sources it cites (a
//! `[^label]` the page does not define names a source), each with its back link.

use super::*;

/// The page's notes as the walk finds them.
#[derive(Default)]
pub(super) struct Notes<'a> {
    /// The definition being read: its label and events.
    pub(super) open: Option<(String, Vec<Event<'a>>)>,
    pub(super) defs: Vec<(String, Vec<Event<'a>>)>,
    /// Each cited note (by id key): its number, the id its `fn-`/`fnref-` ids are made of,
    /// and how many references it has so far.
    pub(super) numbers: HashMap<String, NoteNumber>,
    /// Each footnote definition's id key → its label as first written.
    pub(super) labels: HashMap<String, String>,
    /// Notes that cite a source (by id key) → the source.
    pub(super) cited: HashMap<String, SourceId>,
    /// Labels with no definition on the page (by citation key): citations of sources, or
    /// unknown. See [`parse`].
    pub(super) stand_ins: HashSet<String>,
}

impl<'e, 'a> Walker<'e, 'a>
where
    'e: 'a,
{
    pub(super) fn start_footnote(&mut self, label: &str, offset: usize, len: usize) {
        self.state.in_footnote = true;
        let key = footnote_key(label);
        if let Some(first) = self.notes.labels.get(&key) {
            let message = if *first == label {
                format!("footnote `[^{label}]` is defined twice")
            } else {
                format!("footnotes `[^{first}]` and `[^{label}]` would have the same id")
            };
            let help = "give each footnote its own label".to_string();
            self.error(message, offset, len.min(label.len() + 4), help);
        } else {
            self.notes.labels.insert(key, label.to_string());
        }
        self.notes.open = Some((label.to_string(), Vec::new()));
    }

    pub(super) fn end_footnote(&mut self) {
        self.state.in_footnote = false;
        if let Some(def) = self.notes.open.take() {
            self.notes.defs.push(def);
        }
    }

    pub(super) fn footnote_reference(&mut self, label: &str, offset: usize, len: usize) {
        if let Some(paragraph) = &mut self.paragraph {
            paragraph.cites = true;
        }
        // No definition on the page: the label must name a source.
        let source = if self.notes.stand_ins.contains(citation_key(label).as_ref()) {
            match self.env.sources.lookup(label) {
                Some(source) => Some(source),
                None => return self.unknown_citation(label, offset, len),
            }
        } else {
            None
        };
        // By id, not by label as written: `[^Seed]` cites the note `[^seed]` (labels match
        // ignoring case), so both get one number and one set of ids.
        let key = footnote_key(label);
        let (number, id, uses) = self.note_number(key, source);
        let ref_id = if uses == 1 {
            concat(&["fnref-", &id])
        } else {
            self.fresh_single_id(format!("fnref-{id}-{uses}"))
        };
        let number_text = number.to_string();
        let mut html = String::with_capacity(160 + 2 * id.len());
        for part in [
            "<sup class=\"footnote-ref\"><a href=\"#fn-",
            &id,
            "\" id=\"",
            &ref_id,
            "\" aria-label=\"Note ",
            &number_text,
            "\"",
        ] {
            html.push_str(part);
        }
        if let Some(source) = source {
            // The source on hover and focus, from CSS (`content: attr(data-tip)`), so it is
            // never part of the text; the note itself is the accessible description.
            let tip = self
                .env
                .sources
                .sources
                .get(source.0)
                .map_or("", |s| &s.tip);
            for part in [" aria-describedby=\"fn-", &id, "\" data-tip=\"", tip, "\""] {
                html.push_str(part);
            }
            self.record_citation(source, ref_id, offset);
        }
        for part in [">", &number_text, "</a></sup>"] {
            html.push_str(part);
        }
        self.emit(Event::InlineHtml(html.into()));
    }

    /// The number, id and count of references of the note `key` (by id), counting this one:
    /// a new note gets the next number and ids no heading above took.
    fn note_number(&mut self, key: String, source: Option<SourceId>) -> (usize, String, usize) {
        match self.notes.numbers.get_mut(&key) {
            Some(note) => {
                note.uses += 1;
                (note.number, note.id.clone(), note.uses)
            }
            None => {
                let number = self.notes.numbers.len() + 1;
                let id = self.fresh_id(&key, |c| vec![concat(&["fn-", c]), concat(&["fnref-", c])]);
                if let Some(source) = source {
                    self.notes.cited.insert(key.clone(), source);
                }
                let note = NoteNumber {
                    number,
                    id: id.clone(),
                    uses: 1,
                };
                self.notes.numbers.insert(key, note);
                (number, id, 1)
            }
        }
    }

    /// Records a citation of `source` whose reference has the id `ref_id`.
    fn record_citation(&mut self, source: SourceId, ref_id: String, offset: usize) {
        // "Cited on" shows the sentence of a page's first citation of a source only.
        let first = !self.result.citations.iter().any(|c| c.source == source);
        if first {
            self.waiting.push((
                Waiting::Citation(self.result.citations.len()),
                self.block_text.len(),
            ));
        }
        self.result.citations.push(Citation {
            source,
            id: ref_id,
            sentence: String::new(),
            offset,
            first,
        });
    }

    pub(super) fn unknown_citation(&mut self, label: &str, offset: usize, len: usize) {
        let suggestions = self.env.sources.suggest(label);
        let sources = &self.env.config.sources.dir;
        let help = if suggestions.is_empty() {
            format!(
                "add the source as content/{sources}/{}.md, or write the note on this page: `[^{label}]: ...`",
                citation_key(label)
            )
        } else {
            format!("did you mean {}?", quote_list(&suggestions))
        };
        self.error(
            format!("`[^{label}]` names no source and no note on this page"),
            offset,
            len,
            help,
        );
    }

    /// Appends the numbered notes, the page's own and the sources it cites, in the order
    /// they are first referenced.
    pub(super) fn footnotes(&mut self, html: &mut String) {
        let mut notes: Vec<(usize, String, Note<'a>)> = Vec::new();
        for (label, events) in std::mem::take(&mut self.notes.defs) {
            match self.notes.numbers.get(&footnote_key(&label)) {
                Some(note) => notes.push((note.number, note.id.clone(), Note::Own(events))),
                None => self.result.diagnostics.push(
                    Diagnostic::warning(
                        &self.page.path,
                        format!("footnote `[^{label}]` is never referenced"),
                    )
                    .with_help(format!("cite it with `[^{label}]` or remove it")),
                ),
            }
        }
        for (key, &source) in &self.notes.cited {
            if let Some(note) = self.notes.numbers.get(key) {
                notes.push((note.number, note.id.clone(), Note::Source(source)));
            }
        }
        if notes.is_empty() || self.env.mode == Mode::Check {
            return;
        }
        notes.sort_by_key(|(n, _, _)| *n);
        html.push_str("<section class=\"footnotes\" aria-label=\"Notes\">\n<ol>\n");
        for (_, id, note) in notes {
            let back = concat(&[
                " <a href=\"#fnref-",
                &id,
                "\" class=\"footnote-back\" aria-label=\"Back to the text\">↩</a>",
            ]);
            match note {
                Note::Own(mut events) => {
                    match events
                        .iter()
                        .rposition(|e| matches!(e, Event::End(TagEnd::Paragraph)))
                    {
                        Some(i) => events.insert(i, Event::InlineHtml(back.into())),
                        None => events.push(Event::InlineHtml(back.into())),
                    }
                    let _ = write!(html, "<li id=\"fn-{id}\">");
                    pulldown_cmark::html::push_html(html, events.into_iter());
                }
                Note::Source(source) => {
                    let _ = write!(html, "<li id=\"fn-{id}\" class=\"source-note\"><p>");
                    if let Some(s) = self.env.sources.sources.get(source.0) {
                        html.push_str(&s.note);
                    }
                    html.push_str(&back);
                    html.push_str("</p>\n");
                }
            }
            html.push_str("</li>\n");
        }
        html.push_str("</ol>\n</section>\n");
    }
}

/// A cited note's number, the id its `fn-`/`fnref-` ids are made of, and its references.
pub(super) struct NoteNumber {
    pub(super) number: usize,
    pub(super) id: String,
    pub(super) uses: usize,
}

/// A note at the end of a page.
pub(super) enum Note<'a> {
    /// The page's own footnote, `[^1]: a remark`.
    Own(Vec<Event<'a>>),
    /// A source the page cites.
    Source(SourceId),
}

/// The labels of footnote references (`[^seed]`) that no line of `body` defines
/// (`[^seed]: ...`), one per citation key, in order of first use. A plain scan of the text:
/// a label in a code span is found too, and its stand-in is simply never referenced.
pub(super) fn labels_without_definition(body: &str) -> Vec<String> {
    // One SIMD scan for `[^` (most pages have none), then each place is looked at alone.
    let mut defined: HashSet<std::borrow::Cow<str>> = HashSet::default();
    let mut used: Vec<&str> = Vec::new();
    for at in memchr::memmem::find_iter(body.as_bytes(), b"[^") {
        let (Some(before), Some(rest)) = (body.get(..at), body.get(at + 2..)) else {
            continue;
        };
        let line_start = before
            .bytes()
            .rev()
            .take_while(|&b| b != b'\n')
            .all(|b| b == b' ');
        let line = rest.split('\n').next().unwrap_or_default();
        match line.split_once("]:") {
            // `[^label]: ...` at the start of a line (after spaces) defines the label.
            Some((label, _)) if line_start => {
                defined.insert(citation_key(label));
            }
            _ => {}
        }
        if let Some((label, _)) = rest.split_once(']') {
            used.push(label);
        }
    }
    let mut seen = HashSet::default();
    let mut labels = Vec::new();
    for label in used {
        let key = citation_key(label);
        if is_plain_label(label) && !defined.contains(&key) && seen.insert(key) {
            labels.push(label.to_string());
        }
    }
    labels
}

/// A label a citation can use: short, on one line, no brackets, carets or backslashes,
/// no spaces around it.
pub(super) fn is_plain_label(label: &str) -> bool {
    !label.is_empty()
        && label.len() <= 100
        && !label.contains(['[', '\n', '^', '\\'])
        && label.trim() == label
}

/// A footnote label as an id: `seed` → `seed`, `A note` → `a-note`.
pub(super) fn footnote_key(label: &str) -> String {
    // Most labels (`seed`, `1`, `source-12`) are already slugs: skip the transliteration.
    let plain = |b: u8| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-';
    if !label.is_empty()
        && label.bytes().all(plain)
        && !label.starts_with('-')
        && !label.ends_with('-')
        && !label.contains("--")
    {
        return label.to_string();
    }
    let s = slugify(label);
    if s.is_empty() { "note".into() } else { s }
}

#[cfg(test)]
#[allow(clippy::indexing_slicing, clippy::string_slice, clippy::unwrap_used)]
mod tests {
    use super::*;

    /// The first version of [`labels_without_definition`], line by line: the rules plainly.
    fn labels_without_definition_by_line(body: &str) -> Vec<String> {
        let defined: HashSet<std::borrow::Cow<str>> = body
            .lines()
            .filter_map(|line| {
                let line = line.trim_start_matches(' ');
                let label = line.strip_prefix("[^")?.split_once("]:")?.0;
                Some(citation_key(label))
            })
            .collect();
        let mut seen = HashSet::default();
        let mut labels = Vec::new();
        for (i, _) in body.match_indices("[^") {
            let Some((label, _)) = body[i + 2..].split_once(']') else {
                continue;
            };
            let key = citation_key(label);
            if is_plain_label(label) && !defined.contains(&key) && seen.insert(key) {
                labels.push(label.to_string());
            }
        }
        labels
    }

    proptest::proptest! {
        #[test]
        fn labels_without_definition_agrees_with_the_line_by_line_rules(
            body in "(\\[\\^|\\]:?|[ \n]|[aB]|é|\\^){0,40}"
        ) {
            proptest::prop_assert_eq!(
                labels_without_definition(&body),
                labels_without_definition_by_line(&body)
            );
        }
    }

    #[test]
    fn labels_defined_on_a_line_of_their_own_are_not_stand_ins() {
        let body = "A[^wire] and[^seed] and [^Wire].\n\n  [^seed]: Defined.\nx [^other]: not a definition\n";
        assert_eq!(labels_without_definition(body), ["wire", "other"]);
    }
}
