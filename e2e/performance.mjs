// Browser tests of staff performance (issue 18): the supervisor reads the branch's scorecards of the running
// quarter ranked within the team, opens rm1's — every KPI in words with its target, attainment and the records
// behind it — and sets rm1's own target, which the card then reads; rm1 sees only their own scorecard and
// neither form. Called by run.mjs with its helpers.
import { go } from './browser.mjs';
import assert from 'node:assert/strict';

export async function performanceTests({ test, signIn, BASE, SHOTS }) {
  await test('a supervisor reads the scorecards, drills into one and sets a target; a manager sees only their own', async () => {
    const sup = await signIn('sup1');
    await go(sup, sup.locator('nav a[href="/performance"]'));
    const list = await sup.locator('#perf-cards').textContent();
    assert.ok(list.includes('客户经理') && list.includes('进行中') && list.includes('第 1 名'), list);
    assert.ok(!/[a-z]+_[a-z]+/.test(list), list);
    // The branch summed per role, with the composites' distribution.
    const summed = await sup.locator('#perf-groups').textContent();
    assert.ok(summed.includes('网点：BR0001 · 客户经理') && summed.includes('综合得分分布'), summed);
    // A target for the whole branch: listed in words, and read by the people without their own.
    await sup.locator('#g-group').selectOption({ index: 0 });
    await sup.locator('#g-kpi').selectOption('case_sla');
    await sup.locator('#g-target').fill('90');
    await sup.locator('#perf-group-target button').click();
    await sup.locator('#perf-group-targets').waitFor();
    const groups = await sup.locator('#perf-group-targets').textContent();
    assert.ok(groups.includes('整个网点') && groups.includes('投诉按时办结率') && groups.includes('90.0%'), groups);
    assert.ok(groups.includes('每人'), groups);
    // A target for the branch as a whole: its summary reads it, marked as the group's.
    await sup.locator('#g-group').selectOption({ index: 0 });
    await sup.locator('#g-kpi').selectOption('new_customers');
    await sup.locator('#g-target').fill('12');
    await sup.locator('#g-applies').selectOption('whole');
    await sup.locator('#perf-group-target button').click();
    await sup.locator('#perf-group-targets').waitFor();
    const whole = await sup.locator('#perf-group-targets tr', { hasText: '新增客户数' }).textContent();
    assert.ok(whole.includes('整体'), whole);
    const branchSummary = await sup.locator('#perf-groups').textContent();
    assert.ok(branchSummary.includes('（整体目标）'), branchSummary);
    await sup.screenshot({ path: `${SHOTS}/performance.png`, fullPage: true });
    await go(sup, sup.locator('#perf-cards a', { hasText: 'rm1' }).first());
    const lines = await sup.locator('#perf-lines').textContent();
    for (const words of ['新增客户数', '线索转化率', '联系计划按时完成率', '投诉按时办结率', '客户反馈办理满意度', '逾期未处置预警数', '业务增长', '风险控制',
      '管户资产（AUM）增长率', '管户存款增长率', '管户贷款增长率', '中间业务收入', '关爱任务按时完成率', '特殊客户关爱',
      '客户满意度（回访与调查）', '风险预警按时处置率', '管户风险事件数', '拓客目标达成率', '客户拓展', '投诉监管时限达标率']) {
      assert.ok(lines.includes(words), `${words} in ${lines}`);
    }
    // A growth reads from the start's figure to the end's, in yuan.
    const aum = await sup.locator('#perf-lines tr', { hasText: '管户资产（AUM）增长率' }).textContent();
    assert.ok(aum.includes('期初') && aum.includes('期末') && aum.includes('¥'), aum);
    // A quarter still running cannot be closed: no closing form yet.
    assert.equal(await sup.locator('#perf-close').count(), 0);
    await sup.locator('#t-kpi').selectOption('new_customers');
    await sup.locator('#t-target').fill('3');
    await go(sup, sup.locator('#perf-target button'));
    await sup.waitForURL(/\/performance\/[0-9a-f-]+\?period=/);
    const row = await sup.locator('#perf-lines tr', { hasText: '新增客户数' }).textContent();
    assert.ok(row.includes('本人目标') && row.includes('3'), row);
    const sla = await sup.locator('#perf-lines tr', { hasText: '投诉按时办结率' }).textContent();
    assert.ok(sla.includes('网点目标') && sla.includes('90.0%'), sla);
    // A target off its scale is refused in words naming the field.
    await sup.locator('#t-kpi').selectOption('contact_coverage');
    await sup.locator('#t-target').fill('150');
    await sup.locator('#perf-target button').click();
    const refused = await sup.locator('#perf-error').textContent();
    assert.ok(refused.includes('目标值') && refused.includes('取值范围'), refused);
    await sup.screenshot({ path: `${SHOTS}/performance-card.png`, fullPage: true });
    // Last year's card: before it is closed there is no decision to make; closed (asked first), the bonus
    // and promotion are recorded with who decided.
    const url = new URL(sup.url());
    const year = String(new Date().getFullYear() - 1);
    await sup.goto(`${BASE}${url.pathname.replace(/\/target$/, "")}?period=${year}`);
    const before = await sup.locator('#perf-decision-view').textContent();
    assert.ok(before.includes('关闭后才能作出奖金与晋升决定'), before);
    await sup.locator('#c-rating').selectOption('excellent');
    await sup.locator('#c-comment').fill('全年客户拓展突出');
    await sup.locator('#perf-close button').click();
    await sup.locator('#perf-decision').waitFor();
    await sup.locator('#d-bonus').fill('120');
    await sup.locator('#d-promotion').selectOption('recommend');
    await sup.locator('#d-note').fill('列入明年晋升名单');
    await sup.locator('#perf-decision button').click();
    await sup.locator('#perf-decision-view', { hasText: '第 1 版' }).waitFor();
    const decided = await sup.locator('#perf-decision-view').textContent();
    assert.ok(decided.includes('标准奖金的 120%') && decided.includes('建议晋升') && decided.includes('sup1'), decided);
    assert.ok(sup.asked.some((m) => m.includes('奖金与晋升决定')), sup.asked.join(' | '));
    await sup.screenshot({ path: `${SHOTS}/performance-year.png`, fullPage: true });
    await sup.context().close();

    const rm1 = await signIn('rm1');
    await rm1.goto(`${BASE}/performance`);
    assert.equal(await rm1.locator('#perf-cards tbody tr').count(), 1);
    await go(rm1, rm1.locator('#perf-cards a').first());
    assert.equal(await rm1.locator('#perf-target').count(), 0);
    await rm1.context().close();
  });

  await test('a supervisor keeps the training catalogue, records a session and reads what each person has due', async () => {
    const sup = await signIn('sup1');
    await sup.goto(`${BASE}/performance`);
    await go(sup, sup.locator('#perf-training'));
    await sup.waitForURL(/\/performance\/training$/);
    // A course mandatory for relationship managers, assessed, with a certificate valid a year.
    await sup.locator('#train-add-course summary').click();
    await sup.locator('#k-code').fill('SEC-E2E');
    await sup.locator('#k-title').fill('信息安全年度培训');
    await sup.locator('#k-kind').selectOption('in_service');
    await sup.locator('#k-topic').selectOption('info_security');
    await sup.locator('#k-hours').fill('2.5');
    await sup.locator('#k-pass').fill('80');
    await sup.locator('#k-valid').fill('12');
    await sup.locator('#train-add-course input[name="role_relationship_manager"]').check();
    await sup.locator('#k-refresh').fill('12');
    await sup.locator('#train-add-course button').click();
    await sup.locator('#train-courses').waitFor();
    const courses = await sup.locator('#train-courses').textContent();
    assert.ok(courses.includes('信息安全年度培训') && courses.includes('在职进阶培训') && courses.includes('80 分及格')
      && courses.includes('12 个月') && courses.includes('客户经理（每 12 个月复训）'), courses);
    // A second course with the same code is refused in words.
    await sup.locator('#train-add-course summary').click();
    await sup.locator('#k-code').fill('SEC-E2E');
    await sup.locator('#k-title').fill('重复');
    await sup.locator('#k-hours').fill('1');
    await sup.locator('#train-add-course button').click();
    const dup = await sup.locator('#train-error').textContent();
    assert.ok(dup.includes('该编号已存在'), dup);
    // A session today for rm1 and rm2; its attendance recorded (asked first).
    await sup.goto(`${BASE}/performance/training`);
    await sup.locator('#s-course').selectOption('SEC-E2E');
    await sup.locator('#train-schedule label', { hasText: 'rm1' }).locator('input').check();
    await sup.locator('#train-schedule label', { hasText: 'rm2' }).locator('input').check();
    await sup.locator('#s-place').fill('BR0001 培训室');
    await go(sup, sup.locator('#train-schedule button'));
    await sup.waitForURL(/\/performance\/training\/sessions\//);
    const rows = sup.locator('#train-attendees tbody tr');
    assert.equal(await rows.count(), 2);
    const rm1Row = sup.locator('#train-attendees tbody tr', { hasText: 'rm1' });
    await rm1Row.locator('input[name^="score_"]').fill('92');
    await rm1Row.locator('input[name^="cert_"]').fill('SEC-E2E-1');
    const rm2Row = sup.locator('#train-attendees tbody tr', { hasText: 'rm2' });
    await rm2Row.locator('select').selectOption('absent');
    await sup.locator('#train-record > button').click();
    await sup.locator('#train-facts', { hasText: '已登记考勤' }).waitFor();
    assert.ok(sup.asked.some((m) => m.includes('登记') && m.includes('信息安全年度培训')), sup.asked.join(' | '));
    const done = await sup.locator('#train-attendees tbody tr', { hasText: 'rm1' }).textContent();
    assert.ok(done.includes('已完成'), done);
    const absent = await sup.locator('#train-attendees tbody tr', { hasText: 'rm2' }).textContent();
    assert.ok(absent.includes('未完成'), absent);
    await sup.screenshot({ path: `${SHOTS}/training-session.png`, fullPage: true });
    // A programme of the course, and rm2 enrolled in it from their record.
    await sup.goto(`${BASE}/performance/training`);
    await sup.locator('#train-add-programme summary').click();
    await sup.locator('#p-code').fill('NEW-E2E');
    await sup.locator('#p-title').fill('客户经理新员工培训计划');
    await sup.locator('#p-weeks').fill('4');
    await sup.locator('#train-add-programme input[name="course_SEC-E2E"]').check();
    await sup.locator('#train-add-programme button').click();
    await sup.locator('#train-programmes').waitFor();
    const people = await sup.locator('#train-people').textContent();
    assert.ok(people.includes('rm1') && people.includes('2.5 学时'), people);
    assert.ok(!/[a-z]+_[a-z]+/.test(people), people);
    await sup.screenshot({ path: `${SHOTS}/training.png`, fullPage: true });
    // The course changed from the catalogue (asked first): its code kept, its new title in the catalogue.
    await go(sup, sup.locator('#train-courses a', { hasText: 'SEC-E2E' }));
    await sup.waitForURL(/\/performance\/training\/courses\/SEC-E2E$/);
    assert.equal(await sup.locator('#k-code').inputValue(), 'SEC-E2E');
    assert.equal(await sup.locator('#k-kind').inputValue(), await sup.locator('#k-kind option[selected]').getAttribute('value'));
    // A blank name is refused in words naming the course's name (not a person's title), what was typed kept.
    await sup.locator('#k-title').fill('   ');
    await sup.locator('#k-hours').fill('3');
    await sup.locator('#train-edit-course button').click();
    const blank = await sup.locator('#train-error').textContent();
    assert.ok(blank.includes('课程名称') && !blank.includes('职务'), blank);
    assert.equal(await sup.locator('#k-hours').inputValue(), '3');
    await sup.locator('#k-hours').fill('2.5');
    await sup.locator('#k-title').fill('信息安全年度培训（2026 版）');
    await sup.screenshot({ path: `${SHOTS}/training-course.png`, fullPage: true });
    await go(sup, sup.locator('#train-edit-course button'));
    await sup.waitForURL(/\/performance\/training#train-courses$/);
    assert.ok(sup.asked.some((m) => m.includes('确认保存') && m.includes('信息安全年度培训')), sup.asked.join(' | '));
    const catalogue = await sup.locator('#train-courses').textContent();
    assert.ok(catalogue.includes('信息安全年度培训（2026 版）'), catalogue);
    await go(sup, sup.locator('#train-people a', { hasText: 'rm2' }));
    await sup.locator('#e-programme').selectOption('NEW-E2E');
    await sup.locator('#train-enrol button').click();
    await sup.locator('#train-enrolments').waitFor();
    const due = await sup.locator('#train-due').textContent();
    assert.ok(due.includes('岗位必修') && due.includes('培训计划') && due.includes('待完成') && due.includes('前完成'), due);
    assert.ok(!/[a-z]+_[a-z]+/.test(due), due);
    await sup.screenshot({ path: `${SHOTS}/training-person.png`, fullPage: true });
    // A session next week for rm2, which rm1 will join themself.
    await sup.goto(`${BASE}/performance/training`);
    await sup.locator('#s-course').selectOption('SEC-E2E');
    await sup.locator('#s-day').fill(new Date(Date.now() + 7 * 86400000).toISOString().slice(0, 10));
    await sup.locator('#train-schedule label', { hasText: 'rm2' }).locator('input').check();
    await go(sup, sup.locator('#train-schedule button'));
    await sup.waitForURL(/\/performance\/training\/sessions\//);
    await sup.context().close();

    // rm1 reads their own record: the certificate and the course done until it expires; no forms.
    const rm1 = await signIn('rm1');
    await rm1.goto(`${BASE}/performance/training`);
    await rm1.waitForURL(/\/performance\/training\/people\//);
    const mine = await rm1.locator('#train-history').textContent();
    assert.ok(mine.includes('SEC-E2E-1') && mine.includes('92 分'), mine);
    const mineDue = await rm1.locator('#train-due').textContent();
    assert.ok(mineDue.includes('已完成') && mineDue.includes('有效至'), mineDue);
    assert.equal(await rm1.locator('#train-enrol').count(), 0);
    // rm1 signs up for next week's session from their own record (asked first).
    const open = await rm1.locator('#train-open').textContent();
    assert.ok(open.includes('信息安全年度培训（2026 版）') && open.includes('报名'), open);
    await go(rm1, rm1.locator('#train-open button').first());
    await rm1.waitForURL(/#train-open-h$/);
    assert.ok(rm1.asked.some((m) => m.includes('确认报名')), rm1.asked.join(' | '));
    const joined = await rm1.locator('#train-open').textContent();
    assert.ok(joined.includes('已报名'), joined);
    await rm1.screenshot({ path: `${SHOTS}/training-signup.png`, fullPage: true });
    // A place one took oneself may be given back before the session (asked first).
    const row = rm1.locator('#train-open tr', { hasText: '信息安全年度培训（2026 版）' });
    await go(rm1, row.locator('button', { hasText: '取消报名' }));
    await rm1.waitForURL(/#train-open-h$/);
    assert.ok(rm1.asked.some((m) => m.includes('确认取消报名')), rm1.asked.join(' | '));
    const back = await rm1.locator('#train-open tr', { hasText: '信息安全年度培训（2026 版）' }).textContent();
    assert.ok(!back.includes('已报名') && back.includes('报名'), back);
    await rm1.context().close();
  });

  await test('a supervisor proposes a reward over closed scorecards; a second person approves it for payroll', async () => {
    const sup = await signIn('sup1');
    await sup.goto(`${BASE}/performance`);
    await go(sup, sup.locator('#perf-rewards'));
    await sup.waitForURL(/\/performance\/rewards$/);
    // The running year's last quarter has no closed scorecard: refused in words.
    await sup.locator('#reward-propose summary').click();
    await sup.locator('#r-code').fill('E2E-Q');
    await sup.locator('#r-name').fill('季度达标奖');
    await sup.locator('#r-period').selectOption({ index: 0 });
    await sup.locator('#r-rule').selectOption('threshold');
    await sup.locator('#r-min').fill('0');
    await sup.locator('#r-amount').fill('1000');
    await sup.locator('#reward-propose button').click();
    const refused = await sup.locator('#reward-error').textContent();
    assert.ok(refused.includes('尚无已关闭的考核卡'), refused);
    // Last year, closed for rm1 by the first walk: a threshold award of 1,000 yuan.
    await sup.locator('#reward-propose summary').click();
    await sup.locator('#r-code').fill('E2E-YEAR');
    await sup.locator('#r-name').fill('年度达标奖');
    await sup.locator('#r-period').selectOption(String(new Date().getFullYear() - 1));
    await sup.locator('#r-rule').selectOption('threshold');
    await sup.locator('#r-min').fill('0');
    await sup.locator('#r-amount').fill('1000');
    await go(sup, sup.locator('#reward-propose button'));
    await sup.waitForURL(/\/performance\/rewards\/[0-9a-f-]+$/);
    const awards = await sup.locator('#reward-awards').textContent();
    assert.ok(awards.includes('rm1') && awards.includes('¥1,000.00'), awards);
    const facts = await sup.locator('#reward-facts').textContent();
    assert.ok(facts.includes('达标奖') && facts.includes('待审批') && facts.includes('客户经理'), facts);
    assert.equal(await sup.locator('#reward-decide').count(), 0, 'the proposer does not approve');
    const scheme = sup.url();
    // An honour for rm1.
    await sup.goto(`${BASE}/performance/rewards`);
    await sup.locator('#h-person').selectOption({ label: 'rm1' });
    await sup.locator('#h-title').fill('拓户之星');
    await sup.locator('#reward-honour button').click();
    await sup.locator('#reward-honour-list').waitFor();
    const honours = await sup.locator('#reward-honour-list').textContent();
    assert.ok(honours.includes('拓户之星') && honours.includes('rm1'), honours);
    await sup.screenshot({ path: `${SHOTS}/rewards.png`, fullPage: true });
    await sup.context().close();

    const sen = await signIn('sen1');
    await sen.goto(scheme);
    await sen.locator('#reward-approve button').click();
    await sen.locator('#reward-facts', { hasText: '已批准' }).waitFor();
    assert.ok(sen.asked.some((m) => m.includes('批准') && m.includes('年度达标奖')), sen.asked.join(' | '));
    const href = await sen.locator('#reward-payroll').getAttribute('href');
    const csv = await (await sen.context().request.get(`${BASE}${href}`)).text();
    assert.ok(csv.startsWith('\uFEFF员工账号,员工'), csv);
    assert.ok(csv.includes('rm1') && csv.includes('年度达标奖') && csv.includes('1000.00'), csv);
    assert.ok(!/relationship_manager|\d{4}-Q\d/.test(csv), csv);
    await sen.screenshot({ path: `${SHOTS}/reward-scheme.png`, fullPage: true });
    await sen.context().close();
  });
}
