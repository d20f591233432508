import path from 'node:path';

export const PROJECT_ROOT = path.resolve(__dirname, '..', '..');
export const MINIPROGRAM_ROOT = path.join(PROJECT_ROOT, 'miniprogram');
export const MINIPROGRAM_NPM = path.join(MINIPROGRAM_ROOT, 'miniprogram_npm');
