//! What is served from memory is never older than the question. A market day's public page
//! is kept until something it shows changes: every change reaches it at once, whichever path
//! made it (page, domain call or a plain SQL update), on both databases. Coordinators asking
//! for the dashboard at once share one answer, which always holds what was written before.

use chrono::{Duration, Utc};
use event::schedule;
use event::stalls;
use member::PlatformRole;
use member::entities::organization;
use sea_orm::{ActiveModelTrait, ActiveValue::Set, EntityTrait};

use crate::helpers::TestApp;
use crate::markets::market_with_shift;

async fn public_page(app: &TestApp, path: &str) -> String {
    let response = app.browser().get(path).await;
    assert_eq!(response.status(), 200);
    response.text().await.unwrap()
}

#[tokio::test]
async fn the_kept_public_page_follows_every_change() {
    let app = TestApp::new().await;
    let staff = app.staff_actor();
    let (market, shift_id) = market_with_shift(&app, 2).await;
    let path = format!("/markets/{market}");

    let first = public_page(&app, &path).await;
    assert!(first.contains("空余 2 / 2 个名额"), "{first}");
    assert_eq!(
        public_page(&app, &path).await,
        first,
        "served again as it was"
    );
    // The English page is kept apart from the Chinese one.
    let english = public_page(&app, &format!("{path}?lang=en")).await;
    assert!(english.contains("2 of 2 places free"));
    assert!(public_page(&app, &path).await.contains("空余 2 / 2 个名额"));

    // A volunteer takes a place through the pages.
    let volunteer = app
        .signed_in(PlatformRole::Volunteer, "李阿姨", "13912345678")
        .await;
    let signup = format!("/shifts/{shift_id}/signup");
    assert_eq!(volunteer.post(&signup, &[]).await.status(), 303);
    assert!(public_page(&app, &path).await.contains("空余 1 / 2 个名额"));

    // Fewer places (a domain call), then a second volunteer waits.
    stalls::set_capacity(&app.db, &staff, shift_id, "1")
        .await
        .unwrap();
    assert!(public_page(&app, &path).await.contains("已满（1 人）"));
    let second = app
        .signed_in(PlatformRole::Volunteer, "王大伯", "13912345679")
        .await;
    assert_eq!(second.post(&signup, &[]).await.status(), 303);
    assert!(public_page(&app, &path).await.contains("1 人候补"));
    // The first gives up the place: the second moves up (a change of status), nobody waits.
    let cancel = format!("/shifts/{shift_id}/cancel");
    assert_eq!(volunteer.post(&cancel, &[]).await.status(), 303);
    let page = public_page(&app, &path).await;
    assert!(
        page.contains("已满（1 人）") && !page.contains("人候补"),
        "{page}"
    );
    // Someone waiting gives up: only the sign-up's status changes.
    let third = app
        .signed_in(PlatformRole::Volunteer, "张阿姨", "13912345670")
        .await;
    assert_eq!(third.post(&signup, &[]).await.status(), 303);
    assert!(public_page(&app, &path).await.contains("1 人候补"));
    assert_eq!(third.post(&cancel, &[]).await.status(), 303);
    assert!(!public_page(&app, &path).await.contains("人候补"));

    // The organization is renamed by any path, here a plain update.
    let stall_org = organization::Entity::find()
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    let mut renamed: organization::ActiveModel = stall_org.into();
    renamed.name = Set("南湖理发志愿队".into());
    renamed.update(&app.db).await.unwrap();
    let page = public_page(&app, &path).await;
    assert!(page.contains("南湖理发志愿队") && !page.contains("南湖爱心理发队"));

    // A new stall appears; the day cancelled says so.
    let clinic = app.add_org("南湖义诊队", "elderly", "南湖社区", "").await;
    stalls::add_stall(
        &app.db,
        &staff,
        market,
        &clinic.to_string(),
        "clinic",
        "量血压",
    )
    .await
    .unwrap();
    assert!(public_page(&app, &path).await.contains("量血压"));
    schedule::cancel(&app.db, &staff, market, "下雨")
        .await
        .unwrap();
    assert!(public_page(&app, &path).await.contains("已取消"));
}

#[tokio::test]
async fn coordinators_asking_at_once_share_a_dashboard_that_holds_every_earlier_write() {
    let app = TestApp::new().await;
    let day_ago = |days| Utc::now() - Duration::days(days);
    app.add_market(
        "上月集市",
        day_ago(40),
        day_ago(40) + Duration::hours(2),
        event::EventStatus::Published,
    )
    .await;
    let coordinator = app
        .signed_in(PlatformRole::Coordinator, "周协调", "13600000001")
        .await;
    let one_day = r#"<span class="count">1</span> 公益集市（天）"#;
    let mut asking = Vec::new();
    for _ in 0..8 {
        let coordinator = coordinator.clone();
        asking.push(tokio::spawn(async move {
            coordinator.get_text("/dashboard?period=all").await
        }));
    }
    for answer in asking {
        assert!(answer.await.unwrap().contains(one_day));
    }
    // A day added after those answers is in the next one.
    app.add_market(
        "本月集市",
        day_ago(2),
        day_ago(2) + Duration::hours(2),
        event::EventStatus::Published,
    )
    .await;
    let page = coordinator.get_text("/dashboard?period=all").await;
    assert!(page.contains(r#"<span class="count">2</span> 公益集市（天）"#));
}

#[tokio::test]
async fn a_draft_day_is_kept_from_the_public_until_it_is_published() {
    let app = TestApp::new().await;
    let staff = app.staff_actor();
    let day = (Utc::now() + Duration::days(7))
        .with_timezone(&schedule::shanghai())
        .date_naive();
    let input = schedule::MarketInput {
        title: "草稿集市".into(),
        place: "南湖社区广场".into(),
        description: String::new(),
        starts: "09:00".into(),
        ends: "11:30".into(),
    };
    let draft = schedule::create_market(&app.db, &staff, &input, &day.to_string(), day)
        .await
        .unwrap();
    let path = format!("/markets/{}", draft.id);
    for _ in 0..2 {
        assert_eq!(app.browser().get(&path).await.status(), 404);
    }
    let unknown = format!("/markets/{}", uuid::Uuid::now_v7());
    assert_eq!(app.browser().get(&unknown).await.status(), 404);
    schedule::publish(&app.db, &staff, draft.id).await.unwrap();
    assert!(public_page(&app, &path).await.contains("草稿集市"));
}

#[tokio::test]
async fn a_crowd_on_a_page_not_kept_yet_all_get_the_same_page() {
    let app = TestApp::new().await;
    let (market, _) = market_with_shift(&app, 2).await;
    let path = format!("/markets/{market}");
    let mut asking = Vec::new();
    for _ in 0..8 {
        let browser = app.browser();
        let path = path.clone();
        asking.push(tokio::spawn(async move {
            let response = browser.get(&path).await;
            (response.status(), response.text().await.unwrap())
        }));
    }
    let mut pages = Vec::new();
    for answer in asking {
        let (status, page) = answer.await.unwrap();
        assert_eq!(status, 200);
        pages.push(page);
    }
    assert!(pages[0].contains("空余 2 / 2 个名额"));
    assert!(pages.iter().all(|page| *page == pages[0]));
}

/// A shift's `<li>` on a page, to look at one shift alone.
fn shift_on(page: &str, shift: uuid::Uuid) -> &str {
    let start = page
        .find(&format!(r#"id="shift-{shift}""#))
        .expect("the shift is on the page");
    let end = start + page[start..].find("</li>").expect("the shift ends");
    &page[start..end]
}

#[tokio::test]
async fn each_volunteer_sees_their_own_places_on_the_kept_day() {
    use event::entities::shift;
    use member::entities::person;
    use sea_orm::{ColumnTrait, QueryFilter};

    let app = TestApp::new().await;
    let staff = app.staff_actor();
    let (market, first) = market_with_shift(&app, 1).await;
    let stall = shift::Entity::find_by_id(first)
        .one(&app.db)
        .await
        .unwrap()
        .unwrap()
        .stall_id;
    let medical = stalls::add_shift(
        &app.db,
        &staff,
        stall,
        &stalls::ShiftInput {
            starts: "10:30".into(),
            ends: "11:30".into(),
            capacity: "3".into(),
            required_skill: "medical".into(),
        },
    )
    .await
    .unwrap()
    .id;
    let path = format!("/markets/{market}");
    let li = app
        .signed_in(PlatformRole::Volunteer, "李阿姨", "13912345678")
        .await;
    let wang = app
        .signed_in(PlatformRole::Volunteer, "王大伯", "13912345679")
        .await;
    let wang_id = person::Entity::find()
        .filter(person::Column::Phone.eq("13912345679"))
        .one(&app.db)
        .await
        .unwrap()
        .unwrap()
        .id;
    member::memberships::set_skills(&app.db, &staff, wang_id, "医疗")
        .await
        .unwrap();

    // Before anyone signs up, both see the day alike but for their name and skills.
    let page = li.get_text(&path).await;
    assert!(page.contains("当前登录：李阿姨"), "{page}");
    assert!(shift_on(&page, medical).contains("需要的技能不在您的资料里"));
    assert!(!shift_on(&page, first).contains("需要的技能"));
    let page = wang.get_text(&path).await;
    assert!(page.contains("当前登录：王大伯") && !page.contains("李阿姨"));
    assert!(
        !page.contains("需要的技能不在您的资料里"),
        "he has the skill"
    );

    // 李阿姨 takes the one place; 王大伯 waits. Each sees their own standing, with the
    // notice the sign-up left, and nothing of the other's.
    let signup = format!("/shifts/{first}/signup");
    assert_eq!(li.post(&signup, &[]).await.status(), 303);
    assert_eq!(wang.post(&signup, &[]).await.status(), 303);
    let page = li.get_text(&path).await;
    assert!(page.contains("报名成功：已确认"), "the notice: {page}");
    let hers = shift_on(&page, first);
    assert!(hers.contains("✓ 已报名（已确认）") && hers.contains("取消报名"));
    assert!(!shift_on(&page, medical).contains("取消报名"));
    let page = wang.get_text(&path).await;
    let his = shift_on(&page, first);
    assert!(
        his.contains("候补第 1 位") && his.contains("取消报名"),
        "{his}"
    );
    assert!(!his.contains("已确认"));
    // Read again, without the notice: the same standing.
    assert!(li.get_text(&path).await.contains("✓ 已报名（已确认）"));
    let anonymous = public_page(&app, &path).await;
    assert!(!anonymous.contains("已报名") && !anonymous.contains("候补第"));

    // She gives the place up: he moves up, and both pages follow at once.
    assert_eq!(
        li.post(&format!("/shifts/{first}/cancel"), &[])
            .await
            .status(),
        303
    );
    let page = li.get_text(&path).await;
    assert!(!shift_on(&page, first).contains("已报名"));
    assert!(shift_on(&page, first).contains("已满（1 人）"));
    let page = wang.get_text(&path).await;
    assert!(shift_on(&page, first).contains("✓ 已报名（已确认）"));

    // A change by a plain update (no domain call) reaches the signed-in page too.
    let stall_row = event::entities::stall::Entity::find_by_id(stall)
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    let mut stall_row: event::entities::stall::ActiveModel = stall_row.into();
    stall_row.description = Set("今天改在东门理发".into());
    stall_row.update(&app.db).await.unwrap();
    assert!(li.get_text(&path).await.contains("今天改在东门理发"));
}
