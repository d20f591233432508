/**
 * 账单缴费 when a bill can no longer be paid online (its item closed at the deadline: 已截止), and
 * how the page tells a student why 立即支付 was refused: in full, never cut short in a toast.
 */
import { openPage, waitFor, type OpenedPage } from './harness';
import { clearRecordedCalls, clearStorage, recordedCalls } from './wx-fake';
import { functionCalls, PAY_BUTTON, signedInStudent, toasts, typeEmail, wxGlobal } from './bills-support';

const BILLS_PAGE = 'pages/bills/index';
const CLOSED_REASON = '该项目已过缴费截止日期，不能再在线缴费，请联系计划财务处收费管理科';
const originalRequest = wxGlobal.request;

let page: OpenedPage | undefined;

type Overview = { ok: boolean; data?: { unpaid: { id: string; overdue: boolean; payableOnline: boolean; notPayableReason: string | null }[] } };
type RequestOptions = { url: string; data?: { action?: string }; success?: (res: { statusCode: number; data: unknown }) => void };

/** The server's overview says the bill `billId` closed at its deadline (as it does for 考试费 once it has passed). */
function closedOnServer(billId: string): void {
  wxGlobal.request = (options: RequestOptions) => {
    if (String(options.url).endsWith('/functions/bills') && options.data?.action === 'overview' && options.success) {
      const success = options.success;
      options = {
        ...options,
        success(res) {
          const answer = res.data as Overview;
          for (const bill of answer.data?.unpaid ?? []) {
            if (bill.id === billId) Object.assign(bill, { overdue: true, payableOnline: false, notPayableReason: CLOSED_REASON });
          }
          success(res);
        },
      };
    }
    return (originalRequest as (o: RequestOptions) => unknown)(options);
  };
}

const textOf = (selector: string): string => (page!.find(selector).dom?.textContent ?? '').replace(/\s+/g, ' ').trim();
const total = (): string | null | undefined => page!.find('#pay-total').dom?.textContent;
const dialogs = () => recordedCalls('showModal').map((call) => call.options);

beforeEach(() => {
  clearRecordedCalls();
  clearStorage();
  wxGlobal.request = originalRequest;
  delete wxGlobal.requestSubscribeMessage;
});

afterEach(async () => {
  await page?.close();
  page = undefined;
  wxGlobal.request = originalRequest;
});

test('a bill closed at its deadline is shown 已截止 with whom to contact; it cannot be ticked and 全选 leaves it out', async () => {
  const { billIds } = await signedInStudent(3);
  const [tuition, dorm, books] = billIds as [string, string, string];
  closedOnServer(dorm);
  page = await openPage(BILLS_PAGE);
  await page.waitForText('学费');

  expect(textOf(`#bill-${dorm}`)).toContain('已截止');
  expect(textOf(`#bill-${dorm}`)).not.toContain('已逾期');
  expect(textOf(`#closed-${dorm}`)).toContain(CLOSED_REASON);
  expect(page.root.querySelector(`#closed-${tuition}`)).toBeFalsy();

  await page.tap(`#bill-${dorm}`);
  expect(total()).toBe('¥0.00');
  expect(page.root.querySelector(`#bill-${dorm} .tick--on`)).toBeFalsy();

  // 全选: the bills that can be paid (学费 and 教材费), and it shows as all ticked.
  await page.tap('#check-all');
  expect(total()).toBe('¥3,650.50');
  expect(page.root.querySelector(`#bill-${tuition} .tick--on`)).toBeTruthy();
  expect(page.root.querySelector(`#bill-${books} .tick--on`)).toBeTruthy();
  expect(page.root.querySelector(`#bill-${dorm} .tick--on`)).toBeFalsy();
  expect(page.root.querySelector('#check-all .tick--on')).toBeTruthy();

  // 联系我们 on the card opens the help lines, without ticking the card.
  await page.tap(`#closed-${dorm} .closed-help-button`);
  await page.waitForText('计划财务处收费管理科');
  expect(total()).toBe('¥3,650.50');
});

test('a refusal too long for a toast is shown in full in a dialog the student closes with 知道了', async () => {
  const { billIds } = await signedInStudent(3);
  page = await openPage(BILLS_PAGE);
  await page.waitForText('学费');
  // 住宿费 (optional) alone while 学费 and 教材费 are unpaid.
  await page.tap(`#bill-${billIds[1]}`);
  await typeEmail(page, 'zhangsan@example.com');
  await page.tap(PAY_BUTTON);
  await waitFor(() => dialogs().length > 0, () => `a dialog; toasts: ${JSON.stringify(toasts())}`);
  expect(functionCalls('pay', 'create')).toHaveLength(1);
  expect(dialogs()).toEqual([
    expect.objectContaining({ content: expect.stringMatching(/^请先缴纳 \d{4}-\d{4}学年第一学期 的必缴项目（学费、教材费），或与选缴项目一并勾选$/), showCancel: false, confirmText: '知道了' }),
  ]);
  expect(toasts()).toEqual([]);
});

test('a short notice stays a toast', async () => {
  const { billIds } = await signedInStudent(1);
  page = await openPage(BILLS_PAGE);
  await page.waitForText('学费');
  await page.tap(`#bill-${billIds[0]}`);
  await page.tap(PAY_BUTTON);
  expect(toasts()).toEqual(['请填写正确的邮箱地址']);
  expect(dialogs()).toEqual([]);
});
