//! The black-box probe's findings, each with a test that fails without its fix: formulas in
//! CSV exports, paging past any end, bytes that are not UTF-8, a bare CR in the calendar
//! feed, a calendar address from the request's Host, a `next` with a line break, and drafts
//! seen or changed by another organization's leader, and a registration that would tell
//! whether a phone has an account.

use chrono::{Duration, Utc};
use member::PlatformRole;
use member::memberships::NewMember;
use uuid::Uuid;

use crate::helpers::{PASSWORD, TestApp};
use crate::markets::market_with_shift;

#[tokio::test]
async fn every_csv_export_neutralises_formulas_and_keeps_numbers() {
    let app = TestApp::new().await;
    let staff = app.staff_actor();
    let org = app
        .add_org("南湖爱心理发队", "elderly", "南湖社区", "")
        .await;
    member::memberships::add_member(
        &app.db,
        &staff,
        org,
        &NewMember {
            name: "=HYPERLINK(\"http://evil.example\")".into(),
            phone: "13912345678".into(),
            role: "member".into(),
            skills: String::new(),
        },
        weiyifang::views::today(),
    )
    .await
    .unwrap();
    let project = project::projects::create(
        &app.db,
        &staff,
        org,
        &project::projects::ProjectInput {
            title: "情系暮年".into(),
            theme: "elderly".into(),
            starts_on: "2026-01-01".into(),
            community: "南湖社区".into(),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let entry = project::ledger::record(
        &app.db,
        &staff,
        project.id,
        &project::ledger::EntryInput {
            source: "donation".into(),
            amount: "100".into(),
            received_on: weiyifang::views::today().format("%Y-%m-%d").to_string(),
            contributor: "=1+2".into(),
            contributor_count: String::new(),
            note: "@SUM(A1)".into(),
        },
        weiyifang::views::today(),
    )
    .await
    .unwrap();
    project::ledger::reverse(
        &app.db,
        &staff,
        project.id,
        entry.id,
        "-录错了",
        weiyifang::views::today(),
    )
    .await
    .unwrap();
    let coordinator = app
        .signed_in(PlatformRole::Coordinator, "周协调", "13600000001")
        .await;

    let roster = coordinator
        .get_text(&format!("/orgs/{org}/members.csv"))
        .await;
    assert!(roster.contains("'=HYPERLINK"), "{roster}");
    for path in [
        format!("/projects/{}/ledger.csv", project.id),
        "/funding/export.csv".to_owned(),
    ] {
        let ledger = coordinator.get_text(&path).await;
        assert!(
            ledger.contains("'=1+2") && ledger.contains("'@SUM(A1)"),
            "{path}: {ledger}"
        );
        assert!(
            ledger.contains("'-录错了"),
            "{path}: a reason that starts with -"
        );
        assert!(
            ledger.contains(",-100.00,"),
            "{path}: a true negative stays a number"
        );
        assert!(!ledger.contains(",=1+2"), "{path}");
    }

    // The monthly report: an organization named like a formula runs a stall on a day held.
    let formula_org = app.add_org("+1+1队", "elderly", "南湖社区", "").await;
    let held = app
        .add_market(
            "@集市",
            Utc::now() - Duration::hours(3),
            Utc::now() - Duration::hours(1),
            event::EventStatus::Published,
        )
        .await;
    {
        use sea_orm::{ActiveModelTrait, Set};
        event::entities::stall::ActiveModel {
            id: Set(Uuid::now_v7()),
            event_id: Set(held.id),
            organization_id: Set(formula_org),
            service: Set(event::stalls::Service::Haircut),
            description: Set(String::new()),
            created_at: Set(Utc::now()),
        }
        .insert(&app.db)
        .await
        .unwrap();
    }
    let month = held
        .starts_at
        .with_timezone(&event::schedule::shanghai())
        .format("%Y-%m");
    let report = coordinator
        .get_text(&format!("/reports/monthly.csv?month={month}"))
        .await;
    assert!(
        report.contains("'@集市") && report.contains("'+1+1队"),
        "{report}"
    );
}

#[tokio::test]
async fn paging_past_any_end_is_never_a_server_error() {
    let app = TestApp::new().await;
    let org = app
        .add_org("南湖爱心理发队", "elderly", "南湖社区", "")
        .await;
    let coordinator = app
        .signed_in(PlatformRole::Coordinator, "周协调", "13600000001")
        .await;
    let token = app.api_token("13600000001", PASSWORD).await;
    for huge in ["9223372036854775807", "18446744073709551615", "0"] {
        for path in [
            "/orgs",
            "/projects",
            "/requests/board",
            "/requests",
            "/admin/accounts",
            "/admin/audit",
            "/admin/markets",
            &format!("/orgs/{org}/members"),
        ] {
            let response = coordinator.get(&format!("{path}?page={huge}")).await;
            assert!(
                response.status() == 200,
                "{path}?page={huge}: {}",
                response.status()
            );
        }
        for path in [
            "/api/v1/organizations",
            "/api/v1/projects",
            "/api/v1/requests",
            "/api/v1/audit-log",
        ] {
            let response = app
                .client
                .get(app.url(&format!("{path}?page={huge}")))
                .bearer_auth(&token)
                .send()
                .await
                .unwrap();
            assert!(
                response.status().is_success() || response.status() == 400,
                "{path}?page={huge}: {}",
                response.status()
            );
        }
    }
}

#[tokio::test]
async fn a_form_post_that_is_not_utf8_is_refused_and_nothing_is_stored() {
    let app = TestApp::new().await;
    let response = app
        .client
        .post(app.url("/requests/new"))
        .header("origin", app.url("").trim_end_matches('/'))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(b"category=environment&description=%FF%FE%E5%9E%83&community=x&place=y".to_vec())
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 400);
    use sea_orm::{EntityTrait, PaginatorTrait};
    assert_eq!(
        triage::entities::request::Entity::find()
            .count(&app.db)
            .await
            .unwrap(),
        0
    );
}

#[tokio::test]
async fn a_carriage_return_in_a_title_is_escaped_in_the_calendar_feed() {
    let app = TestApp::with_settings(|s| s.public_url = "https://wyf.example.cn".into()).await;
    let (market, _) = market_with_shift(&app, 1).await;
    {
        use sea_orm::{ActiveModelTrait, Set};
        let found = event::schedule::find(&app.db, market).await.unwrap();
        let mut active: event::entities::event::ActiveModel = found.into();
        active.title = Set("集市\rBEGIN:VEVENT".into());
        active.update(&app.db).await.unwrap();
    }
    let feed = app.browser().get_text("/markets.ics").await;
    assert!(!feed.contains("\rBEGIN:VEVENT\r\n"), "no line of its own");
    assert_eq!(
        feed.matches("BEGIN:VEVENT").count(),
        2,
        "one real event, one in text"
    );
    for line in feed.split("\r\n") {
        assert!(!line.contains('\r') && !line.contains('\n'), "{line:?}");
    }
    // The personal feed's address is the configured public one, whatever Host says.
    let volunteer = app
        .signed_in(PlatformRole::Volunteer, "李阿姨", "13912345678")
        .await;
    let response = volunteer
        .client
        .get(volunteer.url("/me/calendar"))
        .header("host", "evil.example")
        .send()
        .await
        .unwrap();
    let page = response.text().await.unwrap();
    assert!(page.contains("https://wyf.example.cn/calendar/"));
    assert!(!page.contains("evil.example"));
}

#[tokio::test]
async fn a_line_break_in_next_after_login_is_no_server_error() {
    let app = TestApp::new().await;
    app.add_account(PlatformRole::Volunteer, "李阿姨", "13912345678")
        .await;
    for next in ["/me\r\nSet-Cookie: x=1", "/me\nx", "/\t/evil.example"] {
        let response = app
            .browser()
            .post(
                "/login",
                &[
                    ("phone", "13912345678"),
                    ("password", PASSWORD),
                    ("next", next),
                ],
            )
            .await;
        assert_eq!(response.status(), 303, "{next:?}");
        assert_eq!(crate::helpers::location(&response), "/me", "{next:?}");
    }
}

#[tokio::test]
async fn another_organizations_leader_neither_sees_nor_changes_a_draft_activity() {
    let app = TestApp::new().await;
    app.add_account(PlatformRole::Volunteer, "甲队长", "13911110001")
        .await;
    let a = app
        .add_org("甲队", "safety", "南湖社区", "13911110001")
        .await;
    app.add_account(PlatformRole::Volunteer, "乙队长", "13911110002")
        .await;
    let b = app
        .add_org("乙队", "safety", "南湖社区", "13911110002")
        .await;
    let leader_a = app.browser();
    leader_a.login("13911110001", PASSWORD).await;
    let day = (Utc::now() + Duration::days(5))
        .with_timezone(&event::schedule::shanghai())
        .format("%Y-%m-%d")
        .to_string();
    let response = leader_a
        .post(
            &format!("/orgs/{a}/activities/new"),
            &[
                ("title", "夜间巡逻"),
                ("date", &day),
                ("starts", "19:00"),
                ("ends", "21:00"),
                ("place", "南湖社区"),
            ],
        )
        .await;
    let activity = crate::helpers::location(&response);
    let leader_b = app.browser();
    leader_b.login("13911110002", PASSWORD).await;
    assert_eq!(leader_b.get(&activity).await.status(), 404);
    let response = leader_b
        .post(
            &format!("{activity}/stalls"),
            &[("organization_id", &b.to_string()), ("service", "other")],
        )
        .await;
    assert_eq!(response.status(), 403);
    let id: Uuid = activity.trim_start_matches("/markets/").parse().unwrap();
    assert!(
        event::stalls::stalls_of(&app.db, id)
            .await
            .unwrap()
            .is_empty(),
        "no stall was added"
    );
    // Page and API agree: the draft is not there for b.
    let token = app.api_token("13911110002", PASSWORD).await;
    let response = app
        .client
        .get(app.url(&format!("/api/v1/markets/{id}")))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 404);
}

/// A browser whose requests come from `address` (the app trusts the proxy header here).
pub(crate) fn from_address(app: &TestApp, address: &str) -> reqwest::Client {
    let mut headers = reqwest::header::HeaderMap::new();
    headers.insert("x-forwarded-for", address.parse().unwrap());
    headers.insert("origin", app.url("").trim_end_matches('/').parse().unwrap());
    crate::helpers::client_builder()
        .redirect(reqwest::redirect::Policy::none())
        .default_headers(headers)
        .build()
        .unwrap()
}

#[tokio::test]
async fn failures_from_one_address_do_not_lock_the_owner_out_from_hers() {
    let app = TestApp::with_settings(|s| s.trust_proxy_headers = true).await;
    app.add_account(PlatformRole::Coordinator, "周协调", "13600000001")
        .await;
    let login = |client: reqwest::Client, password: &'static str| {
        let url = app.url("/login");
        async move {
            client
                .post(url)
                .form(&[("phone", "13600000001"), ("password", password)])
                .send()
                .await
                .unwrap()
        }
    };
    let attacker = from_address(&app, "203.0.113.7");
    for _ in 0..5 {
        assert_eq!(login(attacker.clone(), "guess-guess").await.status(), 401);
    }
    let locked = login(attacker.clone(), PASSWORD).await;
    assert_eq!(locked.status(), 429, "the guessing address waits");
    assert!(locked.headers().contains_key("retry-after"));
    // She, at the office, logs in at once.
    let office = from_address(&app, "198.51.100.20");
    assert_eq!(login(office, PASSWORD).await.status(), 303);
}

#[tokio::test]
async fn self_registration_is_throttled_per_address() {
    let app = TestApp::with_settings(|s| s.trust_proxy_headers = true).await;
    let bot = from_address(&app, "203.0.113.9");
    let register = |n: usize| {
        let client = bot.clone();
        let url = app.url("/register");
        async move {
            client
                .post(url)
                .form(&[
                    ("name", "机器人"),
                    ("phone", &format!("1391111{n:04}")),
                    ("birth_date", "1980-01-01"),
                    ("password", PASSWORD),
                    ("password_confirm", PASSWORD),
                    ("consent", "yes"),
                ])
                .send()
                .await
                .unwrap()
        }
    };
    for n in 0..10 {
        assert_eq!(register(n).await.status(), 303, "{n}");
    }
    let refused = register(10).await;
    assert_eq!(refused.status(), 429);
    assert!(refused.headers().contains_key("retry-after"));
    assert!(refused.text().await.unwrap().contains("注册的次数太多"));
    use sea_orm::{EntityTrait, PaginatorTrait};
    assert_eq!(
        member::entities::account::Entity::find()
            .count(&app.db)
            .await
            .unwrap(),
        10
    );
    // Someone else, elsewhere, registers as usual.
    let neighbour = from_address(&app, "198.51.100.30");
    let response = neighbour
        .post(app.url("/register"))
        .form(&[
            ("name", "林小梅"),
            ("phone", "13911112222"),
            ("birth_date", "1956-03-08"),
            ("password", PASSWORD),
            ("password_confirm", PASSWORD),
            ("consent", "yes"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 303);
}
