//! Issue 23's walk: two volunteers count residents at one stall on their phones (real
//! headless Chromium at 390×844); the signal drops in the middle (a proxy between the
//! phones and the server stops passing traffic and drops open connections, as a square
//! without coverage does), taps go on and survive a reload of the page without signal,
//! and when the signal returns the server has every tap exactly once; the stall's report
//! is then prefilled with the taps.

use std::sync::Arc;
use std::time::Duration as StdDuration;

use event::entities::tally_tap;
use fantoccini::{Client, ClientBuilder, Locator};
use member::PlatformRole;
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;
use uuid::Uuid;

use crate::browser::{capabilities, chromedriver, log_in};
use crate::helpers::TestApp;
use crate::markets::market_with_shift;

/// A stretch of network between the phones and the server that can be cut: while cut, it
/// refuses new connections and drops the ones open.
struct Signal {
    on: watch::Sender<bool>,
    address: std::net::SocketAddr,
}

impl Signal {
    async fn between(server: std::net::SocketAddr) -> Signal {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = listener.local_addr().unwrap();
        let (on, _) = watch::channel(true);
        let watching = Arc::new(on.clone());
        tokio::spawn(async move {
            loop {
                let Ok((mut phone, _)) = listener.accept().await else {
                    return;
                };
                let mut signal = watching.subscribe();
                if !*signal.borrow() {
                    continue;
                }
                tokio::spawn(async move {
                    let Ok(mut upstream) = TcpStream::connect(server).await else {
                        return;
                    };
                    tokio::select! {
                        _ = tokio::io::copy_bidirectional(&mut phone, &mut upstream) => {}
                        _ = signal.wait_for(|on| !on) => {}
                    }
                });
            }
        });
        Signal { on, address }
    }

    fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.address)
    }

    fn set(&self, on: bool) {
        self.on.send_replace(on);
    }
}

async fn phone(driver: &str) -> (Client, tempfile::TempDir) {
    let profile = tempfile::tempdir().unwrap();
    let client = ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
        .capabilities(capabilities(true, profile.path()))
        .connect(driver)
        .await
        .expect("a Chromium session");
    client.set_window_size(390, 844).await.unwrap();
    (client, profile)
}

/// Opens the tally page and waits until its service worker controls it (the second load).
async fn open_tally(client: &Client, signal: &Signal, stall: Uuid) {
    let path = format!("/stalls/{stall}/tally");
    client.goto(&signal.url(&path)).await.unwrap();
    client
        .execute_async(
            "const done = arguments[arguments.length - 1]; \
             navigator.serviceWorker.ready.then(() => done(true));",
            vec![],
        )
        .await
        .unwrap();
    client.goto(&signal.url(&path)).await.unwrap();
    let controlled = client
        .execute("return !!navigator.serviceWorker.controller;", vec![])
        .await
        .unwrap();
    assert_eq!(controlled, true, "the service worker controls the page");
}

async fn tap(client: &Client, category: &str, times: usize) {
    for _ in 0..times {
        client
            .find(Locator::Css(&format!(
                r#"button[data-category="{category}"]"#
            )))
            .await
            .unwrap()
            .click()
            .await
            .unwrap();
    }
}

/// What the page shows: the total and the count of taps not yet sent.
async fn shown(client: &Client) -> (String, Option<String>) {
    let found = client
        .execute(
            "return [document.querySelector('[data-total]').textContent, \
                     document.querySelector('[data-unsynced]').hidden ? null \
                       : document.querySelector('[data-unsynced-count]').textContent];",
            vec![],
        )
        .await
        .unwrap();
    (
        found[0].as_str().unwrap().to_owned(),
        found[1].as_str().map(str::to_owned),
    )
}

/// Waits (up to 20 s) until the page has sent everything.
async fn synced(client: &Client) {
    for _ in 0..100 {
        if shown(client).await.1.is_none() {
            return;
        }
        tokio::time::sleep(StdDuration::from_millis(200)).await;
    }
    panic!("taps still waiting: {:?}", shown(client).await);
}

async fn stored(app: &TestApp, stall: Uuid) -> (u64, i64) {
    let rows = tally_tap::Entity::find()
        .filter(tally_tap::Column::StallId.eq(stall))
        .all(&app.db)
        .await
        .unwrap();
    (
        rows.len() as u64,
        rows.iter().map(|t| i64::from(t.delta)).sum(),
    )
}

#[tokio::test]
#[ignore = "needs Chromium and chromedriver: `bash .ci/run` installs them and runs this test"]
async fn two_phones_count_a_morning_with_the_signal_cut_in_the_middle() {
    let app = TestApp::new().await;
    let (_, shift) = market_with_shift(&app, 3).await;
    let stall = event::stalls::find_shift(&app.db, shift)
        .await
        .unwrap()
        .stall_id;
    for (name, number) in [("李阿姨", "13911120001"), ("王叔叔", "13911120002")] {
        let person = app.add_account(PlatformRole::Volunteer, name, number).await;
        event::signups::sign_up(
            &app.db,
            &crate::helpers::volunteer(person),
            shift,
            chrono::Utc::now(),
        )
        .await
        .unwrap();
    }
    let signal = Signal::between(app.address).await;
    let (_driver, driver_url) = chromedriver().await;
    let shots = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("browser");
    std::fs::create_dir_all(&shots).unwrap();

    let (li, _li_profile) = phone(&driver_url).await;
    log_in(&li, &signal.url("/login"), "13911120001").await;
    open_tally(&li, &signal, stall).await;
    tap(&li, "elderly", 3).await;
    tap(&li, "children", 1).await;
    synced(&li).await;
    assert_eq!(stored(&app, stall).await, (4, 4));

    // The signal goes: taps go on, and the page says how many wait.
    signal.set(false);
    tap(&li, "elderly", 2).await;
    tap(&li, "other", 1).await;
    li.find(Locator::Css("[data-undo]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    assert_eq!(shown(&li).await, ("6".to_owned(), Some("4".to_owned())));
    std::fs::write(
        shots.join("tally-1-offline.png"),
        li.screenshot().await.unwrap(),
    )
    .unwrap();
    assert_eq!(
        stored(&app, stall).await,
        (4, 4),
        "nothing reached the server"
    );
    // The page opens again without signal, with the taps still waiting.
    li.refresh().await.unwrap();
    li.wait()
        .for_element(Locator::Css("[data-tally]"))
        .await
        .unwrap();
    assert_eq!(shown(&li).await, ("6".to_owned(), Some("4".to_owned())));
    std::fs::write(
        shots.join("tally-2-reloaded-offline.png"),
        li.screenshot().await.unwrap(),
    )
    .unwrap();

    // Meanwhile a second phone at the same stall, with signal at its end of the square.
    signal.set(true);
    let (wang, _wang_profile) = phone(&driver_url).await;
    log_in(&wang, &signal.url("/login"), "13911120002").await;
    open_tally(&wang, &signal, stall).await;
    tap(&wang, "disabled", 2).await;
    synced(&wang).await;

    // The signal is back for the first phone too: every tap once.
    synced(&li).await;
    assert_eq!(stored(&app, stall).await, (10, 8));
    li.refresh().await.unwrap();
    li.wait()
        .for_element(Locator::Css("[data-tally]"))
        .await
        .unwrap();
    assert_eq!(shown(&li).await, ("8".to_owned(), None));
    std::fs::write(
        shots.join("tally-3-synced.png"),
        li.screenshot().await.unwrap(),
    )
    .unwrap();
    let per_counter = tally_tap::Entity::find()
        .filter(tally_tap::Column::StallId.eq(stall))
        .count(&app.db)
        .await
        .unwrap();
    assert_eq!(per_counter, 10);

    // The stall's report starts from the taps, and sent as prefilled it equals them.
    let coordinator = app
        .signed_in(PlatformRole::Coordinator, "周协调", "17000002003")
        .await;
    let attendance = coordinator
        .get_text(&format!("/stalls/{stall}/attendance"))
        .await;
    assert!(attendance.contains("现场计数 8 人次"), "{attendance}");
    let prefilled = [
        ("total", "8"),
        ("elderly", "5"),
        ("children", "1"),
        ("disabled", "2"),
        ("other", "0"),
    ];
    for (name, value) in prefilled {
        let field =
            format!(r#"name="{name}" type="number" min="0" inputmode="numeric" value="{value}""#);
        assert!(attendance.contains(&field), "{field}");
    }
    let mut sent = prefilled.to_vec();
    sent.push(("reason", ""));
    let reported = coordinator
        .post(&format!("/stalls/{stall}/beneficiaries"), &sent)
        .await;
    assert_eq!(reported.status(), 303);
    let report = event::entities::beneficiary_report::Entity::find()
        .filter(event::entities::beneficiary_report::Column::StallId.eq(stall))
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (report.total, report.tallied, report.elderly),
        (8, Some(8), Some(5))
    );

    // And at a desk (the leader's laptop): the same page, one column.
    li.set_window_size(1280, 800).await.unwrap();
    std::fs::write(
        shots.join("tally-4-desktop.png"),
        li.screenshot().await.unwrap(),
    )
    .unwrap();

    li.close().await.unwrap();
    wang.close().await.unwrap();
}
