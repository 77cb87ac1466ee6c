/**
 * Grading, people and the audit log in both languages: grade a late submission from the queue; disable a
 * student whose session is open in another browser and see it end; read the audit entries those wrote.
 */
import { expect, request as playwrightRequest, test } from "@playwright/test"
import { adminApi, baseURL, createAssignment, createCourse, createStudent, uid } from "../support/api"
import { ADMIN_WORDS, adminShot, signIn } from "./words"

async function lateSubmission(courseName: string): Promise<{ title: string; student: { username: string; password: string } }> {
  const api = await adminApi()
  const course = await createCourse(api, { name: courseName, sections: 1 })
  const title = `Late task ${uid()}`
  await createAssignment(api, course.slug, { title, due_at: new Date(Date.now() - 86_400_000).toISOString(), allow_late: true })
  const list = await api.get(`/api/v1/courses/${course.slug}/assignments`)
  const assignment = ((await list.json()) as { items: { id: string; title: string }[] }).items.find((a) => a.title === title)!
  await api.dispose()
  const student = await createStudent()
  const ctx = await playwrightRequest.newContext({ baseURL })
  const login = await ctx.post("/api/v1/auth/login", { data: student })
  const { access_token } = (await login.json()) as { access_token: string }
  const headers = { Authorization: `Bearer ${access_token}` }
  expect((await ctx.post(`/api/v1/courses/${course.slug}/enrollments`, { headers })).status()).toBeLessThan(300)
  const sub = await ctx.post(`/api/v1/assignments/${assignment.id}/submissions`, { headers, data: { content: "My late answer." } })
  expect(sub.status(), await sub.text()).toBeLessThan(300)
  await ctx.dispose()
  return { title, student }
}

for (const lang of ["en", "zh"] as const) {
  const w = ADMIN_WORDS[lang]
  test.describe(`grading, people and audit (${lang})`, () => {
    test.use({ locale: w.locale })

    test(`grade a late submission, then find the student among the learners (${lang})`, async ({ page }) => {
      const courseName = `Grading ${lang} ${uid()}`
      const { title, student } = await lateSubmission(courseName)
      await signIn(page, w)
      await page.getByRole("link", { name: w.grading, exact: true }).click()
      const row = page.getByRole("row").filter({ hasText: title })
      await expect(row).toContainText(w.late)
      await row.getByRole("button", { name: title }).click()
      await expect(page.getByText("My late answer.")).toBeVisible()
      await page.getByLabel(w.score).fill("87")
      await page.getByLabel(w.feedback).fill("Good, but late.")
      await adminShot(page, `admin-grading-${lang}`)
      await page.getByRole("button", { name: w.saveGrade }).click()
      await expect(page.getByText(w.graded)).toBeVisible()

      await page.getByRole("link", { name: w.audit, exact: true }).click()
      await page.getByLabel(w.action, { exact: true }).fill("submission.grade")
      await page.getByRole("button", { name: w.apply }).click()
      const entry = page.getByRole("article").first()
      await expect(entry).toContainText("submission.grade")
      await entry.getByText(w.showChanges).click()
      await expect(entry).toContainText("87")

      // The course's learners: the student with progress and status; their enrollment's history.
      await page.getByRole("link", { name: w.learners, exact: true }).click()
      await page.getByRole("textbox", { name: w.course }).fill(courseName)
      await page.getByRole("option", { name: courseName }).click()
      const roster = page.getByRole("table", { name: w.learners })
      await expect(roster.getByRole("row").filter({ hasText: student.username })).toContainText("0%")
      const csv = page.waitForEvent("download")
      await page.getByRole("button", { name: lang === "en" ? "Download CSV" : "下载 CSV" }).click()
      expect((await csv).suggestedFilename()).toMatch(/\.csv$/)
      await adminShot(page, `admin-learners-${lang}`)
      await roster.getByRole("link", { name: student.username }).click()
      await expect(page.getByRole("heading", { level: 1 })).toContainText(student.username)
      await expect(page.getByRole("table")).toContainText(lang === "en" ? "Enrolled" : "报名")
    })

    test(`disable a student and their open session ends (${lang})`, async ({ page, browser }) => {
      const student = await createStudent()
      const studentCtx = await browser.newContext({ locale: w.locale })
      const studentPage = await studentCtx.newPage()
      await signIn(studentPage, w, student, "/me")
      await expect(studentPage).toHaveURL(/\/me$/)

      await signIn(page, w)
      await page.getByRole("link", { name: w.people, exact: true }).click()
      await page.getByLabel(w.search).fill(student.username)
      const row = page.getByRole("row").filter({ hasText: student.username })
      await expect(row).toHaveCount(1)
      await row.getByRole("button", { name: `${w.disable} ${student.username}` }).click()
      const dialog = page.getByRole("dialog")
      await expect(dialog).toContainText(student.username)
      await adminShot(page, `admin-people-${lang}`)
      await dialog.getByRole("button", { name: w.disable }).click()
      await expect(row).toContainText(w.disabled)

      // The student's next step finds the session gone: back to signing in.
      await studentPage.reload()
      await expect(studentPage).toHaveURL(/\/login/)
      await expect(studentPage.getByRole("button", { name: w.signIn, exact: true })).toBeVisible()
      await studentCtx.close()

      await page.getByRole("link", { name: w.audit, exact: true }).click()
      await page.getByLabel(w.action, { exact: true }).fill("user.update")
      await page.getByRole("button", { name: w.apply }).click()
      const entry = page.getByRole("article").first()
      await expect(entry).toContainText("user.update")
      await entry.getByText(w.showChanges).click()
      await expect(entry).toContainText("disabled")
      await adminShot(page, `admin-audit-${lang}`)
    })
  })
}
