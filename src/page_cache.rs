//! Pages served from memory until something they show changes. A page is kept with the
//! version stamp it was rendered at (`event::page_stamp`, kept by the database in the same
//! transaction as every change) and the moment the clock alone would change it; a request
//! reads the stamp with one query and gets the kept page while both still hold. Only pages
//! that are the same for every visitor are kept: anonymous ones, without a notice.

use std::collections::HashMap;
use std::sync::Mutex;

use axum::body::Bytes;
use chrono::{DateTime, Utc};
use event::page_stamp::PageStamp;
use uuid::Uuid;

use crate::i18n::Lang;

/// Enough for every market day anyone looks at, in both languages and both text sizes;
/// beyond it the oldest half is dropped.
const MAX_PAGES: usize = 512;

/// Which page, as which visitor sees it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct PageKey {
    pub page: Uuid,
    pub lang: Lang,
    pub elder: bool,
}

struct Kept {
    stamp: PageStamp,
    until: DateTime<Utc>,
    body: Bytes,
    /// When it was put, to drop the oldest when full.
    order: u64,
}

#[derive(Default)]
pub struct PageCache {
    pages: Mutex<(HashMap<PageKey, Kept>, u64)>,
}

impl PageCache {
    /// The kept page if it was rendered at `stamp` and the clock has not moved past it.
    pub fn get(&self, key: &PageKey, stamp: PageStamp, now: DateTime<Utc>) -> Option<Bytes> {
        let pages = self.pages.lock().ok()?;
        pages
            .0
            .get(key)
            .filter(|kept| kept.stamp == stamp && now < kept.until)
            .map(|kept| kept.body.clone())
    }

    pub fn put(&self, key: PageKey, stamp: PageStamp, until: DateTime<Utc>, body: Bytes) {
        let Ok(mut pages) = self.pages.lock() else {
            return;
        };
        let (map, counter) = &mut *pages;
        *counter += 1;
        if map.len() >= MAX_PAGES && !map.contains_key(&key) {
            let mut orders: Vec<u64> = map.values().map(|kept| kept.order).collect();
            orders.sort_unstable();
            let median = orders[orders.len() / 2];
            map.retain(|_, kept| kept.order >= median);
        }
        map.insert(
            key,
            Kept {
                stamp,
                until,
                body,
                order: *counter,
            },
        );
    }
}
