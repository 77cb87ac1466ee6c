/** Test data through the API as the admin (credentials from OMS_ADMIN_USERNAME / OMS_ADMIN_PASSWORD). */
import { expect, request as playwrightRequest } from "@playwright/test"
import type { APIRequestContext } from "@playwright/test"

export const baseURL = process.env.BASE_URL ?? "http://127.0.0.1:8080"

export function uid(): string {
  return `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`
}

export async function adminApi(): Promise<APIRequestContext> {
  const username = process.env.OMS_ADMIN_USERNAME
  const password = process.env.OMS_ADMIN_PASSWORD
  if (!username || !password) throw new Error("set OMS_ADMIN_USERNAME and OMS_ADMIN_PASSWORD")
  const anon = await playwrightRequest.newContext({ baseURL })
  const login = await anon.post("/api/v1/auth/login", { data: { username, password } })
  expect(login.status(), await login.text()).toBe(200)
  const { access_token } = (await login.json()) as { access_token: string }
  await anon.dispose()
  return playwrightRequest.newContext({ baseURL, extraHTTPHeaders: { Authorization: `Bearer ${access_token}` } })
}

export interface SeededCourse {
  id: string
  slug: string
  name: string
  sections: { section_id: string; title: string }[]
}

export async function createCourse(
  api: APIRequestContext,
  opts: { name: string; tags?: string[]; sections?: number; content?: string },
): Promise<SeededCourse> {
  const n = opts.sections ?? 3
  const res = await api.post("/api/v1/courses", {
    data: {
      name: opts.name,
      description: `A short course: ${opts.name}.`,
      content: opts.content ?? "## What you learn\n\n- one thing\n- **another** thing\n",
      tags: opts.tags ?? ["e2e"],
      status: "published",
      sections: Array.from({ length: n }, (_, i) => ({
        title: `Part ${i + 1} of ${opts.name}`,
        body: `Read this part (${i + 1}) carefully.`,
        duration_minutes: 20 + i * 25,
      })),
    },
  })
  expect(res.status(), await res.text()).toBe(201)
  return (await res.json()) as SeededCourse
}

export async function createAssignment(
  api: APIRequestContext,
  courseSlug: string,
  data: { title: string; instructions?: string; due_at?: string | null; allow_late?: boolean },
): Promise<{ id: string }> {
  const res = await api.post(`/api/v1/courses/${courseSlug}/assignments`, {
    data: { instructions: "Write a paragraph about what you learnt.", max_score: 100, ...data },
  })
  expect(res.status(), await res.text()).toBe(201)
  return (await res.json()) as { id: string }
}

export async function importCourses(api: APIRequestContext, courses: object[]): Promise<void> {
  const res = await api.post("/api/v1/admin/courses/import", { data: courses })
  expect(res.status(), await res.text()).toBeLessThan(300)
}

/** A student made through the API (the UI registration is tested in the journey). */
export async function createStudent(): Promise<{ username: string; password: string }> {
  const username = `s${uid()}`
  const password = "correct-horse-9"
  const anon = await playwrightRequest.newContext({ baseURL })
  const res = await anon.post("/api/v1/auth/register", { data: { username, password } })
  expect(res.status(), await res.text()).toBe(201)
  await anon.dispose()
  return { username, password }
}
