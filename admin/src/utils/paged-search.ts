import { computed, reactive, shallowRef, type ShallowRef } from 'vue';
import type { PageInfo, TableRowData } from 'tdesign-vue-next';
import { useLatestRequest } from './latest-request';

export const PAGE_SIZES = [20, 50, 100];

/**
 * A list the server pages (账单, 学生, 退款, 待核实, 审计日志): the filters, the page asked for, the
 * answer, loading and the failure to show. Only the latest request's answer is kept, so a slow
 * earlier search never overwrites a newer one.
 */
export function usePagedSearch<F extends object, P extends { items: TableRowData[]; total: number }>(
  fetch: (request: F & { page: number; pageSize: number }) => Promise<P>,
  empty: P,
) {
  const filters = shallowRef({} as F) as ShallowRef<F>;
  const paging = reactive({ current: 1, pageSize: PAGE_SIZES[0]! });
  const page = shallowRef(empty) as ShallowRef<P>;
  const { loading, failure: loadError, load: request } = useLatestRequest(fetch, (found: P) => {
    page.value = found;
  });

  const pagination = computed(() => ({
    current: paging.current,
    pageSize: paging.pageSize,
    total: page.value.total,
    pageSizeOptions: PAGE_SIZES,
    showJumper: page.value.total > paging.pageSize * 5,
  }));

  /** The table's rows, busy state and pager, bound as one: `<t-table v-bind="table" …>`. */
  const table = computed(() => ({ data: page.value.items, loading: loading.value, pagination: pagination.value, onPageChange: changePage }));

  /** '正在查询…', or '共 1,234 张账单' with the unit given ('张账单'). */
  const countText = (unit: string): string => (loading.value ? '正在查询…' : `共 ${page.value.total.toLocaleString('zh-CN')} ${unit}`);

  function load(): Promise<void> {
    return request({ ...filters.value, page: paging.current, pageSize: paging.pageSize });
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

  return { filters, paging, page, loading, loadError, pagination, table, countText, load, search, changePage };
}
