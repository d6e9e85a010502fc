//! Typed ids: a page, a glossary term and a source are each a place in their own list
//! (`Site::pages`, `Glossary::terms`, `Sources::sources`); the types keep one from being
//! taken for another. `.0` is the place, for indexing.

use serde::Serialize;

macro_rules! id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize)]
        #[serde(transparent)]
        pub struct $name(pub usize);
    };
}

id!(
    /// A page: its place in `Site::pages` (and `Site::parsed`).
    PageId
);
id!(
    /// A glossary term: its place in `Glossary::terms`.
    TermId
);
id!(
    /// A source: its place in `Sources::sources`.
    SourceId
);

/// A page's first mention of a term: the page, and the mention's place in its
/// `Parsed::mentions`. What "Mentioned in" lists.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MentionRef {
    pub page: PageId,
    pub mention: usize,
}

/// A page's first citation of a source: the page, and the citation's place in its
/// `Parsed::citations`. What "Cited on" lists.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CitationRef {
    pub page: PageId,
    pub citation: usize,
}

/// `list[id]` for a list of what `id` names (`site.pages[page]`), panicking like any index
/// when out of range; `.get(id.0)` where that must not happen.
macro_rules! index_by {
    ($id:ty, $item:ty) => {
        impl std::ops::Index<$id> for [$item] {
            type Output = $item;
            #[allow(clippy::indexing_slicing)]
            fn index(&self, id: $id) -> &$item {
                &self[id.0]
            }
        }
        impl std::ops::IndexMut<$id> for [$item] {
            #[allow(clippy::indexing_slicing)]
            fn index_mut(&mut self, id: $id) -> &mut $item {
                &mut self[id.0]
            }
        }
        impl std::ops::Index<$id> for Vec<$item> {
            type Output = $item;
            #[allow(clippy::indexing_slicing)]
            fn index(&self, id: $id) -> &$item {
                &self[id.0]
            }
        }
        impl std::ops::IndexMut<$id> for Vec<$item> {
            #[allow(clippy::indexing_slicing)]
            fn index_mut(&mut self, id: $id) -> &mut $item {
                &mut self[id.0]
            }
        }
    };
}
pub(crate) use index_by;
