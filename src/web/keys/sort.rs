//! How the keys table is sorted: the `sort` and `dir` query parameters, and the column links.

use std::str::FromStr;

use crate::models::api_key::ApiKey;

/// A `sort` or `dir` value this page does not know; the page falls back to its default.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown sort value {0:?}")]
pub struct UnknownSortValue(String);

/// The column the keys are sorted by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SortKey {
    Name,
    #[default]
    Created,
    LastUsed,
}

impl SortKey {
    /// The URL form.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Name => "name",
            Self::Created => "created",
            Self::LastUsed => "last_used",
        }
    }

    /// The column heading.
    pub fn label(self) -> &'static str {
        match self {
            Self::Name => "Name",
            Self::Created => "Created",
            Self::LastUsed => "Last used",
        }
    }

    /// Names read A to Z; times read newest first.
    pub fn default_dir(self) -> SortDir {
        match self {
            Self::Name => SortDir::Asc,
            Self::Created | Self::LastUsed => SortDir::Desc,
        }
    }
}

impl FromStr for SortKey {
    type Err = UnknownSortValue;

    fn from_str(raw: &str) -> Result<Self, Self::Err> {
        match raw {
            "name" => Ok(Self::Name),
            "created" => Ok(Self::Created),
            "last_used" => Ok(Self::LastUsed),
            other => Err(UnknownSortValue(other.to_string())),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SortDir {
    Asc,
    Desc,
}

impl SortDir {
    /// The URL form.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Asc => "asc",
            Self::Desc => "desc",
        }
    }

    /// The value of `aria-sort` on the sorted column.
    pub fn aria(self) -> &'static str {
        match self {
            Self::Asc => "ascending",
            Self::Desc => "descending",
        }
    }

    fn reversed(self) -> Self {
        match self {
            Self::Asc => Self::Desc,
            Self::Desc => Self::Asc,
        }
    }
}

impl FromStr for SortDir {
    type Err = UnknownSortValue;

    fn from_str(raw: &str) -> Result<Self, Self::Err> {
        match raw {
            "asc" => Ok(Self::Asc),
            "desc" => Ok(Self::Desc),
            other => Err(UnknownSortValue(other.to_string())),
        }
    }
}

/// The order the table is shown in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Sort {
    pub key: SortKey,
    pub dir: SortDir,
}

impl Default for Sort {
    fn default() -> Self {
        Self::with_default_dir(SortKey::default())
    }
}

impl Sort {
    fn with_default_dir(key: SortKey) -> Self {
        Self {
            key,
            dir: key.default_dir(),
        }
    }

    /// From the query string. A missing or unknown value falls back to the default
    /// rather than failing: these come from links, and an old link should still work.
    pub fn from_query(sort: Option<&str>, dir: Option<&str>) -> Self {
        let key: SortKey = sort.and_then(|s| s.parse().ok()).unwrap_or_default();
        let dir = dir
            .and_then(|d| d.parse().ok())
            .unwrap_or_else(|| key.default_dir());
        Self { key, dir }
    }

    pub fn apply(self, keys: &mut [ApiKey]) {
        match self.key {
            SortKey::Name => keys.sort_by_key(|k| k.name.to_lowercase()),
            // Never-used keys sort as the oldest.
            SortKey::LastUsed => keys.sort_by_key(|k| k.last_used_at),
            SortKey::Created => keys.sort_by_key(|k| (k.created_at, k.id)),
        }
        if self.dir == SortDir::Desc {
            keys.reverse();
        }
    }

    /// Where a click on `key`'s heading goes: the other direction if the table is
    /// already sorted by it, else that column's default direction.
    fn next(self, key: SortKey) -> Self {
        if key == self.key {
            Self {
                key,
                dir: self.dir.reversed(),
            }
        } else {
            Self::with_default_dir(key)
        }
    }
}

/// A sortable column heading.
pub struct SortLink {
    pub label: &'static str,
    pub href: String,
    /// The current direction on the sorted column; `None` on the others.
    pub aria_sort: Option<SortDir>,
}

/// The headings of the sortable columns.
pub struct SortLinks {
    pub name: SortLink,
    pub created: SortLink,
    pub last_used: SortLink,
}

impl SortLinks {
    /// The links keep the filter (`needle`) so sorting does not lose it.
    pub fn new(current: Sort, needle: &str) -> Self {
        let link = |key: SortKey| {
            // No `page`: a new order starts on its first page.
            SortLink {
                label: key.label(),
                href: list_url(current.next(key), needle),
                aria_sort: (key == current.key).then_some(current.dir),
            }
        };
        Self {
            name: link(SortKey::Name),
            created: link(SortKey::Created),
            last_used: link(SortKey::LastUsed),
        }
    }
}

/// The list in this order, filtered by `needle`, on its first page.
pub fn list_url(sort: Sort, needle: &str) -> String {
    let mut href = format!(
        "/settings/integrations?sort={}&dir={}",
        sort.key.as_str(),
        sort.dir.as_str()
    );
    if !needle.is_empty() {
        href.push_str("&q=");
        href.push_str(&urlencode(needle));
    }
    href
}

fn urlencode(s: &str) -> String {
    serde_urlencoded::to_string([("", s)])
        .map(|encoded| encoded.trim_start_matches('=').to_string())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn without_parameters_the_newest_keys_come_first() {
        let sort = Sort::from_query(None, None);
        assert_eq!((sort.key, sort.dir), (SortKey::Created, SortDir::Desc));
    }

    #[test]
    fn names_sort_a_to_z_unless_asked_otherwise() {
        let sort = Sort::from_query(Some("name"), None);
        assert_eq!((sort.key, sort.dir), (SortKey::Name, SortDir::Asc));
        let sort = Sort::from_query(Some("name"), Some("desc"));
        assert_eq!((sort.key, sort.dir), (SortKey::Name, SortDir::Desc));
    }

    #[test]
    fn unknown_values_fall_back_to_the_defaults() {
        let sort = Sort::from_query(Some("secret"), Some("sideways"));
        assert_eq!(sort, Sort::default());
        let sort = Sort::from_query(Some("last_used"), Some("up"));
        assert_eq!((sort.key, sort.dir), (SortKey::LastUsed, SortDir::Desc));
    }

    #[test]
    fn every_value_reads_back_from_its_url_form() {
        for key in [SortKey::Name, SortKey::Created, SortKey::LastUsed] {
            assert_eq!(key.as_str().parse(), Ok(key));
        }
        for dir in [SortDir::Asc, SortDir::Desc] {
            assert_eq!(dir.as_str().parse(), Ok(dir));
        }
        assert!("Name".parse::<SortKey>().is_err());
    }

    #[test]
    fn the_sorted_column_links_to_the_other_direction_and_keeps_the_filter() {
        let links = SortLinks::new(Sort::from_query(Some("name"), None), "clay & co");
        assert_eq!(
            links.name.href,
            "/settings/integrations?sort=name&dir=desc&q=clay+%26+co"
        );
        assert_eq!(links.name.aria_sort, Some(SortDir::Asc));
        assert_eq!(
            links.created.href,
            "/settings/integrations?sort=created&dir=desc&q=clay+%26+co"
        );
        assert_eq!(links.created.aria_sort, None);
    }

    #[test]
    fn other_columns_link_to_their_default_direction() {
        let links = SortLinks::new(Sort::default(), "");
        assert_eq!(links.name.href, "/settings/integrations?sort=name&dir=asc");
        assert_eq!(
            links.created.href,
            "/settings/integrations?sort=created&dir=asc"
        );
        assert_eq!(links.created.aria_sort, Some(SortDir::Desc));
        assert_eq!(
            links.last_used.href,
            "/settings/integrations?sort=last_used&dir=desc"
        );
        assert_eq!(links.last_used.label, "Last used");
    }
}
