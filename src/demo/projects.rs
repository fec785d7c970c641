//! The six projects of the article, with their money (the 400-camera project among them).

use member::Actor;
use uuid::Uuid;

use super::{COMMUNITIES, Demo, DemoError, fail};

const PROJECTS: [(&str, &str, usize); 6] = [
    ("呵护童心·共筑欢乐家园", "children", 0),
    ("环保先锋·共建绿色家园", "environment", 1),
    ("治安巡逻·共护平安家园", "safety", 2),
    ("情系暮年·共创温馨家园", "elderly", 3),
    ("十乱整治·共塑洁净家园", "tidiness", 4),
    ("应用APP·共享智慧家园", "smart_community", 5),
];

pub(super) async fn projects(
    demo: &Demo<'_>,
    staff: &Actor,
    org_ids: &[Uuid],
) -> Result<(), DemoError> {
    for (title, theme, org) in PROJECTS {
        let input = project::projects::ProjectInput {
            title: title.to_owned(),
            theme: theme.to_owned(),
            description: format!("{title}：社区社会组织牵头，居民共同参与。"),
            starts_on: "2025-01-01".to_owned(),
            community: COMMUNITIES[org % COMMUNITIES.len()].to_owned(),
            goal_beneficiaries: "1000".to_owned(),
            goal_text: if theme == "safety" {
                "安装400个高清摄像头".to_owned()
            } else {
                String::new()
            },
            ..Default::default()
        };
        let created = project::projects::create(demo.db, staff, org_ids[org], &input)
            .await
            .map_err(fail)?;
        project::projects::set_status(demo.db, staff, created.id, "active")
            .await
            .map_err(fail)?;
        money(demo, staff, created.id, theme == "safety").await?;
    }
    Ok(())
}

/// The camera project by crowdfunding and units; the others by grants and donations.
async fn money(
    demo: &Demo<'_>,
    staff: &Actor,
    project_id: Uuid,
    cameras: bool,
) -> Result<(), DemoError> {
    let entries: &[(&str, &str, &str, &str)] = if cameras {
        &[
            ("crowdfunding", "250000", "11000户居民", "11000"),
            ("unit_support", "750000", "160家单位", "160"),
        ]
    } else {
        &[
            ("fund_grant", "20000", "区公益基金", ""),
            ("community_income", "8000", "社区公共收益", ""),
            ("donation", "1200.50", "爱心居民", "36"),
        ]
    };
    for (source, amount, contributor, count) in entries {
        let entry = project::ledger::EntryInput {
            source: (*source).to_owned(),
            amount: (*amount).to_owned(),
            received_on: "2025-03-15".to_owned(),
            contributor: (*contributor).to_owned(),
            contributor_count: (*count).to_owned(),
            note: String::new(),
        };
        project::ledger::record(demo.db, staff, project_id, &entry, demo.today)
            .await
            .map_err(fail)?;
    }
    Ok(())
}
