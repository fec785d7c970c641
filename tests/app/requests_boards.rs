//! What the public and the dashboard see of residents' requests, stall ratings, and the API taking every step.

use chrono::{Duration, Utc};
use member::PlatformRole;
use sea_orm::{EntityTrait, PaginatorTrait};
use triage::entities::{rating, request};

use crate::helpers::{PASSWORD, TestApp};

use crate::requests::{Cast, by_code, cast, stall_today, submit};

#[tokio::test]
async fn the_public_board_and_tracking_pages_never_show_personal_data() {
    let app = TestApp::new().await;
    let Cast { coordinator, .. } = cast(&app).await;
    let code = submit(&app.browser()).await;
    let id = by_code(&app, &code).await.id;
    coordinator
        .post(
            &format!("/requests/{id}/classify"),
            &[
                ("class", "big"),
                ("reason", "需要交警执法"),
                ("department", "区交警大队"),
            ],
        )
        .await;

    let board = app.browser().get_text("/requests/board").await;
    assert!(board.contains("停车") && board.contains("南湖社区"));
    assert!(board.contains("大事") && board.contains("区交警大队"));
    for private in [
        "张阿姨",
        "13912345678",
        "139****5678",
        "3栋2单元",
        "消防通道",
        &code,
    ] {
        assert!(!board.contains(private), "{private} on the public board");
    }
    // No mobile number anywhere public, whole or in a page's text.
    for path in [
        "/requests/board",
        &format!("/requests/track?code={code}"),
        "/",
    ] {
        let page = app.browser().get_text(path).await;
        let digits: Vec<char> = page.chars().collect();
        let whole_number = digits.windows(11).any(|w| {
            w[0] == '1' && ('3'..='9').contains(&w[1]) && w.iter().all(char::is_ascii_digit)
        });
        assert!(!whole_number, "a mobile number on {path}");
    }

    // A cleaned summary is what the coordinator chooses to publish.
    coordinator
        .post(
            &format!("/requests/{id}/summary"),
            &[("summary", "小区消防通道被占，已转交警处理")],
        )
        .await;
    let board = app.browser().get_text("/requests/board").await;
    assert!(board.contains("小区消防通道被占，已转交警处理"));

    // The whole number is shown only on request, and the reveal is logged.
    let detail = coordinator.get_text(&format!("/requests/{id}")).await;
    assert!(detail.contains("139****5678") && !detail.contains("13912345678"));
    let revealed = coordinator
        .post(&format!("/requests/{id}/phone"), &[])
        .await;
    assert_eq!(revealed.status(), 200);
    assert!(revealed.text().await.unwrap().contains("13912345678"));
    assert_eq!(app.audit_entries("request.contact_reveal").await.len(), 1);
    let volunteer = app
        .signed_in(PlatformRole::Volunteer, "路人", "13700000009")
        .await;
    assert_eq!(
        volunteer
            .post(&format!("/requests/{id}/phone"), &[])
            .await
            .status(),
        403
    );
    assert_eq!(volunteer.get("/requests").await.status(), 403);
}

#[tokio::test]
async fn a_stall_is_rated_once_per_phone_on_its_market_day() {
    let app = TestApp::new().await;
    let Cast { leader, org, .. } = cast(&app).await;
    let stall = stall_today(&app, org).await;
    let path = format!("/stalls/{stall}/rate");

    let resident = app.browser();
    let page = resident.get_text(&path).await;
    assert!(page.contains("义诊") && page.contains("南湖文明停车劝导队"));
    let no_choice = resident.post(&path, &[("level", "")]).await;
    assert_eq!(no_choice.status(), 422);
    assert_eq!(
        resident
            .post(&path, &[("level", "satisfied"), ("comment", "医生很耐心")])
            .await
            .status(),
        303
    );
    assert!(
        resident
            .get_text(&path)
            .await
            .contains("已经评价过这个摊位")
    );
    let second = resident.post(&path, &[("level", "unsatisfied")]).await;
    assert_eq!(second.status(), 422);
    // Another phone rates once too.
    let neighbour = app.browser();
    neighbour.get(&path).await;
    assert_eq!(
        neighbour.post(&path, &[("level", "basic")]).await.status(),
        303
    );
    let stored = rating::Entity::find().all(&app.db).await.unwrap();
    assert_eq!(stored.len(), 2);
    assert!(stored.iter().all(|r| r.organization_id == Some(org)));

    // The leader prints the stall's rating code.
    let poster = leader.get_text(&format!("/stalls/{stall}/rating-qr")).await;
    assert!(poster.contains("<svg") && poster.contains(&path));
    let stranger = app
        .signed_in(PlatformRole::Volunteer, "路人", "13700000009")
        .await;
    assert_eq!(
        stranger
            .get(&format!("/stalls/{stall}/rating-qr"))
            .await
            .status(),
        403
    );

    // A market day a month away cannot be rated yet.
    let later = app
        .add_market(
            "下月集市",
            Utc::now() + Duration::days(30),
            Utc::now() + Duration::days(30) + Duration::hours(2),
            event::EventStatus::Published,
        )
        .await;
    let future_stall = event::stalls::add_stall(
        &app.db,
        &app.staff_actor(),
        later.id,
        &org.to_string(),
        "haircut",
        "",
    )
    .await
    .unwrap()
    .id;
    let early = app.browser();
    let future_path = format!("/stalls/{future_stall}/rate");
    assert!(
        early
            .get_text(&future_path)
            .await
            .contains("不在评价时间内")
    );
    assert_eq!(
        early
            .post(&future_path, &[("level", "basic")])
            .await
            .status(),
        422
    );
    assert_eq!(rating::Entity::find().count(&app.db).await.unwrap(), 2);
}

#[tokio::test]
async fn the_satisfaction_rate_on_the_dashboard_and_in_the_report_is_the_counts() {
    let app = TestApp::new().await;
    let Cast {
        coordinator, org, ..
    } = cast(&app).await;
    let stall = stall_today(&app, org).await;
    let path = format!("/stalls/{stall}/rate");
    // Stall ratings: 2 satisfied, 1 basic, 1 unsatisfied.
    for level in ["satisfied", "satisfied", "basic", "unsatisfied"] {
        let phone = app.browser();
        phone.get(&path).await;
        assert_eq!(phone.post(&path, &[("level", level)]).await.status(), 303);
    }
    // Request ratings: 1 private matter unsatisfied, 1 big matter satisfied.
    for (class, level) in [("private", "unsatisfied"), ("big", "satisfied")] {
        let resident = app.browser();
        let code = submit(&resident).await;
        let id = by_code(&app, &code).await.id;
        coordinator
            .post(
                &format!("/requests/{id}/classify"),
                &[
                    ("class", class),
                    ("reason", "理由"),
                    ("department", "区城管局"),
                    ("guidance", "请找业委会"),
                ],
            )
            .await;
        if class == "big" {
            coordinator
                .post(&format!("/requests/{id}/resolve"), &[("note", "已处理")])
                .await;
        }
        let rated = resident
            .post("/requests/track/rate", &[("code", &code), ("level", level)])
            .await;
        assert_eq!(rated.status(), 303);
    }

    // 4 of 6 satisfied or basically satisfied: 66.7 %, below the 80 % target.
    let found = triage::ratings::satisfaction(&app.db, None, None, None)
        .await
        .unwrap();
    assert_eq!(
        (found.all.satisfied, found.all.basic, found.all.unsatisfied),
        (3, 1, 2)
    );
    assert_eq!(found.all.rate_permille(), Some(667));
    assert_eq!(found.stalls.rate_permille(), Some(750));
    assert_eq!(found.requests.rate_permille(), Some(500));
    let dashboard = coordinator.get_text("/dashboard").await;
    assert!(dashboard.contains("满意率 66.7%"));
    assert!(dashboard.contains("未达目标") && dashboard.contains("80% 及以上"));
    assert!(dashboard.contains("满意 3 · 基本满意 1 · 不满意 2 · 共 6 条评价"));
    assert!(dashboard.contains("义诊") && dashboard.contains("私事"));

    let api: serde_json::Value = coordinator
        .get("/api/v1/satisfaction")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(api["all"]["total"], 6);
    assert_eq!(api["all"]["rate_permille"], 667);
    assert_eq!(api["all"]["meets_target"], false);
    assert_eq!(api["by_class"]["private"]["unsatisfied"], 1);

    // The monthly report upward carries the same rate and counts.
    let month = weiyifang::views::today().format("%Y-%m").to_string();
    let response = coordinator
        .get(&format!("/reports/monthly.xlsx?month={month}"))
        .await;
    assert_eq!(response.status(), 200);
    let bytes = response.bytes().await.unwrap();
    let mut workbook: calamine::Xlsx<_> =
        calamine::open_workbook_from_rs(std::io::Cursor::new(bytes.to_vec())).unwrap();
    use calamine::Reader;
    let summary = workbook.worksheet_range("汇总").unwrap();
    let rate_row = summary
        .rows()
        .find(|row| row[0] == "居民满意率")
        .expect("the rate in the summary");
    // A number cell in a percent format: 4 of 6 is 0.667 (shown as 66.7%).
    assert!(matches!(rate_row[1], calamine::Data::Float(r) if (r - 0.667).abs() < 1e-9));
    let sheet = workbook.worksheet_range("居民满意度").unwrap();
    let all = sheet.rows().nth(2).unwrap();
    let cells: Vec<String> = all.iter().map(|c| c.to_string()).collect();
    assert_eq!(cells, ["全部评价", "3", "1", "2", "6", "0.667"]);
}

#[tokio::test]
async fn the_api_submits_tracks_rates_and_triages() {
    let app = TestApp::new().await;
    let Cast { org, .. } = cast(&app).await;
    let created = app
        .client
        .post(app.url("/api/v1/requests"))
        .json(&serde_json::json!({
            "category": "environment",
            "description": "垃圾分类点的桶满了没人清运",
            "community": "南湖社区",
            "contact_phone": "13912345678",
            "may_contact": true
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(created.status(), 201);
    let body: serde_json::Value = created.json().await.unwrap();
    let code = body["tracking_code"].as_str().unwrap().to_owned();
    assert_eq!(body["status"], "received");
    assert!(!body.to_string().contains("13912345678"));

    let bad = app
        .client
        .post(app.url("/api/v1/requests"))
        .json(&serde_json::json!({ "category": "weather", "description": "", "community": "" }))
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), 422);
    let error: serde_json::Value = bad.json().await.unwrap();
    assert_eq!(error["error"]["code"], "invalid_input");
    assert_eq!(request::Entity::find().count(&app.db).await.unwrap(), 1);

    let anonymous = app.get("/api/v1/requests").await;
    assert_eq!(anonymous.status(), 401);
    let token = app.api_token("13600000001", PASSWORD).await;
    let list: serde_json::Value = app
        .client
        .get(app.url("/api/v1/requests?class=none"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(list["total"], 1);
    assert_eq!(list["requests"][0]["contact_phone_masked"], "139****5678");
    let id = list["requests"][0]["id"].as_str().unwrap().to_owned();

    let classified = app
        .client
        .post(app.url(&format!("/api/v1/requests/{id}/classify")))
        .bearer_auth(&token)
        .json(&serde_json::json!({
            "class": "small",
            "reason": "环保队可以协调",
            "organization_id": org,
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(classified.status(), 200);
    let classified: serde_json::Value = classified.json().await.unwrap();
    assert_eq!(classified["status"], "triaged");

    let tracked: serde_json::Value = app
        .get(&format!("/api/v1/requests/track?code={code}"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(tracked["class"], "small");
    assert_eq!(tracked["responsible"], "南湖文明停车劝导队");
    assert_eq!(tracked["can_rate"], false);
    let early = app
        .client
        .post(app.url("/api/v1/requests/rating"))
        .json(&serde_json::json!({ "code": code, "level": "satisfied" }))
        .send()
        .await
        .unwrap();
    assert_eq!(early.status(), 422);
    assert_eq!(
        app.get("/api/v1/requests/track?code=ZZZZZZZZZZ")
            .await
            .status(),
        404
    );
}

#[tokio::test]
async fn the_page_and_the_api_offer_the_same_next_steps_decided_by_the_triage_crate() {
    let app = TestApp::new().await;
    let Cast {
        coordinator,
        leader,
        org,
    } = cast(&app).await;
    let code = submit(&app.browser()).await;
    let id = by_code(&app, &code).await.id;
    let detail = format!("/requests/{id}");
    coordinator
        .post(
            &format!("{detail}/classify"),
            &[
                ("class", "small"),
                ("reason", "社区和劝导队能协调解决"),
                ("organization_id", &org.to_string()),
            ],
        )
        .await;
    let steps = [
        "classify",
        "accept",
        "hand-back",
        "note",
        "resolve",
        "close",
    ];
    for who in [&coordinator, &leader] {
        let page = who.get_text(&detail).await;
        let listed: serde_json::Value = who.get("/api/v1/requests").await.json().await.unwrap();
        let row = listed["requests"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["id"] == id.to_string())
            .unwrap()
            .clone();
        for step in steps {
            let on_page = page.contains(&format!(r#"action="{detail}/{step}""#));
            let in_api = row["next_steps"][step.replace('-', "_")].as_bool().unwrap();
            assert_eq!(on_page, in_api, "{step}: page {on_page}, API {in_api}");
        }
    }
    // And what they are: the coordinator triages again or writes; the leader accepts.
    let leader_steps: serde_json::Value =
        leader.get("/api/v1/requests").await.json().await.unwrap();
    let next = &leader_steps["requests"][0]["next_steps"];
    assert_eq!(
        (
            next["accept"].as_bool(),
            next["classify"].as_bool(),
            next["close"].as_bool()
        ),
        (Some(true), Some(false), Some(false))
    );
}
