//! 17 market days held, on the second Saturday of the past months: four stalls each, four
//! volunteers a stall with their hours confirmed, and 30,000 residents served in all.
//! Written as the records the day would have left, with the audit entries the attendance
//! page writes.

use chrono::{DateTime, Datelike, Duration, NaiveDate, NaiveTime, Utc, Weekday};
use event::entities::{
    beneficiary_report, event as event_entity, hour_entry, service_record, shift, signup, stall,
};
use event::signups::SignupStatus;
use event::stalls::Service;
use event::{EventKind, EventStatus};
use member::Actor;
use sea_orm::{ActiveModelTrait, Set};
use uuid::Uuid;

use super::{
    COMMUNITIES, Demo, DemoError, HELD_MARKET_DAYS, LEADER_ORG, MEMBERS, ORG_KINDS, ORGANIZATIONS,
    RESIDENTS_SERVED, STALL_KINDS, VOLUNTEER, active, fail,
};

/// Volunteers on each stall's one shift.
const VOLUNTEERS: i32 = 4;
const PER_ORG: usize = MEMBERS / ORGANIZATIONS;

/// A stall of a held day, and when the day began: what residents later rate.
pub(super) type HeldStall = (Uuid, DateTime<Utc>);

/// Who does the fill and who is there to serve.
struct Crew<'a> {
    staff: &'a Actor,
    members: &'a [Uuid],
    org_ids: &'a [Uuid],
}

pub(super) async fn market_days(
    demo: &Demo<'_>,
    staff: &Actor,
    members: &[Uuid],
    org_ids: &[Uuid],
) -> Result<Vec<HeldStall>, DemoError> {
    let crew = Crew {
        staff,
        members,
        org_ids,
    };
    let stalls_total = (HELD_MARKET_DAYS * STALL_KINDS.len()) as i32;
    let per_stall = RESIDENTS_SERVED / stalls_total;
    // The first stalls serve one more each, so the total is exact.
    let mut remainder = RESIDENTS_SERVED - per_stall * stalls_total;
    let mut held = Vec::new();
    for (d, day) in held_days(demo.today).iter().enumerate() {
        let market = market_day(demo, d, *day).await?;
        for (service, kind) in STALL_KINDS {
            let org = stall_organization(d, service, kind);
            let extra = i32::from(remainder > 0);
            remainder -= extra;
            let served = per_stall + extra;
            let stall = held_stall(demo, &crew, &market, (d, org, service), served).await?;
            held.push((stall, market.starts_at));
        }
    }
    Ok(held)
}

/// The second Saturday of each of the past 17 months, oldest first.
fn held_days(today: NaiveDate) -> Vec<NaiveDate> {
    let mut days = Vec::new();
    let (mut year, mut month) = (today.year(), today.month());
    while days.len() < HELD_MARKET_DAYS {
        (year, month) = if month == 1 {
            (year - 1, 12)
        } else {
            (year, month - 1)
        };
        if let Some(day) = NaiveDate::from_weekday_of_month_opt(year, month, Weekday::Sat, 2) {
            days.push(day);
        }
    }
    days.reverse();
    days
}

/// A stall is run by an active organization of the fitting kind, in turn; the latest six
/// haircut stalls by the demo leader's team.
fn stall_organization(d: usize, service: Service, kind: usize) -> usize {
    let fitting: Vec<usize> = (0..ORGANIZATIONS)
        .filter(|o| o % ORG_KINDS.len() == kind && active(*o))
        .collect();
    if service == Service::Haircut && d + 6 >= HELD_MARKET_DAYS {
        LEADER_ORG
    } else {
        fitting[d % fitting.len()]
    }
}

async fn market_day(
    demo: &Demo<'_>,
    d: usize,
    day: NaiveDate,
) -> Result<event_entity::Model, DemoError> {
    let nine = NaiveTime::from_hms_opt(9, 0, 0).unwrap_or(NaiveTime::MIN);
    let starts = event::schedule::at(day, nine);
    event_entity::ActiveModel {
        id: Set(Uuid::now_v7()),
        kind: Set(EventKind::Market),
        title: Set("南湖街道社区公益集市".to_owned()),
        place: Set(format!("{}广场", COMMUNITIES[d % COMMUNITIES.len()])),
        starts_at: Set(starts),
        ends_at: Set(starts + Duration::minutes(150)),
        status: Set(EventStatus::Reported),
        created_at: Set(demo.now),
        description: Set("义务理发、义诊、法律和政策咨询。".to_owned()),
        organizer_id: Set(None),
        project_id: Set(None),
        signup_closes_at: Set(None),
        cancel_reason: Set(None),
    }
    .insert(demo.db)
    .await
    .map_err(fail)
}

/// One stall of day `d` run by organization `org`: its shift, its volunteers served with
/// their hours, and the residents it served.
async fn held_stall(
    demo: &Demo<'_>,
    crew: &Crew<'_>,
    market: &event_entity::Model,
    (d, org, service): (usize, usize, Service),
    served: i32,
) -> Result<Uuid, DemoError> {
    let created = stall::ActiveModel {
        id: Set(Uuid::now_v7()),
        event_id: Set(market.id),
        organization_id: Set(crew.org_ids[org]),
        service: Set(service),
        description: Set(String::new()),
        created_at: Set(demo.now),
    }
    .insert(demo.db)
    .await
    .map_err(fail)?;
    let shift_row = shift::ActiveModel {
        id: Set(Uuid::now_v7()),
        stall_id: Set(created.id),
        starts_at: Set(market.starts_at),
        ends_at: Set(market.ends_at),
        capacity: Set(VOLUNTEERS),
        confirmed_count: Set(VOLUNTEERS),
        required_skill: Set(None),
        created_at: Set(demo.now),
        checkin_token: Set(None),
    }
    .insert(demo.db)
    .await
    .map_err(fail)?;
    for v in 0..VOLUNTEERS as usize {
        // The organization's own members, the demo volunteer first on her team's.
        let person = if org == LEADER_ORG && v == 0 {
            crew.members[VOLUNTEER]
        } else {
            crew.members[org * PER_ORG + 10 + (v + 4 * d) % (PER_ORG - 10)]
        };
        served_shift(demo, crew.staff, &shift_row, person).await?;
    }
    residents_served(demo, crew.staff, market.id, created.id, served).await?;
    Ok(created.id)
}

/// A volunteer signed up, attended the whole shift and had 2.5 hours confirmed.
async fn served_shift(
    demo: &Demo<'_>,
    staff: &Actor,
    shift_row: &shift::Model,
    person: Uuid,
) -> Result<(), DemoError> {
    let signup_row = signup::ActiveModel {
        id: Set(Uuid::now_v7()),
        shift_id: Set(shift_row.id),
        person_id: Set(person),
        status: Set(SignupStatus::Confirmed),
        created_at: Set(demo.now),
        confirmed_at: Set(Some(demo.now)),
        cancelled_at: Set(None),
        added_by: Set(None),
    }
    .insert(demo.db)
    .await
    .map_err(fail)?;
    let record = service_record::ActiveModel {
        id: Set(Uuid::now_v7()),
        signup_id: Set(signup_row.id),
        shift_id: Set(shift_row.id),
        person_id: Set(person),
        checked_in_at: Set(Some(shift_row.starts_at)),
        checked_out_at: Set(Some(shift_row.ends_at)),
        attendance: Set(Some("attended".to_owned())),
        created_at: Set(demo.now),
    }
    .insert(demo.db)
    .await
    .map_err(fail)?;
    hour_entry::ActiveModel {
        id: Set(Uuid::now_v7()),
        record_id: Set(record.id),
        tenths: Set(25),
        reason: Set(String::new()),
        entered_by: Set(staff.person_id),
        entered_at: Set(demo.now),
        // As if confirmed when the shift ended: older days stand, the latest may be posted.
        stands_at: Set(event::publicity::Rule {
            days: 3,
            ..Default::default()
        }
        .stands_at(shift_row.ends_at)),
    }
    .insert(demo.db)
    .await
    .map_err(fail)?;
    member::volunteer_record::give_number(demo.db, person)
        .await
        .map_err(fail)?;
    // In the audit log like hours confirmed on the attendance page.
    let (action, subject) = ("service.hours_confirm", Some(person));
    member::audit::record(
        demo.db,
        Some(staff.person_id),
        action,
        "person",
        subject,
        "2.5",
    )
    .await
    .map_err(fail)?;
    Ok(())
}

/// The stall's report of residents served, six in ten of them older people.
async fn residents_served(
    demo: &Demo<'_>,
    staff: &Actor,
    market_id: Uuid,
    stall_id: Uuid,
    total: i32,
) -> Result<(), DemoError> {
    let elderly = total * 6 / 10;
    let children = total / 10;
    beneficiary_report::ActiveModel {
        id: Set(Uuid::now_v7()),
        stall_id: Set(stall_id),
        total: Set(total),
        elderly: Set(Some(elderly)),
        children: Set(Some(children)),
        disabled: Set(Some(total / 20)),
        other: Set(Some(total - elderly - children - total / 20)),
        reason: Set(String::new()),
        entered_by: Set(staff.person_id),
        entered_at: Set(demo.now),
        tallied: Set(None),
    }
    .insert(demo.db)
    .await
    .map_err(fail)?;
    let action = "service.beneficiaries_report";
    let detail = format!("total {total}");
    member::audit::record(
        demo.db,
        Some(staff.person_id),
        action,
        "event",
        Some(market_id),
        detail,
    )
    .await
    .map_err(fail)?;
    Ok(())
}
