//! Ids the walker makes up (mentions, footnotes, quotes) kept unique on the page.

use super::*;

impl<'e, 'a> Walker<'e, 'a>
where
    'e: 'a,
{
    /// The first of `base-n`, `base-(n+1)`... for which none of the ids `ids` makes is taken.
    /// Remembers where each base got to, so that 10,000 headings of the same text cost
    /// linear time, not quadratic.
    pub(super) fn next_free(
        &mut self,
        base: &str,
        first: usize,
        ids: impl Fn(&str) -> Vec<String>,
    ) -> String {
        let n = self.suffixes.entry(base.to_string()).or_insert(first);
        loop {
            let candidate = format!("{base}-{n}");
            *n += 1;
            if ids(&candidate)
                .iter()
                .all(|id| !self.result.ids.contains(id))
            {
                return candidate;
            }
        }
    }

    /// An id lede makes up (mentions, footnotes): `base`, else `base-2`, `base-3`... so that
    /// none of the ids `ids` makes of it is taken yet (by a heading above, or another made-up
    /// id); they are taken at once, so that headings further down avoid them too.
    /// [`Walker::fresh_id`] for an element with one id, without the list.
    pub(super) fn fresh_single_id(&mut self, base: String) -> String {
        let id = if self.result.ids.contains(&base) {
            self.next_free(&base, 2, |c| vec![c.to_string()])
        } else {
            base
        };
        self.result.ids.insert(id.clone());
        id
    }

    pub(super) fn fresh_id(&mut self, base: &str, ids: impl Fn(&str) -> Vec<String>) -> String {
        let taken = |c: &str| ids(c).iter().any(|id| self.result.ids.contains(id));
        let id = if taken(base) {
            self.next_free(base, 2, &ids)
        } else {
            base.to_string()
        };
        self.result.ids.extend(ids(&id));
        id
    }
}
