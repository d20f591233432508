/**
 * What the sign-in forms (登录, 首次登录, 忘记密码, 修改密码) share: their text fields and change
 * handlers, the way a request is sent (one at a time, the button spinning, a refusal's message
 * under the form), and a few pure checks.
 */
import { errorMessage } from '../services/errors';

/** What TDesign's t-input sends with `change`. */
export interface InputEvent {
  detail: { value?: string };
}

/** What every sign-in form keeps besides its fields: the message under it, and a request out. */
export interface FormState {
  errorText: string;
  busy: boolean;
}

/** Component()'s `this`, as far as these helpers use it: a page whose data `D` has FormState. */
export interface FormPage<D extends FormState = FormState> {
  readonly data: D;
  setData(patch: Partial<D>): void;
}

/** studentNo → onStudentNoChange: the handler name the form's WXML binds to `bind:change`. */
type ChangeHandlerName<F extends string> = `on${Capitalize<F>}Change`;

/** A change handler's `this`: it writes its own field, the message and `alsoClear`. */
interface FieldPage {
  setData(patch: Record<string, unknown>): void;
}

export type ChangeHandlers<F extends string> = {
  [K in F as ChangeHandlerName<K>]: (this: FieldPage, event: InputEvent) => void;
};

/**
 * A form's text fields: their empty values, to spread into the page's data (so the fields and the
 * data cannot drift apart), and one change handler per field, to spread into its methods. Each
 * handler keeps what is typed and clears the message under the form, and whatever `alsoClear`
 * names (e.g. the help lines a refusal showed).
 */
export function textFields<F extends string>(
  names: readonly F[],
  alsoClear: Record<string, unknown> = {},
): { data: Record<F, string>; handlers: ChangeHandlers<F> } {
  const data = {} as Record<F, string>;
  const handlers: Record<string, (this: FieldPage, event: InputEvent) => void> = {};
  for (const name of names) {
    data[name] = '';
    handlers[`on${name.charAt(0).toUpperCase()}${name.slice(1)}Change`] = function onChange(this: FieldPage, event: InputEvent) {
      this.setData({ ...alsoClear, [name]: event.detail.value ?? '', errorText: '' });
    };
  }
  // The keys were built from `names` exactly as ChangeHandlerName spells them.
  return { data, handlers: handlers as ChangeHandlers<F> };
}

export interface SubmitOptions<D> {
  /** Cleared with the message as the request goes out (e.g. the help lines a refusal showed). */
  clear?: Partial<D>;
  /** A refusal: by default its message goes under the form. */
  onError?: (error: unknown) => void;
}

/**
 * Sends a form's request: ignored while one is out; `busy` (the button's spinner) until it ends;
 * the message under the form cleared first, and a refusal's message shown there (or `onError`).
 */
export async function submitForm<D extends FormState>(
  page: FormPage<D>,
  send: () => Promise<void>,
  options: SubmitOptions<NoInfer<D>> = {},
): Promise<void> {
  // The page's own data type checks `clear`; the form's state is written through FormState.
  const form: FormPage = page;
  if (form.data.busy) return;
  form.setData({ ...options.clear, busy: true, errorText: '' });
  try {
    await send();
  } catch (error) {
    if (options.onError) options.onError(error);
    else form.setData({ errorText: errorMessage(error) });
  } finally {
    form.setData({ busy: false });
  }
}

/** A page query value as text; a malformed %-sequence (a damaged QR link) is taken as it is. */
export function decodeQueryValue(value: string | undefined): string {
  if (!value) return '';
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}

/**
 * The checks a student can be told about before anything is sent: both boxes filled, and the
 * same twice. The server applies the password rules themselves. Null when the pair may be sent.
 */
export function newPasswordPairProblem(newPassword: string, confirmPassword: string): string | null {
  if (!newPassword || !confirmPassword) return '请输入新密码并再次确认';
  if (newPassword !== confirmPassword) return '两次输入的新密码不一致';
  return null;
}

/** A form with the two new-password boxes. */
export interface NewPasswordState extends FormState {
  newPassword: string;
  confirmPassword: string;
}

/**
 * Sends a new password: told at once when the two boxes are empty or differ (nothing is sent),
 * otherwise as submitForm, with the pair handed to `send`.
 */
export async function submitNewPassword<D extends NewPasswordState>(
  page: FormPage<D>,
  send: (newPassword: string, confirmPassword: string) => Promise<void>,
  options: SubmitOptions<NoInfer<D>> = {},
): Promise<void> {
  const { newPassword, confirmPassword } = page.data;
  const pairProblem = newPasswordPairProblem(newPassword, confirmPassword);
  if (pairProblem) {
    const form: FormPage = page;
    form.setData({ errorText: pairProblem });
    return;
  }
  await submitForm(page, () => send(newPassword, confirmPassword), options);
}
