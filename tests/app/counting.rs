//! What counts, by one rule everywhere (dashboard, "my shifts", certificates): a no-show's
//! hours end, a cancelled sign-up's hours never count, a day with records cannot be
//! cancelled, the served time prefilled is always accepted.

use chrono::{Duration, Utc};
use event::records;
use event::signups;
use member::PlatformRole;
use sea_orm::{ActiveModelTrait, EntityTrait, Set};
use uuid::Uuid;

use crate::helpers::{TestApp, volunteer};
use crate::markets::{market_with_shift, market_with_shift_of};

/// A day a week ago with two volunteers who came and had their hours confirmed:
/// (market, shift, the two people, their records).
pub(crate) async fn a_day_with_hours(app: &TestApp) -> (Uuid, Uuid, [Uuid; 2], [Uuid; 2]) {
    let mut people = Vec::new();
    for phone in ["13911110001", "13911110002"] {
        let id = app
            .add_account(PlatformRole::Volunteer, "志愿者", phone)
            .await;
        people.push(id);
    }
    let (market, shift, records) = a_day_served_by(app, "南湖爱心理发队", &people, 7).await;
    (
        market,
        shift,
        [people[0], people[1]],
        [records[0], records[1]],
    )
}

/// A day `days_ago`, at a stall of a new organization so named, where `people` came and
/// had 1.5 hours each confirmed: (market, shift, their records).
pub(crate) async fn a_day_served_by(
    app: &TestApp,
    org: &str,
    people: &[Uuid],
    days_ago: i64,
) -> (Uuid, Uuid, Vec<Uuid>) {
    let staff = app.staff_actor();
    let (market, shift) = market_with_shift_of(app, 3, org).await;
    for id in people {
        signups::sign_up(&app.db, &volunteer(*id), shift, Utc::now())
            .await
            .unwrap();
    }
    // The day was set a week ahead.
    app.move_day(market, -7 - days_ago).await;
    let found = event::stalls::find_shift(&app.db, shift).await.unwrap();
    let token = records::checkin_token(&app.db, &staff, shift)
        .await
        .unwrap();
    let mut record_ids = Vec::new();
    for id in people {
        records::scan(&app.db, &volunteer(*id), &token, found.starts_at)
            .await
            .unwrap();
        records::scan(&app.db, &volunteer(*id), &token, found.ends_at)
            .await
            .unwrap();
        let (_, blocks) = records::attendance(&app.db, &staff, found.stall_id)
            .await
            .unwrap();
        let record = blocks[0]
            .lines
            .iter()
            .find(|l| l.signup.person_id == *id)
            .unwrap()
            .record
            .clone()
            .unwrap();
        records::enter_hours(
            &app.db,
            &staff,
            record.id,
            ("1.5", ""),
            &crate::helpers::publicity(),
            found.ends_at,
        )
        .await
        .unwrap();
        record_ids.push(record.id);
    }
    (market, shift, record_ids)
}

#[tokio::test]
async fn a_no_show_ends_their_hours_everywhere_and_the_history_stays() {
    let app = TestApp::new().await;
    let staff = app.staff_actor();
    let (_, shift, [came, absent], [_, absent_record]) = a_day_with_hours(&app).await;
    let now = Utc::now();
    let before = event::stats::stats(&app.db, None, None, None, now)
        .await
        .unwrap();
    assert_eq!((before.all.services, before.all.volunteers), (2, 2));
    assert_eq!(before.all.hours_tenths, 30);

    let signup = event::entities::service_record::Entity::find_by_id(absent_record)
        .one(&app.db)
        .await
        .unwrap()
        .unwrap()
        .signup_id;
    records::mark_attendance(&app.db, &staff, signup, false, "", "", now)
        .await
        .unwrap();
    let (_, blocks) = records::attendance(
        &app.db,
        &staff,
        event::stalls::find_shift(&app.db, shift)
            .await
            .unwrap()
            .stall_id,
    )
    .await
    .unwrap();
    let line = blocks[0]
        .lines
        .iter()
        .find(|l| l.signup.person_id == absent)
        .unwrap();
    let history: Vec<(i32, &str)> = line
        .hours
        .iter()
        .map(|h| (h.tenths, h.reason.as_str()))
        .collect();
    assert_eq!(history, [(0, records::NO_SHOW_REASON), (15, "")]);

    let after = event::stats::stats(&app.db, None, None, None, now)
        .await
        .unwrap();
    assert_eq!((after.all.services, after.all.volunteers), (1, 1));
    assert_eq!(after.all.hours_tenths, 15);
    assert_eq!(
        records::confirmed_hours_of(&app.db, absent).await.unwrap(),
        (0, 0)
    );
    assert_eq!(
        records::confirmed_hours_of(&app.db, came).await.unwrap(),
        (1, 15)
    );
    let today = weiyifang::views::today();
    let lines =
        event::certificates::services_of(&app.db, absent, today - Duration::days(60), today, now)
            .await
            .unwrap();
    assert!(lines.is_empty(), "no service to certify");
}

#[tokio::test]
async fn hours_on_a_cancelled_sign_up_never_count() {
    let app = TestApp::new().await;
    let (_, _, [_, gone], _) = a_day_with_hours(&app).await;
    // The sign-up is cancelled afterwards (as an account deletion would leave it).
    let signup = event::entities::signup::Entity::find()
        .all(&app.db)
        .await
        .unwrap()
        .into_iter()
        .find(|s| s.person_id == gone)
        .unwrap();
    let mut cancelled: event::entities::signup::ActiveModel = signup.into();
    cancelled.status = Set(signups::SignupStatus::Cancelled);
    cancelled.update(&app.db).await.unwrap();
    let stats = event::stats::stats(&app.db, None, None, None, Utc::now())
        .await
        .unwrap();
    assert_eq!((stats.all.services, stats.all.hours_tenths), (1, 15));
    assert_eq!(
        records::confirmed_hours_of(&app.db, gone).await.unwrap(),
        (0, 0)
    );
}

#[tokio::test]
async fn a_day_with_records_cannot_be_cancelled() {
    let app = TestApp::new().await;
    let staff = app.staff_actor();
    let (market, _, _, _) = a_day_with_hours(&app).await;
    match event::schedule::cancel(&app.db, &staff, market, "下雨").await {
        Err(event::EventError::Invalid(errors)) => {
            assert_eq!(errors[0].reason, "error-event-has-records");
        }
        other => panic!("{other:?}"),
    }
    // A day ahead with nobody served yet can be.
    let org_day = app
        .add_market(
            "下个月的集市",
            Utc::now() + Duration::days(30),
            Utc::now() + Duration::days(30) + Duration::hours(2),
            event::EventStatus::Published,
        )
        .await;
    event::schedule::cancel(&app.db, &staff, org_day.id, "场地改用")
        .await
        .unwrap();
}

#[tokio::test]
async fn the_served_time_prefilled_is_always_accepted() {
    use chrono::{NaiveTime, Timelike};
    let app = TestApp::new().await;
    let staff = app.staff_actor();
    // Whole minutes, as times are typed.
    let now = Utc::now()
        .with_second(0)
        .and_then(|t| t.with_nanosecond(0))
        .unwrap();
    // Yesterday 23:50 in Shanghai: a shift that runs past midnight, whatever the clock says.
    let yesterday =
        now.with_timezone(&event::schedule::shanghai()).date_naive() - Duration::days(1);
    let late = event::schedule::at(yesterday, NaiveTime::from_hms_opt(23, 50, 0).unwrap());
    let org = app.add_org("南湖义诊队", "elderly", "南湖社区", "").await;
    // 15 minutes served in full: 0.25 h rounds to 0.3, and 0.3 is accepted.
    for (n, starts_at) in [now - Duration::minutes(30), late].into_iter().enumerate() {
        let market = app
            .add_market(
                &format!("短时段{n}"),
                starts_at - Duration::hours(1),
                starts_at + Duration::hours(1),
                event::EventStatus::Published,
            )
            .await;
        let stall =
            event::stalls::add_stall(&app.db, &staff, market.id, &org.to_string(), "clinic", "")
                .await
                .unwrap();
        let shift = event::entities::shift::ActiveModel {
            id: Set(Uuid::now_v7()),
            stall_id: Set(stall.id),
            starts_at: Set(starts_at),
            ends_at: Set(starts_at + Duration::minutes(15)),
            capacity: Set(2),
            confirmed_count: Set(0),
            required_skill: Set(None),
            created_at: Set(now),
            checkin_token: Set(None),
        }
        .insert(&app.db)
        .await
        .unwrap();
        let id = app
            .add_account(PlatformRole::Volunteer, "李阿姨", &format!("1391234567{n}"))
            .await;
        signups::sign_up(&app.db, &volunteer(id), shift.id, now - Duration::days(2))
            .await
            .unwrap();
        let (_, blocks) = records::attendance(&app.db, &staff, stall.id)
            .await
            .unwrap();
        let signup = blocks[0].lines[0].signup.id;
        // The times as the attendance form fills them in.
        let clock = |t: chrono::DateTime<Utc>| {
            t.with_timezone(&event::schedule::shanghai())
                .format("%H:%M")
                .to_string()
        };
        records::mark_attendance(
            &app.db,
            &staff,
            signup,
            true,
            &clock(shift.starts_at),
            &clock(shift.ends_at),
            now,
        )
        .await
        .unwrap_or_else(|e| {
            panic!(
                "{} – {}: {e:?}",
                clock(shift.starts_at),
                clock(shift.ends_at)
            )
        });
        let (_, blocks) = records::attendance(&app.db, &staff, stall.id)
            .await
            .unwrap();
        let line = &blocks[0].lines[0];
        let served = line.served.unwrap();
        assert_eq!(served, 3, "15 minutes: 0.3 h");
        records::enter_hours(
            &app.db,
            &staff,
            line.record.as_ref().unwrap().id,
            (&records::format_hours(served), ""),
            &crate::helpers::publicity(),
            now,
        )
        .await
        .unwrap();
    }
}

#[tokio::test]
async fn a_period_typed_wrong_is_a_field_error_never_an_open_period() {
    let app = TestApp::new().await;
    // A day long ago, which an open period would count.
    app.add_market(
        "三年前的集市",
        Utc::now() - Duration::days(1100),
        Utc::now() - Duration::days(1100) + Duration::hours(2),
        event::EventStatus::Published,
    )
    .await;
    let coordinator = app
        .signed_in(PlatformRole::Coordinator, "周协调", "13600000001")
        .await;
    for query in [
        "?from=nonsense",
        "?from=2026-13-01&until=2026-12-31",
        "?from=2026-05-01&until=2026-04-01",
    ] {
        let page = coordinator.get_text(&format!("/dashboard{query}")).await;
        assert!(
            page.contains(r#"class="form-errors" role="alert""#),
            "{query}"
        );
        assert!(
            page.contains(r#"<span class="count">0</span> 公益集市（天）"#),
            "{query}: the month is shown, not everything"
        );
    }
    let everything = coordinator.get_text("/dashboard?period=all").await;
    assert!(everything.contains(r#"<span class="count">1</span> 公益集市（天）"#));
}

#[tokio::test]
async fn hours_served_before_an_account_was_deleted_count_under_a_name_that_says_so() {
    let app = TestApp::new().await;
    let (market, _, [_, leaving], _) = a_day_with_hours(&app).await;
    let gone = app.browser();
    assert_eq!(
        gone.login("13911110002", crate::helpers::PASSWORD)
            .await
            .status(),
        303
    );
    // Before leaving she downloads her data: the service that counts and her certificate.
    let today = weiyifang::views::today().format("%Y-%m-%d").to_string();
    let certificate = event::certificates::issue(
        &app.db,
        &volunteer(leaving),
        "2020-01-01",
        &today,
        &Default::default(),
        &event::certificates::Issuer {
            name: "南湖街道".into(),
            ..Default::default()
        },
        Utc::now(),
    )
    .await
    .unwrap();
    let data: serde_json::Value = gone.get("/me/export.json").await.json().await.unwrap();
    assert_eq!(data["service"]["total_hours"], "1.5", "{data}");
    assert_eq!(data["service"]["services"][0]["hours"], "1.5");
    assert_eq!(data["service"]["services"][0]["service"], "haircut");
    // What 67号令 asks of each record: what was done, by which organizer, who confirmed it.
    let service = &data["service"]["services"][0];
    assert_eq!(
        (
            &service["content"],
            &service["organization"],
            &service["place"]
        ),
        (
            &serde_json::json!("义务理发"),
            &serde_json::json!("南湖爱心理发队"),
            &serde_json::json!("南湖社区广场")
        )
    );
    assert!(service["confirmed_by"].is_string(), "{service}");
    assert_eq!(
        data["service"]["certificates"][0]["number"],
        certificate.number.as_str()
    );
    assert_eq!(
        data["person"]["phone"], "13911110002",
        "the rest of her data as before"
    );
    let response = gone
        .post("/me/delete", &[("password", crate::helpers::PASSWORD)])
        .await;
    assert_eq!(response.status(), 303);
    let erased = member::entities::person::Entity::find_by_id(leaving)
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    assert!(erased.erased_at.is_some() && erased.name.is_empty());

    // Both services still count, once each, with their 3.0 hours.
    let stats = event::stats::stats(&app.db, None, None, None, Utc::now())
        .await
        .unwrap();
    assert_eq!((stats.all.services, stats.all.hours_tenths), (2, 30));
    // The monthly report names the row, never leaves it blank.
    let coordinator = app
        .signed_in(PlatformRole::Coordinator, "周协调", "13600000001")
        .await;
    let month = event::schedule::find(&app.db, market)
        .await
        .unwrap()
        .starts_at
        .with_timezone(&event::schedule::shanghai())
        .format("%Y-%m");
    let response = coordinator
        .get(&format!("/reports/monthly.csv?month={month}"))
        .await;
    // A browser that does not read the UTF-8 name still saves it as what it is.
    let disposition = response.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(
        disposition.contains(&format!(r#"filename="weiyifang-report-{month}.csv""#)),
        "{disposition}"
    );
    let report = response.text().await.unwrap();
    let rows: Vec<&str> = report
        .lines()
        .skip_while(|l| !l.starts_with("姓名,"))
        .skip(1)
        .take_while(|l| !l.is_empty() && *l != "\"\"")
        .collect();
    assert_eq!(rows.len(), 2, "{report}");
    assert!(rows.contains(&"已注销志愿者,,1,1.5"), "{rows:?}");
    assert!(rows.iter().all(|r| !r.starts_with(',')), "{rows:?}");
}

#[tokio::test]
async fn market_days_and_activities_count_apart_and_a_day_over_is_stored_as_held() {
    let app = TestApp::new().await;
    let staff = app.staff_actor();
    let (market, ..) = a_day_with_hours(&app).await;
    let org = event::stalls::stalls_of(&app.db, market).await.unwrap()[0]
        .stall
        .organization_id;
    // The organization's own activity, last week, with nothing recorded.
    let day = (Utc::now() + Duration::days(3))
        .with_timezone(&event::schedule::shanghai())
        .date_naive();
    let activity = event::schedule::create_activity(
        &app.db,
        &staff,
        org,
        &event::schedule::MarketInput {
            title: "夜间治安巡逻".into(),
            place: "南湖社区".into(),
            description: String::new(),
            starts: "19:00".into(),
            ends: "21:00".into(),
        },
        &day.format("%Y-%m-%d").to_string(),
        "",
        day - Duration::days(3),
    )
    .await
    .unwrap();
    event::schedule::publish(&app.db, &staff, activity.id)
        .await
        .unwrap();
    app.move_day(activity.id, -10).await;

    let now = Utc::now();
    let before = event::stats::stats(&app.db, None, None, None, now)
        .await
        .unwrap();
    assert_eq!((before.all.market_days, before.all.activities), (1, 1));

    // The stored rule: both days are over, so both are held; the figures do not move.
    assert_eq!(event::schedule::mark_held(&app.db, now).await.unwrap(), 2);
    for id in [market, activity.id] {
        let found = event::schedule::find(&app.db, id).await.unwrap();
        assert_eq!(found.status, event::EventStatus::Held);
    }
    let after = event::stats::stats(&app.db, None, None, None, now)
        .await
        .unwrap();
    assert_eq!(after.all, before.all);
    // A day still ahead stays published.
    let ahead = app
        .add_market(
            "下周的集市",
            now + Duration::days(7),
            now + Duration::days(7) + Duration::hours(2),
            event::EventStatus::Published,
        )
        .await
        .id;
    assert_eq!(event::schedule::mark_held(&app.db, now).await.unwrap(), 0);
    assert_eq!(
        event::schedule::find(&app.db, ahead).await.unwrap().status,
        event::EventStatus::Published
    );

    // The dashboard and the report show the two apart.
    let coordinator = app
        .signed_in(PlatformRole::Coordinator, "周协调", "13600000001")
        .await;
    let page = coordinator.get_text("/dashboard?period=all").await;
    assert!(
        page.contains(r#"<span class="count">1</span> 公益集市（天）"#)
            && page.contains(r#"<span class="count">1</span> 组织活动（场）"#),
        "{page}"
    );
    let report = coordinator.get_text("/reports/monthly.csv").await;
    assert!(report.contains("举办公益集市（天）,") && report.contains("组织活动（场）,"));

    // A held day with nothing recorded (rained off) can still be cancelled, and leaves the
    // count; the market day with hours cannot.
    event::schedule::cancel(&app.db, &staff, activity.id, "下雨取消")
        .await
        .unwrap();
    let refused = event::schedule::cancel(&app.db, &staff, market, "误操作").await;
    assert!(refused.is_err());
    let last = event::stats::stats(&app.db, None, None, None, now)
        .await
        .unwrap();
    assert_eq!((last.all.market_days, last.all.activities), (1, 0));
}

#[tokio::test]
async fn ratings_of_a_cancelled_day_leave_the_rate_and_two_rates_are_shown_apart() {
    let app = TestApp::new().await;
    let staff = app.staff_actor();
    let (market, _) = market_with_shift(&app, 3).await;
    let stall = event::stalls::stalls_of(&app.db, market).await.unwrap()[0]
        .stall
        .id;
    let day = event::schedule::find(&app.db, market).await.unwrap();
    for (n, level) in ["satisfied", "unsatisfied"].iter().enumerate() {
        triage::ratings::rate_stall(
            &app.db,
            &triage::Policy::default(),
            stall,
            &triage::ratings::RatingInput {
                level: (*level).into(),
                ..Default::default()
            },
            &format!("{n:0>40}"),
            "198.51.100.7",
            day.starts_at + Duration::minutes(30),
        )
        .await
        .unwrap();
    }
    let rated = triage::ratings::satisfaction(&app.db, None, None, None)
        .await
        .unwrap();
    assert_eq!((rated.stalls.total(), rated.all.total()), (2, 2));

    let coordinator = app
        .signed_in(PlatformRole::Coordinator, "周协调", "13600000001")
        .await;
    let page = coordinator.get_text("/dashboard?period=all").await;
    // Two sources apart, each with its counts: no requests rated, two stall ratings.
    assert!(page.contains("诉求办理和集市摊位，分开计算"), "{page}");
    let row = |label: &str| {
        let start = page
            .find(&format!(r#"<th scope="row">{label}</th>"#))
            .unwrap();
        let end = start + page[start..].find("</tr>").unwrap();
        page[start..end].to_owned()
    };
    assert!(row("诉求办理").contains(r#"<td class="num">0</td><td class="num">–</td>"#));
    assert!(row("集市摊位").contains(r#"<td class="num">2</td><td class="num">50.0%</td>"#));

    // The day is called off: its ratings go with it.
    event::schedule::cancel(&app.db, &staff, market, "暴雨")
        .await
        .unwrap();
    let after = triage::ratings::satisfaction(&app.db, None, None, None)
        .await
        .unwrap();
    assert_eq!((after.stalls.total(), after.all.total()), (0, 0));
}
