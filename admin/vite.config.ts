import { fileURLToPath } from 'node:url';
import vue from '@vitejs/plugin-vue';
import { defineConfig } from 'vite';

/**
 * The finance console. Built with relative paths (`base: './'`) so the same files work at /admin/
 * on the local cloud and at the root of the school's static hosting; config.json beside index.html
 * tells it where the admin function answers.
 *
 * Pages are loaded per route, so the first load is the shell only. Libraries that change on their
 * own schedule get their own long-cached chunks; TDesign is left to the automatic split so each
 * page carries only the components it uses.
 */
export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: './',
  plugins: [vue()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2020',
    reportCompressedSize: false,
    rolldownOptions: {
      output: {
        codeSplitting: {
          groups: [
            { name: 'vue', test: /node_modules[\\/](?:@vue|vue|vue-router)[\\/]/, priority: 30 },
            { name: 'echarts', test: /node_modules[\\/](?:echarts|zrender)[\\/]/, priority: 20 },
            { name: 'exceljs', test: /node_modules[\\/]exceljs[\\/]/, priority: 20 },
          ],
        },
      },
    },
  },
});
