/** The admin console's words in both languages, and signing in as the admin through the UI. */
import { expect } from "@playwright/test"
import type { Browser, BrowserContext, Page } from "@playwright/test"
import path from "node:path"
import { SHOTS } from "../support/ui"

export const ADMIN_WORDS = {
  en: {
    locale: "en-US",
    username: "Username",
    password: "Password",
    signIn: "Sign in",
    signOut: "Sign out",
    admin: "Admin",
    console: "Admin console",
    dashboard: "Dashboard",
    courses: "Courses",
    newCourse: "New course",
    editor: "Course editor",
    name: "Name",
    slug: "Slug",
    description: "Description",
    overview: "Overview (Markdown)",
    tags: "Tags",
    addSection: "Add section",
    sectionTitle: "Section title",
    duration: "Duration (minutes)",
    sectionBody: "Section text (Markdown)",
    moveUp: "Move up",
    moveDown: "Move down",
    create: "Create course",
    created: "Course created",
    save: "Save",
    saved: "Course saved",
    publish: "Publish",
    archive: "Archive",
    published: "Status: Published",
    draft: "Draft",
    conflict: "Changed by someone else",
    reload: "Reload their version",
    overwrite: "Overwrite with my changes",
    import: "Import",
    paste: "Or paste courses",
    dryRun: "Dry run",
    real: "Import for real",
    dryRunReport: "Dry run report: nothing was written",
    realReport: "Import report",
    failed: "Failed",
    unchanged: "Unchanged",
    export: "Download NDJSON",
    grading: "Grading",
    late: "Late",
    score: "Score (out of 100)",
    feedback: "Feedback",
    saveGrade: "Save grade",
    graded: "Grade saved",
    people: "People",
    search: "Search people",
    disable: "Disable",
    disabled: "Disabled",
    audit: "Audit log",
    action: "Action",
    apply: "Apply filters",
    showChanges: "Show changes",
    learners: "Learners",
    course: "Course",
    sessionEnded: "Sign in",
    nextPage: "Next page",
    previousPage: "Previous page",
    page2: "Page 2 of 2",
    actorFilter: "Actor (name or email)",
    actor: "Actor",
    auditEmpty: "No entries match — clear the filters.",
  },
  zh: {
    locale: "zh-CN",
    username: "用户名",
    password: "密码",
    signIn: "登录",
    signOut: "退出登录",
    admin: "管理",
    console: "管理控制台",
    dashboard: "仪表盘",
    courses: "课程",
    newCourse: "新建课程",
    editor: "课程编辑",
    name: "名称",
    slug: "标识",
    description: "简介",
    overview: "概览（Markdown）",
    tags: "标签",
    addSection: "添加章节",
    sectionTitle: "章节标题",
    duration: "时长（分钟）",
    sectionBody: "章节内容（Markdown）",
    moveUp: "上移",
    moveDown: "下移",
    create: "创建课程",
    created: "课程已创建",
    save: "保存",
    saved: "课程已保存",
    publish: "发布",
    archive: "归档",
    published: "状态：已发布",
    draft: "草稿",
    conflict: "已被他人修改",
    reload: "重新加载对方的版本",
    overwrite: "用我的修改覆盖",
    import: "导入",
    paste: "或粘贴课程",
    dryRun: "试运行",
    real: "正式导入",
    dryRunReport: "试运行报告：未写入任何内容",
    realReport: "导入报告",
    failed: "失败",
    unchanged: "未变化",
    export: "下载 NDJSON",
    grading: "批改",
    late: "逾期",
    score: "分数（满分 100）",
    feedback: "评语",
    saveGrade: "保存成绩",
    graded: "成绩已保存",
    people: "用户",
    search: "搜索用户",
    disable: "停用",
    disabled: "已停用",
    audit: "审计日志",
    action: "操作",
    apply: "应用筛选",
    showChanges: "查看变更",
    learners: "学员",
    course: "课程",
    sessionEnded: "登录",
    nextPage: "下一页",
    previousPage: "上一页",
    page2: "第 2 页，共 2 页",
    actorFilter: "操作者（姓名或邮箱）",
    actor: "操作者",
    auditEmpty: "没有匹配的记录——请清除筛选条件。",
  },
} as const

export type Lang = keyof typeof ADMIN_WORDS
export type AdminWords = (typeof ADMIN_WORDS)[Lang]

export function adminCredentials(): { username: string; password: string } {
  const username = process.env.OMS_ADMIN_USERNAME
  const password = process.env.OMS_ADMIN_PASSWORD
  if (!username || !password) throw new Error("set OMS_ADMIN_USERNAME and OMS_ADMIN_PASSWORD")
  return { username, password }
}

/** Sign in through the login page and wait until the header shows the Admin link. */
export async function signIn(page: Page, w: AdminWords, user = adminCredentials(), next = "/admin"): Promise<void> {
  await page.goto(`/login?redirect=${encodeURIComponent(next)}`)
  await page.getByLabel(w.username).fill(user.username)
  await page.getByLabel(w.password, { exact: true }).fill(user.password)
  await page.getByRole("button", { name: w.signIn, exact: true }).click()
  await expect(page.getByRole("button", { name: w.signOut })).toBeVisible()
}

/** A second, independent browser (its own cookies) signed in as the admin. */
export async function secondAdmin(browser: Browser, w: AdminWords): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({ locale: w.locale, timezoneId: "Asia/Shanghai" })
  const page = await context.newPage()
  await signIn(page, w)
  return { context, page }
}

/** A screenshot into docs/web/ without the toasts, which come back afterwards (the tests read them). */
export async function adminShot(page: Page, name: string): Promise<void> {
  if (process.env.E2E_SCREENSHOTS === "0") return
  await page.waitForLoadState("networkidle")
  const style = await page.addStyleTag({ content: ".mantine-Notifications-root { display: none !important; }" })
  await page.screenshot({ path: path.join(SHOTS, `${name}.png`), fullPage: false })
  await style.evaluate((el) => (el as Element).remove())
}
