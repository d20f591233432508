import { ref, shallowRef, watch, type Ref, type ShallowRef } from 'vue';
import { ApiError, messageOf } from '../api/client';

/**
 * A read the page may ask for again before the last answer came (a new search, another record,
 * a click on 刷新): only the latest request's answer is kept, so a slow earlier one never
 * overwrites a newer one, and `loading` and `failure` speak of the latest only. A session that
 * ended is no failure to show: it has already sent the person to sign in again.
 */
export function useLatestRequest<A extends unknown[], T>(
  fetch: (...args: A) => Promise<T>,
  keep: (answer: T) => void,
  /** Put before the server's message, e.g. '汇总没有取到：'. */
  failurePrefix = '',
) {
  const loading = ref(false);
  const failure = ref('');
  let generation = 0;

  async function load(...args: A): Promise<void> {
    generation += 1;
    const mine = generation;
    loading.value = true;
    failure.value = '';
    try {
      const answer = await fetch(...args);
      if (mine === generation) keep(answer);
    } catch (error) {
      if (mine === generation && !(error instanceof ApiError && error.sessionEnded)) failure.value = `${failurePrefix}${messageOf(error)}`;
    } finally {
      if (mine === generation) loading.value = false;
    }
  }

  return { loading, failure, load };
}

/** A list the server gives whole (财务人员, 收费项目, 导入记录), read when asked, the latest answer kept. */
export function useLatestList<T>(fetch: () => Promise<T[]>) {
  const items = ref([]) as Ref<T[]>;
  const { loading, failure, load } = useLatestRequest(fetch, (found: T[]) => {
    items.value = found;
  });
  return { items, loading, failure, load };
}

/**
 * The record a drawer shows: read when it opens (or is pointed at another record), and read again
 * on `reload` with the old one kept on screen meanwhile (after a change, or a refusal that may
 * mean someone else changed it).
 */
export function useRecord<K, T>(options: {
  visible: () => boolean;
  /** Which record; null while there is none to show. */
  id: () => K | null;
  fetch: (id: K) => Promise<T>;
  /** Told of each record read again by `reload`. */
  reloaded?: (record: T) => void;
}) {
  const record = shallowRef<T | null>(null) as ShallowRef<T | null>;
  const { loading, failure, load } = useLatestRequest(
    async (id: K, again: boolean) => ({ loaded: await options.fetch(id), again }),
    ({ loaded, again }) => {
      record.value = loaded;
      if (again) options.reloaded?.(loaded);
    },
  );

  function read(id: K, again: boolean): void {
    if (!again) record.value = null;
    void load(id, again);
  }

  watch(
    () => [options.visible(), options.id()] as const,
    ([visible, id]) => {
      if (visible && id) read(id, false);
    },
    { immediate: true },
  );

  function reload(): void {
    const id = options.id();
    if (id) read(id, true);
  }

  return { record, loading, failure, reload };
}
