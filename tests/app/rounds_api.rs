//! 公益创投 through the API alone: open, apply, review, award, announce, start the project,
//! pay tranches and send reports, with the same refusals as the pages.

use chrono::Duration;
use member::PlatformRole;
use reqwest::Method;
use serde_json::json;
use uuid::Uuid;

use crate::api_month::{call, refusal};
use crate::helpers::TestApp;
use crate::rounds::{move_round, today};

#[tokio::test]
async fn a_round_runs_through_the_api() {
    let app = TestApp::new().await;
    app.add_account(PlatformRole::Coordinator, "周协调", "13600000001")
        .await;
    app.add_account(PlatformRole::Volunteer, "王队长", "13600000002")
        .await;
    app.add_account(PlatformRole::Volunteer, "李专家", "13600000004")
        .await;
    let org = app
        .add_org("南湖爱心理发队", "elderly", "南湖社区", "13600000002")
        .await;
    let staff = app.api_token("13600000001", crate::helpers::PASSWORD).await;
    let leader = app.api_token("13600000002", crate::helpers::PASSWORD).await;
    let expert = app.api_token("13600000004", crate::helpers::PASSWORD).await;
    let (staff, leader, expert) = (
        Some(staff.as_str()),
        Some(leader.as_str()),
        Some(expert.as_str()),
    );
    let t = today();
    let round = json!({
        "title": "2027年南湖街道公益创投", "budget_fen": 10_000_000,
        "stages": ["incubating"], "opens_on": t, "closes_on": t + Duration::days(10),
        "review_until": t + Duration::days(20),
        "criteria": "社区需求 30，可行性 30，预算合理 20，可持续性 20", "publicity_days": 7
    });
    assert_eq!(
        call(&app, Method::POST, "/rounds", leader, Some(round.clone()))
            .await
            .0,
        403
    );
    let (status, body) = call(&app, Method::POST, "/rounds", staff, Some(round)).await;
    assert_eq!(
        (status, body["phase"].as_str()),
        (201, Some("applying")),
        "{body}"
    );
    let id = body["id"].as_str().unwrap().to_owned();

    let path = format!("/rounds/{id}/applications/{org}");
    let draft = json!({
        "title": "银发理发上门", "plan": "每月两次上门", "goals": "120 人", "beneficiaries": 120,
        "timeline": "全年", "budget": [{"item": "理发工具", "fen": 1_200_000}, {"item": "交通", "fen": 800_000}]
    });
    let (status, body) = call(&app, Method::PUT, &path, leader, Some(draft)).await;
    assert_eq!(
        (status, body["request_fen"].as_i64()),
        (200, Some(2_000_000)),
        "{body}"
    );
    let application = body["id"].as_str().unwrap().to_owned();
    let submit = format!("/applications/{application}/submit");
    assert_eq!(call(&app, Method::POST, &submit, leader, None).await.0, 200);
    let (status, body) = call(&app, Method::POST, &submit, leader, None).await;
    assert_eq!((status, refusal(&body).as_str()), (422, "title"));
    let reviewers = format!("/rounds/{id}/reviewers");
    let (status, _) = call(
        &app,
        Method::POST,
        &reviewers,
        staff,
        Some(json!({"phone": "13600000004"})),
    )
    .await;
    assert_eq!(status, 201);

    let round_id: Uuid = id.parse().unwrap();
    move_round(&app, round_id, "reviewing").await;
    let scores = format!("/applications/{application}/scores");
    let scored = |values: [i64; 4]| json!({"scores": values.iter().map(|v| json!({"score": v})).collect::<Vec<_>>()});
    assert_eq!(
        call(
            &app,
            Method::PUT,
            &scores,
            expert,
            Some(scored([90, 80, 70, 101]))
        )
        .await
        .0,
        422
    );
    assert_eq!(
        call(
            &app,
            Method::PUT,
            &scores,
            expert,
            Some(scored([90, 80, 70, 60]))
        )
        .await
        .0,
        200
    );
    assert_eq!(
        call(
            &app,
            Method::PUT,
            &scores,
            leader,
            Some(scored([100, 100, 100, 100]))
        )
        .await
        .0,
        404
    );
    let ranking = format!("/rounds/{id}/ranking");
    let (_, body) = call(&app, Method::GET, &ranking, expert, None).await;
    assert_eq!(
        (body[0]["mean_hundredths"].clone(), body[0]["mine"].clone()),
        (json!(null), json!([90, 80, 70, 60]))
    );
    assert_eq!(call(&app, Method::GET, &ranking, leader, None).await.0, 403);

    move_round(&app, round_id, "deciding").await;
    let (_, body) = call(&app, Method::GET, &ranking, staff, None).await;
    assert_eq!(body[0]["mean_hundredths"], 7700);
    let award = format!("/applications/{application}/award");
    assert_eq!(
        call(
            &app,
            Method::PUT,
            &award,
            staff,
            Some(json!({"award_fen": 2_000_001}))
        )
        .await
        .0,
        422
    );
    let (status, body) = call(
        &app,
        Method::PUT,
        &award,
        staff,
        Some(json!({"award_fen": 1_800_000})),
    )
    .await;
    assert_eq!((status, body["award_fen"].as_i64()), (200, Some(1_800_000)));
    assert_eq!(
        call(
            &app,
            Method::POST,
            &format!("/rounds/{id}/announce"),
            staff,
            None
        )
        .await
        .0,
        200
    );
    let (_, public) = call(&app, Method::GET, &format!("/rounds/{id}"), None, None).await;
    assert_eq!(
        (
            public["phase"].as_str(),
            public["results"][0]["award_fen"].as_i64()
        ),
        (Some("posted"), Some(1_800_000))
    );
    assert!(!public.to_string().contains("李专家"));

    move_round(&app, round_id, "standing").await;
    let (status, body) = call(
        &app,
        Method::POST,
        &format!("/applications/{application}/project"),
        staff,
        None,
    )
    .await;
    assert_eq!(status, 201, "{body}");
    let tranches = format!("/applications/{application}/tranches");
    let paid = |fen: i64| json!({"amount_fen": fen, "paid_on": t});
    assert_eq!(
        call(&app, Method::POST, &tranches, staff, Some(paid(1_000_000)))
            .await
            .0,
        201
    );
    assert_eq!(
        call(&app, Method::POST, &tranches, staff, Some(paid(800_001)))
            .await
            .0,
        422
    );
    let reports = format!("/applications/{application}/reports");
    let report = json!({"kind": "midterm", "text": "已服务 60 人次", "reached": 60});
    let (status, body) = call(&app, Method::POST, &reports, leader, Some(report)).await;
    assert_eq!(status, 201);
    let decision = format!("/venture-reports/{}/decision", body["id"].as_str().unwrap());
    let (status, body) = call(
        &app,
        Method::POST,
        &decision,
        staff,
        Some(json!({"decision": "accept"})),
    )
    .await;
    assert_eq!((status, body["status"].as_str()), (200, Some("accepted")));
    let summary = format!("/rounds/{id}/summary");
    assert_eq!(call(&app, Method::GET, &summary, leader, None).await.0, 403);
    let response = app
        .client
        .get(app.url(&format!("/api/v1{summary}")))
        .bearer_auth(staff.unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert!(
        response.bytes().await.unwrap().starts_with(b"PK"),
        "a workbook"
    );
    let (_, mine) = call(&app, Method::GET, &path, leader, None).await;
    assert_eq!(
        (mine["paid_fen"].as_i64(), mine["project_id"].is_string()),
        (Some(1_000_000), true)
    );
}
