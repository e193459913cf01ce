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
    await sup.screenshot({ path: `${SHOTS}/performance.png`, fullPage: true });
    await sup.locator('#perf-cards a', { hasText: 'rm1' }).first().click();
    const lines = await sup.locator('#perf-lines').textContent();
    for (const words of ['新增客户数', '线索转化率', '联系计划按时完成率', '投诉按时办结率', '投诉处理满意度', '逾期未处置预警数', '业务增长', '风险控制']) {
      assert.ok(lines.includes(words), `${words} in ${lines}`);
    }
    // A quarter still running cannot be closed: no closing form yet.
    assert.equal(await sup.locator('#perf-close').count(), 0);
    await sup.locator('#t-kpi').selectOption('new_customers');
    await sup.locator('#t-target').fill('3');
    await sup.locator('#perf-target button').click();
    await sup.waitForURL(/\/performance\/[0-9a-f-]+\?period=/);
    const row = await sup.locator('#perf-lines tr', { hasText: '新增客户数' }).textContent();
    assert.ok(row.includes('本人目标') && row.includes('3'), row);
    // A target off its scale is refused in words naming the field.
    await sup.locator('#t-kpi').selectOption('contact_coverage');
    await sup.locator('#t-target').fill('150');
    await sup.locator('#perf-target button').click();
    const refused = await sup.locator('#perf-error').textContent();
    assert.ok(refused.includes('目标值') && refused.includes('取值范围'), refused);
    await sup.screenshot({ path: `${SHOTS}/performance-card.png`, fullPage: true });
    await sup.context().close();

    const rm1 = await signIn('rm1');
    await rm1.goto(`${BASE}/performance`);
    assert.equal(await rm1.locator('#perf-cards tbody tr').count(), 1);
    await rm1.locator('#perf-cards a').first().click();
    assert.equal(await rm1.locator('#perf-target').count(), 0);
    await rm1.context().close();
  });
}
