// Browser tests of care for customers in critical illness or hardship (seed 003): customer service reports a
// lead from the customer's page (the customer filled in, the source picked), a supervisor verifies it (asked
// first), names the team with the picker and registers it (the diagnosis only with the separate consent); the
// team's lead contact finds the task on the home page, confirms the terms and opens the compartment, which says
// the reading is recorded; the customer's own RM outside the team and an auditor see only the adjustments, the
// RM breaks the glass with a reason (asked first), and the supervisor's access review counts it until reviewed;
// the team files a document signed by remote video before a witness, and a referral picks a partner hospital.
// Called by run.mjs with its helpers.
import { go } from './browser.mjs';
import assert from 'node:assert/strict';

export async function careTests({ test, signIn, BASE, SHOTS, customerUrl }) {
  let careUrl;
  await test('customer service reports a care lead from the customer page', async () => {
    const cs = await signIn('cs1');
    await cs.goto(customerUrl);
    await go(cs, cs.locator('#care-banner a', { hasText: '报告关怀线索' }));
    await cs.waitForURL(/\/care\/new\?customer=/);
    assert.ok((await cs.locator('#cr-customer').inputValue()).startsWith('P-BR0001-'));
    await cs.locator('#cr-source').selectOption('own_account');
    await cs.locator('#cr-observation').fill('客户家属来电：客户住院治疗，想了解暂停定投和紧急借款');
    await go(cs, cs.locator('#care-report-save'));
    await cs.waitForURL(/\/care\/[0-9a-f-]{36}$/);
    careUrl = cs.url();
    assert.equal((await cs.locator('#care-status').textContent()).trim(), '待核实');
    // The reporter sees the record, not what is sealed.
    assert.equal(await cs.locator('#care-open').count(), 0);
    await cs.context().close();
  });

  await test('a supervisor verifies the lead, names the team and registers the customer', async () => {
    const sup = await signIn('sup1');
    await sup.goto(careUrl);
    await sup.locator('input[name=decision][value=verify]').check();
    await go(sup, sup.locator('#care-decide-save'));
    await sup.waitForURL(/#care-facts$/);
    assert.ok(sup.asked.some((m) => m.includes('核实')), sup.asked.join('|'));
    assert.equal((await sup.locator('#care-status').textContent()).trim(), '已核实待登记');
    for (const [role, user] of [['relationship_manager', 'rm2'], ['operations_support', 'ops1']]) {
      await sup.locator('#care-assign summary').click();
      await sup.locator('#ct-role').selectOption(role);
      await sup.locator('#ct-staff').pressSequentially(user, { delay: 30 });
      await sup.locator('#ct-staff-list li[role=option]', { hasText: user }).click();
      await go(sup, sup.locator('#care-team-save'));
      await sup.waitForURL(/#care-team$/);
    }
    const team = await sup.locator('#care-members').textContent();
    assert.ok(team.includes('rm2') && team.includes('ops1') && team.includes('未确认保密条款'), team);
    // A diagnosis without the separate consent is refused in words.
    await sup.locator('#rg-situation').selectOption('serious_illness');
    await sup.locator('#rg-impact').selectOption('severe');
    await sup.locator('#rg-detail').fill('长期住院，收入中断');
    await sup.locator('#rg-diagnosis').fill('（测试）某重大疾病');
    await sup.locator('#care-register-save').click();
    const err = await sup.locator('#care-error').textContent();
    assert.ok(err.includes('诊断') && err.includes('单独同意') && !err.includes('consent_required'), err);
    await sup.locator('#rg-situation').selectOption('serious_illness');
    await sup.locator('#rg-impact').selectOption('severe');
    await sup.locator('#rg-detail').fill('长期住院，收入中断');
    await sup.locator('#rg-diagnosis').fill('（测试）某重大疾病');
    await sup.locator('input[name="consent.diagnosis"]').check();
    await sup.locator('#rg-consent-on').fill(new Date().toISOString().slice(0, 10));
    await sup.locator('input[name="adj.home_visits"]').check();
    await sup.locator('#rg-line').fill('400-820-1234');
    await go(sup, sup.locator('#care-register-save'));
    await sup.waitForURL(/#care-facts$/);
    assert.equal((await sup.locator('#care-status').textContent()).trim(), '已登记');
    const tasks = await sup.locator('#care-task-list').textContent();
    for (const w of ['首次联系客户', '财务状况评估', '定期回访']) assert.ok(tasks.includes(w), tasks);
    await sup.screenshot({ path: `${SHOTS}/care.png`, fullPage: true });
    await sup.context().close();
  });

  await test('the team lead confirms the terms and opens the compartment; the reading is recorded', async () => {
    const rm2 = await signIn('rm2');
    const home = await rm2.locator('#care-tasks').textContent();
    assert.ok(home.includes('首次联系客户'), home);
    await go(rm2, rm2.locator('#care-tasks a').first());
    await rm2.waitForURL(/\/care\/[0-9a-f-]{36}#care-tasks$/);
    assert.equal(await rm2.locator('#care-open').count(), 0, 'not before the terms are confirmed');
    await rm2.locator('#care-confirm').click();
    await go(rm2, rm2.locator('#care-open'));
    await rm2.waitForURL(/\/compartment$/);
    assert.ok((await rm2.locator('#care-recorded').textContent()).includes('关怀团队成员'));
    assert.equal((await rm2.locator('#care-diagnosis').textContent()).trim(), '（测试）某重大疾病');
    await rm2.locator('#cn-body').fill('约定每周三上午与家属电话联系');
    await go(rm2, rm2.locator('#care-note-save'));
    assert.ok((await rm2.locator('#care-note-list').textContent()).includes('每周三'));
    await rm2.screenshot({ path: `${SHOTS}/care-compartment.png`, fullPage: true });
    await rm2.context().close();
  });

  await test('the team files a document signed by remote video before a witness, read on a basis', async () => {
    const rm2 = await signIn('rm2');
    await rm2.goto(`${careUrl}/compartment`);
    await rm2.locator('#care-doc-add summary').click();
    // Signed by video without the recording's reference or a witness: refused in words, field by field.
    await rm2.locator('#cd-kind').selectOption('repayment_agreement');
    await rm2.locator('#cd-subject').fill('还款计划调整协议');
    await rm2.locator('#cd-signing').selectOption('remote_video');
    await rm2.locator('#cd-signed').fill(new Date().toISOString().slice(0, 10));
    await rm2.locator('#cd-file').setInputFiles({ name: '还款协议.pdf', mimeType: 'application/pdf', buffer: Buffer.from('%PDF-1.4 e2e') });
    await rm2.locator('#care-doc-save').click();
    const err = await rm2.locator('#care-error').textContent();
    assert.ok(err.includes('见证人') && err.includes('签署/录像编号') && !err.includes('witness'), err);
    await rm2.locator('#care-doc-add summary').click();
    await rm2.locator('#cd-kind').selectOption('repayment_agreement');
    await rm2.locator('#cd-subject').fill('还款计划调整协议');
    await rm2.locator('#cd-signing').selectOption('remote_video');
    await rm2.locator('#cd-signed').fill(new Date().toISOString().slice(0, 10));
    await rm2.locator('#cd-ref').fill('VID-E2E-1');
    const witness = await rm2.locator('#cd-witness option', { hasText: 'ops1' }).getAttribute('value');
    await rm2.locator('#cd-witness').selectOption(witness);
    await rm2.locator('#cd-file').setInputFiles({ name: '还款协议.pdf', mimeType: 'application/pdf', buffer: Buffer.from('%PDF-1.4 e2e') });
    await go(rm2, rm2.locator('#care-doc-save'));
    await rm2.waitForURL(/#care-documents$/);
    const docs = await rm2.locator('#care-doc-list').textContent();
    assert.ok(docs.includes('还款协议') && docs.includes('远程视频见证签署') && docs.includes('ops1') && docs.includes('VID-E2E-1'), docs);
    const [download] = await Promise.all([
      rm2.waitForEvent('download'),
      rm2.locator('#care-doc-list a').first().click(),
    ]);
    assert.equal(download.suggestedFilename(), '还款协议.pdf');
    await rm2.screenshot({ path: `${SHOTS}/care-documents.png`, fullPage: true });
    await rm2.context().close();
  });

  await test('a supervisor keeps the partner hospitals; a referral picks an active one', async () => {
    const sup = await signIn('sup1');
    await sup.goto(`${BASE}/care/hospitals`);
    await sup.locator('#ha-name').fill('市第一人民医院');
    await sup.locator('#ha-city').fill('上海');
    await sup.locator('#ha-channel').fill('肿瘤科 张主任 021-5555-0101');
    await go(sup, sup.locator('#hospital-save'));
    await sup.waitForURL(/\/care\/hospitals$/);
    assert.ok((await sup.locator('#hospital-list').textContent()).includes('市第一人民医院'));
    assert.ok((await sup.locator('#hospital-total').textContent()).includes('1'));
    await sup.screenshot({ path: `${SHOTS}/care-hospitals.png`, fullPage: true });
    await sup.context().close();

    const rm2 = await signIn('rm2');
    await rm2.goto(careUrl);
    await rm2.locator('#care-add-measure summary').click();
    await rm2.locator('#cm-kind').selectOption('hospital_referral');
    await rm2.locator('#cm-what').fill('协调住院绿色通道');
    await rm2.locator('#cm-hospital').selectOption({ label: '市第一人民医院 · 上海' });
    await go(rm2, rm2.locator('#care-measure-save'));
    await rm2.waitForURL(/#care-measures$/);
    const measures = await rm2.locator('#care-measure-list').textContent();
    assert.ok(measures.includes('合作医院') && measures.includes('市第一人民医院'), measures);
    // The watch shows what the book tells of the customer's capacity, in words.
    const watch = await rm2.locator('#care-watch').locator('..').textContent();
    assert.ok(watch.includes('R1') && !watch.includes('above_capacity'), watch);
    await rm2.context().close();
  });

  await test('outside the team only the adjustments show; breaking the glass asks for a reason and is reviewed', async () => {
    const aud = await signIn('aud1');
    await aud.goto(customerUrl);
    const seen = await aud.locator('#care-banner').textContent();
    assert.ok(seen.includes('需要调整服务方式') && seen.includes('上门服务') && seen.includes('400-820-1234'), seen);
    assert.ok(!seen.includes('疾病') && !seen.includes('住院'), seen);
    await aud.context().close();

    const rm1 = await signIn('rm1');
    await rm1.goto(customerUrl);
    await go(rm1, rm1.locator('#care-banner a', { hasText: '紧急查阅' }));
    await rm1.locator('#cg-reason').fill('客户在柜台身体不适，需要确认紧急联系人');
    await rm1.locator('#care-glass-go').click();
    assert.ok(rm1.asked.some((m) => m.includes('通知')), rm1.asked.join('|'));
    assert.ok((await rm1.locator('#care-recorded').textContent()).includes('紧急查阅'));
    await rm1.context().close();

    const sup = await signIn('sup1');
    await sup.goto(`${BASE}/care/access-review`);
    const summary = await sup.locator('#care-review-summary').textContent();
    assert.ok(summary.includes('紧急查阅 1 次') && summary.includes('1 次待审查'), summary);
    await sup.goto(careUrl);
    await sup.locator('#care-grants input[value=justified]').check();
    await go(sup, sup.locator('#care-grants button', { hasText: '审查' }));
    await sup.waitForURL(/#care-supervise$/);
    assert.ok((await sup.locator('#care-grants').textContent()).includes('理由正当'));
    await sup.goto(`${BASE}/care/access-review`);
    assert.ok((await sup.locator('#care-review-summary').textContent()).includes('0 次待审查'));
    await sup.screenshot({ path: `${SHOTS}/care-review.png`, fullPage: true });
    await sup.context().close();
  });
}
