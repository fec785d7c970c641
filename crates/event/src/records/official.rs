//! The official records for entry into the national volunteer service system: one line per
//! service whose hours stand (公示 over, no objection open), with what 《志愿服务记录与证明
//! 出具办法》 lists — who, what, when, where, content, completion, hours, organizer,
//! recorder. Staff only; the README maps each column to the national system's fields.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};
use member::entities::{organization, person};
use member::{Actor, audit};
use sea_orm::QuerySelect;
use sea_orm::entity::prelude::*;

use crate::EventError;
use crate::entities::{event, hour_entry, service_record, shift, stall};
use crate::schedule::shanghai;
use crate::stalls::Service;

/// One service as exported.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OfficialRecord {
    pub record_id: Uuid,
    /// 志愿者编号; empty only for someone whose number was never given.
    pub volunteer_number: String,
    pub name: String,
    pub phone: String,
    pub event: String,
    pub service: Service,
    /// The stall's own description of the service, if it wrote one.
    pub content: String,
    pub date: NaiveDate,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub place: String,
    pub tenths: i32,
    pub organization: String,
    /// Who entered the hours that stand (记录人).
    pub recorder: String,
    pub stands_at: DateTime<Utc>,
}

/// Services of events in `[from, until)` whose hours stand by `now`, oldest first; the
/// export is audited (it holds phone numbers).
pub async fn official_records(
    db: &impl ConnectionTrait,
    actor: &Actor,
    period: (DateTime<Utc>, DateTime<Utc>),
    now: DateTime<Utc>,
) -> Result<Vec<OfficialRecord>, EventError> {
    if !actor.is_staff() {
        return Err(EventError::Forbidden);
    }
    let places = Places::of_period(db, period).await?;
    let entries = standing_entries(db, places.shifts.keys().copied().collect(), now).await?;
    let people = names_and_phones(
        db,
        entries
            .iter()
            .flat_map(|e| [e.person_id, e.recorder])
            .collect(),
    )
    .await?;
    let numbers =
        member::volunteer_record::numbers_of(db, entries.iter().map(|e| e.person_id)).await?;
    let mut lines: Vec<OfficialRecord> = entries
        .into_iter()
        .filter_map(|entry| {
            let shift = places.shifts.get(&entry.shift_id)?;
            let stall = places.stalls.get(&shift.stall_id)?;
            let event = places.events.get(&stall.event_id)?;
            let (name, phone) = people.get(&entry.person_id).cloned().unwrap_or_default();
            Some(OfficialRecord {
                record_id: entry.record_id,
                volunteer_number: numbers.get(&entry.person_id).cloned().unwrap_or_default(),
                name,
                phone,
                event: event.title.clone(),
                service: stall.service,
                content: stall.description.clone(),
                date: shift.starts_at.with_timezone(&shanghai()).date_naive(),
                starts_at: shift.starts_at,
                ends_at: shift.ends_at,
                place: event.place.clone(),
                tenths: entry.tenths,
                organization: (places.organizations.get(&stall.organization_id).cloned())
                    .unwrap_or_default(),
                recorder: (people.get(&entry.recorder).map(|p| p.0.clone())).unwrap_or_default(),
                stands_at: entry.stands_at,
            })
        })
        .collect();
    lines.sort_by(|a, b| {
        (a.starts_at, &a.volunteer_number).cmp(&(b.starts_at, &b.volunteer_number))
    });
    audit::record(
        db,
        Some(actor.person_id),
        "service.records_export",
        "period",
        None,
        format!("{} rows", lines.len()),
    )
    .await?;
    Ok(lines)
}

/// The events of a period with their stalls, shifts and organizations' names.
struct Places {
    events: HashMap<Uuid, event::Model>,
    stalls: HashMap<Uuid, stall::Model>,
    shifts: HashMap<Uuid, shift::Model>,
    organizations: HashMap<Uuid, String>,
}

impl Places {
    async fn of_period(
        db: &impl ConnectionTrait,
        (from, until): (DateTime<Utc>, DateTime<Utc>),
    ) -> Result<Places, EventError> {
        let events = event::Entity::find()
            .filter(event::Column::StartsAt.gte(from))
            .filter(event::Column::StartsAt.lt(until))
            .all(db)
            .await?;
        let stalls = stall::Entity::find()
            .filter(stall::Column::EventId.is_in(events.iter().map(|e| e.id)))
            .all(db)
            .await?;
        let shifts = shift::Entity::find()
            .filter(shift::Column::StallId.is_in(stalls.iter().map(|s| s.id)))
            .all(db)
            .await?;
        let organizations = organization::Entity::find()
            .filter(organization::Column::Id.is_in(stalls.iter().map(|s| s.organization_id)))
            .all(db)
            .await?;
        Ok(Places {
            events: events.into_iter().map(|e| (e.id, e)).collect(),
            stalls: stalls.into_iter().map(|s| (s.id, s)).collect(),
            shifts: shifts.into_iter().map(|s| (s.id, s)).collect(),
            organizations: organizations.into_iter().map(|o| (o.id, o.name)).collect(),
        })
    }
}

/// A current hour entry that stands, with its record.
struct StandingEntry {
    record_id: Uuid,
    tenths: i32,
    shift_id: Uuid,
    person_id: Uuid,
    recorder: Uuid,
    stands_at: DateTime<Utc>,
}

async fn standing_entries(
    db: &impl ConnectionTrait,
    shift_ids: Vec<Uuid>,
    now: DateTime<Utc>,
) -> Result<Vec<StandingEntry>, EventError> {
    let mut entries = Vec::new();
    for chunk in shift_ids.chunks(500) {
        let rows: Vec<(Uuid, i32, Uuid, Uuid, Uuid, DateTime<Utc>)> =
            super::official_hour_entries(now)
                .select_only()
                .column(service_record::Column::Id)
                .column(hour_entry::Column::Tenths)
                .column(service_record::Column::ShiftId)
                .column(service_record::Column::PersonId)
                .column(hour_entry::Column::EnteredBy)
                .column(hour_entry::Column::StandsAt)
                .filter(service_record::Column::ShiftId.is_in(chunk.to_vec()))
                .into_tuple()
                .all(db)
                .await?;
        entries.extend(rows.into_iter().map(
            |(record_id, tenths, shift_id, person_id, recorder, stands_at)| StandingEntry {
                record_id,
                tenths,
                shift_id,
                person_id,
                recorder,
                stands_at,
            },
        ));
    }
    Ok(entries)
}

async fn names_and_phones(
    db: &impl ConnectionTrait,
    ids: Vec<Uuid>,
) -> Result<HashMap<Uuid, (String, String)>, EventError> {
    let mut found = HashMap::new();
    for chunk in ids.chunks(500) {
        for p in person::Entity::find()
            .filter(person::Column::Id.is_in(chunk.to_vec()))
            .all(db)
            .await?
        {
            found.insert(p.id, (p.name, p.phone.unwrap_or_default()));
        }
    }
    Ok(found)
}
