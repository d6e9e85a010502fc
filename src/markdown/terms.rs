//! Glossary terms: the mentions in running text become term links with a hover
//! definition, each recorded for "Mentioned in"; the page's hidden definitions.

use super::*;

/// What the page links of the glossary.
pub(super) struct Terms {
    /// The term whose page this is: never linked from itself.
    pub(super) self_term: Option<TermId>,
    pub(super) auto_link: AutoLink,
    pub(super) linked: HashSet<TermId>,
    pub(super) mention_counts: HashMap<TermId, usize>,
    /// Each linked term's hidden definition id, and the terms in order of first link.
    pub(super) def_ids: HashMap<TermId, String>,
    pub(super) def_order: Vec<TermId>,
}

impl Terms {
    pub(super) fn new(self_term: Option<TermId>, auto_link: AutoLink) -> Self {
        Terms {
            self_term,
            auto_link,
            linked: HashSet::default(),
            mention_counts: HashMap::default(),
            def_ids: HashMap::default(),
            def_order: Vec::new(),
        }
    }
}

impl<'e, 'a> Walker<'e, 'a>
where
    'e: 'a,
{
    /// Emits the pending text, linking the glossary terms it mentions.
    pub(super) fn flush(&mut self) {
        if self.pending.is_empty() {
            return;
        }
        let text = std::mem::take(&mut self.pending);
        self.result.word_count += count_words(&text);
        let linkable = self.links.open.is_empty()
            && self.links.images == 0
            && self.links.raw == 0
            && !self.state.in_footnote
            && self.terms.auto_link != AutoLink::Off;
        let mut last = 0;
        if linkable {
            let found: Vec<_> = self.env.glossary.mentions(&text).collect();
            for (range, term) in found {
                if Some(term) == self.terms.self_term
                    || (self.terms.auto_link == AutoLink::First
                        && self.terms.linked.contains(&term))
                {
                    continue;
                }
                // Match ranges come from searching `text` for whole UTF-8 names: they fall on
                // character boundaries, and `get` keeps it so whatever the matcher does.
                let before = text.get(last..range.start).unwrap_or_default();
                self.emit(Event::Text(CowStr::from(before.to_string())));
                let sentence_at = self.block_text.len() + range.start;
                let open = self.term_link(term, sentence_at);
                self.emit(Event::InlineHtml(open.into()));
                let name = text.get(range.clone()).unwrap_or_default();
                self.emit(Event::Text(CowStr::from(name.to_string())));
                self.emit(Event::InlineHtml(CowStr::Borrowed(TERM_LINK_CLOSE)));
                last = range.end;
            }
        }
        self.block_text.push_str(&text);
        if last == 0 {
            self.emit(Event::Text(CowStr::from(text)));
        } else if last < text.len() {
            let rest = text.get(last..).unwrap_or_default();
            self.emit(Event::Text(CowStr::from(rest.to_string())));
        }
    }

    /// The HTML around a link to `term`, and the mention it records. The definition is
    /// not in the text: the wrapper carries it in `data-def` for the CSS tooltip (generated
    /// content, never copied or read as text), and the link's `aria-describedby` points at
    /// the page's one hidden copy of it (see [`Walker::definitions`]).
    // Term ids come from this glossary (its matcher, `lookup` or `term_of_page`), so they
    // index `terms`.
    #[allow(clippy::indexing_slicing)]
    pub(super) fn term_link(&mut self, term: TermId, sentence_at: usize) -> String {
        let t = &self.env.glossary.terms[term];
        let count = self.terms.mention_counts.entry(term).or_insert(0);
        *count += 1;
        let mut base = String::with_capacity(t.slug.len() + 16);
        base.push_str("mention-");
        base.push_str(&t.slug);
        base.push('-');
        base.push_str(itoa::Buffer::new().format(*count));
        let id = self.fresh_single_id(base);
        if !self.terms.def_ids.contains_key(&term) {
            let def_id = self.fresh_single_id(concat(&["def-", &t.slug]));
            self.terms.def_ids.insert(term, def_id);
            self.terms.def_order.push(term);
        }
        let def_id = self.terms.def_ids.get(&term).map_or("", String::as_str);
        let href = self.env.links.href(t.page);
        let mut open =
            String::with_capacity(t.summary_attr.len() + href.len() + id.len() + def_id.len() + 96);
        open.push_str("<span class=\"term-ref\" data-def=\"");
        open.push_str(&t.summary_attr);
        open.push_str("\"><a class=\"term\" href=\"");
        let _ = escape_href(&mut open, href);
        // Both ids are made of a slug, `-` and digits: nothing to escape.
        open.push_str("\" id=\"");
        open.push_str(&id);
        open.push_str("\" aria-describedby=\"");
        open.push_str(def_id);
        open.push_str("\">");
        self.record_mention(term, id, sentence_at);
        open
    }

    /// Appends each linked term's definition once, hidden: what the links' `aria-describedby`
    /// name. Hidden content is not shown, copied, or kept by reader modes, but still
    /// describes the links to assistive technology.
    pub(super) fn definitions(&self, html: &mut String) {
        if self.terms.def_order.is_empty() {
            return;
        }
        html.push_str("<div class=\"term-defs\" hidden>\n");
        for term in &self.terms.def_order {
            let (Some(t), Some(id)) = (
                self.env.glossary.terms.get(term.0),
                self.terms.def_ids.get(term),
            ) else {
                continue;
            };
            let _ = write!(html, "<p id=\"{id}\">");
            let _ = escape_html(&mut *html, &t.summary);
            html.push_str("</p>\n");
        }
        html.push_str("</div>\n");
    }

    pub(super) fn record_mention(&mut self, term: TermId, id: String, sentence_at: usize) {
        self.terms.linked.insert(term);
        if !self.result.terms.contains(&term) {
            self.result.terms.push(term);
        }
        // Term pages show the sentence of a page's first mention only.
        if self.terms.mention_counts.get(&term) == Some(&1) {
            self.waiting
                .push((Waiting::Mention(self.result.mentions.len()), sentence_at));
        }
        self.result.mentions.push(Mention {
            term,
            id,
            sentence: String::new(),
        });
    }
}

/// What closes the HTML [`Walker::term_link`] opens.
pub(super) const TERM_LINK_CLOSE: &str = "</a></span>";

/// A Markdown link to a term, open: what closes it (`</a></span>`, or nothing for the term
/// page's own name, left as plain text).
pub(super) struct TermLink {
    pub(super) close: &'static str,
}
