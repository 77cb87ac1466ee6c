/** Both locale files carry exactly the same keys (plural forms included), and no value is empty. */
import { describe, expect, it } from "vitest"
import en from "@/locales/en.json"
import zh from "@/locales/zh-CN.json"

function keys(obj: object, prefix = ""): string[] {
  return Object.entries(obj).flatMap(([k, v]) =>
    typeof v === "object" && v !== null ? keys(v as object, `${prefix}${k}.`) : [`${prefix}${k}`],
  )
}

function values(obj: object): string[] {
  return Object.values(obj).flatMap((v) => (typeof v === "object" && v !== null ? values(v as object) : [String(v)]))
}

describe("locale files", () => {
  it("have the same keys", () => {
    expect(keys(zh).sort()).toEqual(keys(en).sort())
  })
  it("have no empty strings", () => {
    expect(values(en).filter((v) => !v.trim())).toEqual([])
    expect(values(zh).filter((v) => !v.trim())).toEqual([])
  })
  it("use the agreed words", () => {
    expect([en.nav.signIn, zh.nav.signIn, en.nav.signOut, zh.nav.signOut]).toEqual(["Sign in", "登录", "Sign out", "退出登录"])
    expect([en.course.enroll, zh.course.enroll, en.course.reenroll, zh.course.reenroll]).toEqual([
      "Enroll",
      "报名",
      "Re-enroll",
      "重新报名",
    ])
    expect([en.learn.markDone, zh.learn.markDone, en.catalogue.popularThisWeek, zh.catalogue.popularThisWeek]).toEqual([
      "Mark as done",
      "标记为已完成",
      "Popular this week",
      "本周热门",
    ])
  })
})

describe("language choice", () => {
  it("reads any Chinese browser language as zh-CN and anything else as English", async () => {
    const { normaliseLanguage, apiLang } = await import("@/i18n")
    expect(["zh", "zh-CN", "zh-TW", "zh-Hans-CN"].map(normaliseLanguage)).toEqual(["zh-CN", "zh-CN", "zh-CN", "zh-CN"])
    expect(["en-US", "fr", "de-DE"].map(normaliseLanguage)).toEqual(["en", "en", "en"])
    expect([apiLang("zh-CN"), apiLang("en-GB")]).toEqual(["zh", "en"])
  })
})
