//! Headings: unique ids and anchors, data attributes kept, the table of contents.

use super::*;

/// The heading being read, and the headings read so far (level, id, text) for the TOC.
#[derive(Default)]
pub(super) struct Headings<'a> {
    pub(super) open: Option<HeadingBuf<'a>>,
    pub(super) toc: Vec<(u8, String, String)>,
}

impl<'e, 'a> Walker<'e, 'a>
where
    'e: 'a,
{
    pub(super) fn start_heading(
        &mut self,
        level: HeadingLevel,
        id: Option<CowStr<'a>>,
        classes: Vec<CowStr<'a>>,
        attrs: Vec<(CowStr<'a>, Option<CowStr<'a>>)>,
    ) {
        let attrs = attrs
            .into_iter()
            .filter(|(k, _)| crate::html::is_data_attribute(k))
            .map(|(k, v)| {
                let v = v.as_deref().unwrap_or("");
                let v = v
                    .strip_prefix('"')
                    .and_then(|v| v.strip_suffix('"'))
                    .unwrap_or(v);
                (k.to_string(), v.to_string())
            })
            .collect();
        self.headings.open = Some(HeadingBuf {
            level,
            id: id.map(|i| i.to_string()),
            classes: classes.into_iter().map(|c| c.to_string()).collect(),
            attrs,
            events: Vec::new(),
            text: String::new(),
        });
    }

    pub(super) fn end_heading(&mut self) {
        let Some(h) = self.headings.open.take() else {
            return;
        };
        if self.keep_text {
            push_words(&mut self.result.text, &h.text);
        }
        let level = h.level as u8;
        let base = h.id.clone().unwrap_or_else(|| {
            let s = slugify(&h.text);
            if s.is_empty() { "section".into() } else { s }
        });
        let id = self.unique_id(base, h.id.is_some());
        let mut html = format!("<h{level} id=\"");
        let _ = escape_html(&mut html, &id);
        html.push('"');
        if !h.classes.is_empty() {
            html.push_str(" class=\"");
            let _ = escape_html(&mut html, &h.classes.join(" "));
            html.push('"');
        }
        for (name, value) in &h.attrs {
            crate::html::push_attribute(&mut html, name, value);
        }
        html.push('>');
        pulldown_cmark::html::push_html(&mut html, h.events.into_iter());
        let _ = writeln!(
            html,
            " <a class=\"anchor\" href=\"#{}\" aria-hidden=\"true\" tabindex=\"-1\">#</a></h{level}>",
            escape_attr(&id)
        );
        if level > 1 {
            self.headings
                .toc
                .push((level, id, h.text.trim().to_string()));
        }
        self.emit(Event::Html(html.into()));
    }

    /// Makes `id` unique on the page (`-1`, `-2`...); an explicit duplicate is an error.
    pub(super) fn unique_id(&mut self, base: String, explicit: bool) -> String {
        if self.result.ids.insert(base.clone()) {
            return base;
        }
        if explicit {
            self.result.diagnostics.push(
                Diagnostic::warning(
                    &self.page.path,
                    format!("two headings have the id `{base}`"),
                )
                .with_help("give each heading its own `{#id}`"),
            );
        }
        let id = self.next_free(&base, 1, |c| vec![c.to_string()]);
        self.result.ids.insert(id.clone());
        id
    }
}

pub(super) struct HeadingBuf<'a> {
    pub(super) level: HeadingLevel,
    pub(super) id: Option<String>,
    pub(super) classes: Vec<String>,
    pub(super) attrs: Vec<(String, String)>,
    pub(super) events: Vec<Event<'a>>,
    pub(super) text: String,
}

/// Builds the nested table of contents from (level, id, title) in document order.
pub(super) fn nest(headings: &[(u8, String, String)]) -> Vec<TocEntry> {
    let mut roots: Vec<TocEntry> = Vec::new();
    for (level, id, title) in headings {
        let entry = TocEntry {
            level: *level,
            id: id.clone(),
            title: title.clone(),
            children: Vec::new(),
        };
        insert(&mut roots, entry);
    }
    roots
}

pub(super) fn insert(siblings: &mut Vec<TocEntry>, entry: TocEntry) {
    match siblings.last_mut() {
        Some(last) if last.level < entry.level => insert(&mut last.children, entry),
        _ => siblings.push(entry),
    }
}

#[cfg(test)]
#[allow(clippy::indexing_slicing, clippy::string_slice, clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn toc_nests_by_level() {
        let h = |l: u8, id: &str| (l, id.to_string(), id.to_string());
        let toc = nest(&[h(2, "a"), h(3, "b"), h(3, "c"), h(2, "d"), h(4, "e")]);
        assert_eq!(toc.len(), 2);
        assert_eq!(
            toc[0]
                .children
                .iter()
                .map(|c| c.id.as_str())
                .collect::<Vec<_>>(),
            ["b", "c"]
        );
        assert_eq!(toc[1].children[0].id, "e");
    }
}
