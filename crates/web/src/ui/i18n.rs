//! The workbench's words in zh-CN (default), zh-TW and en, and the localisation of validation rules.

/// A supported language.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    ZhCn,
    ZhTw,
    En,
}

impl Lang {
    pub const ALL: [Lang; 3] = [Lang::ZhCn, Lang::ZhTw, Lang::En];
    pub fn code(self) -> &'static str {
        match self {
            Lang::ZhCn => "zh-CN",
            Lang::ZhTw => "zh-TW",
            Lang::En => "en",
        }
    }
    pub fn parse(s: &str) -> Option<Lang> {
        Lang::ALL
            .into_iter()
            .find(|l| l.code().eq_ignore_ascii_case(s))
    }
    /// The language's own name, for the switcher.
    pub fn name(self) -> &'static str {
        match self {
            Lang::ZhCn => "简体中文",
            Lang::ZhTw => "繁體中文",
            Lang::En => "English",
        }
    }
}

/// Looks up words for one language.
#[derive(Debug, Clone, Copy)]
pub struct Tr {
    pub lang: Lang,
}

macro_rules! catalog {
    ($($key:literal => [$cn:literal, $tw:literal, $en:literal]),* $(,)?) => {
        fn lookup(lang: Lang, key: &str) -> Option<&'static str> {
            match key {
                $($key => Some(match lang { Lang::ZhCn => $cn, Lang::ZhTw => $tw, Lang::En => $en }),)*
                _ => None,
            }
        }
        #[cfg(test)]
        pub(crate) const KEYS: &[&str] = &[$($key),*];
    };
}

catalog! {
    "app.name" => ["榕树客户管理", "榕樹客戶管理", "Banyan CRM"],
    "nav.home" => ["我的工作", "我的工作", "My work"],
    "nav.customers" => ["客户", "客戶", "Customers"],
    "nav.new" => ["新建客户", "新建客戶", "New customer"],
    "nav.review" => ["审核队列", "審核佇列", "Review queue"],
    "nav.logout" => ["退出", "登出", "Sign out"],
    "nav.language" => ["语言", "語言", "Language"],
    "login.title" => ["登录", "登入", "Sign in"],
    "login.username" => ["用户名", "使用者名稱", "Username"],
    "login.password" => ["密码", "密碼", "Password"],
    "login.submit" => ["登录", "登入", "Sign in"],
    "login.bad" => ["用户名或密码错误。", "使用者名稱或密碼錯誤。", "Username or password is wrong."],
    "login.throttled" => ["登录失败次数过多，请稍后再试。", "登入失敗次數過多，請稍後再試。", "Too many failed sign-ins; try again later."],
    "home.title" => ["我的工作", "我的工作", "My work"],
    "home.overdue" => ["待定期复核的客户", "待定期複核的客戶", "Customers due for periodic review"],
    "home.returned" => ["被退回的记录", "被退回的記錄", "Records returned to you"],
    "home.drafts" => ["草稿", "草稿", "Drafts"],
    "home.queue" => ["等待审核", "等待審核", "Waiting for review"],
    "home.audit" => ["审计查询", "審計查詢", "Audit search"],
    "home.recent" => ["最近变更的客户", "最近變更的客戶", "Recently changed customers"],
    "home.none" => ["没有记录。", "沒有記錄。", "Nothing here."],
    "search.title" => ["客户查询", "客戶查詢", "Customer search"],
    "search.q" => ["姓名、客户号、证件号或手机号", "姓名、客戶號、證件號或手機號", "Name, customer number, ID number or mobile"],
    "search.submit" => ["查询", "查詢", "Search"],
    "search.any" => ["全部", "全部", "Any"],
    "search.overdue" => ["仅逾期复核", "僅逾期複核", "Review overdue only"],
    "search.next" => ["下一页", "下一頁", "Next page"],
    "search.export" => ["导出 CSV", "匯出 CSV", "Export CSV"],
    "field.customer_no" => ["客户号", "客戶號", "Customer no."],
    "field.name" => ["姓名/名称", "姓名/名稱", "Name"],
    "field.kind" => ["类型", "類型", "Kind"],
    "field.status" => ["状态", "狀態", "Status"],
    "field.branch" => ["网点", "網點", "Branch"],
    "field.rm" => ["客户经理", "客戶經理", "Relationship manager"],
    "field.identifier" => ["证件", "證件", "Identifier"],
    "field.mobile" => ["手机", "手機", "Mobile"],
    "field.email" => ["电子邮件", "電子郵件", "E-mail"],
    "field.address" => ["地址", "地址", "Address"],
    "field.review_due" => ["复核到期", "複核到期", "Review due"],
    "field.name_zh" => ["中文姓名", "中文姓名", "Chinese name"],
    "field.name_latin" => ["拼音/英文姓名", "拼音/英文姓名", "Latin name"],
    "field.id_type" => ["证件类型", "證件類型", "Document type"],
    "field.id_number" => ["证件号码", "證件號碼", "Document number"],
    "field.birth_date" => ["出生日期", "出生日期", "Birth date"],
    "field.gender" => ["性别", "性別", "Gender"],
    "field.occupation" => ["职业", "職業", "Occupation"],
    "field.registered_name" => ["注册名称", "註冊名稱", "Registered name"],
    "field.credit_code" => ["统一社会信用代码", "統一社會信用代碼", "Unified social credit code"],
    "field.industry" => ["行业门类", "行業門類", "Industry section"],
    "field.employees" => ["员工人数", "員工人數", "Employees"],
    "field.version" => ["版本", "版本", "Version"],
    "field.contacts" => ["联系方式", "聯絡方式", "Contact points"],
    "field.relationships" => ["关系", "關係", "Relationships"],
    "field.history" => ["变更历史", "變更歷史", "Change history"],
    "field.audit" => ["审计记录", "審計記錄", "Audit trail"],
    "field.reasons" => ["退回原因（每行一条）", "退回原因（每行一條）", "Reasons (one per line)"],
    "field.missing" => ["缺少的材料（每行一项）", "缺少的材料（每行一項）", "Missing items (one per line)"],
    "kind.individual" => ["个人", "個人", "Individual"],
    "kind.corporate" => ["企业", "企業", "Corporate"],
    "kind.institution" => ["机构", "機構", "Institution"],
    "status.draft" => ["草稿", "草稿", "Draft"],
    "status.submitted" => ["待审核", "待審核", "Submitted"],
    "status.verified" => ["已核实", "已核實", "Verified"],
    "status.returned" => ["已退回", "已退回", "Returned"],
    "doc.resident_id" => ["居民身份证", "居民身分證", "Resident ID"],
    "doc.passport" => ["护照", "護照", "Passport"],
    "doc.hk_id" => ["香港身份证", "香港身分證", "Hong Kong ID"],
    "doc.tw_id" => ["台湾身份证", "台灣身分證", "Taiwan ID"],
    "gender.male" => ["男", "男", "Male"],
    "gender.female" => ["女", "女", "Female"],
    "action.save" => ["保存", "儲存", "Save"],
    "action.submit" => ["提交审核", "提交審核", "Submit for review"],
    "action.verify" => ["核实通过", "核實通過", "Verify"],
    "action.return" => ["退回", "退回", "Return"],
    "action.reveal" => ["显示完整信息", "顯示完整資訊", "Reveal full values"],
    "action.edit" => ["修改", "修改", "Edit"],
    "action.cancel" => ["取消", "取消", "Cancel"],
    "form.conflict_hint" => ["表单现显示最新内容；请确认后再保存您的修改。", "表單現顯示最新內容；請確認後再儲存您的修改。", "The form now shows the latest values; check them and save your change again."],
    "form.saved" => ["已保存。", "已儲存。", "Saved."],
    "field.employer" => ["工作单位", "工作單位", "Employer"],
    "field.nationality" => ["国籍", "國籍", "Nationality"],
    "field.legal_representative" => ["法定代表人", "法定代表人", "Legal representative"],
    "field.time" => ["时间", "時間", "Time"],
    "field.action" => ["操作", "操作", "Action"],
    "field.changes" => ["变更", "變更", "Changes"],
    "import.title" => ["批量导入", "批次匯入", "Import"],
    "import.file" => ["CSV 或 XLSX 文件", "CSV 或 XLSX 檔案", "CSV or XLSX file"],
    "import.submit" => ["导入", "匯入", "Import"],
    "import.report" => ["导入结果", "匯入結果", "Import report"],
    "import.rows" => ["行数", "行數", "Rows"],
    "import.created" => ["已创建", "已建立", "Created"],
    "import.rejected" => ["被拒绝", "被拒絕", "Rejected"],
    "import.line" => ["行号", "行號", "Line"],
    "import.reason" => ["原因", "原因", "Reason"],
    "import.download" => ["下载被拒绝的行", "下載被拒絕的行", "Download rejected rows"],
    "admin.staff" => ["员工账号", "員工帳號", "Staff accounts"],
    "admin.policy" => ["政策参数", "政策參數", "Policy figures"],
    "admin.role" => ["角色", "角色", "Role"],
    "admin.add" => ["新增员工", "新增員工", "Add a staff member"],
    "admin.disable" => ["停用", "停用", "Disable"],
    "admin.active" => ["启用", "啟用", "Active"],
    "admin.disabled" => ["停用", "停用", "Disabled"],
    "audit.from" => ["起始日期", "起始日期", "From"],
    "audit.to" => ["截止日期", "截止日期", "To"],
    "audit.actor" => ["操作人", "操作人", "Staff member"],
    "audit.not_found" => ["找不到：", "找不到：", "Not found:"],
    "audit.detail" => ["详情", "詳情", "Detail"],
    "rel.household_member" => ["家庭成员", "家庭成員", "Household member"],
    "rel.spouse" => ["配偶", "配偶", "Spouse"],
    "rel.guardian" => ["监护人", "監護人", "Guardian"],
    "rel.ward" => ["被监护人", "受監護人", "Ward"],
    "rel.officer" => ["任职于", "任職於", "Officer of"],
    "rel.has_officer" => ["高管", "高階主管", "Has officer"],
    "rel.beneficial_owner" => ["受益所有人（持有）", "最終受益人（持有）", "Beneficial owner of"],
    "rel.owned_by" => ["受益所有人", "最終受益人", "Beneficially owned by"],
    "rel.legal_representative" => ["担任法定代表人", "擔任法定代表人", "Legal representative of"],
    "rel.represented_by" => ["法定代表人", "法定代表人", "Represented by"],
    "rel.parent_company" => ["母公司（控股）", "母公司（控股）", "Parent company of"],
    "rel.subsidiary" => ["子公司", "子公司", "Subsidiary of"],
    "channel.sms" => ["短信", "簡訊", "SMS"],
    "channel.email" => ["电子邮件", "電子郵件", "E-mail"],
    "channel.phone" => ["电话", "電話", "Phone"],
    "channel.app" => ["手机银行", "行動銀行", "Mobile app"],
    "channel.wechat" => ["微信", "微信", "WeChat"],
    "field.consents" => ["联系授权", "聯絡授權", "Contact consents"],
    "field.channel" => ["渠道", "渠道", "Channel"],
    "field.granted" => ["是否同意", "是否同意", "Granted"],
    "field.source" => ["来源", "來源", "Source"],
    "field.value" => ["内容", "內容", "Value"],
    "field.label" => ["备注", "備註", "Label"],
    "field.other_customer" => ["关联客户号", "關聯客戶號", "Related customer no."],
    "field.note" => ["说明", "說明", "Note"],
    "field.custom" => ["自定义字段", "自訂欄位", "Custom fields"],
    "field.preferred_channel" => ["首选渠道", "首選渠道", "Preferred channel"],
    "field.assignment" => ["归属", "歸屬", "Assignment"],
    "yes" => ["是", "是", "Yes"],
    "no" => ["否", "否", "No"],
    "action.add" => ["添加", "新增", "Add"],
    "action.remove" => ["删除", "刪除", "Remove"],
    "action.record_consent" => ["记录授权", "記錄授權", "Record consent"],
    "form.not_found_no" => ["找不到该客户号（或不在您的权限范围内）。", "找不到該客戶號（或不在您的權限範圍內）。", "No customer with that number in your scope."],
    "form.stale" => ["记录已被他人修改，请查看最新内容后重试。", "記錄已被他人修改，請查看最新內容後重試。", "Someone else changed this record; check the latest values and try again."],
    "seg.title" => ["客户分层与评级", "客戶分層與評級", "Segments and ratings"],
    "seg.dimension" => ["维度", "維度", "Dimension"],
    "seg.value" => ["结果", "結果", "Value"],
    "seg.because" => ["依据", "依據", "Because"],
    "seg.measures" => ["风险应对措施", "風險應對措施", "Measures for the rating"],
    "seg.blocked" => ["禁止办理", "禁止辦理", "Not permitted"],
    "seg.alerts" => ["预警", "預警", "Early warnings"],
    "seg.history" => ["分层变更记录", "分層變更記錄", "Segment history"],
    "seg.due" => ["处理期限", "處理期限", "Due"],
    "seg.none" => ["尚无分层结果（需要客户指标数据）。", "尚無分層結果（需要客戶指標資料）。", "No segments yet (metrics needed)."],
    "seg.policy" => ["策略版本", "策略版本", "Policy version"],
    "dim.age_group" => ["年龄段", "年齡段", "Age group"],
    "dim.asset_tier" => ["资产层级", "資產層級", "Asset tier"],
    "dim.wealth_tier" => ["理财客户等级", "理財客戶等級", "Wealth tier"],
    "dim.risk_rating" => ["风险评级", "風險評級", "Risk rating"],
    "dim.credit_grade" => ["企业风险等级", "企業風險等級", "Credit grade"],
    "dim.company_size" => ["企业规模", "企業規模", "Company size"],
    "dim.industry_class" => ["行业门类", "行業門類", "Industry section"],
    "dim.lifecycle_stage" => ["生命周期阶段", "生命週期階段", "Lifecycle stage"],
    "dim.value_tier" => ["价值层级", "價值層級", "Value tier"],
    "seg.age_group.young" => ["青年（18-35岁）", "青年（18-35歲）", "Young (18-35)"],
    "seg.age_group.middle" => ["中年（36-60岁）", "中年（36-60歲）", "Middle-aged (36-60)"],
    "seg.age_group.senior" => ["老年（60岁以上）", "老年（60歲以上）", "Senior (over 60)"],
    "seg.asset_tier.mass" => ["普通客户", "普通客戶", "Mass"],
    "seg.asset_tier.vip" => ["贵宾客户", "貴賓客戶", "VIP"],
    "seg.asset_tier.hnw" => ["高净值客户", "高淨值客戶", "High net worth"],
    "seg.wealth_tier.standard" => ["普通级", "普通級", "Standard"],
    "seg.wealth_tier.gold" => ["黄金级", "黃金級", "Gold"],
    "seg.wealth_tier.platinum" => ["白金级", "白金級", "Platinum"],
    "seg.wealth_tier.diamond" => ["钻石级", "鑽石級", "Diamond"],
    "seg.risk_rating.low" => ["低风险", "低風險", "Low risk"],
    "seg.risk_rating.medium" => ["中风险", "中風險", "Medium risk"],
    "seg.risk_rating.high" => ["高风险", "高風險", "High risk"],
    "seg.company_size.micro_small" => ["小微企业", "小微企業", "Micro and small"],
    "seg.company_size.medium" => ["中型企业", "中型企業", "Medium"],
    "seg.company_size.large" => ["大型企业", "大型企業", "Large"],
    "seg.lifecycle_stage.prospect" => ["潜在客户", "潛在客戶", "Prospect"],
    "seg.lifecycle_stage.new" => ["新客户", "新客戶", "New"],
    "seg.lifecycle_stage.stable" => ["稳定客户", "穩定客戶", "Stable"],
    "seg.lifecycle_stage.mature" => ["成熟客户", "成熟客戶", "Mature"],
    "seg.lifecycle_stage.at_risk" => ["流失风险客户", "流失風險客戶", "At risk"],
    "seg.value_tier.high" => ["高价值", "高價值", "High value"],
    "seg.value_tier.medium" => ["中价值", "中價值", "Medium value"],
    "seg.value_tier.low" => ["一般价值", "一般價值", "Low value"],
    "fact.age" => ["年龄", "年齡", "age"],
    "fact.aum" => ["管理资产", "管理資產", "assets under management"],
    "fact.contribution" => ["年贡献", "年貢獻", "yearly contribution"],
    "fact.investment_count" => ["年投资次数", "年投資次數", "investments per year"],
    "fact.employees" => ["从业人员", "從業人員", "employees"],
    "fact.revenue" => ["营业收入（万元）", "營業收入（萬元）", "revenue (CNY 10k)"],
    "fact.assets" => ["资产总额（万元）", "資產總額（萬元）", "total assets (CNY 10k)"],
    "fact.score" => ["评分", "評分", "score"],
    "fact.value_score" => ["价值得分", "價值得分", "value score"],
    "fact.tenure" => ["客户关系月数", "客戶關係月數", "months as a client"],
    "fact.product_count" => ["持有产品数", "持有產品數", "products held"],
    "fact.aum_drop" => ["资产降幅", "資產降幅", "drop in assets"],
    "fact.transactions_90d" => ["90天交易笔数", "90天交易筆數", "transactions in 90 days"],
    "fact.verified" => ["已核实", "已核實", "verified"],
    "fact.debt_ratio" => ["负债率", "負債率", "debt ratio"],
    "fact.overdue_count" => ["逾期次数", "逾期次數", "overdue instalments"],
    "measure.simplified_procedures" => ["简化手续", "簡化手續", "Simplified procedures"],
    "measure.rate_discount_eligible" => ["可享利率优惠", "可享利率優惠", "Eligible for rate discounts"],
    "measure.enhanced_monitoring" => ["加强监测", "加強監測", "Enhanced monitoring"],
    "measure.periodic_risk_review" => ["定期评估风险变化", "定期評估風險變化", "Periodic risk review"],
    "measure.extra_collateral_required" => ["增加担保要求", "增加擔保要求", "Extra collateral required"],
    "measure.stricter_approval" => ["提高审批标准", "提高審批標準", "Stricter approval"],
    "measure.standard_procedures" => ["标准手续", "標準手續", "Standard procedures"],
    "measure.new_high_risk_business_blocked" => ["暂停高风险业务", "暫停高風險業務", "New high-risk business blocked"],
    "measure.remediation_plan_required" => ["制定风险化解方案", "制定風險化解方案", "Remediation plan required"],
    "measure.supplementary_guarantee_required" => ["要求补充担保", "要求補充擔保", "Supplementary guarantee required"],
    "action.new_high_risk_business" => ["新增高风险业务", "新增高風險業務", "New high-risk business"],
    "action.credit_increase" => ["提高授信额度", "提高授信額度", "Credit increase"],
    "indicator.aum_drop" => ["资产大幅下降", "資產大幅下降", "Assets fell sharply"],
    "indicator.new_overdue" => ["新增逾期", "新增逾期", "New overdue"],
    "indicator.debt_ratio" => ["负债率过高", "負債率過高", "Debt ratio high"],
    "dim.risk_appetite" => ["风险偏好", "風險偏好", "Risk appetite"],
    "seg.risk_appetite.conservative" => ["保守型", "保守型", "Conservative"],
    "seg.risk_appetite.balanced" => ["稳健型", "穩健型", "Balanced"],
    "seg.risk_appetite.aggressive" => ["进取型", "進取型", "Aggressive"],
    "seg.risk_appetite.expired" => ["测评已过期", "測評已過期", "Assessment expired"],
    "seg.questionnaire" => ["风险承受能力测评", "風險承受能力測評", "Risk appetite questionnaire"],
    "seg.channel" => ["测评渠道", "測評渠道", "Channel"],
    "seg.channel.branch" => ["网点面签", "網點面簽", "At a branch, face to face"],
    "seg.channel.online" => ["线上", "線上", "Online"],
    "seg.assess" => ["提交测评", "提交測評", "Record the assessment"],
    "alert.open" => ["待处理", "待處理", "open"],
    "alert.closed" => ["已处理", "已處理", "closed"],
    "alert.resolution" => ["处理情况", "處理情況", "What was done"],
    "alert.close" => ["关闭预警", "關閉預警", "Close the alert"],
    "task.title" => ["我的任务", "我的任務", "My tasks"],
    "task.overdue" => ["已逾期", "已逾期", "overdue"],
    "task.due" => ["到期日", "到期日", "Due"],
    "task.plan" => ["维护计划", "維護計劃", "Plan"],
    "task.method" => ["方式", "方式", "Method"],
    "task.none" => ["本周没有待办任务。", "本週沒有待辦任務。", "Nothing due this week."],
    "task.done" => ["已完成", "已完成", "done"],
    "task.open" => ["待办", "待辦", "open"],
    "task.cancelled" => ["已取消", "已取消", "cancelled"],
    "task.on_time" => ["按时", "按時", "on time"],
    "task.late" => ["逾期完成", "逾期完成", "late"],
    "method.call" => ["电话", "電話", "Call"],
    "method.visit" => ["拜访", "拜訪", "Visit"],
    "method.meeting" => ["会面", "會面", "Meeting"],
    "method.message" => ["消息", "訊息", "Message"],
    "plan.wealth_diamond" => ["钻石级每月回访", "鑽石級每月回訪", "Diamond: monthly"],
    "plan.wealth_platinum" => ["白金级每季度回访", "白金級每季度回訪", "Platinum: quarterly"],
    "plan.wealth_gold" => ["黄金级每半年回访", "黃金級每半年回訪", "Gold: half-yearly"],
    "plan.wealth_standard" => ["普通级每年回访", "普通級每年回訪", "Standard: yearly"],
    "plan.corporate_meeting" => ["企业客户每季度沟通会", "企業客戶每季度溝通會", "Corporate: quarterly meeting"],
    "ix.title" => ["记录联系", "記錄聯繫", "Log a contact"],
    "ix.task" => ["完成的任务", "完成的任務", "Carries out"],
    "ix.task_auto" => ["（到期的回访任务）", "（到期的回訪任務）", "(the contact task due)"],
    "ix.outcome" => ["联系结果", "聯繫結果", "Outcome"],
    "ix.needs" => ["客户需求", "客戶需求", "Customer needs"],
    "ix.satisfaction" => ["满意度（1-5）", "滿意度（1-5）", "Satisfaction (1-5)"],
    "ix.next_step" => ["下一步", "下一步", "Next step"],
    "ix.occurred_at" => ["联系时间", "聯繫時間", "When"],
    "ix.timeline" => ["客户动态", "客戶動態", "Timeline"],
    "ix.saved" => ["已记录。", "已記錄。", "Logged."],
    "cov.title" => ["维护覆盖率", "維護覆蓋率", "Contact coverage"],
    "cov.from" => ["到期日自", "到期日自", "Due from"],
    "cov.to" => ["至", "至", "to"],
    "cov.by" => ["按", "按", "By"],
    "cov.by.manager" => ["客户经理", "客戶經理", "Manager"],
    "cov.by.team" => ["团队", "團隊", "Team"],
    "cov.by.branch" => ["网点", "網點", "Branch"],
    "field.team" => ["团队", "團隊", "Team"],
    "field.department" => ["部门", "部門", "Department"],
    "cov.due" => ["应联系", "應聯繫", "Due"],
    "cov.on_time" => ["按时", "按時", "On time"],
    "cov.late" => ["逾期完成", "逾期完成", "Late"],
    "cov.overdue" => ["逾期未联系", "逾期未聯繫", "Overdue"],
    "cov.pending" => ["未到期", "未到期", "Not yet due"],
    "cov.pct" => ["覆盖率", "覆蓋率", "Coverage"],
    "case.queue" => ["客户反馈", "客戶回饋", "Feedback cases"],
    "case.new" => ["登记反馈", "登記回饋", "Register feedback"],
    "case.register" => ["登记", "登記", "Register"],
    "case.dashboard" => ["反馈分析", "回饋分析", "Feedback analysis"],
    "case.no" => ["编号", "編號", "Case no."],
    "case.received" => ["受理时间", "受理時間", "Received"],
    "case.kind" => ["类型", "類型", "Kind"],
    "case.channel" => ["渠道", "渠道", "Channel"],
    "case.product" => ["产品", "產品", "Product"],
    "case.cause" => ["原因", "原因", "Cause"],
    "case.severity" => ["严重程度", "嚴重程度", "Severity"],
    "case.complex" => ["复杂事项", "複雜事項", "Complex matter"],
    "case.subject" => ["摘要", "摘要", "Subject"],
    "case.content" => ["内容", "內容", "Content"],
    "case.complainant" => ["反馈人", "回饋人", "Complainant"],
    "case.customer_no" => ["客户号", "客戶號", "Customer number"],
    "case.or_non_customer" => ["非本行客户：填写姓名和联系方式", "非本行客戶：填寫姓名和聯絡方式", "Not a customer: give name and contact"],
    "case.name" => ["姓名", "姓名", "Name"],
    "case.contact" => ["联系方式", "聯絡方式", "Contact"],
    "case.repeat_of" => ["重复反馈（原编号）", "重複回饋（原編號）", "Repeat of case no."],
    "case.new_facts" => ["有新事实（重新计时）", "有新事實（重新計時）", "Brings new facts (restart the clock)"],
    "case.owner" => ["负责人", "負責人", "Owner"],
    "case.owner_username" => ["负责人用户名（留空自动分配）", "負責人用戶名（留空自動分配）", "Owner username (blank: assign automatically)"],
    "case.sla" => ["内部时限", "內部時限", "Internal SLA"],
    "case.sla_due" => ["内部时限到期", "內部時限到期", "SLA due"],
    "case.regulatory" => ["监管时限", "監管時限", "Regulatory deadline"],
    "case.level" => ["升级", "升級", "Escalation"],
    "case.level.0" => ["正常", "正常", "On track"],
    "case.level.1" => ["内部时限已过80%", "內部時限已過80%", "SLA 80% used"],
    "case.level.2" => ["内部时限已超", "內部時限已超", "SLA breached"],
    "case.level.3" => ["监管时限已过80%", "監管時限已過80%", "Regulatory 80% used"],
    "case.level.4" => ["监管时限已超", "監管時限已超", "Regulatory deadline breached"],
    "case.paused" => ["已暂停计时", "已暫停計時", "Clock paused"],
    "case.met" => ["按时", "按時", "met"],
    "case.missed" => ["超时", "超時", "missed"],
    "case.mine" => ["我负责的", "我負責的", "Mine"],
    "case.escalated" => ["已升级", "已升級", "Escalated"],
    "case.status.open" => ["处理中", "處理中", "Open"],
    "case.status.resolved" => ["已答复", "已答覆", "Resolved"],
    "case.status.closed" => ["已结案", "已結案", "Closed"],
    "case.status.merged" => ["已合并", "已合併", "Merged"],
    "case.task_status.open" => ["进行中", "進行中", "Open"],
    "case.task_status.done" => ["已完成", "已完成", "Done"],
    "case.tasks" => ["协办任务", "協辦任務", "Cross-department tasks"],
    "case.task_title" => ["任务内容", "任務內容", "Task"],
    "case.task_due" => ["完成期限", "完成期限", "Due"],
    "case.result" => ["结果", "結果", "Result"],
    "case.done" => ["完成", "完成", "Done"],
    "case.work" => ["处理", "處理", "Work the case"],
    "case.note" => ["说明", "說明", "Note"],
    "case.reason" => ["原因", "原因", "Reason"],
    "case.customer_notified" => ["已告知客户", "已告知客戶", "Customer told"],
    "case.solution" => ["处理结果", "處理結果", "Solution"],
    "case.reply" => ["答复客户", "答覆客戶", "Reply to the customer"],
    "case.satisfaction" => ["满意度", "滿意度", "Satisfaction"],
    "case.comment" => ["评价", "評價", "Comment"],
    "case.lessons" => ["经验教训", "經驗教訓", "Lessons learned"],
    "case.improvement" => ["改进措施", "改進措施", "Improvement actions"],
    "case.log" => ["处理记录", "處理記錄", "Case log"],
    "case.system" => ["系统", "系統", "System"],
    "case.act.register" => ["登记", "登記", "Registered"],
    "case.act.restart" => ["新事实，重新计时", "新事實，重新計時", "New facts: clock restarted"],
    "case.act.repeat" => ["重复反馈", "重複回饋", "Repeat received"],
    "case.act.escalate" => ["升级提醒", "升級提醒", "Escalated"],
    "case.act.note" => ["调查记录", "調查記錄", "Investigation note"],
    "case.act.assign" => ["转派", "轉派", "Reassign"],
    "case.act.pause" => ["暂停计时（外部鉴定）", "暫停計時（外部鑑定）", "Pause (external appraisal)"],
    "case.act.resume" => ["恢复计时", "恢復計時", "Resume the clock"],
    "case.act.extend" => ["延长监管时限", "延長監管時限", "Extend the regulatory deadline"],
    "case.act.task" => ["协办任务", "協辦任務", "Task for a department"],
    "case.act.complete_task" => ["任务完成", "任務完成", "Task done"],
    "case.act.resolve" => ["答复并办结", "答覆並辦結", "Resolve and reply"],
    "case.act.survey" => ["满意度回访", "滿意度回訪", "Satisfaction survey"],
    "case.act.reopen" => ["重新打开", "重新打開", "Reopen"],
    "case.act.lessons" => ["经验教训与改进", "經驗教訓與改進", "Lessons and improvements"],
    "case.attachments" => ["附件", "附件", "Attachments"],
    "case.attach" => ["添加附件（PDF、图片、文本、录音，最大 10 MiB）", "新增附件（PDF、圖片、文字、錄音，最大 10 MiB）", "Attach a file (PDF, image, text, recording; up to 10 MiB)"],
    "case.upload" => ["上传", "上傳", "Upload"],
    "case.act.attach" => ["添加附件", "新增附件", "File attached"],
    "case.none" => ["（未填）", "（未填）", "(none)"],
    "case.reveal" => ["显示完整信息（留痕）", "顯示完整資訊（留痕）", "Show in full (audited)"],
    "case.trend_by" => ["分维度趋势", "分維度趨勢", "Trend by"],
    "case.from" => ["受理日期自", "受理日期自", "Received from"],
    "case.total" => ["受理总数", "受理總數", "Cases received"],
    "case.open" => ["处理中", "處理中", "Open"],
    "case.breached_open" => ["超时未办结", "超時未辦結", "Open past a deadline"],
    "case.sla_attainment" => ["内部时限达成率", "內部時限達成率", "SLA attainment"],
    "case.reg_attainment" => ["监管时限达成率", "監管時限達成率", "Regulatory attainment"],
    "case.avg_handling" => ["平均处理时长", "平均處理時長", "Average handling time"],
    "case.trend" => ["每日受理量", "每日受理量", "Cases per day"],
    "case.heat" => ["高峰时段（星期 × 小时）", "高峰時段（星期 × 小時）", "Peak hours (weekday × hour)"],
    "case.export" => ["导出 XLSX", "匯出 XLSX", "Export XLSX"],
    "case.by_kind" => ["按类型", "按類型", "By kind"],
    "case.by_cause" => ["按原因", "按原因", "By cause"],
    "case.by_product" => ["按产品", "按產品", "By product"],
    "case.by_channel" => ["按渠道", "按渠道", "By channel"],
    "case.by_branch" => ["按网点", "按網點", "By branch"],
    "case.by_segment" => ["按客户等级", "按客戶等級", "By segment"],
    "case.by_department" => ["按部门", "按部門", "By department"],
    "case.notices" => ["通知", "通知", "Notices"],
    "case.notices_read" => ["全部标为已读", "全部標為已讀", "Mark all read"],
    "unit.hours" => ["{n} 小时", "{n} 小時", "{n} hours"],
    "unit.calendar_days" => ["{n} 个自然日", "{n} 個自然日", "{n} calendar days"],
    "unit.working_days" => ["{n} 个工作日", "{n} 個工作日", "{n} working days"],
    "weekday.0" => ["周一", "週一", "Mon"],
    "weekday.1" => ["周二", "週二", "Tue"],
    "weekday.2" => ["周三", "週三", "Wed"],
    "weekday.3" => ["周四", "週四", "Thu"],
    "weekday.4" => ["周五", "週五", "Fri"],
    "weekday.5" => ["周六", "週六", "Sat"],
    "weekday.6" => ["周日", "週日", "Sun"],
    "fb.kind.inquiry" => ["咨询", "諮詢", "Inquiry"],
    "fb.kind.suggestion" => ["建议", "建議", "Suggestion"],
    "fb.kind.complaint" => ["投诉", "投訴", "Complaint"],
    "fb.kind.praise" => ["表扬", "表揚", "Praise"],
    "fb.channel.hotline" => ["客服热线", "客服熱線", "Hotline"],
    "fb.channel.online" => ["网上银行", "網路銀行", "Online"],
    "fb.channel.app" => ["手机银行", "行動銀行", "Mobile app"],
    "fb.channel.branch" => ["网点", "網點", "Branch"],
    "fb.channel.email" => ["电子邮件", "電子郵件", "E-mail"],
    "fb.channel.suggestion_box" => ["意见箱", "意見箱", "Suggestion box"],
    "fb.channel.letter" => ["信函", "信函", "Letter"],
    "fb.severity.low" => ["低", "低", "Low"],
    "fb.severity.medium" => ["中", "中", "Medium"],
    "fb.severity.high" => ["高", "高", "High"],
    "fb.severity.critical" => ["紧急", "緊急", "Critical"],
    "fb.product.deposits" => ["存款", "存款", "Deposits"],
    "fb.product.wealth" => ["理财", "理財", "Wealth management"],
    "fb.product.loans" => ["贷款", "貸款", "Loans"],
    "fb.product.cards" => ["银行卡", "銀行卡", "Cards"],
    "fb.product.payments" => ["支付结算", "支付結算", "Payments"],
    "fb.product.insurance" => ["代理保险", "代理保險", "Insurance"],
    "fb.product.corporate_banking" => ["公司业务", "公司業務", "Corporate banking"],
    "fb.product.digital" => ["电子渠道", "電子渠道", "Digital channels"],
    "fb.product.other" => ["其他", "其他", "Other"],
    "fb.cause.service_attitude" => ["服务态度", "服務態度", "Service attitude"],
    "fb.cause.waiting_time" => ["等候时间", "等候時間", "Waiting time"],
    "fb.cause.fees" => ["收费", "收費", "Fees"],
    "fb.cause.product_information" => ["产品信息", "產品資訊", "Product information"],
    "fb.cause.mis_selling" => ["销售不当", "銷售不當", "Mis-selling"],
    "fb.cause.processing_error" => ["业务差错", "業務差錯", "Processing error"],
    "fb.cause.system_outage" => ["系统故障", "系統故障", "System outage"],
    "fb.cause.privacy" => ["个人信息保护", "個人資訊保護", "Privacy"],
    "fb.cause.collection" => ["催收", "催收", "Collection"],
    "fb.cause.other" => ["其他", "其他", "Other"],
    "cal.admin" => ["工作日历", "工作日曆", "Working-day calendars"],
    "cal.name" => ["日历名称", "日曆名稱", "Calendar name"],
    "cal.body" => ["日历文件（TOML）", "日曆檔案（TOML）", "Calendar file (TOML)"],
    "msg.title" => ["消息", "訊息", "Messages"],
    "camp.title" => ["内容推送", "內容推送", "Content pushes"],
    "camp.new" => ["新建推送", "新建推送", "New content push"],
    "camp.key" => ["推送名称", "推送名稱", "Push name"],
    "camp.started" => ["开始时间", "開始時間", "Started"],
    "camp.total" => ["消息数", "訊息數", "Messages"],
    "camp.channel" => ["渠道", "渠道", "Channel"],
    "camp.preferred" => ["客户首选渠道", "客戶首選渠道", "Each customer's preferred channel"],
    "camp.subject" => ["标题", "標題", "Subject"],
    "camp.body" => ["正文", "正文", "Text"],
    "camp.vars" => ["可用变量：{name} 姓名，{honorific} 称谓，{tier} 财富等级。营销类消息仅发往客户已同意的渠道。", "可用變數：{name} 姓名，{honorific} 稱謂，{tier} 財富等級。行銷類訊息僅發往客戶已同意的渠道。", "Variables: {name}, {honorific}, {tier} (wealth tier). Marketing goes only to channels the customer consented to."],
    "camp.send" => ["排队发送", "排隊發送", "Queue for sending"],
    "camp.queued" => ["已为 {customers} 位客户排队 {queued} 条消息。", "已為 {customers} 位客戶排隊 {queued} 則訊息。", "Queued {queued} messages for {customers} customers."],
    "msg.queued" => ["待发送", "待發送", "queued"],
    "msg.sent" => ["已发送", "已發送", "sent"],
    "msg.failed" => ["发送失败", "發送失敗", "failed"],
    "msg.suppressed" => ["未发送（已拦截）", "未發送（已攔截）", "suppressed"],
    "cal.title" => ["日程", "日程", "Calendar"],
    "cal.visits" => ["我的拜访计划", "我的拜訪計劃", "My visits"],
    "cal.events" => ["客户活动", "客戶活動", "Client events"],
    "visit.title" => ["拜访计划", "拜訪計劃", "Plan a visit"],
    "visit.purpose" => ["拜访目的", "拜訪目的", "Purpose"],
    "visit.when" => ["时间", "時間", "When"],
    "visit.preparation" => ["准备事项", "準備事項", "Preparation"],
    "visit.key" => ["重点客户专项计划", "重點客戶專項計劃", "Key-customer plan"],
    "event.rating" => ["评分", "評分", "Rating"],
    "event.comment" => ["客户反馈", "客戶回饋", "Comment"],
    "event.feedback" => ["记录反馈", "記錄回饋", "Record feedback"],
    "event.new" => ["新建活动", "新建活動", "New event"],
    "event.title" => ["活动名称", "活動名稱", "Title"],
    "event.kind" => ["类型", "類型", "Kind"],
    "event.kind.lecture" => ["主题讲座", "主題講座", "Lecture"],
    "event.kind.exchange" => ["客户交流会", "客戶交流會", "Client exchange"],
    "event.kind.outdoor" => ["户外活动", "戶外活動", "Outdoor activity"],
    "event.location" => ["地点", "地點", "Location"],
    "event.capacity" => ["名额", "名額", "Capacity"],
    "event.invite" => ["邀请", "邀請", "Invite"],
    "event.invite_segment" => ["按理财客户等级邀请", "按理財客戶等級邀請", "Invite a wealth tier"],
    "event.invite_no" => ["按客户号邀请", "按客戶號邀請", "Invite by customer no."],
    "event.accept" => ["报名", "報名", "Accept"],
    "event.decline" => ["谢绝", "謝絕", "Decline"],
    "event.attended" => ["已出席", "已出席", "Attended"],
    "event.no_show" => ["未出席", "未出席", "No show"],
    "inv.invited" => ["已邀请", "已邀請", "invited"],
    "inv.accepted" => ["已报名", "已報名", "accepted"],
    "inv.waitlisted" => ["候补", "候補", "waitlisted"],
    "inv.declined" => ["已谢绝", "已謝絕", "declined"],
    "inv.attended" => ["已出席", "已出席", "attended"],
    "inv.no_show" => ["未出席", "未出席", "no show"],
    "action.open" => ["打开", "開啟", "Open"],
    "form.errors" => ["请更正以下错误。", "請更正以下錯誤。", "Please correct the errors below."],
    "form.created" => ["已创建。", "已建立。", "Created."],
    "form.conflict" => ["其他人已先保存了此记录：", "其他人已先儲存了此記錄：", "Someone else saved this record first:"],
    "form.four_eyes" => ["创建、最后修改或提交记录的人不能审核该记录。", "建立、最後修改或提交記錄的人不能審核該記錄。", "Whoever created, last edited or submitted a record cannot verify it."],
    "form.revealed" => ["已显示完整信息（已记录审计）。", "已顯示完整資訊（已記錄審計）。", "Full values shown (the reveal is audited)."],
    "form.return_note" => ["退回说明", "退回說明", "Returned with"],
    "error.title" => ["出错了", "出錯了", "Something went wrong"],
    "error.not_found" => ["没有找到该记录，或您无权查看。", "沒有找到該記錄，或您無權查看。", "Not found, or not yours to see."],
    "error.forbidden" => ["您没有执行此操作的权限。", "您沒有執行此操作的權限。", "You are not allowed to do this."],
    "error.csrf" => ["表单已过期或来源不明，请刷新页面后重试。", "表單已過期或來源不明，請重新整理頁面後重試。", "The form has expired or did not come from this site; reload the page and try again."],
    "error.internal" => ["系统错误，已记录。", "系統錯誤，已記錄。", "An internal error occurred; it has been logged."],
    "rule.required" => ["必填", "必填", "is required"],
    "rule.check_digit" => ["校验位错误", "校驗位錯誤", "check digit is wrong"],
    "rule.format" => ["格式不正确", "格式不正確", "has the wrong format"],
    "rule.birth_date" => ["出生日期无效", "出生日期無效", "birth date is not a real date"],
    "rule.matches_id" => ["与证件信息不一致", "與證件資訊不一致", "does not match the identity document"],
    "rule.max_length" => ["太长", "太長", "is too long"],
    "rule.not_future" => ["不能是将来的日期", "不能是將來的日期", "must not be in the future"],
    "rule.scope" => ["超出您的管辖范围", "超出您的管轄範圍", "is outside your scope"],
    "rule.duplicate" => ["已存在相同证件号或手机号的客户", "已存在相同證件號或手機號的客戶", "a customer with this number already exists"],
    "rule.empty" => ["不能为空", "不能為空", "must not be empty"],
}

impl Tr {
    pub fn new(lang: Lang) -> Tr {
        Tr { lang }
    }

    /// The words for `key`; the key itself when missing (a test keeps the catalog complete).
    pub fn get<'a>(&self, key: &'a str) -> &'a str {
        lookup(self.lang, key).unwrap_or(key)
    }

    /// The words for a value of a family (`field` + `mobile`, `channel` + `sms`); the value itself when the
    /// catalog has no entry.
    pub fn of(&self, family: &str, value: &str) -> String {
        lookup(self.lang, &format!("{family}.{value}"))
            .unwrap_or(value)
            .to_owned()
    }

    /// The localised message of a validation rule, falling back to the English message of the API.
    pub fn rule<'a>(&self, rule: &str, fallback: &'a str) -> std::borrow::Cow<'a, str> {
        match lookup(self.lang, &format!("rule.{rule}")) {
            Some(s) => std::borrow::Cow::Borrowed(s),
            None => std::borrow::Cow::Borrowed(fallback),
        }
    }

    pub fn code(&self) -> &'static str {
        self.lang.code()
    }

    /// A stored UTC instant (`2026-11-23T02:29:08Z`) shown in the bank's time zone, in the locale's style.
    pub fn datetime(&self, tz: &jiff::tz::TimeZone, s: &str) -> String {
        match s.parse::<jiff::Timestamp>() {
            Ok(t) => {
                let z = t.to_zoned(tz.clone());
                match self.lang {
                    Lang::En => z.strftime("%d %b %Y %H:%M").to_string(),
                    _ => z.strftime("%Y年%m月%d日 %H:%M").to_string(),
                }
            }
            Err(_) => s.to_owned(),
        }
    }

    /// A civil date (`2027-05-23`) in the locale's style.
    pub fn date(&self, s: &str) -> String {
        match s.parse::<jiff::civil::Date>() {
            Ok(d) => match self.lang {
                Lang::En => d.strftime("%d %b %Y").to_string(),
                _ => d.strftime("%Y年%m月%d日").to_string(),
            },
            Err(_) => s.to_owned(),
        }
    }

    /// Money in minor units with its currency, grouped per locale (`¥1,234.56` / `1,234.56 CNY`).
    pub fn money(&self, minor: i64, currency: &str) -> String {
        let amount = banyan_domain::money::grouped(minor);
        match (self.lang, currency) {
            (Lang::En, _) => format!("{amount} {currency}"),
            (_, "CNY") => match amount.strip_prefix('-') {
                Some(a) => format!("-¥{a}"),
                None => format!("¥{amount}"),
            },
            _ => format!("{amount} {currency}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_key_has_three_different_non_empty_entries_where_scripts_differ() {
        for k in KEYS {
            for l in Lang::ALL {
                assert!(!Tr::new(l).get(k).is_empty(), "{k} empty in {}", l.code());
            }
        }
        assert_eq!(Tr::new(Lang::ZhTw).get("nav.review"), "審核佇列");
    }

    #[test]
    fn money_and_dates_follow_the_locale() {
        assert_eq!(Tr::new(Lang::ZhCn).money(123456789, "CNY"), "¥1,234,567.89");
        assert_eq!(
            Tr::new(Lang::En).money(123456789, "CNY"),
            "1,234,567.89 CNY"
        );
        assert_eq!(Tr::new(Lang::En).date("2027-05-23"), "23 May 2027");
        assert_eq!(Tr::new(Lang::ZhCn).date("2027-05-23"), "2027年05月23日");
    }

    #[test]
    fn rules_are_localised() {
        assert_eq!(Tr::new(Lang::ZhCn).rule("check_digit", "x"), "校验位错误");
        assert_eq!(Tr::new(Lang::En).rule("unheard_of", "fallback"), "fallback");
    }
}
