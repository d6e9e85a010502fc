//! Links and images: destinations resolved (`.md` files to URLs, wikilinks to terms),
//! checked and recorded; raw `<a>` tags counted so no term link nests in one.

use super::*;

/// Open links and images.
#[derive(Default)]
pub(super) struct Links {
    /// Link kinds for the open Markdown links (innermost last).
    pub(super) open: Vec<Option<TermLink>>,
    /// Raw `<a>` tags opened by the author and not yet closed.
    pub(super) raw: usize,
    pub(super) images: usize,
    /// The open images, innermost last.
    pub(super) image_alt: Vec<OpenImage>,
}

/// An image being read: where it is written, and whether it has alt text yet.
pub(super) struct OpenImage {
    offset: usize,
    len: usize,
    pub(super) has_alt: bool,
}

impl<'e, 'a> Walker<'e, 'a>
where
    'e: 'a,
{
    pub(super) fn link(
        &mut self,
        link_type: LinkType,
        dest_url: CowStr<'a>,
        title: CowStr<'a>,
        id: CowStr<'a>,
        offset: usize,
        len: usize,
    ) {
        let term = if let LinkType::WikiLink { .. } = link_type {
            self.wikilink(&dest_url, offset, len)
        } else {
            match self.env.links.resolve(&self.page.key, &dest_url) {
                Target::Page { page, anchor: None } => self.env.glossary.term_of_page(page),
                _ => None,
            }
        };
        let linkable =
            self.headings.open.is_none() && self.links.open.is_empty() && self.links.raw == 0;
        match term {
            // A term page does not link to itself (nor list itself under "Mentioned in"):
            // the link's text stays, as plain text.
            Some(term) if Some(term) == self.terms.self_term => {
                self.links.open.push(Some(TermLink { close: "" }));
            }
            Some(term) if linkable => {
                let sentence_at = self.block_text.len();
                let open = self.term_link(term, sentence_at);
                self.links.open.push(Some(TermLink {
                    close: TERM_LINK_CLOSE,
                }));
                self.emit(Event::InlineHtml(open.into()));
            }
            Some(term) => {
                let page = self
                    .env
                    .glossary
                    .terms
                    .get(term.0)
                    .map_or(PageId(0), |t| t.page);
                let href = self.env.links.href(page);
                self.links.open.push(None);
                self.emit(link_event(
                    LinkType::Inline,
                    href.to_string().into(),
                    title,
                    id,
                ));
            }
            None => {
                let dest = match link_type {
                    LinkType::WikiLink { .. } => dest_url,
                    _ => self
                        .rewrite(&dest_url, offset, len)
                        .map_or(dest_url, CowStr::from),
                };
                self.links.open.push(None);
                self.emit(link_event(link_type, dest, title, id));
            }
        }
    }

    pub(super) fn wikilink(&mut self, name: &str, offset: usize, len: usize) -> Option<TermId> {
        let found = self.env.glossary.lookup(name);
        if found.is_none() {
            let suggestions = self.env.glossary.suggest(name);
            let help = if suggestions.is_empty() {
                "wikilinks name a glossary term by title, alias or file name".to_string()
            } else {
                format!("did you mean {}?", quote_list(&suggestions))
            };
            self.error(
                format!("unknown glossary term `{name}` in [[wikilink]]"),
                offset,
                len,
                help,
            );
        }
        found
    }

    /// The URL to write for a link or image destination, or `None` to keep it as written.
    pub(super) fn rewrite(&mut self, dest: &str, offset: usize, len: usize) -> Option<String> {
        self.result.links += 1;
        let at = |target: String| LinkRef {
            target,
            offset,
            len,
        };
        match self.env.links.resolve(&self.page.key, dest) {
            Target::Page { page, anchor } => {
                let mut href = self.env.links.href(page).to_string();
                if let Some(anchor) = anchor {
                    self.result.anchor_refs.push(AnchorRef {
                        page,
                        anchor: anchor.clone(),
                        offset,
                        len,
                    });
                    href = crate::urls::anchor(&href, &anchor);
                }
                Some(href)
            }
            Target::SamePage { anchor } => {
                self.result.anchor_refs.push(AnchorRef {
                    page: self.index,
                    anchor,
                    offset,
                    len,
                });
                None
            }
            Target::SiteFile { path, href } => {
                self.result.site_files.push(at(path));
                Some(href)
            }
            Target::External => {
                if dest.starts_with("http://") || dest.starts_with("https://") {
                    self.result.external.push(at(dest.to_string()));
                }
                None
            }
            Target::Missing { path } => {
                let help = self.missing_page_help(dest, &path);
                self.error(
                    format!("link to a missing page: `{path}`"),
                    offset,
                    len,
                    help,
                );
                None
            }
            Target::Unsafe { scheme } => {
                let help = "remove the link: lede never publishes script or data links";
                self.error(format!("`{scheme}:` link"), offset, len, help.into());
                Some(String::new())
            }
        }
    }

    /// "Did you mean" the page closest to the missing `key`, written as the link was: the
    /// last part of `dest` replaced when the page is in the same folder.
    pub(super) fn missing_page_help(&self, dest: &str, key: &str) -> String {
        let Some(close) = self.env.links.suggest(key) else {
            return "link to the .md file relative to this page, e.g. `../meeting.md`".into();
        };
        let same_dir = |k: &str| k.rsplit_once('/').map(|(d, _)| d.to_string());
        let written = dest.split('#').next().unwrap_or(dest);
        let anchor = dest.get(written.len()..).unwrap_or_default();
        if same_dir(key) != same_dir(close) {
            return format!("did you mean content/{close}?");
        }
        let folder = written
            .rfind('/')
            .map_or("", |i| written.get(..=i).unwrap_or(""));
        let name = close.rsplit('/').next().unwrap_or(close);
        format!("did you mean `{folder}{name}{anchor}`?")
    }

    /// Counts the `<a>` tags an author opens and closes in raw HTML, so that no term link is
    /// put inside one (which would nest links).
    pub(super) fn track_raw_link(&mut self, html: &str) {
        let lower = html.to_ascii_lowercase();
        let ends_name = |rest: &str| !rest.starts_with(|c: char| c.is_ascii_alphanumeric());
        for (i, _) in lower.match_indices('<') {
            // `<` is one byte, so `i + 1` is a character boundary.
            let tag = lower.get(i + 1..).unwrap_or_default();
            if tag.strip_prefix("/a").is_some_and(ends_name) {
                self.links.raw = self.links.raw.saturating_sub(1);
            } else if tag.strip_prefix('a').is_some_and(ends_name) {
                self.links.raw += 1;
            }
        }
    }

    pub(super) fn start_image(
        &mut self,
        link_type: LinkType,
        dest_url: CowStr<'a>,
        title: CowStr<'a>,
        id: CowStr<'a>,
        offset: usize,
        len: usize,
    ) {
        self.links.images += 1;
        self.links.image_alt.push(OpenImage {
            offset,
            len,
            has_alt: false,
        });
        let dest_url = self
            .rewrite(&dest_url, offset, len)
            .map_or(dest_url, CowStr::from);
        self.emit(Event::Start(Tag::Image {
            link_type,
            dest_url,
            title,
            id,
        }));
    }

    pub(super) fn end_image(&mut self) {
        self.links.images = self.links.images.saturating_sub(1);
        if let Some(OpenImage {
            offset,
            len,
            has_alt: false,
        }) = self.links.image_alt.pop()
        {
            let help =
                "describe the image for readers who cannot see it: `![A map of Donbas](map.png)`";
            self.error("image has no alt text".into(), offset, len, help.into());
        }
        self.emit(Event::End(TagEnd::Image));
    }
}

pub(super) fn link_event<'a>(
    link_type: LinkType,
    dest_url: CowStr<'a>,
    title: CowStr<'a>,
    id: CowStr<'a>,
) -> Event<'a> {
    Event::Start(Tag::Link {
        link_type,
        dest_url,
        title,
        id,
    })
}
