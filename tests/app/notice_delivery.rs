//! The outbox's worker and its channels: claims that never overlap (two workers at once), a
//! worker that dies mid-send, quiet hours and the day's cap, an e-mail that arrives at a
//! real SMTP server on loopback, and SMS signed as 阿里云短信服务 documents it, checked by a
//! local server that verifies the signature and answers with the provider's codes.

use std::collections::{BTreeMap, HashSet};
use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::sync::{Arc, Mutex};

use base64::Engine;
use chrono::{DateTime, Duration, NaiveTime, TimeZone, Utc};
use hmac::{Hmac, Mac};
use member::PlatformRole;
use member::entities::delivery;
use member::notices::outbox::{self, Outcome, Policy};
use member::notices::{self, Kind, Notice};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use uuid::Uuid;
use weiyifang::notices::{Outbound, Sms, deliver_due};

use crate::helpers::TestApp;
use crate::markets::volunteer;

pub(crate) fn policy() -> Policy {
    Policy {
        lease: Duration::minutes(2),
        batch: 25,
        max_attempts: 3,
        daily_cap: 6,
        quiet_hours: None,
    }
}

/// Tells `person` `count` notices of `kind`, each in its own committed transaction.
async fn tell(app: &TestApp, person: Uuid, kind: Kind, count: usize, now: DateTime<Utc>) {
    for n in 0..count {
        let txn = member::tx::begin_write(&app.db).await.unwrap();
        let told = Notice::new(kind, "/markets")
            .arg("day", "南湖集市")
            .arg("starts", "2026-12-06 09:00")
            .arg("place", "南湖社区广场")
            .arg("service", "haircut")
            .arg("reason", "暴雨")
            .arg("message", format!("第{n}条"));
        notices::send(&txn, person, &told, now).await.unwrap();
        txn.commit().await.unwrap();
    }
}

async fn statuses(app: &TestApp) -> BTreeMap<String, u64> {
    outbox::counts(&app.db)
        .await
        .unwrap()
        .into_iter()
        .filter(|(_, n)| *n > 0)
        .collect()
}

fn shanghai(y: i32, m: u32, d: u32, h: u32, min: u32) -> DateTime<Utc> {
    event::schedule::shanghai()
        .with_ymd_and_hms(y, m, d, h, min, 0)
        .unwrap()
        .with_timezone(&Utc)
}

#[tokio::test]
async fn two_workers_claiming_at_once_never_take_one_message_twice() {
    let app = TestApp::new().await;
    let now = Utc::now();
    for n in 0..6 {
        let person = volunteer(&app, n).await.person_id;
        tell(&app, person, Kind::StaffMessage, 10, now).await;
    }
    let worker = |db: sea_orm::DatabaseConnection| async move {
        let mut taken = Vec::new();
        loop {
            let claimed = outbox::claim(&db, &policy(), now).await.unwrap();
            if claimed.is_empty() {
                return taken;
            }
            for message in claimed {
                assert!(
                    outbox::finish(&db, &policy(), &message, &Outcome::Sent, now)
                        .await
                        .unwrap()
                );
                taken.push(message.id);
            }
        }
    };
    let (a, b) = tokio::join!(
        tokio::spawn(worker(app.db.clone())),
        tokio::spawn(worker(app.db.clone()))
    );
    let (a, b) = (a.unwrap(), b.unwrap());
    let all: HashSet<Uuid> = a.iter().chain(&b).copied().collect();
    assert_eq!(
        a.len() + b.len(),
        60,
        "every message once: {} + {}",
        a.len(),
        b.len()
    );
    assert_eq!(all.len(), 60);
    assert_eq!(statuses(&app).await, BTreeMap::from([("sent".into(), 60)]));
}

#[tokio::test]
async fn a_worker_that_dies_mid_send_loses_nothing_and_its_late_word_counts_for_nothing() {
    let app = TestApp::new().await;
    let t0 = Utc::now();
    let person = volunteer(&app, 1).await.person_id;
    tell(&app, person, Kind::Promoted, 1, t0).await;
    // Worker A claims and dies before it records anything.
    let dead = outbox::claim(&app.db, &policy(), t0).await.unwrap();
    assert_eq!(dead.len(), 1);
    // While its lease holds, nobody else takes the message.
    assert!(
        outbox::claim(&app.db, &policy(), t0 + Duration::minutes(1))
            .await
            .unwrap()
            .is_empty()
    );
    // After it, worker B takes the same message, with the same idempotency key.
    let later = t0 + Duration::minutes(3);
    let again = outbox::claim(&app.db, &policy(), later).await.unwrap();
    assert_eq!(again.len(), 1);
    assert_eq!(again[0].id, dead[0].id);
    assert_eq!(again[0].attempts, 2);
    assert!(
        outbox::finish(&app.db, &policy(), &again[0], &Outcome::Sent, later)
            .await
            .unwrap()
    );
    // A, come back to life, cannot record a second sending.
    assert!(
        !outbox::finish(
            &app.db,
            &policy(),
            &dead[0],
            &Outcome::Retry("late".into()),
            later
        )
        .await
        .unwrap()
    );
    assert_eq!(statuses(&app).await, BTreeMap::from([("sent".into(), 1)]));
    assert!(
        outbox::claim(&app.db, &policy(), later + Duration::hours(1))
            .await
            .unwrap()
            .is_empty()
    );
}

#[tokio::test]
async fn quiet_hours_hold_reminders_but_not_a_cancellation_and_the_days_cap_holds() {
    let app = TestApp::new().await;
    let quiet = Policy {
        quiet_hours: Some((
            NaiveTime::from_hms_opt(21, 0, 0).unwrap(),
            NaiveTime::from_hms_opt(8, 0, 0).unwrap(),
        )),
        ..policy()
    };
    let night = shanghai(2026, 12, 5, 22, 0);
    let person = volunteer(&app, 1).await.person_id;
    tell(&app, person, Kind::ReminderEvening, 1, night).await;
    tell(&app, person, Kind::DayCancelled, 1, night).await;
    let at_night = outbox::claim(&app.db, &quiet, night).await.unwrap();
    assert_eq!(
        at_night.iter().map(|m| m.kind).collect::<Vec<_>>(),
        [Kind::DayCancelled]
    );
    outbox::finish(&app.db, &quiet, &at_night[0], &Outcome::Sent, night)
        .await
        .unwrap();
    let morning = shanghai(2026, 12, 6, 8, 5);
    let in_the_morning = outbox::claim(&app.db, &quiet, morning).await.unwrap();
    assert_eq!(
        in_the_morning.iter().map(|m| m.kind).collect::<Vec<_>>(),
        [Kind::ReminderEvening]
    );
    outbox::finish(&app.db, &quiet, &in_the_morning[0], &Outcome::Sent, morning)
        .await
        .unwrap();

    // Six other messages a day at most: the seventh and eighth are skipped, not sent.
    let other = volunteer(&app, 2).await.person_id;
    tell(&app, other, Kind::HoursConfirmed, 6, morning).await;
    for message in outbox::claim(&app.db, &quiet, morning).await.unwrap() {
        outbox::finish(&app.db, &quiet, &message, &Outcome::Sent, morning)
            .await
            .unwrap();
    }
    tell(&app, other, Kind::HoursConfirmed, 2, morning).await;
    assert!(
        outbox::claim(&app.db, &quiet, morning)
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(
        statuses(&app).await,
        BTreeMap::from([("sent".into(), 8), ("skipped".into(), 2)])
    );
}

/// The messages an SMTP server accepted: recipients and raw data.
type Received = Arc<Mutex<Vec<(Vec<String>, String)>>>;

/// An SMTP server on loopback: `mailin` speaks the protocol, this loop carries the lines.
/// Returns its port and the messages it accepted (recipients, raw data).
fn smtp_server() -> (u16, Received) {
    #[derive(Clone)]
    struct Inbox {
        to: Vec<String>,
        data: Vec<u8>,
        done: Received,
    }
    impl mailin::Handler for Inbox {
        fn data_start(&mut self, _: &str, _: &str, _: bool, to: &[String]) -> mailin::Response {
            self.to = to.to_vec();
            self.data.clear();
            mailin::response::OK
        }
        fn data(&mut self, buf: &[u8]) -> std::io::Result<()> {
            self.data.extend_from_slice(buf);
            Ok(())
        }
        fn data_end(&mut self) -> mailin::Response {
            let data = String::from_utf8_lossy(&self.data).into_owned();
            self.done.lock().unwrap().push((self.to.clone(), data));
            mailin::response::OK
        }
    }
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let done = Arc::new(Mutex::new(Vec::new()));
    let handler = Inbox {
        to: Vec::new(),
        data: Vec::new(),
        done: done.clone(),
    };
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { return };
            let peer = stream.peer_addr().unwrap().ip();
            let mut session = mailin::SessionBuilder::new("mx.test").build(peer, handler.clone());
            session.greeting().write_to(&mut stream).unwrap();
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut line = Vec::new();
            while reader.read_until(b'\n', &mut line).unwrap_or(0) > 0 {
                let response = session.process(&line);
                line.clear();
                match response.action {
                    mailin::Action::Reply => response.write_to(&mut stream).unwrap(),
                    mailin::Action::Close => {
                        response.write_to(&mut stream).unwrap();
                        break;
                    }
                    _ => {}
                }
                stream.flush().unwrap();
            }
        }
    });
    (port, done)
}

#[tokio::test]
async fn the_evening_reminder_arrives_by_e_mail_at_a_real_smtp_server() {
    let (port, received) = smtp_server();
    let app = TestApp::new().await;
    let browser = app
        .signed_in(PlatformRole::Volunteer, "王阿姨", "13700001011")
        .await;
    let response = browser
        .post(
            "/me/notifications",
            &[
                ("by_email", "yes"),
                ("reminders", "yes"),
                ("email", "wang@nanhu.org"),
            ],
        )
        .await;
    assert_eq!(response.status(), 303);
    let (market_id, shift_id) = crate::markets::market_with_shift(&app, 2).await;
    browser
        .post(&format!("/shifts/{shift_id}/signup"), &[])
        .await;

    let mut settings = weiyifang::Settings::with_database(app.database_url());
    settings.notices.smtp_url = format!("smtp://127.0.0.1:{port}");
    settings.notices.sms_provider = "off".into();
    let outbound = Outbound::from_settings(&settings).unwrap();
    // The confirmation first: by e-mail only, as chosen (SMS unticked).
    assert_eq!(
        deliver_due(&app.db, &outbound, &policy(), Utc::now())
            .await
            .unwrap(),
        1
    );
    let eve = crate::notices::tomorrows_evening(&app, market_id).await;
    assert_eq!(
        event::notify::enqueue_reminders(&app.db, eve)
            .await
            .unwrap(),
        1
    );
    assert_eq!(
        deliver_due(&app.db, &outbound, &policy(), eve)
            .await
            .unwrap(),
        1
    );

    let mails = received.lock().unwrap().clone();
    assert_eq!(mails.len(), 2, "the confirmation and the reminder");
    let (to, raw) = &mails[1];
    assert_eq!(to, &["wang@nanhu.org".to_owned()]);
    let told = member::entities::notice::Entity::find()
        .filter(member::entities::notice::Column::Kind.eq("reminder_evening"))
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    let reminder = delivery::Entity::find()
        .filter(delivery::Column::NoticeId.eq(told.id))
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    assert!(
        raw.contains(&format!("Message-ID: <{}@weiyifang>", reminder.id)),
        "{raw}"
    );
    let (_, body) = raw.split_once("\r\n\r\n").unwrap();
    let body: String = body.split_whitespace().collect();
    let text = String::from_utf8(
        base64::engine::general_purpose::STANDARD
            .decode(body)
            .unwrap(),
    )
    .unwrap();
    assert!(text.contains("明天别忘了"), "{text}");
    assert!(text.contains("南湖社区广场"), "{text}");
    assert!(text.contains(&format!("/markets/{market_id}")), "{text}");
}

/// What the fake provider saw and how it answers.
#[derive(Default)]
pub(crate) struct Provider {
    pub(crate) accepted: Vec<BTreeMap<String, String>>,
    nonces: HashSet<String>,
    throttled_once: bool,
}

/// Aliyun's documented encoding: form encoding with `+` → `%20`, `*` → `%2A`, `%7E` → `~`.
fn aliyun_encode(text: &str) -> String {
    form_urlencoded::byte_serialize(text.as_bytes())
        .collect::<String>()
        .replace('+', "%20")
        .replace('*', "%2A")
        .replace("%7E", "~")
}

/// Verifies a SendSms request as the provider does and answers with its codes.
fn provider_answer(provider: &mut Provider, query: &str) -> (u16, serde_json::Value) {
    let mut params: BTreeMap<String, String> = form_urlencoded::parse(query.as_bytes())
        .into_owned()
        .collect();
    let signature = params.remove("Signature").unwrap_or_default();
    let canonical = params
        .iter()
        .map(|(k, v)| format!("{}={}", aliyun_encode(k), aliyun_encode(v)))
        .collect::<Vec<_>>()
        .join("&");
    let to_sign = format!("GET&{}&{}", aliyun_encode("/"), aliyun_encode(&canonical));
    let mut mac = Hmac::<sha1::Sha1>::new_from_slice(b"test-secret&").unwrap();
    mac.update(to_sign.as_bytes());
    let expected = base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes());
    let answer = |code: &str| serde_json::json!({ "Code": code, "Message": code, "RequestId": Uuid::now_v7().to_string() });
    if params.get("AccessKeyId").map(String::as_str) != Some("LTAI-test") {
        return (404, answer("InvalidAccessKeyId.NotFound"));
    }
    if signature != expected {
        return (400, answer("SignatureDoesNotMatch"));
    }
    let fixed = [
        ("Action", "SendSms"),
        ("Version", "2017-05-25"),
        ("SignatureMethod", "HMAC-SHA1"),
        ("SignatureVersion", "1.0"),
        ("Format", "JSON"),
    ];
    if fixed
        .iter()
        .any(|(k, v)| params.get(*k).map(String::as_str) != Some(v))
    {
        return (400, answer("MissingParameter"));
    }
    let stamp =
        chrono::NaiveDateTime::parse_from_str(&params["Timestamp"], "%Y-%m-%dT%H:%M:%SZ").unwrap();
    if (Utc::now().naive_utc() - stamp).num_minutes().abs() > 15 {
        return (400, answer("InvalidTimeStamp.Expired"));
    }
    if !provider.nonces.insert(params["SignatureNonce"].clone()) {
        return (400, answer("SignatureNonceUsed"));
    }
    match params["PhoneNumbers"].as_str() {
        "13700000099" => (200, answer("isv.MOBILE_NUMBER_ILLEGAL")),
        "13700000098" if !provider.throttled_once => {
            provider.throttled_once = true;
            (200, answer("isv.BUSINESS_LIMIT_CONTROL"))
        }
        _ => {
            provider.accepted.push(params);
            (
                200,
                serde_json::json!({ "Code": "OK", "Message": "OK", "BizId": "900619746936498440^0", "RequestId": Uuid::now_v7().to_string() }),
            )
        }
    }
}

pub(crate) async fn fake_aliyun() -> (String, Arc<Mutex<Provider>>) {
    let provider = Arc::new(Mutex::new(Provider::default()));
    let shared = provider.clone();
    let app = axum::Router::new().route(
        "/",
        axum::routing::get(
            move |axum::extract::RawQuery(query): axum::extract::RawQuery| {
                let shared = shared.clone();
                async move {
                    let (status, body) =
                        provider_answer(&mut shared.lock().unwrap(), &query.unwrap_or_default());
                    (
                        axum::http::StatusCode::from_u16(status).unwrap(),
                        axum::Json(body),
                    )
                }
            },
        ),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });
    (url, provider)
}

const TEMPLATES: &str = "staff_message=SMS_100, promoted=SMS_101";

/// The Aliyun channel against the fake provider, with a secret and template codes.
pub(crate) fn aliyun(endpoint: &str, secret: &str, templates: &str) -> Outbound {
    let settings = weiyifang::notices::NoticeSettings {
        sms_provider: "aliyun".into(),
        sms_endpoint: endpoint.into(),
        sms_access_key_id: "LTAI-test".into(),
        sms_access_key_secret: secret.into(),
        sms_sign_name: "微益坊".into(),
        sms_templates: templates.into(),
        ..Default::default()
    };
    Outbound {
        sms: Sms::from_settings(&settings).unwrap(),
        email: None,
    }
}

#[tokio::test]
async fn sms_are_signed_as_the_provider_documents_and_its_answers_decide_what_follows() {
    let (endpoint, provider) = fake_aliyun().await;
    let app = TestApp::new().await;
    let t0 = Utc::now();
    let fine = volunteer(&app, 1).await;
    let throttled = volunteer(&app, 98).await;
    let illegal = volunteer(&app, 99).await;
    for person in [&fine, &throttled, &illegal] {
        tell(&app, person.person_id, Kind::StaffMessage, 1, t0).await;
    }
    // No template for invitations: that one cannot go by SMS.
    tell(&app, fine.person_id, Kind::Invited, 1, t0).await;
    let outbound = aliyun(&endpoint, "test-secret", TEMPLATES);
    assert_eq!(
        deliver_due(&app.db, &outbound, &policy(), t0)
            .await
            .unwrap(),
        4
    );
    assert_eq!(
        statuses(&app).await,
        BTreeMap::from([
            ("failed".into(), 2),
            ("pending".into(), 1),
            ("sent".into(), 1)
        ])
    );
    // Flow control is tried again after a pause, and then goes.
    assert_eq!(
        deliver_due(&app.db, &outbound, &policy(), t0)
            .await
            .unwrap(),
        0
    );
    assert_eq!(
        deliver_due(&app.db, &outbound, &policy(), t0 + Duration::minutes(2))
            .await
            .unwrap(),
        1
    );
    assert_eq!(
        statuses(&app).await,
        BTreeMap::from([("failed".into(), 2), ("sent".into(), 2)])
    );

    let seen = provider.lock().unwrap().accepted.clone();
    assert_eq!(seen.len(), 2);
    assert_eq!(seen[0]["SignName"], "微益坊");
    assert_eq!(seen[0]["TemplateCode"], "SMS_100");
    assert_eq!(seen[0]["PhoneNumbers"], "13700000001");
    let params: BTreeMap<String, String> = serde_json::from_str(&seen[0]["TemplateParam"]).unwrap();
    assert_eq!(params["message"], "第0条");
    assert_eq!(params["service"], "义务理发");
    let sent = delivery::Entity::find()
        .filter(delivery::Column::PersonId.eq(fine.person_id))
        .filter(delivery::Column::Status.eq("sent"))
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        seen[0]["OutId"],
        sent.id.to_string(),
        "the idempotency key travels"
    );

    // A wrong secret is refused by the provider's check: the message waits, nothing is lost.
    tell(&app, fine.person_id, Kind::StaffMessage, 1, t0).await;
    deliver_due(
        &app.db,
        &aliyun(&endpoint, "wrong-secret", TEMPLATES),
        &policy(),
        t0 + Duration::minutes(5),
    )
    .await
    .unwrap();
    let waiting = delivery::Entity::find()
        .filter(delivery::Column::Status.eq("pending"))
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        waiting.last_error.as_deref(),
        Some("aliyun SignatureDoesNotMatch")
    );

    // Staff see what failed and why, never the number.
    let coordinator = app
        .signed_in(PlatformRole::Coordinator, "周协调", "17000002003")
        .await;
    let page = coordinator.get_text("/admin/notifications").await;
    assert!(page.contains("志愿者99"), "{page}");
    assert!(page.contains("isv.MOBILE_NUMBER_ILLEGAL"), "{page}");
    assert!(page.contains("no SMS template for invited"), "{page}");
    assert!(!page.contains("13700000099"), "{page}");
}

#[tokio::test]
async fn a_resident_hears_of_each_step_by_sms_and_the_number_leaves_the_outbox_with_it() {
    let (endpoint, provider) = fake_aliyun().await;
    let app = TestApp::new().await;
    let crate::requests::Cast { coordinator, .. } = crate::requests::cast(&app).await;
    let code = crate::requests::submit(&app.browser()).await;
    let id = crate::requests::by_code(&app, &code).await.id;
    // One who did not agree to be contacted hears nothing.
    let silent = app
        .browser()
        .post(
            "/requests/new",
            &crate::requests::resident_form(&[])
                .into_iter()
                .filter(|(name, _)| *name != "may_contact")
                .collect::<Vec<_>>(),
        )
        .await;
    assert_eq!(silent.status(), 303);
    let response = coordinator
        .post(
            &format!("/requests/{id}/classify"),
            &[
                ("class", "big"),
                ("reason", "需要交警执法"),
                ("department", "区交警大队"),
            ],
        )
        .await;
    assert_eq!(response.status(), 303);
    // Submitting and classifying are not news; being referred is: one SMS.
    let waiting = delivery::Entity::find().all(&app.db).await.unwrap();
    assert_eq!(waiting.len(), 1);
    assert_eq!(
        (waiting[0].person_id, waiting[0].to_phone.as_deref()),
        (None, Some("13912345678"))
    );

    let outbound = aliyun(&endpoint, "test-secret", "request_updated=SMS_200");
    assert_eq!(
        deliver_due(&app.db, &outbound, &policy(), Utc::now())
            .await
            .unwrap(),
        1
    );
    let seen = provider.lock().unwrap().accepted.clone();
    assert_eq!(seen[0]["PhoneNumbers"], "13912345678");
    assert_eq!(seen[0]["TemplateCode"], "SMS_200");
    let params: BTreeMap<String, String> = serde_json::from_str(&seen[0]["TemplateParam"]).unwrap();
    assert_eq!(
        (params["code"].as_str(), params["status"].as_str()),
        (code.as_str(), "办理中")
    );
    // Sent: the number is gone from the outbox (it stays on the request alone).
    let sent = delivery::Entity::find()
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!((sent.status.as_str(), sent.to_phone), ("sent", None));
}
