/**
 * The scan sign-in as the login page lives it: show a code, poll about every 1.8 s, follow the
 * phone (scanned → confirmed or cancelled), and replace a code that expired — by itself a few
 * times, then only when the person asks, so an unattended screen stops making codes.
 */
import { onBeforeUnmount, ref } from 'vue';
import { ApiError, messageOf } from '../../api/client';
import { pollSignIn, simulateScan, startSignIn } from '../../api/sign-in';
import type { ConsoleIdentity, ConsoleSignInStart, StaffRole } from '../../api/types';

export const POLL_INTERVAL_MS = 1800;
export const AUTO_REFRESH_LIMIT = 5;

export type ScanPhase = 'loading' | 'waiting' | 'scanned' | 'confirmed' | 'cancelled' | 'expired' | 'failed';

export function useScanSignIn(onConfirmed: (token: string, identity: ConsoleIdentity) => void) {
  const phase = ref<ScanPhase>('loading');
  const codeImage = ref('');
  const failure = ref('');
  /** A poll failed for a reason that may pass (network, busy server): polling goes on. */
  const unsteady = ref(false);

  let current: ConsoleSignInStart | null = null;
  let autoRefreshes = 0;
  /** Each code gets a new generation; answers about an older code are ignored. */
  let generation = 0;
  let timer: number | undefined;
  /** The generation whose poll is awaiting its answer: one poll at a time, or two could race for the token. */
  let inFlight: number | null = null;
  let pollAgainNow = false;

  function stop(): void {
    generation += 1;
    pollAgainNow = false;
    window.clearTimeout(timer);
    timer = undefined;
  }

  function schedulePoll(forGeneration: number, delay = POLL_INTERVAL_MS): void {
    window.clearTimeout(timer);
    timer = window.setTimeout(() => void poll(forGeneration), delay);
  }

  async function showNewCode(): Promise<void> {
    stop();
    const mine = generation;
    phase.value = 'loading';
    failure.value = '';
    unsteady.value = false;
    try {
      const started = await startSignIn();
      if (mine !== generation) return;
      current = started;
      codeImage.value = started.codeImage;
      phase.value = 'waiting';
      schedulePoll(mine);
    } catch (error) {
      if (mine !== generation) return;
      current = null;
      codeImage.value = '';
      failure.value = messageOf(error);
      phase.value = 'failed';
    }
  }

  async function poll(mine: number): Promise<void> {
    if (mine !== generation || !current) return;
    if (inFlight === mine) {
      pollAgainNow = true;
      return;
    }
    inFlight = mine;
    try {
      const answer = await pollSignIn(current).finally(() => {
        if (inFlight === mine) inFlight = null;
      });
      if (mine !== generation) return;
      unsteady.value = false;
      switch (answer.state) {
        case 'waiting':
        case 'scanned':
          phase.value = answer.state;
          schedulePoll(mine, pollAgainNow ? 0 : POLL_INTERVAL_MS);
          pollAgainNow = false;
          return;
        case 'confirmed':
          if (!answer.token || !answer.staff) throw new ApiError('SIGN_IN_INCOMPLETE', '登录没有完成，请刷新二维码后重新扫码', 200);
          phase.value = 'confirmed';
          stop();
          onConfirmed(answer.token, answer.staff);
          return;
        case 'cancelled':
          phase.value = 'cancelled';
          stop();
          return;
        case 'expired':
          if (autoRefreshes < AUTO_REFRESH_LIMIT) {
            autoRefreshes += 1;
            await showNewCode();
          } else {
            phase.value = 'expired';
            stop();
          }
          return;
      }
    } catch (error) {
      if (mine !== generation) return;
      if (error instanceof ApiError && error.transient) {
        unsteady.value = true;
        schedulePoll(mine, POLL_INTERVAL_MS * 2);
        return;
      }
      failure.value = messageOf(error);
      phase.value = 'failed';
      stop();
    }
  }

  /** 刷新二维码: the person is here, so codes may again be replaced by themselves. */
  function refresh(): Promise<void> {
    autoRefreshes = 0;
    return showNewCode();
  }

  /** 模拟扫码 (local cloud): confirm as a demo staff member, then ask at once instead of waiting for the next poll. */
  async function simulate(role: StaffRole): Promise<void> {
    if (!current) return;
    const mine = generation;
    await simulateScan(current.ticket, role);
    if (mine !== generation) return;
    if (inFlight === mine) pollAgainNow = true;
    else schedulePoll(mine, 0);
  }

  onBeforeUnmount(stop);

  return { phase, codeImage, failure, unsteady, refresh, simulate };
}
