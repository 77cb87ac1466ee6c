/**
 * The whole student journey, in both languages: register → search the catalogue → course → enroll → learn →
 * mark done → reload shows it → my courses → hand in an assignment → profile → sign out. Screenshots of
 * each page go to docs/web/.
 */
import { expect, test } from "@playwright/test"
import { adminApi, createAssignment, createCourse, uid } from "./support/api"
import { shot } from "./support/ui"

const WORDS = {
  en: {
    locale: "en-US",
    createAccount: "Create account",
    username: "Username",
    password: "Password",
    displayName: "Display name",
    search: "Search courses",
    popular: "Popular this week",
    enroll: "Enroll",
    enrolled: "Enrolled",
    start: "Start learning",
    markDone: "Mark as done",
    markNotDone: "Mark as not done",
    next: "Next section",
    progress: "Progress",
    myCourses: "My courses",
    continue: "Continue",
    assignments: "Assignments",
    handIn: "Hand in",
    answer: "Your answer",
    links: "Links (one per line)",
    attempt: "Attempt 1",
    profile: "Profile",
    save: "Save",
    changePassword: "Change password",
    signOut: "Sign out",
    signIn: "Sign in",
    advice: "Learning advice",
    duration: "2 h 15 min",
    badLink: "Not a web address",
  },
  zh: {
    locale: "zh-CN",
    createAccount: "注册",
    username: "用户名",
    password: "密码",
    displayName: "显示名称",
    search: "搜索课程",
    popular: "本周热门",
    enroll: "报名",
    enrolled: "已报名",
    start: "开始学习",
    markDone: "标记为已完成",
    markNotDone: "标记为未完成",
    next: "下一章节",
    progress: "学习进度",
    myCourses: "我的课程",
    continue: "继续学习",
    assignments: "作业",
    handIn: "提交作业",
    answer: "你的答案",
    links: "链接（每行一个）",
    attempt: "第 1 次提交",
    profile: "个人资料",
    save: "保存",
    changePassword: "修改密码",
    signOut: "退出登录",
    signIn: "登录",
    advice: "学习建议",
    duration: "2 小时 15 分钟",
    badLink: "不是有效的网址",
  },
} as const

for (const [lang, w] of Object.entries(WORDS)) {
  test.describe(`student journey (${lang})`, () => {
    test.use({ locale: w.locale })

    test(`register, learn, hand in, sign out (${lang})`, async ({ page }) => {
      const api = await adminApi()
      const tag = `t${uid()}`
      const name = `Journey ${lang} ${uid()}`
      const course = await createCourse(api, { name, tags: ["e2e", tag], sections: 3 })
      await createAssignment(api, course.slug, { title: `Essay ${name}` })
      await api.dispose()

      // Register (the browser's language picks the UI language).
      await page.goto("/register")
      await expect(page.getByRole("heading", { level: 1, name: w.createAccount })).toBeVisible()
      await shot(page, `register-${lang}`)
      const username = `u${uid()}`
      await page.getByLabel(w.username).fill(username)
      await page.getByLabel(w.password, { exact: true }).fill("journey-pass-1")
      await page.getByLabel(w.displayName).fill(`Learner ${lang}`)
      await page.getByRole("button", { name: w.createAccount, exact: true }).click()
      await expect(page.getByRole("button", { name: w.signOut })).toBeVisible()

      // Catalogue: search by name narrows the list; the URL holds the query (back works).
      await expect(page.getByRole("heading", { name: w.popular })).toBeVisible()
      await page.getByLabel(w.search).fill(name)
      await expect(page).toHaveURL(/[?&]q=/)
      await expect(page.getByRole("link", { name })).toBeVisible()
      await expect(page.getByRole("article")).toHaveCount(1)
      await shot(page, `catalogue-${lang}`)

      // Course page: sections with minutes, overview Markdown, enroll.
      await page.getByRole("link", { name }).click()
      await expect(page.getByRole("heading", { level: 1, name })).toBeVisible()
      await expect(page.getByText(w.duration).first()).toBeVisible() // 20 + 45 + 70 minutes
      await page.getByRole("button", { name: w.enroll, exact: true }).click()
      await expect(page.getByText(w.enrolled, { exact: true })).toBeVisible()
      await shot(page, `course-${lang}`)

      // Learn: mark the first section done; the progress moves at once and survives a reload.
      await page.getByRole("link", { name: w.start }).click()
      await expect(page.getByRole("heading", { level: 1, name: `Part 1 of ${name}` })).toBeVisible()
      await page.getByRole("button", { name: w.markDone }).click()
      await expect(page.getByRole("button", { name: w.markNotDone })).toBeVisible()
      await expect(page.getByRole("progressbar", { name: w.progress })).toHaveAttribute("aria-valuenow", "33")
      await expect(page.getByRole("heading", { name: w.advice })).toBeVisible()
      await page.reload()
      await expect(page.getByRole("button", { name: w.markNotDone })).toBeVisible()
      await page.getByRole("link", { name: w.next }).click()
      await expect(page.getByRole("heading", { level: 1, name: `Part 2 of ${name}` })).toBeVisible()
      await shot(page, `learn-${lang}`)

      // My courses: progress and continue.
      await page.getByRole("link", { name: w.myCourses }).click()
      await expect(page.getByRole("heading", { level: 1, name: w.myCourses })).toBeVisible()
      await expect(page.getByRole("link", { name: new RegExp(w.continue) })).toBeVisible()
      await shot(page, `my-courses-${lang}`)

      // Assignments: a bad link is caught inline, then the hand-in shows as attempt 1.
      await page.getByRole("link", { name: w.assignments, exact: true }).click()
      await page.getByRole("link", { name: `Essay ${name}` }).click()
      await page.getByLabel(w.answer).fill("What I learnt: a lot.")
      await page.getByLabel(w.links).fill("javascript:alert(1)")
      await page.getByRole("button", { name: w.handIn }).click()
      await expect(page.getByText(w.badLink)).toBeVisible()
      await page.getByLabel(w.links).fill("https://example.org/my-work")
      await page.getByRole("button", { name: w.handIn }).click()
      await expect(page.getByRole("heading", { name: w.attempt })).toBeVisible()
      await shot(page, `assignment-${lang}`)

      // Profile: change the display name.
      await page.getByRole("link", { name: w.profile }).click()
      await page.getByLabel(w.displayName).fill(`Renamed ${lang}`)
      await page.getByRole("button", { name: w.save }).click()
      await expect(page.getByText(`Renamed ${lang}`)).toBeVisible()
      await shot(page, `profile-${lang}`)

      // Sign out: the session is gone, also after a reload.
      await page.getByRole("button", { name: w.signOut }).click()
      await expect(page.getByRole("link", { name: w.signIn }).or(page.getByRole("button", { name: w.signIn })).first()).toBeVisible()
      await page.goto("/me")
      await expect(page).toHaveURL(/\/login/)
    })
  })
}
