import { createApp } from 'vue';
import 'tdesign-vue-next/es/style/index.css';
import './style/index.css';
import App from './App.vue';
import { loadConsoleConfig } from './config';
import { createConsoleRouter } from './router';

/** Without its configuration the console cannot reach its back end: say so instead of a blank page. */
function showStartupFailure(detail: string): void {
  const root = document.getElementById('app');
  if (!root) return;
  const box = document.createElement('div');
  box.className = 'startup-failure';
  box.setAttribute('role', 'alert');
  const title = document.createElement('h1');
  title.textContent = '财务管理后台无法启动';
  const text = document.createElement('p');
  text.textContent = `${detail}。请刷新页面重试；仍然不行请联系系统管理员。`;
  box.append(title, text);
  root.replaceChildren(box);
}

async function start(): Promise<void> {
  try {
    await loadConsoleConfig();
  } catch (error) {
    showStartupFailure(error instanceof Error ? error.message : '读取 config.json 失败');
    return;
  }
  const app = createApp(App);
  app.use(createConsoleRouter());
  app.mount('#app');
}

void start();
