//! The month without dead ends, over HTTP: a day for any date, edits after publishing,
//! the scheduler's reasons, a leader's cut-off, past days within reach, sign-up after
//! logging in or registering, check-in and check-out in plain steps, triage by class and
//! words a coordinator reads in the audit log.

use chrono::{Duration, Utc};
use event::schedule::{self, EventEdit, MarketInput};
use event::signups;
use event::stalls::{self, ShiftInput};
use member::PlatformRole;
use uuid::Uuid;

use crate::helpers::{PASSWORD, TestApp, location, volunteer};
use crate::markets::market_with_shift;

pub(crate) fn today() -> String {
    weiyifang::views::today().format("%Y-%m-%d").to_string()
}

#[tokio::test]
async fn a_coordinator_creates_a_day_for_today_and_volunteers_can_sign_up_until_it_starts() {
    let app = TestApp::new().await;
    let coordinator = app
        .signed_in(PlatformRole::Coordinator, "周协调", "13600000001")
        .await;
    // A wrong field keeps what was typed, with the reason beside it.
    let response = coordinator
        .post(
            "/admin/markets/new",
            &[
                ("title", "今天的集市"),
                ("date", &today()),
                ("starts", "23:58"),
                ("ends", "08:00"),
                ("place", "南湖社区广场"),
                ("description", "临时加一场"),
            ],
        )
        .await;
    assert_eq!(response.status(), 422);
    let page = response.text().await.unwrap();
    assert!(page.contains("结束时间必须晚于开始时间"));
    assert!(page.contains(r#"value="今天的集市""#) && page.contains("临时加一场"));

    let response = coordinator
        .post(
            "/admin/markets/new",
            &[
                ("title", "今天的集市"),
                ("date", &today()),
                ("starts", "23:58"),
                ("ends", "23:59"),
                ("place", "南湖社区广场"),
            ],
        )
        .await;
    assert_eq!(response.status(), 303);
    let id: Uuid = location(&response)
        .trim_start_matches("/markets/")
        .parse()
        .unwrap();
    let created = schedule::find(&app.db, id).await.unwrap();
    assert_eq!(created.status, event::EventStatus::Draft);
    // Born open until it starts: the default (the day before) has already passed.
    assert_eq!(created.signup_closes_at, Some(created.starts_at));
    assert!(
        coordinator
            .get_text(&format!("/markets/{id}"))
            .await
            .contains("今天的集市")
    );

    // A day in the past cannot be created.
    let response = coordinator
        .post(
            "/admin/markets/new",
            &[
                ("title", "昨天"),
                ("date", "2020-01-01"),
                ("starts", "09:00"),
                ("ends", "11:00"),
                ("place", "南湖社区广场"),
            ],
        )
        .await;
    assert_eq!(response.status(), 422);
}

#[tokio::test]
async fn editing_a_published_day_moves_its_shifts_and_flags_clashes() {
    let app = TestApp::new().await;
    let staff = app.staff_actor();
    let (market, shift) = market_with_shift(&app, 3).await;
    let (other_market, other_shift) = {
        let found = schedule::find(&app.db, market).await.unwrap();
        let day = found
            .starts_at
            .with_timezone(&schedule::shanghai())
            .date_naive()
            + Duration::days(7);
        let other = schedule::create_market(
            &app.db,
            &staff,
            &MarketInput {
                title: "下一场".into(),
                place: "南湖社区广场".into(),
                description: String::new(),
                starts: "09:00".into(),
                ends: "11:30".into(),
            },
            &day.format("%Y-%m-%d").to_string(),
            weiyifang::views::today(),
        )
        .await
        .unwrap();
        schedule::publish(&app.db, &staff, other.id).await.unwrap();
        let org = app.add_org("南湖义诊队", "elderly", "南湖社区", "").await;
        let stall = stalls::add_stall(&app.db, &staff, other.id, &org.to_string(), "clinic", "")
            .await
            .unwrap();
        let shift = stalls::add_shift(
            &app.db,
            &staff,
            stall.id,
            &ShiftInput {
                starts: "09:00".into(),
                ends: "10:00".into(),
                capacity: "2".into(),
                required_skill: String::new(),
            },
        )
        .await
        .unwrap();
        (other.id, shift.id)
    };
    let li = app
        .add_account(PlatformRole::Volunteer, "李阿姨", "13912345678")
        .await;
    signups::sign_up(&app.db, &volunteer(li), shift, Utc::now())
        .await
        .unwrap();
    signups::sign_up(&app.db, &volunteer(li), other_shift, Utc::now())
        .await
        .unwrap();

    // The first day moves a week on, onto the second one's date: her shifts now overlap.
    let before = stalls::find_shift(&app.db, shift).await.unwrap();
    let other_day = schedule::find(&app.db, other_market)
        .await
        .unwrap()
        .starts_at
        .with_timezone(&schedule::shanghai())
        .format("%Y-%m-%d")
        .to_string();
    let coordinator = app
        .signed_in(PlatformRole::Coordinator, "周协调", "13600000001")
        .await;
    let form = coordinator
        .get_text(&format!("/markets/{market}/edit"))
        .await;
    assert!(form.contains(r#"value="09:00""#) && form.contains(r#"value="南湖社区广场""#));
    let response = coordinator
        .post(
            &format!("/markets/{market}/edit"),
            &[
                ("title", "南湖社区公益集市（改期）"),
                ("date", &other_day),
                ("starts", "09:00"),
                ("ends", "11:30"),
                ("place", "南湖社区活动室"),
                ("description", "下雨，改到活动室"),
            ],
        )
        .await;
    assert_eq!(response.status(), 303);
    let after = stalls::find_shift(&app.db, shift).await.unwrap();
    assert_eq!(after.starts_at - before.starts_at, Duration::days(7));
    let mine = signups::my_shifts(&app.db, li).await.unwrap();
    assert!(
        mine.iter()
            .all(|m| m.standing.status == signups::SignupStatus::Confirmed),
        "she keeps her places"
    );
    let page = coordinator.get_text(&format!("/markets/{market}")).await;
    assert!(page.contains("南湖社区活动室"));
    assert!(page.contains("值班时间与他们的其他值班重叠") && page.contains("李阿姨"));
    let audit = app.audit_entries("market.edit").await;
    assert_eq!(audit.len(), 1);
    // Saving again unchanged logs nothing more.
    let unchanged = schedule::edit_event(
        &app.db,
        &staff,
        market,
        &EventEdit {
            details: MarketInput {
                title: "南湖社区公益集市（改期）".into(),
                place: "南湖社区活动室".into(),
                description: "下雨，改到活动室".into(),
                starts: "09:00".into(),
                ends: "11:30".into(),
            },
            date: other_day.clone(),
        },
        weiyifang::views::today(),
    )
    .await
    .unwrap();
    assert!(unchanged.is_empty());
    assert_eq!(app.audit_entries("market.edit").await.len(), 1);

    // A shift's own times change too, by the stall's leader or staff.
    let response = coordinator
        .post(
            &format!("/shifts/{shift}/edit"),
            &[
                ("starts", "10:00"),
                ("ends", "11:00"),
                ("required_skill", ""),
            ],
        )
        .await;
    assert_eq!(response.status(), 303);
    let page = coordinator.get_text(&format!("/markets/{market}")).await;
    assert!(
        !page.contains("值班时间与他们的其他值班重叠"),
        "no overlap any more"
    );
    let volunteer_view = app.browser();
    volunteer_view.login("13912345678", PASSWORD).await;
    let shifts = volunteer_view.get_text("/me/shifts").await;
    assert!(shifts.contains("10:00") && shifts.contains("南湖社区公益集市（改期）"));
}

#[tokio::test]
async fn the_scheduler_previews_and_says_why_it_creates_nothing() {
    let app = TestApp::new().await;
    let coordinator = app
        .signed_in(PlatformRole::Coordinator, "周协调", "13600000001")
        .await;
    let fields = |months: &'static str, action: &'static str| {
        vec![
            ("title", "南湖社区公益集市"),
            ("place", "南湖社区广场"),
            ("starts", "09:00"),
            ("ends", "11:30"),
            ("nth", "1"),
            ("weekday", "mon"),
            ("months", months),
            ("action", action),
        ]
    };
    // One month, and its first Monday is today or past on most days: say so when it is.
    let first_monday = event::schedule::nth_weekday(
        chrono::Datelike::year(&weiyifang::views::today()),
        chrono::Datelike::month(&weiyifang::views::today()),
        chrono::Weekday::Mon,
        1,
    )
    .unwrap();
    let response = coordinator
        .post("/admin/markets/schedule", &fields("1", "create"))
        .await;
    if first_monday <= weiyifang::views::today() {
        assert_eq!(response.status(), 200, "nothing to create is no redirect");
        let page = response.text().await.unwrap();
        assert!(
            page.contains("没有创建：所选范围内的日期都已经过去"),
            "{page}"
        );
        assert!(page.contains("日期已过，跳过"));
    } else {
        assert_eq!(response.status(), 303);
    }
    // Twelve months: created once; the second time every date is taken.
    let response = coordinator
        .post("/admin/markets/schedule", &fields("12", "create"))
        .await;
    assert_eq!(response.status(), 303);
    let response = coordinator
        .post("/admin/markets/schedule", &fields("12", "create"))
        .await;
    assert_eq!(response.status(), 200);
    let page = response.text().await.unwrap();
    assert!(page.contains("已有集市，跳过"));
    assert!(!page.contains("已创建 0 场"));
}

#[tokio::test]
async fn a_leader_steers_their_own_activity_and_a_past_one_cannot_open() {
    let app = TestApp::new().await;
    app.add_account(PlatformRole::Volunteer, "王队长", "13600000002")
        .await;
    let org = app
        .add_org("南湖夜巡队", "safety", "南湖社区", "13600000002")
        .await;
    app.add_account(PlatformRole::Volunteer, "别队长", "13600000003")
        .await;
    app.add_org("北街环保队", "environment", "北街社区", "13600000003")
        .await;
    let leader = app.browser();
    leader.login("13600000002", PASSWORD).await;
    let day = (Utc::now() + Duration::days(3))
        .with_timezone(&schedule::shanghai())
        .format("%Y-%m-%d")
        .to_string();
    let response = leader
        .post(
            &format!("/orgs/{org}/activities/new"),
            &[
                ("title", "夜间巡逻"),
                ("date", &day),
                ("starts", "19:00"),
                ("ends", "21:00"),
                ("place", "南湖社区"),
            ],
        )
        .await;
    assert_eq!(response.status(), 303);
    let activity: Uuid = location(&response)
        .trim_start_matches("/markets/")
        .parse()
        .unwrap();
    let cutoff = format!("{day}T12:00");
    let response = leader
        .post(
            &format!("/markets/{activity}/cutoff"),
            &[("closes_at", cutoff.as_str())],
        )
        .await;
    assert_eq!(
        response.status(),
        303,
        "the leader sets her own activity's cut-off"
    );
    assert!(
        schedule::find(&app.db, activity)
            .await
            .unwrap()
            .signup_closes_at
            .is_some()
    );

    // Another organization's leader neither sees the draft nor changes it.
    let other = app.browser();
    other.login("13600000003", PASSWORD).await;
    assert_eq!(
        other.get(&format!("/markets/{activity}")).await.status(),
        404
    );
    assert_eq!(
        other
            .post(&format!("/markets/{activity}/cutoff"), &[("closes_at", "")])
            .await
            .status(),
        403
    );

    // An activity already over cannot be published as if open.
    let past = app
        .add_event(
            event::EventKind::Activity,
            "上周的巡逻",
            Utc::now() - Duration::days(7),
            Utc::now() - Duration::days(7) + Duration::hours(2),
            event::EventStatus::Draft,
        )
        .await;
    {
        use sea_orm::{ActiveModelTrait, Set};
        let mut active: event::entities::event::ActiveModel = past.clone().into();
        active.organizer_id = Set(Some(org));
        active.update(&app.db).await.unwrap();
    }
    let response = leader
        .post(&format!("/markets/{}/publish", past.id), &[])
        .await;
    assert_eq!(response.status(), 422);
    assert!(
        response
            .text()
            .await
            .unwrap()
            .contains("已经结束，不能再发布报名")
    );
    // It is listed on the organization's page, among what has taken place.
    let page = leader.get_text(&format!("/orgs/{org}")).await;
    assert!(page.contains("已开展的活动") && page.contains("上周的巡逻"));
}

#[tokio::test]
async fn past_and_current_days_are_listed_for_staff_with_their_records_one_tap_away() {
    let app = TestApp::new().await;
    let staff = app.staff_actor();
    let now = Utc::now();
    let held = app
        .add_market(
            "上个月的集市",
            now - Duration::days(30),
            now - Duration::days(30) + Duration::hours(2),
            event::EventStatus::Published,
        )
        .await;
    let org = app.add_org("北街理发队", "elderly", "北街社区", "").await;
    let stall = stalls::add_stall(&app.db, &staff, held.id, &org.to_string(), "haircut", "").await;
    // Stalls cannot be added once a day is over; add it through the database as it was.
    let stall_id = match stall {
        Ok(stall) => stall.id,
        Err(_) => {
            use sea_orm::{ActiveModelTrait, Set};
            event::entities::stall::ActiveModel {
                id: Set(Uuid::now_v7()),
                event_id: Set(held.id),
                organization_id: Set(org),
                service: Set(event::stalls::Service::Haircut),
                description: Set(String::new()),
                created_at: Set(now),
            }
            .insert(&app.db)
            .await
            .unwrap()
            .id
        }
    };
    let (upcoming, _) = market_with_shift(&app, 2).await;
    let coordinator = app
        .signed_in(PlatformRole::Coordinator, "周协调", "13600000001")
        .await;
    let page = coordinator.get_text("/admin/markets").await;
    assert!(page.contains("上个月的集市") && page.contains(&upcoming.to_string()));
    assert!(page.contains(&format!(r#"href="/stalls/{stall_id}/attendance""#)));
    // Newest first.
    assert!(page.find(&upcoming.to_string()) < page.find("上个月的集市"));
    let month = (now - Duration::days(30))
        .with_timezone(&schedule::shanghai())
        .format("%Y-%m")
        .to_string();
    // The day is over: stored as held (the server does this every minute).
    schedule::mark_held(&app.db, Utc::now()).await.unwrap();
    let filtered = coordinator
        .get_text(&format!("/admin/markets?month={month}&status=held"))
        .await;
    assert!(filtered.contains("上个月的集市") && !filtered.contains(&upcoming.to_string()));
    let drafts = coordinator.get_text("/admin/markets?status=draft").await;
    assert!(!drafts.contains("上个月的集市"));
    // Paging that makes no sense is no error.
    for page in ["9223372036854775807", "-1", "abc", "0"] {
        assert_eq!(
            coordinator
                .get(&format!("/admin/markets?page={page}"))
                .await
                .status(),
            200,
            "page={page}"
        );
    }
}
