//! Notifications through the API: the inbox in the reader's language, marking it read, the
//! choices of channel with their refusals, a message to a day, failures for staff only.

use reqwest::Method;
use serde_json::json;

use crate::api_month::{ApiCast, call, refusal};
use crate::helpers::TestApp;
use crate::markets::market_with_shift_of;

#[tokio::test]
async fn the_inbox_choices_and_a_message_to_the_day_through_the_api() {
    let app = TestApp::new().await;
    let cast = ApiCast::new(&app).await;
    let (coordinator, _, volunteer, _) = cast.tokens();
    let (market_id, shift_id) = market_with_shift_of(&app, 1, "南湖义诊队").await;
    let (status, body) = call(&app, Method::GET, "/me/notifications", volunteer, None).await;
    assert_eq!((status, body["unread"].as_u64()), (200, Some(0)));

    let (status, _) = call(
        &app,
        Method::POST,
        &format!("/shifts/{shift_id}/signup"),
        volunteer,
        None,
    )
    .await;
    assert!(status == 200 || status == 201, "{status}");
    let (_, body) = call(&app, Method::GET, "/me/notifications", volunteer, None).await;
    assert_eq!(body["unread"], 1);
    assert_eq!(body["notifications"][0]["kind"], "signup_confirmed");
    assert!(
        body["notifications"][0]["text"]
            .as_str()
            .unwrap()
            .starts_with("报名成功"),
        "{body}"
    );
    // In English for a reader who asks for it.
    let english: serde_json::Value = app
        .client
        .get(app.url("/api/v1/me/notifications"))
        .bearer_auth(volunteer.unwrap())
        .header("accept-language", "en")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(
        english["notifications"][0]["text"]
            .as_str()
            .unwrap()
            .starts_with("Signed up"),
        "{english}"
    );
    let (status, _) = call(
        &app,
        Method::POST,
        "/me/notifications/read",
        volunteer,
        None,
    )
    .await;
    assert_eq!(status, 204);
    let (_, body) = call(&app, Method::GET, "/me/notifications", volunteer, None).await;
    assert_eq!(
        (
            body["unread"].as_u64(),
            body["notifications"][0]["read"].as_bool()
        ),
        (Some(0), Some(true))
    );

    // Choices: e-mail needs a plausible address.
    let choices = |email: &str| json!({ "email": email, "by_sms": false, "by_email": true, "reminders": false, "lang": "en" });
    let (status, body) = call(
        &app,
        Method::PUT,
        "/me/notification-choices",
        volunteer,
        Some(choices("li@")),
    )
    .await;
    assert_eq!((status, refusal(&body)), (422, "email".to_owned()));
    let (status, body) = call(
        &app,
        Method::PUT,
        "/me/notification-choices",
        volunteer,
        Some(choices("li@nanhu.org")),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let (_, body) = call(
        &app,
        Method::GET,
        "/me/notification-choices",
        volunteer,
        None,
    )
    .await;
    assert_eq!(body, choices("li@nanhu.org"));

    // A message to the day: its organizer only, short enough for one SMS.
    let path = format!("/days/{market_id}/message");
    let (status, _) = call(
        &app,
        Method::POST,
        &path,
        volunteer,
        Some(json!({ "message": "你好" })),
    )
    .await;
    assert_eq!(status, 403);
    let (status, body) = call(
        &app,
        Method::POST,
        &path,
        coordinator,
        Some(json!({ "message": "雨".repeat(41) })),
    )
    .await;
    assert_eq!((status, refusal(&body)), (422, "message".to_owned()));
    let (status, body) = call(
        &app,
        Method::POST,
        &path,
        coordinator,
        Some(json!({ "message": "下雨，集市改到社区活动室" })),
    )
    .await;
    assert_eq!((status, body["reached"].as_u64()), (200, Some(1)));
    let (_, body) = call(&app, Method::GET, "/me/notifications", volunteer, None).await;
    assert_eq!(body["notifications"][0]["kind"], "staff_message");

    let (status, _) = call(&app, Method::GET, "/notifications/failed", volunteer, None).await;
    assert_eq!(status, 403);
    let (status, body) = call(
        &app,
        Method::GET,
        "/notifications/failed",
        coordinator,
        None,
    )
    .await;
    assert_eq!((status, body.as_array().map(Vec::len)), (200, Some(0)));
}
