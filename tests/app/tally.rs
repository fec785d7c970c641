//! Issue 23 over HTTP: taps counted once however often they are sent, two phones at one
//! stall summing, who may count, and the stall's report prefilled from the taps (a report
//! that differs says why); the dashboard says how many residents came from tallies.

use event::entities::{beneficiary_report, tally_tap};
use event::signups;
use member::PlatformRole;
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::helpers::{PASSWORD, TestApp};
use crate::markets::market_with_shift;

/// A stall with two volunteers on its shift, each with a bearer token.
async fn stall_with_two_counters(app: &TestApp) -> (Uuid, Uuid, String, String) {
    let (market, shift) = market_with_shift(app, 3).await;
    let stall = event::stalls::find_shift(&app.db, shift)
        .await
        .unwrap()
        .stall_id;
    let mut tokens = Vec::new();
    for (name, phone) in [("李阿姨", "13911130001"), ("王叔叔", "13911130002")] {
        let person = app.add_account(PlatformRole::Volunteer, name, phone).await;
        signups::sign_up(
            &app.db,
            &crate::helpers::volunteer(person),
            shift,
            chrono::Utc::now(),
        )
        .await
        .unwrap();
        tokens.push(app.api_token(phone, PASSWORD).await);
    }
    let wang = tokens.pop().unwrap();
    let li = tokens.pop().unwrap();
    (market, stall, li, wang)
}

fn taps(list: &[(&str, i32)]) -> Value {
    let taps: Vec<Value> = list
        .iter()
        .map(|(category, delta)| {
            json!({ "id": Uuid::new_v4(), "category": category, "delta": delta, "tapped_at": chrono::Utc::now() })
        })
        .collect();
    json!({ "taps": taps })
}

async fn send(app: &TestApp, token: &str, stall: Uuid, body: &Value) -> reqwest::Response {
    app.client
        .post(app.url(&format!("/api/v1/stalls/{stall}/taps")))
        .bearer_auth(token)
        .json(body)
        .send()
        .await
        .unwrap()
}

async fn rows(app: &TestApp, stall: Uuid) -> u64 {
    tally_tap::Entity::find()
        .filter(tally_tap::Column::StallId.eq(stall))
        .count(&app.db)
        .await
        .unwrap()
}

#[tokio::test]
async fn a_batch_sent_again_adds_nothing_and_two_phones_sum() {
    let app = TestApp::new().await;
    let (_, stall, li, wang) = stall_with_two_counters(&app).await;
    let morning = taps(&[
        ("elderly", 1),
        ("elderly", 1),
        ("children", 1),
        ("other", 1),
        ("other", -1),
    ]);
    let first = send(&app, &li, stall, &morning).await;
    assert_eq!(first.status(), 200);
    let totals: Value = first.json().await.unwrap();
    assert_eq!(
        totals["counts"],
        json!({"elderly": 2, "children": 1, "disabled": 0, "other": 0})
    );
    assert_eq!(
        (totals["total"].as_i64(), totals["taps"].as_i64()),
        (Some(3), Some(5))
    );
    // The signal came back and the phone sent the queue again: nothing more.
    let again: Value = send(&app, &li, stall, &morning).await.json().await.unwrap();
    assert_eq!(again, totals);
    assert_eq!(rows(&app, stall).await, 5);

    // Two phones at once: both counted, in full.
    let from_li = taps(&[("elderly", 1); 20]);
    let from_wang = taps(&[("disabled", 1); 15]);
    let (a, b) = tokio::join!(
        send(&app, &li, stall, &from_li),
        send(&app, &wang, stall, &from_wang)
    );
    assert_eq!((a.status().as_u16(), b.status().as_u16()), (200, 200));
    let now: Value = app
        .client
        .get(app.url(&format!("/api/v1/stalls/{stall}/tally")))
        .bearer_auth(&wang)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        now["counts"],
        json!({"elderly": 22, "children": 1, "disabled": 15, "other": 0})
    );
    assert_eq!(now["total"], 38);
    let mut counters: Vec<(String, i64)> = now["counters"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["name"].as_str().unwrap().to_owned(),
                c["taps"].as_i64().unwrap(),
            )
        })
        .collect();
    counters.sort();
    assert_eq!(
        counters,
        [("李阿姨".to_owned(), 25), ("王叔叔".to_owned(), 15)]
    );
}

#[tokio::test]
async fn only_those_at_the_stall_count_and_bad_taps_store_nothing() {
    let app = TestApp::new().await;
    let (market, stall, li, _) = stall_with_two_counters(&app).await;
    app.add_account(PlatformRole::Volunteer, "路人", "13911130009")
        .await;
    let stranger = app.api_token("13911130009", PASSWORD).await;
    assert_eq!(
        send(&app, &stranger, stall, &taps(&[("elderly", 1)]))
            .await
            .status(),
        403
    );
    let unknown = send(&app, &li, Uuid::now_v7(), &taps(&[("elderly", 1)])).await;
    assert_eq!(unknown.status(), 404);
    for bad in [
        taps(&[("elderly", 1), ("pets", 1)]),
        taps(&[("elderly", 2)]),
        taps(&vec![("elderly", 1); 501]),
    ] {
        assert_eq!(send(&app, &li, stall, &bad).await.status(), 422);
    }
    assert_eq!(rows(&app, stall).await, 0, "a refused batch stores nothing");

    // Without JavaScript: each button is a form with its own tap id.
    let browser = app.browser();
    browser.login("13911130001", PASSWORD).await;
    let page = browser.get_text(&format!("/stalls/{stall}/tally")).await;
    assert!(
        page.contains("现场计数") && page.contains("老年人"),
        "{page}"
    );
    let tap_id = Uuid::now_v7().to_string();
    let form = [
        ("tap_id", tap_id.as_str()),
        ("category", "children"),
        ("delta", "1"),
    ];
    for _ in 0..2 {
        let counted = browser.post(&format!("/stalls/{stall}/tally"), &form).await;
        assert_eq!(counted.status(), 303);
    }
    assert_eq!(
        rows(&app, stall).await,
        1,
        "the same form sent twice counts once"
    );

    // A cancelled day takes no more taps.
    event::schedule::cancel(&app.db, &app.staff_actor(), market, "下雨")
        .await
        .unwrap();
    assert_eq!(
        send(&app, &li, stall, &taps(&[("elderly", 1)]))
            .await
            .status(),
        422
    );
}

#[tokio::test]
async fn the_stalls_report_starts_from_the_taps_and_a_different_figure_says_why() {
    let app = TestApp::new().await;
    let (market, stall, li, _) = stall_with_two_counters(&app).await;
    let morning = taps(&[
        ("elderly", 1),
        ("elderly", 1),
        ("elderly", 1),
        ("children", 1),
        ("disabled", 1),
    ]);
    assert_eq!(send(&app, &li, stall, &morning).await.status(), 200);
    let coordinator = app
        .signed_in(PlatformRole::Coordinator, "周协调", "17000002003")
        .await;
    let page = coordinator
        .get_text(&format!("/stalls/{stall}/attendance"))
        .await;
    for prefilled in [
        r#"name="total" type="number" min="0" inputmode="numeric" value="5""#,
        r#"name="elderly" type="number" min="0" inputmode="numeric" value="3""#,
        r#"name="children" type="number" min="0" inputmode="numeric" value="1""#,
        r#"name="disabled" type="number" min="0" inputmode="numeric" value="1""#,
    ] {
        assert!(page.contains(prefilled), "{prefilled}: {page}");
    }
    assert!(page.contains("现场计数 5 人次"), "{page}");

    // A different figure without a reason is refused, with what was typed kept.
    let report = |total: &'static str, reason: &'static str| {
        vec![
            ("total", total),
            ("elderly", ""),
            ("children", ""),
            ("disabled", ""),
            ("other", ""),
            ("reason", reason),
        ]
    };
    let refused = coordinator
        .post(&format!("/stalls/{stall}/beneficiaries"), &report("7", ""))
        .await;
    assert_eq!(refused.status(), 422);
    assert!(refused.text().await.unwrap().contains("与现场计数不同"));
    let kept = coordinator
        .post(
            &format!("/stalls/{stall}/beneficiaries"),
            &report("7", "两位居民没来得及点"),
        )
        .await;
    assert_eq!(kept.status(), 303);
    let stored = beneficiary_report::Entity::find()
        .filter(beneficiary_report::Column::StallId.eq(stall))
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!((stored.total, stored.tallied), (7, Some(5)));
    assert_eq!(stored.reason, "两位居民没来得及点");

    // Once the day has been held, the dashboard says how many residents came from tallies.
    let starts = event::schedule::find(&app.db, market)
        .await
        .unwrap()
        .starts_at;
    app.move_day_by(
        market,
        chrono::Utc::now() - chrono::Duration::hours(1) - starts,
    )
    .await;
    let dashboard = coordinator.get_text("/dashboard").await;
    assert!(
        dashboard.contains(r#"<span class="count">7</span> 服务居民人次"#)
            && dashboard.contains(r#"<span class="count">5</span> 其中现场计数"#),
        "{dashboard}"
    );
    assert!(
        !dashboard.contains("服务居民人数（按手机号去重）"),
        "no numbers were given: no 0 that reads as nobody"
    );
}

#[tokio::test]
async fn the_tally_is_one_tap_away_on_the_day_from_my_shifts_and_from_check_in() {
    let app = TestApp::new().await;
    let (market, stall, _, _) = stall_with_two_counters(&app).await;
    let browser = app.browser();
    browser.login("13911130001", PASSWORD).await;
    let tally_link = format!("/stalls/{stall}/tally");
    // A week ahead: not yet.
    assert!(!browser.get_text("/me/shifts").await.contains(&tally_link));
    // The shift began ten minutes ago.
    let shift = event::stalls::stalls_of(&app.db, market).await.unwrap()[0].shifts[0].clone();
    app.move_day_by(
        market,
        chrono::Utc::now() - chrono::Duration::minutes(10) - shift.starts_at,
    )
    .await;
    assert!(browser.get_text("/me/shifts").await.contains(&tally_link));
    let token = event::records::checkin_token(&app.db, &app.staff_actor(), shift.id)
        .await
        .unwrap();
    let checkin = format!("/checkin/{token}");
    assert!(!browser.get_text(&checkin).await.contains(&tally_link));
    let checked_in = browser.post(&checkin, &[("step", "in")]).await;
    assert!(checked_in.status().is_redirection() || checked_in.status().is_success());
    assert!(browser.get_text(&checkin).await.contains(&tally_link));
}
