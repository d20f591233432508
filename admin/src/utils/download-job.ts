import { computed, onScopeDispose, reactive, ref } from 'vue';
import { ApiError } from '../api/client';
import { saveFile } from './download';
import { ExcelUnavailableError } from './excel';

/** A file made in the browser from rows the server hands over page by page. */
export interface DownloadJob<Row> {
  /** What is being made, for the progress text, e.g. 未缴学生名单（催缴）. */
  label: string;
  fileName: string;
  /** How many rows there will be (an export is also recorded in the audit log here). */
  count(): Promise<number>;
  /** Page `n` (from 1): its rows, the total as it stands now, and whether another page follows. */
  page(n: number): Promise<{ rows: Row[]; total: number; more: boolean }>;
  write(rows: Row[]): Promise<Blob>;
}

/**
 * counting → fetching → writing → done; `empty` when there is nothing to write; `failed` keeps
 * what was fetched, so 重试 goes on from the step (the page) that failed.
 */
export type DownloadPhase = 'idle' | 'counting' | 'fetching' | 'writing' | 'done' | 'empty' | 'failed';

function failureText(step: string, error: unknown): string {
  if (error instanceof ApiError || error instanceof ExcelUnavailableError) return `${step}失败：${error.message}`;
  return `${step}失败，请重试`;
}

export function useDownloadJob() {
  const phase = ref<DownloadPhase>('idle');
  const progress = reactive({ done: 0, total: 0 });
  const failure = ref('');
  const label = ref('');
  const fileName = ref('');
  const busy = computed(() => phase.value === 'counting' || phase.value === 'fetching' || phase.value === 'writing');

  let job: DownloadJob<unknown> | null = null;
  let rows: unknown[] = [];
  let counted = false;
  let nextPage = 1;
  let fetchedAll = false;
  /** Bumped on every start and cancel: an abandoned run stops at its next step. */
  let generation = 0;

  async function run(): Promise<void> {
    if (!job) return;
    const current = job;
    generation += 1;
    const mine = generation;
    failure.value = '';
    let step = '统计行数';
    try {
      if (!counted) {
        phase.value = 'counting';
        const total = await current.count();
        if (mine !== generation) return;
        counted = true;
        progress.total = total;
        if (total === 0) {
          phase.value = 'empty';
          return;
        }
      }
      phase.value = 'fetching';
      while (!fetchedAll) {
        step = `读取第 ${nextPage} 页`;
        const page = await current.page(nextPage);
        if (mine !== generation) return;
        rows.push(...page.rows);
        progress.done = rows.length;
        progress.total = Math.max(page.total, rows.length);
        nextPage += 1;
        fetchedAll = !page.more || page.rows.length === 0;
      }
      step = '生成文件';
      phase.value = 'writing';
      const file = await current.write(rows);
      if (mine !== generation) return;
      saveFile(file, current.fileName);
      phase.value = 'done';
    } catch (error) {
      if (mine !== generation) return;
      // A session that ended has already sent the person to sign in again.
      if (error instanceof ApiError && error.sessionEnded) {
        phase.value = 'idle';
        return;
      }
      failure.value = failureText(step, error);
      phase.value = 'failed';
    }
  }

  function start<Row>(next: DownloadJob<Row>): void {
    job = next as DownloadJob<unknown>;
    rows = [];
    counted = false;
    nextPage = 1;
    fetchedAll = false;
    progress.done = 0;
    progress.total = 0;
    label.value = next.label;
    fileName.value = next.fileName;
    void run();
  }

  /** Goes on from where it failed: the pages already read are kept. */
  function retry(): void {
    if (phase.value === 'failed') void run();
  }

  function cancel(): void {
    generation += 1;
    job = null;
    rows = [];
    phase.value = 'idle';
    failure.value = '';
  }

  // Leaving the page abandons the work: no file appears after the person has moved on.
  onScopeDispose(cancel);

  return { phase, progress, failure, label, fileName, busy, start, retry, cancel };
}

export type DownloadJobState = ReturnType<typeof useDownloadJob>;
