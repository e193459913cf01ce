// Browser tests of staff performance (issue 18): the supervisor reads the branch's scorecards of the running
// quarter ranked within the team, opens rm1's — every KPI in words with its target, attainment and the records
// behind it — and sets rm1's own target, which the card then reads; rm1 sees only their own scorecard and
// neither form. Called by run.mjs with its helpers.
import assert from 'node:assert/strict';

export async function performanceTests({ test, signIn, BASE, SHOTS }) {
  await test('a supervisor reads the scorecards, drills into one and sets a target; a manager sees only their own', async () => {
    const sup = await signIn('sup1');
    await sup.locator('nav a[href="/performance"]').click();
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
    await sup.screenshot({ path: `${SHOTS}/performance.png`, fullPage: true });
    await sup.locator('#perf-cards a', { hasText: 'rm1' }).first().click();
    const lines = await sup.locator('#perf-lines').textContent();
    for (const words of ['新增客户数', '线索转化率', '联系计划按时完成率', '投诉按时办结率', '投诉处理满意度', '逾期未处置预警数', '业务增长', '风险控制',
      '管户资产（AUM）增长率', '管户存款增长率', '管户贷款增长率', '中间业务收入', '关爱任务按时完成率', '特殊客户关爱']) {
      assert.ok(lines.includes(words), `${words} in ${lines}`);
    }
    // A growth reads from the start's figure to the end's, in yuan.
    const aum = await sup.locator('#perf-lines tr', { hasText: '管户资产（AUM）增长率' }).textContent();
    assert.ok(aum.includes('期初') && aum.includes('期末') && aum.includes('¥'), aum);
    // A quarter still running cannot be closed: no closing form yet.
    assert.equal(await sup.locator('#perf-close').count(), 0);
    await sup.locator('#t-kpi').selectOption('new_customers');
    await sup.locator('#t-target').fill('3');
    await sup.locator('#perf-target button').click();
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
    await rm1.locator('#perf-cards a').first().click();
    assert.equal(await rm1.locator('#perf-target').count(), 0);
    await rm1.context().close();
  });
}
