//! Paging of the keys table: the `page` query parameter, the slice it shows, and the links.
//!
//! Sorting and filtering happen on every key first; the pager only cuts the result into pages.
//! A page number that is not a number shows the first page, one past the end the last, so an
//! old or hand-edited link never fails.

use super::sort::{Sort, list_url};

/// Keys per page.
pub const PER_PAGE: usize = 50;

/// Page links shown on either side of the current one (plus the first and the last).
const AROUND: usize = 2;

/// The page asked for in the query string, 1-based, before it is checked against the count.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PageRequest(usize);

impl PageRequest {
    /// Digits give that page (a huge number is the last page); anything else is the first.
    pub fn from_query(raw: Option<&str>) -> Self {
        let raw = raw.unwrap_or("").trim();
        if raw.is_empty() || !raw.bytes().all(|b| b.is_ascii_digit()) {
            return Self(1);
        }
        Self(raw.parse().unwrap_or(usize::MAX).max(1))
    }
}

/// A numbered link of the pager; `gap_before` marks skipped pages before it.
pub struct PageLink {
    pub number: usize,
    pub href: String,
    pub current: bool,
    pub gap_before: bool,
}

/// Where the shown page sits among `count` matching keys, and the links to the others.
pub struct Pager {
    pub current: usize,
    pub pages: usize,
    /// The 1-based positions of the first and last key shown (0 and 0 when none).
    pub first_shown: usize,
    pub last_shown: usize,
    pub count: usize,
    pub previous: Option<String>,
    pub next: Option<String>,
    pub links: Vec<PageLink>,
}

impl Pager {
    /// The page for `request` among `count` keys; links keep the sort and the filter.
    pub fn new(request: PageRequest, count: usize, sort: Sort, needle: &str) -> Self {
        let pages = count.div_ceil(PER_PAGE).max(1);
        let current = request.0.min(pages);
        let href = |page: usize| {
            let mut url = list_url(sort, needle);
            if page > 1 {
                url.push_str(&format!("&page={page}"));
            }
            url
        };
        let mut links = Vec::new();
        let mut last_listed = 0;
        for page in 1..=pages {
            let near = page.abs_diff(current) <= AROUND;
            if page == 1 || page == pages || near {
                links.push(PageLink {
                    number: page,
                    href: href(page),
                    current: page == current,
                    gap_before: page > last_listed + 1,
                });
                last_listed = page;
            }
        }
        let start = (current - 1) * PER_PAGE;
        Self {
            current,
            pages,
            first_shown: if count == 0 { 0 } else { start + 1 },
            last_shown: (start + PER_PAGE).min(count),
            count,
            previous: (current > 1).then(|| href(current - 1)),
            next: (current < pages).then(|| href(current + 1)),
            links,
        }
    }

    /// The index range of the shown keys in the sorted, filtered list.
    pub fn range(&self) -> std::ops::Range<usize> {
        (self.current - 1) * PER_PAGE..self.last_shown
    }

    /// "Showing 51–100 of 1,000 keys".
    pub fn summary(&self) -> String {
        let noun = if self.count == 1 { "key" } else { "keys" };
        format!(
            "Showing {}–{} of {} {noun}",
            thousands(self.first_shown),
            thousands(self.last_shown),
            thousands(self.count)
        )
    }
}

/// 1234567 → "1,234,567".
fn thousands(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pager(page: &str, count: usize) -> Pager {
        Pager::new(
            PageRequest::from_query(Some(page)),
            count,
            Sort::default(),
            "",
        )
    }

    #[test]
    fn garbage_gives_the_first_page_and_too_far_the_last() {
        for raw in ["", "abc", "-3", "0", "2.5", "1e3", " "] {
            assert_eq!(pager(raw, 120).current, 1, "{raw:?}");
        }
        assert_eq!(pager("3", 120).current, 3);
        assert_eq!(pager("4", 120).current, 3);
        assert_eq!(pager("99999999999999999999999", 120).current, 3);
    }

    #[test]
    fn each_page_shows_its_slice_of_the_keys() {
        let third = pager("3", 120);
        assert_eq!(third.range(), 100..120);
        assert_eq!(third.summary(), "Showing 101–120 of 120 keys");
        assert_eq!(pager("2", 1000).summary(), "Showing 51–100 of 1,000 keys");
        let empty = pager("1", 0);
        assert_eq!((empty.pages, empty.range()), (1, 0..0));
        assert_eq!(pager("1", 1).summary(), "Showing 1–1 of 1 key");
    }

    #[test]
    fn links_keep_the_sort_and_filter_and_skip_far_pages() {
        let sort = Sort::from_query(Some("name"), Some("desc"));
        let p = Pager::new(PageRequest::from_query(Some("10")), 1000, sort, "a&b");
        assert_eq!(
            p.next.as_deref(),
            Some("/settings/integrations?sort=name&dir=desc&q=a%26b&page=11")
        );
        let numbers: Vec<usize> = p.links.iter().map(|l| l.number).collect();
        assert_eq!(numbers, [1, 8, 9, 10, 11, 12, 20]);
        assert!(p.links[1].gap_before && !p.links[2].gap_before);
        assert!(p.links.iter().filter(|l| l.current).all(|l| l.number == 10));
        // Page 1 needs no parameter.
        assert_eq!(
            p.links[0].href,
            "/settings/integrations?sort=name&dir=desc&q=a%26b"
        );
    }

    #[test]
    fn thousands_are_grouped() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1000), "1,000");
        assert_eq!(thousands(1234567), "1,234,567");
    }
}
