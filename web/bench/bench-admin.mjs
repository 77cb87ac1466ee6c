// The admin console's figures (run by scripts/bench-admin inside scripts/web-e2e, which sets BASE_URL and the
// admin's credentials). Student routes are checked for admin code by the text of every script they fetch;
// the roster is 2,000 enrollments served to the page by Playwright (the render is what is measured; making
// 2,000 real accounts would measure password hashing); the import is real, through the page's file input.
import { chromium } from "@playwright/test"

const BASE = process.env.BASE_URL
const ARGS = ["--no-sandbox", "--disable-background-networking", "--disable-component-update", "--disable-sync"]
const ADMIN_MARKERS = ["admin.editor.", "admin.import.", "admin.learners.", "useVirtualizer"]

async function signIn(page, username, password, next = "/admin") {
  await page.goto(`${BASE}/login?redirect=${encodeURIComponent(next)}`)
  await page.getByLabel("Username").fill(username)
  await page.getByLabel("Password", { exact: true }).fill(password)
  await page.getByRole("button", { name: "Sign in", exact: true }).click()
  await page.getByRole("button", { name: "Sign out" }).waitFor()
}

async function studentChunks(browser) {
  const context = await browser.newContext({ locale: "en-US" })
  const page = await context.newPage()
  const seen = new Map()
  page.on("response", async (r) => {
    if (r.request().resourceType() !== "script") return
    const body = (await r.body()).toString("utf8")
    seen.set(new URL(r.url()).pathname, ADMIN_MARKERS.filter((m) => body.includes(m)))
  })
  for (const path of ["/", "/courses/bench-admin-0", "/login", "/register"]) {
    await page.goto(`${BASE}${path}`, { waitUntil: "networkidle" })
  }
  await context.close()
  const files = [...seen.keys()].sort()
  return { files, with_admin_code: files.filter((f) => seen.get(f).length) }
}

async function adminChunks(browser) {
  const context = await browser.newContext({ locale: "en-US" })
  const page = await context.newPage()
  const files = new Set()
  await signIn(page, process.env.OMS_ADMIN_USERNAME, process.env.OMS_ADMIN_PASSWORD, "/")
  page.on("response", (r) => r.request().resourceType() === "script" && files.add(new URL(r.url()).pathname))
  for (const path of ["/admin", "/admin/courses", "/admin/import", "/admin/learners"]) {
    await page.goto(`${BASE}${path}`, { waitUntil: "networkidle" })
  }
  await context.close()
  return [...files].sort()
}

function fakeRoster(n, courseId) {
  const t0 = Date.parse("2026-09-01T00:00:00Z")
  return Array.from({ length: n }, (_, i) => ({
    id: (0x10000000 + i).toString(16).padStart(24, "0"),
    user_id: (0x20000000 + i).toString(16).padStart(24, "0"),
    course_id: courseId,
    status: ["active", "completed", "dropped"][i % 3],
    progress: (i * 37) % 101,
    completed_sections: [],
    enrolled_at: new Date(t0 + i * 60_000).toISOString(),
    updated_at: new Date(t0 + i * 3_600_000).toISOString(),
    completed_at: null,
    username: `learner${i}`,
    display_name: `Learner ${i}`,
  }))
}

async function roster(browser, courseId) {
  const context = await browser.newContext({ locale: "en-US", viewport: { width: 1280, height: 900 } })
  const page = await context.newPage()
  await signIn(page, process.env.OMS_ADMIN_USERNAME, process.env.OMS_ADMIN_PASSWORD)
  const all = fakeRoster(2000, courseId)
  await page.route(`**/api/v1/courses/${courseId}/enrollments?*`, (route) => {
    const url = new URL(route.request().url())
    const limit = Number(url.searchParams.get("limit") ?? 20)
    const offset = Number(url.searchParams.get("offset") ?? 0)
    route.fulfill({ json: { items: all.slice(offset, offset + limit), total: all.length, limit, offset } })
  })
  await page.addInitScript(() => {
    window.__long = []
    new PerformanceObserver((l) => window.__long.push(...l.getEntries().map((e) => ({ start: e.startTime, d: e.duration })))).observe({
      type: "longtask",
      buffered: true,
    })
    // The moment the last roster page's reply is in, and the first frame with rows after it.
    const fetch0 = window.fetch
    window.fetch = async (...args) => {
      const r = await fetch0(...args)
      const url = String(args[0] instanceof Request ? args[0].url : args[0])
      if (url.includes("/enrollments") && url.includes("offset=1900")) {
        const body = await r.clone().json()
        window.__dataAt = performance.now()
        void body
      }
      return r
    }
    // The first rows on screen after the data is in (a MutationObserver, so no polling delay is counted).
    new MutationObserver((_, obs) => {
      if (window.__dataAt && document.querySelector('[data-testid="roster"] [role="row"][aria-rowindex]')) {
        window.__rowsAt = performance.now()
        obs.disconnect()
      }
    }).observe(document, { childList: true, subtree: true })
  })
  await page.goto(`${BASE}/admin/learners?course=${courseId}`)
  await page.locator('[data-testid="roster"] [role="row"][aria-rowindex]').first().waitFor()
  const first = await page.evaluate(() => ({ rendered: window.__rowsAt, dataAt: window.__dataAt }))
  // Scroll the roster top to bottom over ~3 s, one step per frame; count long tasks and slow frames.
  const scroll = await page.evaluate(async () => {
    const el = document.querySelector('[data-testid="roster"] [role="rowgroup"]:last-child')
    window.__long = []
    const frames = []
    let last = performance.now()
    const steps = 180
    for (let i = 1; i <= steps; i++) {
      el.scrollTop = (el.scrollHeight * i) / steps
      await new Promise((r) => requestAnimationFrame(r))
      const now = performance.now()
      frames.push(now - last)
      last = now
    }
    await new Promise((r) => setTimeout(r, 200))
    const sorted = [...frames].sort((a, b) => a - b)
    return {
      frames: frames.length,
      frame_median_ms: sorted[Math.floor(sorted.length / 2)],
      frame_p95_ms: sorted[Math.floor(sorted.length * 0.95)],
      frames_over_50ms: frames.filter((f) => f > 50).length,
      long_tasks: window.__long.length,
      longest_task_ms: Math.max(0, ...window.__long.map((t) => t.d)),
    }
  })
  await context.close()
  return { first_render_after_data_ms: first.rendered - first.dataAt, scroll }
}

function catalogue(n, prefix) {
  const lines = []
  for (let i = 0; i < n; i++) {
    if (i % 50 === 49) lines.push(JSON.stringify({ slug: `${prefix}-${i}`, sections: [{ duration_minutes: -1 }] }))
    else
      lines.push(
        JSON.stringify({
          slug: `${prefix}-${i}`,
          name: `Imported course ${i}`,
          description: `Course ${i} of the 10,000-course benchmark.`,
          tags: ["bench", `t${i % 20}`],
          status: "published",
          sections: Array.from({ length: 4 }, (_, s) => ({ title: `Part ${s + 1}`, body: `Text ${s + 1}`, duration_minutes: 10 })),
        }),
      )
  }
  return lines.join("\n") + "\n"
}

async function importReport(browser) {
  const context = await browser.newContext({ locale: "en-US", viewport: { width: 1280, height: 900 } })
  const page = await context.newPage()
  await signIn(page, process.env.OMS_ADMIN_USERNAME, process.env.OMS_ADMIN_PASSWORD)
  await page.goto(`${BASE}/admin/import`, { waitUntil: "networkidle" })
  const text = catalogue(10_000, `bench-imp-${Date.now().toString(36)}`)
  await page.locator('input[type="file"]').setInputFiles({ name: "catalogue.ndjson", mimeType: "application/x-ndjson", buffer: Buffer.from(text) })
  const out = { file_mb: +(text.length / 1e6).toFixed(2) }
  for (const [label, heading, key] of [
    ["Dry run", "Dry run report: nothing was written", "dry_run"],
    ["Import for real", "Import report", "real"],
  ]) {
    await page.evaluate(() => {
      window.__long = []
      window.__obs?.disconnect()
      window.__obs = new PerformanceObserver((l) => window.__long.push(...l.getEntries().map((e) => ({ start: e.startTime, d: e.duration }))))
      window.__obs.observe({ type: "longtask" })
    })
    const reply = page.waitForResponse((r) => r.url().includes("/admin/courses/import"), { timeout: 600_000 })
    const t0 = Date.now()
    await page.getByRole("button", { name: label, exact: true }).click()
    const response = await reply
    const server_ms = Date.now() - t0
    const replyAt = await page.evaluate(() => performance.now())
    await page.getByRole("heading", { name: heading, exact: true }).waitFor({ timeout: 600_000 })
    await page.locator('[role="table"] [role="row"][aria-rowindex]').first().waitFor()
    await page.waitForTimeout(300)
    const tasks = await page.evaluate((at) => window.__long.filter((t) => t.start + t.d >= at - 50), replyAt)
    out[key] = {
      status: response.status(),
      click_to_reply_ms: server_ms,
      long_tasks_while_rendering: tasks.length,
      longest_task_ms: Math.round(Math.max(0, ...tasks.map((t) => t.d))),
      summary: await page.getByRole("status").filter({ hasText: "·" }).textContent(),
    }
  }
  await context.close()
  return out
}

const anon = await (await import("@playwright/test")).request.newContext({ baseURL: BASE })
const login = await anon.post("/api/v1/auth/login", { data: { username: process.env.OMS_ADMIN_USERNAME, password: process.env.OMS_ADMIN_PASSWORD } })
const { access_token } = await login.json()
const made = await anon.post("/api/v1/courses", {
  headers: { Authorization: `Bearer ${access_token}` },
  data: { name: "Bench admin course", slug: "bench-admin-0", status: "published", sections: [{ title: "One", duration_minutes: 5 }] },
})
const course = await made.json()
await anon.dispose()

const browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium", args: ARGS })
const only = process.env.BENCH_ONLY // "roster" or "import" to run one part
const result = {
  student_route_chunks: only ? null : await studentChunks(browser),
  admin_route_chunks: only ? null : await adminChunks(browser),
  roster_2000: !only || only === "roster" ? await roster(browser, course.id) : null,
  import_10000: !only || only === "import" ? await importReport(browser) : null,
}
await browser.close()
console.log(JSON.stringify(result, null, 2))
