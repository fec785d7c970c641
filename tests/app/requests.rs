//! 三事分流: residents' requests from submission to rating, the boards, and the
//! satisfaction rate.

use chrono::{Duration, Utc};
use member::PlatformRole;
use sea_orm::{ActiveModelTrait, EntityTrait, PaginatorTrait, Set};
use triage::entities::{rating, request, request_update};
use triage::{Channel, Class, Status};
use uuid::Uuid;

use crate::helpers::{Browser, PASSWORD, TestApp, location};

const DESCRIPTION: &str = "3栋2单元楼下的消防通道每天晚上都被私家车占着，救护车进不来";

pub(crate) fn resident_form<'a>(extra: &[(&'a str, &'a str)]) -> Vec<(&'a str, &'a str)> {
    let mut form = vec![
        ("category", "parking"),
        ("description", DESCRIPTION),
        ("community", "南湖社区"),
        ("place", "3栋2单元"),
        ("contact_name", "张阿姨"),
        ("contact_phone", "13912345678"),
        ("may_contact", "yes"),
    ];
    form.extend_from_slice(extra);
    form
}

/// A resident submits from the public page; returns the tracking code.
pub(crate) async fn submit(browser: &Browser) -> String {
    let response = browser.post("/requests/new", &resident_form(&[])).await;
    assert_eq!(response.status(), 303);
    let to = location(&response);
    to.strip_prefix("/requests/track?code=")
        .expect("to the tracking page")
        .to_owned()
}

pub(crate) async fn by_code(app: &TestApp, code: &str) -> request::Model {
    triage::requests::find_by_code(&app.db, code).await.unwrap()
}

/// A coordinator and a leader of an incubating organization, both signed in.
pub(crate) struct Cast {
    pub(crate) coordinator: Browser,
    pub(crate) leader: Browser,
    pub(crate) org: Uuid,
}

pub(crate) async fn cast(app: &TestApp) -> Cast {
    let coordinator = app
        .signed_in(PlatformRole::Coordinator, "周协调", "13600000001")
        .await;
    app.add_account(PlatformRole::Volunteer, "甲队长", "13911110001")
        .await;
    let org = app
        .add_org("南湖文明停车劝导队", "tidiness", "南湖社区", "13911110001")
        .await;
    let leader = app.browser();
    assert_eq!(leader.login("13911110001", PASSWORD).await.status(), 303);
    Cast {
        coordinator,
        leader,
        org,
    }
}

pub(crate) async fn kinds(app: &TestApp, id: Uuid) -> Vec<&'static str> {
    triage::requests::timeline(&app.db, id)
        .await
        .unwrap()
        .into_iter()
        .map(|u| u.kind.as_str())
        .collect()
}

#[tokio::test]
async fn a_resident_submits_from_a_phone_and_follows_the_request_with_the_code() {
    let app = TestApp::new().await;
    let resident = app.browser();
    let form = resident.get_text("/requests/new").await;
    assert!(form.contains("反映问题") && form.contains("邻里纠纷"));
    let code = submit(&resident).await;
    assert_eq!(code.len(), 10);

    let stored = by_code(&app, &code).await;
    assert_eq!(stored.status, Status::Received);
    assert_eq!(stored.channel, Channel::Web);
    assert_eq!(stored.contact_phone.as_deref(), Some("13912345678"));
    assert!(stored.may_contact);
    assert_eq!(stored.entered_by, None);

    // The code typed in lower case with a dash finds it too.
    let typed = format!("{}-{}", &code[..5].to_lowercase(), &code[5..]);
    let page = resident
        .get_text(&format!("/requests/track?code={typed}"))
        .await;
    // Shown in two groups of five, easier to read out.
    assert!(
        page.contains(&format!(">{}<", &code[..5])) && page.contains(&format!(">{}<", &code[5..]))
    );
    assert!(page.contains("已受理") && page.contains("待分流"));
    assert!(page.contains(DESCRIPTION));
    assert!(page.contains("139****5678"));
    assert!(!page.contains("13912345678"));

    let unknown = resident.get("/requests/track?code=ZZZZZZZZZZ").await;
    assert_eq!(unknown.status(), 404);
    assert!(unknown.text().await.unwrap().contains("没有找到这个查询码"));
}

#[tokio::test]
async fn bad_submissions_say_what_is_wrong_keep_what_was_typed_and_write_nothing() {
    let app = TestApp::new().await;
    let resident = app.browser();
    let too_long = "长".repeat(1001);
    for (field, value, message) in [
        ("description", "", "必须填写"),
        ("description", too_long.as_str(), "内容太长了"),
        ("contact_phone", "12345", "11 位手机号码"),
        ("category", "weather", "请从列表中选择"),
    ] {
        let mut form = resident_form(&[]);
        form.retain(|(name, _)| *name != field);
        form.push((field, value));
        let response = resident.post("/requests/new", &form).await;
        assert_eq!(response.status(), 422, "{field}={value}");
        let page = response.text().await.unwrap();
        assert!(page.contains(message), "{field}: {message}");
        assert!(page.contains("3栋2单元"), "what was typed stays");
    }
    // Wanting a call but leaving no number.
    let mut form = resident_form(&[]);
    form.retain(|(name, _)| *name != "contact_phone");
    let response = resident.post("/requests/new", &form).await;
    assert_eq!(response.status(), 422);
    assert!(response.text().await.unwrap().contains("请留下手机号"));
    assert_eq!(request::Entity::find().count(&app.db).await.unwrap(), 0);
}

#[tokio::test]
async fn public_submissions_are_limited_per_address_and_the_text_is_kept() {
    let app = TestApp::new().await;
    let resident = app.browser();
    for _ in 0..triage::Policy::default().submissions_per_hour {
        submit(&resident).await;
    }
    let response = resident.post("/requests/new", &resident_form(&[])).await;
    assert_eq!(response.status(), 429);
    let page = response.text().await.unwrap();
    assert!(page.contains("请稍后再试") && page.contains(DESCRIPTION));
    assert_eq!(request::Entity::find().count(&app.db).await.unwrap(), 10);
}

#[tokio::test]
async fn a_coordinator_enters_a_request_received_by_phone() {
    let app = TestApp::new().await;
    let Cast { coordinator, .. } = cast(&app).await;
    let form = coordinator.get_text("/requests/new").await;
    assert!(form.contains("代居民登记诉求") && form.contains("收到方式"));

    let missing_channel = coordinator.post("/requests/new", &resident_form(&[])).await;
    assert_eq!(missing_channel.status(), 422);

    let response = coordinator
        .post("/requests/new", &resident_form(&[("channel", "phone")]))
        .await;
    assert_eq!(response.status(), 303);
    let to = location(&response);
    let id: Uuid = to.strip_prefix("/requests/").unwrap().parse().unwrap();
    let stored = triage::requests::find(&app.db, id).await.unwrap();
    assert_eq!(stored.channel, Channel::Phone);
    assert!(stored.entered_by.is_some());
    let page = coordinator.get_text(&to).await;
    assert!(page.contains("电话") && page.contains("周协调 代为登记"));
}

#[tokio::test]
async fn a_small_matter_is_assigned_accepted_resolved_and_rated_by_the_resident() {
    let app = TestApp::new().await;
    let Cast {
        coordinator,
        leader,
        org,
    } = cast(&app).await;
    let resident = app.browser();
    let code = submit(&resident).await;
    let id = by_code(&app, &code).await.id;
    let detail = format!("/requests/{id}");

    // Not yet assigned: the leader has no business with it.
    assert_eq!(leader.get(&detail).await.status(), 403);
    let response = coordinator
        .post(
            &format!("{detail}/classify"),
            &[
                ("class", "small"),
                ("reason", "社区和劝导队能协调解决"),
                ("organization_id", &org.to_string()),
            ],
        )
        .await;
    assert_eq!(response.status(), 303);
    let assigned = triage::requests::find(&app.db, id).await.unwrap();
    assert_eq!(assigned.class, Some(Class::Small));
    assert_eq!(assigned.status, Status::Triaged);
    assert_eq!(assigned.organization_id, Some(org));
    let due = assigned.due_at.unwrap();
    assert_eq!((due - assigned.created_at).num_days(), 7);

    // The leader of another organization sees nothing of it.
    app.add_account(PlatformRole::Volunteer, "乙队长", "13911110002")
        .await;
    app.add_org("南湖义诊队", "elderly", "南湖社区", "13911110002")
        .await;
    let other = app.browser();
    other.login("13911110002", PASSWORD).await;
    assert_eq!(other.get(&detail).await.status(), 403);
    assert!(!other.get_text("/requests").await.contains("消防通道"));
    assert_eq!(
        other.post(&format!("{detail}/accept"), &[]).await.status(),
        403
    );

    // The leader hands it back once, with a reason…
    let list = leader.get_text("/requests").await;
    assert!(list.contains(&detail));
    let empty_reason = leader
        .post(&format!("{detail}/hand-back"), &[("reason", " ")])
        .await;
    assert_eq!(empty_reason.status(), 422);
    let handed = leader
        .post(
            &format!("{detail}/hand-back"),
            &[("reason", "需要物业配合，不归我们")],
        )
        .await;
    assert_eq!(handed.status(), 303);
    let back = triage::requests::find(&app.db, id).await.unwrap();
    assert_eq!(back.status, Status::Received);
    assert_eq!(back.organization_id, None);
    assert_eq!(leader.get(&detail).await.status(), 403);

    // …the coordinator assigns it again, and this time it is taken on and solved.
    coordinator
        .post(
            &format!("{detail}/classify"),
            &[
                ("class", "small"),
                ("reason", "已和物业沟通好，由劝导队牵头"),
                ("organization_id", &org.to_string()),
            ],
        )
        .await;
    assert_eq!(
        leader.post(&format!("{detail}/accept"), &[]).await.status(),
        303
    );
    let noted = leader
        .post(
            &format!("{detail}/note"),
            &[("note", "晚上8点到10点安排两名队员劝导")],
        )
        .await;
    assert_eq!(noted.status(), 303);
    let resolved = leader
        .post(
            &format!("{detail}/resolve"),
            &[("note", "划了禁停线，连续两周劝导，通道已畅通")],
        )
        .await;
    assert_eq!(resolved.status(), 303);
    assert_eq!(
        triage::requests::find(&app.db, id).await.unwrap().status,
        Status::Resolved
    );

    // The resident sees the result and rates it; satisfied closes the request.
    let page = resident
        .get_text(&format!("/requests/track?code={code}"))
        .await;
    assert!(page.contains("划了禁停线") && page.contains("南湖文明停车劝导队"));
    assert!(page.contains("请评价办理结果"));
    let rated = resident
        .post(
            "/requests/track/rate",
            &[("code", &code), ("level", "satisfied"), ("comment", "谢谢")],
        )
        .await;
    assert_eq!(rated.status(), 303);
    assert_eq!(
        triage::requests::find(&app.db, id).await.unwrap().status,
        Status::Closed
    );
    let again = resident
        .post(
            "/requests/track/rate",
            &[("code", &code), ("level", "basic")],
        )
        .await;
    assert_eq!(again.status(), 422);
    assert!(again.text().await.unwrap().contains("已经评价过了"));
    assert_eq!(rating::Entity::find().count(&app.db).await.unwrap(), 1);

    assert_eq!(
        kinds(&app, id).await,
        [
            "submitted",
            "classified",
            "assigned",
            "handed_back",
            "reclassified",
            "assigned",
            "accepted",
            "progress",
            "resolved",
            "rated",
            "closed"
        ]
    );
    let timeline = coordinator.get_text(&detail).await;
    assert!(timeline.contains("需要物业配合，不归我们") && timeline.contains("甲队长"));
}

#[tokio::test]
async fn a_big_matter_is_referred_and_resolved_with_the_departments_answer() {
    let app = TestApp::new().await;
    let Cast {
        coordinator,
        leader,
        ..
    } = cast(&app).await;
    let code = submit(&app.browser()).await;
    let id = by_code(&app, &code).await.id;
    let detail = format!("/requests/{id}");

    let missing = coordinator
        .post(
            &format!("{detail}/classify"),
            &[
                ("class", "big"),
                ("reason", "需要交警执法"),
                ("referred_on", "2099-01-01"),
            ],
        )
        .await;
    assert_eq!(missing.status(), 422);
    let page = missing.text().await.unwrap();
    assert!(page.contains("需要交警执法"), "typed reason kept");
    assert!(page.contains("日期不能晚于今天"));
    assert_eq!(
        triage::requests::find(&app.db, id).await.unwrap().status,
        Status::Received
    );

    let referred = coordinator
        .post(
            &format!("{detail}/classify"),
            &[
                ("class", "big"),
                ("reason", "需要交警执法"),
                ("department", "区交警大队"),
                ("reference_no", "JJ-2026-118"),
            ],
        )
        .await;
    assert_eq!(referred.status(), 303);
    let stored = triage::requests::find(&app.db, id).await.unwrap();
    assert_eq!(stored.status, Status::InProgress);
    assert_eq!(stored.department, "区交警大队");
    assert_eq!(stored.referred_on, Some(weiyifang::views::today()));
    assert_eq!((stored.due_at.unwrap() - stored.created_at).num_days(), 15);

    // Only staff record the department's answer.
    assert_eq!(
        leader
            .post(&format!("{detail}/resolve"), &[("note", "x")])
            .await
            .status(),
        403
    );
    coordinator
        .post(
            &format!("{detail}/note"),
            &[("note", "电话催办，交警答复本周处理")],
        )
        .await;
    let answered = coordinator
        .post(
            &format!("{detail}/resolve"),
            &[("note", "交警大队已在通道口设置隔离桩并开展夜查")],
        )
        .await;
    assert_eq!(answered.status(), 303);
    let tracked = app
        .browser()
        .get_text(&format!("/requests/track?code={code}"))
        .await;
    assert!(tracked.contains("区交警大队") && tracked.contains("隔离桩"));
    assert_eq!(
        kinds(&app, id).await,
        [
            "submitted",
            "classified",
            "referred",
            "progress",
            "resolved"
        ]
    );
}

#[tokio::test]
async fn a_private_matter_gets_guidance_and_an_unsatisfied_resident_reopens_it_once() {
    let app = TestApp::new().await;
    let Cast { coordinator, .. } = cast(&app).await;
    let resident = app.browser();
    let code = submit(&resident).await;
    let id = by_code(&app, &code).await.id;
    let detail = format!("/requests/{id}");

    // Rating before anything is resolved is refused.
    let early = resident
        .post(
            "/requests/track/rate",
            &[("code", &code), ("level", "satisfied")],
        )
        .await;
    assert_eq!(early.status(), 422);
    assert!(early.text().await.unwrap().contains("办结后才能评价"));

    let guided = coordinator
        .post(
            &format!("{detail}/classify"),
            &[
                ("class", "private"),
                ("reason", "车位租赁属于业主之间的事"),
                ("guidance", "请找小区业主委员会调解，电话见公告栏"),
            ],
        )
        .await;
    assert_eq!(guided.status(), 303);
    let stored = triage::requests::find(&app.db, id).await.unwrap();
    assert_eq!(stored.status, Status::Resolved);
    assert_eq!((stored.due_at.unwrap() - stored.created_at).num_days(), 3);

    // Satisfied and "look again" do not go together; a reason is needed.
    let contradictory = resident
        .post(
            "/requests/track/rate",
            &[("code", &code), ("level", "satisfied"), ("reopen", "yes")],
        )
        .await;
    assert_eq!(contradictory.status(), 422);
    let reopened = resident
        .post(
            "/requests/track/rate",
            &[
                ("code", &code),
                ("level", "unsatisfied"),
                ("reopen", "yes"),
                ("reopen_reason", "业委会不管，车还是堵着"),
            ],
        )
        .await;
    assert_eq!(reopened.status(), 303);
    let stored = triage::requests::find(&app.db, id).await.unwrap();
    assert_eq!(stored.status, Status::Reopened);
    assert_eq!(stored.round, 1);
    assert!(stored.due_at.unwrap() > Utc::now() + Duration::days(2));

    // Triaged again, as a big matter this time, and resolved; the resident may rate again
    // but not reopen a second time.
    coordinator
        .post(
            &format!("{detail}/classify"),
            &[
                ("class", "big"),
                ("reason", "占用消防通道，需执法"),
                ("department", "区消防救援大队"),
            ],
        )
        .await;
    coordinator
        .post(
            &format!("{detail}/resolve"),
            &[("note", "消防大队已约谈车主")],
        )
        .await;
    let twice = resident
        .post(
            "/requests/track/rate",
            &[
                ("code", &code),
                ("level", "unsatisfied"),
                ("reopen", "yes"),
                ("reopen_reason", "还是堵"),
            ],
        )
        .await;
    assert_eq!(twice.status(), 422);
    assert!(twice.text().await.unwrap().contains("不能再申请"));
    let basic = resident
        .post(
            "/requests/track/rate",
            &[("code", &code), ("level", "basic")],
        )
        .await;
    assert_eq!(basic.status(), 303);
    assert_eq!(rating::Entity::find().count(&app.db).await.unwrap(), 2);
    assert_eq!(
        triage::requests::find(&app.db, id).await.unwrap().status,
        Status::Closed
    );
    let unknown = resident
        .post(
            "/requests/track/rate",
            &[("code", "ZZZZZZZZZZ"), ("level", "basic")],
        )
        .await;
    assert_eq!(unknown.status(), 404);
}

#[tokio::test]
async fn reclassification_and_deadlines_follow_the_settings_and_overdue_is_flagged() {
    let app = TestApp::with_settings(|s| {
        s.days_small_matter = 2;
        s.days_big_matter = 20;
    })
    .await;
    let Cast {
        coordinator, org, ..
    } = cast(&app).await;
    let code = submit(&app.browser()).await;
    let stored = by_code(&app, &code).await;
    // Submitted five days ago.
    let five_days_ago = Utc::now() - Duration::days(5);
    let mut active: request::ActiveModel = stored.clone().into();
    active.created_at = Set(five_days_ago);
    active.clock_from = Set(five_days_ago);
    active.update(&app.db).await.unwrap();
    let detail = format!("/requests/{}", stored.id);

    coordinator
        .post(
            &format!("{detail}/classify"),
            &[
                ("class", "small"),
                ("reason", "先由劝导队处理"),
                ("organization_id", &org.to_string()),
            ],
        )
        .await;
    let small = triage::requests::find(&app.db, stored.id).await.unwrap();
    // (PostgreSQL keeps microseconds: compare with what was stored.)
    assert!((small.clock_from - five_days_ago).num_milliseconds().abs() < 1);
    assert_eq!(small.due_at, Some(small.clock_from + Duration::days(2)));
    assert!(small.is_overdue(Utc::now()));
    let overdue = coordinator.get_text("/requests?overdue=yes").await;
    assert!(overdue.contains(&detail) && overdue.contains("已超期"));
    assert!(overdue.contains("1 件超期"));
    assert!(
        app.browser()
            .get_text("/requests/board")
            .await
            .contains("已超期")
    );

    coordinator
        .post(
            &format!("{detail}/classify"),
            &[
                ("class", "big"),
                ("reason", "劝导无效，需要执法"),
                ("department", "区交警大队"),
            ],
        )
        .await;
    let big = triage::requests::find(&app.db, stored.id).await.unwrap();
    assert_eq!(big.class, Some(Class::Big));
    assert_eq!(big.organization_id, None, "the organization is let go");
    assert!(!big.is_overdue(Utc::now()));
    assert!(
        !coordinator
            .get_text("/requests?overdue=yes")
            .await
            .contains(&detail)
    );
    assert!(
        coordinator
            .get_text("/requests?class=big")
            .await
            .contains(&detail)
    );
    assert!(
        !coordinator
            .get_text("/requests?class=small")
            .await
            .contains(&detail)
    );

    let updates = request_update::Entity::find().all(&app.db).await.unwrap();
    let classes: Vec<_> = updates.iter().filter_map(|u| u.class).collect();
    assert_eq!(classes, [Class::Small, Class::Big]);
    let page = coordinator.get_text(&detail).await;
    assert!(page.contains("分流为小事") && page.contains("重新分流为大事"));
    assert!(page.contains("劝导无效，需要执法"));
}

/// A market day on today, with one clinic stall; returns the stall.
pub(crate) async fn stall_today(app: &TestApp, org: Uuid) -> Uuid {
    let staff = app.staff_actor();
    let start = Utc::now() - Duration::minutes(30);
    let market = app
        .add_market(
            "南湖社区公益集市",
            start,
            start + Duration::hours(2),
            event::EventStatus::Published,
        )
        .await;
    event::stalls::add_stall(
        &app.db,
        &staff,
        market.id,
        &org.to_string(),
        "clinic",
        "义诊",
    )
    .await
    .unwrap()
    .id
}
