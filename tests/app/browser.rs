//! End to end in a real headless Chromium at phone size: a volunteer logs in, signs up,
//! sees "confirmed", cancels, and the waitlisted volunteer moves up; once with JavaScript
//! and once without (the pages are plain forms). Needs `chromium` and `chromium-driver`
//! from Debian; `.ci/run` installs them and runs this test, which `cargo test` lists as
//! ignored rather than counting it as passed.

use std::process::Stdio;
use std::time::Duration;

use chrono::Utc;
use event::signups::{self, SignupStatus};
use event::stalls::{self, ShiftInput};
use fantoccini::{ClientBuilder, Locator};
use member::PlatformRole;
use serde_json::json;
use tokio::process::Command;

use crate::helpers::{PASSWORD, TestApp};
use crate::markets::market_with_shift;

pub(crate) async fn chromedriver() -> (tokio::process::Child, String) {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let child = Command::new("chromedriver")
        .arg(format!("--port={port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .expect("chromedriver is installed (Debian package chromium-driver)");
    let url = format!("http://127.0.0.1:{port}");
    for _ in 0..100 {
        if crate::helpers::fetch(format!("{url}/status")).await.is_ok() {
            return (child, url);
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("chromedriver did not start");
}

/// Logs in on the page at `login_url` with the tests' password, and waits until signed in.
pub(crate) async fn log_in(browser: &fantoccini::Client, login_url: &str, phone: &str) {
    browser.goto(login_url).await.unwrap();
    for (id, text) in [("f-phone", phone), ("f-password", PASSWORD)] {
        browser
            .find(Locator::Id(id))
            .await
            .unwrap()
            .send_keys(text)
            .await
            .unwrap();
    }
    browser
        .find(Locator::Css(r#"form[action="/login"] button"#))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    browser
        .wait()
        .for_element(Locator::Css(r#"a[href="/me"]"#))
        .await
        .unwrap();
}

pub(crate) fn capabilities(
    javascript: bool,
    profile: &std::path::Path,
) -> serde_json::Map<String, serde_json::Value> {
    let caps = json!({
        "goog:chromeOptions": {
            "binary": "/usr/bin/chromium",
            "args": [
                "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--window-size=390,844", "--lang=zh-CN",
                format!("--user-data-dir={}", profile.display()),
            ],
            "prefs": {
                "profile.managed_default_content_settings.javascript": if javascript { 1 } else { 2 },
                "intl.accept_languages": "zh-CN"
            }
        }
    });
    caps.as_object().unwrap().clone()
}

#[tokio::test]
#[ignore = "needs Chromium and chromedriver: `bash .ci/run` installs them and runs this test"]
async fn a_volunteer_signs_up_and_cancels_on_a_phone_with_and_without_javascript() {
    let app = TestApp::new().await;
    let (market, first_shift) = market_with_shift(&app, 1).await;
    let stall = stalls::find_shift(&app.db, first_shift)
        .await
        .unwrap()
        .stall_id;
    let second_shift = stalls::add_shift(
        &app.db,
        &app.staff_actor(),
        stall,
        &ShiftInput {
            starts: "10:30".into(),
            ends: "11:30".into(),
            capacity: "1".into(),
            required_skill: String::new(),
        },
    )
    .await
    .unwrap()
    .id;
    let (_driver, driver_url) = chromedriver().await;
    let artifacts = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("browser");
    std::fs::create_dir_all(&artifacts).unwrap();

    for (javascript, shift, phone, waiting_phone) in [
        (true, first_shift, "13911110001", "13911110002"),
        (false, second_shift, "13911110003", "13911110004"),
    ] {
        app.add_account(PlatformRole::Volunteer, "李阿姨", phone)
            .await;
        let waiting_id = app
            .add_account(PlatformRole::Volunteer, "张大爷", waiting_phone)
            .await;
        let profile = tempfile::tempdir().unwrap();
        let browser = ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
            .capabilities(capabilities(javascript, profile.path()))
            .connect(&driver_url)
            .await
            .expect("a Chromium session");
        browser.set_window_size(390, 844).await.unwrap();

        log_in(&browser, &app.url("/login"), phone).await;

        browser
            .goto(&app.url(&format!("/markets/{market}")))
            .await
            .unwrap();
        let sign_up = format!(r#"form[action="/shifts/{shift}/signup"] button"#);
        browser
            .find(Locator::Css(&sign_up))
            .await
            .unwrap()
            .click()
            .await
            .unwrap();
        let standing = browser
            .wait()
            .for_element(Locator::Css(&format!("#shift-{shift} .standing.confirmed")))
            .await
            .unwrap();
        assert!(
            standing.text().await.unwrap().contains("已报名"),
            "javascript: {javascript}"
        );
        let png = browser.screenshot().await.unwrap();
        let name = if javascript {
            "signup-phone.png"
        } else {
            "signup-phone-no-js.png"
        };
        std::fs::write(artifacts.join(name), png).unwrap();

        // Someone else arrives when the place is taken, then the first cancels.
        let waiting = member::Actor {
            person_id: waiting_id,
            account_id: uuid::Uuid::now_v7(),
            name: "张大爷".into(),
            role: PlatformRole::Volunteer,
            leads: Vec::new(),
            helps: false,
        };
        let queued = signups::sign_up(&app.db, &waiting, shift, Utc::now())
            .await
            .unwrap();
        assert_eq!(queued.standing.position, Some(1));
        browser.refresh().await.unwrap();
        let cancel = format!(r#"form[action="/shifts/{shift}/cancel"] button"#);
        browser
            .find(Locator::Css(&cancel))
            .await
            .unwrap()
            .click()
            .await
            .unwrap();
        browser
            .wait()
            .for_element(Locator::Css(&sign_up))
            .await
            .unwrap();
        let theirs = signups::my_shifts(&app.db, waiting_id).await.unwrap();
        assert_eq!(
            theirs[0].standing.status,
            SignupStatus::Confirmed,
            "promoted (javascript: {javascript})"
        );
        browser.close().await.unwrap();
    }
    eprintln!("screenshots in {}", artifacts.display());
}

#[tokio::test]
#[ignore = "needs Chromium and chromedriver: `bash .ci/run` installs them and runs this test"]
async fn a_resident_reports_a_problem_on_a_phone_and_gets_a_tracking_code() {
    let app = TestApp::new().await;
    let (_driver, driver_url) = chromedriver().await;
    let artifacts = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("browser");
    std::fs::create_dir_all(&artifacts).unwrap();
    let profile = tempfile::tempdir().unwrap();
    let browser = ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
        .capabilities(capabilities(true, profile.path()))
        .connect(&driver_url)
        .await
        .expect("a Chromium session");
    browser.set_window_size(390, 844).await.unwrap();

    // From the home page, as a resident would find it.
    browser.goto(&app.url("/")).await.unwrap();
    browser
        .find(Locator::Css(r#"main a[href="/requests/new"]"#))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    browser
        .wait()
        .for_element(Locator::Id("f-category"))
        .await
        .unwrap()
        .select_by_value("environment")
        .await
        .unwrap();
    for (field, text) in [
        ("f-description", "垃圾分类点的桶满了两天没人清运"),
        ("f-community", "南湖社区"),
        ("f-place", "7栋东侧"),
        ("f-contact_phone", "139 1234 5678"),
    ] {
        browser
            .find(Locator::Id(field))
            .await
            .unwrap()
            .send_keys(text)
            .await
            .unwrap();
    }
    browser
        .find(Locator::Css(r#"input[name="may_contact"]"#))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let png = browser.screenshot().await.unwrap();
    std::fs::write(artifacts.join("request-form-phone.png"), png).unwrap();
    browser
        .find(Locator::Css(
            r#"form[action="/requests/new"] button[type="submit"]"#,
        ))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();

    let code = browser
        .wait()
        .for_element(Locator::Css(".tracking-code"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap()
        .replace(char::is_whitespace, "");
    let stored = triage::requests::find_by_code(&app.db, &code)
        .await
        .unwrap();
    assert_eq!(stored.contact_phone.as_deref(), Some("13912345678"));
    assert!(stored.may_contact);
    let page = browser.source().await.unwrap();
    assert!(page.contains("已受理") && page.contains("139****5678"));
    let png = browser.screenshot().await.unwrap();
    std::fs::write(artifacts.join("request-tracking-phone.png"), png).unwrap();
    browser.close().await.unwrap();
}
