//! Notifications as people meet them: the inbox and its count in the navigation, a place
//! from the waitlist, a day changed or cancelled, staff's message to a day, each person's
//! choices; and the outbox written in the transaction of the change that causes it.

use chrono::{Duration, Utc};
use member::PlatformRole;
use member::entities::{delivery, notice};
use member::notices::{self, Kind, Notice};
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use uuid::Uuid;

use crate::helpers::TestApp;
use crate::markets::market_with_shift;

async fn kinds_of(app: &TestApp, person_id: Uuid) -> Vec<String> {
    let mut rows = notice::Entity::find()
        .filter(notice::Column::PersonId.eq(person_id))
        .all(&app.db)
        .await
        .unwrap();
    rows.sort_by_key(|n| n.created_at);
    rows.into_iter().map(|n| n.kind).collect()
}

async fn person_of(app: &TestApp, phone: &str) -> Uuid {
    let phone = member::Phone::parse("phone", phone).unwrap();
    member::memberships::find_person_by_phone(&app.db, &phone)
        .await
        .unwrap()
        .unwrap()
        .id
}

#[tokio::test]
async fn a_place_from_the_waitlist_reaches_the_promoted_volunteers_inbox() {
    let app = TestApp::new().await;
    let (market_id, shift_id) = market_with_shift(&app, 1).await;
    let first = app
        .signed_in(PlatformRole::Volunteer, "王阿姨", "13700001001")
        .await;
    let second = app
        .signed_in(PlatformRole::Volunteer, "李师傅", "13700001002")
        .await;
    for browser in [&first, &second] {
        let response = browser
            .post(&format!("/shifts/{shift_id}/signup"), &[])
            .await;
        assert_eq!(response.status(), 303);
    }
    // The second waits, is told so, and the navigation shows one unread message.
    let home = second.get_text("/markets").await;
    assert!(home.contains(r#"<span class="count-badge">1"#), "{home}");
    let inbox = second.get_text("/me/notifications").await;
    assert!(inbox.contains("已进入候补"), "{inbox}");
    assert!(inbox.contains("排第 1 位"), "{inbox}");
    // Seen: the count is gone from the next page.
    assert!(!second.get_text("/markets").await.contains("count-badge"));

    // The first cancels: the second has the place and hears of it.
    let response = first.post(&format!("/shifts/{shift_id}/cancel"), &[]).await;
    assert_eq!(response.status(), 303);
    assert!(
        second
            .get_text("/markets")
            .await
            .contains(r#"<span class="count-badge">1"#)
    );
    let inbox = second.get_text("/me/notifications").await;
    assert!(inbox.contains("候补转正"), "{inbox}");
    assert!(inbox.contains(&format!("/markets/{market_id}")), "{inbox}");
    assert_eq!(
        kinds_of(&app, person_of(&app, "13700001002").await).await,
        ["signup_waitlisted", "promoted"]
    );
    // Each notice went to the outbox by SMS (the phone is known; no e-mail address given).
    let deliveries = delivery::Entity::find()
        .filter(delivery::Column::PersonId.eq(person_of(&app, "13700001002").await))
        .all(&app.db)
        .await
        .unwrap();
    assert_eq!(deliveries.len(), 2);
    assert!(
        deliveries
            .iter()
            .all(|d| d.channel == "sms" && d.status == "pending")
    );
}

#[tokio::test]
async fn the_outbox_is_written_with_its_change_or_not_at_all() {
    let app = TestApp::new().await;
    let person = app
        .add_account(PlatformRole::Volunteer, "赵大爷", "13700001003")
        .await;
    let told = Notice::new(Kind::StaffMessage, "/markets").arg("message", "下雨改期");
    // Rolled back: nothing in the inbox, nothing in the outbox.
    let txn = member::tx::begin_write(&app.db).await.unwrap();
    assert!(
        notices::send(&txn, person, &told, Utc::now())
            .await
            .unwrap()
    );
    txn.rollback().await.unwrap();
    assert_eq!(notice::Entity::find().count(&app.db).await.unwrap(), 0);
    assert_eq!(delivery::Entity::find().count(&app.db).await.unwrap(), 0);
    // Committed: both.
    let txn = member::tx::begin_write(&app.db).await.unwrap();
    notices::send(&txn, person, &told, Utc::now())
        .await
        .unwrap();
    txn.commit().await.unwrap();
    assert_eq!(notice::Entity::find().count(&app.db).await.unwrap(), 1);
    assert_eq!(delivery::Entity::find().count(&app.db).await.unwrap(), 1);

    // A sign-up refused (twice for one shift) tells nobody a second time.
    let (_, shift_id) = market_with_shift(&app, 3).await;
    let actor = crate::markets::volunteer(&app, 7).await;
    event::signups::sign_up(&app.db, &actor, shift_id, Utc::now())
        .await
        .unwrap();
    assert!(
        event::signups::sign_up(&app.db, &actor, shift_id, Utc::now())
            .await
            .is_err()
    );
    assert_eq!(kinds_of(&app, actor.person_id).await, ["signup_confirmed"]);
}

#[tokio::test]
async fn a_cancelled_day_and_a_moved_day_reach_everyone_signed_up() {
    let app = TestApp::new().await;
    let coordinator = app
        .signed_in(PlatformRole::Coordinator, "周协调", "17000002001")
        .await;
    let (market_id, shift_id) = market_with_shift(&app, 1).await;
    let holder = crate::markets::volunteer(&app, 1).await;
    let waiting = crate::markets::volunteer(&app, 2).await;
    for actor in [&holder, &waiting] {
        event::signups::sign_up(&app.db, actor, shift_id, Utc::now())
            .await
            .unwrap();
    }
    let moved = (Utc::now() + Duration::days(8))
        .with_timezone(&event::schedule::shanghai())
        .format("%Y-%m-%d")
        .to_string();
    let response = coordinator
        .post(
            &format!("/markets/{market_id}/edit"),
            &[
                ("title", "南湖社区公益集市"),
                ("place", "社区活动室"),
                ("description", ""),
                ("date", &moved),
                ("starts", "09:00"),
                ("ends", "11:30"),
            ],
        )
        .await;
    assert_eq!(response.status(), 303);
    let response = coordinator
        .post(
            &format!("/markets/{market_id}/cancel"),
            &[("reason", "暴雨预警")],
        )
        .await;
    assert_eq!(response.status(), 303);
    for actor in [&holder, &waiting] {
        let kinds = kinds_of(&app, actor.person_id).await;
        assert_eq!(kinds[1..], ["day_changed", "day_cancelled"], "{kinds:?}");
    }
    let cancelled = notice::Entity::find()
        .filter(notice::Column::Kind.eq("day_cancelled"))
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    assert!(cancelled.args.contains("暴雨预警"), "{}", cancelled.args);
    assert!(cancelled.urgent);
}

#[tokio::test]
async fn staff_tell_everyone_on_a_day_and_the_message_is_checked() {
    let app = TestApp::new().await;
    let coordinator = app
        .signed_in(PlatformRole::Coordinator, "周协调", "17000002002")
        .await;
    let volunteer = app
        .signed_in(PlatformRole::Volunteer, "王阿姨", "13700001004")
        .await;
    let (market_id, shift_id) = market_with_shift(&app, 2).await;
    volunteer
        .post(&format!("/shifts/{shift_id}/signup"), &[])
        .await;

    let form = coordinator
        .get_text(&format!("/markets/{market_id}/message"))
        .await;
    assert!(form.contains("这一天所有报名的人"), "{form}");
    // Too long for one SMS: refused, and what was typed stays.
    let long = "下雨了".repeat(14);
    let response = coordinator
        .post(
            &format!("/markets/{market_id}/message"),
            &[("stall", ""), ("message", &long)],
        )
        .await;
    assert_eq!(response.status(), 422);
    let page = response.text().await.unwrap();
    assert!(page.contains("最多 40 个字"), "{page}");
    assert!(page.contains(&long));
    // A volunteer may not message the day.
    let response = volunteer
        .post(
            &format!("/markets/{market_id}/message"),
            &[("message", "你好")],
        )
        .await;
    assert_eq!(response.status(), 403);

    let response = coordinator
        .post(
            &format!("/markets/{market_id}/message"),
            &[("stall", ""), ("message", "下雨，集市改到社区活动室")],
        )
        .await;
    assert_eq!(response.status(), 303);
    assert!(
        coordinator
            .get_text(&format!("/markets/{market_id}"))
            .await
            .contains("通知已发给 1 人")
    );
    let inbox = volunteer.get_text("/me/notifications").await;
    assert!(inbox.contains("下雨，集市改到社区活动室"), "{inbox}");
}

#[tokio::test]
async fn choices_decide_the_channels_and_reminders_can_be_turned_off() {
    let app = TestApp::new().await;
    let volunteer = app
        .signed_in(PlatformRole::Volunteer, "王阿姨", "13700001005")
        .await;
    // E-mail needs an address: refused with the boxes as they were ticked.
    let response = volunteer
        .post("/me/notifications", &[("by_email", "yes"), ("email", "")])
        .await;
    assert_eq!(response.status(), 422);
    let page = response.text().await.unwrap();
    assert!(page.contains("请填写邮箱地址"), "{page}");
    let response = volunteer
        .post(
            "/me/notifications",
            &[("by_email", "yes"), ("email", "wang@nanhu")],
        )
        .await;
    assert_eq!(response.status(), 422);
    // E-mail only, no reminders.
    let response = volunteer
        .post(
            "/me/notifications",
            &[("by_email", "yes"), ("email", "wang@nanhu.org")],
        )
        .await;
    assert_eq!(response.status(), 303);
    let page = volunteer.get_text("/me/notifications").await;
    assert!(page.contains(r#"value="wang@nanhu.org""#), "{page}");

    let person = person_of(&app, "13700001005").await;
    let actor = member::Actor {
        person_id: person,
        account_id: Uuid::now_v7(),
        name: "王阿姨".into(),
        role: PlatformRole::Volunteer,
        leads: Vec::new(),
        helps: false,
    };
    let (market_id, shift_id) = market_with_shift(&app, 2).await;
    event::signups::sign_up(&app.db, &actor, shift_id, Utc::now())
        .await
        .unwrap();
    let channels: Vec<String> = delivery::Entity::find()
        .filter(delivery::Column::PersonId.eq(person))
        .all(&app.db)
        .await
        .unwrap()
        .into_iter()
        .map(|d| d.channel)
        .collect();
    assert_eq!(channels, ["email"]);
    // The evening before: no reminder for someone who turned them off.
    let eve = tomorrows_evening(&app, market_id).await;
    assert_eq!(
        event::notify::enqueue_reminders(&app.db, eve)
            .await
            .unwrap(),
        0
    );
    assert_eq!(kinds_of(&app, person).await, ["signup_confirmed"]);
}

/// 18:30 on the evening before the day (Shanghai).
pub(crate) async fn tomorrows_evening(app: &TestApp, market_id: Uuid) -> chrono::DateTime<Utc> {
    let day = event::schedule::find(&app.db, market_id).await.unwrap();
    let date = day
        .starts_at
        .with_timezone(&event::schedule::shanghai())
        .date_naive();
    event::schedule::at(
        date - Duration::days(1),
        chrono::NaiveTime::from_hms_opt(18, 30, 0).unwrap(),
    )
}

#[tokio::test]
async fn reminders_are_written_once_each_whoever_runs_the_job() {
    let app = TestApp::new().await;
    let (market_id, shift_id) = market_with_shift(&app, 3).await;
    let early = crate::markets::volunteer(&app, 1).await;
    event::signups::sign_up(&app.db, &early, shift_id, Utc::now() - Duration::days(3))
        .await
        .unwrap();
    let eve = tomorrows_evening(&app, market_id).await;
    // Two servers run the job at the same minute, and again a minute later.
    let (a, b) = tokio::join!(
        event::notify::enqueue_reminders(&app.db, eve),
        event::notify::enqueue_reminders(&app.db, eve)
    );
    assert_eq!(a.unwrap() + b.unwrap(), 1);
    assert_eq!(
        event::notify::enqueue_reminders(&app.db, eve + Duration::minutes(1))
            .await
            .unwrap(),
        0
    );
    // Two hours before the shift: the near reminder, once.
    let shift = event::stalls::find_shift(&app.db, shift_id).await.unwrap();
    let near = shift.starts_at - Duration::minutes(110);
    assert_eq!(
        event::notify::enqueue_reminders(&app.db, near)
            .await
            .unwrap(),
        1
    );
    assert_eq!(
        event::notify::enqueue_reminders(&app.db, near)
            .await
            .unwrap(),
        0
    );
    assert_eq!(
        kinds_of(&app, early.person_id).await,
        ["signup_confirmed", "reminder_evening", "reminder_soon"]
    );
    // Once the shift has begun, nothing more.
    let begun = shift.starts_at + Duration::minutes(5);
    assert_eq!(
        event::notify::enqueue_reminders(&app.db, begun)
            .await
            .unwrap(),
        0
    );
}

#[tokio::test]
async fn a_deleted_account_takes_its_messages_and_address_with_it() {
    let app = TestApp::new().await;
    let browser = app
        .signed_in(PlatformRole::Volunteer, "王阿姨", "13700001006")
        .await;
    browser
        .post(
            "/me/notifications",
            &[("by_email", "yes"), ("email", "wang@nanhu.org")],
        )
        .await;
    let (_, shift_id) = market_with_shift(&app, 1).await;
    browser
        .post(&format!("/shifts/{shift_id}/signup"), &[])
        .await;
    let export = browser.get_text("/me/export.json").await;
    assert!(
        export.contains("wang@nanhu.org"),
        "my data shows the address: {export}"
    );
    let person = person_of(&app, "13700001006").await;
    assert_eq!(kinds_of(&app, person).await, ["signup_confirmed"]);

    let response = browser
        .post("/me/delete", &[("password", crate::helpers::PASSWORD)])
        .await;
    assert_eq!(response.status(), 303);
    assert!(kinds_of(&app, person).await.is_empty());
    assert_eq!(delivery::Entity::find().count(&app.db).await.unwrap(), 0);
    let choices = member::entities::notice_setting::Entity::find_by_id(person)
        .one(&app.db)
        .await
        .unwrap();
    assert!(choices.is_none());
}

#[tokio::test]
async fn an_invitation_and_a_decided_application_reach_the_person() {
    let app = TestApp::new().await;
    let invited = app
        .add_account(PlatformRole::Volunteer, "钱阿姨", "13700001007")
        .await;
    let org = app.add_org("南湖读书会", "elderly", "南湖社区", "").await;
    member::memberships::add_member(
        &app.db,
        &app.staff_actor(),
        org,
        &member::memberships::NewMember {
            name: "钱阿姨".into(),
            phone: "13700001007".into(),
            role: "member".into(),
            skills: String::new(),
        },
        Utc::now().date_naive(),
    )
    .await
    .unwrap();
    assert_eq!(kinds_of(&app, invited).await, ["invited"]);
    let told = notice::Entity::find().one(&app.db).await.unwrap().unwrap();
    assert!(told.args.contains("南湖读书会"), "{}", told.args);

    // She applies for an organization of her own; the coordinator admits it.
    let her = member::Actor {
        person_id: invited,
        account_id: Uuid::now_v7(),
        name: "钱阿姨".into(),
        role: PlatformRole::Volunteer,
        leads: Vec::new(),
        helps: false,
    };
    let today = Utc::now().date_naive();
    let applied = member::orgs::apply(
        &app.db,
        &her,
        &member::orgs::OrgInput {
            name: "南湖手工坊".into(),
            theme: "elderly".into(),
            community: "南湖社区".into(),
            contact_name: "钱阿姨".into(),
            contact_phone: "13700001007".into(),
            ..Default::default()
        },
        "想带邻居一起做手工",
        today,
    )
    .await
    .unwrap();
    member::orgs::transition(
        &app.db,
        &app.staff_actor(),
        applied.id,
        "incubating",
        "",
        "材料齐全",
        today,
    )
    .await
    .unwrap();
    assert_eq!(kinds_of(&app, invited).await, ["invited", "org_decided"]);
    let inbox = app.browser();
    inbox.login("13700001007", crate::helpers::PASSWORD).await;
    let page = inbox.get_text("/me/notifications").await;
    assert!(
        page.contains("您申请的组织“南湖手工坊”有了结果：孵化中"),
        "{page}"
    );
}
