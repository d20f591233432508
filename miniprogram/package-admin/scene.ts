/**
 * The scene of a mini program code made by the console (wxacode.getUnlimited): a sign-in ticket or
 * an invitation id. WeChat opens the page with it URL-encoded in `options.scene`.
 */

/** The form the console gives both (the contract's ticket): 16–32 letters, digits, `_` or `-`. */
const CODE_SCENE = /^[A-Za-z0-9_-]{16,32}$/;

/** The ticket or invitation id the page was opened with; null when it was not opened from such a code. */
export function sceneFromOptions(options: Record<string, string | undefined> | undefined): string | null {
  const raw = options?.scene;
  if (typeof raw !== 'string' || raw === '') return null;
  let scene: string;
  try {
    scene = decodeURIComponent(raw).trim();
  } catch {
    return null;
  }
  return CODE_SCENE.test(scene) ? scene : null;
}
