import { computed, reactive, ref, shallowRef, type ShallowRef } from 'vue';
import type { PageInfo } from 'tdesign-vue-next';
import { ApiError, messageOf } from '../api/client';

export const PAGE_SIZES = [20, 50, 100];

/**
 * A list the server pages (账单, 学生): the filters, the page asked for, the answer, loading and
 * the failure to show. Only the latest request's answer is kept, so a slow earlier search never
 * overwrites a newer one.
 */
export function usePagedSearch<F extends object, P extends { total: number }>(
  fetch: (request: F & { page: number; pageSize: number }) => Promise<P>,
  empty: P,
) {
  const filters = shallowRef({} as F) as ShallowRef<F>;
  const paging = reactive({ current: 1, pageSize: PAGE_SIZES[0]! });
  const page = shallowRef(empty) as ShallowRef<P>;
  const loading = ref(false);
  const loadFailure = ref('');
  let generation = 0;

  const pagination = computed(() => ({
    current: paging.current,
    pageSize: paging.pageSize,
    total: page.value.total,
    pageSizeOptions: PAGE_SIZES,
    showJumper: page.value.total > paging.pageSize * 5,
  }));

  async function load(): Promise<void> {
    generation += 1;
    const mine = generation;
    loading.value = true;
    loadFailure.value = '';
    try {
      const found = await fetch({ ...filters.value, page: paging.current, pageSize: paging.pageSize });
      if (mine === generation) page.value = found;
    } catch (error) {
      // A session that ended has already sent the person to sign in again.
      if (mine === generation && !(error instanceof ApiError && error.sessionEnded)) loadFailure.value = messageOf(error);
    } finally {
      if (mine === generation) loading.value = false;
    }
  }

  /** New filters: back to the first page. */
  function search(next: F): void {
    filters.value = next;
    paging.current = 1;
    void load();
  }

  function changePage(info: PageInfo): void {
    paging.current = info.pageSize !== paging.pageSize ? 1 : info.current;
    paging.pageSize = info.pageSize;
    void load();
  }

  return { filters, paging, page, loading, loadFailure, pagination, load, search, changePage };
}
