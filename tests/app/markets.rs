//! Market days, stalls, shifts and sign-ups: the capacity promise above all.

use chrono::{Duration, NaiveTime, Utc};
use event::entities::{shift, signup};
use event::schedule::{self, MarketInput, PlannedDay, ScheduleInput};
use event::signups::{self, SignupStatus};
use event::stalls::{self, ShiftInput};
use member::entities::person;
use member::{Actor, PlatformRole};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, Set,
};
use uuid::Uuid;

use crate::helpers::TestApp;

/// A published market day a week ahead with one stall and a shift of `capacity` places.
pub(crate) async fn market_with_shift(app: &TestApp, capacity: u32) -> (Uuid, Uuid) {
    market_with_shift_of(app, capacity, "南湖爱心理发队").await
}

/// The same, with the stall's organization named.
pub(crate) async fn market_with_shift_of(app: &TestApp, capacity: u32, org: &str) -> (Uuid, Uuid) {
    let staff = app.staff_actor();
    let org = app.add_org(org, "elderly", "南湖社区", "").await;
    let day = (Utc::now() + Duration::days(7))
        .with_timezone(&schedule::shanghai())
        .date_naive();
    let market = schedule::create_market(
        &app.db,
        &staff,
        &MarketInput {
            title: "南湖社区公益集市".into(),
            place: "南湖社区广场".into(),
            description: String::new(),
            starts: "09:00".into(),
            ends: "11:30".into(),
        },
        &day.format("%Y-%m-%d").to_string(),
        day - Duration::days(7),
    )
    .await
    .unwrap();
    schedule::publish(&app.db, &staff, market.id).await.unwrap();
    let stall = stalls::add_stall(
        &app.db,
        &staff,
        market.id,
        &org.to_string(),
        "haircut",
        "义务理发",
    )
    .await
    .unwrap();
    let shift = stalls::add_shift(
        &app.db,
        &staff,
        stall.id,
        &ShiftInput {
            starts: "09:00".into(),
            ends: "10:30".into(),
            capacity: capacity.to_string(),
            required_skill: String::new(),
        },
    )
    .await
    .unwrap();
    (market.id, shift.id)
}

/// A volunteer known to the platform (no account needed to act in the domain).
pub(crate) async fn volunteer(app: &TestApp, n: usize) -> Actor {
    let id = Uuid::now_v7();
    person::ActiveModel {
        id: Set(id),
        name: Set(format!("志愿者{n}")),
        phone: Set(Some(format!("1370000{n:04}"))),
        birth_date: Set(None),
        consent_version: Set(None),
        consent_at: Set(None),
        erased_at: Set(None),
        created_at: Set(Utc::now()),
        updated_at: Set(Utc::now()),
    }
    .insert(&app.db)
    .await
    .unwrap();
    Actor {
        person_id: id,
        account_id: Uuid::now_v7(),
        name: format!("志愿者{n}"),
        role: PlatformRole::Volunteer,
        leads: Vec::new(),
        helps: false,
    }
}

#[tokio::test]
async fn sixty_simultaneous_sign_ups_for_five_places_confirm_exactly_five() {
    let app = TestApp::new().await;
    let (_, shift_id) = market_with_shift(&app, 5).await;
    let mut volunteers = Vec::new();
    for n in 0..60 {
        volunteers.push(volunteer(&app, n).await);
    }
    let tasks: Vec<_> = volunteers
        .into_iter()
        .map(|actor| {
            let db = app.db.clone();
            tokio::spawn(async move { signups::sign_up(&db, &actor, shift_id, Utc::now()).await })
        })
        .collect();
    let mut confirmed = 0;
    let mut positions = Vec::new();
    for task in tasks {
        let standing = task
            .await
            .unwrap()
            .expect("every sign-up is answered, none fails")
            .standing;
        match standing.status {
            SignupStatus::Confirmed => confirmed += 1,
            SignupStatus::Waitlisted => positions.push(standing.position.unwrap()),
            SignupStatus::Cancelled => panic!("a new sign-up is never cancelled"),
        }
    }
    assert_eq!(confirmed, 5);
    positions.sort_unstable();
    assert_eq!(
        positions,
        (1..=55).collect::<Vec<u64>>(),
        "the waitlist is in order, without gaps"
    );
    let stored = shift::Entity::find_by_id(shift_id)
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(stored.confirmed_count, 5);
    let confirmed_rows = signup::Entity::find()
        .filter(signup::Column::Status.eq("confirmed"))
        .count(&app.db)
        .await
        .unwrap();
    assert_eq!(confirmed_rows, 5);
}

#[tokio::test]
async fn cancelling_a_place_promotes_the_first_in_line() {
    let app = TestApp::new().await;
    let (_, shift_id) = market_with_shift(&app, 1).await;
    let (a, b, c) = (
        volunteer(&app, 1).await,
        volunteer(&app, 2).await,
        volunteer(&app, 3).await,
    );
    let now = Utc::now();
    assert_eq!(
        signups::sign_up(&app.db, &a, shift_id, now)
            .await
            .unwrap()
            .standing
            .status,
        SignupStatus::Confirmed
    );
    let second = signups::sign_up(&app.db, &b, shift_id, now)
        .await
        .unwrap()
        .standing;
    assert_eq!(
        (second.status, second.position),
        (SignupStatus::Waitlisted, Some(1))
    );
    let third = signups::sign_up(&app.db, &c, shift_id, now)
        .await
        .unwrap()
        .standing;
    assert_eq!(third.position, Some(2));

    signups::cancel(&app.db, &a, shift_id, now).await.unwrap();
    let mine = signups::my_shifts(&app.db, b.person_id).await.unwrap();
    assert_eq!(
        mine[0].standing.status,
        SignupStatus::Confirmed,
        "b moved up"
    );
    let theirs = signups::my_shifts(&app.db, c.person_id).await.unwrap();
    assert_eq!(
        theirs[0].standing.position,
        Some(1),
        "c is now first in line"
    );
    assert!(
        signups::my_shifts(&app.db, a.person_id)
            .await
            .unwrap()
            .is_empty()
    );
}

#[tokio::test]
async fn twice_overlapping_closed_and_unpublished_sign_ups_are_refused() {
    let app = TestApp::new().await;
    let staff = app.staff_actor();
    let (market, shift_id) = market_with_shift(&app, 5).await;
    let a = volunteer(&app, 1).await;
    let now = Utc::now();
    signups::sign_up(&app.db, &a, shift_id, now).await.unwrap();
    let reason = |r: Result<signups::Placed, event::EventError>| match r {
        Err(event::EventError::Invalid(errors)) => errors[0].reason,
        other => panic!("{other:?}"),
    };
    assert_eq!(
        reason(signups::sign_up(&app.db, &a, shift_id, now).await),
        "error-already-signed-up"
    );

    // An overlapping shift at another stall of the same day.
    let stall = stalls::add_stall(
        &app.db,
        &staff,
        market,
        &app.add_org("南湖义诊队", "elderly", "南湖社区", "")
            .await
            .to_string(),
        "clinic",
        "",
    )
    .await
    .unwrap();
    let overlapping = stalls::add_shift(
        &app.db,
        &staff,
        stall.id,
        &ShiftInput {
            starts: "10:00".into(),
            ends: "11:00".into(),
            capacity: "3".into(),
            required_skill: String::new(),
        },
    )
    .await
    .unwrap();
    assert_eq!(
        reason(signups::sign_up(&app.db, &a, overlapping.id, now).await),
        "error-overlapping-shift"
    );

    // Past the cut-off (the start of the market's day), an hour before it begins.
    let late = schedule::find(&app.db, market).await.unwrap().starts_at - Duration::hours(1);
    assert_eq!(
        reason(signups::sign_up(&app.db, &volunteer(&app, 2).await, shift_id, late).await),
        "error-signup-closed"
    );

    schedule::cancel(&app.db, &staff, market, "暴雨")
        .await
        .unwrap();
    assert_eq!(
        reason(signups::sign_up(&app.db, &volunteer(&app, 3).await, shift_id, now).await),
        "error-event-cancelled"
    );
}

#[tokio::test]
async fn capacity_never_drops_below_the_confirmed_and_rising_promotes() {
    let app = TestApp::new().await;
    let staff = app.staff_actor();
    let (_, shift_id) = market_with_shift(&app, 2).await;
    let now = Utc::now();
    for n in 0..4 {
        signups::sign_up(&app.db, &volunteer(&app, n).await, shift_id, now)
            .await
            .unwrap();
    }
    match stalls::set_capacity(&app.db, &staff, shift_id, "1").await {
        Err(event::EventError::Invalid(errors)) => {
            assert_eq!(errors[0].reason, "error-capacity-below-confirmed")
        }
        other => panic!("{other:?}"),
    }
    for bad in ["0", "501", "many"] {
        assert!(
            stalls::set_capacity(&app.db, &staff, shift_id, bad)
                .await
                .is_err(),
            "{bad}"
        );
    }
    let grown = stalls::set_capacity(&app.db, &staff, shift_id, "3")
        .await
        .unwrap();
    assert_eq!(grown.confirmed_count, 3, "the first in line moved up");
    let waiting = signup::Entity::find()
        .filter(signup::Column::Status.eq("waitlisted"))
        .order_by_asc(signup::Column::CreatedAt)
        .all(&app.db)
        .await
        .unwrap();
    assert_eq!(waiting.len(), 1);
}

#[tokio::test]
async fn a_schedule_makes_three_months_of_second_saturdays_once() {
    let app = TestApp::new().await;
    let staff = app.staff_actor();
    let input = ScheduleInput {
        market: MarketInput {
            title: "南湖社区公益集市".into(),
            place: "南湖社区广场".into(),
            description: String::new(),
            starts: "09:00".into(),
            ends: "11:30".into(),
        },
        nth: "2".into(),
        weekday: "sat".into(),
        months: "3".into(),
    };
    let today = chrono::NaiveDate::from_ymd_opt(2026, 11, 25).unwrap();
    let first = schedule::schedule(&app.db, &staff, &input, today)
        .await
        .unwrap();
    // 14 Nov 2026 is past; 12 Dec 2026 and 9 Jan 2027 are made.
    let d =
        |m, day| chrono::NaiveDate::from_ymd_opt(if m == 1 { 2027 } else { 2026 }, m, day).unwrap();
    assert_eq!(
        first.days,
        [
            PlannedDay::Past(d(11, 14)),
            PlannedDay::Create(d(12, 12)),
            PlannedDay::Create(d(1, 9))
        ]
    );
    assert_eq!(first.to_create(), 2);
    assert_eq!(first.why_nothing(), None);
    let again = schedule::schedule(&app.db, &staff, &input, today)
        .await
        .unwrap();
    assert_eq!(again.to_create(), 0);
    assert_eq!(
        again.days,
        [
            PlannedDay::Past(d(11, 14)),
            PlannedDay::Taken(d(12, 12)),
            PlannedDay::Taken(d(1, 9))
        ]
    );
    assert_eq!(again.why_nothing(), Some("schedule-none-past-or-taken"));
    let (mut markets, total) = schedule::for_staff(&app.db, &staff, &Default::default(), 1, 20)
        .await
        .unwrap();
    assert_eq!(total, 2);
    markets.reverse();
    let nine = markets[0]
        .starts_at
        .with_timezone(&schedule::shanghai())
        .time();
    assert_eq!(nine, NaiveTime::from_hms_opt(9, 0, 0).unwrap());
    assert_eq!(markets[0].status, event::EventStatus::Draft);

    let mut bad = input.clone();
    bad.market.ends = "08:00".into();
    bad.months = "99".into();
    match schedule::schedule(&app.db, &staff, &bad, today).await {
        Err(event::EventError::Invalid(errors)) => {
            let fields: Vec<_> = errors.iter().map(|e| e.field).collect();
            assert_eq!(fields, ["ends", "months"]);
        }
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn volunteers_sign_up_and_cancel_on_the_market_page_without_javascript() {
    let app = TestApp::new().await;
    let (market, shift_id) = market_with_shift(&app, 1).await;
    let path = format!("/markets/{market}");

    // Residents see the services and free places; the sign-up button leads through
    // logging in or registering (a link), it does not sign anyone up by itself.
    let public = app.browser().get_text(&path).await;
    assert!(public.contains("义务理发") && public.contains("空余 1 / 1 个名额"));
    assert!(public.contains(&format!(r#"href="/shifts/{shift_id}/signup""#)));
    assert!(!public.contains(&format!(r#"action="/shifts/{shift_id}/signup""#)));
    assert!(
        app.browser()
            .get_text("/markets")
            .await
            .contains("南湖社区公益集市")
    );

    let li = app
        .signed_in(PlatformRole::Volunteer, "李阿姨", "13912345678")
        .await;
    let zhang = app
        .signed_in(PlatformRole::Volunteer, "张大爷", "13812345678")
        .await;
    let response = li.post(&format!("/shifts/{shift_id}/signup"), &[]).await;
    assert_eq!(response.status(), 303);
    let page = li.get_text(&crate::helpers::location(&response)).await;
    assert!(page.contains("报名成功：已确认"), "the notice");
    assert!(
        page.contains("✓ 已报名（已确认）"),
        "the standing next to the shift"
    );
    assert!(page.contains("已满（1 人）"));

    let response = zhang.post(&format!("/shifts/{shift_id}/signup"), &[]).await;
    assert_eq!(response.status(), 303);
    let page = zhang.get_text(&path).await;
    assert!(page.contains("候补第 1 位"));
    let again = zhang.post(&format!("/shifts/{shift_id}/signup"), &[]).await;
    assert_eq!(again.status(), 422);
    assert!(again.text().await.unwrap().contains("您已经报名了这个时段"));

    // No names of volunteers on the public page, ever.
    let public = app.browser().get_text(&path).await;
    assert!(!public.contains("李阿姨") && !public.contains("张大爷"));
    assert!(public.contains("1 人候补"));

    assert_eq!(
        li.post(&format!("/shifts/{shift_id}/cancel"), &[])
            .await
            .status(),
        303
    );
    let mine = zhang.get_text("/me/shifts").await;
    assert!(mine.contains("✓ 已报名（已确认）"), "promoted");
    assert!(li.get_text("/me/shifts").await.contains("还没有报名"));

    // Anonymous sign-up goes to the login page.
    let response = app
        .browser()
        .post(&format!("/shifts/{shift_id}/signup"), &[])
        .await;
    assert!(crate::helpers::location(&response).starts_with("/login?next="));
}

#[tokio::test]
async fn a_coordinator_schedules_publishes_and_cancels_in_the_browser() {
    let app = TestApp::new().await;
    let coordinator = app
        .signed_in(PlatformRole::Coordinator, "周协调", "13600000001")
        .await;
    let volunteer = app
        .signed_in(PlatformRole::Volunteer, "李阿姨", "13912345678")
        .await;
    assert_eq!(volunteer.get("/admin/markets/schedule").await.status(), 403);

    let response = coordinator
        .post(
            "/admin/markets/schedule",
            &[
                ("title", "南湖社区公益集市"),
                ("place", ""),
                ("starts", "09:00"),
                ("ends", "08:00"),
                ("nth", "2"),
                ("weekday", "sat"),
                ("months", "3"),
            ],
        )
        .await;
    assert_eq!(response.status(), 422);
    let page = response.text().await.unwrap();
    assert!(page.contains("这一项必须填写") && page.contains("结束时间必须晚于开始时间"));
    assert!(page.contains(r#"value="南湖社区公益集市""#));

    let fields = [
        ("title", "南湖社区公益集市"),
        ("place", "南湖社区广场"),
        ("starts", "09:00"),
        ("ends", "11:30"),
        ("nth", "2"),
        ("weekday", "sat"),
        ("months", "3"),
    ];
    // First a preview of the dates, nothing created yet.
    let preview = coordinator.post("/admin/markets/schedule", &fields).await;
    assert_eq!(preview.status(), 200);
    let preview = preview.text().await.unwrap();
    assert!(preview.contains("将要安排的日期") && preview.contains("将创建草稿"));
    assert_eq!(
        schedule::for_staff(&app.db, &app.staff_actor(), &Default::default(), 1, 20)
            .await
            .unwrap()
            .1,
        0
    );
    let mut create = fields.to_vec();
    create.push(("action", "create"));
    let response = coordinator.post("/admin/markets/schedule", &create).await;
    assert_eq!(response.status(), 303);
    let admin = coordinator.get_text("/admin/markets").await;
    assert!(admin.contains("场集市草稿"));
    let (drafts, _) = schedule::for_staff(&app.db, &app.staff_actor(), &Default::default(), 1, 20)
        .await
        .unwrap();
    assert!((2..=3).contains(&drafts.len()), "{}", drafts.len());
    let first = drafts[0].id;
    assert_eq!(
        app.browser()
            .get(&format!("/markets/{first}"))
            .await
            .status(),
        404,
        "drafts are private"
    );

    assert_eq!(
        coordinator
            .post(&format!("/markets/{first}/publish"), &[])
            .await
            .status(),
        303
    );
    assert_eq!(
        app.browser()
            .get(&format!("/markets/{first}"))
            .await
            .status(),
        200
    );
    assert_eq!(
        coordinator
            .post(&format!("/markets/{first}/cancel"), &[("reason", "")])
            .await
            .status(),
        422
    );
    assert_eq!(
        coordinator
            .post(
                &format!("/markets/{first}/cancel"),
                &[("reason", "暴雨预警")]
            )
            .await
            .status(),
        303
    );
    assert!(
        app.browser()
            .get_text(&format!("/markets/{first}"))
            .await
            .contains("这场集市已取消：暴雨预警")
    );
}

#[tokio::test]
async fn calendar_feeds_parse_back_and_the_private_one_can_be_reset() {
    let app = TestApp::new().await;
    let (_, shift_id) = market_with_shift(&app, 2).await;
    let li = app
        .signed_in(PlatformRole::Volunteer, "李阿姨", "13912345678")
        .await;
    li.post(&format!("/shifts/{shift_id}/signup"), &[]).await;

    let public = app.browser().get("/markets.ics").await;
    assert_eq!(public.status(), 200);
    assert!(
        public.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/calendar")
    );
    let text = public.text().await.unwrap();
    let unfolded = icalendar::parser::unfold(&text);
    let calendar = icalendar::parser::read_calendar(&unfolded).expect("a valid iCalendar");
    let events: Vec<_> = calendar
        .components
        .iter()
        .filter(|c| c.name == "VEVENT")
        .collect();
    assert_eq!(events.len(), 1);
    let summary = events[0]
        .properties
        .iter()
        .find(|p| p.name == "SUMMARY")
        .unwrap();
    assert_eq!(summary.val.as_str(), "南湖社区公益集市");
    let start = events[0]
        .properties
        .iter()
        .find(|p| p.name == "DTSTART")
        .unwrap();
    assert!(
        start.val.as_str().ends_with("T010000Z"),
        "09:00 in Shanghai is 01:00 UTC: {}",
        start.val.as_str()
    );

    let page = li.get_text("/me/calendar").await;
    let at = page.find("/calendar/").unwrap();
    let path: String = page[at..]
        .chars()
        .take_while(|c| *c != '<' && *c != '"')
        .collect();
    let mine = app.browser().get(&path).await;
    assert_eq!(mine.status(), 200);
    let text = mine.text().await.unwrap();
    let unfolded = icalendar::parser::unfold(&text);
    let calendar = icalendar::parser::read_calendar(&unfolded).unwrap();
    assert_eq!(
        calendar
            .components
            .iter()
            .filter(|c| c.name == "VEVENT")
            .count(),
        1
    );
    assert!(!text.contains("李阿姨"), "no names in feeds");

    assert_eq!(li.post("/me/calendar/reset", &[]).await.status(), 303);
    assert_eq!(
        app.browser().get(&path).await.status(),
        404,
        "the old address stops working"
    );
    assert_eq!(
        app.browser().get("/calendar/nonsense.ics").await.status(),
        404
    );
}
