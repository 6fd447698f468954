//! `Marker` / `MaxItems` / `IsTruncated` pagination over name-ordered listings.
//!
//! A marker is the (opaque, base64url) key of the first item of the next page, so a page stays
//! correct when items before it are added or removed.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use warden_protocol::ServiceError;

/// AWS's default page size.
const DEFAULT_MAX_ITEMS: usize = 100;

#[derive(Debug)]
pub(crate) struct Page<T> {
    pub items: Vec<T>,
    /// The marker of the next page, when there is one.
    pub next: Option<String>,
}

impl<T> Page<T> {
    pub fn is_truncated(&self) -> bool {
        self.next.is_some()
    }
}

/// Takes one page from `items`, which come sorted by their string key.
pub(crate) fn paginate<T>(
    items: impl IntoIterator<Item = (String, T)>,
    marker: Option<&str>,
    max_items: Option<i32>,
) -> Result<Page<T>, ServiceError> {
    let start = match marker {
        Some(m) => Some(
            URL_SAFE_NO_PAD
                .decode(m)
                .ok()
                .and_then(|b| String::from_utf8(b).ok())
                .ok_or_else(|| {
                    ServiceError::new(
                        warden_protocol::iam::errors::INVALID_INPUT,
                        "Invalid Marker.",
                    )
                })?,
        ),
        None => None,
    };
    let max = max_items
        .and_then(|m| usize::try_from(m).ok())
        .filter(|m| *m > 0)
        .unwrap_or(DEFAULT_MAX_ITEMS);
    let mut page = Vec::new();
    let mut next = None;
    for (key, item) in items {
        if start.as_deref().is_some_and(|s| key.as_str() < s) {
            continue;
        }
        if page.len() == max {
            next = Some(URL_SAFE_NO_PAD.encode(key.as_bytes()));
            break;
        }
        page.push(item);
    }
    Ok(Page { items: page, next })
}

/// Takes one page from `items` given in any order: sorts them by key first.
pub(crate) fn paginate_unsorted<T>(
    mut items: Vec<(String, T)>,
    marker: Option<&str>,
    max_items: Option<i32>,
) -> Result<Page<T>, ServiceError> {
    items.sort_by(|a, b| a.0.cmp(&b.0));
    paginate(items, marker, max_items)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys(n: usize) -> Vec<(String, usize)> {
        (0..n).map(|i| (format!("k{i:03}"), i)).collect()
    }

    #[test]
    fn pages_cover_every_item_once_in_order() {
        let mut seen = Vec::new();
        let mut marker = None;
        loop {
            let page = paginate(keys(25), marker.as_deref(), Some(10)).unwrap();
            seen.extend(page.items.iter().copied());
            match page.next {
                Some(m) => marker = Some(m),
                None => break,
            }
        }
        assert_eq!(seen, (0..25).collect::<Vec<_>>());
    }

    #[test]
    fn exact_fit_is_not_truncated_and_bad_markers_are_refused() {
        let page = paginate(keys(10), None, Some(10)).unwrap();
        assert_eq!(page.items.len(), 10);
        assert!(!page.is_truncated());
        assert_eq!(paginate(keys(150), None, None).unwrap().items.len(), 100);
        assert_eq!(
            paginate(keys(3), Some("!!"), None).unwrap_err().code,
            "InvalidInput"
        );
    }
}
