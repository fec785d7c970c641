//! Pages served from memory until something they show changes. A page is kept with the
//! version stamp it was rendered at (`event::page_stamp`, kept by the database in the same
//! transaction as every change) and the moment the clock alone would change it; a request
//! reads the stamp with one query and gets the kept page while both still hold. Only what
//! is the same for every visitor is kept: anonymous pages without a notice, the body of a
//! market day as every plain volunteer sees it (their own places are put in per request),
//! and the body of each volunteer's "my shifts" (by `people.shifts_version`, migration 24).

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

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

struct Kept<V, S> {
    stamp: S,
    until: DateTime<Utc>,
    body: V,
    /// When it was put, to drop the oldest when full.
    order: u64,
}

type Pages<V, S> = HashMap<PageKey, Kept<V, S>>;

/// Rendered pages (`Bytes`), or whatever a page is put together from (`V`), kept by a
/// version stamp (`S`): a market day's, or a volunteer's `shifts_version`.
pub struct PageCache<V = Bytes, S = PageStamp> {
    pages: Mutex<(Pages<V, S>, u64)>,
    /// One render at a time per page: a crowd arriving on a page not kept yet waits for the
    /// first render instead of rendering it sixty-four times at once.
    renders: Mutex<HashMap<PageKey, Arc<tokio::sync::Mutex<()>>>>,
}

impl<V, S> Default for PageCache<V, S> {
    fn default() -> Self {
        PageCache {
            pages: Mutex::default(),
            renders: Mutex::default(),
        }
    }
}

impl<V: Clone, S: Copy + PartialEq> PageCache<V, S> {
    /// The page kept at `stamp`, else rendered by `render` (the page and the moment the
    /// clock alone would change it) and kept.
    pub async fn get_or_render<E>(
        &self,
        key: PageKey,
        stamp: S,
        render: impl AsyncFnOnce() -> Result<(V, DateTime<Utc>), E>,
    ) -> Result<V, E> {
        if let Some(body) = self.get(&key, stamp, Utc::now()) {
            return Ok(body);
        }
        let turn = {
            let mut renders = self.renders.lock().unwrap_or_else(PoisonError::into_inner);
            if renders.len() >= MAX_PAGES && !renders.contains_key(&key) {
                renders.clear();
            }
            renders.entry(key).or_default().clone()
        };
        let _turn = turn.lock().await;
        if let Some(body) = self.get(&key, stamp, Utc::now()) {
            return Ok(body);
        }
        let (body, until) = render().await?;
        self.put(key, stamp, until, body.clone());
        Ok(body)
    }

    /// The kept page if it was rendered at `stamp` and the clock has not moved past it.
    fn get(&self, key: &PageKey, stamp: S, now: DateTime<Utc>) -> Option<V> {
        let pages = self.pages.lock().unwrap_or_else(PoisonError::into_inner);
        pages
            .0
            .get(key)
            .filter(|kept| kept.stamp == stamp && now < kept.until)
            .map(|kept| kept.body.clone())
    }

    fn put(&self, key: PageKey, stamp: S, until: DateTime<Utc>, body: V) {
        let mut pages = self.pages.lock().unwrap_or_else(PoisonError::into_inner);
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
