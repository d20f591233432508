/**
 * Hash routing: the console is static files (CloudBase static hosting in production), so every
 * address must be index.html's; the part after # is the console's own.
 *
 * The console's pages are the layout's children. Each names the roles that may open it, and the
 * side menu shows a page only to those roles; the server checks every action again.
 */
import type { Component } from 'vue';
import { createRouter, createWebHashHistory, START_LOCATION, type RouteLocationRaw, type RouteRecordRaw, type Router } from 'vue-router';
import {
  BillIcon,
  CalculationIcon,
  DashboardIcon,
  EducationIcon,
  FileExportIcon,
  FileImportIcon,
  FileSearchIcon,
  HistoryIcon,
  RollbackIcon,
  UsergroupIcon,
  ViewListIcon,
} from 'tdesign-icons-vue-next';
import { MessagePlugin } from 'tdesign-vue-next';
import { ApiError, messageOf, onSessionEnded, SESSION_ENDED_MESSAGE } from '../api/client';
import type { StaffRole } from '../api/types';
import { session } from '../store/session';

declare module 'vue-router' {
  interface RouteMeta {
    /** The page's name: menu entry and document title. */
    title?: string;
    /** Open without signing in. */
    public?: boolean;
    /** Who may open the page; every signed-in role when absent. */
    roles?: readonly StaffRole[];
    /** Shown in the side menu, with this icon. */
    menuIcon?: Component;
  }
}

const PRODUCT_NAME = '智慧缴费财务管理后台';

export const CONSOLE_PAGES: RouteRecordRaw[] = [
  {
    path: '/dashboard',
    name: 'dashboard',
    component: () => import('../pages/dashboard/index.vue'),
    meta: { title: '概览', menuIcon: DashboardIcon },
  },
  {
    path: '/bills',
    name: 'bills',
    component: () => import('../pages/bills/index.vue'),
    meta: { title: '账单', menuIcon: BillIcon },
  },
  {
    // Every role follows refunds; 收费员 asks for them (from 账单), 审核 decides.
    path: '/refunds',
    name: 'refunds',
    component: () => import('../pages/refunds/index.vue'),
    meta: { title: '退款', menuIcon: RollbackIcon },
  },
  {
    // Every role reads the cases; 审核 settles them, 收费员 asks for refunds from them.
    path: '/cases',
    name: 'cases',
    component: () => import('../pages/cases/index.vue'),
    meta: { title: '待核实', menuIcon: FileSearchIcon },
  },
  {
    // Every role reads the days; 收费员 and 审核 reconcile a day again.
    path: '/reconciliation',
    name: 'reconciliation',
    component: () => import('../pages/reconciliation/index.vue'),
    meta: { title: '对账', menuIcon: CalculationIcon },
  },
  {
    path: '/students',
    name: 'students',
    component: () => import('../pages/students/index.vue'),
    meta: { title: '学生', menuIcon: EducationIcon },
  },
  {
    // Every role sees the batches; only 收费员 imports and withdraws.
    path: '/imports',
    name: 'imports',
    component: () => import('../pages/imports/index.vue'),
    meta: { title: '导入', menuIcon: FileImportIcon },
  },
  {
    // Every role exports; each export is recorded in the audit log.
    path: '/exports',
    name: 'exports',
    component: () => import('../pages/exports/index.vue'),
    meta: { title: '导出', menuIcon: FileExportIcon },
  },
  {
    // Every role reads the catalogue; only 管理员 edits it.
    path: '/fee-items',
    name: 'fee-items',
    component: () => import('../pages/fee-items/index.vue'),
    meta: { title: '收费项目', menuIcon: ViewListIcon },
  },
  {
    path: '/audit',
    name: 'audit',
    component: () => import('../pages/audit/index.vue'),
    meta: { title: '审计日志', roles: ['admin', 'reviewer'], menuIcon: HistoryIcon },
  },
  {
    path: '/staff',
    name: 'staff',
    component: () => import('../pages/staff/index.vue'),
    meta: { title: '财务人员', roles: ['admin'], menuIcon: UsergroupIcon },
  },
];

const routes: RouteRecordRaw[] = [
  {
    path: '/login',
    name: 'login',
    component: () => import('../pages/login/index.vue'),
    meta: { title: '登录', public: true },
  },
  {
    path: '/',
    component: () => import('../layouts/index.vue'),
    redirect: '/dashboard',
    children: CONSOLE_PAGES,
  },
  { path: '/:unknown(.*)*', redirect: '/dashboard' },
];

/** Where to go after signing in: a page of this console, never another site or the login page. */
export function afterSignIn(redirect: unknown): string {
  if (typeof redirect !== 'string' || !redirect.startsWith('/') || redirect.startsWith('//') || redirect.startsWith('/login')) return '/dashboard';
  return redirect;
}

const toLogin = (redirect: string): RouteLocationRaw => ({ name: 'login', query: redirect === '/dashboard' ? {} : { redirect } });

export function createConsoleRouter(): Router {
  const router = createRouter({ history: createWebHashHistory(), routes });

  router.beforeEach(async (to) => {
    if (to.name === 'login' && session.identity.value) return afterSignIn(to.query.redirect);
    if (to.meta.public) return true;
    if (!session.hasToken()) return toLogin(to.fullPath);
    if (!session.identity.value) {
      try {
        await session.restore();
      } catch (error) {
        if (error instanceof ApiError && error.sessionEnded) return toLogin(to.fullPath);
        void MessagePlugin.error(messageOf(error));
        return toLogin(to.fullPath);
      }
    }
    if (!session.may(to.meta.roles)) {
      void MessagePlugin.warning(`您的角色不能使用“${to.meta.title ?? '此页面'}”`);
      return { name: 'dashboard' };
    }
    return true;
  });

  router.afterEach((to) => {
    document.title = to.meta.title ? `${to.meta.title} · ${PRODUCT_NAME}` : PRODUCT_NAME;
  });

  onSessionEnded(() => {
    session.forget();
    void MessagePlugin.warning(SESSION_ENDED_MESSAGE);
    const current = router.currentRoute.value;
    // During the first navigation the guard sends the person to the login page itself.
    if (current === START_LOCATION || current.meta.public) return;
    void router.replace(toLogin(current.fullPath));
  });

  return router;
}
