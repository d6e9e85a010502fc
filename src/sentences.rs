//! Where sentences start and end in plain text: the rule that keeps "U.S. officials" one
//! sentence, shared by the mention excerpts ("Mentioned in") and a term's first sentence.

/// The sentence of `text` that contains byte `at`, trimmed to a readable length; `starts`
/// are the text's [`sentence_starts`].
pub fn sentence_around(text: &str, starts: &[usize], at: usize) -> String {
    let next = starts.partition_point(|&s| s <= at);
    let start = next
        .checked_sub(1)
        .and_then(|i| starts.get(i))
        .copied()
        .unwrap_or(0);
    let end = starts.get(next).copied().unwrap_or(text.len());
    // An attribution (`— Yuri Ushakov, ...`) reads better without its dash.
    let sentence = text
        .get(start..end)
        .unwrap_or_default()
        .trim()
        .trim_start_matches(['—', '–'])
        .trim_start();
    const MAX: usize = 240;
    if sentence.chars().count() <= MAX {
        return sentence.to_string();
    }
    let cut: String = sentence.chars().take(MAX).collect();
    let cut = cut.rsplit_once(' ').map_or(cut.as_str(), |(a, _)| a);
    format!("{cut}…")
}

/// Where sentences start in `text`: after `.`, `!`, `?` or `…` (and any closing quotes or
/// brackets), white space, then a capital, a digit or an opening quote. So "U.S. officials"
/// stays one sentence. Cheap enough to run on every mention.
pub fn sentence_starts(text: &str) -> impl Iterator<Item = usize> + '_ {
    let mut from = 0;
    std::iter::from_fn(move || {
        loop {
            // Jump to the next byte that can begin a terminator: ASCII, or the lead byte of
            // `…`, so `at` is always a character boundary.
            let rest = text.as_bytes().get(from..)?;
            let at = from
                + rest
                    .iter()
                    .position(|&b| matches!(b, b'.' | b'!' | b'?' | 0xE2))?;
            let (next, start) = after_terminator(text.get(at..)?);
            from = at + next;
            if let Some(start) = start {
                return Some(at + start);
            }
        }
    })
}

/// At a possible sentence end (`text` starts with it): where to look next, and where the next
/// sentence starts if one does. Both relative to `text`.
fn after_terminator(text: &str) -> (usize, Option<usize>) {
    let mut chars = text.char_indices().peekable();
    let Some((_, c)) = chars.next() else {
        return (text.len(), None);
    };
    let here = |chars: &mut std::iter::Peekable<std::str::CharIndices>| {
        chars.peek().map_or(text.len(), |&(i, _)| i)
    };
    if !matches!(c, '.' | '!' | '?' | '…') {
        return (here(&mut chars), None);
    }
    while chars
        .next_if(|(_, c)| matches!(c, '"' | '\'' | '’' | '”' | ')' | ']'))
        .is_some()
    {}
    if chars.next_if(|(_, c)| c.is_whitespace()).is_none() {
        return (here(&mut chars), None);
    }
    while chars.next_if(|(_, c)| c.is_whitespace()).is_some() {}
    let next = here(&mut chars);
    let starts = chars.peek().is_some_and(|&(_, c)| {
        c.is_uppercase() || c.is_ascii_digit() || matches!(c, '“' | '"' | '‘' | '(' | '—')
    });
    (next, starts.then_some(next))
}

#[cfg(test)]
#[allow(clippy::indexing_slicing, clippy::string_slice, clippy::unwrap_used)]
mod tests {
    use super::*;

    /// The first, char-by-char version of [`sentence_starts`]: the rules written plainly.
    fn sentence_starts_by_char(text: &str) -> Vec<usize> {
        let mut chars = text.char_indices().peekable();
        let mut starts = Vec::new();
        while let Some((_, c)) = chars.next() {
            if !matches!(c, '.' | '!' | '?' | '…') {
                continue;
            }
            while chars
                .next_if(|(_, c)| matches!(c, '"' | '\'' | '’' | '”' | ')' | ']'))
                .is_some()
            {}
            if chars.next_if(|(_, c)| c.is_whitespace()).is_none() {
                continue;
            }
            while chars.next_if(|(_, c)| c.is_whitespace()).is_some() {}
            if let Some(&(i, next)) = chars.peek() {
                if next.is_uppercase()
                    || next.is_ascii_digit()
                    || matches!(next, '“' | '"' | '‘' | '(' | '—')
                {
                    starts.push(i);
                }
            }
        }
        starts
    }

    proptest::proptest! {
        #[test]
        fn sentence_starts_byte_scan_agrees_with_the_rules(
            text in "([.!?…—–\"'’”)\\]“‘( \u{a0}\n]|[aZ9É]|é|\u{2028}){0,40}"
        ) {
            proptest::prop_assert_eq!(
                sentence_starts(&text).collect::<Vec<_>>(),
                sentence_starts_by_char(&text)
            );
        }
    }

    #[test]
    fn sentence_starts_after_ellipses_dashes_and_quotes() {
        let text = "Wait… Then. — No.” (Yes.) 12 done?! “Quote” end.\u{a0}Éclair";
        let starts = sentence_starts(text).collect::<Vec<_>>();
        assert_eq!(starts, sentence_starts_by_char(text));
        let firsts: String = starts
            .iter()
            .filter_map(|&i| text[i..].chars().next())
            .collect();
        assert_eq!(firsts, "T—(1“É");
    }

    #[test]
    fn sentence_is_the_one_around_the_offset() {
        let around = |text: &str, at: usize| {
            let starts: Vec<usize> = sentence_starts(text).collect();
            sentence_around(text, &starts, at)
        };
        let text = "First one. Then Donbas came up here. Last.";
        assert_eq!(
            around(text, text.find("Donbas").unwrap()),
            "Then Donbas came up here."
        );
        assert_eq!(around(text, 0), "First one.");
        assert_eq!(around(text, text.find("Last").unwrap()), "Last.");
        assert_eq!(
            around("— Yuri Ushakov, adviser", 3),
            "Yuri Ushakov, adviser"
        );
        let text = "The U.S. envoy came. “He met Putin,” it said! Then 27 points? Yes.";
        assert_eq!(
            around(text, text.find("envoy").unwrap()),
            "The U.S. envoy came."
        );
        assert_eq!(
            around(text, text.find("Putin").unwrap()),
            "“He met Putin,” it said!"
        );
        assert_eq!(around(text, text.find("27").unwrap()), "Then 27 points?");
    }
}
