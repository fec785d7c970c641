//! The demo platform: the figures of the source article, on both databases.

use chrono::Utc;
use member::entities::{membership, organization};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QuerySelect};
use uuid::Uuid;

use crate::helpers::TestApp;

#[tokio::test]
async fn the_demo_shows_43_organizations_6000_members_17_market_days_and_30000_residents() {
    let app = TestApp::new().await;
    weiyifang::demo::fill(&app.db, weiyifang::views::today())
        .await
        .unwrap();

    let organizations = organization::Entity::find().all(&app.db).await.unwrap();
    assert_eq!(
        organizations.iter().filter(|o| o.stage.is_public()).count(),
        43
    );
    for stage in ["incubating", "graduated", "suspended", "exited", "applied"] {
        assert!(
            organizations.iter().any(|o| o.stage.as_str() == stage),
            "{stage}"
        );
    }
    let members: Vec<Uuid> = membership::Entity::find()
        .select_only()
        .column(membership::Column::PersonId)
        .filter(membership::Column::LeftOn.is_null())
        .distinct()
        .into_tuple()
        .all(&app.db)
        .await
        .unwrap();
    assert_eq!(members.len(), 6000);
    let stats = event::stats::stats(&app.db, None, None, None, Utc::now())
        .await
        .unwrap();
    assert_eq!((stats.all.market_days, stats.all.activities), (17, 0));
    // The demo's confirmations and reports are in the audit log like real ones.
    assert_eq!(
        app.audit_entries("service.hours_confirm").await.len() as u64,
        stats.all.services
    );
    assert_eq!(
        app.audit_entries("service.beneficiaries_report")
            .await
            .len(),
        17 * 4
    );
    assert_eq!(stats.all.residents, 30_000);

    // The coordinator's dashboard says so too, and the camera project adds up.
    let coordinator = app.browser();
    let (_, phone, password) = weiyifang::demo::DEMO_ACCOUNTS[1];
    assert_eq!(coordinator.login(phone, password).await.status(), 303);
    let page = coordinator.get_text("/dashboard?period=all").await;
    for figure in [">43<", ">6000<", ">17<", ">30000<"] {
        assert!(page.contains(figure), "{figure} on the dashboard");
    }
    assert!(page.contains("<svg"), "the chart has bars to draw");
    // Residents' requests of every class, and their satisfaction, counted like any other.
    let satisfaction = triage::ratings::satisfaction(&app.db, None, None, None)
        .await
        .unwrap();
    assert!(satisfaction.requests.total() > 20 && satisfaction.stalls.total() == 17 * 4 * 12);
    assert!(satisfaction.all.meets_target().unwrap());
    assert!(page.contains(&format!(
        "满意率 {}",
        weiyifang::views::percent(&satisfaction.all)
    )));
    let board = coordinator.get_text("/requests").await;
    for shown in ["大事", "小事", "私事", "待分流", "已超期"] {
        assert!(board.contains(shown), "{shown} on the requests board");
    }
    let funding = coordinator.get_text("/funding").await;
    assert!(funding.contains("¥1,000,000.00"), "the 400-camera project");
    // One 公益创投 round finished (its awards projects, paid in part), one taking applications.
    let rounds = app.browser().get_text("/rounds").await;
    assert!(
        rounds.contains("结果已生效") && rounds.contains("申报中"),
        "{rounds}"
    );
    let all = project::rounds::rounds(&app.db).await.unwrap();
    let finished = all.iter().find(|r| r.announced_at.is_some()).unwrap();
    let public = app
        .browser()
        .get_text(&format!("/rounds/{}", finished.id))
        .await;
    assert!(
        public.contains("银龄助餐") && public.contains("¥36,000.00"),
        "{public}"
    );
    assert_eq!(finished.awarded_fen, 6_400_000);
    // Upcoming market days to sign up for.
    let volunteer = app.browser();
    let (_, phone, password) = weiyifang::demo::DEMO_ACCOUNTS[3];
    assert_eq!(volunteer.login(phone, password).await.status(), 303);
    let markets = volunteer.get_text("/markets").await;
    assert!(markets.contains("南湖街道社区公益集市"));
    // She has a history: months of confirmed hours, a certificate to print, a place to come.
    let shifts = volunteer.get_text("/me/shifts").await;
    assert!(!shifts.contains("已确认服务 0 次"), "{shifts}");
    assert!(shifts.contains("义务理发"));
    let certificates = volunteer.get_text("/me/certificates").await;
    assert!(
        certificates.contains("href=\"/certificates/"),
        "a certificate issued"
    );
    // So does her leader, whose team runs the latest haircut stalls.
    let leader = app.browser();
    let (_, phone, password) = weiyifang::demo::DEMO_ACCOUNTS[2];
    assert_eq!(leader.login(phone, password).await.status(), 303);
    assert!(leader.get_text("/me").await.contains("爱心理发队"));
    // Names read like real ones, and each stall is run by a fitting organization.
    for org in &organizations {
        assert!(
            !org.name.ends_with(|c: char| c.is_ascii_digit()),
            "{} has a number for a name",
            org.name
        );
    }
    let names: std::collections::HashMap<Uuid, String> = organizations
        .iter()
        .map(|o| (o.id, o.name.clone()))
        .collect();
    for stall in event::entities::stall::Entity::find()
        .all(&app.db)
        .await
        .unwrap()
    {
        let runs = &names[&stall.organization_id];
        let fits = match stall.service {
            event::stalls::Service::Haircut => runs.contains("理发"),
            event::stalls::Service::Clinic => runs.contains("义诊"),
            event::stalls::Service::LegalAid => runs.contains("法律"),
            event::stalls::Service::Consultation => {
                runs.contains("咨询") || runs.contains("服务队")
            }
            _ => true,
        };
        assert!(fits, "{runs} runs a {:?} stall", stall.service);
    }

    // Never over a platform already in use.
    assert!(
        weiyifang::demo::fill(&app.db, weiyifang::views::today())
            .await
            .is_err()
    );
}
