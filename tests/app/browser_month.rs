//! The month as its people live it, in a real headless Chromium at phone size (390×844):
//! a coordinator creates a market day for today with a stall and a 3-place shift and
//! publishes it; a new volunteer starts from the anonymous market page, registers and is
//! signed up; she checks in and out; the leader confirms her hours; the coordinator
//! records 25 residents with a breakdown; the dashboard shows those hours and 25, and the
//! monthly workbook's cells are numbers equal to them; her hours are posted publicly (公示)
//! and, once the posting is over, go on her certificate. At every step no page is wider than
//! the phone, and the sign-up taps are counted. axe-core then checks the main pages at
//! phone and desktop size: no critical or serious violation.
//!
//! Needs `chromium`, `chromium-driver` (Debian) and axe-core (npm); `.ci/run` installs
//! them and runs this test, which `cargo test` lists as ignored rather than counting it
//! as passed.

use std::path::PathBuf;
use std::time::Duration as StdDuration;

use calamine::{Data, Reader, Xlsx};
use chrono::{Duration, NaiveTime, Timelike, Utc};
use fantoccini::{Client, ClientBuilder, Locator};
use member::PlatformRole;
use sea_orm::{ActiveModelTrait, EntityTrait, Set};
use serde_json::json;

use crate::browser::{capabilities, chromedriver};
use crate::helpers::{PASSWORD, TestApp};

/// One person's phone: a Chromium session of its own, counting taps and checking that
/// every page fits.
struct Phone<'a> {
    app: &'a TestApp,
    client: Client,
    who: &'static str,
    taps: u32,
    shots: PathBuf,
    _profile: tempfile::TempDir,
}

impl<'a> Phone<'a> {
    async fn open(app: &'a TestApp, driver: &str, who: &'static str) -> Phone<'a> {
        let profile = tempfile::tempdir().unwrap();
        let client = ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
            .capabilities(capabilities(true, profile.path()))
            .connect(driver)
            .await
            .expect("a Chromium session");
        client.set_window_size(390, 844).await.unwrap();
        let shots = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("browser");
        std::fs::create_dir_all(&shots).unwrap();
        Phone {
            app,
            client,
            who,
            taps: 0,
            shots,
            _profile: profile,
        }
    }

    async fn go(&self, path: &str) {
        self.client.goto(&self.app.url(path)).await.unwrap();
    }

    async fn path(&self) -> String {
        self.client.current_url().await.unwrap().path().to_owned()
    }

    /// Waits until the browser shows `path` (after a redirect).
    async fn wait_for_path(&self, path: &str) {
        for _ in 0..100 {
            if self.path().await == path {
                return;
            }
            tokio::time::sleep(StdDuration::from_millis(100)).await;
        }
        panic!("{}: expected {path}, on {}", self.who, self.path().await);
    }

    /// Waits until the page's main text says `needle` (the page may still be loading
    /// after a tap).
    async fn sees(&self, needle: &str) {
        let mut last = String::new();
        for _ in 0..100 {
            if let Ok(main) = self.client.find(Locator::Css("main")).await
                && let Ok(text) = main.text().await
            {
                if text.contains(needle) {
                    return;
                }
                last = text;
            }
            tokio::time::sleep(StdDuration::from_millis(100)).await;
        }
        panic!(
            "{}: no {needle:?} on {}:\n{last}",
            self.who,
            self.path().await
        );
    }

    /// A tap on what the CSS names (it must be there), counted. The page may still be
    /// changing from the last tap: an element that went stale is looked up again.
    async fn tap(&mut self, css: &str) {
        let here = self.path().await;
        let mut last_error = String::new();
        for _ in 0..20 {
            let element = self
                .client
                .wait()
                .at_most(StdDuration::from_secs(10))
                .for_element(Locator::Css(css))
                .await
                .unwrap_or_else(|e| panic!("{}: no {css} on {here}: {e}", self.who));
            match element.click().await {
                Ok(()) => {
                    self.taps += 1;
                    return;
                }
                Err(error) => {
                    last_error = error.to_string();
                    tokio::time::sleep(StdDuration::from_millis(200)).await;
                }
            }
        }
        panic!("{}: could not tap {css} on {here}: {last_error}", self.who);
    }

    async fn type_into(&self, id: &str, text: &str) {
        let field = self
            .client
            .wait()
            .at_most(StdDuration::from_secs(10))
            .for_element(Locator::Id(id))
            .await
            .unwrap_or_else(|e| panic!("{}: no field {id}: {e}", self.who));
        field.clear().await.unwrap();
        field.send_keys(text).await.unwrap();
    }

    /// Date, time and select fields: set as the picker would.
    async fn set(&self, id: &str, value: &str) {
        self.client
            .wait()
            .at_most(StdDuration::from_secs(10))
            .for_element(Locator::Id(id))
            .await
            .unwrap_or_else(|e| panic!("{}: no field {id}: {e}", self.who));
        self.client
            .execute(
                "const f = document.getElementById(arguments[0]); f.value = arguments[1]; \
                 f.dispatchEvent(new Event('change', {bubbles: true}));",
                vec![json!(id), json!(value)],
            )
            .await
            .unwrap();
    }

    /// No page is wider than the phone, and a screenshot to look at.
    async fn fits(&self, step: &str) {
        let widths = self
            .client
            .execute(
                "return [document.documentElement.scrollWidth, window.innerWidth];",
                vec![],
            )
            .await
            .unwrap();
        let (page, viewport) = (widths[0].as_i64().unwrap(), widths[1].as_i64().unwrap());
        let png = self.client.screenshot().await.unwrap();
        std::fs::write(self.shots.join(format!("month-{step}.png")), png).unwrap();
        assert!(
            page <= viewport,
            "{step} ({}): the page is {page} px wide on a {viewport} px phone",
            self.path().await
        );
    }

    async fn close(self) {
        self.client.close().await.unwrap();
    }
}

/// A Shanghai clock time `HH:MM`.
fn hhmm(at: chrono::DateTime<Utc>) -> String {
    at.with_timezone(&event::schedule::shanghai())
        .format("%H:%M")
        .to_string()
}

#[tokio::test]
#[ignore = "needs Chromium, chromedriver and axe-core: `bash .ci/run` installs them and runs this test"]
async fn the_month_runs_through_on_a_phone() {
    // A day for today needs room before midnight in Shanghai: in the last quarter hour
    // of the day, wait for tomorrow.
    let local = Utc::now().with_timezone(&event::schedule::shanghai());
    if local.hour() == 23 && local.minute() >= 45 {
        let wait = 60 * (60 - i64::from(local.minute())) + 30;
        tokio::time::sleep(StdDuration::from_secs(wait.unsigned_abs())).await;
    }
    let app = TestApp::new().await;
    app.add_account(PlatformRole::Coordinator, "周协调", "13600000001")
        .await;
    app.add_account(PlatformRole::Volunteer, "王队长", "13600000002")
        .await;
    app.add_org("南湖爱心理发队", "elderly", "南湖社区", "13600000002")
        .await;
    let (_driver, driver) = chromedriver().await;

    // ---- the coordinator creates a day for today, a stall, a 3-place shift, publishes it.
    let mut coordinator = Phone::open(&app, &driver, "coordinator").await;
    coordinator.go("/login").await;
    coordinator.type_into("f-phone", "13600000001").await;
    coordinator.type_into("f-password", PASSWORD).await;
    coordinator.tap(r#"form[action="/login"] button"#).await;
    coordinator.wait_for_path("/dashboard").await;
    coordinator.fits("01-coordinator-dashboard").await;
    coordinator.go("/admin/markets").await;
    coordinator.tap(r#"a[href="/admin/markets/new"]"#).await;
    let starts = Utc::now() + Duration::minutes(3);
    let local_start = starts.with_timezone(&event::schedule::shanghai());
    let ends = (starts + Duration::minutes(90)).min(event::schedule::at(
        local_start.date_naive(),
        NaiveTime::from_hms_opt(23, 59, 0).unwrap(),
    ));
    // 1.5 hours to confirm, or less when the day ends sooner (late in the evening in
    // Shanghai the day is cut at midnight); never more than the shift lasts.
    let tenths = ((ends - starts).num_minutes() / 6).min(15);
    let hours = format!("{}.{}", tenths / 10, tenths % 10);
    coordinator.type_into("f-title", "南湖社区公益集市").await;
    coordinator
        .set("f-date", &local_start.format("%Y-%m-%d").to_string())
        .await;
    coordinator.set("f-starts", &hhmm(starts)).await;
    coordinator.set("f-ends", &hhmm(ends)).await;
    coordinator.type_into("f-place", "南湖社区广场").await;
    coordinator.fits("02-new-day").await;
    coordinator
        .tap(r#"form[action="/admin/markets/new"] button[type="submit"]"#)
        .await;
    coordinator
        .client
        .wait()
        .for_element(Locator::Id("f-org"))
        .await
        .unwrap();
    let market_path = coordinator.path().await;
    let market_id: uuid::Uuid = market_path.trim_start_matches("/markets/").parse().unwrap();
    coordinator
        .client
        .execute(
            "document.querySelectorAll('details').forEach(d => d.open = true);",
            vec![],
        )
        .await
        .unwrap();
    coordinator.set("f-service", "haircut").await;
    coordinator
        .tap(&format!(
            r#"form[action="/markets/{market_id}/stalls"] button"#
        ))
        .await;
    let stall_form = coordinator
        .client
        .wait()
        .for_element(Locator::Css(
            r#"form[action^="/stalls/"][action$="/shifts"]"#,
        ))
        .await
        .unwrap();
    let action = stall_form.attr("action").await.unwrap().unwrap();
    let stall_id: uuid::Uuid = action
        .trim_start_matches("/stalls/")
        .trim_end_matches("/shifts")
        .parse()
        .unwrap();
    coordinator
        .client
        .execute(
            "document.querySelectorAll('details').forEach(d => d.open = true);",
            vec![],
        )
        .await
        .unwrap();
    coordinator.type_into(&format!("cap-{stall_id}"), "3").await;
    coordinator
        .tap(&format!(r#"form[action="{action}"] button"#))
        .await;
    coordinator
        .tap(&format!(
            r#"form[action="/markets/{market_id}/publish"] button"#
        ))
        .await;
    coordinator
        .client
        .wait()
        .for_element(Locator::Css(".flash, .notice"))
        .await
        .ok();
    coordinator.fits("03-day-published").await;
    let published = event::schedule::find(&app.db, market_id).await.unwrap();
    assert_eq!(published.status, event::EventStatus::Published);

    // ---- a new volunteer, from the anonymous market page: register and sign up.
    let mut volunteer = Phone::open(&app, &driver, "volunteer").await;
    volunteer.go("/markets").await;
    volunteer.fits("04-markets-anonymous").await;
    volunteer.taps = 0;
    volunteer
        .tap(&format!(r#"a[href="/markets/{market_id}"]"#))
        .await;
    volunteer.fits("05-market-anonymous").await;
    // Counted from the market page: 报名, 注册, the consent box, 注册, 登录 (the phone is
    // filled in), 确认报名.
    volunteer.taps = 0;
    volunteer.tap(r#"a[href$="/signup"].button"#).await;
    volunteer.tap(r#"main a[href^="/register?next="]"#).await;
    volunteer.type_into("f-name", "林小梅").await;
    volunteer.type_into("f-phone", "13911112222").await;
    volunteer.set("f-birth_date", "1956-03-08").await;
    volunteer.type_into("f-password", PASSWORD).await;
    volunteer.type_into("f-password_confirm", PASSWORD).await;
    volunteer.tap(r#"input[name="consent"]"#).await;
    volunteer.fits("06-register").await;
    volunteer
        .tap(r#"form[action="/register"] button[type="submit"]"#)
        .await;
    volunteer.wait_for_path("/login").await;
    volunteer.sees("登记已收到").await;
    volunteer.type_into("f-password", PASSWORD).await;
    volunteer.fits("07-login-after-registering").await;
    volunteer
        .tap(r#"form[action="/login"] button[type="submit"]"#)
        .await;
    volunteer.fits("07-confirm-sign-up").await;
    volunteer
        .tap(r#"form[action$="/signup"] button[type="submit"]"#)
        .await;
    let standing = volunteer
        .client
        .wait()
        .for_element(Locator::Css(".standing.confirmed"))
        .await
        .unwrap();
    assert!(standing.text().await.unwrap().contains("已报名"));
    volunteer.fits("08-signed-up").await;
    let taps = volunteer.taps;
    eprintln!("a new volunteer signed up in {taps} taps from the market page");
    assert!(taps <= 6, "{taps} taps from the market page");

    // ---- news: the coordinator tells the day's volunteers; the volunteer finds it by the
    // count on 消息 in the navigation, with the confirmation of her sign-up.
    coordinator
        .go(&format!("/markets/{market_id}/message"))
        .await;
    coordinator
        .type_into("f-message", "请带好老年证，集市在广场东侧")
        .await;
    coordinator.fits("08-message-the-day").await;
    coordinator
        .tap(r#"form[action$="/message"] button[type="submit"]"#)
        .await;
    coordinator.sees("通知已发给").await;
    volunteer.go("/markets").await;
    volunteer.tap(r#"a[href="/me/notifications"]"#).await;
    volunteer.sees("请带好老年证").await;
    volunteer.sees("报名成功").await;
    volunteer.fits("08-messages").await;

    // The day begins: the clock is moved on by moving the day back, so the shift started
    // a few minutes ago and the check-in window is open.
    let moved_by = (starts - Utc::now()) + Duration::minutes(5);
    for found in event::entities::event::Entity::find()
        .all(&app.db)
        .await
        .unwrap()
    {
        let mut moved: event::entities::event::ActiveModel = found.clone().into();
        moved.starts_at = Set(found.starts_at - moved_by);
        moved.ends_at = Set(found.ends_at - moved_by);
        moved.signup_closes_at = Set(found.signup_closes_at.map(|at| at - moved_by));
        moved.update(&app.db).await.unwrap();
    }
    for found in event::entities::shift::Entity::find()
        .all(&app.db)
        .await
        .unwrap()
    {
        let mut moved: event::entities::shift::ActiveModel = found.clone().into();
        moved.starts_at = Set(found.starts_at - moved_by);
        moved.ends_at = Set(found.ends_at - moved_by);
        moved.update(&app.db).await.unwrap();
    }

    // ---- a neighbour walks up to the desk: the coordinator finds him by the last four
    // digits of his phone and signs him up with one tap, though the shift has begun.
    app.add_account(PlatformRole::Volunteer, "刘师傅", "13700000777")
        .await;
    coordinator.go(&market_path).await;
    coordinator.tap(r#"a[href$="/desk"]"#).await;
    let desk_path = coordinator.path().await;
    coordinator.type_into("desk-q", "0777").await;
    coordinator.tap(r#"form[role="search"] button"#).await;
    coordinator.sees("给 刘师傅 报名").await;
    coordinator.fits("09-desk-found").await;
    coordinator
        .tap(r#"form[action$="/desk"][method="post"] button"#)
        .await;
    coordinator.sees("已报名。可以接着找下一位").await;

    // ---- the leader prints the QR poster; the volunteer checks in and out.
    let mut leader = Phone::open(&app, &driver, "leader").await;
    leader.go("/login").await;
    leader.type_into("f-phone", "13600000002").await;
    leader.type_into("f-password", PASSWORD).await;
    leader.tap(r#"form[action="/login"] button"#).await;
    leader
        .client
        .wait()
        .for_element(Locator::Css(r#"a[href="/me"]"#))
        .await
        .unwrap();
    leader.go(&format!("/markets/{market_id}")).await;
    leader.fits("09-market-leader").await;
    leader.tap(r#"a[href^="/shifts/"][href$="/qr"]"#).await;
    let checkin_url = leader
        .client
        .find(Locator::Css(".code-small"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let checkin_path = &checkin_url[checkin_url.find("/checkin/").unwrap()..];
    leader.fits("10-qr-poster").await;

    volunteer.go(checkin_path).await;
    volunteer.fits("11-check-in").await;
    volunteer
        .tap(r#"input[name="step"][value="in"] ~ button"#)
        .await;
    volunteer.wait_for_path("/me/shifts").await;
    volunteer.sees("已签到").await;
    volunteer.fits("12-my-shifts-checked-in").await;
    volunteer.go(checkin_path).await;
    volunteer.sees("已签到").await;
    volunteer
        .tap(r#"input[name="step"][value="out"] ~ button"#)
        .await;
    // Before the shift's end, checking out asks first.
    volunteer.sees("现在就签退吗").await;
    volunteer.fits("13-check-out-early").await;
    volunteer.tap(r#"input[name="early"] ~ button"#).await;
    volunteer.wait_for_path("/me/shifts").await;
    volunteer.sees("已签退").await;
    volunteer.fits("14-my-shifts-checked-out").await;

    // ---- the leader confirms her hours: 1.5 (see above).
    leader.go(&format!("/stalls/{stall_id}/attendance")).await;
    leader.fits("15-attendance").await;
    let hours_field = leader
        .client
        .find(Locator::Css(r#"input[name="hours"]"#))
        .await
        .unwrap();
    hours_field.clear().await.unwrap();
    hours_field.send_keys(&hours).await.unwrap();
    leader
        .tap(r#"form[action^="/records/"] button[type="submit"]"#)
        .await;
    leader
        .client
        .wait()
        .for_element(Locator::Css(r#"input[name="reason"]"#))
        .await
        .unwrap();
    leader.sees(&hours).await;
    leader.fits("16-attendance-after-confirming").await;

    // ---- the coordinator records 25 residents with a breakdown, from the day's list.
    coordinator.go("/admin/markets").await;
    coordinator.fits("17-admin-markets").await;
    coordinator
        .tap(&format!(r#"a[href="/stalls/{stall_id}/attendance"]"#))
        .await;
    for (id, value) in [
        ("b-total", "25"),
        ("b-elderly", "12"),
        ("b-children", "6"),
        ("b-disabled", "2"),
        ("b-other", "5"),
    ] {
        coordinator.type_into(id, value).await;
    }
    coordinator
        .tap(r#"form[action$="/beneficiaries"] button[type="submit"]"#)
        .await;
    coordinator
        .client
        .wait()
        .for_element(Locator::Id("b-reason"))
        .await
        .unwrap();
    coordinator.fits("18-beneficiaries-reported").await;

    // ---- the dashboard shows them at once, and the workbook agrees in number cells.
    coordinator.go("/dashboard").await;
    let dashboard = coordinator.client.source().await.unwrap();
    assert!(
        dashboard.contains(&format!(r#"<span class="count">{hours}</span>"#)),
        "the confirmed hours count at once"
    );
    assert!(
        dashboard.contains(r#"<span class="count">25</span>"#),
        "the residents count at once"
    );
    assert!(
        dashboard.contains(r#"<span class="count">0.0</span> 其中已生效"#),
        "posted, not yet standing"
    );
    coordinator.fits("19-dashboard").await;

    // ---- 公示: her hours are posted, name masked; they stand after three working days
    // (the clock moved in the database), and then her certificate holds them.
    volunteer.go("/me/shifts").await;
    volunteer.sees(&format!("其中 {hours} 小时正在公示")).await;
    volunteer.tap(r#"a[href="/publicity"]"#).await;
    volunteer.sees("林**").await;
    volunteer.fits("20-publicity").await;
    // A resident objects; the coordinator checks and keeps the record, with the reason.
    let mut anonymous = Phone::open(&app, &driver, "resident").await;
    anonymous.go("/publicity").await;
    anonymous.tap(r#"a[href$="/objection"]"#).await;
    anonymous.type_into("f-reason", "她好像十点才到").await;
    anonymous.fits("21-objection").await;
    anonymous.tap(r#"form.form button[type="submit"]"#).await;
    anonymous.sees("已收到您的异议").await;
    anonymous.sees("有异议，处理中").await;
    coordinator.go("/publicity/objections").await;
    coordinator.sees("她好像十点才到").await;
    let explanation = coordinator
        .client
        .find(Locator::Css(
            r#"form[action^="/publicity/objections/"] input[name="reason"]"#,
        ))
        .await
        .unwrap();
    explanation
        .send_keys("核对签到记录，时长无误")
        .await
        .unwrap();
    coordinator.fits("22-objections").await;
    coordinator
        .tap(r#"form[action^="/publicity/objections/"] button"#)
        .await;
    coordinator.sees("核实无误，维持原记录").await;
    app.end_postings().await;
    volunteer.go("/me/certificates").await;
    let today = local_start.format("%Y-%m-%d").to_string();
    volunteer.set("f-from", &today).await;
    volunteer.set("f-until", &today).await;
    volunteer
        .tap(r#"form[action="/me/certificates"] button[type="submit"]"#)
        .await;
    volunteer.sees("WYF-V000001").await;
    volunteer.sees(&hours).await;
    volunteer.fits("23-certificate").await;

    let http = app.browser();
    assert_eq!(http.login("13600000001", PASSWORD).await.status(), 303);
    let month = Utc::now()
        .with_timezone(&event::schedule::shanghai())
        .format("%Y-%m");
    let response = http
        .get(&format!("/reports/monthly.xlsx?month={month}"))
        .await;
    assert_eq!(response.status(), 200);
    let bytes = response.bytes().await.unwrap().to_vec();
    let mut workbook: Xlsx<_> =
        calamine::open_workbook_from_rs(std::io::Cursor::new(bytes)).unwrap();
    let summary = workbook.worksheet_range("汇总").unwrap();
    let figure = |label: &str| {
        summary
            .rows()
            .find(|row| row[0] == label)
            .map(|row| row[1].clone())
            .unwrap_or_else(|| panic!("{label} in the summary"))
    };
    assert_eq!(
        figure("志愿服务时长（小时）"),
        Data::Float(tenths as f64 / 10.0)
    );
    assert_eq!(figure("服务居民人次"), Data::Float(25.0));
    assert_eq!(figure("其中：老年人"), Data::Float(12.0));
    assert_eq!(figure("其中：儿童"), Data::Float(6.0));

    // ---- axe-core on the main pages, at phone and desktop size.
    let pages = [
        (&coordinator, "/"),
        (&coordinator, "/markets"),
        (&coordinator, &market_path),
        (&coordinator, "/admin/markets"),
        (&coordinator, "/admin/markets/new"),
        (&coordinator, "/admin/markets/schedule"),
        (&coordinator, "/dashboard"),
        (&coordinator, "/orgs"),
        (&coordinator, "/projects"),
        (&coordinator, "/requests"),
        (&coordinator, "/admin/accounts"),
        (&coordinator, "/admin/audit"),
        (&coordinator, "/publicity/objections"),
        (&coordinator, &desk_path),
        (&leader, &format!("/stalls/{stall_id}/attendance")),
        (&leader, "/me"),
        (&volunteer, "/me/shifts"),
        (&volunteer, "/me/certificates"),
        (&volunteer, "/me/helped"),
        (&volunteer, "/me/record"),
        (&volunteer, checkin_path),
        (&volunteer, "/requests/new"),
        (&volunteer, "/requests/board"),
        // The day as a plain volunteer gets it: the kept body with their own shift put in.
        (&volunteer, &market_path),
    ];
    let mut found = Vec::new();
    for (width, height) in [(390, 844), (1280, 800)] {
        for phone in [&coordinator, &leader, &volunteer] {
            phone.client.set_window_size(width, height).await.unwrap();
        }
        for (n, (phone, path)) in pages.iter().enumerate() {
            phone.go(path).await;
            if width > 390 {
                let png = phone.client.screenshot().await.unwrap();
                std::fs::write(phone.shots.join(format!("month-desktop-{n:02}.png")), png).unwrap();
            }
            for violation in axe(&phone.client).await {
                found.push(format!("{width}px {path}: {violation}"));
            }
        }
    }
    for path in [
        "/",
        "/login",
        "/login/code",
        "/register",
        "/markets",
        "/requests/new",
        "/publicity",
    ] {
        anonymous.go(path).await;
        for violation in axe(&anonymous.client).await {
            found.push(format!("anonymous {path}: {violation}"));
        }
    }
    assert!(found.is_empty(), "axe-core:\n{}", found.join("\n"));

    for phone in [coordinator, volunteer, leader, anonymous] {
        phone.close().await;
    }
}

/// axe-core's critical and serious violations on the page shown, one line each.
pub(crate) async fn axe(client: &Client) -> Vec<String> {
    let path = std::env::var("WEIYIFANG_AXE_JS")
        .unwrap_or_else(|_| "target/axe/node_modules/axe-core/axe.min.js".to_owned());
    let source = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("axe-core at {path} (`.ci/run` installs it): {e}"));
    client.execute(&source, vec![]).await.unwrap();
    let result = client
        .execute_async(
            "const done = arguments[arguments.length - 1]; \
             axe.run(document, {resultTypes: ['violations']}).then(r => done(r.violations.map(v => \
               ({id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.slice(0, 3).map(n => n.target.join(' '))}))));",
            vec![],
        )
        .await
        .unwrap();
    result
        .as_array()
        .unwrap()
        .iter()
        .filter(|v| matches!(v["impact"].as_str(), Some("critical" | "serious")))
        .map(|v| {
            format!(
                "{} ({}): {} at {}",
                v["id"], v["impact"], v["help"], v["nodes"]
            )
        })
        .collect()
}
