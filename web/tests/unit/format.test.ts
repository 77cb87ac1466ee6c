/** Durations, numbers and the Retry-After time in each language. */
import i18n from "i18next"
import { beforeAll, describe, expect, it } from "vitest"
import { ApiError, NetworkError, parseRetryAfter } from "@/api/problem"
import { formatDuration, formatNumber, formatPercent } from "@/lib/format"
import { problemMessage } from "@/lib/problemMessage"
import en from "@/locales/en.json"
import zh from "@/locales/zh-CN.json"

beforeAll(async () => {
  await i18n.init({ resources: { en: { translation: en }, "zh-CN": { translation: zh } }, lng: "en" })
})

describe("formatDuration", () => {
  it("reads hours and minutes in English", () => {
    const t = i18n.getFixedT("en")
    expect(formatDuration(85, t)).toBe("1 h 25 min")
    expect(formatDuration(120, t)).toBe("2 h")
    expect(formatDuration(45, t)).toBe("45 min")
    expect(formatDuration(0, t)).toBe("0 min")
  })
  it("reads hours and minutes in Chinese", () => {
    const t = i18n.getFixedT("zh-CN")
    expect(formatDuration(85, t)).toBe("1 小时 25 分钟")
    expect(formatDuration(60, t)).toBe("1 小时")
  })
})

describe("numbers", () => {
  it("group digits per locale", () => {
    expect(formatNumber(12345.5, "en")).toBe("12,345.5")
    expect(formatPercent(1 / 3, "zh-CN")).toBe("33%")
  })
})

describe("problemMessage", () => {
  const now = Date.UTC(2026, 0, 1, 8, 0, 0)
  it("says when to try again after a 429", () => {
    const err = new ApiError(429, { title: "Too Many Requests" }, "90")
    const text = problemMessage(err, i18n.getFixedT("en"), "en", now)
    expect(text).toMatch(/^Too many attempts\. Try again at /)
    expect(text).toContain(new Intl.DateTimeFormat("en", { timeStyle: "short" }).format(new Date(now + 90_000)))
    expect(problemMessage(err, i18n.getFixedT("zh-CN"), "zh-CN", now)).toMatch(/^尝试次数过多。请在 .+ 之后再试。$/)
  })
  it("says so when offline", () => {
    expect(problemMessage(new NetworkError(new TypeError("x")), i18n.getFixedT("en"), "en")).toMatch(/cannot be reached/)
  })
  it("parses Retry-After as seconds or a date", () => {
    expect(parseRetryAfter("12")).toBe(12)
    expect(parseRetryAfter(new Date(now + 30_000).toUTCString(), now)).toBe(30)
    expect(parseRetryAfter(null)).toBeNull()
  })
  it("keeps field errors of a 422 by field", () => {
    const err = new ApiError(422, { errors: [{ loc: ["body", "username"], msg: "too short", type: "string_too_short" }] }, null)
    expect(err.fieldErrors).toEqual([{ field: "username", msg: "too short", type: "string_too_short", path: ["username"] }])
  })
})
