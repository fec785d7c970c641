//! A period's figures are kept in memory between requests (a year's dashboard sums about a
//! hundred thousand records); they must still show every change at once, whichever way it
//! was made — through the platform or by a plain SQL statement — and every change the clock
//! alone makes (posted hours coming to stand, a day beginning).

use chrono::{Datelike, Duration, Months, Utc};
use event::entities::event as event_row;
use event::entities::{
    beneficiary_report, hour_entry, objection, resident_visit, service_record, signup, stall,
};
use member::PlatformRole;
use sea_orm::sea_query::Expr;
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, Set};
use serde_json::Value;
use uuid::Uuid;

use crate::counting::{a_day_served_by, a_day_with_hours};
use crate::helpers::{Browser, TestApp};

/// The period around the day a week ago, as the API's figures and the dashboard ask it:
/// not whole months, so its figures are worked out (and kept) whole.
fn period() -> String {
    let from = (Utc::now() - Duration::days(30)).date_naive();
    let until = (Utc::now() + Duration::days(1)).date_naive();
    format!("from={from}&until={until}")
}

/// Whole months from the one `days_back` ago to this one: put together from stalls kept
/// apart.
fn whole_months(days_back: i64) -> String {
    let today = weiyifang::views::today();
    let from = (today - Duration::days(days_back)).with_day(1).unwrap();
    let until = (today.with_day(1).unwrap() + Months::new(1))
        .pred_opt()
        .unwrap();
    format!("from={from}&until={until}")
}

async fn figures_of(staff: &Browser, period: &str) -> Value {
    let response = staff.get(&format!("/api/v1/figures?{period}")).await;
    assert_eq!(response.status(), 200);
    response.json().await.unwrap()
}

/// The figures of the days around a week ago, the same both ways they are kept.
async fn figures(staff: &Browser) -> Value {
    let whole = figures_of(staff, &period()).await;
    let by_months = figures_of(staff, &whole_months(30)).await;
    assert_eq!(whole["all"], by_months["all"]);
    assert_eq!(whole["by_organization"], by_months["by_organization"]);
    whole
}

/// (services, hours, hours that stand) of the whole period.
async fn hours(staff: &Browser) -> (u64, String, String) {
    let all = figures(staff).await["all"].clone();
    (
        all["services"].as_u64().unwrap(),
        all["hours"].as_str().unwrap().to_owned(),
        all["hours_standing"].as_str().unwrap().to_owned(),
    )
}

fn expect(services: u64, hours: &str, standing: &str) -> (u64, String, String) {
    (services, hours.to_owned(), standing.to_owned())
}

/// A plain UPDATE of one column of the row `id`, past every domain function.
macro_rules! set {
    ($app:expr, $table:ident, $column:ident = $value:expr, $id:expr) => {
        $table::Entity::update_many()
            .col_expr($table::Column::$column, Expr::value($value))
            .filter($table::Column::Id.eq($id))
            .exec(&$app.db)
            .await
            .unwrap()
    };
}

#[tokio::test]
async fn kept_figures_follow_every_change_they_count() {
    let app = TestApp::new().await;
    let staff = app
        .signed_in(PlatformRole::Coordinator, "王主任", "13800000001")
        .await;
    let (market, shift, [first, _], [record, other_record]) = a_day_with_hours(&app).await;
    // The posting is over: both records' hours stand.
    app.end_postings().await;
    assert_eq!(hours(&staff).await, expect(2, "3.0", "3.0"));
    // Asked again with nothing changed: the same (kept) figures.
    assert_eq!(hours(&staff).await, expect(2, "3.0", "3.0"));

    // A volunteer marked 未到岗 by a plain update, then marked present again.
    set!(app, service_record, Attendance = "no_show", record);
    assert_eq!(hours(&staff).await, expect(1, "1.5", "1.5"));
    let back = service_record::Entity::find_by_id(record)
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    let mut back: service_record::ActiveModel = back.into();
    back.attendance = Set(Some("attended".into()));
    back.update(&app.db).await.unwrap();
    assert_eq!(hours(&staff).await, expect(2, "3.0", "3.0"));

    // Hours corrected by a newer entry: posted again, not yet standing.
    let staff_actor = app.staff_actor();
    event::records::enter_hours(
        &app.db,
        &staff_actor,
        other_record,
        ("1.0", "按实际时长更正"),
        &crate::helpers::publicity(),
        Utc::now(),
    )
    .await
    .unwrap();
    assert_eq!(hours(&staff).await, expect(2, "2.5", "1.5"));

    // An objection opened holds the record's hours back; dismissed, they stand again.
    app.end_postings().await;
    let objection_id = Uuid::now_v7();
    objection::ActiveModel {
        id: Set(objection_id),
        record_id: Set(record),
        reason: Set("时长不对".into()),
        contact: Set(String::new()),
        raised_by: Set(None),
        raised_from: Set(String::new()),
        raised_at: Set(Utc::now()),
        status: Set("open".into()),
        resolution: Set(String::new()),
        resolved_by: Set(None),
        resolved_at: Set(None),
    }
    .insert(&app.db)
    .await
    .unwrap();
    assert_eq!(hours(&staff).await, expect(2, "2.5", "1.0"));
    set!(app, objection, Status = "dismissed", objection_id);
    assert_eq!(hours(&staff).await, expect(2, "2.5", "2.5"));

    // A sign-up cancelled afterwards: its hours never count.
    let gone = signup::Entity::find()
        .all(&app.db)
        .await
        .unwrap()
        .into_iter()
        .find(|s| s.person_id == first)
        .unwrap();
    set!(app, signup, Status = "cancelled", gone.id);
    assert_eq!(hours(&staff).await, expect(1, "1.0", "1.0"));

    // Residents reported at the stall, and a visit with a phone number.
    let stall_id = event::stalls::find_shift(&app.db, shift)
        .await
        .unwrap()
        .stall_id;
    beneficiary_report::ActiveModel {
        id: Set(Uuid::now_v7()),
        stall_id: Set(stall_id),
        total: Set(37),
        elderly: Set(Some(20)),
        children: Set(None),
        disabled: Set(None),
        other: Set(None),
        reason: Set(String::new()),
        entered_by: Set(staff_actor.person_id),
        entered_at: Set(Utc::now()),
        tallied: Set(None),
    }
    .insert(&app.db)
    .await
    .unwrap();
    let all = figures(&staff).await["all"].clone();
    assert_eq!(
        (all["residents"].as_i64(), all["elderly"].as_i64()),
        (Some(37), Some(20))
    );
    let dashboard = staff.get_text(&format!("/dashboard?{}", period())).await;
    assert!(!dashboard.contains("服务居民人数（按手机号去重）"));
    resident_visit::ActiveModel {
        id: Set(Uuid::now_v7()),
        stall_id: Set(stall_id),
        resident_key: Set("digest-of-a-phone".into()),
        recorded_by: Set(None),
        recorded_at: Set(Utc::now()),
    }
    .insert(&app.db)
    .await
    .unwrap();
    let dashboard = staff.get_text(&format!("/dashboard?{}", period())).await;
    assert!(
        dashboard.contains("服务居民人数（按手机号去重）"),
        "{dashboard}"
    );

    // The stall moved to another organization: the per-organization rows follow.
    let other_org = app
        .add_org("夕阳红服务社", "elderly", "南湖社区", "13911110001")
        .await;
    set!(app, stall, OrganizationId = other_org, stall_id);
    let by_org = figures(&staff).await["by_organization"].clone();
    assert_eq!(by_org[0]["key"], other_org.to_string(), "{by_org}");

    // The day cancelled by a plain update: nothing of it counts.
    set!(app, event_row, Status = "cancelled", market);
    let all = figures(&staff).await["all"].clone();
    assert_eq!(
        (all["market_days"].as_u64(), all["services"].as_u64()),
        (Some(0), Some(0))
    );
}

#[tokio::test]
async fn kept_figures_follow_the_clock() {
    let app = TestApp::new().await;
    let staff = app
        .signed_in(PlatformRole::Coordinator, "王主任", "13800000001")
        .await;
    a_day_with_hours(&app).await;
    // The posting ends in two seconds, and a day begins then.
    let soon = Utc::now() + Duration::seconds(2);
    hour_entry::Entity::update_many()
        .col_expr(hour_entry::Column::StandsAt, Expr::value(soon))
        .exec(&app.db)
        .await
        .unwrap();
    app.add_market(
        "马上开始的集市",
        soon,
        soon + Duration::hours(2),
        event::EventStatus::Published,
    )
    .await;
    let before = figures(&staff).await["all"].clone();
    assert_eq!(before["market_days"], 1);
    assert_eq!(before["hours_standing"], "0.0");
    // Kept, and still right, until that moment.
    assert_eq!(figures(&staff).await["all"], before);
    tokio::time::sleep((soon - Utc::now()).to_std().unwrap_or_default()).await;
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    let after = figures(&staff).await["all"].clone();
    assert_eq!(after["market_days"], 2);
    assert_eq!(after["hours_standing"], "3.0");
}

#[tokio::test]
async fn stalls_kept_apart_add_up_to_the_same_figures_as_the_whole_period() {
    let app = TestApp::new().await;
    let staff = app
        .signed_in(PlatformRole::Coordinator, "王主任", "13800000001")
        .await;
    let mut people = Vec::new();
    for phone in ["13911110001", "13911110002"] {
        people.push(
            app.add_account(PlatformRole::Volunteer, "志愿者", phone)
                .await,
        );
    }
    // Two days a month apart (two stalls, in two months); the first volunteer served at both.
    let (_, _, late) = a_day_served_by(&app, "南湖爱心理发队", &people, 3).await;
    let (_, _, early) = a_day_served_by(&app, "夕阳红服务社", &people[..1], 34).await;
    let period = whole_months(40);
    let direct = || async {
        let (from, until) = month_bounds(40);
        event::stats::stats(&app.db, Some(from), Some(until), None, Utc::now())
            .await
            .unwrap()
    };

    let kept = figures_of(&staff, &period).await;
    let worked = direct().await;
    assert_eq!(kept["all"]["volunteers"], 2, "one volunteer in both months");
    assert_eq!(kept["all"]["services"], 3);
    assert_eq!(kept["by_month"].as_array().unwrap().len(), 2);
    agrees(&kept, &worked);

    // The earlier stall changes: only it is worked out again, and the whole still agrees.
    set!(app, service_record, Attendance = "no_show", early[0]);
    let kept = figures_of(&staff, &period).await;
    assert_eq!(kept["all"]["volunteers"], 2, "still at the later day");
    assert_eq!(kept["all"]["services"], 2);
    agrees(&kept, &direct().await);
    // The later stall changes too.
    set!(app, service_record, Attendance = "no_show", late[1]);
    let kept = figures_of(&staff, &period).await;
    assert_eq!(kept["all"]["volunteers"], 1);
    agrees(&kept, &direct().await);
}

/// Periods that share stalls, asked all at once right after a change: every answer holds
/// the change.
#[tokio::test]
async fn overlapping_periods_asked_at_once_all_hold_the_latest_change() {
    let app = TestApp::new().await;
    let staff = app
        .signed_in(PlatformRole::Coordinator, "王主任", "13800000001")
        .await;
    let (_, _, _, [record, _]) = a_day_with_hours(&app).await;
    assert_eq!(figures(&staff).await["all"]["services"], 2);
    set!(app, service_record, Attendance = "no_show", record);
    let periods = [whole_months(30), whole_months(90), period()];
    let asked: Vec<_> = (0..12)
        .map(|n| {
            let (staff, period) = (staff.clone(), periods[n % periods.len()].clone());
            tokio::spawn(async move { figures_of(&staff, &period).await })
        })
        .collect();
    for answer in asked {
        let answer = answer.await.unwrap();
        assert_eq!(answer["all"]["services"], 1, "{answer}");
    }
}

/// `[first of the month days_back ago, first of next month)` in Shanghai, as instants.
fn month_bounds(days_back: i64) -> (chrono::DateTime<Utc>, chrono::DateTime<Utc>) {
    let today = weiyifang::views::today();
    let from = (today - Duration::days(days_back)).with_day(1).unwrap();
    let until = today.with_day(1).unwrap() + Months::new(1);
    let at = |d| event::schedule::at(d, chrono::NaiveTime::MIN);
    (at(from), at(until))
}

/// The kept figures (the API's answer) against the same period worked out from its rows.
fn agrees(kept: &Value, worked: &event::stats::Stats) {
    let all = &kept["all"];
    assert_eq!(all["volunteers"], worked.all.volunteers);
    assert_eq!(all["services"], worked.all.services);
    assert_eq!(all["market_days"], worked.all.market_days);
    assert_eq!(
        all["hours"],
        event::records::format_hours(worked.all.hours_tenths)
    );
    let by_org: Vec<(String, u64)> = (kept["by_organization"].as_array().unwrap().iter())
        .map(|g| {
            let volunteers = g["figures"]["volunteers"].as_u64().unwrap();
            (g["key"].as_str().unwrap().to_owned(), volunteers)
        })
        .collect();
    let worked_by_org: Vec<(String, u64)> = (worked.by_organization.iter())
        .map(|(org, f)| (org.to_string(), f.volunteers))
        .collect();
    assert_eq!(by_org, worked_by_org);
    let months: Vec<u64> = (kept["by_month"].as_array().unwrap().iter())
        .map(|g| g["figures"]["services"].as_u64().unwrap())
        .collect();
    let worked_months: Vec<u64> = worked.by_month.values().map(|f| f.services).collect();
    assert_eq!(months, worked_months);
}
