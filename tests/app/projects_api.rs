//! Projects and funding through the JSON API, in integer fen.

use member::PlatformRole;
use serde_json::{Value, json};

use crate::helpers::{PASSWORD, TestApp};

async fn call(
    app: &TestApp,
    token: &str,
    method: &str,
    path: &str,
    body: Option<Value>,
) -> (u16, Value) {
    let mut request = app
        .client
        .request(method.parse().unwrap(), app.url(path))
        .bearer_auth(token);
    if let Some(body) = body {
        request = request.json(&body);
    }
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn a_leader_runs_a_project_and_its_money_through_the_api() {
    let app = TestApp::new().await;
    app.add_account(PlatformRole::Volunteer, "甲队长", "13911110001")
        .await;
    app.add_account(PlatformRole::Volunteer, "乙队长", "13911110002")
        .await;
    let org = app
        .add_org("甲队", "safety", "南湖社区", "13911110001")
        .await;
    app.add_org("乙队", "safety", "南湖社区", "13911110002")
        .await;
    let leader = app.api_token("13911110001", PASSWORD).await;
    let other = app.api_token("13911110002", PASSWORD).await;

    let project = json!({
        "organization_id": org, "title": "天眼工程", "theme": "safety",
        "starts_on": "2025-03-01", "community": "南湖社区",
    });
    assert_eq!(
        call(
            &app,
            &other,
            "POST",
            "/api/v1/projects",
            Some(project.clone())
        )
        .await
        .0,
        403
    );
    let (status, created) = call(&app, &leader, "POST", "/api/v1/projects", Some(project)).await;
    assert_eq!(status, 201);
    let id = created["id"].as_str().unwrap().to_owned();
    let funding = format!("/api/v1/projects/{id}/funding");

    for (amount, reason) in [
        (0, "error-amount-positive"),
        (-100, "error-amount-positive"),
        (10_000_000_001_i64, "error-amount-too-large"),
    ] {
        let entry = json!({"source": "donation", "amount_fen": amount, "received_on": "2025-05-01", "contributor": "王先生"});
        let (status, body) = call(&app, &leader, "POST", &funding, Some(entry)).await;
        assert_eq!(status, 422, "{amount}");
        assert_eq!(body["error"]["fields"][0]["reason"], reason);
    }
    let households = json!({"source": "crowdfunding", "amount_fen": 25_000_000, "received_on": "2025-03-10", "contributor": "11000户居民", "contributor_count": 11000});
    let units = json!({"source": "unit_support", "amount_fen": 75_000_000, "received_on": "2025-04-01", "contributor": "160家单位", "contributor_count": 160});
    assert_eq!(
        call(&app, &leader, "POST", &funding, Some(households))
            .await
            .0,
        201
    );
    assert_eq!(
        call(&app, &other, "POST", &funding, Some(units.clone()))
            .await
            .0,
        403
    );
    let (_, entry) = call(&app, &leader, "POST", &funding, Some(units)).await;

    let (status, ledger) = call(&app, &leader, "GET", &funding, None).await;
    assert_eq!(status, 200);
    assert_eq!(ledger["totals"]["total_fen"], 100_000_000);
    assert_eq!(
        ledger["totals"]["by_source_fen"]["crowdfunding"],
        25_000_000
    );

    let reversal = format!("{funding}/{}/reversal", entry["id"].as_str().unwrap());
    assert_eq!(
        call(
            &app,
            &leader,
            "POST",
            &reversal,
            Some(json!({"reason": ""}))
        )
        .await
        .0,
        422
    );
    let (status, body) = call(
        &app,
        &leader,
        "POST",
        &reversal,
        Some(json!({"reason": "单位撤回"})),
    )
    .await;
    assert_eq!(status, 201);
    assert_eq!(body["amount_fen"], -75_000_000);
    assert_eq!(
        call(
            &app,
            &leader,
            "POST",
            &reversal,
            Some(json!({"reason": "再次"}))
        )
        .await
        .0,
        422
    );

    let coordinator = {
        app.add_account(PlatformRole::Coordinator, "周协调", "13600000001")
            .await;
        app.api_token("13600000001", PASSWORD).await
    };
    assert_eq!(
        call(&app, &leader, "GET", "/api/v1/funding/summary", None)
            .await
            .0,
        403
    );
    let (status, summary) = call(&app, &coordinator, "GET", "/api/v1/funding/summary", None).await;
    assert_eq!(status, 200);
    assert_eq!(summary["all"]["total_fen"], 25_000_000);
    assert_eq!(summary["by_year"][0]["label"], "2025");

    let (status, _) = call(
        &app,
        &leader,
        "POST",
        &format!("/api/v1/projects/{id}/status"),
        Some(json!({"status": "closed"})),
    )
    .await;
    assert_eq!(status, 200);
    let (_, shown) = call(
        &app,
        &leader,
        "GET",
        &format!("/api/v1/projects/{id}"),
        None,
    )
    .await;
    assert_eq!(shown["status"], "closed");
    assert_eq!(shown["funding"]["total_fen"], 25_000_000);
}
