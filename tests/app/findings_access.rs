//! Security findings about who learns what: registration that gives nothing away, dates set the same way everywhere, no contact details in public, invitations through the API.

use chrono::{Duration, Utc};
use member::PlatformRole;

use crate::helpers::{PASSWORD, TestApp};
use crate::markets::market_with_shift;

#[tokio::test]
async fn registration_answers_the_same_whether_or_not_the_phone_has_an_account() {
    let app = TestApp::new().await;
    app.add_account(PlatformRole::Coordinator, "周协调", "13600000001")
        .await;
    // The status, the headers and the page that follows, with the phone typed left out.
    let answer = |phone: &'static str| {
        let browser = app.browser();
        async move {
            let form = [
                ("name", "试探者"),
                ("phone", phone),
                ("birth_date", "1980-01-01"),
                ("password", "someone else's passphrase"),
                ("password_confirm", "someone else's passphrase"),
                ("consent", "yes"),
            ];
            let response = browser.post("/register", &form).await;
            let status = response.status();
            let to = crate::helpers::location(&response).replace(phone, "PHONE");
            let mut cookies: Vec<String> = response
                .headers()
                .get_all("set-cookie")
                .iter()
                .map(|v| v.to_str().unwrap().split(';').next().unwrap().to_owned())
                .collect();
            cookies.sort();
            let page = browser
                .get_text(&format!("/login?phone={phone}"))
                .await
                .replace(phone, "PHONE");
            (status, to, cookies, page)
        }
    };
    let known = answer("13600000001").await;
    let new = answer("13600000002").await;
    assert_eq!(known, new);
    assert_eq!(known.0, 303);
    assert!(
        known.2.iter().all(|c| !c.starts_with("wyf_session")),
        "{:?}",
        known.2
    );

    // The known account is untouched: her password still works, the prober's does not.
    assert_eq!(
        app.browser().login("13600000001", PASSWORD).await.status(),
        303
    );
    assert_eq!(
        app.browser()
            .login("13600000001", "someone else's passphrase")
            .await
            .status(),
        401
    );
    assert_eq!(app.audit_entries("account.register_again").await.len(), 1);

    // The API answers alike too.
    let api = |phone: &'static str| {
        let request = app
            .client
            .post(app.url("/api/v1/accounts"))
            .json(&serde_json::json!({
                "name": "试探者", "phone": phone, "birth_date": "1980-01-01",
                "password": "someone else's passphrase", "consent": true,
                "privacy_notice_version": member::PRIVACY_NOTICE_VERSION,
            }));
        async move {
            let response = request.send().await.unwrap();
            (response.status(), response.text().await.unwrap())
        }
    };
    let known = api("13600000001").await;
    assert_eq!(known, api("13600000003").await);
    assert_eq!(known.0, 202);
}

#[tokio::test]
async fn dates_and_times_follow_the_same_rules_wherever_they_are_set() {
    let app = TestApp::new().await;
    app.add_account(PlatformRole::Volunteer, "王队长", "13911110001")
        .await;
    let org = app
        .add_org("南湖平安巡逻队", "safety", "南湖社区", "13911110001")
        .await;
    let leader = app.browser();
    leader.login("13911110001", PASSWORD).await;
    // Projects in year 1 or 9999 are typing slips.
    for starts_on in ["0001-01-01", "9999-12-31"] {
        let response = leader
            .post(
                "/projects/new",
                &[
                    ("organization_id", &org.to_string()),
                    ("title", "治安巡逻"),
                    ("theme", "safety"),
                    ("community", "南湖社区"),
                    ("starts_on", starts_on),
                ],
            )
            .await;
        assert_eq!(response.status(), 422, "{starts_on}");
    }
    // An activity on 9999-12-31.
    let response = leader
        .post(
            &format!("/orgs/{org}/activities/new"),
            &[
                ("title", "夜间巡逻"),
                ("date", "9999-12-31"),
                ("starts", "19:00"),
                ("ends", "21:00"),
                ("place", "南湖社区"),
            ],
        )
        .await;
    assert_eq!(response.status(), 422);
    // A birth date that registration would refuse (six years old) on /me/edit.
    let six = (weiyifang::views::today() - Duration::days(6 * 366))
        .format("%Y-%m-%d")
        .to_string();
    let response = leader
        .post(
            "/me/edit",
            &[
                ("name", "王队长"),
                ("phone", "13911110001"),
                ("birth_date", &six),
            ],
        )
        .await;
    assert_eq!(response.status(), 422);
    // A 00:00–23:59 shift on a 09:00–11:30 market day; and the day's hours cannot shrink
    // past its shifts.
    let (market, shift) = market_with_shift(&app, 2).await;
    let stall = event::stalls::find_shift(&app.db, shift)
        .await
        .unwrap()
        .stall_id;
    let coordinator = app
        .signed_in(PlatformRole::Coordinator, "周协调", "13600000001")
        .await;
    let response = coordinator
        .post(
            &format!("/stalls/{stall}/shifts"),
            &[("starts", "00:00"), ("ends", "23:59"), ("capacity", "3")],
        )
        .await;
    assert_eq!(response.status(), 422);
    assert!(
        response
            .text()
            .await
            .unwrap()
            .contains("时段必须在这一天的活动时间之内")
    );
    let found = event::schedule::find(&app.db, market).await.unwrap();
    let day = found
        .starts_at
        .with_timezone(&event::schedule::shanghai())
        .format("%Y-%m-%d")
        .to_string();
    let response = coordinator
        .post(
            &format!("/markets/{market}/edit"),
            &[
                ("title", "南湖社区公益集市"),
                ("date", &day),
                ("starts", "10:00"),
                ("ends", "11:30"),
                ("place", "南湖社区广场"),
            ],
        )
        .await;
    assert_eq!(response.status(), 422);
    assert!(
        response
            .text()
            .await
            .unwrap()
            .contains("放不下已有的值班时段")
    );
}

#[tokio::test]
async fn the_public_board_carries_no_contact_details_and_tracking_no_internal_notes() {
    let app = TestApp::new().await;
    let coordinator_id = app
        .add_account(PlatformRole::Coordinator, "周协调", "13600000001")
        .await;
    let staff = member::Actor {
        person_id: coordinator_id,
        ..app.staff_actor()
    };
    let org = app
        .add_org("南湖环保队", "environment", "南湖社区", "")
        .await;
    let policy = triage::Policy::default();
    let submit = |community: &'static str| triage::requests::RequestInput {
        category: "environment".into(),
        description: "垃圾桶满了，联系我 13912345678".into(),
        community: community.into(),
        place: "7栋东侧".into(),
        ..Default::default()
    };
    let leaky = triage::requests::submit_public(
        &app.db,
        &policy,
        &submit("张三 13912345678 幸福里5栋301"),
        "203.0.113.1",
        Utc::now(),
    )
    .await
    .unwrap();
    let plain = triage::requests::submit_public(
        &app.db,
        &policy,
        &submit("南湖社区"),
        "203.0.113.2",
        Utc::now(),
    )
    .await
    .unwrap();
    triage::handling::classify(
        &app.db,
        &staff,
        &policy,
        plain.id,
        &triage::handling::ClassifyInput {
            class: "small".into(),
            reason: "内部：交给环保队".into(),
            organization_id: org.to_string(),
            ..Default::default()
        },
        Utc::now(),
        weiyifang::views::today(),
    )
    .await
    .unwrap();
    triage::handling::accept(&app.db, &staff, plain.id, Utc::now())
        .await
        .unwrap();
    triage::handling::add_note(
        &app.db,
        &staff,
        plain.id,
        "队长手机 13800001111，周六去",
        Utc::now(),
    )
    .await
    .unwrap();
    triage::handling::publish_summary(
        &app.db,
        &staff,
        plain.id,
        "已安排清运，有事打 13912345678",
        Utc::now(),
    )
    .await
    .unwrap();
    let board = app.browser().get_text("/requests/board").await;
    assert!(
        !board.contains("13912345678") && !board.contains("张三"),
        "{board}"
    );
    assert!(board.contains("其他社区") && board.contains("南湖社区"));
    assert!(board.contains("已安排清运，有事打 ***"));
    let _ = leaky;

    // The resident's tracking page and API show what was done, not the handlers' notes.
    let page = app
        .browser()
        .get_text(&format!("/requests/track?code={}", plain.tracking_code))
        .await;
    assert!(
        !page.contains("13800001111") && !page.contains("内部：交给环保队"),
        "{page}"
    );
    let json = app
        .client
        .get(app.url(&format!(
            "/api/v1/requests/track?code={}",
            plain.tracking_code
        )))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        !json.contains("13800001111") && !json.contains("内部：交给环保队"),
        "{json}"
    );
    // Staff still read them.
    let coordinator = app.browser();
    coordinator.login("13600000001", PASSWORD).await;
    let staff_page = coordinator
        .get_text(&format!("/requests/{}", plain.id))
        .await;
    assert!(staff_page.contains("13800001111"));
}

#[tokio::test]
async fn through_the_api_too_someone_with_an_account_is_invited_not_enrolled() {
    let app = TestApp::new().await;
    app.add_account(PlatformRole::Volunteer, "王队长", "13911110001")
        .await;
    let org = app
        .add_org("南湖平安巡逻队", "safety", "南湖社区", "13911110001")
        .await;
    app.add_account(PlatformRole::Volunteer, "李阿姨", "13912345678")
        .await;
    app.add_account(PlatformRole::Coordinator, "周协调", "13600000001")
        .await;
    let leader = app.api_token("13911110001", PASSWORD).await;
    let add = |phone: &'static str| {
        let request = app
            .client
            .post(app.url(&format!("/api/v1/organizations/{org}/members")))
            .bearer_auth(&leader)
            .json(&serde_json::json!({"phone": phone, "role": "member"}));
        async move { request.send().await.unwrap() }
    };
    let response = add("13912345678").await;
    assert_eq!(response.status(), 202);
    let body = response.text().await.unwrap();
    assert!(
        body.contains("139****5678") && !body.contains("李阿姨"),
        "{body}"
    );
    assert_eq!(add("13912345678").await.status(), 422, "invited already");
    assert_eq!(add("13600000001").await.status(), 422, "a staff account");

    let li = app.api_token("13912345678", PASSWORD).await;
    let mine: serde_json::Value = app
        .client
        .get(app.url("/api/v1/me/invitations"))
        .bearer_auth(&li)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(mine[0]["organization"], "南湖平安巡逻队");
    let id = mine[0]["id"].as_str().unwrap().to_owned();
    // Nobody else can answer for her.
    let response = app
        .client
        .post(app.url(&format!("/api/v1/me/invitations/{id}")))
        .bearer_auth(&leader)
        .json(&serde_json::json!({"accept": true}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 404);
    let response = app
        .client
        .post(app.url(&format!("/api/v1/me/invitations/{id}")))
        .bearer_auth(&li)
        .json(&serde_json::json!({"accept": true}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 204);
    use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
    assert_eq!(
        member::entities::membership::Entity::find()
            .filter(member::entities::membership::Column::OrganizationId.eq(org))
            .count(&app.db)
            .await
            .unwrap(),
        2
    );
}
