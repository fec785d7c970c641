//! Links to the previous and next page of a list, keeping its filters.

use serde::Serialize;

#[derive(Serialize)]
pub struct Pager {
    show: bool,
    page: u64,
    pages: u64,
    prev: Option<String>,
    next: Option<String>,
}

impl Pager {
    pub fn new(
        page: u64,
        total: u64,
        per_page: u64,
        base: &str,
        filters: &[(&str, String)],
    ) -> Self {
        let pages = total.div_ceil(per_page).max(1);
        let href = |page: u64| {
            let mut pairs = filters.to_vec();
            pairs.push(("page", page.to_string()));
            Self::href(base, &pairs)
        };
        Pager {
            show: pages > 1,
            page,
            pages,
            prev: (page > 1).then(|| href(page - 1)),
            next: (page < pages).then(|| href(page + 1)),
        }
    }

    /// `base?a=1&b=2`, leaving out empty values.
    pub fn href(base: &str, pairs: &[(&str, String)]) -> String {
        let pairs: Vec<&(&str, String)> = pairs.iter().filter(|(_, v)| !v.is_empty()).collect();
        if pairs.is_empty() {
            base.to_owned()
        } else {
            format!(
                "{base}?{}",
                serde_urlencoded::to_string(pairs).unwrap_or_default()
            )
        }
    }
}
