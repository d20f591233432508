/**
 * The mini program codes the console shows (`wxacode.getUnlimited`): the scene names a sign-in
 * ticket or an invitation (≤ 32 characters), the page is the staff page that handles it. WeChat
 * answers an image; the console shows it as a data URL.
 */
import { AppError, type RequestContext } from '../runtime';
import type { VariableName } from '../runtime/environment';

/** The staff pages of the subpackage that the codes open. */
export const STAFF_PAGES = {
  signIn: 'package-admin/pages/sign-in/index',
  join: 'package-admin/pages/join/index',
} as const;

export const CODE_ENV_VERSION_ENV = 'ADMIN_CODE_ENV_VERSION' satisfies VariableName;
type EnvVersion = 'release' | 'trial' | 'develop';

/** Which version of the mini program a code opens: the released one unless told otherwise (a trial before release). */
function envVersion(): EnvVersion {
  const value = process.env[CODE_ENV_VERSION_ENV];
  return value === 'trial' || value === 'develop' ? value : 'release';
}

export async function miniProgramCode(ctx: RequestContext, page: keyof typeof STAFF_PAGES, scene: string): Promise<string> {
  try {
    const answer = (await ctx.cloud.openapi.wxacode.getUnlimited({
      scene,
      page: STAFF_PAGES[page],
      // A page of a version not yet released (trial, develop) is not known to WeChat's check.
      checkPath: envVersion() === 'release',
      envVersion: envVersion(),
      width: 280,
    })) as { contentType?: unknown; buffer?: unknown };
    if (!Buffer.isBuffer(answer.buffer) || typeof answer.contentType !== 'string') throw new Error('no image in the answer');
    return `data:${answer.contentType};base64,${answer.buffer.toString('base64')}`;
  } catch (error) {
    const errCode = (error as { errCode?: unknown } | null)?.errCode;
    ctx.log.error('wxacode.getUnlimited failed', { page, errCode: typeof errCode === 'number' ? errCode : null });
    throw new AppError('MINI_PROGRAM_CODE_FAILED');
  }
}
