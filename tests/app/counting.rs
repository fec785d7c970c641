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
use crate::markets::market_with_shift;

/// A day a fortnight ago with two volunteers who came and had their hours confirmed:
/// (market, shift, the two people, their records).
async fn a_day_with_hours(app: &TestApp) -> (Uuid, Uuid, [Uuid; 2], [Uuid; 2]) {
    let staff = app.staff_actor();
    let (market, shift) = market_with_shift(app, 3).await;
    let mut people = Vec::new();
    for phone in ["13911110001", "13911110002"] {
        let id = app
            .add_account(PlatformRole::Volunteer, "志愿者", phone)
            .await;
        signups::sign_up(&app.db, &volunteer(id), shift, Utc::now())
            .await
            .unwrap();
        people.push(id);
    }
    app.move_day(market, -14).await;
    let found = event::stalls::find_shift(&app.db, shift).await.unwrap();
    let token = records::checkin_token(&app.db, &staff, shift)
        .await
        .unwrap();
    let mut record_ids = Vec::new();
    for id in &people {
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
        records::enter_hours(&app.db, &staff, record.id, "1.5", "", found.ends_at)
            .await
            .unwrap();
        record_ids.push(record.id);
    }
    (
        market,
        shift,
        [people[0], people[1]],
        [record_ids[0], record_ids[1]],
    )
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
    use chrono::Timelike;
    let app = TestApp::new().await;
    let staff = app.staff_actor();
    // Whole minutes, as times are typed.
    let now = Utc::now()
        .with_second(0)
        .and_then(|t| t.with_nanosecond(0))
        .unwrap();
    let market = app
        .add_market(
            "短时段",
            now - Duration::hours(1),
            now + Duration::hours(1),
            event::EventStatus::Published,
        )
        .await;
    let org = app.add_org("南湖义诊队", "elderly", "南湖社区", "").await;
    let stall =
        event::stalls::add_stall(&app.db, &staff, market.id, &org.to_string(), "clinic", "")
            .await
            .unwrap();
    // A 15-minute shift served in full: 0.25 h rounds to 0.3, and 0.3 is accepted.
    let shift = event::entities::shift::ActiveModel {
        id: Set(Uuid::now_v7()),
        stall_id: Set(stall.id),
        starts_at: Set(now - Duration::minutes(30)),
        ends_at: Set(now - Duration::minutes(15)),
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
        .add_account(PlatformRole::Volunteer, "李阿姨", "13912345678")
        .await;
    signups::sign_up(&app.db, &volunteer(id), shift.id, now - Duration::days(2))
        .await
        .unwrap();
    let (_, blocks) = records::attendance(&app.db, &staff, stall.id)
        .await
        .unwrap();
    let signup = blocks[0].lines[0].signup.id;
    let in_at = (shift.starts_at).with_timezone(&event::schedule::shanghai());
    let out_at = (shift.ends_at).with_timezone(&event::schedule::shanghai());
    records::mark_attendance(
        &app.db,
        &staff,
        signup,
        true,
        &in_at.format("%H:%M").to_string(),
        &out_at.format("%H:%M").to_string(),
        now,
    )
    .await
    .unwrap();
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
        &records::format_hours(served),
        "",
        now,
    )
    .await
    .unwrap();
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

#[tokio::test]
async fn organizations_and_members_are_counted_as_of_the_end_of_the_period() {
    let app = TestApp::new().await;
    let staff = app.staff_actor();
    let date = |s: &str| chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
    let input = member::orgs::OrgInput {
        name: "北街理发队".into(),
        theme: "elderly".into(),
        community: "南湖社区".into(),
        contact_name: "王队长".into(),
        contact_phone: "13900000001".into(),
        registration: "filed".into(),
        ..Default::default()
    };
    let org = member::orgs::register(&app.db, &staff, &input, "", date("2025-01-15"))
        .await
        .unwrap();
    let member = member::memberships::add_member(
        &app.db,
        &staff,
        org.id,
        &member::memberships::NewMember {
            name: "李阿姨".into(),
            phone: "13911112222".into(),
            role: "member".into(),
            skills: String::new(),
        },
        date("2025-02-01"),
    )
    .await;
    assert!(member.is_ok());
    member::orgs::transition(
        &app.db,
        &staff,
        org.id,
        "suspended",
        "2025-06-10",
        "暂停活动",
        date("2025-06-10"),
    )
    .await
    .unwrap();

    let census = |day: &str| member::orgs::census(&app.db, date(day), None);
    let before = census("2024-12-31").await.unwrap();
    assert_eq!((before.incubated, before.members), (0, 0), "not there yet");
    let march = census("2025-03-31").await.unwrap();
    assert_eq!((march.incubated, march.members), (1, 1));
    assert_eq!(march.by_stage.get("incubating"), Some(&1));
    let july = census("2025-07-31").await.unwrap();
    assert_eq!(
        (july.incubated, july.members),
        (1, 0),
        "a suspended team's members are not current"
    );
    assert_eq!(july.by_stage.get("suspended"), Some(&1));
    assert_eq!(july.by_stage.get("incubating"), None);

    // The dashboard shows the period's end.
    let coordinator = app
        .signed_in(PlatformRole::Coordinator, "周协调", "13600000001")
        .await;
    let figure = |page: &str, n: u64, label: &str| {
        page.contains(&format!(r#"<span class="count">{n}</span> {label}"#))
    };
    let page = coordinator
        .get_text("/dashboard?from=2025-03-01&until=2025-03-31")
        .await;
    assert!(figure(&page, 1, "成员"), "{page}");
    let page = coordinator
        .get_text("/dashboard?from=2025-07-01&until=2025-07-31")
        .await;
    assert!(
        figure(&page, 0, "成员") && figure(&page, 1, "孵化的社会组织"),
        "{page}"
    );
}

#[tokio::test]
async fn a_certificate_shows_what_it_certified_and_says_when_a_correction_replaced_it() {
    let app = TestApp::new().await;
    let staff = app.staff_actor();
    let (market, _, [holder, _], [record, _]) = a_day_with_hours(&app).await;
    let street = event::certificates::Issuer {
        name: "南湖街道办事处".into(),
        leader: "周主任".into(),
        clerk: "王经办".into(),
        contact: "0571-88880000".into(),
    };
    let day = event::schedule::find(&app.db, market)
        .await
        .unwrap()
        .starts_at
        .with_timezone(&event::schedule::shanghai())
        .date_naive()
        .to_string();
    let today = weiyifang::views::today();
    let issue = |until: String| {
        let (day, street) = (day.clone(), street.clone());
        let db = app.db.clone();
        async move {
            event::certificates::issue(
                &db,
                &volunteer(holder),
                &day,
                &until,
                &Default::default(),
                &street,
                Utc::now(),
            )
            .await
        }
    };
    // The period cannot end in the future.
    let refused = issue((today + Duration::days(1)).to_string()).await;
    assert!(
        matches!(&refused, Err(event::EventError::Invalid(f)) if f[0].reason == "error-period-in-future"),
        "{refused:?}"
    );
    let first = issue(today.to_string()).await.unwrap();
    assert_eq!((first.services, first.hours_tenths), (1, 15));
    assert_eq!(first.content_hash.len(), 64);
    assert_eq!(
        first.content_hash,
        member::secrets::digest(&first.content),
        "the hash is of what was certified"
    );
    // Asking again with nothing changed gives the same certificate.
    assert_eq!(issue(today.to_string()).await.unwrap().number, first.number);

    let check = |number: String| {
        let browser = app.browser();
        async move {
            let response = browser.get(&format!("/verify/{number}")).await;
            assert_eq!(response.status(), 200);
            response.text().await.unwrap()
        }
    };
    let page = check(first.number.clone()).await;
    assert!(page.contains("南湖爱心理发队") && page.contains("1.5") && page.contains("志**"));
    assert!(page.contains("南湖街道办事处") && page.contains("0571-88880000"));

    // The hours are corrected: the certificate still says what it certified, and says
    // that the records changed.
    let ends = event::stalls::find_shift(
        &app.db,
        event::entities::service_record::Entity::find_by_id(record)
            .one(&app.db)
            .await
            .unwrap()
            .unwrap()
            .shift_id,
    )
    .await
    .unwrap()
    .ends_at;
    records::enter_hours(&app.db, &staff, record, "1.0", "按签到时间更正", ends)
        .await
        .unwrap();
    let page = check(first.number.clone()).await;
    assert!(page.contains("1.5") && page.contains("有更正"), "{page}");
    let holder_browser = app.browser();
    holder_browser
        .login("13911110001", crate::helpers::PASSWORD)
        .await;
    let mine = holder_browser.get_text("/me/certificates").await;
    assert!(mine.contains("按更正后的记录重新开具"), "{mine}");

    // She asks again: a new certificate, and the old one names it.
    let second = issue(today.to_string()).await.unwrap();
    assert_ne!(second.number, first.number);
    assert_eq!(second.hours_tenths, 10);
    let page = check(first.number.clone()).await;
    assert!(
        page.contains(&format!("已被更正：以编号 {} 为准", second.number)) && page.contains("1.5"),
        "{page}"
    );
    let page = check(second.number.clone()).await;
    assert!(page.contains("1.0") && !page.contains("更正"), "{page}");
    assert_eq!(app.audit_entries("certificate.supersede").await.len(), 1);

    // The printed certificate names the issuer's people.
    let printed = holder_browser
        .get_text(&format!("/certificates/{}", second.number))
        .await;
    assert!(
        printed.contains("周主任")
            && printed.contains("王经办")
            && printed.contains("南湖爱心理发队")
    );

    // She deletes her account: the check still stands, the name masked as issued.
    let response = holder_browser
        .post("/me/delete", &[("password", crate::helpers::PASSWORD)])
        .await;
    assert_eq!(response.status(), 303);
    let page = check(second.number.clone()).await;
    assert!(page.contains("真实证明") && page.contains("志**") && page.contains("1.0"));
}

#[tokio::test]
async fn a_month_sent_upward_is_frozen_and_a_correction_makes_a_revision_that_lists_it() {
    use calamine::{Data, Reader, Xlsx};
    let app = TestApp::new().await;
    let staff = app.staff_actor();
    let (market, _, _, [record, _]) = a_day_with_hours(&app).await;
    let found = event::schedule::find(&app.db, market).await.unwrap();
    let month = found
        .starts_at
        .with_timezone(&event::schedule::shanghai())
        .format("%Y-%m")
        .to_string();
    let coordinator = app
        .signed_in(PlatformRole::Coordinator, "周协调", "13600000001")
        .await;
    let form = [("month", month.as_str())];
    let send = || coordinator.post("/reports/monthly/send", &form);
    let response = send().await;
    assert_eq!(response.status(), 303);
    assert_eq!(crate::helpers::location(&response), "/reports/sent");
    let sent = event::entities::sent_report::Entity::find()
        .all(&app.db)
        .await
        .unwrap();
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].revision, 1);
    assert_eq!(
        sent[0].content_hash,
        member::secrets::digest(&sent[0].content)
    );
    assert!(sent[0].content.contains("志愿服务时长（小时）,3.0"));
    assert_eq!(app.audit_entries("report.send").await.len(), 1);
    // Nothing changed: nothing to send again.
    let again = send().await;
    assert_eq!(again.status(), 422);
    assert!(again.text().await.unwrap().contains("不需要重新报送"));

    // A correction after sending: the month says so, and sending again is revision 2,
    // listing what changed.
    let ends = found.ends_at;
    records::enter_hours(&app.db, &staff, record, "1.0", "按签到时间更正", ends)
        .await
        .unwrap();
    let page = coordinator.get_text("/reports/sent").await;
    assert!(
        page.contains("这个月的数据有更正") && page.contains("报送更正（第 2 版）"),
        "{page}"
    );
    assert_eq!(send().await.status(), 303);
    let revision = event::entities::sent_report::Entity::find()
        .all(&app.db)
        .await
        .unwrap()
        .into_iter()
        .find(|s| s.revision == 2)
        .unwrap();
    let changes = event::sent_reports::Changes::of(&revision);
    assert!(
        changes
            .removed
            .iter()
            .any(|l| l == "志愿服务时长（小时）,3.0"),
        "{changes:?}"
    );
    assert!(
        changes
            .added
            .iter()
            .any(|l| l == "志愿服务时长（小时）,2.5"),
        "{changes:?}"
    );
    let page = coordinator.get_text("/reports/sent").await;
    assert!(
        page.contains("第 2 版") && page.contains("报送后数据没有变化"),
        "{page}"
    );
    let dashboard = coordinator.get_text("/dashboard?period=all").await;
    assert!(
        dashboard.contains(&format!("{month} · 已报送第 2 版")),
        "{dashboard}"
    );
    // A crowd of dashboards of a sent month all get their answer (each compares the month
    // with what was sent, and reports take turns).
    let mut crowd = tokio::task::JoinSet::new();
    for _ in 0..8 {
        let (client, url) = (coordinator.client.clone(), coordinator.url("/dashboard"));
        crowd.spawn(async move { client.get(url).send().await.unwrap().status() });
    }
    let statuses = tokio::time::timeout(std::time::Duration::from_secs(60), crowd.join_all())
        .await
        .expect("no dashboard waits forever");
    assert!(statuses.iter().all(|s| *s == 200), "{statuses:?}");

    // The first sending's workbook is kept exactly as it went: 3.0 hours.
    let first = sent[0].id;
    let response = coordinator
        .get(&format!("/reports/sent/{first}/workbook"))
        .await;
    assert_eq!(response.status(), 200);
    let bytes = response.bytes().await.unwrap().to_vec();
    assert_eq!(bytes, sent[0].workbook);
    let mut workbook: Xlsx<_> =
        calamine::open_workbook_from_rs(std::io::Cursor::new(bytes)).unwrap();
    let hours = workbook
        .worksheet_range("汇总")
        .unwrap()
        .rows()
        .find(|row| row[0] == "志愿服务时长（小时）")
        .map(|row| row[1].clone())
        .unwrap();
    assert_eq!(hours, Data::Float(3.0));
    // A volunteer sees none of it.
    let volunteer = app.browser();
    volunteer
        .login("13911110001", crate::helpers::PASSWORD)
        .await;
    assert_eq!(volunteer.get("/reports/sent").await.status(), 403);
}

#[tokio::test]
async fn an_identity_document_goes_on_a_certificate_only_masked_and_with_consent() {
    let app = TestApp::new().await;
    let (_, _, [holder, _], _) = a_day_with_hours(&app).await;
    let browser = app.browser();
    browser.login("13911110001", crate::helpers::PASSWORD).await;
    let from = "2020-01-01";
    let until = weiyifang::views::today().to_string();
    let form = |consent: bool| {
        let mut form = vec![
            ("from", from.to_owned()),
            ("until", until.clone()),
            ("id_kind", "resident_id".to_owned()),
            ("id_number", "330102 19560412 1234".to_owned()),
        ];
        if consent {
            form.push(("id_consent", "yes".to_owned()));
        }
        form
    };
    let refused = browser
        .client
        .post(browser.url("/me/certificates"))
        .header("sec-fetch-site", "same-origin")
        .form(&form(false))
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), 422);
    let page = refused.text().await.unwrap();
    assert!(page.contains("请先勾选同意") && page.contains("330102 19560412 1234"));
    let issued = browser
        .client
        .post(browser.url("/me/certificates"))
        .header("sec-fetch-site", "same-origin")
        .form(&form(true))
        .send()
        .await
        .unwrap();
    assert_eq!(issued.status(), 303);
    let number = crate::helpers::location(&issued).replace("/certificates/", "");
    let stored = event::certificates::of_person(&app.db, holder)
        .await
        .unwrap();
    assert_eq!(stored.len(), 1);
    assert!(stored[0].content.contains("居民身份证 3301**********1234"));
    assert!(
        !stored[0].content.contains("19560412"),
        "the full number is never stored"
    );
    let public = app.browser().get_text(&format!("/verify/{number}")).await;
    assert!(public.contains("3301**********1234") && !public.contains("19560412"));
}
