import type { FormRule, SubmitContext } from 'tdesign-vue-next';
import { reactive, ref, watch } from 'vue';
import { messageOf } from '../api/client';
import { REASON_RULES } from '../constants/reason';

/**
 * What every dialog that sends something does alike: it starts clean each time it opens, keeps its
 * button busy while the request runs, and shows a refusal in the server's own words inside the
 * dialog (which stays open, so the person can correct and try again).
 */
export function useDialogRequest(options: {
  visible: () => boolean;
  /** Puts the dialog back as it starts; called each time it opens. */
  reset?: () => void;
  /** Told after a refusal is shown: the record may have changed meanwhile. */
  refused?: () => void;
}) {
  const submitting = ref(false);
  const failure = ref('');

  watch(options.visible, (visible) => {
    if (!visible) return;
    options.reset?.();
    failure.value = '';
  });

  async function run(request: () => Promise<void>): Promise<void> {
    submitting.value = true;
    failure.value = '';
    try {
      await request();
    } catch (error) {
      failure.value = messageOf(error);
      options.refused?.();
    } finally {
      submitting.value = false;
    }
  }

  return { submitting, failure, run };
}

/** A form in a dialog: sent only once its rules pass and there is something to send. */
export function useDialogForm(options: {
  visible: () => boolean;
  reset?: () => void;
  /** Whether there is anything to send (the record is there, a choice is made); checked after the rules. */
  ready?: () => boolean;
  /** Sends the form; what it throws is shown as the failure. It closes the dialog itself if it should. */
  send: () => Promise<void>;
  refused?: () => void;
}) {
  const { submitting, failure, run } = useDialogRequest(options);

  async function submit(context: SubmitContext): Promise<void> {
    if (context.validateResult !== true || options.ready?.() === false) return;
    await run(options.send);
  }

  return { submitting, failure, submit };
}

/**
 * A dialog that changes a record for a reason the audit log keeps (作废, 撤回, 驳回, 关闭 …): the
 * form holds the reason and any other fields, checked as the server checks them, and the record and
 * the trimmed reason are handed to `send`.
 */
export function useReasonDialog<S, Fields extends object = Record<never, never>>(options: {
  visible: () => boolean;
  /** The record the reason is given for; nothing is sent without it. */
  subject: () => S | null;
  /** The form's other fields, as they start. */
  fields?: () => Fields;
  /** Their rules, beside the reason's. */
  rules?: Record<string, FormRule[]>;
  /** Puts the dialog's other state back as it starts, each time it opens. */
  reset?: () => void;
  send: (subject: S, reason: string) => Promise<void>;
  refused?: () => void;
}) {
  const start = (): Fields & { reason: string } => ({ ...(options.fields?.() ?? ({} as Fields)), reason: '' });
  const form = reactive(start()) as Fields & { reason: string };
  const rules: Record<string, FormRule[]> = { ...options.rules, reason: REASON_RULES };

  const { submitting, failure, submit } = useDialogForm({
    visible: options.visible,
    reset: () => {
      Object.assign(form, start());
      options.reset?.();
    },
    ready: () => options.subject() !== null,
    send: () => options.send(options.subject()!, form.reason.trim()),
    refused: options.refused,
  });

  return { form, rules, submitting, failure, submit };
}
