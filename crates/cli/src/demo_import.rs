//! Demo lead import: rm1 imports the sign-up sheet of a community wealth talk (headed in Chinese, as the
//! template is), so `/leads/import` shows a finished import with its report — four leads captured, one row
//! refused for a mobile number an earlier row of the sheet holds, one for a partner not on the list.

use anyhow::{Result, anyhow};
use banyan_app::App;
use banyan_app::imports::{self, FileFormat};
use banyan_domain::imports::ImportTarget;

const SHEET: &str = "\
类型,姓名/名称,性别,手机,渠道,合作机构,信息收集的合法依据,授权日期,年收入／营业收入（元）,期望年化收益（%）,说明
个人,周建国,男,19900020001,社区活动,,本人同意,{day},240000,3.2,理财讲座现场报名
个人,吴秀兰,女,19900020002,社区活动,,本人同意,{day},180000,2.8,关注养老储蓄
个人,郑海峰,男,19900020003,社区活动,,本人同意,{day},520000,4.5,想了解基金定投
个人,冯丽,女,19900020002,社区活动,,本人同意,{day},,,与吴秀兰同一手机号
企业与机构,街道社区服务中心,,19900020005,合作机构推荐,街道办事处,已公开的信息,,,,合作机构未登记
个人,陈静,女,19900020006,社区活动,,本人同意,{day},300000,3.5,下周预约到网点
";

pub async fn demo_import(app: &App) -> Result<()> {
    let err = |e: banyan_app::AppError| anyhow!("{e}");
    app.accept_lead_import_words(banyan_web::ui::lead_import_words());
    let rm = banyan_app::access::actor_for(app, "rm1")
        .await
        .map_err(err)?;
    let day = app
        .today()
        .checked_sub(jiff::Span::new().days(3))
        .map_err(|e| anyhow!("{e}"))?
        .to_string();
    let sheet = SHEET.replace("{day}", &day);
    let started = imports::start(
        app,
        &rm,
        ImportTarget::Leads,
        "社区理财讲座报名表.csv",
        sheet.as_bytes(),
        FileFormat::Csv,
    )
    .await
    .map_err(err)?;
    imports::run(app, started.job.id, &rm, |_, _| {})
        .await
        .map_err(err)
}
