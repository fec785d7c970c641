//! The month through the API alone: a day set up and published, signed up for, checked in
//! and out with the shift's code, hours confirmed and corrected, residents served, the
//! period's figures (equal to the report's), a certificate anyone can check; each with
//! its refusals as JSON errors.

use chrono::{Duration, Utc};
use event::schedule;
use member::PlatformRole;
use reqwest::Method;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::helpers::{PASSWORD, TestApp};

/// One API call: the status and the JSON body (`null` when there is none).
pub(crate) async fn call(
    app: &TestApp,
    method: Method,
    path: &str,
    token: Option<&str>,
    body: Option<Value>,
) -> (u16, Value) {
    let mut request = app
        .client
        .request(method, app.url(&format!("/api/v1{path}")));
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    if let Some(body) = body {
        request = request.json(&body);
    }
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    let text = response.text().await.unwrap();
    (status, serde_json::from_str(&text).unwrap_or(Value::Null))
}

/// The refused field of a 422, or the error code of another refusal.
pub(crate) fn refusal(body: &Value) -> String {
    let error = &body["error"];
    match error["fields"].get(0) {
        Some(field) => field["field"].as_str().unwrap_or_default().to_owned(),
        None => error["code"].as_str().unwrap_or_default().to_owned(),
    }
}

pub(crate) fn day(days_ahead: i64) -> String {
    (weiyifang::views::today() + Duration::days(days_ahead))
        .format("%Y-%m-%d")
        .to_string()
}

/// A coordinator, the leader of an incubating organization and a volunteer, each with a
/// bearer token.
pub(crate) struct ApiCast {
    coordinator: String,
    leader: String,
    volunteer: String,
    org: Uuid,
}

impl ApiCast {
    pub(crate) async fn new(app: &TestApp) -> ApiCast {
        app.add_account(PlatformRole::Coordinator, "周协调", "13600000001")
            .await;
        app.add_account(PlatformRole::Volunteer, "王队长", "13911110001")
            .await;
        app.add_account(PlatformRole::Volunteer, "李志愿", "13911110002")
            .await;
        let org = app
            .add_org("南湖爱心理发队", "elderly", "南湖社区", "13911110001")
            .await;
        ApiCast {
            coordinator: app.api_token("13600000001", PASSWORD).await,
            leader: app.api_token("13911110001", PASSWORD).await,
            volunteer: app.api_token("13911110002", PASSWORD).await,
            org,
        }
    }

    /// The three tokens as `call` takes them, and the organization.
    pub(crate) fn tokens(&self) -> (Option<&str>, Option<&str>, Option<&str>, Uuid) {
        (
            Some(self.coordinator.as_str()),
            Some(self.leader.as_str()),
            Some(self.volunteer.as_str()),
            self.org,
        )
    }
}

#[tokio::test]
async fn a_client_with_only_the_api_runs_a_whole_month() {
    let app = TestApp::new().await;
    let cast = ApiCast::new(&app).await;
    let (coordinator, leader, volunteer, org) = cast.tokens();

    // Set up: a day a week ahead (staff), a stall and a shift (the leader), published.
    let new_day = |date: String| {
        json!({"title": "南湖社区公益集市", "place": "南湖社区广场", "date": date,
               "starts": "09:00", "ends": "11:30"})
    };
    let (status, body) = call(
        &app,
        Method::POST,
        "/markets",
        volunteer,
        Some(new_day(day(7))),
    )
    .await;
    assert_eq!((status, refusal(&body).as_str()), (403, "forbidden"));
    let (status, body) = call(
        &app,
        Method::POST,
        "/markets",
        coordinator,
        Some(new_day("2020-01-01".into())),
    )
    .await;
    assert_eq!((status, refusal(&body).as_str()), (422, "date"));
    let (status, body) = call(
        &app,
        Method::POST,
        "/markets",
        coordinator,
        Some(new_day(day(7))),
    )
    .await;
    assert_eq!(status, 201, "{body}");
    let market: Uuid = body["id"].as_str().unwrap().parse().unwrap();

    let stall_body = json!({"organization_id": org.to_string(), "service": "haircut"});
    let stalls = format!("/markets/{market}/stalls");
    let (status, _) = call(
        &app,
        Method::POST,
        &stalls,
        volunteer,
        Some(stall_body.clone()),
    )
    .await;
    assert_eq!(status, 403);
    let (status, body) = call(&app, Method::POST, &stalls, leader, Some(stall_body)).await;
    assert_eq!(status, 201, "{body}");
    let stall: Uuid = body["id"].as_str().unwrap().parse().unwrap();

    let shifts = format!("/stalls/{stall}/shifts");
    let shift = |capacity: u32| json!({"starts": "09:00", "ends": "11:30", "capacity": capacity});
    let (status, body) = call(&app, Method::POST, &shifts, leader, Some(shift(0))).await;
    assert_eq!((status, refusal(&body).as_str()), (422, "capacity"));
    let (status, body) = call(&app, Method::POST, &shifts, leader, Some(shift(2))).await;
    assert_eq!(status, 201, "{body}");
    let shift_id: Uuid = body["id"].as_str().unwrap().parse().unwrap();

    let publish = format!("/markets/{market}/publish");
    assert_eq!(
        call(&app, Method::POST, &publish, volunteer, None).await.0,
        403
    );
    assert_eq!(
        call(&app, Method::POST, &publish, coordinator, None)
            .await
            .0,
        204
    );

    // A volunteer signs up and sees the day.
    let signup = format!("/shifts/{shift_id}/signup");
    let (status, body) = call(&app, Method::POST, &signup, volunteer, None).await;
    assert_eq!((status, body["status"].as_str()), (201, Some("confirmed")));

    // The day comes: it began ten minutes ago.
    let found = schedule::find(&app.db, market).await.unwrap();
    let by = (Utc::now() - Duration::minutes(10)) - found.starts_at;
    app.move_day_by(market, by).await;

    // Check in and out with the code on the stall's poster.
    let code = format!("/shifts/{shift_id}/checkin-code");
    assert_eq!(call(&app, Method::GET, &code, volunteer, None).await.0, 403);
    let (status, body) = call(&app, Method::GET, &code, leader, None).await;
    assert_eq!(status, 200, "{body}");
    let token = body["code"].as_str().unwrap().to_owned();
    assert!(
        body["url"]
            .as_str()
            .unwrap()
            .ends_with(&format!("/checkin/{token}"))
    );
    let scan = format!("/checkin/{token}");
    let (status, body) = call(&app, Method::POST, &scan, leader, Some(json!({}))).await;
    assert_eq!(
        (status, refusal(&body).as_str()),
        (422, "scan"),
        "the leader is not on it"
    );
    let (status, _) = call(
        &app,
        Method::POST,
        "/checkin/not-a-code",
        volunteer,
        Some(json!({})),
    )
    .await;
    assert_eq!(status, 404);
    let (status, body) = call(&app, Method::POST, &scan, volunteer, Some(json!({}))).await;
    assert_eq!((status, body["done"].as_str()), (200, Some("checked_in")));
    let (status, _) = call(
        &app,
        Method::POST,
        &scan,
        volunteer,
        Some(json!({"step": "in"})),
    )
    .await;
    assert_eq!(status, 422, "in twice");
    let (status, body) = call(
        &app,
        Method::POST,
        &scan,
        volunteer,
        Some(json!({"step": "out"})),
    )
    .await;
    assert_eq!((status, body["done"].as_str()), (200, Some("checked_out")));

    // The leader reads the attendance, confirms the hours and corrects them with a reason.
    let attendance = format!("/stalls/{stall}/attendance");
    assert_eq!(
        call(&app, Method::GET, &attendance, volunteer, None)
            .await
            .0,
        403
    );
    let (status, body) = call(&app, Method::GET, &attendance, leader, None).await;
    assert_eq!(status, 200, "{body}");
    let line = &body["shifts"][0]["volunteers"][0];
    assert_eq!(line["name"], "李志愿");
    assert!(line["checked_in_at"].is_string() && line["checked_out_at"].is_string());
    let record = line["record_id"].as_str().unwrap().to_owned();
    let hours = format!("/records/{record}/hours");
    let (status, body) = call(
        &app,
        Method::PUT,
        &hours,
        volunteer,
        Some(json!({"hours": 2.5})),
    )
    .await;
    assert_eq!((status, refusal(&body).as_str()), (403, "forbidden"));
    let (status, body) = call(&app, Method::PUT, &hours, leader, Some(json!({"hours": 9}))).await;
    assert_eq!((status, refusal(&body).as_str()), (422, "hours"));
    let (status, body) = call(
        &app,
        Method::PUT,
        &hours,
        leader,
        Some(json!({"hours": 2.5})),
    )
    .await;
    assert_eq!((status, body["hours"].as_str()), (200, Some("2.5")));
    let (status, body) = call(&app, Method::PUT, &hours, leader, Some(json!({"hours": 2}))).await;
    assert_eq!((status, refusal(&body).as_str()), (422, "reason"));
    let corrected = json!({"hours": 2, "reason": "提前半小时离开"});
    let (status, body) = call(&app, Method::PUT, &hours, leader, Some(corrected)).await;
    assert_eq!((status, body["hours"].as_str()), (200, Some("2.0")));
    let (_, body) = call(&app, Method::GET, &attendance, leader, None).await;
    let line = &body["shifts"][0]["volunteers"][0];
    assert_eq!(line["hours"], "2.0");
    assert_eq!(line["history"].as_array().unwrap().len(), 2);

    // Residents served, with a breakdown that must add up.
    let residents = format!("/stalls/{stall}/residents");
    let wrong = json!({"total": 30, "elderly": 20, "children": 5});
    let (status, body) = call(&app, Method::POST, &residents, leader, Some(wrong)).await;
    assert_eq!((status, refusal(&body).as_str()), (422, "total"));
    let served = json!({"total": 30, "elderly": 20, "children": 5, "disabled": 1, "other": 4});
    let (status, body) = call(&app, Method::POST, &residents, leader, Some(served)).await;
    assert_eq!((status, body["total"].as_i64()), (201, Some(30)));
    let (_, body) = call(&app, Method::GET, &attendance, leader, None).await;
    assert_eq!(
        body["residents"][0]["total"], 30,
        "the report that counts comes first"
    );

    // A resident rates the stall from the app, once per phone.
    let ratings = format!("/stalls/{stall}/ratings");
    let rating = |device: &str| json!({"level": "satisfied", "device": device});
    let phone_id = "0f9e8d7c6b5a49382716059483726150";
    let (status, body) = call(&app, Method::POST, &ratings, None, Some(rating("short"))).await;
    assert_eq!((status, refusal(&body).as_str()), (422, "device"));
    let (status, body) = call(&app, Method::POST, &ratings, None, Some(rating(phone_id))).await;
    assert_eq!(
        (status, &body["level"]),
        (201, &json!("satisfied")),
        "{body}"
    );
    let (status, _) = call(&app, Method::POST, &ratings, None, Some(rating(phone_id))).await;
    assert_eq!(status, 422, "once per phone");

    // The period's figures: the same as the report the coordinators' page downloads.
    let (from, until) = (day(-7), day(0));
    let period = format!("from={from}&until={until}");
    let figures = format!("/figures?{period}");
    assert_eq!(call(&app, Method::GET, &figures, leader, None).await.0, 403);
    let (status, body) = call(&app, Method::GET, &figures, coordinator, None).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        (
            &body["all"]["market_days"],
            &body["all"]["services"],
            &body["all"]["volunteers"]
        ),
        (&json!(1), &json!(1), &json!(1))
    );
    assert_eq!(body["by_service"][0]["key"], "haircut");
    assert_eq!(body["by_service"][0]["figures"]["hours"], "2.0");
    assert_eq!(body["by_organization"][0]["key"], org.to_string());
    assert_eq!(
        (
            &body["all"]["hours"],
            &body["all"]["residents"],
            &body["all"]["elderly"]
        ),
        (&json!("2.0"), &json!(30), &json!(20))
    );
    let own = format!("/figures?{period}&organization_id={org}");
    let (status, own) = call(&app, Method::GET, &own, leader, None).await;
    assert_eq!(
        (status, &own["all"]["hours"], &own["all"]["residents"]),
        (200, &json!("2.0"), &json!(30))
    );
    let (status, body) = call(
        &app,
        Method::GET,
        "/figures?from=2026-13-01&until=2026-12-01",
        coordinator,
        None,
    )
    .await;
    assert_eq!((status, refusal(&body).as_str()), (422, "from"));
    let report = app
        .client
        .get(app.url(&format!("/reports/period.csv?{period}")))
        .bearer_auth(coordinator.unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(report.status(), 200);
    let report = report.text().await.unwrap();
    assert!(
        report.contains("志愿服务时长（小时）,2.0\n")
            || report.contains("志愿服务时长（小时）,2.0\r\n"),
        "{report}"
    );
    assert!(report.contains("服务居民人次,30"), "{report}");

    // The month's report through the API: for staff only, the same figures.
    let began = schedule::find(&app.db, market).await.unwrap().starts_at;
    let month = began
        .with_timezone(&schedule::shanghai())
        .format("%Y-%m")
        .to_string();
    let monthly = format!("/reports/monthly?month={month}&format=csv");
    assert_eq!(call(&app, Method::GET, &monthly, leader, None).await.0, 403);
    let (status, body) = call(
        &app,
        Method::GET,
        "/reports/monthly?format=pdf",
        coordinator,
        None,
    )
    .await;
    assert_eq!((status, refusal(&body).as_str()), (422, "format"));
    let csv = app
        .client
        .get(app.url(&format!("/api/v1{monthly}")))
        .bearer_auth(coordinator.unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(csv.status(), 200);
    assert!(csv.text().await.unwrap().contains("服务居民人次,30"));

    // 报送: the month goes upward once; unchanged, it is not sent again.
    let send = json!({"month": month});
    let path = "/reports/monthly/send";
    assert_eq!(
        call(&app, Method::POST, path, leader, Some(send.clone()))
            .await
            .0,
        403
    );
    let (status, body) = call(&app, Method::POST, path, coordinator, Some(send.clone())).await;
    assert_eq!(
        (status, &body["revision"], &body["month"]),
        (201, &json!(1), &json!(month)),
        "{body}"
    );
    let (status, body) = call(&app, Method::POST, path, coordinator, Some(send)).await;
    assert_eq!((status, refusal(&body).as_str()), (422, "month"));
    let (status, body) = call(&app, Method::GET, "/reports/sent", coordinator, None).await;
    assert_eq!(
        (status, body["sent"].as_array().map(Vec::len)),
        (200, Some(1))
    );

    // The volunteer's certificate, which anyone can check by its number: once the hours'
    // public posting (three working days) is over.
    let certificate = json!({"from": from, "until": until});
    let (status, body) = call(
        &app,
        Method::POST,
        "/me/certificates",
        volunteer,
        Some(certificate.clone()),
    )
    .await;
    assert_eq!((status, refusal(&body).as_str()), (422, "from"), "{body}");
    app.end_postings().await;
    let (status, body) = call(
        &app,
        Method::POST,
        "/me/certificates",
        volunteer,
        Some(certificate),
    )
    .await;
    assert_eq!(
        (status, &body["hours"], &body["services"]),
        (201, &json!("2.0"), &json!(1)),
        "{body}"
    );
    let number = body["number"].as_str().unwrap().to_owned();
    let (status, mine) = call(&app, Method::GET, "/me/certificates", volunteer, None).await;
    assert_eq!(
        (status, &mine["certificates"][0]["number"]),
        (200, &json!(number))
    );
    let (status, checked) = call(
        &app,
        Method::GET,
        &format!("/certificates/{number}"),
        None,
        None,
    )
    .await;
    assert_eq!((status, &checked["hours"]), (200, &json!("2.0")));
    let (status, _) = call(
        &app,
        Method::GET,
        "/certificates/WYF-2026-AAAAAAAA",
        None,
        None,
    )
    .await;
    assert_eq!(status, 404);

    // A day with service recorded stays; a draft with none is cancelled with a reason.
    let cancel = format!("/markets/{market}/cancel");
    let reason = json!({"reason": "下雨"});
    assert_eq!(
        call(
            &app,
            Method::POST,
            &cancel,
            coordinator,
            Some(reason.clone())
        )
        .await
        .0,
        422
    );
    let (_, body) = call(
        &app,
        Method::POST,
        "/markets",
        coordinator,
        Some(new_day(day(14))),
    )
    .await;
    let later = body["id"].as_str().unwrap().to_owned();
    let cancel = format!("/markets/{later}/cancel");
    let (status, body) = call(
        &app,
        Method::POST,
        &cancel,
        coordinator,
        Some(json!({"reason": " "})),
    )
    .await;
    assert_eq!((status, refusal(&body).as_str()), (422, "reason"));
    assert_eq!(
        call(&app, Method::POST, &cancel, coordinator, Some(reason))
            .await
            .0,
        204
    );
    let cancelled = schedule::find(&app.db, later.parse().unwrap())
        .await
        .unwrap();
    assert_eq!(cancelled.status, event::EventStatus::Cancelled);
}
