/**
 * 我的发票 → tap a receipt: the mini program calls `download` over the local cloud's HTTP server,
 * fetches the PDF from the temporary URL (wx.downloadFile) and opens it. Here the PDF fetched that
 * way is read as a person reads it: the text on it and each character of the payer's name drawn.
 */
import { httpRequest, type HttpReply } from '../../support/http';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { ApiResult } from '../../../cloudfunctions/shared/contracts';
import type { ReceiptDownload, ReceiptIssued, ReceiptList } from '../../../cloudfunctions/shared/receipts/contract';
import { startLocalCloud, type RunningLocalCloud } from '../../../local/start';
import { OPENID_HEADER } from '../../../local/server';
import { installLocalMail } from '../../../local/receipts';
import { insertStudentWithSession, payThroughFlow, waitForReceiptsWhilePaying, type FixtureStudent } from '../../support/receipt-fixtures';
import { issueAsPaymentCode } from '../../support/internal-calls';
import { glyphCells, judgeGlyphs, missingGlyphCell, pdfText, renderPage } from './pdf-reading';

jest.setTimeout(60_000);

const request = (method: 'GET' | 'POST', url: string, body?: unknown, openid?: string): Promise<HttpReply> =>
  httpRequest(method, url, body === undefined ? undefined : JSON.stringify(body), openid ? { [OPENID_HEADER]: openid } : {});

const callFunction = async <T>(running: RunningLocalCloud, openid: string, event: Record<string, unknown>): Promise<ApiResult<T>> =>
  JSON.parse((await request('POST', `${running.url}/functions/receipts`, event, openid)).body.toString('utf8')) as ApiResult<T>;

describe('receipts: download through the local cloud', () => {
  let running: RunningLocalCloud;
  let dataDir: string;
  let student: FixtureStudent;
  let issued: ReceiptIssued;

  beforeAll(async () => {
    waitForReceiptsWhilePaying();
    dataDir = mkdtempSync(path.join(os.tmpdir(), 'zhjf-receipts-http-'));
    running = await startLocalCloud({ dataDir, port: 0, logSink: () => undefined, startAt: new Date('2026-03-01T01:00:00Z') });
    await installLocalMail(running.cloud, running.server, { announce: false }).ready;
    process.env.RECEIPT_AUTO_EMAIL = 'false';
    const db = running.cloud.sdkDatabase();
    student = await insertStudentWithSession(db, running.cloud.clock.now(), { name: '赵堃玥', studentNo: '2026A0007' });
    // Paid through the real flow (pay.create → the cloudPay sandbox → payNotify, which has it issued).
    const order = await payThroughFlow(running.cloud, student, {
      lines: [
        { itemCode: 'XF', itemName: '学费', amount: 320000 },
        { itemCode: 'JCF', itemName: '教材费', amount: 45005 },
      ],
    });
    issued = (await issueAsPaymentCode<{ ok: true; data: ReceiptIssued }>(running.cloud, order._id)).data;
    expect(issued.created).toBe(false);
  });

  afterAll(async () => {
    delete process.env.RECEIPT_AUTO_EMAIL;
    await running.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('lists it, downloads it from a temporary URL, and the PDF reads right with real glyphs', async () => {
    const list = await callFunction<ReceiptList>(running, student.openid, { action: 'list' });
    expect(list.ok && list.data.items.map((item) => item.receiptNo)).toEqual([issued.receiptNo]);

    const download = await callFunction<ReceiptDownload>(running, student.openid, { action: 'download', receiptId: issued.receiptId });
    if (!download.ok) throw new Error(download.message);
    expect(download.data.fileName).toBe(`电子票据-${issued.receiptNo}.pdf`);
    expect(download.data.url.startsWith(`${running.url}/storage/`)).toBe(true);

    const fetched = await request('GET', download.data.url);
    expect(fetched.status).toBe(200);
    expect(fetched.headers['content-type']).toBe('application/pdf');
    const pdf = fetched.body;

    const text = pdfText(pdf);
    expect(text).toContain('交款人：赵堃玥');
    expect(text).toContain('学号：2026A0007');
    expect(text).toContain(`票据号码：${issued.receiptNo}`);
    expect(text).toContain('叁仟陆佰伍拾元零伍分');
    expect(text).toContain('¥3,650.05');
    expect(text).toContain('学费');
    expect(text).toContain('教材费');

    const verdicts = judgeGlyphs(glyphCells(pdf, '赵堃玥', renderPage(pdf)), await missingGlyphCell(9.5));
    expect(verdicts.filter((v) => !v.ok)).toEqual([]);
  });

  it('the link expires, and another student gets no link at all', async () => {
    const download = await callFunction<ReceiptDownload>(running, student.openid, { action: 'download', receiptId: issued.receiptId });
    if (!download.ok) throw new Error(download.message);
    running.cloud.clock.advance((download.data.maxAge + 1) * 1000);
    expect((await request('GET', download.data.url)).status).toBe(403);

    const other = await insertStudentWithSession(running.cloud.sdkDatabase(), running.cloud.clock.now());
    expect(await callFunction(running, other.openid, { action: 'download', receiptId: issued.receiptId })).toMatchObject({
      ok: false,
      code: 'RECEIPT_NOT_FOUND',
    });
  });

  it('lists what the local mail server received (POST /sandbox/mail/messages)', async () => {
    const sent = await callFunction(running, student.openid, { action: 'sendEmail', receiptId: issued.receiptId, email: 'zhao@example.com' });
    expect(sent).toMatchObject({ ok: true });
    const listed = JSON.parse((await request('POST', `${running.url}/sandbox/mail/messages`, {})).body.toString('utf8')) as {
      mode: string;
      messages: { to: string[]; subject: string; attachments: { filename: string; contentType: string }[] }[];
    };
    expect(listed.mode).toBe('local-smtp');
    expect(listed.messages).toEqual([
      expect.objectContaining({
        to: ['zhao@example.com'],
        subject: `【智慧缴费】电子票据 ${issued.receiptNo}`,
        attachments: [expect.objectContaining({ filename: `电子票据-${issued.receiptNo}.pdf`, contentType: 'application/pdf' })],
      }),
    ]);
  });
});
