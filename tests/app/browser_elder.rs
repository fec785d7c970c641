//! 长辈模式 measured in a real headless Chromium at 390×844: on the volunteer's pages (the
//! market days, a day, signing up, my shifts, check-in, the tally, my messages) every text is 20 px or
//! more, every button and field 56 px tall and buttons as wide as their column, text
//! contrast 7:1 and more (axe's enhanced contrast rule), nothing wider than the phone, and axe
//! finds nothing critical or serious. The switch is on every page and remembered.

use chrono::{Duration, Utc};
use fantoccini::{Client, ClientBuilder, Locator};
use member::PlatformRole;

use crate::browser::{capabilities, chromedriver};
use crate::helpers::{PASSWORD, TestApp};
use crate::markets::market_with_shift;

/// What falls short of 长辈模式's numbers on the page shown.
const MEASURE: &str = r#"
const small = [], low = [], narrow = [];
const shown = el => el.getClientRects().length > 0 && !el.closest('.visually-hidden, .skip-link');
for (const el of document.querySelectorAll('body *')) {
  if (!shown(el)) continue;
  const own = [...el.childNodes].some(n => n.nodeType === 3 && n.textContent.trim());
  const size = parseFloat(getComputedStyle(el).fontSize);
  if (own && size < 20) small.push(`${el.tagName} "${el.textContent.trim().slice(0, 16)}" ${size}px`);
}
for (const el of document.querySelectorAll('.button, button, input:not([type=checkbox]):not([type=radio]):not([type=hidden]), select, textarea, .nav-links a, .mode-switch')) {
  if (!shown(el) || el.classList.contains('link-button')) continue;
  const r = el.getBoundingClientRect();
  if (r.height < 56) low.push(`${el.tagName} "${el.textContent.trim().slice(0, 16)}" ${Math.round(r.height)}px`);
  const column = el.closest('main') && (el.closest('form, li, section, .card, .row-card, main'));
  if (column && el.matches('.button, button') && r.width < column.clientWidth * 0.8)
    narrow.push(`${el.tagName} "${el.textContent.trim().slice(0, 16)}" ${Math.round(r.width)} of ${column.clientWidth}px`);
}
return {small, low, narrow, fits: document.documentElement.scrollWidth <= window.innerWidth};
"#;

async fn enhanced_contrast(client: &Client) -> Vec<String> {
    let result = client
        .execute_async(
            "const done = arguments[arguments.length - 1]; \
             axe.run(document, {runOnly: ['color-contrast-enhanced']}).then(r => done(r.violations.map(v => \
               v.nodes.slice(0, 5).map(n => n.target.join(' ') + ': ' + n.failureSummary).join(' | '))));",
            vec![],
        )
        .await
        .unwrap();
    result
        .as_array()
        .unwrap()
        .iter()
        .map(ToString::to_string)
        .collect()
}

/// Taps what `css` names and waits until `then` is on the page.
async fn tap(client: &Client, css: &str, then: &str) {
    client
        .find(Locator::Css(css))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    client.wait().for_element(Locator::Css(then)).await.unwrap();
}

async fn measure(client: &Client, step: &str, shots: &std::path::Path) {
    let png = client.screenshot().await.unwrap();
    std::fs::write(shots.join(format!("elder-{step}.png")), png).unwrap();
    let found = client.execute(MEASURE, vec![]).await.unwrap();
    for list in ["small", "low", "narrow"] {
        assert_eq!(found[list], serde_json::json!([]), "{step}: {list}");
    }
    assert_eq!(found["fits"], true, "{step}: wider than the phone");
    let serious = crate::browser_month::axe(client).await;
    assert!(serious.is_empty(), "{step}: {serious:#?}");
    let contrast = enhanced_contrast(client).await;
    assert!(
        contrast.is_empty(),
        "{step}: contrast under 7:1: {contrast:#?}"
    );
}

#[tokio::test]
#[ignore = "needs Chromium and chromedriver: `bash .ci/run` installs them and runs this test"]
async fn elder_mode_meets_its_numbers_on_the_volunteers_pages() {
    let app = TestApp::new().await;
    let (market, shift) = market_with_shift(&app, 3).await;
    app.add_account(PlatformRole::Volunteer, "李阿姨", "13911110005")
        .await;
    let token = event::records::checkin_token(&app.db, &app.staff_actor(), shift)
        .await
        .unwrap();
    let (_driver, driver_url) = chromedriver().await;
    let shots = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("browser");
    std::fs::create_dir_all(&shots).unwrap();
    let profile = tempfile::tempdir().unwrap();
    let client = ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
        .capabilities(capabilities(true, profile.path()))
        .connect(&driver_url)
        .await
        .expect("a Chromium session");
    client.set_window_size(390, 844).await.unwrap();

    // The switch is on every page; once chosen it stays.
    client.goto(&app.url("/markets")).await.unwrap();
    tap(&client, "a.mode-switch", "html.elder").await;
    measure(&client, "1-markets", &shots).await;
    client.goto(&app.url("/login/code")).await.unwrap();
    measure(&client, "2-code-login", &shots).await;
    client.goto(&app.url("/login")).await.unwrap();
    assert!(
        client.find(Locator::Css("html.elder")).await.is_ok(),
        "remembered"
    );
    for (id, text) in [("f-phone", "13911110005"), ("f-password", PASSWORD)] {
        client
            .find(Locator::Id(id))
            .await
            .unwrap()
            .send_keys(text)
            .await
            .unwrap();
    }
    measure(&client, "2-login", &shots).await;
    tap(
        &client,
        r#"form[action="/login"] button"#,
        r#"a[href="/me"]"#,
    )
    .await;

    client
        .goto(&app.url(&format!("/markets/{market}")))
        .await
        .unwrap();
    measure(&client, "3-market", &shots).await;
    client
        .goto(&app.url(&format!("/shifts/{shift}/signup")))
        .await
        .unwrap();
    measure(&client, "4-sign-up", &shots).await;
    let sign_up = r#"form[action$="/signup"] button[type="submit"]"#;
    tap(&client, sign_up, ".standing.confirmed").await;
    measure(&client, "5-signed-up", &shots).await;
    client.goto(&app.url("/me/shifts")).await.unwrap();
    measure(&client, "6-my-shifts", &shots).await;
    client.goto(&app.url("/me/notifications")).await.unwrap();
    measure(&client, "7-messages", &shots).await;

    // She signs up the neighbour she helps.
    client.goto(&app.url("/me/helped")).await.unwrap();
    for (id, text) in [("f-name", "张奶奶"), ("f-birth_year", "1948")] {
        client
            .find(Locator::Id(id))
            .await
            .unwrap()
            .send_keys(text)
            .await
            .unwrap();
    }
    client
        .find(Locator::Css(r#"input[name="agreed"]"#))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    measure(&client, "7-helped", &shots).await;
    tap(&client, r#"form[action="/me/helped"] button"#, "p.notice").await;
    client
        .goto(&app.url(&format!("/shifts/{shift}/signup")))
        .await
        .unwrap();
    let for_her = r#"form[action$="/signup-for"] button"#;
    tap(&client, for_her, ".row-card .standing.confirmed").await;
    measure(&client, "7-signed-up-for-her", &shots).await;

    // The shift begins: the check-in page.
    let starts = event::stalls::find_shift(&app.db, shift)
        .await
        .unwrap()
        .starts_at;
    app.move_day_by(market, (Utc::now() - starts) - Duration::minutes(5))
        .await;
    client
        .goto(&app.url(&format!("/checkin/{token}")))
        .await
        .unwrap();
    measure(&client, "8-check-in", &shots).await;
    // On shift, she counts residents at her stall.
    let stall = event::stalls::find_shift(&app.db, shift)
        .await
        .unwrap()
        .stall_id;
    client
        .goto(&app.url(&format!("/stalls/{stall}/tally")))
        .await
        .unwrap();
    tap(
        &client,
        r#"button[data-category="elderly"]"#,
        "[data-undo]:not([hidden])",
    )
    .await;
    measure(&client, "9-tally", &shots).await;

    // And back: the standard page again.
    tap(&client, "a.mode-switch", "html:not(.elder)").await;
    client.close().await.unwrap();
}
