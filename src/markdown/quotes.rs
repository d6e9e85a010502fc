//! Blockquotes: one ending in `— Name` becomes a `<figure>` with its attribution,
//! recorded for "who said what".

use super::*;

/// Open blockquotes on the page, for the attribution rewrite, and the block depth.
#[derive(Default)]
pub(super) struct Blocks {
    pub(super) quotes: Vec<QuoteFrame>,
    pub(super) depth: usize,
}

impl<'e, 'a> Walker<'e, 'a>
where
    'e: 'a,
{
    pub(super) fn start_quote(
        &mut self,
        kind: Option<pulldown_cmark::BlockQuoteKind>,
        offset: usize,
        len: usize,
    ) {
        let open = self.blocks.quotes.len();
        self.emit(Event::Start(Tag::BlockQuote(kind)));
        if self.blocks.quotes.len() > open {
            if let Some(frame) = self.blocks.quotes.last_mut() {
                frame.source = offset..offset + len;
            }
        }
    }

    /// Records a quote that became a figure, and gives the figure an id to link to.
    pub(super) fn record_quote(&mut self, frame: &QuoteFrame) {
        let events = self.out.get(frame.start..frame.end).unwrap_or_default();
        let caption = events
            .iter()
            .position(|e| matches!(e, Event::Html(h) if h.contains("<figcaption>")))
            .unwrap_or(events.len());
        let text_of = |events: &[Event]| {
            let mut text = String::new();
            for e in events {
                match e {
                    Event::Text(t) | Event::Code(t) => text.push_str(t),
                    Event::End(TagEnd::Paragraph) | Event::SoftBreak | Event::HardBreak => {
                        text.push(' ');
                    }
                    _ => {}
                }
            }
            text.split_whitespace().collect::<Vec<_>>().join(" ")
        };
        let text = text_of(events.get(..caption).unwrap_or_default());
        let attribution = text_of(events.get(caption..).unwrap_or_default());
        let attribution = attribution
            .trim_start_matches(['—', '–', '-'])
            .trim()
            .to_string();
        let n = self.result.quotes.len() + 1;
        let id = self.fresh_single_id(format!("quote-{n}"));
        if let Some(event) = self.out.get_mut(frame.start) {
            *event =
                Event::Html(format!("<figure class=\"quote\" id=\"{id}\">\n<blockquote>\n").into());
        }
        self.result.quotes.push(QuoteRef {
            id,
            text,
            attribution,
            offset: frame.source.start,
        });
    }

    /// Warns about a quote whose last line starts with a dash but is not an attribution.
    pub(super) fn failed_attribution(&mut self, frame: &QuoteFrame) {
        let d = Diagnostic::warning(
            &self.page.path,
            "the last line of this quote looks like an attribution but is not one",
        )
        .at(&self.page.text, frame.source.start, 1)
        .with_help(
            "put the attribution in its own paragraph after a line with only `>`: `> — Name, role`",
        );
        self.result.diagnostics.push(d);
    }

    /// Follows the blocks of the page as they are emitted, so that a blockquote knows its
    /// last paragraph when it closes (in constant time, however deep quotes nest).
    /// Returns the frame of a blockquote this event closes.
    pub(super) fn track_blocks(&mut self, event: &Event) -> Option<QuoteFrame> {
        let index = self.out.len();
        match event {
            Event::Start(Tag::BlockQuote(_)) => {
                if let Some(f) = in_frame(&mut self.blocks.quotes, self.blocks.depth) {
                    f.block(None);
                }
                self.blocks.depth += 1;
                self.blocks
                    .quotes
                    .push(QuoteFrame::new(index, self.blocks.depth));
            }
            Event::Start(tag) if is_block(tag) => {
                let paragraph = matches!(tag, Tag::Paragraph).then_some(index);
                if let Some(f) = in_frame(&mut self.blocks.quotes, self.blocks.depth) {
                    f.block(paragraph);
                }
                self.blocks.depth += 1;
            }
            Event::Html(_) => {
                if let Some(f) = in_frame(&mut self.blocks.quotes, self.blocks.depth) {
                    f.block(None);
                }
            }
            Event::End(TagEnd::BlockQuote(_)) => {
                self.blocks.depth = self.blocks.depth.saturating_sub(1);
                return self
                    .blocks
                    .quotes
                    .pop()
                    .map(|f| QuoteFrame { end: index, ..f });
            }
            Event::End(tag) if is_block_end(tag) => {
                self.blocks.depth = self.blocks.depth.saturating_sub(1);
                if let (TagEnd::Paragraph, Some(f)) =
                    (tag, in_frame(&mut self.blocks.quotes, self.blocks.depth))
                {
                    f.paragraph_end = Some(index);
                }
            }
            _ => {}
        }
        None
    }
}

/// The innermost open quote, if `depth` is the depth of its direct children.
pub(super) fn in_frame(quotes: &mut [QuoteFrame], depth: usize) -> Option<&mut QuoteFrame> {
    quotes.last_mut().filter(|f| f.depth == depth)
}

/// An open blockquote: where it starts in the output and what blocks it holds.
#[derive(Debug, Clone)]
pub(super) struct QuoteFrame {
    pub(super) start: usize,
    /// The block depth of the quote's own children.
    pub(super) depth: usize,
    /// How many blocks the quote holds directly.
    pub(super) blocks: usize,
    /// The last direct child, if it is a paragraph: its start and end in the output.
    pub(super) paragraph: Option<usize>,
    pub(super) paragraph_end: Option<usize>,
    pub(super) end: usize,
    /// The quote's range in the page's source.
    pub(super) source: std::ops::Range<usize>,
}

impl QuoteFrame {
    pub(super) fn new(start: usize, depth: usize) -> Self {
        QuoteFrame {
            start,
            depth,
            blocks: 0,
            paragraph: None,
            paragraph_end: None,
            end: 0,
            source: 0..0,
        }
    }

    /// A direct child block starts (`Some(index)` if it is a paragraph).
    pub(super) fn block(&mut self, paragraph: Option<usize>) {
        self.blocks += 1;
        self.paragraph = paragraph;
        self.paragraph_end = None;
    }
}

/// What a closing blockquote turned out to be.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum Attribution {
    /// Its last line was an attribution: it is now a `<figure>` with a `<figcaption>`.
    Figure,
    /// A plain quote.
    None,
    /// Its last line starts with a dash but could not be read as an attribution.
    Failed,
}

/// A blockquote whose last paragraph starts with a dash (`— Yuri Ushakov`, `– `, `-- `) or
/// whose last block is a one-item `-` list (`> - Yuri Ushakov`, which Markdown reads as a
/// list) becomes a `<figure>` with the quote and a `<figcaption>` attribution. `text` is the
/// page's source, where the frame's `source` range points.
pub(super) fn attribute_quote(out: &mut [Event], frame: &QuoteFrame, text: &str) -> Attribution {
    // Only a quote that ends in text can end in an attribution; the check returns before
    // reading the source otherwise, so deeply nested quotes cost linear time.
    let last = frame.end.checked_sub(1).and_then(|i| out.get(i));
    if !matches!(last, Some(Event::End(TagEnd::Paragraph | TagEnd::List(_)))) {
        return Attribution::None;
    }
    let last_line = text
        .get(frame.source.clone())
        .unwrap_or_default()
        .trim_end()
        .rsplit('\n')
        .next()
        .unwrap_or_default()
        .trim_start_matches(|c: char| c == '>' || c.is_whitespace());
    let dashed = attribution_text(last_line).is_some();
    let caption = match (frame.paragraph, frame.paragraph_end) {
        (Some(para), Some(para_end)) if para_end + 1 == frame.end => {
            let is_attribution = matches!(out.get(para + 1), Some(Event::Text(t))
                if t.starts_with(['—', '–']) || t.starts_with("-- "));
            is_attribution.then_some((para, vec![], para_end))
        }
        _ => hyphen_list(out, frame, last_line),
    };
    let Some((open, blanks, close)) = caption.filter(|_| frame.blocks >= 2) else {
        let last_is_text = matches!(
            frame.end.checked_sub(1).and_then(|i| out.get(i)),
            Some(Event::End(TagEnd::Paragraph))
        );
        return if dashed && last_is_text {
            Attribution::Failed
        } else {
            Attribution::None
        };
    };
    let replacements = [
        (frame.start, "<figure class=\"quote\">\n<blockquote>\n"),
        (open, "</blockquote>\n<figcaption>"),
        (close, "</figcaption>\n"),
        (frame.end, "</figure>\n"),
    ];
    for (at, html) in replacements.into_iter().chain(blanks) {
        if let Some(event) = out.get_mut(at) {
            *event = Event::Html(html.into());
        }
    }
    Attribution::Figure
}

/// The name after an attribution's dash (`—`, `–`, `--` or `-`), if the line has one.
pub(super) fn attribution_text(line: &str) -> Option<&str> {
    let rest = ["—", "–", "--", "-"]
        .iter()
        .find_map(|dash| line.strip_prefix(dash))?;
    let name = rest.trim();
    (!name.is_empty() && !name.starts_with(['-', '—', '–'])).then_some(name)
}

/// When the quote's last block is a tight one-item list written with `-` whose item is
/// one line of text: (the list's start, the events to blank, the list's end), with the
/// item's start turned into the caption's dash.
pub(super) fn hyphen_list(out: &[Event], frame: &QuoteFrame, last_line: &str) -> Option<Caption> {
    let close = frame.end.checked_sub(1)?;
    let item_end = close.checked_sub(1)?;
    if !matches!(out.get(close), Some(Event::End(TagEnd::List(false))))
        || !matches!(out.get(item_end), Some(Event::End(TagEnd::Item)))
        || !last_line.starts_with("- ")
    {
        return None;
    }
    let open = (frame.start..close)
        .rev()
        .find(|&i| matches!(out.get(i), Some(Event::Start(Tag::List(None)))))?;
    let item = open + 1;
    let inline_only = out.get(item + 1..item_end)?.iter().all(|e| match e {
        Event::Start(tag) => !is_block(tag),
        Event::End(tag) => !is_block_end(tag),
        _ => true,
    });
    let one_item = matches!(out.get(item), Some(Event::Start(Tag::Item)));
    (inline_only && one_item).then(|| (open, vec![(item, "— "), (item_end, "")], close))
}

/// Where a caption starts and ends in the output, and events to replace inside it.
pub(super) type Caption = (usize, Vec<(usize, &'static str)>, usize);
