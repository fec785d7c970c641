//! Heavy answers that a crowd asks for at once are worked out once and shared. A request
//! waits while the same question is being worked out, then takes that answer if its work
//! began after the request arrived (so it holds every write committed before the request
//! was made), or works it out itself, after a moment's wait for others asking the same.
//! Sixty-four coordinators opening the year's dashboard together share one working instead
//! of waiting for sixty-four in turn, and nobody is ever shown figures older than their
//! question.

use std::collections::HashMap;
use std::hash::Hash;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

/// How long a working waits for others asking the same before it begins, so that a crowd
/// arriving within a moment shares one working rather than two (a small price next to a
/// working of half a second).
const GATHER: Duration = Duration::from_millis(20);

/// Distinct questions kept; past it the kept answers are dropped (they are only a shortcut).
const MAX_QUESTIONS: usize = 64;

type Slot<V> = Arc<tokio::sync::Mutex<Option<(Instant, Arc<V>)>>>;

pub struct SharedAnswers<K, V> {
    slots: Mutex<HashMap<K, Slot<V>>>,
}

impl<K, V> Default for SharedAnswers<K, V> {
    fn default() -> Self {
        Self {
            slots: Mutex::new(HashMap::new()),
        }
    }
}

impl<K: Eq + Hash, V> SharedAnswers<K, V> {
    pub async fn answer<E, F>(&self, question: K, work: F) -> Result<Arc<V>, E>
    where
        F: AsyncFnOnce() -> Result<V, E>,
    {
        let asked = Instant::now();
        let slot = {
            let mut slots = self.slots.lock().unwrap_or_else(PoisonError::into_inner);
            if slots.len() >= MAX_QUESTIONS && !slots.contains_key(&question) {
                slots.clear();
            }
            slots.entry(question).or_default().clone()
        };
        let mut kept = slot.lock().await;
        if let Some((began, answer)) = kept.as_ref()
            && *began >= asked
        {
            return Ok(answer.clone());
        }
        tokio::time::sleep(GATHER).await;
        let began = Instant::now();
        let answer = Arc::new(work().await?);
        *kept = Some((began, answer.clone()));
        Ok(answer)
    }
}
