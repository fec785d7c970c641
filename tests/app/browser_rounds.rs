//! 公益创投's pages in a real headless Chromium, at phone size (390×844) and desktop size
//! (1280×800), through a round's phases: the list and the form to open one (staff), a
//! leader's draft, a reviewer's scoring form, staff's awards and announcement, the public
//! results, tranches and reports. On each: nothing wider than the window, and axe finds
//! nothing critical or serious; screenshots are kept to look at.
//!
//! Needs `chromium`, `chromium-driver` and axe-core; `.ci/run` installs them and runs it.

use fantoccini::{Client, ClientBuilder};
use member::PlatformRole;

use crate::browser::{capabilities, chromedriver, log_in};
use crate::browser_month::axe;
use crate::helpers::{PASSWORD, TestApp};
use crate::rounds::{apply, move_round, open_round};

async fn client(driver: &str) -> (Client, tempfile::TempDir) {
    let profile = tempfile::tempdir().unwrap();
    let client = ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
        .capabilities(capabilities(true, profile.path()))
        .connect(driver)
        .await
        .unwrap();
    (client, profile)
}

/// The page at both sizes: fits, passes axe, and a screenshot of each.
async fn look(client: &Client, url: &str, name: &str, found: &mut Vec<String>) {
    let shots = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("browser");
    std::fs::create_dir_all(&shots).unwrap();
    for (width, height) in [(390, 844), (1280, 800)] {
        client.set_window_size(width, height).await.unwrap();
        client.goto(url).await.unwrap();
        let fits = client
            .execute(
                "return document.documentElement.scrollWidth <= window.innerWidth;",
                vec![],
            )
            .await
            .unwrap();
        if fits != serde_json::Value::Bool(true) {
            found.push(format!("{width}px {name}: wider than the window"));
        }
        for violation in axe(client).await {
            found.push(format!("{width}px {name}: {violation}"));
        }
        let png = client.screenshot().await.unwrap();
        std::fs::write(shots.join(format!("rounds-{name}-{width}.png")), png).unwrap();
    }
}

#[tokio::test]
#[ignore = "needs Chromium and chromedriver: `bash .ci/run` installs them and runs this test"]
async fn a_rounds_pages_fit_a_phone_and_pass_axe_in_every_phase() {
    let app = TestApp::new().await;
    let staff = app
        .signed_in(PlatformRole::Coordinator, "周协调", "13600000001")
        .await;
    app.add_account(PlatformRole::Volunteer, "王队长", "13600000002")
        .await;
    let org = app
        .add_org("南湖爱心理发队", "elderly", "南湖社区", "13600000002")
        .await;
    app.add_account(PlatformRole::Volunteer, "李专家", "13600000004")
        .await;
    let round = open_round(&staff, "100000").await;
    let leader = app.browser();
    leader.login("13600000002", PASSWORD).await;
    let application = apply(
        &leader,
        round,
        org,
        "银发理发上门",
        "理发工具 12000\n交通补贴 8000",
    )
    .await;
    staff
        .post(
            &format!("/rounds/{round}/reviewers"),
            &[("phone", "13600000004")],
        )
        .await;

    let (_driver, driver) = chromedriver().await;
    let (coordinator, _p1) = client(&driver).await;
    let (leader_phone, _p2) = client(&driver).await;
    let (expert_phone, _p3) = client(&driver).await;
    let (resident, _p4) = client(&driver).await;
    log_in(&coordinator, &app.url("/login"), "13600000001").await;
    log_in(&leader_phone, &app.url("/login"), "13600000002").await;
    log_in(&expert_phone, &app.url("/login"), "13600000004").await;
    let mut found = Vec::new();
    look(&coordinator, &app.url("/rounds"), "list", &mut found).await;
    look(&coordinator, &app.url("/rounds/new"), "new", &mut found).await;
    let apply_url = app.url(&format!("/rounds/{round}/apply/{org}"));
    look(&leader_phone, &apply_url, "applied", &mut found).await;

    move_round(&app, round, "reviewing").await;
    look(
        &expert_phone,
        &app.url(&format!("/rounds/{round}/review")),
        "review",
        &mut found,
    )
    .await;
    let scores: Vec<(String, String)> = (0..4)
        .flat_map(|n| {
            [
                (format!("score_{n}"), "80".to_owned()),
                (format!("comment_{n}"), "方案扎实".to_owned()),
            ]
        })
        .collect();
    let expert = app.browser();
    expert.login("13600000004", PASSWORD).await;
    let form: Vec<(&str, &str)> = scores
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    assert_eq!(
        expert
            .post(&format!("/applications/{application}/scores"), &form)
            .await
            .status(),
        303
    );

    move_round(&app, round, "deciding").await;
    let manage_url = app.url(&format!("/rounds/{round}/manage"));
    look(&coordinator, &manage_url, "deciding", &mut found).await;
    staff
        .post(
            &format!("/applications/{application}/award"),
            &[("amount", "18000")],
        )
        .await;
    staff.post(&format!("/rounds/{round}/announce"), &[]).await;
    look(
        &resident,
        &app.url(&format!("/rounds/{round}")),
        "results",
        &mut found,
    )
    .await;

    move_round(&app, round, "standing").await;
    staff
        .post(&format!("/applications/{application}/project"), &[])
        .await;
    leader
        .post(
            &format!("/applications/{application}/reports"),
            &[
                ("kind", "midterm"),
                ("text", "已上门服务 60 人次"),
                ("reached", "60"),
            ],
        )
        .await;
    look(&coordinator, &manage_url, "standing", &mut found).await;
    look(&leader_phone, &apply_url, "reports", &mut found).await;
    assert!(found.is_empty(), "{}", found.join("\n"));
    for client in [coordinator, leader_phone, expert_phone, resident] {
        client.close().await.unwrap();
    }
}
