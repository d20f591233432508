/**
 * wxacode.getUnlimited: WeChat draws a mini program code whose scan opens `page` with `scene`.
 * Here the code is a real QR PNG whose text names the page and the scene
 * (`wxacode://<appid>/<page>?scene=<scene>`), so a test or the console's 模拟扫码 can read it back.
 * WeChat's refusals are kept: a scene over 32 characters (40169) or with characters it does not
 * allow (40129), a page the mini program does not have while check_path is on (41030), a width
 * outside 280–1280 or an unknown env_version (40097).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { LocalCloud } from '../cloud';
import { decodeOpenApiRequest, openApiJson, rid } from './codec';
import { qrPng } from './qr-png';

const SCENE_CHARACTERS = /^[A-Za-z0-9!#$&'()*+,/:;=?@\-._~]*$/;
const ENV_VERSIONS = new Set(['release', 'trial', 'develop']);

/** The pages of the mini program, main package and subpackages, as app.json lists them. */
function miniProgramPages(): Set<string> {
  const app = JSON.parse(readFileSync(path.join(__dirname, '..', '..', 'miniprogram', 'app.json'), 'utf8')) as {
    pages: string[];
    subPackages?: { root: string; pages: string[] }[];
  };
  return new Set([...app.pages, ...(app.subPackages ?? []).flatMap((sub) => sub.pages.map((page) => `${sub.root}/${page}`))]);
}

export const wxacodeText = (appid: string, page: string, scene: string): string => `wxacode://${appid}/${page}?scene=${encodeURIComponent(scene)}`;

/** What a scanned code's text says: the page and the scene; null for any other QR code. */
export function readWxacodeText(text: string): { page: string; scene: string } | null {
  const match = /^wxacode:\/\/[^/]+\/([^?]+)\?scene=(.*)$/.exec(text);
  return match ? { page: match[1] as string, scene: decodeURIComponent(match[2] as string) } : null;
}

export function installWxacode(cloud: LocalCloud): void {
  cloud.registerOpenApi('wxacode.getUnlimited', (request) => {
    const { params } = decodeOpenApiRequest(request.raw as Buffer);
    const scene = typeof params.scene === 'string' ? params.scene : '';
    const page = typeof params.page === 'string' ? params.page : '';
    const width = typeof params.width === 'number' ? params.width : 430;
    const envVersion = typeof params.env_version === 'string' ? params.env_version : 'release';
    const checkPath = params.check_path !== false;
    if (scene.length === 0 || scene.length > 32) return openApiJson({ errcode: 40169, errmsg: `invalid length for scene, or the data is not json string rid: ${rid()}` });
    if (!SCENE_CHARACTERS.test(scene)) return openApiJson({ errcode: 40129, errmsg: `invalid scene rid: ${rid()}` });
    if (!ENV_VERSIONS.has(envVersion) || width < 280 || width > 1280) return openApiJson({ errcode: 40097, errmsg: `invalid args rid: ${rid()}` });
    if (page !== '' && (page.startsWith('/') || (checkPath && !miniProgramPages().has(page)))) {
      return openApiJson({ errcode: 41030, errmsg: `invalid page rid: ${rid()}` });
    }
    const image = qrPng(wxacodeText(cloud.appid, page, scene), { width });
    return { contentType: 'image/png', respData: image };
  });
}
