//! Market days to come: four months scheduled and published, with stalls and shifts to
//! sign up for; the demo volunteer has a place at the next one and a certificate of her
//! past year's service.

use chrono::Duration;
use event::{EventKind, EventStatus};
use member::{Actor, PlatformRole};
use uuid::Uuid;

use super::{Demo, DemoError, LEADER_ORG, VOLUNTEER, fail, name_of};

/// Schedules the coming market days through the domain, as a coordinator would, and
/// publishes them with their stalls; returns them.
pub(super) async fn market_days(
    demo: &Demo<'_>,
    staff: &Actor,
    org_ids: &[Uuid],
) -> Result<Vec<event::Event>, DemoError> {
    let input = event::schedule::ScheduleInput {
        market: event::schedule::MarketInput {
            title: "南湖街道社区公益集市".to_owned(),
            place: "南湖社区广场".to_owned(),
            description: "义务理发、义诊、法律和政策咨询。欢迎居民参加，志愿者请在线报名。"
                .to_owned(),
            starts: "09:00".to_owned(),
            ends: "11:30".to_owned(),
        },
        nth: "2".to_owned(),
        weekday: "sat".to_owned(),
        months: "4".to_owned(),
    };
    event::schedule::schedule(demo.db, staff, &input, demo.today)
        .await
        .map_err(fail)?;
    let drafts = event::schedule::StaffFilter {
        status: Some(EventStatus::Draft),
        ..Default::default()
    };
    let (upcoming, _) = event::schedule::for_staff(demo.db, staff, &drafts, 1, 100)
        .await
        .map_err(fail)?;
    for market in
        (upcoming.iter()).filter(|m| m.kind == EventKind::Market && m.starts_at > demo.now)
    {
        set_up(demo, staff, org_ids, market.id).await?;
        event::schedule::publish(demo.db, staff, market.id)
            .await
            .map_err(fail)?;
    }
    Ok(upcoming)
}

/// Three stalls by fitting organizations (all incubating or graduated), two shifts each.
async fn set_up(
    demo: &Demo<'_>,
    staff: &Actor,
    org_ids: &[Uuid],
    market: Uuid,
) -> Result<(), DemoError> {
    for (org, service) in [(LEADER_ORG, "haircut"), (6, "clinic"), (15, "legal_aid")] {
        let org = org_ids[org].to_string();
        let stall = event::stalls::add_stall(demo.db, staff, market, &org, service, "")
            .await
            .map_err(fail)?;
        for (starts, ends) in [("09:00", "10:15"), ("10:15", "11:30")] {
            let input = event::stalls::ShiftInput {
                starts: starts.to_owned(),
                ends: ends.to_owned(),
                capacity: "4".to_owned(),
                required_skill: String::new(),
            };
            event::stalls::add_shift(demo.db, staff, stall.id, &input)
                .await
                .map_err(fail)?;
        }
    }
    Ok(())
}

/// The demo volunteer's place at the next market day open for sign-up (on her team's
/// stall), the neighbour she helps on the same shift, and her certificate for the past year.
pub(super) async fn volunteer_place_and_certificate(
    demo: &Demo<'_>,
    members: &[Uuid],
    org_ids: &[Uuid],
    upcoming: &[event::Event],
) -> Result<(), DemoError> {
    let volunteer = Actor {
        person_id: members[VOLUNTEER],
        account_id: Uuid::now_v7(),
        name: name_of(VOLUNTEER),
        role: PlatformRole::Volunteer,
        leads: Vec::new(),
        helps: false,
    };
    let next_open = upcoming
        .iter()
        .find(|m| m.kind == EventKind::Market && event::schedule::signup_closes_at(m) > demo.now);
    if let Some(market) = next_open {
        let stalls = event::stalls::stalls_of(demo.db, market.id)
            .await
            .map_err(fail)?;
        if let Some(shift) = stalls
            .iter()
            .find(|s| s.stall.organization_id == org_ids[LEADER_ORG])
            .and_then(|s| s.shifts.first())
        {
            event::signups::sign_up(demo.db, &volunteer, shift.id, demo.now)
                .await
                .map_err(fail)?;
            // And the neighbour she helps, who has no smartphone.
            let neighbour = member::helping::HelpedInput {
                name: "张奶奶".to_owned(),
                birth_year: "1948".to_owned(),
                agreed: true,
                note: "上门时当面问过，同意由我代为报名".to_owned(),
                ..Default::default()
            };
            let helped = member::helping::register(demo.db, &volunteer, &neighbour, demo.now)
                .await
                .map_err(fail)?;
            event::signups::sign_up_helped(demo.db, &volunteer, shift.id, helped.id, demo.now)
                .await
                .map_err(fail)?;
        }
    }
    let day = |d: chrono::NaiveDate| d.format("%Y-%m-%d").to_string();
    let year_ago = day(demo.today - Duration::days(365));
    let issuer = event::certificates::Issuer {
        name: "南湖街道办事处".to_owned(),
        leader: "周主任".to_owned(),
        clerk: "微益坊服务台".to_owned(),
        contact: "0571-00000000".to_owned(),
    };
    let identity = event::certificates::IdentityInput::default();
    let period = (&year_ago, &day(demo.today));
    event::certificates::issue(
        demo.db, &volunteer, period.0, period.1, &identity, &issuer, demo.now,
    )
    .await
    .map_err(fail)?;
    Ok(())
}
