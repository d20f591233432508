/**
 * Who is staff: invitations (role, name, 24 hours, one use), roles checked by the server on every
 * action, and the first administrator, who can join only while there is none.
 */
import type { StaffInvitationCreated, StaffInvitationView, StaffView } from '../../../cloudfunctions/shared/staff/contract';
import { collection } from '../../../cloudfunctions/shared/runtime';
import { DEVELOPMENT_DEFAULTS } from '../../../cloudfunctions/shared/runtime/environment';
import { readWxacodeText } from '../../../local/wechat-openapi';
import { readQrPng } from '../../support/qr';
import { expectRefused, startConsoleCloud, type ConsoleCloud } from './support';

const auditOf = (c: ConsoleCloud, action: string) => collection(c.running.cloud.sdkDatabase(), 'auditLog').find({ action });

describe('with the demo staff', () => {
  let c: ConsoleCloud;
  let adminToken: string;
  beforeAll(async () => {
    c = await startConsoleCloud();
    adminToken = await c.signInAs('admin');
  });
  afterAll(async () => c.stop());

  const invite = async (name: string, role: string) => {
    const answer = await c.api<StaffInvitationCreated>('inviteStaff', { name, role }, { token: adminToken });
    if (!answer.result.ok) throw new Error(answer.result.message);
    return answer.result.data;
  };

  it('only an administrator manages staff; every role may see who it is', async () => {
    for (const role of ['cashier', 'reviewer', 'viewer'] as const) {
      const token = await c.signInAs(role);
      expectRefused(await c.api('listStaff', {}, { token }), 403, 'FORBIDDEN');
      expectRefused(await c.api('inviteStaff', { name: '王五', role: 'viewer' }, { token }), 403, 'FORBIDDEN');
      expect((await c.api('me', {}, { token })).result.ok).toBe(true);
    }
    const list = await c.api<{ items: StaffView[] }>('listStaff', {}, { token: adminToken });
    expect(list.result.ok && list.result.data.items.map((member) => member.roleLabel).sort()).toEqual(['只读', '审核', '收费员', '管理员'].sort());
  });

  it('an invitation: a code for the join page, accepted once, and the new member can sign in', async () => {
    const created = await invite('周洁', 'cashier');
    expect(readWxacodeText(await readQrPng(created.codeImage))).toEqual({ page: 'package-admin/pages/join/index', scene: created.invitationId });

    const newcomer = 'o-new-cashier-zhou';
    expect(await c.fromPhone<StaffInvitationView>(newcomer, 'describeInvitation', { invitationId: created.invitationId })).toMatchObject({
      ok: true,
      data: { name: '周洁', role: 'cashier', roleLabel: '收费员', firstAdmin: false },
    });
    expect(await c.fromPhone(newcomer, 'acceptInvitation', { invitationId: created.invitationId })).toMatchObject({ ok: true, data: { name: '周洁', role: 'cashier', active: true } });
    expect(await c.fromPhone('o-someone-else', 'acceptInvitation', { invitationId: created.invitationId })).toMatchObject({ ok: false, code: 'INVITATION_USED' });

    const [accepted] = await auditOf(c, 'admin.acceptInvitation');
    expect(accepted).toMatchObject({ actor: `openid:${newcomer}`, details: { changes: [{ target: `staff:${newcomer}`, after: { name: '周洁', role: 'cashier' } }] } });
    const [invited] = (await auditOf(c, 'admin.inviteStaff')).filter((entry) => JSON.stringify(entry.details).includes('周洁'));
    expect(invited).toMatchObject({ actor: `staff:${c.openidOf('admin')}`, details: { staffName: '陈静', role: 'admin' } });
  });

  it('an invitation expires after 24 hours', async () => {
    const created = await invite('吴倩', 'viewer');
    c.running.cloud.clock.advance(24 * 3600_000 + 1000);
    expect(await c.fromPhone('o-late', 'acceptInvitation', { invitationId: created.invitationId })).toMatchObject({ ok: false, code: 'INVITATION_EXPIRED' });
    adminToken = await c.signInAs('admin');
  });

  it('a WeChat account that is active staff cannot join a second time', async () => {
    const created = await invite('李敏', 'viewer');
    expect(await c.fromPhone(c.openidOf('cashier'), 'acceptInvitation', { invitationId: created.invitationId })).toMatchObject({ ok: false, code: 'ALREADY_STAFF' });
  });

  it('a role change needs a reason, is audited before → after, and signs the member out', async () => {
    const reviewerToken = await c.signInAs('reviewer');
    const reviewer = c.openidOf('reviewer');
    expectRefused(await c.api('updateStaff', { staffId: reviewer, role: 'viewer' }, { token: adminToken }), 400, 'BAD_REQUEST');
    const changed = await c.api<StaffView>('updateStaff', { staffId: reviewer, role: 'viewer', reason: '本学期只查询' }, { token: adminToken });
    expect(changed.result).toMatchObject({ ok: true, data: { role: 'viewer', roleLabel: '只读' } });
    expectRefused(await c.api('me', {}, { token: reviewerToken }), 401, 'UNAUTHENTICATED');
    const [entry] = await auditOf(c, 'admin.updateStaff');
    expect(entry!.details).toMatchObject({
      reason: '本学期只查询',
      changes: [{ target: `staff:${reviewer}`, before: { role: 'reviewer', active: true }, after: { role: 'viewer', active: true } }],
    });
    await c.api('updateStaff', { staffId: reviewer, role: 'reviewer', reason: '恢复审核' }, { token: adminToken });
  });

  it('an administrator cannot disable or demote themselves, so an administrator always remains', async () => {
    expectRefused(await c.api('updateStaff', { staffId: c.openidOf('admin'), active: false, reason: '本人已经离职' }, { token: adminToken }), 422, 'STAFF_SELF_CHANGE');
    const created = await invite('钱军', 'admin');
    await c.fromPhone('o-second-admin', 'acceptInvitation', { invitationId: created.invitationId });
    const second = await c.signInAs('admin');
    expect((await c.api('updateStaff', { staffId: 'o-second-admin', active: false, reason: '试用结束' }, { token: second })).result.ok).toBe(true);
  });
});

describe('the first administrator', () => {
  let c: ConsoleCloud;
  beforeAll(async () => {
    c = await startConsoleCloud({ seedStaff: false });
  });
  afterAll(async () => c.stop());

  it('joins with the setup code while there is no administrator, and never after', async () => {
    expectRefused(await c.api('startFirstAdmin', { code: 'wrong-code-123', name: '陈静' }), 422, 'FIRST_ADMIN_CODE_WRONG');
    const started = await c.api<StaffInvitationCreated>('startFirstAdmin', { code: DEVELOPMENT_DEFAULTS.ADMIN_BOOTSTRAP_CODE!, name: '陈静' });
    expect(started.result.ok).toBe(true);
    const { invitationId } = (started.result as { data: StaffInvitationCreated }).data;
    expect(await c.fromPhone('o-first-admin', 'describeInvitation', { invitationId })).toMatchObject({ ok: true, data: { firstAdmin: true, role: 'admin' } });
    expect(await c.fromPhone('o-first-admin', 'acceptInvitation', { invitationId })).toMatchObject({ ok: true, data: { role: 'admin' } });

    expectRefused(await c.api('startFirstAdmin', { code: DEVELOPMENT_DEFAULTS.ADMIN_BOOTSTRAP_CODE!, name: '另一人' }), 422, 'FIRST_ADMIN_EXISTS');
  });
});

describe('the first administrator\'s invitation', () => {
  let c: ConsoleCloud;
  beforeAll(async () => {
    c = await startConsoleCloud({ seedStaff: false });
  });
  afterAll(async () => c.stop());

  it('cannot be guessed by someone without the setup code, and only the latest one can be accepted', async () => {
    const start = async (name: string) => {
      const started = await c.api<StaffInvitationCreated>('startFirstAdmin', { code: DEVELOPMENT_DEFAULTS.ADMIN_BOOTSTRAP_CODE!, name });
      return (started.result as { data: StaffInvitationCreated }).data.invitationId;
    };
    const first = await start('陈静');
    const latest = await start('陈静');
    expect(latest).not.toBe(first);
    expect(first).toMatch(/^[A-Za-z0-9_-]{16}$/);
    // Someone who knows how invitations are named, but not the code, finds none to accept.
    expect(await c.fromPhone('o-stranger', 'acceptInvitation', { invitationId: 'first-administrator' })).toMatchObject({ ok: false, code: 'NOT_FOUND' });
    expect(await c.fromPhone('o-first-admin', 'acceptInvitation', { invitationId: first })).toMatchObject({ ok: false, code: 'INVITATION_EXPIRED' });
    expect(await c.fromPhone('o-first-admin', 'acceptInvitation', { invitationId: latest })).toMatchObject({ ok: true, data: { role: 'admin' } });
  });
});
