//! Demo staff training (issue 18; seed 000 §7.1): supervisor1 sets up BR0001's catalogue — the new-staff
//! basics, the yearly information-security course (mandatory for relationship, wealth and service staff,
//! certificate valid a year), an expert lecture on care (seed 003), anti-money-laundering and an external
//! seminar — and the four-week new-staff programme; records last quarter's security course and care lecture
//! and this quarter's AML course (rm2 scores under the security pass mark, so it stays due; wm1's security
//! certificate from last winter is expiring); enrols rm2 in the programme, whose basics session is next
//! week. Log in as supervisor1 for 培训管理, as rm1 or rm2 for one's own record.

use anyhow::{Result, anyhow};
use banyan_app::App;
use banyan_app::actor::Actor;
use banyan_app::performance::training::sessions::{
    self as ses, AttendanceInput, RecordInput, SessionInput,
};
use banyan_app::performance::training::{self as tr, EnrolInput, ProgrammeInput};
use banyan_domain::access::Role;
use banyan_domain::ids::StaffId;
use banyan_domain::performance::training::{Attendance, CourseDraft, CourseKind, CourseTopic};
use banyan_domain::wealth::kpi::Period;
use jiff::civil::Date;

fn err(e: banyan_app::AppError) -> anyhow::Error {
    anyhow!("{e}")
}

#[allow(clippy::too_many_arguments)]
fn course(
    code: &str,
    title: &str,
    title_en: &str,
    kind: CourseKind,
    topic: CourseTopic,
    hours: f64,
    provider: Option<&str>,
    pass_score: Option<u8>,
    valid_months: Option<u16>,
    mandatory: bool,
) -> CourseDraft {
    CourseDraft {
        code: code.into(),
        title: title.into(),
        title_tw: None,
        title_en: Some(title_en.into()),
        kind,
        topic,
        hours,
        provider: provider.map(str::to_owned),
        pass_score,
        valid_months,
        mandatory_for: if mandatory {
            vec![
                Role::RelationshipManager,
                Role::WealthManager,
                Role::CustomerService,
            ]
        } else {
            Vec::new()
        },
        refresh_months: mandatory.then_some(12),
        active: true,
    }
}

fn days(d: Date, n: i64) -> Date {
    d.checked_add(jiff::Span::new().days(n)).unwrap_or(d)
}

async fn held(
    app: &App,
    sup: &Actor,
    code: &str,
    on: Date,
    place: &str,
    people: &[(StaffId, Attendance, Option<i32>, Option<&str>)],
) -> Result<()> {
    let s = ses::schedule(
        app,
        sup,
        SessionInput {
            course: code.into(),
            held_on: on,
            place: Some(place.into()),
            trainer: None,
            people: people.iter().map(|p| p.0).collect(),
        },
    )
    .await
    .map_err(err)?;
    ses::record(
        app,
        sup,
        s.id,
        RecordInput {
            people: people
                .iter()
                .map(|(id, a, score, cert)| AttendanceInput {
                    staff_id: *id,
                    attendance: *a,
                    score: *score,
                    certificate_no: cert.map(str::to_owned),
                })
                .collect(),
        },
    )
    .await
    .map_err(err)?;
    Ok(())
}

pub async fn demo_training(app: &App) -> Result<()> {
    use CourseKind::{Expert, External, InService, Induction};
    let sup = banyan_app::access::actor_for(app, "supervisor1")
        .await
        .map_err(err)?;
    let id = |u: &'static str| async move {
        Ok::<StaffId, anyhow::Error>(
            banyan_app::access::actor_for(app, u)
                .await
                .map_err(err)?
                .id(),
        )
    };
    let (rm1, rm2, wm1, cs1) = (
        id("rm1").await?,
        id("rm2").await?,
        id("wm1").await?,
        id("cs1").await?,
    );
    let courses = [
        course(
            "BASIC-101",
            "客户管理基础（新员工）",
            "Customer management basics",
            Induction,
            CourseTopic::Basics,
            16.0,
            None,
            Some(70),
            None,
            false,
        ),
        course(
            "SEC-ANNUAL",
            "信息安全年度培训",
            "Yearly information security",
            InService,
            CourseTopic::InfoSecurity,
            2.0,
            None,
            Some(80),
            Some(12),
            true,
        ),
        course(
            "CARE-201",
            "重症客户关爱与沟通",
            "Caring for customers in critical illness",
            Expert,
            CourseTopic::Care,
            3.0,
            Some("合作医院心理科专家"),
            None,
            None,
            false,
        ),
        course(
            "AML-2026",
            "反洗钱与大额交易报告",
            "Anti-money laundering and large-value reports",
            InService,
            CourseTopic::Compliance,
            4.0,
            None,
            Some(75),
            Some(24),
            false,
        ),
        course(
            "EXT-WEALTH",
            "财富管理行业研讨会",
            "Wealth management industry seminar",
            External,
            CourseTopic::Products,
            6.0,
            Some("银行业协会"),
            None,
            None,
            false,
        ),
    ];
    for c in courses {
        tr::add_course(app, &sup, c).await.map_err(err)?;
    }
    tr::add_programme(
        app,
        &sup,
        ProgrammeInput {
            code: "NEW-RM".into(),
            title: "客户经理新员工培训计划".into(),
            weeks: 4,
            roles: vec![Role::RelationshipManager, Role::WealthManager],
            courses: vec!["BASIC-101".into(), "SEC-ANNUAL".into()],
        },
    )
    .await
    .map_err(err)?;
    let today = app.today();
    let (last_first, _) = Period::quarter_of(today).previous().days();
    let (this_first, _) = Period::quarter_of(today).days();
    use Attendance::{Absent, Attended};
    // wm1's certificate from last winter: valid a year, so expiring within the warning window.
    held(
        app,
        &sup,
        "SEC-ANNUAL",
        days(today, -320),
        "BR0001 培训室",
        &[(wm1, Attended, Some(90), Some("SEC-2025-118"))],
    )
    .await?;
    held(
        app,
        &sup,
        "SEC-ANNUAL",
        days(last_first, 20),
        "BR0001 培训室",
        &[
            (rm1, Attended, Some(92), Some("SEC-2026-031")),
            (rm2, Attended, Some(72), None),
            (cs1, Attended, Some(85), Some("SEC-2026-032")),
        ],
    )
    .await?;
    held(
        app,
        &sup,
        "CARE-201",
        days(last_first, 45),
        "BR0001 会议室",
        &[
            (rm1, Attended, None, None),
            (rm2, Absent, None, None),
            (cs1, Attended, None, None),
        ],
    )
    .await?;
    let aml_day = std::cmp::max(this_first, days(today, -3));
    let aml_day = std::cmp::min(aml_day, today);
    held(
        app,
        &sup,
        "AML-2026",
        aml_day,
        "线上",
        &[
            (rm1, Attended, Some(88), Some("AML-2026-007")),
            (rm2, Attended, Some(81), Some("AML-2026-008")),
        ],
    )
    .await?;
    tr::enrol(
        app,
        &sup,
        EnrolInput {
            programme: "NEW-RM".into(),
            staff_id: rm2,
            starts_on: days(today, -20),
        },
    )
    .await
    .map_err(err)?;
    ses::schedule(
        app,
        &sup,
        SessionInput {
            course: "BASIC-101".into(),
            held_on: days(today, 7),
            place: Some("BR0001 培训室".into()),
            trainer: Some("资深客户经理".into()),
            people: vec![rm2],
        },
    )
    .await
    .map_err(err)?;
    // The night's reminders, as the nightly job writes them: rm2's home page says what is overdue or due soon,
    // wm1's that a certificate is expiring.
    banyan_app::performance::training::remind::remind(app)
        .await
        .map_err(err)?;
    Ok(())
}
