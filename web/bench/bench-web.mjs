// The web app's figures through the real stack (run by scripts/bench-web inside scripts/web-e2e, which sets
// BASE_URL and the admin): initial JS of the catalogue gzipped, LCP of the catalogue and a course page with a
// cold cache on a 1,000-course catalogue, search keystroke → results after the reply, mark done → UI.
import { chromium, request } from "@playwright/test"
import { gzipSync } from "node:zlib"

const BASE = process.env.BASE_URL
const RUNS = Number(process.env.BENCH_RUNS ?? 5)
const ARGS = ["--no-sandbox", "--disable-background-networking", "--disable-component-update", "--disable-sync"]
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]

async function seed() {
  const anon = await request.newContext({ baseURL: BASE })
  const login = await anon.post("/api/v1/auth/login", {
    data: { username: process.env.OMS_ADMIN_USERNAME, password: process.env.OMS_ADMIN_PASSWORD },
  })
  const { access_token } = await login.json()
  const api = await request.newContext({ baseURL: BASE, extraHTTPHeaders: { Authorization: `Bearer ${access_token}` } })
  const topics = ["python", "data", "web", "cloud", "security", "ml", "design", "math", "devops", "mobile"]
  const courses = Array.from({ length: 1000 }, (_, i) => ({
    slug: `bench-course-${i}`,
    name: `${topics[i % 10]} course number ${i}`,
    description: `A benchmark course about ${topics[i % 10]}, number ${i}.`,
    content: `## Overview\n\nCourse ${i} covers **${topics[i % 10]}** in depth.\n\n- one\n- two\n`,
    tags: [topics[i % 10], topics[(i + 3) % 10]],
    status: "published",
    sections: Array.from({ length: 6 }, (_, s) => ({ title: `Section ${s + 1}`, body: `Body ${s + 1}`, duration_minutes: 15 })),
  }))
  const res = await api.post("/api/v1/admin/courses/import", { data: courses, timeout: 300_000 })
  if (res.status() >= 300) throw new Error(`import: ${res.status()} ${await res.text()}`)
  const username = `bench${Date.now().toString(36)}`
  await anon.post("/api/v1/auth/register", { data: { username, password: "bench-password-1" } })
  await api.dispose()
  await anon.dispose()
  return { username, password: "bench-password-1" }
}

async function initialJs(browser) {
  const context = await browser.newContext()
  const page = await context.newPage()
  const bodies = []
  page.on("response", async (r) => {
    if (r.request().resourceType() === "script") bodies.push(r.body().then((b) => ({ url: r.url(), raw: b.length, gz: gzipSync(b).length })))
  })
  await page.goto(`${BASE}/`, { waitUntil: "networkidle" })
  const files = await Promise.all(bodies)
  await context.close()
  return { files: files.length, raw: files.reduce((a, f) => a + f.raw, 0), gzip: files.reduce((a, f) => a + f.gz, 0) }
}

async function lcp(browser, path) {
  const times = []
  for (let i = 0; i < RUNS; i++) {
    const context = await browser.newContext() // a new context: cold HTTP cache
    const page = await context.newPage()
    await page.goto(`${BASE}${path}`, { waitUntil: "networkidle" })
    const value = await page.evaluate(
      () =>
        new Promise((resolve) => {
          new PerformanceObserver((list) => {
            const entries = list.getEntries()
            resolve(entries[entries.length - 1].startTime)
          }).observe({ type: "largest-contentful-paint", buffered: true })
        }),
    )
    times.push(value)
    await context.close()
  }
  return { median: median(times), runs: times.map((t) => Math.round(t)) }
}

async function searchDelay(browser) {
  const context = await browser.newContext()
  const page = await context.newPage()
  await page.goto(`${BASE}/`, { waitUntil: "networkidle" })
  const deltas = []
  for (const q of ["python", "cloud", "number 42", "security", "design"]) {
    await page.evaluate(() => {
      window.__mut = []
      const target = document.querySelector("main section:last-of-type") ?? document.querySelector("main")
      new MutationObserver(() => window.__mut.push(performance.now())).observe(target, {
        childList: true,
        subtree: true,
        characterData: true,
      })
    })
    const reply = page.waitForResponse((r) => r.url().includes("/api/v1/courses?") && r.url().includes(`q=${encodeURIComponent(q).replace(/%20/g, "+")}`) || r.url().includes(`q=${encodeURIComponent(q)}`))
    await page.getByLabel("Search courses").fill(q)
    const response = await reply
    await page.waitForFunction((name) => document.querySelector("main article h3")?.textContent?.toLowerCase().includes(name.split(" ")[0]), q)
    const url = response.url()
    const delta = await page.evaluate((u) => {
      const entry = performance.getEntriesByType("resource").filter((e) => e.name === u).pop()
      const after = window.__mut.filter((t) => t >= entry.responseEnd)
      return after.length ? after[0] - entry.responseEnd : null
    }, url)
    if (delta !== null) deltas.push(delta)
  }
  await context.close()
  return { median: median(deltas), runs: deltas.map((d) => Math.round(d * 10) / 10) }
}

async function markDone(browser, student) {
  const context = await browser.newContext()
  const page = await context.newPage()
  await page.goto(`${BASE}/login`)
  await page.getByLabel("Username").fill(student.username)
  await page.getByLabel("Password", { exact: true }).fill(student.password)
  await page.getByRole("button", { name: "Sign in", exact: true }).click()
  await page.getByRole("button", { name: "Sign out" }).waitFor()
  await page.goto(`${BASE}/courses/bench-course-7`)
  await page.getByRole("button", { name: "Enroll", exact: true }).click()
  await page.getByRole("link", { name: "Start learning" }).click()
  const deltas = []
  for (let i = 0; i < 6; i++) {
    const label = i % 2 === 0 ? "Mark as done" : "Mark as not done"
    const other = i % 2 === 0 ? "Mark as not done" : "Mark as done"
    const button = page.getByRole("button", { name: label, exact: true })
    await button.waitFor()
    await page.waitForLoadState("networkidle")
    await page.evaluate((otherLabel) => {
      window.__t0 = null
      window.__t1 = null
      document.addEventListener("click", () => (window.__t0 = performance.now()), { capture: true, once: true })
      new MutationObserver((_, obs) => {
        if ([...document.querySelectorAll("button")].some((b) => b.textContent === otherLabel)) {
          window.__t1 = performance.now()
          obs.disconnect()
        }
      }).observe(document.body, { childList: true, subtree: true, characterData: true })
    }, other)
    await button.click()
    await page.getByRole("button", { name: other, exact: true }).waitFor()
    deltas.push(await page.evaluate(() => window.__t1 - window.__t0))
  }
  await context.close()
  return { median: median(deltas), runs: deltas.map((d) => Math.round(d * 10) / 10) }
}

const student = await seed()
const browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium", args: ARGS })
const result = {
  initial_js: await initialJs(browser),
  lcp_catalogue_ms: await lcp(browser, "/"),
  lcp_course_ms: await lcp(browser, "/courses/bench-course-500"),
  search_after_reply_ms: await searchDelay(browser),
  mark_done_ms: await markDone(browser, student),
}
await browser.close()
console.log(JSON.stringify(result, null, 2))
const kb = (n) => (n / 1024).toFixed(1)
console.log(
  `initial JS ${kb(result.initial_js.gzip)} KB gzipped (${result.initial_js.files} files, ${kb(result.initial_js.raw)} KB raw); ` +
    `LCP catalogue ${Math.round(result.lcp_catalogue_ms.median)} ms, course ${Math.round(result.lcp_course_ms.median)} ms; ` +
    `search after reply ${result.search_after_reply_ms.median?.toFixed(1)} ms; mark done ${result.mark_done_ms.median.toFixed(1)} ms`,
)
